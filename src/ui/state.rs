//! The UI's state: signals written by worker responses and read by the components.

use leptos::prelude::*;

use crate::cost::CostTable;
use crate::messages::hsi::{
    EvalInfo, FileArrays, HsiRequest, HsiResponse, ImageMsg, MapSource, SceneInfo,
};
use crate::messages::lab::{ConvMapsInfo, SpectralInfo, WalkInfo};
use crate::messages::{CheckReport, ModelTable, Request, Response, RunEpoch, SavedRun};

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
    pub job: String,
    pub done: usize,
    pub total: usize,
    pub rate: f64,
    pub eta_s: f64,
}

/// The spectrum of a clicked pixel.
#[derive(Debug, Clone, PartialEq)]
pub struct SpectrumInfo {
    pub row: usize,
    pub col: usize,
    pub label: u16,
    pub values: Vec<f32>,
}

/// PCA and split results with HybridSN's layer table for them.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedInfo {
    pub explained: Vec<f64>,
    pub train: usize,
    pub test: usize,
    pub layers: ModelTable,
}

/// All signals, shared through context (they are `Copy`).
#[derive(Clone, Copy)]
pub struct AppState {
    pub page: RwSignal<Page>,
    pub worker_ready: RwSignal<bool>,
    /// A restarted worker is reloading the scene on screen: its `Scene` answer keeps the
    /// maps and metrics shown (see [`super::client`]).
    pub restoring_scene: RwSignal<bool>,
    pub backend: RwSignal<Option<BackendInfo>>,
    pub models: RwSignal<Vec<ModelTable>>,
    pub losses: RwSignal<Vec<(usize, f32)>>,
    pub progress: RwSignal<Option<ProgressInfo>>,
    /// "idle", "running", "paused", "done", "stopped" or "error".
    pub job_status: RwSignal<JobStatus>,
    pub error: RwSignal<Option<String>>,
    /// Parameters of the link that were ignored, and why.
    pub notices: RwSignal<Vec<String>>,
    pub scene: RwSignal<Option<SceneInfo>>,
    /// Arrays found in the files chosen for upload (before they are loaded).
    pub arrays: RwSignal<Option<Vec<FileArrays>>>,
    pub rgb_image: RwSignal<Option<ImageMsg>>,
    pub band_image: RwSignal<Option<ImageMsg>>,
    pub spectrum: RwSignal<Option<SpectrumInfo>>,
    pub prepared: RwSignal<Option<PreparedInfo>>,
    pub epochs: RwSignal<Vec<crate::data::EpochMetrics>>,
    /// Classification map labels (1-based; 0 = not computed yet).
    pub map: RwSignal<Vec<u16>>,
    pub evaluation: RwSignal<Option<EvalInfo>>,
    /// The map on screen is not scored: what drew it and why (in words).
    pub unscored: RwSignal<Option<(MapSource, String)>>,
    /// Something the worker wants the visitor to know (e.g. a smaller batch).
    pub notice: RwSignal<Option<String>>,
    /// A failed run's last completed epoch and the run's epochs, kept for "Resume training".
    pub kept: RwSignal<Option<(usize, usize)>>,
    /// Presenter mode (large type, high contrast).
    pub presenter: RwSignal<bool>,
    /// Runs saved in this page's life (the Runs page re-reads the store when it changes).
    pub runs_saved: RwSignal<usize>,
    /// The run being trained, saved when its final evaluation arrives.
    pub pending_run: RwSignal<Option<SavedRun>>,
    /// Keep the weights with each saved hyperspectral run.
    pub keep_weights: RwSignal<bool>,
    /// A finished run waiting for its weights file before it is saved.
    pub run_awaiting_weights: RwSignal<Option<SavedRun>>,
    /// The last job the worker reported on ("download", "train", "map", "smoke", …).
    pub job: RwSignal<String>,
    /// Conv lab: the cost table from the worker's burn modules.
    pub conv_cost: RwSignal<Option<CostTable>>,
    /// Conv lab: the latest feature maps and their RGBA tiles.
    pub conv_maps: RwSignal<Option<(ConvMapsInfo, Vec<Vec<u8>>)>>,
    /// Conv lab: the latest 2-D against 3-D outputs and their RGBA tiles.
    pub spectral: RwSignal<Option<(SpectralInfo, Vec<Vec<u8>>)>>,
    /// Models page walkthrough: the latest layer table and view with its RGBA tiles.
    pub walk: RwSignal<Option<(WalkInfo, Vec<Vec<u8>>)>>,
    /// The CIFAR-10 lab.
    pub cifar: super::cifar_state::CifarSignals,
    /// The device check's last results.
    pub check: RwSignal<Option<CheckReport>>,
}

impl AppState {
    pub fn new(page: Page) -> Self {
        Self {
            page: RwSignal::new(page),
            worker_ready: RwSignal::new(false),
            restoring_scene: RwSignal::new(false),
            backend: RwSignal::new(None),
            models: RwSignal::new(Vec::new()),
            losses: RwSignal::new(Vec::new()),
            progress: RwSignal::new(None),
            job_status: RwSignal::new(JobStatus::Idle),
            error: RwSignal::new(None),
            notices: RwSignal::new(Vec::new()),
            scene: RwSignal::new(None),
            arrays: RwSignal::new(None),
            rgb_image: RwSignal::new(None),
            band_image: RwSignal::new(None),
            spectrum: RwSignal::new(None),
            prepared: RwSignal::new(None),
            epochs: RwSignal::new(Vec::new()),
            map: RwSignal::new(Vec::new()),
            evaluation: RwSignal::new(None),
            unscored: RwSignal::new(None),
            notice: RwSignal::new(None),
            kept: RwSignal::new(None),
            job: RwSignal::new(String::new()),
            presenter: RwSignal::new(false),
            runs_saved: RwSignal::new(0),
            pending_run: RwSignal::new(None),
            keep_weights: RwSignal::new(false),
            run_awaiting_weights: RwSignal::new(None),
            conv_cost: RwSignal::new(None),
            conv_maps: RwSignal::new(None),
            spectral: RwSignal::new(None),
            walk: RwSignal::new(None),
            cifar: super::cifar_state::CifarSignals::new(),
            check: RwSignal::new(None),
        }
    }

    /// Completes a hyperspectral run with its history and final scores, and saves it.
    fn save_run(&self, mut run: SavedRun, e: &EvalInfo) {
        run.created_ms = js_sys::Date::now();
        run.id = format!("{:.0}-{}", run.created_ms, run.lab);
        run.backend = self
            .backend
            .get_untracked()
            .map(|b| b.kind)
            .unwrap_or_default();
        run.history = self.epochs.with_untracked(|ep| {
            ep.iter()
                .map(|r| RunEpoch {
                    epoch: r.epoch,
                    loss: r.loss,
                    train_acc: r.train_acc,
                    test_acc: r.test_oa,
                    val_acc: r.val_oa,
                    seconds: r.seconds,
                })
                .collect()
        });
        run.seconds = run.history.iter().map(|h| h.seconds).sum();
        run.metrics = vec![
            ("OA".into(), e.oa),
            ("AA".into(), e.aa),
            ("Kappa".into(), e.kappa),
        ];
        if let Some(p) = self.prepared.get_untracked() {
            run.params = p.layers.params;
        }
        if self.keep_weights.get_untracked() {
            // The weights live in the worker: ask for the file, save when it arrives.
            self.run_awaiting_weights.set(Some(run));
            super::client::send(&Request::Hsi(HsiRequest::ExportWeights));
        } else {
            super::runs::save_in_background(*self, run, None);
        }
    }

    /// Applies one of the Hyperspectral lab's responses.
    fn apply_hsi(&self, resp: HsiResponse, bins: Vec<Vec<u8>>) {
        match resp {
            HsiResponse::Scene(info) => {
                // The same scene, reloaded by a restarted worker: what is on screen stays.
                let restored = self.restoring_scene.get_untracked()
                    && self.scene.with_untracked(|s| {
                        s.as_ref().is_some_and(|s| {
                            (&s.name, s.height, s.width) == (&info.name, info.height, info.width)
                        })
                    });
                self.restoring_scene.set(false);
                if !restored {
                    self.map.set(vec![0; info.height * info.width]);
                    self.evaluation.set(None);
                    self.unscored.set(None);
                    self.prepared.set(None);
                    self.epochs.set(Vec::new());
                    self.spectrum.set(None);
                    self.band_image.set(None);
                }
                self.scene.set(Some(info));
            }
            HsiResponse::Arrays(files) => self.arrays.set(Some(files)),
            HsiResponse::Notice { message, .. } => self.notice.set(Some(message)),
            HsiResponse::Kept { epoch, epochs } => {
                // The epochs after the kept one did not finish.
                self.epochs.update(|rows| rows.retain(|r| r.epoch <= epoch));
                self.kept.set(Some((epoch, epochs)));
            }
            HsiResponse::Image(img) => match img.id.as_str() {
                "rgb" => self.rgb_image.set(Some(img)),
                _ => self.band_image.set(Some(img)),
            },
            HsiResponse::Spectrum {
                row,
                col,
                label,
                values,
            } => self.spectrum.set(Some(SpectrumInfo {
                row,
                col,
                label,
                values,
            })),
            HsiResponse::Prepared {
                explained,
                train,
                test,
                layers,
            } => self.prepared.set(Some(PreparedInfo {
                explained,
                train,
                test,
                layers,
            })),
            HsiResponse::Epoch(m) => self.epochs.update(|e| {
                e.retain(|r| r.epoch != m.epoch);
                e.push(m);
            }),
            HsiResponse::MapRows { row0, labels, .. } => {
                let width = self.scene.with_untracked(|s| s.as_ref().map(|s| s.width));
                if let Some(w) = width {
                    self.map.update(|m| {
                        let start = row0 * w;
                        if start + labels.len() <= m.len() {
                            m[start..start + labels.len()].copy_from_slice(&labels);
                        }
                    });
                }
            }
            HsiResponse::Evaluation(e) => {
                if e.source == MapSource::YourRun
                    && let Some(run) = self.pending_run.get_untracked()
                {
                    self.pending_run.set(None);
                    self.save_run(run, &e);
                }
                self.unscored.set(None);
                self.evaluation.set(Some(e));
            }
            HsiResponse::Unscored { source, why } => {
                self.evaluation.set(None);
                self.unscored.set(Some((source, why)));
            }
            HsiResponse::WeightsFile { name } => {
                let awaiting = self.run_awaiting_weights.get_untracked();
                match (awaiting, bins.into_iter().next()) {
                    (Some(run), bytes) => {
                        self.run_awaiting_weights.set(None);
                        super::runs::save_in_background(*self, run, bytes);
                    }
                    (None, Some(bytes)) => {
                        super::download::download(&name, &bytes, "application/octet-stream")
                    }
                    (None, None) => {}
                }
            }
        }
    }

    /// Applies one worker response (and its binary attachments) to the signals.
    pub fn apply(&self, resp: Response, bins: Vec<Vec<u8>>) {
        match resp {
            Response::Hsi(r) => self.apply_hsi(r, bins),
            Response::Stats { wasm_bytes, jobs } => super::hooks::publish_stats(wasm_bytes, jobs),
            Response::Cifar(r) => self.cifar.apply(r),
            Response::Lab(r) => self.apply_lab(r, bins),
            Response::Check(report) => self.check.set(Some(report)),
            Response::Ready => self.worker_ready.set(true),
            Response::Backend { kind, name, reason } => {
                self.backend.set(Some(BackendInfo { kind, name, reason }))
            }
            Response::Models(tables) => self.models.set(tables),
            Response::Progress { ref job, .. } if self.job.get_untracked() != *job => {
                // A job that reports progress is running, even if another job's Done (e.g. the
                // pretrained CIFAR-10 listing finishing during a run) was the last word.
                self.job.set(job.clone());
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
                if job != crate::messages::job::LAB {
                    self.job_status.set(JobStatus::Error);
                }
                self.error.set(Some(message));
            }
        }
    }
}
