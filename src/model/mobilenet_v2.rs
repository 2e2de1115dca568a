//! MobileNetV2 for CIFAR-10: inverted residual blocks with shortcuts.

use burn::config::Config;
use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Linear, LinearConfig, PaddingConfig2d};
use burn::tensor::{Device, Tensor};

use super::blocks::{ConvBnRelu, ConvBnReluConfig, conv_layer};
use super::fast_conv::fast_conv2d;
use super::mobilenet_v1::{linear_row, pool_row, scaled};
use super::norm_op::batch_norm;
use super::summary::{LayerInfo, ModelSummary, trainable_params};

/// `(expansion, out_channels, repeats, first stride)` per stage (CIFAR variant: stride 1 early).
pub const MOBILENET_V2_CFG: [(usize, usize, usize, usize); 7] = [
    (1, 16, 1, 1),
    (6, 24, 2, 1),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
];

/// Inverted residual: 1×1 expand + BN + ReLU, 3×3 depthwise + BN + ReLU, 1×1 project + BN,
/// plus a shortcut when the stride is 1 (identity if in = out, else 1×1 conv + BN).
#[derive(Config, Debug)]
pub struct InvertedResidualConfig {
    pub in_channels: usize,
    pub out_channels: usize,
    pub expansion: usize,
    pub stride: usize,
}

/// # Shapes
/// - input: `[batch, in, h, w]`
/// - expand: `[batch, in·expansion, h, w]`
/// - depthwise: `[batch, in·expansion, h / stride, w / stride]`
/// - output: `[batch, out, h / stride, w / stride]`
#[derive(Module, Debug)]
pub struct InvertedResidual {
    pub expand: Conv2d,
    pub bn1: BatchNorm,
    pub depthwise: Conv2d,
    pub bn2: BatchNorm,
    pub project: Conv2d,
    pub bn3: BatchNorm,
    /// 1×1 conv + BN shortcut, when stride is 1 and the channel count changes.
    pub shortcut_conv: Option<Conv2d>,
    pub shortcut_bn: Option<BatchNorm>,
    pub stride: usize,
}

impl InvertedResidualConfig {
    pub fn init(&self, device: &Device) -> InvertedResidual {
        let planes = self.expansion * self.in_channels;
        let pw = |i: usize, o: usize| Conv2dConfig::new([i, o], [1, 1]).with_bias(false);
        let needs_shortcut = self.stride == 1 && self.in_channels != self.out_channels;
        let shortcut_conv =
            needs_shortcut.then(|| pw(self.in_channels, self.out_channels).init(device));
        let shortcut_bn =
            needs_shortcut.then(|| BatchNormConfig::new(self.out_channels).init(device));
        InvertedResidual {
            expand: pw(self.in_channels, planes).init(device),
            bn1: BatchNormConfig::new(planes).init(device),
            depthwise: Conv2dConfig::new([planes, planes], [3, 3])
                .with_stride([self.stride, self.stride])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                .with_groups(planes)
                .with_bias(false)
                .init(device),
            bn2: BatchNormConfig::new(planes).init(device),
            project: pw(planes, self.out_channels).init(device),
            bn3: BatchNormConfig::new(self.out_channels).init(device),
            shortcut_conv,
            shortcut_bn,
            stride: self.stride,
        }
    }
}

impl InvertedResidual {
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let out = batch_norm(&self.bn1, fast_conv2d(x.clone(), &self.expand), true);
        let out = batch_norm(&self.bn2, fast_conv2d(out, &self.depthwise), true);
        let out = batch_norm(&self.bn3, fast_conv2d(out, &self.project), false);
        if self.stride != 1 {
            return out;
        }
        match (&self.shortcut_conv, &self.shortcut_bn) {
            (Some(conv), Some(bn)) => out + batch_norm(bn, fast_conv2d(x, conv), false),
            _ => out + x,
        }
    }

    pub fn layers(&self, name: &str, input: [usize; 3]) -> (Vec<LayerInfo>, [usize; 3]) {
        let e = conv_layer(
            &format!("{name}.expand"),
            "Expand",
            &self.expand,
            &self.bn1,
            input,
        );
        let s1 = [e.output[0], e.output[1], e.output[2]];
        let d = conv_layer(
            &format!("{name}.depthwise"),
            "Depthwise",
            &self.depthwise,
            &self.bn2,
            s1,
        );
        let s2 = [d.output[0], d.output[1], d.output[2]];
        let p = conv_layer(
            &format!("{name}.project"),
            "Project",
            &self.project,
            &self.bn3,
            s2,
        );
        let out = [p.output[0], p.output[1], p.output[2]];
        let mut rows = vec![e, d, p];
        if let (Some(conv), Some(bn)) = (&self.shortcut_conv, &self.shortcut_bn) {
            rows.push(conv_layer(
                &format!("{name}.shortcut"),
                "Shortcut",
                conv,
                bn,
                input,
            ));
        }
        (rows, out)
    }
}

#[derive(Config, Debug)]
pub struct MobileNetV2Config {
    #[config(default = 10)]
    pub num_classes: usize,
    #[config(default = 1.0)]
    pub width: f64,
}

/// MobileNetV2.
///
/// # Shapes
/// - input: `[batch, 3, 32, 32]`
/// - stem: `[batch, 32, 32, 32]`
/// - blocks: `[batch, 320, 4, 4]`
/// - conv: `[batch, 1280, 4, 4]`
/// - pool: `[batch, 1280, 1, 1]`
/// - output: `[batch, num_classes]`
#[derive(Module, Debug)]
pub struct MobileNetV2 {
    pub stem: ConvBnRelu,
    pub blocks: Vec<InvertedResidual>,
    pub conv: ConvBnRelu,
    pub head: Linear,
}

impl MobileNetV2Config {
    pub fn init(&self, device: &Device) -> MobileNetV2 {
        let stem_c = scaled(32, self.width);
        let mut c = stem_c;
        let mut blocks = Vec::new();
        for &(expansion, out, n, stride) in &MOBILENET_V2_CFG {
            let out = scaled(out, self.width);
            for i in 0..n {
                let s = if i == 0 { stride } else { 1 };
                blocks.push(InvertedResidualConfig::new(c, out, expansion, s).init(device));
                c = out;
            }
        }
        let last = scaled(1280, self.width);
        MobileNetV2 {
            stem: ConvBnReluConfig::new(3, stem_c).init(device),
            blocks,
            conv: ConvBnReluConfig::new(c, last).with_kernel(1).init(device),
            head: LinearConfig::new(last, self.num_classes).init(device),
        }
    }
}

impl MobileNetV2 {
    pub fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let mut x = self.stem.forward(x); // [B, 32, 32, 32]
        for block in &self.blocks {
            x = block.forward(x);
        } // [B, 320, 4, 4]
        let x = self.conv.forward(x); // [B, 1280, 4, 4]
        let x = x.mean_dim(3).mean_dim(2); // [B, 1280, 1, 1] (avg-pool 4 over the 4×4 map)
        let x: Tensor<2> = x.flatten(1, 3); // [B, 1280]
        self.head.forward(x)
    }

    pub fn forward_stages(&self, x: Tensor<4>) -> Vec<Tensor<4>> {
        let mut out = Vec::new();
        let mut x = self.stem.forward(x);
        out.push(x.clone());
        for block in &self.blocks {
            x = block.forward(x);
            out.push(x.clone());
        }
        out.push(self.conv.forward(x));
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
        let (rows, shape) = self.conv.layers("conv", shape);
        layers.extend(rows);
        layers.push(pool_row(shape));
        layers.push(linear_row("fc", &self.head));
        ModelSummary::new(
            "MobileNetV2",
            vec![3, 32, 32],
            layers,
            trainable_params(self),
        )
    }
}
