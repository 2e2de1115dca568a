//! Typed messages between the UI (main thread) and the worker.
//!
//! Both sides serialise them as JSON strings through `postMessage`; nothing here depends on
//! burn or web APIs, so the UI wasm stays free of burn.

use serde::{Deserialize, Serialize};

pub mod cifar;
pub mod lab;

/// Which compute backend the worker should use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BackendChoice {
    /// WebGPU when the browser offers an adapter, else the CPU.
    Auto,
    /// The CPU (WebAssembly) backend, whatever the browser offers (`?backend=cpu`).
    Cpu,
}

/// One row of a layer table (mirrors `model::LayerInfo`, kept here so the UI needs no burn).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerRow {
    pub name: String,
    pub kind: String,
    pub output: Vec<usize>,
    pub params: usize,
    pub macs: u64,
}

/// A model's layer table as computed by the real burn modules in the worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelTable {
    pub model: String,
    pub input: Vec<usize>,
    pub layers: Vec<LayerRow>,
    pub params: usize,
    pub macs: u64,
}

/// Settings of a hyperspectral run (mirrors `train::hsi::HsiTrainConfig`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HsiSettings {
    pub pca: usize,
    pub patch: usize,
    pub train_fraction: f64,
    /// Share of each class's training pixels held out for validation.
    #[serde(default = "default_val_fraction")]
    pub val_fraction: f64,
    pub spatial: bool,
    /// The spatial split's guard band.
    #[serde(default)]
    pub guard: crate::data::Guard,
    pub seed: u64,
    pub epochs: usize,
    pub batch_size: usize,
    pub lr: f64,
    pub batch_norm: bool,
    pub max_train: usize,
    /// Validation OA every this many epochs (0 = never). The lab never scores test pixels
    /// per epoch: the test score comes once, from the final map.
    #[serde(alias = "eval_every")]
    pub val_every: usize,
    /// Random flips and 90° rotations of the training patches.
    #[serde(default)]
    pub augment: bool,
    /// Class balancing: classes with fewer training pixels are repeated up to this many per
    /// epoch (0 = off).
    #[serde(default)]
    pub min_per_class: usize,
    /// Continue from the weights kept after a failed run (see [`Response::Kept`]) instead of
    /// starting afresh.
    #[serde(default)]
    pub resume: bool,
}

fn default_val_fraction() -> f64 {
    crate::data::VALIDATION_FRACTION
}

/// The lab's defaults (its form starts from them; a test checks they are the training
/// config's, [`crate::train::hsi::HsiTrainConfig`]).
impl Default for HsiSettings {
    fn default() -> Self {
        Self {
            pca: 30,
            patch: 25,
            train_fraction: 0.1,
            val_fraction: default_val_fraction(),
            spatial: false,
            guard: crate::data::Guard::default(),
            seed: 0,
            epochs: 20,
            // Batch 32 keeps every Conv3d activation well under WebGPU's 128 MiB binding.
            batch_size: 32,
            lr: 1e-3,
            batch_norm: true,
            max_train: 0,
            val_every: 1,
            augment: false,
            min_per_class: 0,
            resume: false,
        }
    }
}

/// What the UI learns about a loaded scene.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SceneInfo {
    pub name: String,
    pub height: usize,
    pub width: usize,
    pub bands: usize,
    pub num_classes: usize,
    pub class_names: Vec<String>,
    /// Pixels per label (index 0 = unlabelled).
    pub class_counts: Vec<usize>,
    /// Ground-truth labels, row-major (0 = unlabelled).
    pub gt: Vec<u16>,
    /// Mean spectrum of each class (`num_classes` rows of `bands` values).
    pub class_means: Vec<Vec<f32>>,
    /// Default false-colour bands (r, g, b).
    pub rgb_bands: [usize; 3],
    /// How the classes map to the file's label values, in words (empty when they are the
    /// values; see `data::LabelMap::describe`).
    #[serde(default)]
    pub label_map: String,
}

/// The arrays found in one uploaded file, and which of them can be the cube or the ground truth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileArrays {
    pub file: String,
    /// `name  dtype  shape` of every array, in file order.
    pub arrays: Vec<String>,
    /// Names of the 3-D arrays (cube candidates).
    pub cubes: Vec<String>,
    /// Names of the 2-D integer arrays (ground-truth candidates, best first).
    pub gts: Vec<String>,
}

/// The model behind a hyperspectral map (shown in words: "your run", "pretrained weights", …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MapSource {
    /// A run trained in this lab (its evaluation saves the run).
    YourRun,
    Pretrained,
    Imported,
    /// The model in the lab, mapped again on request.
    CurrentModel,
}

impl std::fmt::Display for MapSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            MapSource::YourRun => "your run",
            MapSource::Pretrained => "pretrained weights",
            MapSource::Imported => "imported weights",
            MapSource::CurrentModel => "current model",
        })
    }
}

/// OA, AA, Kappa, per-class accuracy and the confusion matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalInfo {
    pub oa: f64,
    pub aa: f64,
    pub kappa: f64,
    pub per_class: Vec<Option<f64>>,
    pub confusion: Vec<u64>,
    pub num_classes: usize,
    pub test_pixels: usize,
    /// What produced it.
    pub source: MapSource,
    /// The split the test pixels come from, in words ("random stratified (the paper's
    /// protocol; test patches overlap training patches), …, seed 2"), and how the weights
    /// were chosen when their file says (or that it does not).
    #[serde(default)]
    pub protocol: String,
    pub train_pixels: Vec<u32>,
    pub test_pixels_list: Vec<u32>,
}

/// An RGBA image for a canvas.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageMsg {
    /// Which view it is for, e.g. "band", "rgb".
    pub id: String,
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
}

/// One epoch of a saved run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunEpoch {
    pub epoch: usize,
    pub loss: f64,
    pub train_acc: f64,
    /// Test accuracy (OA for hyperspectral runs) when it was measured that epoch.
    pub test_acc: Option<f64>,
    /// Validation accuracy (OA for hyperspectral runs) when it was measured that epoch.
    #[serde(default)]
    pub val_acc: Option<f64>,
    pub seconds: f64,
}

impl RunEpoch {
    /// What the Runs page draws per epoch: validation accuracy where the run measured it,
    /// else test accuracy (CIFAR-10 runs), else train accuracy.
    pub fn curve_accuracy(&self) -> f64 {
        self.val_acc.or(self.test_acc).unwrap_or(self.train_acc)
    }
}

/// A finished run as the browser keeps it (IndexedDB) and the Runs page compares it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedRun {
    /// Unique key (creation time and a counter).
    pub id: String,
    /// "hyperspectral" or "cifar10".
    pub lab: String,
    pub model: String,
    pub dataset: String,
    /// Milliseconds since 1970 when it finished.
    pub created_ms: f64,
    /// "WebGPU" or "CPU (WebAssembly)".
    pub backend: String,
    /// Settings as shown to people, e.g. ("PCA", "30").
    pub settings: Vec<(String, String)>,
    pub history: Vec<RunEpoch>,
    /// Final scores, e.g. ("OA", 0.981); fractions, shown as percentages (Kappa as is).
    pub metrics: Vec<(String, f64)>,
    pub params: usize,
    /// Training time in seconds.
    pub seconds: f64,
}

/// The job names the worker reports progress, losses, notices, errors and completion under;
/// the UI reads them to word the progress bar and to lead the header's job indicator back to
/// the page of the running job.
pub mod job {
    /// Messages about the worker itself (a malformed request).
    pub const WORKER: &str = "worker";
    /// A fetch of bundled data or weights (bytes).
    pub const DOWNLOAD: &str = "download";
    /// Decoding the bundled CIFAR-10 subset.
    pub const DECODE: &str = "decode";
    /// The shipped CIFAR-10 weights (the comparison table's pretrained rows).
    pub const CIFAR_WEIGHTS: &str = "cifar-weights";
    /// A CIFAR-10 (or cats and dogs) training run.
    pub const CIFAR: &str = "cifar";
    /// Hyperspectral requests before they start a run or a map (scene loading, PCA, split).
    pub const HSI: &str = "hsi";
    /// A HybridSN training run.
    pub const HSI_TRAIN: &str = "train";
    /// A whole-scene classification map.
    pub const MAP: &str = "map";
    /// The home page's smoke run.
    pub const SMOKE: &str = "smoke";
    /// The device check: timed steps of each lab's default model.
    pub const CHECK: &str = "check";
    /// Errors from the worker's second queue (conv lab, walkthrough): those requests run
    /// beside training, so the UI must not mark the running job as failed on them.
    pub const LAB: &str = "conv";
}

/// One model the device check times: a model id (`"hybridsn"`, `"mobilenetv1"`, …), its
/// width multiplier (CIFAR-10 models) and batch size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckCase {
    pub model: String,
    pub width: f64,
    pub batch: usize,
}

/// A timed [`CheckCase`]: training and inference samples per second on the current backend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckRow {
    pub case: CheckCase,
    pub train_per_s: f64,
    pub infer_per_s: f64,
}

/// The device check's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckReport {
    /// The backend it ran on, as [`Response::Backend`]'s `kind`.
    pub backend: String,
    pub rows: Vec<CheckRow>,
    /// Estimated seconds of the whole-scene map of a `[height, width]` scene.
    pub map: Option<([usize; 2], f64)>,
}

/// Requests from the UI to the worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Request {
    /// Create the compute device. Answered by [`Response::Backend`].
    Init { backend: BackendChoice },
    /// Layer tables of every model. Answered by [`Response::Models`].
    Models,
    /// A few Adam steps of a model on random data, streaming each loss.
    Smoke {
        model: String,
        steps: usize,
        batch: usize,
    },
    /// The device check: times a few training and inference steps of each case and, with
    /// `map` (`[height, width]`), estimates a whole-scene map. Answered by
    /// [`Response::Check`].
    DeviceCheck {
        cases: Vec<CheckCase>,
        map: Option<[usize; 2]>,
    },
    /// Load the bundled Indian Pines scene (fetched from `public/data/` with progress).
    LoadBundledScene,
    /// Load an uploaded scene: file names of the binary attachments (scene first, then an
    /// optional ground-truth file) and optional variable names.
    UploadScene {
        names: Vec<String>,
        cube_var: Option<String>,
        gt_var: Option<String>,
        /// How label values become classes (default: a value that looks like no-data is
        /// refused, naming the choices).
        #[serde(default)]
        labels: crate::data::LabelChoice,
    },
    /// List the arrays in uploaded files (binary attachments named `names`) so the visitor
    /// can choose the cube and the ground truth. Answered by [`Response::Arrays`].
    InspectFiles { names: Vec<String> },
    /// One band as an image (colormap "grey" or "viridis").
    Band { band: usize, colormap: String },
    /// A false-colour composite of three bands.
    Rgb { bands: [usize; 3] },
    /// The spectrum of one pixel.
    Spectrum { row: usize, col: usize },
    /// PCA + split for these settings; answered with explained variance and the layer table.
    Prepare(HsiSettings),
    /// Train HybridSN with these settings (on the loaded scene).
    TrainHsi(HsiSettings),
    /// Load the shipped HybridSN weights and map the bundled scene.
    PretrainedMap,
    /// Map the whole scene with the current model.
    Map,
    /// Send the current model's weights file (binary attachment in the response).
    ExportWeights,
    /// Load a weights file (binary attachment) and map the scene with it.
    ImportWeights { name: String },
    /// The CIFAR-10 lab's requests.
    Cifar(cifar::CifarRequest),
    /// Hold the running job between two steps.
    Pause,
    /// Continue a paused job.
    Resume,
    /// Stop the running job after the current step.
    Stop,
    /// Test hook, handled as soon as it arrives: `"device-lost"` destroys the WebGPU device
    /// (`GPUDevice.destroy()`), as a driver reset would.
    Fault { kind: String },
    /// The worker's memory, for leak checks. Answered by [`Response::Stats`].
    Stats,
    /// The Conv lab's and the Models page walkthrough's requests (the worker's second queue).
    Lab(lab::LabRequest),
}

/// Responses and events from the worker to the UI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Response {
    /// The worker's wasm is loaded and it accepts requests.
    Ready,
    /// The device in use: `kind` is "WebGPU" or "CPU (WebAssembly)"; `name` the adapter's
    /// name; `reason` why WebGPU is not used, when it is not.
    Backend {
        kind: String,
        name: String,
        reason: Option<String>,
    },
    Models(Vec<ModelTable>),
    /// Progress of the running job.
    Progress {
        job: String,
        done: usize,
        total: usize,
        /// Samples per second over the job so far.
        rate: f64,
        /// Estimated seconds left.
        eta_s: f64,
    },
    /// One training step's loss.
    Loss {
        job: String,
        step: usize,
        loss: f32,
    },
    /// The job finished (stopped early when `stopped`).
    Done {
        job: String,
        stopped: bool,
    },
    /// The arrays of uploaded files, in the order they were sent.
    Arrays(Vec<FileArrays>),
    /// A scene was loaded (replacing the previous one).
    Scene(SceneInfo),
    /// An image for a view.
    Image(ImageMsg),
    /// The spectrum of a pixel and its label.
    Spectrum {
        row: usize,
        col: usize,
        label: u16,
        values: Vec<f32>,
    },
    /// PCA done: explained variance ratio per component, split sizes, HybridSN's layer table.
    Prepared {
        explained: Vec<f64>,
        train: usize,
        test: usize,
        layers: ModelTable,
    },
    /// An epoch of hyperspectral training finished.
    Epoch(crate::data::EpochMetrics),
    /// Rows of the classification map (1-based labels), for progressive drawing.
    MapRows {
        row0: usize,
        rows: usize,
        labels: Vec<u16>,
    },
    /// Scores of the current map on the test pixels.
    Evaluation(EvalInfo),
    /// A map drawn by a model that must not be scored on this scene (trained on another or
    /// an unknown one): `source` as in [`EvalInfo`], and why, in words.
    Unscored {
        source: MapSource,
        why: String,
    },
    /// A weights file (binary attachment) named `name`.
    WeightsFile {
        name: String,
    },
    /// The Conv lab's and the Models page walkthrough's responses.
    Lab(lab::LabResponse),
    /// The CIFAR-10 lab's responses.
    Cifar(cifar::CifarResponse),
    /// Something the visitor should know that is not an error (e.g. a batch made smaller
    /// to fit the device).
    Notice {
        job: String,
        message: String,
    },
    /// A failed training run left the weights of its last completed epoch; a run with
    /// `resume` continues from them.
    Kept {
        epoch: usize,
        epochs: usize,
    },
    /// The device check's results.
    Check(CheckReport),
    /// The worker's memory: wasm linear memory in bytes, and the jobs it has run.
    Stats {
        wasm_bytes: f64,
        jobs: usize,
    },
    /// Something went wrong; `message` is for people.
    Error {
        job: String,
        message: String,
    },
}

impl Request {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("requests always serialise")
    }
    pub fn from_json(s: &str) -> Result<Self, String> {
        serde_json::from_str(s).map_err(|e| format!("malformed request: {e}"))
    }
}

impl Response {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("responses always serialise")
    }
    pub fn from_json(s: &str) -> Result<Self, String> {
        serde_json::from_str(s).map_err(|e| format!("malformed response: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip_through_json() {
        let reqs = [
            Request::Init {
                backend: BackendChoice::Cpu,
            },
            Request::Smoke {
                model: "mobilenetv1".into(),
                steps: 3,
                batch: 4,
            },
            Request::Stop,
            Request::DeviceCheck {
                cases: vec![CheckCase {
                    model: "hybridsn".into(),
                    width: 1.0,
                    batch: 32,
                }],
                map: Some([145, 145]),
            },
        ];
        for r in reqs {
            assert_eq!(Request::from_json(&r.to_json()).unwrap(), r);
        }
        let resp = Response::Loss {
            job: job::SMOKE.into(),
            step: 2,
            loss: 2.25,
        };
        assert_eq!(Response::from_json(&resp.to_json()).unwrap(), resp);
        assert!(Request::from_json("{\"Nope\":1}").is_err());
    }
}
