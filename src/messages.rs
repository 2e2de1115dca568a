//! Typed messages between the UI (main thread) and the worker.
//!
//! Both sides serialise them as JSON strings through `postMessage`; nothing here depends on
//! burn or web APIs, so the UI wasm stays free of burn.

use serde::{Deserialize, Serialize};

use crate::config::ModelKind;

pub mod cifar;
pub mod hsi;
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
    pub history: Vec<crate::data::EpochMetrics>,
    /// Final scores, e.g. ("OA", 0.981); fractions, shown as percentages (Kappa as is).
    pub metrics: Vec<(String, f64)>,
    pub params: usize,
    /// Training time in seconds.
    pub seconds: f64,
}

/// The jobs the worker reports progress, losses, notices, errors and completion under; the
/// UI reads them to word the progress bar and to lead the header's job indicator back to the
/// page of the running job. On the wire and on screen each is a short name ([`Job::name`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Job {
    /// No job yet, or messages about the worker itself (a malformed request).
    #[default]
    #[serde(rename = "worker")]
    Worker,
    /// A fetch of bundled data or weights (bytes).
    #[serde(rename = "download")]
    Download,
    /// Decoding the bundled CIFAR-10 subset.
    #[serde(rename = "decode")]
    Decode,
    /// The shipped CIFAR-10 weights (the comparison table's pretrained rows).
    #[serde(rename = "cifar-weights")]
    CifarWeights,
    /// A CIFAR-10 (or cats and dogs) training run.
    #[serde(rename = "cifar")]
    Cifar,
    /// Hyperspectral requests before they start a run or a map (scene loading, PCA, split).
    #[serde(rename = "hsi")]
    Hsi,
    /// A HybridSN training run.
    #[serde(rename = "train")]
    HsiTrain,
    /// A whole-scene classification map.
    #[serde(rename = "map")]
    Map,
    /// The Hyperspectral lab's comparison of two splits (two whole-scene maps).
    #[serde(rename = "compare")]
    Compare,
    /// The home page's smoke run.
    #[serde(rename = "smoke")]
    Smoke,
    /// The device check: timed steps of each lab's default model.
    #[serde(rename = "check")]
    Check,
    /// Requests of the worker's second queue (conv lab, walkthrough): those run beside
    /// training, so the UI must not mark the running job as failed on their errors.
    #[serde(rename = "conv")]
    Lab,
}

impl Job {
    /// The job's short name, as the wire and the status lines write it.
    pub fn name(self) -> &'static str {
        match self {
            Job::Worker => "worker",
            Job::Download => "download",
            Job::Decode => "decode",
            Job::CifarWeights => "cifar-weights",
            Job::Cifar => "cifar",
            Job::Hsi => "hsi",
            Job::HsiTrain => "train",
            Job::Map => "map",
            Job::Compare => "compare",
            Job::Smoke => "smoke",
            Job::Check => "check",
            Job::Lab => "conv",
        }
    }
}

impl std::fmt::Display for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One model the device check times: the model, its width multiplier (CIFAR-10 models) and
/// batch size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckCase {
    pub model: ModelKind,
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
        model: ModelKind,
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
    /// The Hyperspectral lab's requests.
    Hsi(hsi::HsiRequest),
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
        job: Job,
        done: usize,
        total: usize,
        /// Samples per second over the job so far.
        rate: f64,
        /// Estimated seconds left.
        eta_s: f64,
    },
    /// One training step's loss.
    Loss {
        job: Job,
        step: usize,
        loss: f32,
    },
    /// The job finished (stopped early when `stopped`).
    Done {
        job: Job,
        stopped: bool,
    },
    /// The Hyperspectral lab's responses.
    Hsi(hsi::HsiResponse),
    /// The Conv lab's and the Models page walkthrough's responses.
    Lab(lab::LabResponse),
    /// The CIFAR-10 lab's responses.
    Cifar(cifar::CifarResponse),
    /// The device check's results.
    Check(CheckReport),
    /// The worker's memory: wasm linear memory in bytes, and the jobs it has run.
    Stats {
        wasm_bytes: f64,
        jobs: usize,
    },
    /// Something went wrong; `message` is for people.
    Error {
        job: Job,
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
                model: ModelKind::MobileNetV1,
                steps: 3,
                batch: 4,
            },
            Request::Stop,
            Request::DeviceCheck {
                cases: vec![CheckCase {
                    model: ModelKind::HybridSn,
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
            job: Job::Smoke,
            step: 2,
            loss: 2.25,
        };
        assert_eq!(Response::from_json(&resp.to_json()).unwrap(), resp);
        assert!(Request::from_json("{\"Nope\":1}").is_err());
    }
}
