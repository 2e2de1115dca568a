//! Preprocessing: PCA and split settings, and what they give (explained variance, split
//! sizes, HybridSN's layer table).

use leptos::prelude::*;

use super::busy;
use super::form::HsiForm;
use crate::cost::thousands;
use crate::data::Guard;
use crate::messages::Request;
use crate::messages::hsi::HsiRequest;
use crate::ui::client::send;
use crate::ui::form::{check_input, field, num_input};
use crate::ui::state::AppState;

/// The PCA and split settings and their results.
#[component]
pub fn Preprocess() -> impl IntoView {
    let state = expect_context::<AppState>();
    let hs = state.hsi;
    let form = expect_context::<HsiForm>();
    let settings = form.settings;
    let spatial = field!(settings, spatial);
    let guard = field!(settings, guard);
    let busy = move || busy(state);

    view! {
        <h3>"Preprocess and train"</h3>
        <div class="controls">
            {num_input("PCA components", "pca", field!(settings, pca), "1")}
            {num_input("Patch size", "patch", field!(settings, patch), "2")}
            {num_input("Train fraction", "train-fraction", field!(settings, train_fraction), "0.01")}
            {num_input("Validation share", "val-fraction", field!(settings, val_fraction), "0.05")}
            {num_input("Seed", "seed", field!(settings, seed), "1")}
            {check_input("spatially disjoint split", "spatial", spatial)}
            <Show when=move || spatial.get()>
                <label>
                    "Guard "
                    <select data-testid="guard" on:change=move |ev| {
                        if let Some(g) = Guard::from_id(&event_target_value(&ev)) { guard.set(g) }
                    }>
                        {Guard::ALL.into_iter().map(|g| view! {
                            <option value=g.id() selected=move || guard.get() == g>{g.describe()}</option>
                        }).collect_view()}
                    </select>
                </label>
            </Show>
            <button data-testid="prepare" disabled=busy
                on:click=move |_| { state.error.set(None); send(&Request::Hsi(HsiRequest::Prepare(settings.get_untracked()))); }>"Run PCA"</button>
        </div>
        <Show when=move || spatial.get()>
            <p class="note">
                "A random split puts training and test pixels side by side, and their 25×25 patches overlap: "
                "the network has literally seen most of every test patch during training, which flatters the "
                "score. The spatially disjoint split trains on whole blocks of the scene and, with its default "
                "guard, tests only on pixels at least a patch width (25 pixels for 25×25 patches) from every "
                "training block, so no test patch shares a single input pixel with a training patch. Its score "
                "is lower and closer to what new fields would get; classes found in few blocks may have no test "
                "pixels. The narrower guard keeps labels apart but lets inputs be shared. Either way, a share of "
                "each class's training pixels is held out for validation: the per-epoch scores below are on "
                "those, never on test pixels."
            </p>
        </Show>
        {move || hs.prepared.get().map(|p| {
            let total: f64 = p.explained.iter().sum();
            view! {
                <p data-testid="explained">
                    {format!(
                        "PCA: {} components explain {:.2} % of the variance (first three: {}). Split: {} training, {} test pixels.",
                        p.explained.len(), 100.0 * total,
                        p.explained.iter().take(3).map(|v| format!("{:.1} %", 100.0 * v)).collect::<Vec<_>>().join(", "),
                        p.train, p.test
                    )}
                </p>
                <table class="layers" data-testid="hsi-layers">
                    <thead><tr><th>"Layer"</th><th>"Kind"</th><th>"Output"</th><th>"Params"</th><th>"MACs"</th></tr></thead>
                    <tbody>
                        {p.layers.layers.into_iter().map(|l| view! {
                            <tr>
                                <td>{l.name}</td><td>{l.kind}</td>
                                <td>{l.output.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("×")}</td>
                                <td>{thousands(l.params as u64)}</td><td>{thousands(l.macs)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }
        })}
    }
}
