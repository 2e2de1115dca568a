//! The Models page: every model's layers, output shapes, parameters and multiply-adds,
//! computed by the real burn modules in the worker.

use leptos::prelude::*;

use super::layers::{layer_cells, shape};
use super::walkthrough::Walkthrough;
use crate::cost::thousands;
use crate::ui::state::AppState;

#[component]
pub fn ModelsPage() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <section>
            <h2>"Models"</h2>
            <p>
                "Parameters count weights, biases and batch-norm scale and shift (not the running statistics). "
                "Multiply-adds (MACs) count convolution and linear layers per sample, without biases. "
                "Every number is computed by the burn modules in the worker."
            </p>
            <Show
                when=move || !state.lab.models.get().is_empty()
                fallback=|| view! { <p>"Building the models in the worker…"</p> }
            >
                <table class="summary" data-testid="models-summary">
                    <thead>
                        <tr><th>"Model"</th><th>"Input"</th><th>"Output"</th><th>"Parameters"</th><th>"MACs"</th></tr>
                    </thead>
                    <tbody>
                        {move || state.lab.models.get().into_iter().map(|m| {
                            let out = m.layers.last().map(|l| shape(&l.output)).unwrap_or_default();
                            view! {
                                <tr data-testid=format!("model-{}", m.model)>
                                    <td>{m.model.clone()}</td>
                                    <td>{shape(&m.input)}</td>
                                    <td>{out}</td>
                                    <td data-testid="params">{thousands(m.params as u64)}</td>
                                    <td data-testid="macs">{format!("{:.2} M", m.macs as f64 / 1e6)}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
                {move || state.lab.models.get().into_iter().map(|m| {
                    let total = m.macs.max(1) as f64;
                    view! {
                        <details>
                            <summary>{format!("{}: {} layers", m.model, m.layers.len())}</summary>
                            <table class="layers" data-testid=format!("layers-{}", m.model)>
                                <thead>
                                    <tr><th>"Layer"</th><th>"Kind"</th><th>"Output"</th><th>"Params"</th><th>"MACs"</th><th>"Share"</th></tr>
                                </thead>
                                <tbody>
                                    {m.layers.into_iter().map(|l| {
                                        view! { <tr><td>{l.name.clone()}</td>{layer_cells(l, total)}</tr> }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </details>
                    }
                }).collect_view()}
            </Show>
            <Walkthrough />
        </section>
    }
}
