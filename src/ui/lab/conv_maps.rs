//! The conv lab's feature maps: a picture (bundled sample or upload) through a standard
//! convolution and through a depthwise + pointwise pair, on the worker's backend. Every
//! channel is a small image on a diverging colour map with one scale per grid; hovering an
//! output highlights the channels it reads from.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::conv_form::{ConvForm, MAX_MAPS_OUT};
use crate::data::picture::sample_list;
use crate::messages::Request;
use crate::messages::lab::{ConvMapsInfo, ConvMapsSettings, KernelChoice, LabRequest};
use crate::ui::canvas::ImageCanvas;
use crate::ui::client::{send, send_with};
use crate::ui::download::read_file;
use crate::ui::export::{Composition, Panel, composition_png, save_png};
use crate::ui::state::AppState;

/// What the pointer is over: a grid (`std`, `dw`, `pw`, `in`) and a channel.
type Hover = Option<(&'static str, usize)>;

/// Whether tile `(grid, i)` is read by the hovered output.
fn reads(hover: Hover, grid: &str, i: usize, info: &ConvMapsInfo) -> bool {
    match hover {
        Some(("std", _)) => grid == "in",
        Some(("dw", c)) => grid == "in" && i == c,
        Some(("pw", j)) => {
            grid == "dw"
                && info
                    .pointwise_weights
                    .get(j * 3 + i)
                    .is_some_and(|w| *w != 0.0)
        }
        _ => false,
    }
}

/// All tiles of a run (picture, channels, kernels) in one labelled grid, with the run in words
/// as its title: the feature-map grid as a PNG.
fn maps_figure(info: &ConvMapsInfo, bins: &[Vec<u8>], backend: &str) -> Composition {
    let panels = info
        .tiles
        .iter()
        .zip(bins)
        .filter(|(t, b)| b.len() == t.width as usize * t.height as usize * 4)
        .map(|(t, b)| Panel {
            title: t.id.clone(),
            width: t.width,
            height: t.height,
            rgba: b.clone(),
        })
        .collect();
    Composition {
        title: format!(
            "{} at {}×{} · standard conv vs depthwise + pointwise · {} kernels, {} outputs · {backend}",
            info.label, info.width, info.height, info.kernels, info.out_channels
        ),
        panels,
        columns: info.out_channels.clamp(3, 8),
        scale: if info.width > 32 { 1 } else { 2 },
        // Kernels (3×3) are enlarged to be seen.
        min_side: 24,
        legend: Vec::new(),
        caption: Vec::new(),
    }
}

fn tile_image(bins: &[Vec<u8>], info: &ConvMapsInfo, id: &str) -> Option<(u32, u32, Vec<u8>)> {
    crate::ui::canvas::find_tile(&info.tiles, bins, id)
}

/// One grid of channel tiles (with their kernels under each).
#[component]
fn Grid(
    grid: &'static str,
    count: usize,
    title: String,
    hover: RwSignal<Hover>,
    #[prop(optional)] kernel: Option<&'static str>,
    #[prop(optional)] names: Vec<String>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let tiles = (0..count)
        .map(|i| {
            let img = Signal::derive(move || {
                state
                    .lab.conv_maps
                    .with(|m| m.as_ref().and_then(|(info, bins)| tile_image(bins, info, &format!("{grid}-{i}"))))
            });
            let kimg = Signal::derive(move || {
                let k = kernel?;
                state
                    .lab.conv_maps
                    .with(|m| m.as_ref().and_then(|(info, bins)| tile_image(bins, info, &format!("{k}-{i}"))))
            });
            let lit = move || {
                state
                    .lab.conv_maps
                    .with(|m| m.as_ref().is_some_and(|(info, _)| reads(hover.get(), grid, i, info)))
            };
            let me = move || hover.get() == Some((grid, i));
            let scale = move || {
                state
                    .lab.conv_maps
                    .with(|m| m.as_ref().map(|(i, _)| if i.width > 32 { 2 } else { 3 }))
                    .unwrap_or(3)
            };
            let name = names.get(i).cloned().unwrap_or_default();
            view! {
                <figure
                    class="tile"
                    class:reads=lit
                    class:hovered=me
                    data-testid=format!("tile-{grid}-{i}")
                    on:mouseenter=move |_| hover.set(Some((grid, i)))
                    on:mouseleave=move |_| hover.set(None)
                >
                    {move || {
                        let s = scale();
                        view! { <ImageCanvas image=img testid=format!("map-{grid}-{i}") scale=s /> }
                    }}
                    {kernel.map(|_| view! { <ImageCanvas image=kimg testid=format!("kernel-{grid}-{i}") scale=8 /> })}
                    <figcaption title=name.clone()>{format!("{i}")}{(!name.is_empty()).then(|| format!(" {name}"))}</figcaption>
                </figure>
            }
        })
        .collect_view();
    view! {
        <div class="grid-block">
            <h4>{title}</h4>
            <div class="tiles" data-testid=format!("grid-{grid}")>{tiles}</div>
        </div>
    }
}

#[component]
pub fn FeatureMapsView() -> impl IntoView {
    let state = expect_context::<AppState>();
    let form = expect_context::<ConvForm>();
    let (sample, out, kernels, seed) = (form.sample, form.maps_out, form.kernels, form.maps_seed);
    let has_upload = RwSignal::new(false);
    let hover = RwSignal::new(None::<(&'static str, usize)>);
    let settings = move |upload: Option<String>| ConvMapsSettings {
        sample: sample.get_untracked(),
        upload,
        out_channels: out.get_untracked(),
        kernels: kernels.get_untracked(),
        seed: seed.get_untracked(),
    };
    let run = move || {
        state.error.set(None);
        send(&Request::Lab(LabRequest::ConvMaps(settings(None))));
    };
    if state.lab.conv_maps.get_untracked().is_none() {
        run();
    }

    let on_upload = move |ev: leptos::ev::Event| {
        let file = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            .and_then(|i| i.files())
            .and_then(|l| l.get(0));
        let Some(f) = file else { return };
        leptos::task::spawn_local(async move {
            match read_file(&f).await {
                Ok(bytes) => {
                    state.error.set(None);
                    let name = f.name();
                    // The sample switches to the upload only once the worker accepted it.
                    let mut s = settings(Some(name));
                    s.sample = "upload".into();
                    send_with(&Request::Lab(LabRequest::ConvMaps(s)), vec![bytes]);
                }
                Err(e) => state.error.set(Some(e)),
            }
        });
    };
    Effect::new(move |_| {
        if state
            .lab
            .conv_maps
            .with(|m| m.as_ref().is_some_and(|(i, _)| i.sample == "upload"))
        {
            has_upload.set(true);
            sample.set("upload".into());
        }
    });

    let options = move || {
        let mut list = sample_list();
        if has_upload.get() {
            list.push(("upload".into(), "your picture".into()));
        }
        list.into_iter()
            .map(|(id, label)| {
                let sel = id == sample.get_untracked();
                view! { <option value=id selected=sel>{label}</option> }
            })
            .collect_view()
    };

    view! {
        <h3>"Feature maps"</h3>
        <p>
            "The picture's three colour channels (each centred on its mean) go through a standard 3×3 convolution "
            "with N output channels, and through a depthwise 3×3 convolution (one filter per colour channel) followed "
            "by a pointwise 1×1 convolution to N channels. Red is positive, blue negative, white zero; each grid has "
            "one shared scale. Hover a channel to see what it reads from: a depthwise output reads one input "
            "channel only, a pointwise output mixes the depthwise maps, a standard output reads every input channel."
        </p>
        <div class="controls">
            <label>
                "Picture "
                <select data-testid="sample-select" on:change=move |ev| { sample.set(event_target_value(&ev)); run(); }>
                    {options}
                </select>
            </label>
            <label>
                "Your picture (PNG or JPEG) "
                <input type="file" accept="image/png,image/jpeg" data-testid="upload-picture" on:change=on_upload />
            </label>
            <label>
                "Output channels "
                <input type="number" min="1" max=MAX_MAPS_OUT.to_string() data-testid="maps-out"
                    prop:value=move || out.get().to_string()
                    on:change=move |ev| {
                        match event_target_value(&ev).trim().parse::<usize>() {
                            Ok(v) if (1..=MAX_MAPS_OUT).contains(&v) => { out.set(v); run(); }
                            _ => state.error.set(Some(format!(
                                "Output channels must be a whole number from 1 to {MAX_MAPS_OUT}."
                            ))),
                        }
                    } />
            </label>
            <label>
                "Kernels "
                <select data-testid="kernel-source" on:change=move |ev| { kernels.set(KernelChoice::from_name(&event_target_value(&ev)).unwrap_or_default()); run(); }>
                    <option value="handmade" selected=move || kernels.get() == KernelChoice::Handmade>
                        "hand-made (edge, blur, sharpen, Sobel)"
                    </option>
                    <option value="random" selected=move || kernels.get() == KernelChoice::Random>"random (He normal)"</option>
                    <option value="trained" selected=move || kernels.get() == KernelChoice::Trained>
                        "trained (MobileNetV1's first layer)"
                    </option>
                </select>
            </label>
            <label>
                "Seed "
                <input type="number" min="0" data-testid="maps-seed"
                    prop:value=move || seed.get().to_string()
                    on:change=move |ev| {
                        if let Ok(v) = event_target_value(&ev).trim().parse::<u64>() { seed.set(v); run(); }
                    } />
            </label>
            <button data-testid="run-maps" on:click=move |_| run()>"Run"</button>
        </div>
        <p class="note">
            "Pictures: the first 16 CIFAR-10 test images (Krizhevsky 2009) and four Kaggle Dogs vs. Cats images "
            "(Asirra, Elson et al. 2007; centred squares resized to 64×64); uploads are cropped to their centred "
            "square and resized to 64×64. Trained kernels come from the shipped MobileNetV1 ×0.25 weights: its first \
            layer has 8 filters, so the output channels are 8 for them."
        </p>
        {move || state.lab.conv_maps.get().map(|(info, _)| {
            let n = info.out_channels;
            let backend = state.backend.get().map(|b| b.kind).unwrap_or_else(|| "the worker".into());
            view! {
                <p data-testid="maps-summary">
                    {format!(
                        "{} at {}×{}, {} kernels, {} output channels.",
                        info.label, info.width, info.height, info.kernels, n
                    )}
                </p>
                <Show when={
                    let note = info.note.clone();
                    move || !note.is_empty()
                }>
                    <p class="note" data-testid="maps-note">{info.note.clone()}</p>
                </Show>
                <button data-testid="maps-png" on:click=move |_| {
                    let backend = state.backend.get_untracked().map(|b| b.kind).unwrap_or_default();
                    if let Some((info, bins)) = state.lab.conv_maps.get_untracked() {
                        save_png(state, "convlab-feature-maps.png", composition_png(maps_figure(&info, &bins, &backend)));
                    }
                }>"Feature maps (PNG)"</button>
                <p data-testid="maps-timing">
                    {format!(
                        "On {backend}: standard conv {:.2} ms; depthwise {:.2} ms + pointwise {:.2} ms = {:.2} ms (read-back included, after a warm-up run).",
                        info.standard_ms, info.depthwise_ms, info.pointwise_ms, info.depthwise_ms + info.pointwise_ms
                    )}
                </p>
                <div class="conv-maps">
                    <div class="grid-block">
                        <h4>"Picture"</h4>
                        <ImageCanvas
                            image=Signal::derive(move || state.lab.conv_maps.with(|m| m.as_ref().and_then(|(i, b)| tile_image(b, i, "picture"))))
                            testid="maps-picture"
                            scale={ if info.width > 32 { 2 } else { 3 } } />
                    </div>
                    <Grid grid="in" count=3 title=format!("Input channels R, G, B (scale ±{:.2})", info.input_scale) hover=hover
                        names=vec!["red".into(), "green".into(), "blue".into()] />
                    <Grid grid="dw" count=3 title=format!("Depthwise outputs (scale ±{:.2})", info.depthwise_scale) hover=hover
                        kernel="k-dw" names=info.depthwise_names.clone() />
                    <Grid grid="pw" count=n title=format!("Pointwise outputs (scale ±{:.2}); kernel: weights for R, G, B maps", info.pointwise_scale) hover=hover
                        kernel="k-pw" names=info.pointwise_names.clone() />
                    <Grid grid="std" count=n title=format!("Standard conv outputs (scale ±{:.2}); kernel: 3×3 on R, G, B", info.standard_scale) hover=hover
                        kernel="k-std" names=info.standard_names.clone() />
                </div>
            }
        })}
    }
}
