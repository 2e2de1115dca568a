//! The Hyperspectral lab's page: what it is about, its link, the job's progress, and its
//! parts in order (scene, views, preprocessing, training, map).

use leptos::prelude::*;

use super::compare::SplitComparison;
use super::explore::Explore;
use super::form::HsiForm;
use super::map::MapPanel;
use super::prepare::Preprocess;
use super::scene::SceneLoader;
use super::train::TrainPanel;
use crate::data::load::INDIAN_PINES_NAME;
use crate::messages::Request;
use crate::messages::hsi::{HsiRequest, MapSource};
use crate::ui::client::send;
use crate::ui::state::{AppState, JobStatus};
use crate::ui::url::CopyLink;
use crate::ui::widgets::ProgressBar;

/// The Hyperspectral lab.
#[component]
pub fn HyperspectralLab() -> impl IntoView {
    let state = expect_context::<AppState>();
    let hs = state.hsi;
    let form = expect_context::<HsiForm>();
    // Lazy-load the bundled scene the first time the lab opens.
    if hs.scene.get_untracked().is_none() {
        state.job_status.set(JobStatus::Running);
        send(&Request::Hsi(HsiRequest::LoadBundled));
    }
    // A link with `pretrained=1` shows the pretrained map once the bundled scene is in.
    Effect::new(move |_| {
        let bundled = hs
            .scene
            .with(|s| s.as_ref().is_some_and(|s| s.name == INDIAN_PINES_NAME));
        let idle = !state.job_status.get().is_active();
        if bundled
            && idle
            && form.pretrained.get_untracked()
            && hs.evaluation.get_untracked().is_none()
        {
            form.pretrained.set(false);
            state.job_status.set(JobStatus::Running);
            send(&Request::Hsi(HsiRequest::PretrainedMap));
        }
    });
    let link_pairs = Callback::new(move |()| {
        let mut pairs = form.to_pairs();
        // The link asks for the pretrained map when that is what is on screen.
        let shows_pretrained = hs.evaluation.with_untracked(|e| {
            e.as_ref()
                .is_some_and(|e| e.source == MapSource::Pretrained)
        });
        if shows_pretrained && let Some(p) = pairs.iter_mut().find(|p| p.0 == "pretrained") {
            p.1 = "1".into();
        }
        pairs
    });
    view! {
        <section data-testid="hyperspectral">
            <h2>"Hyperspectral lab"</h2>
            <CopyLink pairs=link_pairs />
            <p>
                "A hyperspectral image stores a whole spectrum at every pixel: Indian Pines has 200 bands "
                "from the visible to the short-wave infrared over 145×145 pixels of farmland, woods and roads. "
                "HybridSN reads a 25×25 neighbourhood of 30 PCA components with 3-D convolutions (which slide "
                "along the spectrum too), then a 2-D convolution and dense layers, and labels the centre pixel."
            </p>
            <ProgressBar />
            <p data-testid="hsi-status">"Status: " {move || format!("{} {}", state.job.get(), state.job_status.get())}</p>

            <SceneLoader />
            <Explore />
            <Preprocess />
            <TrainPanel />
            <MapPanel />
            <SplitComparison />
            <p class="note">
                "Indian Pines: AVIRIS, 12 June 1992, Purdue University (Baumgardner, Biehl, Landgrebe 2015, "
                "doi:10.4231/R7RX991C, CC BY 3.0), as distributed by the GIC group, UPV/EHU."
            </p>
        </section>
    }
}
