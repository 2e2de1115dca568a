//! Messages of the CIFAR-10 lab (wrapped in [`Request::Cifar`](super::Request::Cifar) and
//! [`Response::Cifar`](super::Response::Cifar)).

use serde::{Deserialize, Serialize};

/// Settings of a CIFAR-10 run (mirrors `train::cifar::CifarTrainConfig`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CifarSettings {
    /// `plaincnn`, `mobilenetv1` or `mobilenetv2`.
    pub model: String,
    pub width: f64,
    pub epochs: usize,
    pub batch_size: usize,
    pub lr: f64,
    /// Cosine decay (else constant).
    pub cosine: bool,
    pub warmup_epochs: usize,
    pub label_smoothing: f32,
    pub weight_decay: f32,
    /// Random crop (4-pixel padding) + horizontal flip.
    pub augment: bool,
    pub seed: u64,
    /// Train on at most this many images (0 = all loaded).
    pub max_train: usize,
    /// Test on at most this many images (0 = all).
    pub max_test: usize,
    /// Share of each class's training images held out for validation (the per-epoch
    /// accuracy); the test images are scored only at the end.
    #[serde(default = "default_val_fraction")]
    pub val_fraction: f64,
    /// Train on the cats and dogs photos instead of the CIFAR-10 subset.
    #[serde(default)]
    pub cats_dogs: bool,
}

impl Default for CifarSettings {
    fn default() -> Self {
        Self {
            model: "mobilenetv1".into(),
            width: 0.5,
            epochs: 10,
            // 32 images keep the largest unfolded convolution input well under WebGPU's
            // 128 MiB storage binding for every model at width ≤ 1.
            batch_size: 32,
            lr: 2e-3,
            cosine: true,
            warmup_epochs: 1,
            label_smoothing: 0.1,
            weight_decay: 5e-4,
            augment: true,
            seed: 0,
            max_train: 0,
            max_test: 0,
            val_fraction: default_val_fraction(),
            cats_dogs: false,
        }
    }
}

fn default_val_fraction() -> f64 {
    crate::data::VALIDATION_FRACTION
}

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
    pub model: String,
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
    /// "pretrained" or "your run".
    pub source: String,
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
    /// Train with these settings.
    Train(CifarSettings),
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
