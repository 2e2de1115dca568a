//! The run's epochs: the loss chart, the table and their downloads.

use leptos::prelude::*;

use crate::ui::download::{download, download_png};
use crate::ui::state::AppState;
use crate::ui::widgets::LossChart;
use crate::viz;

/// Per-epoch loss, train accuracy and validation OA (never test OA: no epoch is chosen on
/// test pixels), with a small chart.
#[component]
pub fn EpochTable() -> impl IntoView {
    let state = expect_context::<AppState>();
    let hs = state.hsi;
    let download_csv = move |_| {
        let rows: Vec<Vec<String>> = hs.epochs.with_untracked(|e| {
            e.iter()
                .map(|r| {
                    vec![
                        r.epoch.to_string(),
                        format!("{:.6}", r.loss),
                        format!("{:.6}", r.train_acc),
                        r.val_acc.map(|v| format!("{v:.6}")).unwrap_or_default(),
                        format!("{:.2}", r.train_seconds),
                    ]
                })
                .collect()
        });
        let text = crate::share::csv(&["epoch", "loss", "train_acc", "val_oa", "seconds"], &rows);
        download("convlab-hsi-epochs.csv", text.as_bytes(), "text/csv");
    };
    view! {
        <LossChart />
        <button data-testid="curves-png" disabled=move || hs.epochs.with(|e| e.is_empty())
            on:click=move |_| {
                let ep = hs.epochs.get_untracked();
                let series = |name: &str, colour, f: &dyn Fn(&crate::data::EpochMetrics) -> Option<f64>| viz::chart::Series {
                    name: name.into(),
                    colour,
                    points: ep.iter().filter_map(|r| f(r).map(|v| (r.epoch as f64, v))).collect(),
                };
                let all = [
                    series("loss", [209, 73, 91], &|r| Some(r.loss)),
                    series("train accuracy", [42, 93, 176], &|r| Some(r.train_acc)),
                    series("validation OA", [0, 121, 140], &|r| r.val_acc),
                ];
                let scene = hs.scene.with_untracked(|s| s.as_ref().map(|s| s.name.clone())).unwrap_or_default();
                let caption = vec![format!("{scene} · HybridSN · {} epochs · accuracies as fractions", ep.len())];
                let fig = viz::chart::chart_figure("Training curves", &all, None, "epoch", "", &caption);
                download_png("convlab-hsi-curves.png", &fig);
            }>"Curves (PNG)"</button>
        <button data-testid="epochs-csv" disabled=move || hs.epochs.with(|e| e.is_empty())
            on:click=download_csv>"Metrics per epoch (CSV)"</button>
        <table data-testid="epoch-table">
            <thead><tr><th>"Epoch"</th><th>"Loss"</th><th>"Train acc."</th><th title="On the validation pixels held out of the training pixels; the test score comes once, after the last epoch">"Validation OA"</th><th>"Time"</th></tr></thead>
            <tbody>
                {move || hs.epochs.get().into_iter().map(|e| view! {
                    <tr data-testid="epoch-row">
                        <td>{e.epoch}</td>
                        <td>{format!("{:.4}", e.loss)}</td>
                        <td>{format!("{:.2} %", 100.0 * e.train_acc)}</td>
                        <td>{e.val_acc.map(|v| format!("{:.2} %", 100.0 * v)).unwrap_or_else(|| "–".into())}</td>
                        <td>{format!("{:.1} s", e.train_seconds)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}
