//! The Hyperspectral lab: Indian Pines (or an uploaded scene), band and false-colour views,
//! pixel spectra against class means, PCA and split settings, HybridSN training with live
//! charts, the full classification map beside the ground truth, metrics, and exports.
//!
//! One component per file, in page order: `page.rs` (the lab), `scene.rs`, `explore.rs`
//! (with `legend.rs` and `spectrum.rs`), `prepare.rs`, `train.rs` (with `epochs.rs`),
//! `map.rs` (with `metrics.rs`), `compare.rs` (two splits side by side); `form.rs` holds the form and `state.rs` the signals the
//! worker's [`HsiResponse`](crate::messages::hsi::HsiResponse)s write.

mod compare;
mod epochs;
mod explore;
mod form;
mod legend;
mod map;
mod metrics;
mod page;
mod prepare;
mod scene;
mod spectrum;
mod state;
mod train;

use leptos::prelude::*;

pub use form::HsiForm;
pub use page::HyperspectralLab;
pub use state::HsiState;

use super::state::{AppState, JobStatus};
use crate::viz;

/// A job holds the worker's training controls (running or paused): the lab's buttons wait.
fn busy(state: AppState) -> bool {
    state.job_status.get().is_active()
}

/// A job is about to start: the last error and progress go.
fn start_job(state: AppState) {
    state.error.set(None);
    state.progress.set(None);
    state.job_status.set(JobStatus::Running);
}

/// The ground truth as an image (shown among the views and beside the map).
fn gt_image(hs: HsiState) -> Signal<Option<(u32, u32, Vec<u8>)>> {
    Signal::derive(move || {
        hs.scene.get().map(|s| {
            let img = viz::palette::labels_to_rgba(&s.gt, s.width as u32, s.height as u32);
            (img.width, img.height, img.pixels)
        })
    })
}
