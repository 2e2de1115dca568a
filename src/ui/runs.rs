//! Saved runs: finished runs kept in the browser (IndexedDB, through `runs.js`), listed,
//! compared (overlaid curves and a table) and deleted on the Runs page.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use super::state::AppState;
use super::widgets::{Chart, Line, LineChart};
use crate::messages::SavedRun;

/// Calls `self.convlabRuns[name](args…)` and awaits its promise.
async fn call(name: &str, args: &[JsValue]) -> Result<JsValue, String> {
    let api = js_sys::Reflect::get(&js_sys::global(), &"convlabRuns".into())
        .ok()
        .filter(|v| !v.is_undefined())
        .ok_or("the saved-runs store (runs.js) did not load")?;
    let f = js_sys::Reflect::get(&api, &name.into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .ok_or_else(|| format!("runs.js has no {name}()"))?;
    let arr: js_sys::Array = args.iter().collect();
    let promise = f
        .apply(&api, &arr)
        .map_err(|e| describe(&e))?
        .dyn_into::<js_sys::Promise>()
        .map_err(|_| format!("runs.js {name}() did not return a promise"))?;
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map_err(|e| describe(&e))
}

/// A browser error in words: `QuotaExceededError: …` becomes a sentence about space.
fn describe(e: &JsValue) -> String {
    let get = |k: &str| {
        js_sys::Reflect::get(e, &k.into())
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default()
    };
    let (name, message) = (get("name"), get("message"));
    if name == "QuotaExceededError" {
        return "the browser has no more storage space for saved runs (delete some on the Runs page)".into();
    }
    if message.is_empty() {
        format!("{e:?}")
    } else {
        format!("{name}: {message}")
    }
}

/// Saves a run (replacing one with the same id), with its weights file when given.
pub async fn save(run: &SavedRun, weights: Option<&[u8]>) -> Result<(), String> {
    let json = serde_json::to_string(run).map_err(|e| e.to_string())?;
    let weights = weights.map_or(JsValue::UNDEFINED, |w| js_sys::Uint8Array::from(w).into());
    call("put", &[run.id.clone().into(), json.into(), weights]).await?;
    Ok(())
}

/// Ids of the runs saved with their weights.
async fn with_weights() -> Result<Vec<String>, String> {
    let v = call("withWeights", &[]).await?;
    let arr = v
        .dyn_into::<js_sys::Array>()
        .map_err(|_| "runs.js withWeights() gave no array")?;
    Ok(arr.iter().filter_map(|j| j.as_string()).collect())
}

/// The weights file saved with a run.
async fn weights_of(id: &str) -> Result<Vec<u8>, String> {
    let v = call("weights", &[id.into()]).await?;
    v.dyn_into::<js_sys::Uint8Array>()
        .map(|a| a.to_vec())
        .map_err(|_| "this run was saved without its weights".into())
}

/// Every saved run, newest first; unreadable entries are skipped.
pub async fn list() -> Result<Vec<SavedRun>, String> {
    let v = call("list", &[]).await?;
    let arr = v
        .dyn_into::<js_sys::Array>()
        .map_err(|_| "runs.js list() gave no array")?;
    let mut runs: Vec<SavedRun> = arr
        .iter()
        .filter_map(|j| j.as_string())
        .filter_map(|s| serde_json::from_str(&s).ok())
        .collect();
    runs.sort_by(|a, b| b.created_ms.total_cmp(&a.created_ms));
    Ok(runs)
}

pub async fn remove(id: &str) -> Result<(), String> {
    call("remove", &[id.into()]).await.map(|_| ())
}

/// Saves a finished run in the background; a failure is reported, and the run stays on
/// screen either way.
pub fn save_in_background(state: AppState, run: SavedRun, weights: Option<Vec<u8>>) {
    leptos::task::spawn_local(async move {
        match save(&run, weights.as_deref()).await {
            Ok(()) => state.runs_saved.update(|n| *n += 1),
            Err(e) => state.error.set(Some(format!(
                "This run could not be saved in the browser: {e}. It stays on screen until you leave the page."
            ))),
        }
    });
}

const COLOURS: [&str; 8] = [
    "#2a5db0", "#d1495b", "#00798c", "#edae49", "#66a182", "#8d5a97", "#30638e", "#a44a3f",
];

fn pct(v: f64) -> String {
    format!("{:.2} %", 100.0 * v)
}

/// The Runs page.
#[component]
pub fn RunsPage() -> impl IntoView {
    let state = expect_context::<AppState>();
    let runs = RwSignal::new(None::<Result<Vec<SavedRun>, String>>);
    let chosen = RwSignal::new(Vec::<String>::new());
    let weighted = RwSignal::new(Vec::<String>::new());
    let reload = move || {
        leptos::task::spawn_local(async move {
            weighted.set(with_weights().await.unwrap_or_default());
            let r = list().await;
            if let Ok(list) = &r {
                // Compare the newest few by default.
                chosen.set(list.iter().take(4).map(|r| r.id.clone()).collect());
            }
            runs.set(Some(r));
        });
    };
    reload();
    // A run saved while this page is open appears at once.
    Effect::new(move |prev: Option<usize>| {
        let n = state.runs_saved.get();
        if prev.is_some_and(|p| p != n) {
            reload();
        }
        n
    });

    let chart = move || {
        let Some(Ok(list)) = runs.get() else {
            return ().into_any();
        };
        let ids = chosen.get();
        let picked: Vec<(usize, SavedRun)> = list
            .into_iter()
            .filter(|r| ids.contains(&r.id))
            .enumerate()
            .collect();
        let lines = picked
            .iter()
            .map(|(i, r)| {
                let points = r
                    .history
                    .iter()
                    .map(|e| (e.epoch as f64, e.curve_accuracy()))
                    .collect();
                let mut l = Line::new(
                    format!("{} · {}", r.model, r.dataset),
                    COLOURS[i % COLOURS.len()],
                    points,
                );
                l.dots = true;
                l.testid = Some("run-curve");
                l
            })
            .collect();
        let chart = Chart {
            title: "Saved runs".into(),
            lines,
            x_label: "epoch".into(),
            y_label: "accuracy".into(),
            y_range: Some((0.0, 1.0)),
            percent: true,
            legend: true,
            caption: vec![
                "convlab · validation, test or train accuracy per epoch (see the page)".into(),
            ],
        };
        view! {
            <figure>
                <LineChart chart=Signal::stored(chart) testid="runs-chart" label="accuracy per epoch of the chosen runs" />
                <figcaption>"Accuracy per epoch of the ticked runs: validation OA for hyperspectral runs that measured it, test accuracy for CIFAR-10 runs, train accuracy where neither was taken."</figcaption>
                <button data-testid="runs-png"
                    on:click=move |_| crate::ui::export::save_png(state, "convlab-runs.png", crate::ui::export::svg_png("runs-chart"))>"Comparison (PNG)"</button>
            </figure>
        }
        .into_any()
    };

    let table = move || {
        match runs.get() {
        None => view! { <p>"Reading saved runs…"</p> }.into_any(),
        Some(Err(e)) => view! { <p class="error" data-testid="runs-error">{format!("Saved runs are unavailable: {e}")}</p> }.into_any(),
        Some(Ok(list)) if list.is_empty() => view! {
            <p data-testid="runs-empty">"No saved runs yet: every run you finish in a lab is kept here, in this browser."</p>
        }
        .into_any(),
        Some(Ok(list)) => {
            let rows = list
                .into_iter()
                .map(|r| {
                    let id = r.id.clone();
                    let id_del = r.id.clone();
                    let checked = {
                        let id = id.clone();
                        move || chosen.get().contains(&id)
                    };
                    let when = js_sys::Date::new(&JsValue::from_f64(r.created_ms))
                        .to_locale_string("en-GB", &JsValue::UNDEFINED)
                        .as_string()
                        .unwrap_or_default();
                    let metrics = r
                        .metrics
                        .iter()
                        .map(|(k, v)| if k == "Kappa" { format!("{k} {v:.4}") } else { format!("{k} {}", pct(*v)) })
                        .collect::<Vec<_>>()
                        .join(" · ");
                    let settings = r
                        .settings
                        .iter()
                        .map(|(k, v)| format!("{k} {v}"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    view! {
                        <tr data-testid="run-row">
                            <td><input type="checkbox" prop:checked=checked
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    chosen.update(|c| {
                                        c.retain(|x| *x != id);
                                        if on { c.push(id.clone()); }
                                    });
                                } /></td>
                            <td>{when}</td>
                            <td>{r.lab.clone()}</td>
                            <td data-testid="run-model">{r.model.clone()}</td>
                            <td>{crate::cost::thousands(r.params as u64)}</td>
                            <td data-testid="run-metrics">{metrics}</td>
                            <td>{r.history.len()}</td>
                            <td>{format!("{:.1} s", r.seconds)}</td>
                            <td>{r.backend.clone()}</td>
                            <td class="note">{format!("{} · {settings}", r.dataset)}</td>
                            <td>{
                                let id = r.id.clone();
                                let has = weighted.get().contains(&id);
                                has.then(|| view! {
                                    <button data-testid="run-weights" title="The weights file saved with this run (imports in its lab)"
                                        on:click=move |_| {
                                            let id = id.clone();
                                            leptos::task::spawn_local(async move {
                                                match weights_of(&id).await {
                                                    Ok(b) => super::download::download("hybridsn-run.clw", &b, "application/octet-stream"),
                                                    Err(e) => state.error.set(Some(format!("Could not read the run's weights: {e}"))),
                                                }
                                            });
                                        }>"Weights"</button>
                                })
                            }</td>
                            <td><button data-testid="run-delete" on:click=move |_| {
                                let id = id_del.clone();
                                leptos::task::spawn_local(async move {
                                    match remove(&id).await {
                                        Ok(()) => reload(),
                                        Err(e) => state.error.set(Some(format!("Could not delete the run: {e}"))),
                                    }
                                });
                            }>"Delete"</button></td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <table data-testid="runs-table">
                    <thead><tr>
                        <th>"Compare"</th><th>"Finished"</th><th>"Lab"</th><th>"Model"</th><th>"Params"</th>
                        <th>"Final scores"</th><th>"Epochs"</th><th>"Time"</th><th>"Backend"</th><th>"Data and settings"</th><th></th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            }
            .into_any()
        }
    }
    };

    view! {
        <section data-testid="runs">
            <h2>"Saved runs"</h2>
            <p class="note">
                "Every run finished in a lab is kept in this browser (IndexedDB), so it survives a reload. "
                "Tick runs to overlay their curves; nothing leaves your computer."
            </p>
            {chart}
            {table}
        </section>
    }
}
