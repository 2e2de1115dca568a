//! The seed's two building blocks: a standard convolution and a depthwise-separable one.

use burn::config::Config;
use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, PaddingConfig2d};
use burn::tensor::{Device, Tensor};

use super::fast_conv::fast_conv2d;
use super::norm_op::batch_norm;
use super::summary::{LayerInfo, conv_macs, conv_out, trainable_params};

/// A `k×k` convolution (no bias), batch norm, ReLU.
#[derive(Config, Debug)]
pub struct ConvBnReluConfig {
    pub in_channels: usize,
    pub out_channels: usize,
    #[config(default = 3)]
    pub kernel: usize,
    #[config(default = 1)]
    pub stride: usize,
}

/// Standard convolution block.
///
/// # Shapes
/// - input: `[batch, in, h, w]`
/// - output: `[batch, out, h / stride, w / stride]` (padding `kernel / 2`)
#[derive(Module, Debug)]
pub struct ConvBnRelu {
    pub conv: Conv2d,
    pub bn: BatchNorm,
}

impl ConvBnReluConfig {
    pub fn init(&self, device: &Device) -> ConvBnRelu {
        let p = self.kernel / 2;
        ConvBnRelu {
            conv: Conv2dConfig::new(
                [self.in_channels, self.out_channels],
                [self.kernel, self.kernel],
            )
            .with_stride([self.stride, self.stride])
            .with_padding(PaddingConfig2d::Explicit(p, p, p, p))
            .with_bias(false)
            .init(device),
            bn: BatchNormConfig::new(self.out_channels).init(device),
        }
    }
}

impl ConvBnRelu {
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        batch_norm(&self.bn, fast_conv2d(x, &self.conv), true)
    }

    /// Layer rows for an input of `[c, h, w]`; returns them and the output shape.
    pub fn layers(&self, name: &str, input: [usize; 3]) -> (Vec<LayerInfo>, [usize; 3]) {
        let conv = conv_layer(name, "Conv2d", &self.conv, &self.bn, input);
        let out = [conv.output[0], conv.output[1], conv.output[2]];
        (vec![conv], out)
    }
}

/// Depthwise `3×3` (groups = in) + BN + ReLU, then pointwise `1×1` + BN + ReLU.
#[derive(Config, Debug)]
pub struct DepthwiseSeparableConfig {
    pub in_channels: usize,
    pub out_channels: usize,
    #[config(default = 3)]
    pub kernel: usize,
    #[config(default = 1)]
    pub stride: usize,
}

/// Depthwise-separable block.
///
/// # Shapes
/// - input: `[batch, in, h, w]`
/// - depthwise: `[batch, in, h / stride, w / stride]`
/// - output: `[batch, out, h / stride, w / stride]`
#[derive(Module, Debug)]
pub struct DepthwiseSeparable {
    pub depthwise: Conv2d,
    pub bn1: BatchNorm,
    pub pointwise: Conv2d,
    pub bn2: BatchNorm,
}

impl DepthwiseSeparableConfig {
    pub fn init(&self, device: &Device) -> DepthwiseSeparable {
        let p = self.kernel / 2;
        DepthwiseSeparable {
            depthwise: Conv2dConfig::new(
                [self.in_channels, self.in_channels],
                [self.kernel, self.kernel],
            )
            .with_stride([self.stride, self.stride])
            .with_padding(PaddingConfig2d::Explicit(p, p, p, p))
            .with_groups(self.in_channels)
            .with_bias(false)
            .init(device),
            bn1: BatchNormConfig::new(self.in_channels).init(device),
            pointwise: Conv2dConfig::new([self.in_channels, self.out_channels], [1, 1])
                .with_bias(false)
                .init(device),
            bn2: BatchNormConfig::new(self.out_channels).init(device),
        }
    }
}

impl DepthwiseSeparable {
    /// Depthwise stage only (after BN and ReLU).
    pub fn forward_depthwise(&self, x: Tensor<4>) -> Tensor<4> {
        batch_norm(&self.bn1, fast_conv2d(x, &self.depthwise), true)
    }

    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let x = self.forward_depthwise(x);
        batch_norm(&self.bn2, fast_conv2d(x, &self.pointwise), true)
    }

    pub fn layers(&self, name: &str, input: [usize; 3]) -> (Vec<LayerInfo>, [usize; 3]) {
        let dw = conv_layer(
            &format!("{name}.depthwise"),
            "Depthwise",
            &self.depthwise,
            &self.bn1,
            input,
        );
        let mid = [dw.output[0], dw.output[1], dw.output[2]];
        let pw = conv_layer(
            &format!("{name}.pointwise"),
            "Pointwise",
            &self.pointwise,
            &self.bn2,
            mid,
        );
        let out = [pw.output[0], pw.output[1], pw.output[2]];
        (vec![dw, pw], out)
    }
}

/// A conv(+BN) layer row, computed from the module's own hyper-parameters.
pub(crate) fn conv_layer(
    name: &str,
    label: &str,
    conv: &Conv2d,
    bn: &BatchNorm,
    input: [usize; 3],
) -> LayerInfo {
    conv2d_row(name, label, conv, input, trainable_params(bn))
}

/// A conv layer row with `extra_params` (e.g. a following BN) added.
pub(crate) fn conv2d_row(
    name: &str,
    label: &str,
    conv: &Conv2d,
    input: [usize; 3],
    extra_params: usize,
) -> LayerInfo {
    let [wo, wi_g, kh, kw] = conv.weight.lazy_shape().dims::<4>();
    let (pt, pl) = match conv.padding {
        PaddingConfig2d::Explicit(t, l, _, _) => (t, l),
        PaddingConfig2d::Same => (kh / 2, kw / 2),
        PaddingConfig2d::Valid => (0, 0),
    };
    let h = conv_out(input[1], kh, conv.stride[0], pt);
    let w = conv_out(input[2], kw, conv.stride[1], pl);
    let output = vec![wo, h, w];
    let groups = conv.groups;
    let kind = if groups > 1 && groups == input[0] {
        format!("{label} {kh}×{kw}/{} (groups {groups})", conv.stride[0])
    } else {
        format!("{label} {wo}@{kh}×{kw}/{}", conv.stride[0])
    };
    debug_assert_eq!(wi_g * groups, input[0]);
    LayerInfo {
        name: name.to_string(),
        kind,
        macs: conv_macs(&output, input[0], groups, &[kh, kw]),
        output,
        params: trainable_params(conv) + extra_params,
    }
}
