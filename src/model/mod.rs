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
pub mod direct_conv;
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

pub use crate::config::ModelKind;

/// HybridSN and the CIFAR-10 models by kind (the kind itself is burn-free, in
/// [`crate::config`]).
impl ModelKind {
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
