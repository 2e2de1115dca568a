//! The Hyperspectral lab's signals, written by the worker's [`HsiResponse`]s.

use leptos::prelude::*;

use crate::messages::hsi::{
    EvalInfo, FileArrays, HsiRequest, HsiResponse, ImageMsg, MapSource, SceneInfo, SplitCompared,
};
use crate::messages::{ModelTable, Request, SavedRun};
use crate::ui::client;
use crate::ui::download::download;
use crate::ui::runs;
use crate::ui::state::AppState;

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

/// All Hyperspectral lab signals (`Copy`, kept in [`AppState`] as `hsi`).
#[derive(Clone, Copy)]
pub struct HsiState {
    /// A restarted worker is reloading the scene on screen: its `Scene` answer keeps the
    /// maps and metrics shown (see [`crate::ui::client`]).
    pub restoring_scene: RwSignal<bool>,
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
    /// The run being trained, saved when its final evaluation arrives.
    pub pending_run: RwSignal<Option<SavedRun>>,
    /// Keep the weights with each saved hyperspectral run.
    pub keep_weights: RwSignal<bool>,
    /// A finished run waiting for its weights file before it is saved.
    pub run_awaiting_weights: RwSignal<Option<SavedRun>>,
    /// The split comparison: each split's map by its shipped weights, with its scores.
    pub compared: RwSignal<Vec<SplitCompared>>,
}

impl HsiState {
    pub fn new() -> Self {
        Self {
            restoring_scene: RwSignal::new(false),
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
            pending_run: RwSignal::new(None),
            keep_weights: RwSignal::new(false),
            run_awaiting_weights: RwSignal::new(None),
            compared: RwSignal::new(Vec::new()),
        }
    }

    /// Completes a hyperspectral run with its history and final scores, and saves it.
    fn save_run(&self, app: AppState, mut run: SavedRun, e: &EvalInfo) {
        run.created_ms = js_sys::Date::now();
        run.id = format!("{:.0}-{}", run.created_ms, run.lab);
        run.backend = app
            .backend
            .get_untracked()
            .map(|b| b.kind)
            .unwrap_or_default();
        run.history = self.epochs.get_untracked();
        run.seconds = run.history.iter().map(|h| h.train_seconds).sum();
        run.metrics = vec![
            ("OA".into(), e.scores.oa),
            ("AA".into(), e.scores.aa),
            ("Kappa".into(), e.scores.kappa),
        ];
        if let Some(p) = self.prepared.get_untracked() {
            run.params = p.layers.params;
        }
        if self.keep_weights.get_untracked() {
            // The weights live in the worker: ask for the file, save when it arrives.
            self.run_awaiting_weights.set(Some(run));
            client::send(&Request::Hsi(HsiRequest::ExportWeights));
        } else {
            runs::save_in_background(app, run, None);
        }
    }

    /// Applies one of the lab's responses (and its binary attachments); `app` for what a
    /// finished run is saved with.
    pub fn apply(&self, app: AppState, resp: HsiResponse, bins: Vec<Vec<u8>>) {
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
                    self.compared.set(Vec::new());
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
            HsiResponse::Notice { message } => self.notice.set(Some(message)),
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
                    self.save_run(app, run, &e);
                }
                self.unscored.set(None);
                self.evaluation.set(Some(e));
            }
            HsiResponse::Unscored { source, why } => {
                self.evaluation.set(None);
                self.unscored.set(Some((source, why)));
            }
            HsiResponse::SplitCompared(side) => self.compared.update(|c| {
                c.retain(|s| s.split != side.split);
                c.push(side);
                c.sort_by_key(|s| s.split as u8);
            }),
            HsiResponse::WeightsFile { name } => {
                let awaiting = self.run_awaiting_weights.get_untracked();
                match (awaiting, bins.into_iter().next()) {
                    (Some(run), bytes) => {
                        self.run_awaiting_weights.set(None);
                        runs::save_in_background(app, run, bytes);
                    }
                    (None, Some(bytes)) => download(&name, &bytes, "application/octet-stream"),
                    (None, None) => {}
                }
            }
        }
    }
}

impl Default for HsiState {
    fn default() -> Self {
        Self::new()
    }
}
