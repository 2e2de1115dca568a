//! The conv lab's 2-D against 3-D view on a slab of Indian Pines: a 2-D convolution over
//! all bands collapses the spectral axis into channels; a 3-D convolution with kernel depth d
//! keeps a spectral axis of bands − d + 1.

use leptos::prelude::*;

use super::conv_form::{ConvForm, MAX_DEPTH};
use crate::cost::thousands;
use crate::messages::Request;
use crate::messages::lab::{LabRequest, SpectralInfo};
use crate::ui::canvas::ImageCanvas;
use crate::ui::client::send;
use crate::ui::state::AppState;

fn shape(s: &[usize]) -> String {
    s.iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join(" × ")
}

fn tile(bins: &[Vec<u8>], info: &SpectralInfo, id: &str) -> Option<(u32, u32, Vec<u8>)> {
    crate::ui::canvas::find_tile(&info.tiles, bins, id)
}

fn canvas(id: String, scale: u32) -> impl IntoView {
    let state = expect_context::<AppState>();
    let testid = format!("spectral-{id}");
    let img = Signal::derive(move || {
        state
            .lab
            .spectral
            .with(|s| s.as_ref().and_then(|(info, bins)| tile(bins, info, &id)))
    });
    view! { <ImageCanvas image=img testid=testid scale=scale /> }
}

#[component]
pub fn SpectralView() -> impl IntoView {
    let state = expect_context::<AppState>();
    let depth = expect_context::<ConvForm>().depth;
    let run = move || {
        state.error.set(None);
        send(&Request::Lab(LabRequest::SpectralConv {
            depth: depth.get_untracked(),
        }));
    };
    if state.lab.spectral.get_untracked().is_none() {
        run();
    }
    view! {
        <h3>"2-D against 3-D convolution"</h3>
        <p>
            "A 32×32-pixel window of Indian Pines with all 200 bands (each band standardised). A 2-D convolution "
            "treats the 200 bands as input channels: each of its 8 filters is 200×3×3 and sums over every band, so the "
            "spectral axis is gone from the output. A 3-D convolution slides a d×3×3 filter along the spectrum too, so "
            "its output keeps a spectral axis of 200 − d + 1 positions. Filter 0 is a spectral slope (a ramp over "
            "the d bands) times a spatial blur, filter 1 a spectral mean times an edge filter, the others random."
        </p>
        <div class="controls">
            <label>
                "Kernel depth d "
                <input type="range" min="1" max=MAX_DEPTH.to_string() data-testid="depth-slider"
                    prop:value=move || depth.get().to_string()
                    on:input=move |ev| {
                        if let Ok(v) = event_target_value(&ev).parse() { depth.set(v) }
                    }
                    on:change=move |_| run() />
                <span data-testid="depth-value">{move || format!(" d = {}", depth.get())}</span>
            </label>
            <button data-testid="depth-hybridsn" on:click=move |_| { depth.set(7); run(); }>"HybridSN's d = 7"</button>
        </div>
        {move || state.lab.spectral.get().map(|(info, _)| {
            let l = info.shape3d.get(1).copied().unwrap_or(0);
            let hyb = 30 - 7 + 1;
            view! {
                <p data-testid="spectral-shapes">
                    "2-D output: " <strong data-testid="shape-2d">{shape(&info.shape2d)}</strong>
                    {format!(" ({} parameters, {} multiply-adds, {:.2} ms). ", thousands(info.params2d), thousands(info.macs2d), info.ms2d)}
                    "3-D output with d = " {info.depth} ": " <strong data-testid="shape-3d">{shape(&info.shape3d)}</strong>
                    {format!(" ({} parameters, {} multiply-adds, {:.2} ms).", thousands(info.params3d), thousands(info.macs3d), info.ms3d)}
                </p>
                <p data-testid="spectral-size">
                    {format!(
                        "Spectral size of the 3-D output: bands − d + 1 = {} − {} + 1 = {l}.",
                        info.bands, info.depth
                    )}
                    {(info.depth == info.bands).then_some(" With d equal to the number of bands the 3-D convolution is exactly the 2-D one.")}
                </p>
                <p class="note">
                    {format!(
                        "HybridSN's first layer is 8@7×3×3: 8 filters of depth 7 on a 25×25 patch of 30 PCA components, \
                         so its output is 8 × {hyb} × 23 × 23 (30 − 7 + 1 = {hyb}); the next two 3-D layers (16@5×3×3, 32@3×3×3) \
                         shrink the spectral axis to 18, then a 2-D layer folds the remaining 32 × 18 = 576 spectral \
                         channels into 64 maps. Slab: rows {}–{}, columns {}–{}.",
                        info.slab[0], info.slab[0] + info.slab[2] - 1, info.slab[1], info.slab[1] + info.slab[2] - 1
                    )}
                </p>
                <div class="conv-maps">
                    <div class="grid-block">
                        <h4>{format!("2-D outputs: 8 maps, no spectral axis (scale ±{:.2})", info.scale2d)}</h4>
                        <div class="tiles" data-testid="grid-2d">
                            {(0..info.shape2d[0]).map(|f| view! {
                                <figure class="tile">{canvas(format!("2d-{f}"), 3)}<figcaption>{f}</figcaption></figure>
                            }).collect_view()}
                        </div>
                    </div>
                    {(0..2).map(|f| view! {
                        <div class="grid-block">
                            <h4>{format!(
                                "3-D filter {f} ({}): slices along the kept spectral axis (scale ±{:.2})",
                                if f == 0 { "spectral slope × blur" } else { "spectral mean × edge" },
                                info.scale3d.get(f).copied().unwrap_or(0.0)
                            )}</h4>
                            <div class="tiles" data-testid=format!("grid-3d-{f}")>
                                {info.positions.iter().map(|&p| view! {
                                    <figure class="tile">{canvas(format!("3d-{f}-{p}"), 3)}<figcaption>{format!("position {p}")}</figcaption></figure>
                                }).collect_view()}
                                <figure class="tile">
                                    {canvas(format!("sec-{f}"), 2)}
                                    <figcaption>{format!("centre row: {l} spectral positions (down) × 30 columns")}</figcaption>
                                </figure>
                            </div>
                        </div>
                    }).collect_view()}
                    <div class="grid-block">
                        <h4>"Input bands at those positions"</h4>
                        <div class="tiles">
                            {info.positions.iter().map(|&p| view! {
                                <figure class="tile">{canvas(format!("band-{p}"), 3)}<figcaption>{format!("band {p}")}</figcaption></figure>
                            }).collect_view()}
                        </div>
                    </div>
                </div>
            }
        })}
    }
}
