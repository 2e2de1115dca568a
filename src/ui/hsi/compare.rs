//! Why the split matters: the shipped weights of two splits of Indian Pines, each map and
//! score side by side, the training pixels in white. On the random split (the paper's) every
//! test patch overlaps training patches; on the spatial one no test patch shares an input
//! pixel with a training patch, so its score is what the model does on fields it never saw.

use leptos::prelude::*;

use super::{HsiState, busy, start_job};
use crate::data::load::INDIAN_PINES_NAME;
use crate::messages::Request;
use crate::messages::hsi::{HsiRequest, SplitCompared, SplitKind};

use crate::ui::canvas::ImageCanvas;
use crate::ui::client::send;
use crate::ui::state::AppState;
use crate::viz;

/// The comparison's button, its two maps and scores, and the sentence on why they differ.
#[component]
pub fn SplitComparison() -> impl IntoView {
    let state = expect_context::<AppState>();
    let hs = state.hsi;
    let bundled = move || {
        hs.scene
            .with(|s| s.as_ref().is_some_and(|s| s.name == INDIAN_PINES_NAME))
    };
    let oa = move |split: SplitKind| with_side(hs, split, |s| s.eval.scores.oa);
    view! {
        <h3>"Why the split matters"</h3>
        <p>
            "A score is only as honest as its split. Both models below are HybridSN, trained the same way on "
            "about 10 % of the labelled pixels (white). On the left the training pixels are drawn at random, as "
            "in the paper: every test pixel's 25×25 window holds training pixels, so the model is tested on "
            "fields it has seen. On the right it trains on whole blocks and is tested only at least 24 pixels "
            "away, so no test window shares a single input pixel with a training window."
        </p>
        <div class="controls">
            <button data-testid="compare-splits" disabled=move || busy(state) || !bundled()
                title="Needs the bundled Indian Pines scene"
                on:click=move |_| {
                    start_job(state);
                    hs.compared.set(Vec::new());
                    send(&Request::Hsi(HsiRequest::CompareSplits));
                }>"Compare the two splits (shipped weights)"</button>
            <button data-testid="compare-stop" disabled=move || !busy(state)
                on:click=move |_| send(&Request::Stop)>"Stop"</button>
        </div>
        <div class="views">
            {SplitKind::ALL.map(|split| view! { <SplitSide split=split /> }).collect_view()}
        </div>
        <p class="note">
            "White: training and validation pixels. Test pixels in their class colour when the model is right, "
            "red when it is wrong. Grey: pixels no score counts (unlabelled, or in the guard band)."
        </p>
        <Show when=move || oa(SplitKind::Random).is_some() && oa(SplitKind::NoSharedInput).is_some()>
            <p data-testid="compare-why">{move || {
                let (r, s) = (oa(SplitKind::Random).unwrap_or(0.0), oa(SplitKind::NoSharedInput).unwrap_or(0.0));
                format!(
                    "The same network, trained the same way, scores {:.1} % on random pixels and {:.1} % on \
                     fields it never saw: on the random split its test windows overlap its training windows, so \
                     much of that score is memory of the very fields it trained on, not a measure of what it \
                     does on new land.",
                    100.0 * r,
                    100.0 * s
                )
            }}</p>
        </Show>
    }
}

/// `f` of one split's side of the comparison, when it has arrived (read in place: a side
/// holds a whole-scene map and pixel lists).
fn with_side<T>(hs: HsiState, split: SplitKind, f: impl FnOnce(&SplitCompared) -> T) -> Option<T> {
    hs.compared
        .with(|c| c.iter().find(|s| s.split == split).map(f))
}

/// One split: its map (training pixels white, test pixels right in their class colour or
/// wrong in red, the rest grey), its scores and its protocol.
#[component]
fn SplitSide(split: SplitKind) -> impl IntoView {
    let hs = expect_context::<AppState>().hsi;
    let image = Signal::derive(move || {
        hs.scene.with(|sc| {
            let sc = sc.as_ref()?;
            with_side(hs, split, |s| {
                let img = viz::palette::split_view(
                    &s.map,
                    &sc.gt,
                    &s.eval.train_pixels,
                    &s.eval.test_pixels_list,
                    sc.width as u32,
                    sc.height as u32,
                );
                (img.width, img.height, img.pixels)
            })
        })
    });
    let id = split.id();
    view! {
        <figure class="split-side" data-testid=format!("compare-{id}")>
            <ImageCanvas image=image testid=format!("compare-map-{id}") scale=2 />
            <figcaption>
                <strong>{split.to_string()}</strong>
                {move || with_side(hs, split, |s| {
                    let e = &s.eval;
                    let scores = format!(
                        "OA {:.2} % · AA {:.2} % · Kappa {:.4} on {} test pixels of {} classes; {} training and validation pixels",
                        100.0 * e.scores.oa,
                        100.0 * e.scores.aa,
                        e.scores.kappa,
                        e.scores.pixels,
                        e.scores.per_class.iter().filter(|a| a.is_some()).count(),
                        e.train_pixels.len(),
                    );
                    view! {
                        <br />
                        <span data-testid=format!("compare-scores-{id}") data-oa=e.scores.oa.to_string()
                            data-test-pixels=e.scores.pixels.to_string()>{scores}</span>
                        <br />
                        <span class="note" data-testid=format!("compare-protocol-{id}")>{e.protocol.clone()}</span>
                    }
                })}
            </figcaption>
        </figure>
    }
}
