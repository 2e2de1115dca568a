//! burn modules and their configs, and nothing web: the same code runs natively (CLI, tests)
//! and in the browser worker.
//!
//! Every model reports a layer table ([`LayerInfo`]): output shape, parameters (counted by the
//! real modules, see [`trainable_params`]) and multiply-adds (conv and linear layers only, without
//! bias), the figures the Models page, the CLI and the tests share.

pub mod activations;
pub mod blocks;
pub mod conv_cost;
pub mod depthwise;
pub mod fast_conv;
pub mod host_conv;
pub mod host_conv_op;
pub mod hybridsn;
pub mod mobilenet_v1;
pub mod mobilenet_v2;
pub mod norm_op;
pub mod plain_cnn;
mod summary;

pub use activations::{Activation, Activations};
pub use blocks::{ConvBnRelu, ConvBnReluConfig, DepthwiseSeparable, DepthwiseSeparableConfig};
pub use hybridsn::{HybridSn, HybridSnConfig};
pub use mobilenet_v1::{MobileNetV1, MobileNetV1Config};
pub use mobilenet_v2::{MobileNetV2, MobileNetV2Config};
pub use plain_cnn::{PlainCnn, PlainCnnConfig};
pub use summary::{LayerInfo, ModelSummary, conv_macs, shape_string, trainable_params};

use burn::module::Module;
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

/// The models convlab knows, by name (used in messages, URLs and the CLI).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash)]
pub enum ModelKind {
    PlainCnn,
    MobileNetV1,
    MobileNetV2,
    HybridSn,
}

impl ModelKind {
    pub const ALL: [ModelKind; 4] = [
        ModelKind::PlainCnn,
        ModelKind::MobileNetV1,
        ModelKind::MobileNetV2,
        ModelKind::HybridSn,
    ];

    /// Display name.
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::PlainCnn => "PlainCNN",
            ModelKind::MobileNetV1 => "MobileNetV1",
            ModelKind::MobileNetV2 => "MobileNetV2",
            ModelKind::HybridSn => "HybridSN",
        }
    }

    /// Lower-case identifier for the CLI and URLs.
    pub fn id(self) -> &'static str {
        match self {
            ModelKind::PlainCnn => "plaincnn",
            ModelKind::MobileNetV1 => "mobilenetv1",
            ModelKind::MobileNetV2 => "mobilenetv2",
            ModelKind::HybridSn => "hybridsn",
        }
    }

    pub fn from_id(id: &str) -> Option<ModelKind> {
        ModelKind::ALL
            .into_iter()
            .find(|k| k.id() == id.to_ascii_lowercase())
    }

    /// The layer table of the default configuration, computed from freshly built modules.
    pub fn summary(self, device: &Device) -> ModelSummary {
        match self {
            ModelKind::PlainCnn => PlainCnnConfig::new().init(device).summary(),
            ModelKind::MobileNetV1 => MobileNetV1Config::new().init(device).summary(),
            ModelKind::MobileNetV2 => MobileNetV2Config::new().init(device).summary(),
            ModelKind::HybridSn => HybridSnConfig::new().init(device).summary(),
        }
    }
}

/// A CIFAR-10 style classifier: `(B, 3, 32, 32)` images to `(B, classes)` logits.
pub trait ImageClassifier: Module {
    /// # Shapes
    /// - input: `[batch, 3, 32, 32]`
    /// - output: `[batch, num_classes]`
    fn logits(&self, images: Tensor<4>) -> Tensor<2>;
}

impl ImageClassifier for PlainCnn {
    fn logits(&self, images: Tensor<4>) -> Tensor<2> {
        self.forward(images)
    }
}
impl ImageClassifier for MobileNetV1 {
    fn logits(&self, images: Tensor<4>) -> Tensor<2> {
        self.forward(images)
    }
}
impl ImageClassifier for MobileNetV2 {
    fn logits(&self, images: Tensor<4>) -> Tensor<2> {
        self.forward(images)
    }
}

#[cfg(test)]
mod tests;
