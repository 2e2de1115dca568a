//! MobileNetV1 for CIFAR-10 (32×32 inputs): depthwise-separable blocks.

use burn::config::Config;
use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::{Device, Tensor};

use super::blocks::{ConvBnRelu, ConvBnReluConfig, DepthwiseSeparable, DepthwiseSeparableConfig};
use super::summary::{LayerInfo, ModelSummary, trainable_params};

/// `(out_channels, stride)` for each block after the stem (the seed's cfg).
pub const MOBILENET_CFG: [(usize, usize); 13] = [
    (64, 1),
    (128, 2),
    (128, 1),
    (256, 2),
    (256, 1),
    (512, 2),
    (512, 1),
    (512, 1),
    (512, 1),
    (512, 1),
    (512, 1),
    (1024, 2),
    (1024, 1),
];

#[derive(Config, Debug)]
pub struct MobileNetV1Config {
    #[config(default = 10)]
    pub num_classes: usize,
    /// Width multiplier: every channel count is scaled by it (1.0 = the paper's widths).
    #[config(default = 1.0)]
    pub width: f64,
}

pub(crate) fn scaled(c: usize, width: f64) -> usize {
    ((c as f64 * width).round() as usize).max(1)
}

/// MobileNetV1.
///
/// # Shapes
/// - input: `[batch, 3, 32, 32]`
/// - stem: `[batch, 32, 32, 32]`
/// - blocks: `[batch, 1024, 2, 2]`
/// - pool: `[batch, 1024, 1, 1]`
/// - output: `[batch, num_classes]`
#[derive(Module, Debug)]
pub struct MobileNetV1 {
    pub stem: ConvBnRelu,
    pub blocks: Vec<DepthwiseSeparable>,
    pub head: Linear,
}

impl MobileNetV1Config {
    pub fn init(&self, device: &Device) -> MobileNetV1 {
        let stem_c = scaled(32, self.width);
        let mut c = stem_c;
        let blocks = MOBILENET_CFG
            .iter()
            .map(|&(out, stride)| {
                let out = scaled(out, self.width);
                let b = DepthwiseSeparableConfig::new(c, out)
                    .with_stride(stride)
                    .init(device);
                c = out;
                b
            })
            .collect();
        MobileNetV1 {
            stem: ConvBnReluConfig::new(3, stem_c).init(device),
            blocks,
            head: LinearConfig::new(c, self.num_classes).init(device),
        }
    }
}

impl MobileNetV1 {
    pub fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let mut x = self.stem.forward(x); // [B, 32, 32, 32]
        for block in &self.blocks {
            x = block.forward(x);
        } // [B, 1024, 2, 2]
        let x = x.mean_dim(3).mean_dim(2); // [B, 1024, 1, 1] (avg-pool 2 over the 2×2 map)
        let x: Tensor<2> = x.flatten(1, 3); // [B, 1024]
        self.head.forward(x)
    }

    /// Stem output and the output of every block, for feature-map views and shape tests.
    pub fn forward_stages(&self, x: Tensor<4>) -> Vec<Tensor<4>> {
        let mut out = Vec::new();
        let mut x = self.stem.forward(x);
        out.push(x.clone());
        for block in &self.blocks {
            x = block.forward(x);
            out.push(x.clone());
        }
        out
    }

    pub fn summary(&self) -> ModelSummary {
        let mut layers = Vec::new();
        let (rows, mut shape) = self.stem.layers("stem", [3, 32, 32]);
        layers.extend(rows);
        for (i, block) in self.blocks.iter().enumerate() {
            let (rows, s) = block.layers(&format!("block{}", i + 1), shape);
            layers.extend(rows);
            shape = s;
        }
        layers.push(pool_row(shape));
        layers.push(linear_row("fc", &self.head));
        ModelSummary::new(
            "MobileNetV1",
            vec![3, 32, 32],
            layers,
            trainable_params(self),
        )
    }
}

pub(crate) fn pool_row(shape: [usize; 3]) -> LayerInfo {
    LayerInfo {
        name: "pool".into(),
        kind: format!("AvgPool {}×{}", shape[1], shape[2]),
        output: vec![shape[0], 1, 1],
        params: 0,
        macs: 0,
    }
}

pub(crate) fn linear_row(name: &str, linear: &Linear) -> LayerInfo {
    let [d_in, d_out] = linear.weight.lazy_shape().dims::<2>();
    LayerInfo {
        name: name.into(),
        kind: format!("Linear {d_in}→{d_out}"),
        output: vec![d_out],
        params: trainable_params(linear),
        macs: (d_in * d_out) as u64,
    }
}
