//! Messages of the Hyperspectral lab (wrapped in [`Request::Hsi`](super::Request::Hsi) and
//! [`Response::Hsi`](super::Response::Hsi)): scenes, views, PCA, HybridSN training, maps and
//! weights files. Its jobs report under [`Job::Hsi`](super::Job::Hsi),
//! [`Job::HsiTrain`](super::Job::HsiTrain) and [`Job::Map`](super::Job::Map).

use serde::{Deserialize, Serialize};

use super::ModelTable;
use crate::config::HsiTrainConfig;

/// The colour scale of a one-band image (`"grey"` or `"viridis"` on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BandColours {
    Grey,
    #[default]
    Viridis,
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

/// The shipped HybridSN weights (the random split's; trained natively with `convlab train`).
pub const PRETRAINED_URL: &str = "./public/weights/hybridsn.clw";

/// The shipped HybridSN weights of the no-shared-input spatial split.
pub const SPATIAL_WEIGHTS_URL: &str = "./public/weights/hybridsn-spatial.clw";

/// The two splits the lab's comparison puts side by side, each with its shipped weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SplitKind {
    /// The paper's protocol: random stratified pixels; test patches overlap training patches.
    Random,
    /// Spatial blocks with a guard of patch − 1 pixels: no test patch shares an input pixel
    /// with a training patch.
    NoSharedInput,
}

impl SplitKind {
    pub const ALL: [SplitKind; 2] = [SplitKind::Random, SplitKind::NoSharedInput];

    /// The shipped weights trained on this split (relative to the app).
    pub fn weights_url(self) -> &'static str {
        match self {
            SplitKind::Random => PRETRAINED_URL,
            SplitKind::NoSharedInput => SPATIAL_WEIGHTS_URL,
        }
    }

    /// For `data-testid`s.
    pub fn id(self) -> &'static str {
        match self {
            SplitKind::Random => "random",
            SplitKind::NoSharedInput => "spatial",
        }
    }
}

impl std::fmt::Display for SplitKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SplitKind::Random => "random pixels (the paper's protocol)",
            SplitKind::NoSharedInput => "far-apart blocks (no shared input)",
        })
    }
}

/// A map's scores on its split's test pixels, what produced the map and under which split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalInfo {
    /// OA, AA, Kappa, per-class accuracy, the confusion matrix and the pixels scored.
    #[serde(flatten)]
    pub scores: crate::data::Evaluation,
    /// What produced it.
    pub source: MapSource,
    /// The split the test pixels come from, in words ("random stratified (the paper's
    /// protocol; test patches overlap training patches), …, seed 2"), and how the weights
    /// were chosen when their file says (or that it does not).
    #[serde(default)]
    pub protocol: String,
    /// The split's training and validation pixels (row-major indices): every labelled
    /// pixel the weights were trained or checked on.
    pub train_pixels: Vec<u32>,
    /// The split's test pixels (row-major indices), which the scores count.
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

/// Requests of the Hyperspectral lab.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum HsiRequest {
    /// Load the bundled Indian Pines scene (fetched from `public/data/` with progress).
    LoadBundled,
    /// Load an uploaded scene: file names of the binary attachments (scene first, then an
    /// optional ground-truth file) and optional variable names.
    Upload {
        names: Vec<String>,
        cube_var: Option<String>,
        gt_var: Option<String>,
        /// How label values become classes (default: a value that looks like no-data is
        /// refused, naming the choices).
        #[serde(default)]
        labels: crate::data::LabelChoice,
    },
    /// List the arrays in uploaded files (binary attachments named `names`) so the visitor
    /// can choose the cube and the ground truth. Answered by [`HsiResponse::Arrays`].
    InspectFiles { names: Vec<String> },
    /// One band as an image.
    Band { band: usize, colormap: BandColours },
    /// A false-colour composite of three bands.
    Rgb { bands: [usize; 3] },
    /// The spectrum of one pixel.
    Spectrum { row: usize, col: usize },
    /// PCA + split for these settings; answered with explained variance and the layer table.
    Prepare(HsiTrainConfig),
    /// Train HybridSN with these settings (on the loaded scene). The lab scores validation
    /// pixels per epoch and never test pixels: the worker ignores `eval_every`.
    Train {
        config: HsiTrainConfig,
        /// Continue from the weights kept after a failed run (see [`HsiResponse::Kept`])
        /// instead of starting afresh.
        #[serde(default)]
        resume: bool,
    },
    /// Load the shipped HybridSN weights and map the bundled scene.
    PretrainedMap,
    /// Map the whole scene with the current model.
    Map,
    /// Send the current model's weights file (binary attachment in the response).
    ExportWeights,
    /// Load a weights file (binary attachment) and map the scene with it.
    ImportWeights { name: String },
    /// Map the bundled scene with the shipped weights of each [`SplitKind`] and score each
    /// map on its own split's test pixels (answered by [`HsiResponse::SplitCompared`], one
    /// per split). The lab's own model, map and scores are left as they are.
    CompareSplits,
}

/// Responses of the Hyperspectral lab.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum HsiResponse {
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
    Unscored { source: MapSource, why: String },
    /// A weights file (binary attachment) named `name`.
    WeightsFile { name: String },
    /// Something the visitor should know that is not an error (e.g. a batch made smaller
    /// to fit the device).
    Notice { message: String },
    /// A failed training run left the weights of its last completed epoch; a run with
    /// `resume` continues from them.
    Kept { epoch: usize, epochs: usize },
    /// One side of the split comparison.
    SplitCompared(SplitCompared),
}

/// One side of the split comparison: the whole-scene map (1-based labels) by the split's
/// shipped weights and its scores on that split's test pixels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SplitCompared {
    pub split: SplitKind,
    pub map: Vec<u16>,
    pub eval: EvalInfo,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::{Request, Response};

    #[test]
    fn hsi_messages_round_trip_through_json() {
        let reqs = [
            Request::Hsi(HsiRequest::LoadBundled),
            Request::Hsi(HsiRequest::Train {
                config: HsiTrainConfig {
                    spatial: true,
                    ..HsiTrainConfig::default()
                },
                resume: true,
            }),
            Request::Hsi(HsiRequest::Upload {
                names: vec!["scene.mat".into(), "gt.npy".into()],
                cube_var: Some("cube".into()),
                gt_var: None,
                labels: crate::data::LabelChoice {
                    unlabelled: vec![255],
                    renumber: true,
                },
            }),
            Request::Hsi(HsiRequest::ImportWeights {
                name: "hybridsn.clw".into(),
            }),
        ];
        for r in reqs {
            assert_eq!(Request::from_json(&r.to_json()).unwrap(), r);
        }
        let resps = [
            Response::Hsi(HsiResponse::MapRows {
                row0: 3,
                rows: 2,
                labels: vec![1, 2, 0, 16],
            }),
            Response::Hsi(HsiResponse::Unscored {
                source: MapSource::Imported,
                why: "Not scored: another scene.".into(),
            }),
            Response::Hsi(HsiResponse::Kept {
                epoch: 4,
                epochs: 20,
            }),
            Response::Hsi(HsiResponse::SplitCompared(SplitCompared {
                split: SplitKind::NoSharedInput,
                map: vec![1, 2, 2, 1],
                eval: EvalInfo {
                    scores: crate::data::Evaluation::of(&[1, 2, 2, 1], &[1, 2, 1, 1], &[1, 2], 2),
                    source: MapSource::Pretrained,
                    protocol: "split: spatial blocks".into(),
                    train_pixels: vec![0, 3],
                    test_pixels_list: vec![1, 2],
                },
            })),
        ];
        for r in resps {
            assert_eq!(Response::from_json(&r.to_json()).unwrap(), r);
        }
    }

    #[test]
    fn hsi_messages_are_nested_on_the_wire() {
        assert_eq!(
            Request::Hsi(HsiRequest::PretrainedMap).to_json(),
            r#"{"Hsi":"PretrainedMap"}"#
        );
        assert_eq!(
            Request::Hsi(HsiRequest::CompareSplits).to_json(),
            r#"{"Hsi":"CompareSplits"}"#
        );
        assert_eq!(
            Response::Hsi(HsiResponse::WeightsFile {
                name: "hybridsn.clw".into()
            })
            .to_json(),
            r#"{"Hsi":{"WeightsFile":{"name":"hybridsn.clw"}}}"#
        );
        // Settings from before the validation share and the guard still read (their
        // `eval_every` was the validation interval; the worker ignores it in the lab).
        let old = r#"{"Hsi":{"Prepare":{"pca":30,"patch":25,"train_fraction":0.1,"spatial":false,"seed":0,"epochs":20,"batch_size":32,"lr":0.001,"batch_norm":true,"max_train":0,"eval_every":1}}}"#;
        let Request::Hsi(HsiRequest::Prepare(s)) = Request::from_json(old).unwrap() else {
            panic!("not a Prepare request");
        };
        assert_eq!(s, HsiTrainConfig::default().with_eval_every(1));
    }
}
