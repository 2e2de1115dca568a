//! The Models page's layer walkthrough: step through a model's layers (output shape,
//! parameters, multiply-adds, share of the total) and see what each layer makes of one input,
//! computed by the real model in the worker (trained weights where they ship).

use leptos::prelude::*;

use super::layers::{layer_cells, shape};
use crate::config::ModelKind;
use crate::data::picture::sample_list;
use crate::messages::Request;
use crate::messages::lab::{LabRequest, WalkInfo, WalkSettings, WalkSource};
use crate::ui::canvas::ImageCanvas;
use crate::ui::client::send;
use crate::ui::state::AppState;

/// Indian Pines pixel the HybridSN walkthrough starts on (Soybean-mintill).
const DEFAULT_PIXEL: [usize; 2] = [60, 40];
/// Largest row/column index of the bundled scene.
const SCENE_LAST: usize = 144;

fn tile(walk: &Option<(WalkInfo, Vec<Vec<u8>>)>, id: &str) -> Option<(u32, u32, Vec<u8>)> {
    let (info, bins) = walk.as_ref()?;
    crate::ui::canvas::find_tile(&info.view.as_ref()?.tiles, bins, id)
}

/// A vector layer as bars (class probabilities with their names, or raw values).
fn bars(values: Vec<f32>, labels: Vec<String>) -> impl IntoView {
    let n = values.len().max(1);
    let max = values.iter().fold(0f32, |m, v| m.max(v.abs())).max(1e-12);
    if !labels.is_empty() {
        let rows = values
            .iter()
            .zip(&labels)
            .map(|(v, l)| {
                let w = 100.0 * v / max;
                view! {
                    <tr>
                        <td>{l.clone()}</td>
                        <td><span class="share" style=format!("width:{:.0}px", 2.0 * w)></span></td>
                        <td>{format!("{:.1} %", 100.0 * v)}</td>
                    </tr>
                }
            })
            .collect_view();
        return view! { <table class="probs" data-testid="walk-probs"><tbody>{rows}</tbody></table> }
            .into_any();
    }
    let (width, height) = (600.0f32, 80.0f32);
    let bw = width / n as f32;
    let rects = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let h = (height / 2.0) * v.abs() / max;
            let y = if *v >= 0.0 { height / 2.0 - h } else { height / 2.0 };
            let fill = if *v >= 0.0 { "#b2182b" } else { "#2166ac" };
            view! { <rect x=format!("{:.2}", i as f32 * bw) y=format!("{y:.2}") width=format!("{:.2}", bw.max(0.5)) height=format!("{h:.2}") fill=fill /> }
        })
        .collect_view();
    view! {
        <svg data-testid="walk-vector" width=width height=height viewBox=format!("0 0 {width} {height}")>
            <line x1="0" y1=height / 2.0 x2=width y2=height / 2.0 stroke="#888" />
            {rects}
        </svg>
    }
    .into_any()
}

#[component]
pub fn Walkthrough() -> impl IntoView {
    let state = expect_context::<AppState>();
    let source = RwSignal::new(WalkSource::ALL[0]);
    let layer = RwSignal::new(None::<String>);
    let sample = RwSignal::new("cifar-0".to_string());
    let pixel = RwSignal::new(DEFAULT_PIXEL);
    let ask = move || {
        state.error.set(None);
        send(&Request::Lab(LabRequest::Walk(WalkSettings {
            source: source.get_untracked(),
            layer: layer.get_untracked(),
            sample: sample.get_untracked(),
            pixel: pixel.get_untracked(),
        })));
    };
    if state.lab.walk.get_untracked().is_none() {
        ask();
    } else if let Some((info, _)) = state.lab.walk.get_untracked() {
        source.set(info.source);
        layer.set(info.view.map(|v| v.layer));
    }
    let is_hsi = move || source.get().model == ModelKind::HybridSn;
    // The names of the current table's layers, for previous / next.
    let names = move || {
        state.lab.walk.with(|w| {
            w.as_ref()
                .map(|(i, _)| {
                    i.table
                        .layers
                        .iter()
                        .map(|l| l.name.clone())
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };
    let step = move |by: isize| {
        let names = names();
        if names.is_empty() {
            return;
        }
        let at = layer
            .get_untracked()
            .and_then(|l| names.iter().position(|n| *n == l))
            .map_or(0, |i| {
                (i as isize + by).clamp(0, names.len() as isize - 1) as usize
            });
        layer.set(Some(names[at].clone()));
        ask();
    };
    let pixel_input = move |axis: usize| {
        view! {
            <input type="number" min="0" max=SCENE_LAST.to_string()
                data-testid=if axis == 0 { "walk-row" } else { "walk-col" }
                prop:value=move || pixel.get()[axis].to_string()
                on:change=move |ev| {
                    match event_target_value(&ev).trim().parse::<usize>() {
                        Ok(v) if v <= SCENE_LAST => {
                            pixel.update(|p| p[axis] = v);
                            ask();
                        }
                        _ => state.error.set(Some(format!(
                            "The pixel's row and column are whole numbers from 0 to {SCENE_LAST}."
                        ))),
                    }
                } />
        }
    };

    view! {
        <h3>"Layer walkthrough"</h3>
        <p>
            "Step through a model layer by layer: each row is one layer with its output shape, parameters, "
            "multiply-adds and share of the model's multiply-adds. Click a layer (or step with the buttons) to see "
            "its output for the chosen input, computed by the real model in the worker: red positive, blue negative, "
            "one shared scale per layer. HybridSN and the ×0.25 CIFAR-10 models use the weights that ship with convlab; the ×1 "
            "models are shown untrained."
        </p>
        <div class="controls">
            <label>
                "Model "
                <select data-testid="walk-model" on:change=move |ev| {
                    if let Some(chosen) = WalkSource::from_id(&event_target_value(&ev)) {
                        source.set(chosen);
                        layer.set(None);
                        ask();
                    }
                }>
                    {WalkSource::ALL.into_iter().map(|s| {
                        let sel = s == source.get_untracked();
                        view! { <option value=s.id() selected=sel>{s.label()}</option> }
                    }).collect_view()}
                </select>
            </label>
            <Show
                when=is_hsi
                fallback=move || view! {
                    <label>
                        "Picture "
                        <select data-testid="walk-sample" on:change=move |ev| { sample.set(event_target_value(&ev)); ask(); }>
                            {sample_list().into_iter().map(|(id, label)| {
                                let sel = id == sample.get_untracked();
                                view! { <option value=id selected=sel>{label}</option> }
                            }).collect_view()}
                        </select>
                    </label>
                }
            >
                <label>"Pixel row " {pixel_input(0)}</label>
                <label>"column " {pixel_input(1)}</label>
            </Show>
            <button data-testid="walk-prev" on:click=move |_| step(-1)>"◀ Previous layer"</button>
            <button data-testid="walk-next" on:click=move |_| step(1)>"Next layer ▶"</button>
        </div>
        {move || state.lab.walk.get().map(|(info, _)| {
            let total = info.table.macs.max(1) as f64;
            let current = info.view.as_ref().map(|v| v.layer.clone());
            view! {
                <p class="note" data-testid="walk-weights">{format!("Weights: {}.", info.weights)}</p>
                <table class="layers" data-testid="walk-table">
                    <thead>
                        <tr><th>"Layer"</th><th>"Kind"</th><th>"Output"</th><th>"Params"</th><th>"MACs"</th><th>"Share"</th></tr>
                    </thead>
                    <tbody>
                        {info.table.layers.into_iter().map(|l| {
                            let name = l.name.clone();
                            let chosen = current.as_deref() == Some(l.name.as_str());
                            view! {
                                <tr class:chosen=chosen>
                                    <td>
                                        <button class="link" data-testid=format!("walk-layer-{}", l.name)
                                            on:click=move |_| { layer.set(Some(name.clone())); ask(); }>
                                            {l.name.clone()}
                                        </button>
                                    </td>
                                    {layer_cells(l, total)}
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }
        })}
        {move || state.lab.walk.get().and_then(|(info, _)| info.view).map(|v| {
            let maps = (0..v.map_count).map(|i| {
                let id = format!("map-{i}");
                let img = Signal::derive(move || state.lab.walk.with(|w| tile(w, &id)));
                let scale = if v.tiles.get(i + 1).is_some_and(|t| t.width >= 24) { 3 } else { 6 };
                view! { <ImageCanvas image=img testid=format!("walk-map-{i}") scale=scale /> }
            }).collect_view();
            let input = Signal::derive(move || state.lab.walk.with(|w| tile(w, "input")));
            let vector = (!v.vector.is_empty()).then(|| bars(v.vector.clone(), v.labels.clone()));
            let count = v.map_count;
            let grid = (count > 0).then(move || view! {
                <div class="grid-block">
                    <h4>{format!("{count} output maps")}</h4>
                    <div class="tiles" data-testid="walk-maps">{maps}</div>
                </div>
            });
            view! {
                <div data-testid="walk-view">
                    <p data-testid="walk-summary">
                        {format!(
                            "{}: output {} for {}; showing {}{}. {:.1} ms on {} (forward pass and read-back).",
                            v.layer,
                            shape(&v.shape),
                            v.input,
                            v.note,
                            if v.map_count > 0 { format!(" (scale ±{:.3})", v.scale) } else { String::new() },
                            v.ms,
                            state.backend.get().map(|b| b.kind).unwrap_or_else(|| "the worker".into())
                        )}
                    </p>
                    <div class="conv-maps">
                        <div class="grid-block">
                            <h4>"Input"</h4>
                            <ImageCanvas image=input testid="walk-input" scale=3 />
                        </div>
                        {grid}
                    </div>
                    {vector}
                </div>
            }
        })}
    }
}
