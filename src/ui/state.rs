//! The UI's state: signals written by worker responses and read by the components.

use leptos::prelude::*;

use crate::messages::{EvalInfo, ImageMsg, ModelTable, Response, SceneInfo};

/// Which page is shown (also the `?page=` URL parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    Home,
    Hyperspectral,
    Cifar,
    Models,
    About,
}

impl Page {
    pub const ALL: [Page; 5] = [
        Page::Home,
        Page::Cifar,
        Page::Hyperspectral,
        Page::Models,
        Page::About,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Page::Home => "home",
            Page::Hyperspectral => "hyperspectral",
            Page::Cifar => "cifar",
            Page::Models => "models",
            Page::About => "about",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Page::Home => "Lab bench",
            Page::Hyperspectral => "Hyperspectral lab",
            Page::Cifar => "CIFAR-10 lab",
            Page::Models => "Models",
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

/// One epoch of a hyperspectral run.
#[derive(Debug, Clone, PartialEq)]
pub struct EpochRow {
    pub epoch: usize,
    pub loss: f64,
    pub train_acc: f64,
    pub test_oa: Option<f64>,
    pub seconds: f64,
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
    pub backend: RwSignal<Option<BackendInfo>>,
    pub models: RwSignal<Vec<ModelTable>>,
    pub losses: RwSignal<Vec<(usize, f32)>>,
    pub progress: RwSignal<Option<ProgressInfo>>,
    /// "idle", "running", "paused", "done", "stopped" or "error".
    pub job_status: RwSignal<String>,
    pub error: RwSignal<Option<String>>,
    pub scene: RwSignal<Option<SceneInfo>>,
    pub rgb_image: RwSignal<Option<ImageMsg>>,
    pub band_image: RwSignal<Option<ImageMsg>>,
    pub spectrum: RwSignal<Option<SpectrumInfo>>,
    pub prepared: RwSignal<Option<PreparedInfo>>,
    pub epochs: RwSignal<Vec<EpochRow>>,
    /// Classification map labels (1-based; 0 = not computed yet).
    pub map: RwSignal<Vec<u16>>,
    pub evaluation: RwSignal<Option<EvalInfo>>,
    /// The last job the worker reported on ("download", "train", "map", "smoke", …).
    pub job: RwSignal<String>,
    /// The CIFAR-10 lab.
    pub cifar: super::cifar_state::CifarSignals,
}

impl AppState {
    pub fn new(page: Page) -> Self {
        Self {
            page: RwSignal::new(page),
            worker_ready: RwSignal::new(false),
            backend: RwSignal::new(None),
            models: RwSignal::new(Vec::new()),
            losses: RwSignal::new(Vec::new()),
            progress: RwSignal::new(None),
            job_status: RwSignal::new("idle".into()),
            error: RwSignal::new(None),
            scene: RwSignal::new(None),
            rgb_image: RwSignal::new(None),
            band_image: RwSignal::new(None),
            spectrum: RwSignal::new(None),
            prepared: RwSignal::new(None),
            epochs: RwSignal::new(Vec::new()),
            map: RwSignal::new(Vec::new()),
            evaluation: RwSignal::new(None),
            job: RwSignal::new(String::new()),
            cifar: super::cifar_state::CifarSignals::new(),
        }
    }

    /// Applies one worker response (and its binary attachments) to the signals.
    pub fn apply(&self, resp: Response, bins: Vec<Vec<u8>>) {
        match resp {
            Response::Scene(info) => {
                self.map.set(vec![0; info.height * info.width]);
                self.evaluation.set(None);
                self.prepared.set(None);
                self.epochs.set(Vec::new());
                self.spectrum.set(None);
                self.band_image.set(None);
                self.scene.set(Some(info));
            }
            Response::Image(img) => match img.id.as_str() {
                "rgb" => self.rgb_image.set(Some(img)),
                _ => self.band_image.set(Some(img)),
            },
            Response::Spectrum {
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
            Response::Prepared {
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
            Response::Epoch {
                epoch,
                loss,
                train_acc,
                test_oa,
                seconds,
            } => self.epochs.update(|e| {
                e.retain(|r| r.epoch != epoch);
                e.push(EpochRow {
                    epoch,
                    loss,
                    train_acc,
                    test_oa,
                    seconds,
                });
            }),
            Response::MapRows { row0, labels, .. } => {
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
            Response::Evaluation(e) => self.evaluation.set(Some(e)),
            Response::Cifar(r) => self.cifar.apply(r),
            Response::WeightsFile { name } => {
                if let Some(bytes) = bins.first() {
                    super::download::download(&name, bytes, "application/octet-stream");
                }
            }
            Response::Ready => self.worker_ready.set(true),
            Response::Backend { kind, name, reason } => {
                self.backend.set(Some(BackendInfo { kind, name, reason }))
            }
            Response::Models(tables) => self.models.set(tables),
            Response::Progress { ref job, .. } if self.job.get_untracked() != *job => {
                self.job.set(job.clone());
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
                self.job_status
                    .set(if stopped { "stopped" } else { "done" }.into())
            }
            Response::Error { message, .. } => {
                self.job_status.set("error".into());
                self.error.set(Some(message));
            }
        }
    }
}
