//! Messages of the CIFAR-10 lab (wrapped in [`Request::Cifar`](super::Request::Cifar) and
//! [`Response::Cifar`](super::Response::Cifar)).

use serde::{Deserialize, Serialize};

use crate::config::{CifarTrainConfig, ModelKind};

/// What is loaded.
/// The CIFAR-10 lab's data sets, by id (link parameter `c_data`, [`CifarDataInfo::dataset`]):
/// the subset, or the cats and dogs photos. Index = `cats_dogs as usize`.
pub const CIFAR_DATA: [&str; 2] = ["cifar10", "cats-dogs"];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CifarDataInfo {
    /// The data set in use: `cifar10` (the bundled subset and uploads) or `cats-dogs`.
    #[serde(default)]
    pub dataset: String,
    pub train: usize,
    pub test: usize,
    /// Training images per class.
    pub train_counts: Vec<usize>,
    pub test_counts: Vec<usize>,
    /// Training images that came from uploaded binary batches.
    pub uploaded: usize,
    /// What happened, for people (e.g. "data_batch_1.bin: 10000 images added").
    pub note: String,
}

pub use crate::data::EpochMetrics;

/// A finished run (yours or shipped): one row of the comparison table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CifarRunRow {
    /// Unique within the page, e.g. "pretrained-mobilenetv1" or "run-3".
    pub id: String,
    pub model: ModelKind,
    pub width: f64,
    pub params: usize,
    pub macs: u64,
    pub accuracy: f64,
    pub seconds: f64,
    pub backend: String,
    pub epochs: usize,
    /// Images trained on (the validation images not included).
    pub train_images: usize,
    /// Accuracy on the validation images after the last epoch, and their count (None for runs
    /// without a validation share, and files saved before it existed).
    #[serde(default)]
    pub validation: Option<(f64, usize)>,
    pub source: RunSource,
    /// The recipe in words.
    pub recipe: String,
    pub history: Vec<EpochMetrics>,
}

/// What a run's per-epoch accuracy curve measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CurveOf {
    /// The validation images held out of the training images.
    Validation,
    /// The test images: recorded per epoch only by files saved before validation existed.
    Test,
}

impl CurveOf {
    pub fn words(self) -> &'static str {
        match self {
            CurveOf::Validation => "validation",
            CurveOf::Test => "test",
        }
    }
}

/// Where a compared CIFAR-10 run comes from (`"pretrained"` or `"your run"` on the wire and
/// on the page).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RunSource {
    /// Shipped weights, read from their header.
    #[serde(rename = "pretrained")]
    Pretrained,
    /// A run trained in this lab.
    #[serde(rename = "your run")]
    YourRun,
}

impl std::fmt::Display for RunSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RunSource::Pretrained => "pretrained",
            RunSource::YourRun => "your run",
        })
    }
}

impl CifarRunRow {
    /// The run's per-epoch accuracy `(epoch, accuracy)` and what it measures: validation where
    /// the run measured it, else the per-epoch test accuracy an older file recorded.
    pub fn curve(&self) -> (Vec<(usize, f64)>, CurveOf) {
        let points = |f: fn(&EpochMetrics) -> Option<f64>| -> Vec<(usize, f64)> {
            self.history
                .iter()
                .filter_map(|e| f(e).map(|a| (e.epoch, a)))
                .collect()
        };
        let val = points(|e| e.val_acc);
        if val.is_empty() {
            let test = points(|e| e.test_acc);
            if !test.is_empty() {
                return (test, CurveOf::Test);
            }
        }
        (val, CurveOf::Validation)
    }
}

/// A test image with its top-3 predictions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CifarExample {
    pub index: usize,
    pub label: u8,
    pub top3: [u8; 3],
    pub prob: [f32; 3],
    /// 32 × 32 RGBA.
    pub rgba: Vec<u8>,
}

/// The evaluation of a finished run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CifarResult {
    pub run: CifarRunRow,
    pub per_class: Vec<Option<f64>>,
    /// 10 × 10, row = true class.
    pub confusion: Vec<u64>,
    /// Misclassified images first.
    pub examples: Vec<CifarExample>,
}

/// Requests of the CIFAR-10 lab.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum CifarRequest {
    /// Load the bundled subset (lazy, with download progress).
    LoadBundled,
    /// Train on the cats and dogs photos (`true`, decoded and resized on first use) or on the
    /// CIFAR-10 subset (`false`). Answered by [`CifarResponse::Data`].
    UseCatsDogs(bool),
    /// Add the training records of uploaded CIFAR-10 binary batches (attachments, in order of
    /// `names`); all files are checked before any is added.
    Upload { names: Vec<String> },
    /// The comparison rows of the shipped weights (read from their headers).
    Pretrained,
    /// Train with these settings, on the cats and dogs photos (`cats_dogs`) or on the
    /// CIFAR-10 subset (switching when the loaded set differs).
    Train {
        config: CifarTrainConfig,
        #[serde(default)]
        cats_dogs: bool,
    },
}

/// Responses of the CIFAR-10 lab.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum CifarResponse {
    Data(CifarDataInfo),
    Epoch(EpochMetrics),
    /// Rows of the shipped weights; `missing` names the models without shipped weights.
    Pretrained {
        rows: Vec<CifarRunRow>,
        missing: Vec<String>,
    },
    Result(CifarResult),
}
