//! The run's epochs: the loss chart, the table and their downloads.

use leptos::prelude::*;

use crate::ui::download::download;
use crate::ui::export::{save_png, svg_png};
use crate::ui::state::AppState;
use crate::ui::widgets::{Chart, Line, LineChart, LossChart};

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
    // Loss, train accuracy and validation OA per epoch, with the run in the caption.
    let curves = Signal::derive(move || {
        let ep = hs.epochs.get();
        let series =
            |name: &str, colour: &str, f: &dyn Fn(&crate::data::EpochMetrics) -> Option<f64>| {
                Line::new(
                    name,
                    colour,
                    ep.iter()
                        .filter_map(|r| f(r).map(|v| (r.epoch as f64, v)))
                        .collect(),
                )
            };
        let scene = hs
            .scene
            .with(|s| s.as_ref().map(|s| s.name.clone()))
            .unwrap_or_default();
        Chart {
            title: "Training curves".into(),
            lines: vec![
                series("loss", "#d1495b", &|r| Some(r.loss)),
                series("train accuracy", "#2a5db0", &|r| Some(r.train_acc)),
                series("validation OA", "#00798c", &|r| r.val_acc),
            ],
            x_label: "epoch".into(),
            legend: true,
            caption: vec![format!(
                "{scene} · HybridSN · {} epochs · accuracies as fractions",
                ep.len()
            )],
            ..Chart::default()
        }
    });
    view! {
        <LossChart />
        <Show when=move || hs.epochs.with(|e| !e.is_empty())>
            <LineChart chart=curves testid="hsi-curves" label="loss, train accuracy and validation OA per epoch" width=520.0 plot_height=200.0 />
        </Show>
        <button data-testid="curves-png" disabled=move || hs.epochs.with(|e| e.is_empty())
            on:click=move |_| save_png(state, "convlab-hsi-curves.png", svg_png("hsi-curves"))>"Curves (PNG)"</button>
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
