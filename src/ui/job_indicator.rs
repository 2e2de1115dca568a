//! The header's running-job indicator: a training run (or map) keeps going while the visitor
//! browses the other pages, and this says which one, how far along, and leads back to it.

use leptos::prelude::*;

use super::state::{AppState, Page};
use super::widgets::format_eta;
use crate::messages::Job;

/// The page a job's controls live on.
fn page_of(job: Job) -> Option<Page> {
    match job {
        Job::Cifar => Some(Page::Cifar),
        Job::Hsi | Job::HsiTrain | Job::Map | Job::Compare => Some(Page::Hyperspectral),
        Job::Smoke | Job::Check => Some(Page::Home),
        _ => None,
    }
}

/// A job's name in words.
fn label(job: Job) -> &'static str {
    match job {
        Job::Cifar => "CIFAR-10 training",
        Job::Hsi => "hyperspectral scene",
        Job::HsiTrain => "HybridSN training",
        Job::Map => "classification map",
        Job::Compare => "split comparison",
        Job::Smoke => "smoke run",
        Job::Check => "device check",
        Job::CifarWeights => "pretrained CIFAR-10 weights",
        other => other.name(),
    }
}

#[component]
pub fn JobIndicator() -> impl IntoView {
    let state = expect_context::<AppState>();
    let active = move || state.job_status.get().is_active();
    let text = move || {
        let job = state.job.get();
        let mut s = format!("{} {}", label(job), state.job_status.get());
        if let Some(p) = state.progress.get().filter(|p| p.job == job && p.total > 0) {
            let pct = 100.0 * p.done as f64 / p.total as f64;
            s += &format!(" · {pct:.0} % · ETA {}", format_eta(p.eta_s));
        }
        s
    };
    let go = move |_| {
        if let Some(p) = page_of(state.job.get_untracked()) {
            state.page.set(p);
        }
    };
    view! {
        <Show when=active>
            <button class="job-indicator" data-testid="job-indicator" title="Go to the running job"
                on:click=go>
                {text}
            </button>
        </Show>
    }
}
