//! The map's scores (or why it has none).

use leptos::prelude::*;

use crate::ui::download::download;
use crate::ui::state::AppState;

/// OA, AA, Kappa and per-class accuracy.
#[component]
pub fn Metrics() -> impl IntoView {
    let state = expect_context::<AppState>();
    let hs = state.hsi;
    move || {
        if let (None, Some((source, why))) = (hs.evaluation.get(), hs.unscored.get()) {
            return view! {
                <p class="metrics" data-testid="unscored">{format!("Map by the {source}. {why}")}</p>
            }
            .into_any();
        }
        let (Some(e), Some(s)) = (hs.evaluation.get(), hs.scene.get()) else {
            return ().into_any();
        };
        view! {
            <p class="metrics" data-testid="metrics">
                <span data-testid="oa">{format!("OA {:.2} %", 100.0 * e.scores.oa)}</span>
                " · "
                <span data-testid="aa">{format!("AA {:.2} %", 100.0 * e.scores.aa)}</span>
                " · "
                <span data-testid="kappa">{format!("Kappa {:.4}", e.scores.kappa)}</span>
                {format!(" on {} test pixels ({})", e.scores.pixels, e.source)}
            </p>
            // Every score names its split and how the weights were chosen.
            <p class="note" data-testid="protocol">{e.protocol.clone()}</p>
            <button data-testid="confusion-csv" on:click={
                let (names, confusion, n) = (s.class_names.clone(), e.scores.confusion.clone(), e.scores.num_classes);
                move |_| {
                    let text = crate::share::confusion_csv(&names, &confusion, n);
                    download("convlab-hsi-confusion.csv", text.as_bytes(), "text/csv");
                }
            }>"Confusion matrix (CSV)"</button>
            <table data-testid="per-class">
                <thead><tr><th>"Class"</th><th>"Name"</th><th>"Accuracy"</th></tr></thead>
                <tbody>
                    {e.scores.per_class.iter().enumerate().map(|(i, a)| view! {
                        <tr>
                            <td>{i + 1}</td>
                            <td>{s.class_names.get(i).cloned().unwrap_or_default()}</td>
                            <td>{a.map(|v| format!("{:.2} %", 100.0 * v)).unwrap_or_else(|| "– (no test pixels)".into())}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        }
        .into_any()
    }
}
