//! The classification map: map with the pretrained, the current or imported weights, the
//! map beside the ground truth, its scores and confusion matrix, and their downloads.

use leptos::prelude::*;

use super::form::HsiForm;
use super::metrics::Metrics;
use super::{busy, gt_image, start_job};
use crate::messages::Request;
use crate::messages::hsi::HsiRequest;
use crate::ui::canvas::ImageCanvas;
use crate::ui::client::{send, send_with};
use crate::ui::download::read_file;
use crate::ui::export::{Composition, Panel, composition_png, save_png, svg_png};
use crate::ui::form::files_of;
use crate::ui::presenter::fullscreen;
use crate::ui::state::AppState;
use crate::ui::widgets::ConfusionMatrix;
use crate::viz;

/// The map controls, the map and ground truth, and the scores.
#[component]
pub fn MapPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let hs = state.hsi;
    let HsiForm {
        settings,
        view_mode,
        ..
    } = expect_context::<HsiForm>();
    let busy = move || busy(state);
    let start_job = move || start_job(state);
    let map_views = NodeRef::<leptos::html::Div>::new();
    let gt_img = gt_image(hs);
    let map_img = Signal::derive(move || {
        let s = hs.scene.get()?;
        let map = hs.map.get();
        if map.len() != s.width * s.height || map.iter().all(|&v| v == 0) {
            return None;
        }
        let (w, h) = (s.width as u32, s.height as u32);
        let img = match view_mode.get().as_str() {
            "labelled" => {
                let masked: Vec<u16> = map
                    .iter()
                    .zip(&s.gt)
                    .map(|(&p, &g)| if g == 0 { 0 } else { p })
                    .collect();
                viz::palette::labels_to_rgba(&masked, w, h)
            }
            "errors" => viz::palette::error_view(&map, &s.gt, w, h),
            _ => viz::palette::labels_to_rgba(&map, w, h),
        };
        Some((img.width, img.height, img.pixels))
    });
    let download_map_png = move |_| {
        let Some(s) = hs.scene.get_untracked() else {
            return;
        };
        let scores = match (hs.evaluation.get_untracked(), hs.unscored.get_untracked()) {
            (Some(e), _) => format!(
                "({}) · OA {:.2} % · AA {:.2} % · Kappa {:.4} · {} test pixels",
                e.source,
                100.0 * e.scores.oa,
                100.0 * e.scores.aa,
                e.scores.kappa,
                e.scores.pixels
            ),
            (None, Some((source, _))) => format!("({source}) · not scored"),
            (None, None) => return,
        };
        let map = hs.map.get_untracked();
        let (w, h) = (s.width as u32, s.height as u32);
        let pred = viz::palette::labels_to_rgba(&map, w, h);
        let gt = viz::palette::labels_to_rgba(&s.gt, w, h);
        let legend: Vec<(String, [u8; 3])> = s
            .class_names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), viz::palette::class_colour(i + 1)))
            .collect();
        let caption = vec![format!(
            "{} · HybridSN {scores} · seed {}",
            s.name,
            settings.with_untracked(|s| s.seed)
        )];
        let panel = |title: &str, img: viz::Rgba| Panel {
            title: title.into(),
            width: img.width,
            height: img.height,
            rgba: img.pixels,
        };
        let figure = Composition {
            title: String::new(),
            panels: vec![panel("Classification map", pred), panel("Ground truth", gt)],
            columns: 2,
            scale: 3,
            min_side: 0,
            legend,
            caption,
        };
        save_png(state, "convlab-map.png", composition_png(figure));
    };

    // A model has mapped the scene (scored or not).
    let has_map = move || hs.evaluation.with(Option::is_some) || hs.unscored.with(Option::is_some);

    view! {
        <h3>"Classification map"</h3>
        <div class="controls">
            <button data-testid="pretrained" disabled=busy
                on:click=move |_| {
                    start_job();
                    hs.map.update(|m| m.iter_mut().for_each(|v| *v = 0));
                    send(&Request::Hsi(HsiRequest::PretrainedMap));
                }>"Show map (pretrained weights)"</button>
            <button data-testid="map-current" disabled=move || busy() || hs.scene.get().is_none()
                on:click=move |_| {
                    start_job();
                    hs.notice.set(None);
                    send(&Request::Hsi(HsiRequest::Map));
                }>"Map with the current model"</button>
            <label>
                "View "
                <select data-testid="map-view" on:change=move |ev| view_mode.set(event_target_value(&ev))>
                    <option value="all" selected=move || view_mode.get() == "all">"every pixel"</option>
                    <option value="labelled" selected=move || view_mode.get() == "labelled">"labelled pixels only"</option>
                    <option value="errors" selected=move || view_mode.get() == "errors">"errors (wrong in red)"</option>
                </select>
            </label>
            <button data-testid="download-png" disabled=move || !has_map()
                on:click=download_map_png>"Download PNG"</button>
            <button data-testid="fullscreen-map" title="Full screen (key f)"
                on:click=move |_| if let Some(el) = map_views.get() { fullscreen(&el) }>"Full screen"</button>
            <button data-testid="export-weights" disabled=move || !has_map() || busy()
                on:click=move |_| send(&Request::Hsi(HsiRequest::ExportWeights))>"Export weights"</button>
            <label>
                "Import weights "
                <input type="file" accept=".clw" data-testid="import-weights"
                    on:change=move |ev| {
                        if let Some(f) = files_of(&ev).into_iter().next() {
                            leptos::task::spawn_local(async move {
                                match read_file(&f).await {
                                    Ok(b) => {
                                        start_job();
                                        send_with(&Request::Hsi(HsiRequest::ImportWeights { name: f.name() }), vec![b]);
                                    }
                                    Err(e) => state.error.set(Some(e)),
                                }
                            });
                        }
                    } />
            </label>
        </div>
        <div class="views" data-fullscreen node_ref=map_views>
            <figure>
                <ImageCanvas image=map_img testid="map-canvas" />
                <figcaption>"Classification map"</figcaption>
            </figure>
            <figure>
                <ImageCanvas image=gt_img testid="map-gt-canvas" />
                <figcaption>"Ground truth"</figcaption>
            </figure>
        </div>
        <Metrics />
        <Show when=move || hs.evaluation.get().is_some()>
            <figure>
                {move || hs.evaluation.get().zip(hs.scene.get()).map(|(e, s)| view! {
                    <ConfusionMatrix counts=e.scores.confusion.clone() n=e.scores.num_classes
                        labels=(1..=e.scores.num_classes).map(|c| c.to_string()).collect()
                        testid="confusion" cell=22.0
                        title="Confusion matrix"
                        legend=s.class_names.iter().enumerate()
                            .map(|(i, n)| (format!("{} {n}", i + 1), viz::palette::class_colour(i + 1))).collect()
                        caption=vec![format!(
                            "{} · HybridSN ({}) · OA {:.2} % · AA {:.2} % · Kappa {:.4} · rows: true class, columns: predicted",
                            s.name, e.source, 100.0 * e.scores.oa, 100.0 * e.scores.aa, e.scores.kappa
                        )] />
                })}
                <figcaption>"Confusion matrix (rows: true class, columns: predicted; colour: share of the row)"</figcaption>
                <button data-testid="confusion-png"
                    on:click=move |_| save_png(state, "convlab-hsi-confusion.png", svg_png("confusion"))>"Confusion matrix (PNG)"</button>
            </figure>
        </Show>
    }
}
