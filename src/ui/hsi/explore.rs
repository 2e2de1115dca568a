//! The scene's views: a false-colour composite, the ground truth and one band, each
//! clickable for a pixel's spectrum; the class legend and the spectrum chart below them.

use leptos::prelude::*;

use super::form::HsiForm;
use super::gt_image;
use super::legend::Legend;
use super::spectrum::SpectrumChart;
use crate::messages::Request;
use crate::messages::hsi::{BandColours, HsiRequest};
use crate::ui::canvas::ImageCanvas;
use crate::ui::client::send;
use crate::ui::state::AppState;

/// The false-colour, ground-truth and band views.
#[component]
pub fn Explore() -> impl IntoView {
    let state = expect_context::<AppState>();
    let hs = state.hsi;
    let HsiForm { band, grey, .. } = expect_context::<HsiForm>();

    let request_band = move || {
        send(&Request::Hsi(HsiRequest::Band {
            band: band.get_untracked(),
            colormap: if grey.get_untracked() {
                BandColours::Grey
            } else {
                BandColours::Viridis
            },
        }))
    };

    // The false-colour bands: the scene's defaults until the visitor picks others.
    let rgb_bands = RwSignal::new([0usize; 3]);
    Effect::new(move |_| {
        if let Some(b) = hs.scene.with(|s| s.as_ref().map(|s| s.rgb_bands)) {
            rgb_bands.set(b);
        }
    });
    let rgb_input = move |i: usize| {
        let bands = move || hs.scene.with(|s| s.as_ref().map(|s| s.bands).unwrap_or(1));
        view! {
            <input type="number" min="0" max=move || bands().saturating_sub(1)
                data-testid=["rgb-r", "rgb-g", "rgb-b"][i]
                prop:value=move || rgb_bands.get()[i].to_string()
                on:change=move |ev| {
                    match event_target_value(&ev).parse::<usize>() {
                        Ok(v) if v < bands() => {
                            rgb_bands.update(|b| b[i] = v);
                            send(&Request::Hsi(HsiRequest::Rgb { bands: rgb_bands.get_untracked() }));
                        }
                        _ => state.error.set(Some(format!(
                            "Choose a band between 0 and {}", bands().saturating_sub(1)
                        ))),
                    }
                } />
        }
    };
    let rgb = Signal::derive(move || hs.rgb_image.get().map(|i| (i.width, i.height, i.rgba)));
    let band_img = Signal::derive(move || hs.band_image.get().map(|i| (i.width, i.height, i.rgba)));
    let gt_img = gt_image(hs);
    let pick = Callback::new(move |(row, col): (usize, usize)| {
        send(&Request::Hsi(HsiRequest::Spectrum { row, col }));
    });
    view! {
        <h3>"Explore"</h3>
        <div class="views">
            <figure>
                <ImageCanvas image=rgb testid="rgb-canvas" on_pick=pick />
                <figcaption>
                    "False colour from bands R " {rgb_input(0)} " G " {rgb_input(1)} " B " {rgb_input(2)}
                    <br />"Click a pixel for its spectrum."
                </figcaption>
            </figure>
            <figure>
                <ImageCanvas image=gt_img testid="gt-canvas" on_pick=pick />
                <figcaption>"Ground truth"</figcaption>
            </figure>
            <figure>
                <ImageCanvas image=band_img testid="band-canvas" on_pick=pick />
                <figcaption>
                    <input type="range" min="0"
                        max=move || hs.scene.get().map(|s| s.bands.saturating_sub(1)).unwrap_or(0)
                        data-testid="band-slider"
                        prop:value=move || band.get().to_string()
                        on:input=move |ev| {
                            if let Ok(v) = event_target_value(&ev).parse() {
                                band.set(v);
                                request_band();
                            }
                        } />
                    {move || format!(" band {}", band.get())}
                    <label>
                        <input type="checkbox" prop:checked=grey
                            on:change=move |ev| { grey.set(event_target_checked(&ev)); request_band(); } />
                        " grey"
                    </label>
                    <button data-testid="show-band" on:click=move |_| request_band()>"Show band"</button>
                </figcaption>
            </figure>
        </div>
        <Legend />
        <SpectrumChart />
    }
}
