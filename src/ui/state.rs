//! The UI's state: signals written by worker responses and read by the components.

use leptos::prelude::*;

use crate::messages::{CheckReport, Job, Response};

/// Where the current job stands (shown in words: "running", "paused", …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum JobStatus {
    #[default]
    Idle,
    Running,
    Paused,
    Stopped,
    Done,
    Error,
}

impl JobStatus {
    /// Running or paused: a job holds the worker's training controls.
    pub fn is_active(self) -> bool {
        matches!(self, JobStatus::Running | JobStatus::Paused)
    }
}

impl std::fmt::Display for JobStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            JobStatus::Idle => "idle",
            JobStatus::Running => "running",
            JobStatus::Paused => "paused",
            JobStatus::Stopped => "stopped",
            JobStatus::Done => "done",
            JobStatus::Error => "error",
        })
    }
}

/// Which page is shown (also the `?page=` URL parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    Home,
    Bench,
    Hyperspectral,
    ConvLab,
    Cifar,
    Models,
    Runs,
    About,
}

impl Page {
    pub const ALL: [Page; 8] = [
        Page::Home,
        Page::ConvLab,
        Page::Cifar,
        Page::Hyperspectral,
        Page::Models,
        Page::Runs,
        Page::Bench,
        Page::About,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Page::Home => crate::share::HOME_PAGE,
            Page::Bench => "bench",
            Page::Hyperspectral => "hyperspectral",
            Page::ConvLab => "conv",
            Page::Cifar => "cifar",
            Page::Models => "models",
            Page::Runs => "runs",
            Page::About => "about",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Page::Home => "Home",
            Page::Bench => "Lab bench",
            Page::Hyperspectral => "Hyperspectral lab",
            Page::ConvLab => "Conv lab",
            Page::Cifar => "CIFAR-10 lab",
            Page::Models => "Models",
            Page::Runs => "Runs",
            Page::About => "About",
        }
    }

    pub fn from_id(id: &str) -> Option<Page> {
        Page::ALL.into_iter().find(|p| p.id() == id)
    }
}

/// The backend the worker reported.
#[derive(Debug, Clone, PartialEq)]
pub struct BackendInfo {
    pub kind: String,
    pub name: String,
    pub reason: Option<String>,
}

/// Progress of the running job.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgressInfo {
    pub job: Job,
    pub done: usize,
    pub total: usize,
    pub rate: f64,
    pub eta_s: f64,
}

/// All signals, shared through context (they are `Copy`).
#[derive(Clone, Copy)]
pub struct AppState {
    pub page: RwSignal<Page>,
    pub worker_ready: RwSignal<bool>,
    pub backend: RwSignal<Option<BackendInfo>>,
    pub losses: RwSignal<Vec<(usize, f32)>>,
    pub progress: RwSignal<Option<ProgressInfo>>,
    /// "idle", "running", "paused", "done", "stopped" or "error".
    pub job_status: RwSignal<JobStatus>,
    pub error: RwSignal<Option<String>>,
    /// Parameters of the link that were ignored, and why.
    pub notices: RwSignal<Vec<String>>,
    /// Presenter mode (large type, high contrast).
    pub presenter: RwSignal<bool>,
    /// Runs saved in this page's life (the Runs page re-reads the store when it changes).
    pub runs_saved: RwSignal<usize>,
    /// The last job the worker reported on ("download", "train", "map", "smoke", …).
    pub job: RwSignal<Job>,
    /// The Conv lab and the Models page.
    pub lab: super::lab::LabSignals,
    /// The Hyperspectral lab.
    pub hsi: super::hsi::HsiState,
    /// The CIFAR-10 lab.
    pub cifar: super::cifar::CifarSignals,
    /// The device check's last results.
    pub check: RwSignal<Option<CheckReport>>,
}

impl AppState {
    pub fn new(page: Page) -> Self {
        Self {
            page: RwSignal::new(page),
            worker_ready: RwSignal::new(false),
            backend: RwSignal::new(None),
            losses: RwSignal::new(Vec::new()),
            progress: RwSignal::new(None),
            job_status: RwSignal::new(JobStatus::Idle),
            error: RwSignal::new(None),
            notices: RwSignal::new(Vec::new()),
            job: RwSignal::new(Job::Worker),
            presenter: RwSignal::new(false),
            runs_saved: RwSignal::new(0),
            lab: super::lab::LabSignals::new(),
            hsi: super::hsi::HsiState::new(),
            cifar: super::cifar::CifarSignals::new(),
            check: RwSignal::new(None),
        }
    }

    /// Applies one worker response (and its binary attachments) to the signals.
    pub fn apply(&self, resp: Response, bins: Vec<Vec<u8>>) {
        match resp {
            Response::Hsi(r) => self.hsi.apply(*self, r, bins),
            Response::Stats { wasm_bytes, jobs } => super::hooks::publish_stats(wasm_bytes, jobs),
            Response::Cifar(r) => self.cifar.apply(r),
            Response::Lab(r) => self.lab.apply(r, bins),
            Response::Check(report) => self.check.set(Some(report)),
            Response::Ready => self.worker_ready.set(true),
            Response::Backend { kind, name, reason } => {
                self.backend.set(Some(BackendInfo { kind, name, reason }))
            }
            Response::Models(tables) => self.lab.models.set(tables),
            Response::Progress { ref job, .. } if self.job.get_untracked() != *job => {
                // A job that reports progress is running, even if another job's Done (e.g. the
                // pretrained CIFAR-10 listing finishing during a run) was the last word.
                self.job.set(*job);
                self.job_status.set(JobStatus::Running);
                self.apply(resp, bins);
            }
            Response::Progress {
                job,
                done,
                total,
                rate,
                eta_s,
            } => self.progress.set(Some(ProgressInfo {
                job,
                done,
                total,
                rate,
                eta_s,
            })),
            Response::Loss { step, loss, .. } => self.losses.update(|l| l.push((step, loss))),
            Response::Done { stopped, job } => {
                self.job.set(job);
                self.job_status.set(if stopped {
                    JobStatus::Stopped
                } else {
                    JobStatus::Done
                })
            }
            Response::Error { message, job } => {
                if job != crate::messages::Job::Lab {
                    self.job_status.set(JobStatus::Error);
                }
                self.error.set(Some(message));
            }
        }
    }
}
