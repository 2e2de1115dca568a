//! Messages of the Conv lab and the Models page walkthrough (wrapped in
//! [`Request::Lab`](super::Request::Lab) and [`Response::Lab`](super::Response::Lab)). The
//! worker answers them on its second queue, beside a running training job; their errors come
//! under [`Job::Lab`](super::Job::Lab).

use serde::{Deserialize, Serialize};

use super::ModelTable;
use crate::config::ModelKind;
use crate::cost::{ConvSpec, CostTable};

/// Where the Conv lab's feature-map kernels come from (on the wire, in links and on screen by
/// [`KernelChoice::name`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KernelChoice {
    /// Edge, blur, sharpen and Sobel filters.
    #[default]
    Handmade,
    /// He-normal random weights from the run's seed.
    Random,
    /// The first layer of the shipped MobileNetV1 ×0.25 and its closest separable pair.
    Trained,
}

impl KernelChoice {
    /// Every choice, in the form's order.
    pub const ALL: [KernelChoice; 3] = [
        KernelChoice::Handmade,
        KernelChoice::Random,
        KernelChoice::Trained,
    ];

    /// The choice's name in links and requests.
    pub fn name(self) -> &'static str {
        match self {
            KernelChoice::Handmade => "handmade",
            KernelChoice::Random => "random",
            KernelChoice::Trained => "trained",
        }
    }

    /// The choice of that name.
    pub fn from_name(name: &str) -> Option<KernelChoice> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }
}

impl std::fmt::Display for KernelChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Conv lab: which picture and kernels to run the feature-map comparison with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConvMapsSettings {
    /// A bundled sample id (`cifar-0` … `cifar-15`, `catdog-0` … `catdog-3`) or `upload`.
    pub sample: String,
    /// When set, the first binary attachment is this uploaded file (PNG or JPEG); it becomes
    /// the `upload` sample.
    pub upload: Option<String>,
    /// Output channels of the standard and pointwise layers (1–64).
    pub out_channels: usize,
    pub kernels: KernelChoice,
    pub seed: u64,
}

/// One image among a response's binary attachments (RGBA, in the order listed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TileMeta {
    pub id: String,
    pub width: u32,
    pub height: u32,
}

/// Conv lab: the feature maps of one run (images are the attachments, in `tiles` order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConvMapsInfo {
    pub sample: String,
    /// For people, e.g. "CIFAR-10 test #0 (cat)".
    pub label: String,
    /// Size the picture was run at.
    pub width: usize,
    pub height: usize,
    pub out_channels: usize,
    pub kernels: KernelChoice,
    /// Where trained kernels came from and how close the separable pair is (else empty).
    #[serde(default)]
    pub note: String,
    pub standard_ms: f64,
    pub depthwise_ms: f64,
    pub pointwise_ms: f64,
    /// The shared colour scale (largest |value|) of each grid.
    pub input_scale: f32,
    pub standard_scale: f32,
    pub depthwise_scale: f32,
    pub pointwise_scale: f32,
    /// What each filter is (hand-made kernels), else empty.
    pub standard_names: Vec<String>,
    pub depthwise_names: Vec<String>,
    pub pointwise_names: Vec<String>,
    /// Pointwise weights `[out, 3]` (how much each output reads from each depthwise map).
    pub pointwise_weights: Vec<f32>,
    pub tiles: Vec<TileMeta>,
}

/// Conv lab: a 2-D against a 3-D convolution on a slab of Indian Pines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpectralInfo {
    pub depth: usize,
    pub bands: usize,
    /// `[row0, col0, side]` of the slab in the scene.
    pub slab: [usize; 3],
    pub shape2d: Vec<usize>,
    pub shape3d: Vec<usize>,
    pub params2d: u64,
    pub params3d: u64,
    pub macs2d: u64,
    pub macs3d: u64,
    pub ms2d: f64,
    pub ms3d: f64,
    /// Spectral positions of the 3-D slices shown.
    pub positions: Vec<usize>,
    pub scale2d: f32,
    /// One colour scale per 3-D filter shown (shared by its slices and section).
    pub scale3d: Vec<f32>,
    pub tiles: Vec<TileMeta>,
}

/// A model of the Models page walkthrough: a CIFAR-10 model with its shipped ×0.25 weights
/// or untrained at ×1, or the shipped HybridSN. On the wire and in the page's select it is its
/// [`WalkSource::id`] (`mobilenetv1-trained`, `hybridsn`, `plaincnn`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct WalkSource {
    pub model: ModelKind,
    /// Shipped weights (always, for HybridSN) or freshly initialised ones.
    pub trained: bool,
}

impl WalkSource {
    /// Every source, in the select's order. The first is the default: the lightest download
    /// (454 KB of weights; HybridSN's walkthrough fetches the scene and 10 MB of weights, so
    /// only when chosen).
    pub const ALL: [WalkSource; 7] = [
        WalkSource::trained(ModelKind::MobileNetV1),
        WalkSource::trained(ModelKind::HybridSn),
        WalkSource::trained(ModelKind::PlainCnn),
        WalkSource::trained(ModelKind::MobileNetV2),
        WalkSource::untrained(ModelKind::MobileNetV1),
        WalkSource::untrained(ModelKind::MobileNetV2),
        WalkSource::untrained(ModelKind::PlainCnn),
    ];

    const fn trained(model: ModelKind) -> Self {
        Self {
            model,
            trained: true,
        }
    }

    const fn untrained(model: ModelKind) -> Self {
        Self {
            model,
            trained: false,
        }
    }

    /// `<model>-trained` or `<model>` (HybridSN: `hybridsn`, always trained).
    pub fn id(self) -> String {
        match (self.model, self.trained) {
            (ModelKind::HybridSn, _) | (_, false) => self.model.id().to_string(),
            (m, true) => format!("{}-trained", m.id()),
        }
    }

    /// The source an [`id`](Self::id) names.
    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.id() == id)
    }

    /// What the select shows.
    pub fn label(self) -> String {
        match (self.model, self.trained) {
            (ModelKind::HybridSn, _) => "HybridSN, trained (shipped weights, Indian Pines)".into(),
            (m, true) => format!("{} ×0.25, trained (shipped weights, CIFAR-10)", m.name()),
            (m, false) => format!("{} ×1, untrained", m.name()),
        }
    }
}

impl From<WalkSource> for String {
    fn from(s: WalkSource) -> String {
        s.id()
    }
}

impl TryFrom<String> for WalkSource {
    type Error = String;
    fn try_from(id: String) -> Result<Self, String> {
        Self::from_id(&id).ok_or_else(|| {
            let ids: Vec<String> = Self::ALL.iter().map(|s| s.id()).collect();
            format!("unknown model '{id}' (one of {})", ids.join(", "))
        })
    }
}

/// Models page walkthrough: a model, and optionally one layer to show for one input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WalkSettings {
    pub source: WalkSource,
    /// The layer (a name of the layer table) to show; `None` asks for the table only.
    pub layer: Option<String>,
    /// CIFAR-10 models: a bundled picture (`cifar-0` … `catdog-3`, as the conv lab's).
    pub sample: String,
    /// HybridSN: the Indian Pines pixel `[row, col]` whose patch is the input.
    pub pixel: [usize; 2],
}

/// One layer's output for the walkthrough (RGBA attachments in `tiles` order: the input
/// first, id `input`, then `map-0` …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WalkView {
    pub layer: String,
    /// The input in words, e.g. "CIFAR-10 test #0 (cat)" or "pixel (60, 40): Corn-notill".
    pub input: String,
    pub shape: Vec<usize>,
    pub map_count: usize,
    /// Shared colour scale of the maps (largest |value|).
    pub scale: f32,
    /// A vector layer's values, or empty.
    pub vector: Vec<f32>,
    /// Names for `vector` when it is the model's output (class probabilities), else empty.
    pub labels: Vec<String>,
    /// What is shown of the layer, in words.
    pub note: String,
    /// Milliseconds of the forward pass and read-back on the current backend.
    pub ms: f64,
    pub tiles: Vec<TileMeta>,
}

/// The walkthrough's answer: the model's layer table and, when a layer was asked for, its view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WalkInfo {
    pub source: WalkSource,
    /// Which weights, in words.
    pub weights: String,
    pub table: ModelTable,
    pub view: Option<WalkView>,
}

/// Requests of the Conv lab and the walkthrough.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum LabRequest {
    /// Conv lab: the cost table, parameters counted by burn modules.
    ConvCost(ConvSpec),
    /// Conv lab: standard against depthwise + pointwise feature maps of a picture.
    ConvMaps(ConvMapsSettings),
    /// Conv lab: 2-D against 3-D convolution on Indian Pines with this kernel depth.
    SpectralConv { depth: usize },
    /// Models page: a model's layer table and one layer's output. Answered by
    /// [`LabResponse::Walk`] (maps as attachments).
    Walk(WalkSettings),
}

/// Responses of the Conv lab and the walkthrough.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum LabResponse {
    /// Conv lab: the cost table.
    ConvCost(CostTable),
    /// Conv lab: feature maps (RGBA attachments in `tiles` order).
    ConvMaps(ConvMapsInfo),
    /// Conv lab: 2-D against 3-D outputs (RGBA attachments in `tiles` order).
    SpectralConv(SpectralInfo),
    /// Models page walkthrough (RGBA attachments in the view's `tiles` order).
    Walk(WalkInfo),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cost::cost_table;
    use crate::messages::{Request, Response};

    /// Each walkthrough source travels as its id (the ids the page and its browser test use),
    /// is read back as itself, and an unknown id is refused in words.
    #[test]
    fn walk_sources_travel_as_their_ids() {
        let ids: Vec<String> = WalkSource::ALL.iter().map(|s| s.id()).collect();
        assert_eq!(
            ids,
            [
                "mobilenetv1-trained",
                "hybridsn",
                "plaincnn-trained",
                "mobilenetv2-trained",
                "mobilenetv1",
                "mobilenetv2",
                "plaincnn"
            ]
        );
        for s in WalkSource::ALL {
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.id()));
            assert_eq!(serde_json::from_str::<WalkSource>(&json).unwrap(), s);
        }
        let err = serde_json::from_str::<WalkSource>("\"resnet\"").unwrap_err();
        assert!(err.to_string().contains("unknown model 'resnet'"), "{err}");
    }

    #[test]
    fn lab_messages_round_trip_through_json() {
        let req = Request::Lab(LabRequest::ConvCost(ConvSpec {
            groups: 1,
            ..ConvSpec::default()
        }));
        assert_eq!(Request::from_json(&req.to_json()).unwrap(), req);
        let req = Request::Lab(LabRequest::SpectralConv { depth: 7 });
        assert_eq!(Request::from_json(&req.to_json()).unwrap(), req);
        let resp = Response::Lab(LabResponse::ConvCost(
            cost_table(&ConvSpec::default()).unwrap(),
        ));
        assert_eq!(Response::from_json(&resp.to_json()).unwrap(), resp);
    }

    #[test]
    fn lab_requests_are_nested_on_the_wire() {
        let req = Request::Lab(LabRequest::SpectralConv { depth: 7 });
        assert_eq!(req.to_json(), r#"{"Lab":{"SpectralConv":{"depth":7}}}"#);
    }

    #[test]
    fn kernel_choices_keep_their_names_on_the_wire_and_in_links() {
        for k in KernelChoice::ALL {
            assert_eq!(
                serde_json::to_string(&k).unwrap(),
                format!("\"{}\"", k.name())
            );
            assert_eq!(KernelChoice::from_name(k.name()), Some(k));
        }
        assert_eq!(KernelChoice::from_name("sobel"), None);
        assert_eq!(
            serde_json::to_string(&crate::messages::hsi::BandColours::Grey).unwrap(),
            "\"grey\""
        );
        assert_eq!(
            serde_json::to_string(&crate::messages::Job::HsiTrain).unwrap(),
            "\"train\""
        );
    }
}
