//! The one error type of training, evaluation, whole-scene maps and weights files.
//!
//! As with [`DataError`], every message is written for a person and shown verbatim by the
//! app (and printed by the CLI): each variant keeps the words the app showed before the
//! errors were typed, which the browser tests match. The error becomes words only at the
//! edge (the worker's error response, the CLI's message), with `to_string()`.

use thiserror::Error;

use crate::data::DataError;
use crate::model::ModelKind;

/// Everything that can go wrong while training, evaluating, mapping or reading and writing
/// weights.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum TrainError {
    /// Reading a tensor back from the device failed (a lost WebGPU device shows here first).
    #[error("reading {what} back failed: {detail}")]
    ReadBack {
        /// What was read ("a tensor", "the feature maps").
        what: String,
        /// The backend's error, as it words it.
        detail: String,
    },

    /// Tensor data read back could not be converted to the type asked for.
    #[error("{0}")]
    Convert(String),

    /// A parameter could not be read back while writing a weights file.
    #[error("reading {path} failed: {detail}")]
    ReadParam {
        /// The parameter's module path.
        path: String,
        /// The backend's error.
        detail: String,
    },

    /// A parameter read back while writing a weights file could not be converted to `f32`.
    #[error("{path}: {detail}")]
    ConvertParam {
        /// The parameter's module path.
        path: String,
        /// The conversion's error.
        detail: String,
    },

    /// Settings or a header could not be turned into (or read from) JSON.
    #[error("{0}")]
    Json(String),

    /// The loss of a training step became NaN or infinite.
    #[error(
        "Training stopped: the loss became {value} at epoch {epoch}, step {step} of \
         {steps_per_epoch}{}",
        if *.previous_kept {
            ". The weights of the previous step are kept; try a smaller learning rate."
        } else {
            "; try a smaller learning rate."
        }
    )]
    LossDiverged {
        /// The loss.
        value: f32,
        /// The epoch (1-based).
        epoch: usize,
        /// The step within the epoch (1-based).
        step: usize,
        /// Steps an epoch.
        steps_per_epoch: usize,
        /// Whether the message says the weights of the previous step are kept (the CIFAR-10
        /// lab's runs).
        previous_kept: bool,
    },

    /// The weights became NaN or infinite in the last step of an epoch (which no loss of
    /// that epoch shows: each is computed before its step).
    #[error(
        "Training stopped: the weights became NaN or infinite at epoch {epoch}, step {steps} of \
         {steps} (the epoch's last); try a smaller learning rate."
    )]
    NonFiniteWeights {
        /// The epoch (1-based).
        epoch: usize,
        /// Steps an epoch.
        steps: usize,
    },

    /// The smoke run's loss became NaN or infinite.
    #[error("the loss became {value} at step {step}")]
    SmokeLoss {
        /// The loss.
        value: f32,
        /// The step (1-based).
        step: usize,
    },

    /// A benchmark's training loss became NaN or infinite.
    #[error("the benchmark's loss became {0}")]
    BenchLoss(f32),

    /// The smoke run was asked for a model that is not a CIFAR-10 model.
    #[error("the smoke run takes a CIFAR-10 model")]
    SmokeNeedsCifar,

    /// A label smoothing ε outside [0, 1).
    #[error("Label smoothing must be in [0, 1); got {0}")]
    LabelSmoothing(f32),

    /// A CIFAR-10 run or model asked of a model that is not a CIFAR-10 model.
    #[error("{} is not a CIFAR-10 model", .0.name())]
    NotCifarModel(ModelKind),

    /// A width multiplier outside (0, 4].
    #[error("The width multiplier must be in (0, 4]; got {0}")]
    Width(f64),

    /// No epochs or an empty batch.
    #[error("Epochs and batch size must be at least 1")]
    NoEpochsOrBatch,

    /// A learning rate that is not a positive number.
    #[error("The learning rate must be a positive number; got {0}")]
    LearningRate(f64),

    /// A negative or non-finite weight decay.
    #[error("Weight decay must be ≥ 0")]
    WeightDecay,

    /// A CIFAR-10 validation share outside [0, 0.5].
    #[error("The validation share must be between 0 and 0.5; got {0}")]
    ValidationShare(f64),

    /// A hyperspectral training fraction outside (0, 1).
    #[error("The training fraction must be between 0 and 1; got {0}")]
    TrainingFraction(f64),

    /// A hyperspectral validation fraction outside [0, 1).
    #[error("The validation fraction must be at least 0 and below 1; got {0}")]
    ValidationFraction(f64),

    /// A HybridSN configuration its model refuses (its words, from
    /// [`crate::model::HybridSnConfig::validate`]).
    #[error("{0}")]
    ModelConfig(String),

    /// The split left one of its parts empty.
    #[error("The split left no training or no test pixels; change the fraction")]
    EmptySplit,

    /// A CIFAR-10 run without training images.
    #[error("There are no training images")]
    NoTrainingImages,

    /// The validation share took every training image.
    #[error("No training images are left after the validation share")]
    NoTrainingImagesLeft,

    /// The host stopped a whole-scene map before it was complete.
    #[error("The map was stopped")]
    MapStopped,

    /// A weights file that cannot be read (its header or tensors; the words of
    /// [`crate::data::weights_file`]).
    #[error("{0}")]
    WeightsFile(String),

    /// A weights file whose tensors do not fit the model built from its header.
    #[error(
        "These weights ({model}) do not fit this model: {}",
        misfits_text(.misfits)
    )]
    WeightsDoNotFit {
        /// The model the file names.
        model: String,
        /// The first few problems found.
        misfits: Vec<Misfit>,
    },

    /// A weights file of another model than HybridSN where HybridSN weights are needed.
    #[error("These weights are for {0}, not HybridSN.")]
    NotHybridSnWeights(String),

    /// A weights file of a model that is not a CIFAR-10 model where one is needed.
    #[error(
        "These weights are for {0}, not a CIFAR-10 model (PlainCNN, MobileNetV1, MobileNetV2)."
    )]
    NotCifarWeights(String),

    /// A weights file whose model config cannot be read.
    #[error("The weights' model config is malformed: {0}")]
    MalformedModelConfig(String),

    /// A HybridSN weights file whose preprocessing settings cannot be read.
    #[error("The weights' preprocessing settings are malformed: {0}")]
    MalformedPreprocessing(String),

    /// A CIFAR-10 weights file whose training settings cannot be read.
    #[error("The weights' training settings are malformed: {0}")]
    MalformedTrainingSettings(String),

    /// A HybridSN weights file whose preprocessing disagrees with its model config.
    #[error("The weights' preprocessing does not match their model config.")]
    PreprocessingMismatch,

    /// A CIFAR-10 weights file whose settings name another model than its header.
    #[error("The weights' settings name another model than their header.")]
    SettingsModelMismatch,

    /// The data a job needs could not be read or prepared.
    #[error(transparent)]
    Data(#[from] DataError),
}

/// One way a weights file's tensors do not fit a model.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Misfit {
    /// A parameter of the model that the file lacks.
    #[error("missing tensor {0}")]
    Missing(String),

    /// A tensor whose shape differs from the model's parameter.
    #[error("{path} has shape {file:?} in the file but {model:?} in the model")]
    Shape {
        /// The module path.
        path: String,
        /// Its shape in the file.
        file: Vec<usize>,
        /// Its shape in the model.
        model: Vec<usize>,
    },

    /// Tensors of the file that no parameter of the model takes (the first few).
    #[error("unused tensors {}", .0.join(", "))]
    Unused(Vec<String>),
}

fn misfits_text(misfits: &[Misfit]) -> String {
    misfits
        .iter()
        .map(Misfit::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl From<serde_json::Error> for TrainError {
    fn from(e: serde_json::Error) -> Self {
        TrainError::Json(e.to_string())
    }
}

/// The edge: code that still speaks in strings (the worker's responses, the CLI) takes the
/// error's words with `?`.
impl From<TrainError> for String {
    fn from(e: TrainError) -> Self {
        e.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diverging_loss_reads_as_before() {
        let hsi = TrainError::LossDiverged {
            value: f32::NAN,
            epoch: 3,
            step: 7,
            steps_per_epoch: 12,
            previous_kept: false,
        };
        assert_eq!(
            hsi.to_string(),
            "Training stopped: the loss became NaN at epoch 3, step 7 of 12; try a smaller \
             learning rate."
        );
        let cifar = TrainError::LossDiverged {
            value: f32::INFINITY,
            epoch: 1,
            step: 2,
            steps_per_epoch: 5,
            previous_kept: true,
        };
        assert_eq!(
            cifar.to_string(),
            "Training stopped: the loss became inf at epoch 1, step 2 of 5. The weights of the \
             previous step are kept; try a smaller learning rate."
        );
    }

    #[test]
    fn non_finite_weights_read_as_before() {
        assert_eq!(
            TrainError::NonFiniteWeights { epoch: 4, steps: 9 }.to_string(),
            "Training stopped: the weights became NaN or infinite at epoch 4, step 9 of 9 (the \
             epoch's last); try a smaller learning rate."
        );
    }

    #[test]
    fn weights_that_do_not_fit_read_as_before() {
        let e = TrainError::WeightsDoNotFit {
            model: "HybridSN".into(),
            misfits: vec![
                Misfit::Missing("fc1.weight".into()),
                Misfit::Shape {
                    path: "conv1.weight".into(),
                    file: vec![8, 1, 7, 3, 3],
                    model: vec![8, 1, 7, 5, 5],
                },
                Misfit::Unused(vec!["extra.a".into(), "extra.b".into()]),
            ],
        };
        assert_eq!(
            e.to_string(),
            "These weights (HybridSN) do not fit this model: missing tensor fc1.weight; \
             conv1.weight has shape [8, 1, 7, 3, 3] in the file but [8, 1, 7, 5, 5] in the \
             model; unused tensors extra.a, extra.b"
        );
    }

    #[test]
    fn settings_and_models_are_named_as_before() {
        assert_eq!(
            TrainError::NotCifarModel(ModelKind::HybridSn).to_string(),
            "HybridSN is not a CIFAR-10 model"
        );
        assert_eq!(
            TrainError::LabelSmoothing(1.5).to_string(),
            "Label smoothing must be in [0, 1); got 1.5"
        );
        assert_eq!(String::from(TrainError::MapStopped), "The map was stopped");
    }
}
