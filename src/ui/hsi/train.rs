//! Training: the settings, start, pause, resume and stop, a kept run's "Resume training",
//! the worker's notices, and the epochs.

use leptos::prelude::*;

use super::epochs::EpochTable;
use super::form::HsiForm;
use super::state::HsiState;
use super::{busy, start_job};
use crate::config::HsiTrainConfig;
use crate::messages::hsi::HsiRequest;
use crate::messages::{Request, SavedRun};
use crate::ui::client::send;
use crate::ui::form::{check_input, field, num_input};
use crate::ui::state::{AppState, JobStatus};

/// The training settings and controls, and the run's epochs.
#[component]
pub fn TrainPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let hs = state.hsi;
    let form = expect_context::<HsiForm>();
    let s = form.settings;
    let settings = move || s.get_untracked();
    let busy = move || busy(state);
    let start_job = move || start_job(state);

    view! {
        <div class="controls">
            {num_input("Epochs", "epochs", field!(s, epochs), "1")}
            {num_input("Batch", "batch", field!(s, batch_size), "1")}
            {num_input("Learning rate", "lr", field!(s, lr), "0.0001")}
            {num_input("Max training pixels (0 = all)", "max-train", field!(s, max_train), "1")}
            {check_input("augment (random flips and rotations of the patches)", "augment", field!(s, augment))}
            {num_input("Repeat small classes up to (pixels per epoch, 0 = off)", "min-per-class", field!(s, min_per_class), "1")}
            {check_input("keep the weights with the saved run", "keep-weights", hs.keep_weights)}
            {check_input("paper variant (no batch norm)", "paper", form.paper())}
        </div>
        <div class="controls">
            <button data-testid="train" data-shortcut="start" disabled=move || busy() || hs.scene.get().is_none()
                on:click=move |_| {
                    start_job();
                    hs.kept.set(None);
                    hs.notice.set(None);
                    hs.epochs.set(Vec::new());
                    state.losses.set(Vec::new());
                    // The map stays until the new run paints over it: a run that fails
                    // leaves the previous one on screen.
                    let s = settings();
                    hs.pending_run.set(Some(pending_run(&s, hs)));
                    send(&Request::Hsi(HsiRequest::Train { config: s, resume: false }));
                }>"Train"</button>
            <button data-testid="pause" disabled=move || state.job_status.get() != JobStatus::Running
                on:click=move |_| { send(&Request::Pause); state.job_status.set(JobStatus::Paused); }>"Pause"</button>
            <button data-testid="resume" disabled=move || state.job_status.get() != JobStatus::Paused
                on:click=move |_| { send(&Request::Resume); state.job_status.set(JobStatus::Running); }>"Resume"</button>
            <button data-testid="stop" data-shortcut="stop" disabled=move || !busy() on:click=move |_| send(&Request::Stop)>"Stop"</button>
            <Show when=move || hs.kept.get().is_some()>
                <button data-testid="resume-training" disabled=busy
                    title="Continue the interrupted run from its last completed epoch"
                    on:click=move |_| {
                        start_job();
                        hs.kept.set(None);
                        let s = settings();
                        hs.pending_run.set(Some(pending_run(&s, hs)));
                        send(&Request::Hsi(HsiRequest::Train { config: s, resume: true }));
                    }>
                    {move || hs.kept.get().map(|(e, n)| format!("Resume training (epoch {} of {n})", e + 1)).unwrap_or_default()}
                </button>
            </Show>
        </div>
        <Show when=move || hs.notice.get().is_some()>
            <p class="notice" data-testid="notice" role="status">
                {move || hs.notice.get().unwrap_or_default()}
                <button on:click=move |_| hs.notice.set(None)>"Dismiss"</button>
            </p>
        </Show>
        <EpochTable />
    }
}

/// The run about to start, as it will be saved (history and scores are added at the end).
fn pending_run(s: &HsiTrainConfig, hs: HsiState) -> SavedRun {
    let dataset = hs
        .scene
        .with_untracked(|sc| sc.as_ref().map(|sc| sc.name.clone()))
        .unwrap_or_default();
    let split = if s.spatial {
        format!("spatial blocks ({})", s.guard.describe())
    } else {
        "random".into()
    };
    SavedRun {
        id: String::new(),
        lab: "hyperspectral".into(),
        model: if s.batch_norm {
            "HybridSN (BN)"
        } else {
            "HybridSN (paper)"
        }
        .into(),
        dataset,
        created_ms: 0.0,
        backend: String::new(),
        settings: vec![
            ("PCA".into(), s.pca.to_string()),
            ("patch".into(), s.patch.to_string()),
            (
                "train".into(),
                format!("{} % {split}", 100.0 * s.train_fraction),
            ),
            (
                "validation".into(),
                format!("{} % of training", 100.0 * s.val_fraction),
            ),
            ("seed".into(), s.seed.to_string()),
            ("epochs".into(), s.epochs.to_string()),
            ("batch".into(), s.batch_size.to_string()),
            ("lr".into(), s.lr.to_string()),
        ],
        history: Vec::new(),
        metrics: Vec::new(),
        params: 0,
        seconds: 0.0,
    }
}
