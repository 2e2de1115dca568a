//! The worker's hyperspectral jobs: load (bundled or uploaded) scenes, views, PCA, training,
//! maps, weights import/export. A failed job leaves the loaded scene and model untouched.
//!
//! `scene.rs` loads scenes and draws their views, `train.rs` prepares (PCA, split) and
//! trains, `map.rs` maps the scene with a model, scores it, and reads and writes weights
//! files; this file holds the lab's state and dispatches [`HsiRequest`]s.

mod map;
mod scene;
mod train;

use burn::tensor::Device;

use super::{WorkerHost, post};
use crate::data::Scene;
use crate::messages::Response;
use crate::messages::hsi::{HsiRequest, HsiResponse};
use crate::model::HybridSn;
use crate::train::hsi::{
    Evaluation, HsiTrainConfig, Prepared, TrainedOn, load_hybridsn, prepare_reusing,
};
use crate::worker::WorkerError;

pub use crate::messages::hsi::PRETRAINED_URL;

fn send(r: HsiResponse) {
    post(&Response::Hsi(r));
}

#[derive(Default)]
pub struct HsiState {
    scene: Option<Scene>,
    bundled: bool,
    prepared: Option<(HsiTrainConfig, Prepared)>,
    model: Option<Model>,
    /// The current model's test scores, and its validation scores (what its file records).
    evaluation: Option<Evaluation>,
    validation: Option<Evaluation>,
    /// What a failed run left: its settings, the epochs it completed and their weights file.
    kept: Option<Kept>,
}

/// A model, the settings it was trained with and the scene it was trained on (what decides
/// whether its maps of the loaded scene may be scored: [`TrainedOn::unscored_on`]).
#[derive(Clone)]
struct Model {
    net: HybridSn,
    cfg: HsiTrainConfig,
    trained_on: TrainedOn,
}

impl Model {
    /// Reads a weights file (the settings and the scene it records).
    fn read(bytes: &[u8], device: &Device) -> Result<Self, WorkerError> {
        let (net, cfg) = load_hybridsn(bytes, device)?;
        let trained_on = TrainedOn::read(bytes)?;
        Ok(Model {
            net,
            cfg,
            trained_on,
        })
    }
}

/// The last completed epoch of a run that failed (lost device, diverging loss).
struct Kept {
    cfg: HsiTrainConfig,
    epoch: usize,
    weights: Vec<u8>,
}

impl HsiState {
    /// The device went away: drop what lived on it. A kept checkpoint is a file, so it stays;
    /// the current model is rebuilt on the CPU from its weights when there are any.
    pub fn forget_device_models(&mut self) {
        self.model = self.kept.as_ref().and_then(|k| {
            Model::read(&k.weights, &Device::flex())
                .ok()
                .map(|m| Model {
                    cfg: k.cfg.clone(),
                    ..m
                })
        });
    }
}

pub async fn handle(
    st: &mut HsiState,
    host: &mut WorkerHost,
    device: &Device,
    backend: &str,
    req: HsiRequest,
    bins: Vec<Vec<u8>>,
) -> Result<(), WorkerError> {
    match req {
        HsiRequest::LoadBundled => scene::load_bundled(st).await,
        HsiRequest::Upload {
            names,
            cube_var,
            gt_var,
            labels,
        } => scene::upload(st, &names, &bins, cube_var, gt_var, &labels),
        HsiRequest::InspectFiles { names } => scene::inspect(&names, &bins),
        HsiRequest::Band { band, colormap } => scene::band(st, band, colormap),
        HsiRequest::Rgb { bands } => scene::rgb(st, bands),
        HsiRequest::Spectrum { row, col } => scene::spectrum(st, row, col),
        HsiRequest::Prepare(s) => train::prepare_view(st, device, &s),
        HsiRequest::Train { config, resume } => {
            train::train(st, host, device, backend, &config, resume).await
        }
        HsiRequest::PretrainedMap => map::pretrained(st, host, device).await,
        HsiRequest::Map => map::current(st, host).await,
        HsiRequest::ExportWeights => map::export(st).await,
        HsiRequest::ImportWeights { name } => map::import(st, host, device, &name, &bins).await,
        HsiRequest::CompareSplits => map::compare_splits(st, host, device).await,
    }
}

/// Preprocessing is the same when PCA, patch and split settings agree.
fn same_prep(a: &HsiTrainConfig, b: &HsiTrainConfig) -> bool {
    a.same_split(b)
}

fn ensure_prepared<'a>(
    st: &'a mut HsiState,
    cfg: &HsiTrainConfig,
) -> Result<&'a Prepared, WorkerError> {
    let fresh = matches!(&st.prepared, Some((c, _)) if same_prep(c, cfg));
    if !fresh {
        let scene = st
            .scene
            .as_ref()
            .ok_or("Load a scene first (Indian Pines or your own file).")?;
        // Another split of the same scene keeps the PCA already computed.
        let prep = prepare_reusing(scene, cfg, st.prepared.as_ref().map(|(_, p)| p))?;
        st.prepared = Some((cfg.clone(), prep));
    }
    Ok(&st.prepared.as_ref().expect("prepared above").1)
}
