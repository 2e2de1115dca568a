//! The CIFAR-10 comparison table (shipped and finished runs) with overlaid validation-accuracy
//! curves (per-epoch test accuracy for files saved before validation shares); "MobileNetV1
//! against PlainCNN" (or any pair) is one click.

use leptos::prelude::*;

use crate::config::ModelKind;
use crate::cost::thousands;
use crate::messages::cifar::CifarRunRow;
use crate::ui::export::{save_png, svg_png};
use crate::ui::state::AppState;
use crate::ui::widgets::{Chart, Line, LineChart};

/// Line colours of overlaid runs.
const COLOURS: [&str; 6] = [
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf",
];

/// A run's legend: model, source, final test accuracy and what its curve measures.
fn legend(r: &CifarRunRow) -> String {
    format!(
        "{} ×{} ({}) test {:.1} %, curve: {}",
        r.model.name(),
        r.width,
        r.source,
        100.0 * r.accuracy,
        r.curve().1.words()
    )
}

/// Selects the newest row of each model in `models` (and only those).
fn select_models(state: AppState, models: &[ModelKind]) {
    let runs = state.cifar.runs.get_untracked();
    let ids: Vec<String> = models
        .iter()
        .filter_map(|m| {
            runs.iter()
                .rev()
                .find(|r| r.model == *m)
                .map(|r| r.id.clone())
        })
        .collect();
    state.cifar.selected.set(ids);
}

#[component]
pub fn CifarCompare() -> impl IntoView {
    let state = expect_context::<AppState>();
    let cs = state.cifar;
    let selected_runs = move || {
        let sel = cs.selected.get();
        cs.runs
            .get()
            .into_iter()
            .filter(|r| sel.contains(&r.id))
            .collect::<Vec<_>>()
    };
    let curves = Signal::derive(move || {
        let runs = selected_runs();
        Chart {
            title:
                "CIFAR-10 accuracy per epoch (validation images; test for files saved before them)"
                    .into(),
            lines: runs
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let points = r
                        .curve()
                        .0
                        .into_iter()
                        .map(|(e, a)| (e as f64, a))
                        .collect();
                    let mut l = Line::new(legend(r), COLOURS[i % COLOURS.len()], points);
                    l.testid = Some("cifar-curve");
                    l.run = Some(r.id.clone());
                    l
                })
                .collect(),
            x_label: "epoch".into(),
            y_label: "accuracy".into(),
            y_range: Some((0.0, 1.0)),
            percent: true,
            legend: true,
            caption: runs
                .iter()
                .map(|r| {
                    format!(
                        "{} ×{}: {} params, {} epochs on {} training images, {} · {}",
                        r.model.name(),
                        r.width,
                        thousands(r.params as u64),
                        r.epochs,
                        r.train_images,
                        r.backend,
                        r.recipe
                    )
                })
                .collect(),
        }
    });
    view! {
        <h3>"Compare runs"</h3>
        {move || cs.missing.get().filter(|m| !m.is_empty()).map(|m| view! {
            <p class="hint" data-testid="cifar-missing">
                {format!("No shipped weights for {} yet.", m.join(", "))}
            </p>
        })}
        <div class="controls">
            <button data-testid="cifar-compare-v1-plain"
                on:click=move |_| select_models(state, &[ModelKind::MobileNetV1, ModelKind::PlainCnn])>
                "MobileNetV1 against PlainCNN"
            </button>
            <button data-testid="cifar-compare-v1-v2"
                on:click=move |_| select_models(state, &[ModelKind::MobileNetV1, ModelKind::MobileNetV2])>
                "MobileNetV1 against MobileNetV2"
            </button>
            <button data-testid="cifar-compare-all"
                on:click=move |_| select_models(state, &[ModelKind::PlainCnn, ModelKind::MobileNetV1, ModelKind::MobileNetV2])>
                "All three"
            </button>
        </div>
        <table data-testid="cifar-runs">
            <thead><tr>
                <th>"show"</th><th>"model"</th><th>"width"</th><th>"params"</th><th>"MACs"</th>
                <th>"test acc"</th><th>"validation acc"</th><th>"epochs"</th><th>"train images"</th><th>"time"</th>
                <th>"backend"</th><th>"source"</th><th>"recipe"</th>
            </tr></thead>
            <tbody>
                {move || cs.runs.get().into_iter().map(|r| {
                    let id = r.id.clone();
                    let id2 = r.id.clone();
                    view! {
                        <tr data-testid="cifar-run-row" data-source=r.source.to_string()
                            data-model=r.model.name() data-acc=r.accuracy.to_string()
                            data-val-acc=r.validation.map(|v| v.0.to_string()).unwrap_or_default()
                            data-val-images=r.validation.map(|v| v.1).unwrap_or(0).to_string()
                            data-train-images=r.train_images.to_string()>
                            <td><input type="checkbox" data-testid="cifar-run-select"
                                prop:checked=move || cs.selected.get().contains(&id)
                                on:change=move |_| cs.selected.update(|s| {
                                    if let Some(p) = s.iter().position(|x| *x == id2) {
                                        s.remove(p);
                                    } else {
                                        s.push(id2.clone());
                                    }
                                }) /></td>
                            <td>{r.model.name()}</td>
                            <td>{format!("{}", r.width)}</td>
                            <td>{thousands(r.params as u64)}</td>
                            <td>{thousands(r.macs)}</td>
                            <td>{format!("{:.1} %", 100.0 * r.accuracy)}</td>
                            <td data-testid="cifar-run-val">{r.validation.map(|(a, n)| format!("{:.1} % ({n})", 100.0 * a)).unwrap_or_else(|| "–".into())}</td>
                            <td>{r.epochs}</td>
                            <td>{r.train_images}</td>
                            <td>{crate::ui::widgets::format_eta(r.seconds)}</td>
                            <td>{r.backend.clone()}</td>
                            <td>{r.source.to_string()}</td>
                            <td class="recipe">{r.recipe.clone()}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        <button data-testid="cifar-curves-png" disabled=move || selected_runs().is_empty()
            on:click=move |_| save_png(state, "convlab-cifar-curves.png", svg_png("cifar-curves"))>"Curves (PNG)"</button>
        <LineChart chart=curves testid="cifar-curves" label="validation accuracy per epoch of the selected runs" width=520.0 plot_height=170.0 />
    }
}
