//! Convolutions written as the tensor operations burn's CPU backend runs fastest, with the
//! parameters of burn's own modules (the same weights files) and, up to float rounding, the
//! same outputs and gradients. The tests at the bottom hold each one equal to the module's
//! plain `forward`.
//!
//! Why: burn-flex computes the backward pass of a convolution as a transposed convolution
//! (input gradient) and as a convolution whose "kernel" is the whole output gradient (weight
//! gradient). A 1×1 convolution's backward runs ~3× faster as two matrix products.
//! `convlab bench --profile` measures each form against the plain one (README). HybridSN's
//! convolutions go further, with their own backward pass: [`super::host_conv_op`].

use burn::nn::PaddingConfig2d;
use burn::nn::conv::Conv2d;
use burn::tensor::Tensor;
use burn::tensor::ops::PadMode;

use super::host_conv::MIN_POSITIONS;
use super::host_conv_op::{depthwise_conv2d, plain_convolutions, valid_conv2d_weights};

/// The padding `(top, left, bottom, right)` of a convolution whose padding is explicit or
/// valid (the models here use no `Same`).
fn explicit_padding(conv: &Conv2d) -> [usize; 4] {
    match conv.padding {
        PaddingConfig2d::Explicit(t, l, b, r) => [t, l, b, r],
        PaddingConfig2d::Valid => [0; 4],
        PaddingConfig2d::Same => {
            let [kh, kw] = conv.kernel_size;
            [kh / 2, kw / 2, (kh - 1) / 2, (kw - 1) / 2]
        }
    }
}

/// A 1×1 [`Conv2d`] (stride 1, no padding, one group) as a matrix product per image.
///
/// # Shapes
/// - input: `[batch, in, height, width]`
/// - output: `[batch, out, height, width]`
pub fn pointwise_conv2d(x: Tensor<4>, conv: &Conv2d) -> Tensor<4> {
    let [b, c, h, w] = x.dims();
    let weight = conv.weight.val(); // [O, C, 1, 1]
    let o = weight.dims()[0];
    let out = weight.reshape([1, o, c]).matmul(x.reshape([b, c, h * w])); // [B, O, H·W]
    let out = match &conv.bias {
        Some(bias) => out + bias.val().reshape([1, o, 1]),
        None => out,
    };
    out.reshape([b, o, h, w])
}

/// A [`Conv2d`] in its fastest form here: a 1×1 convolution (stride 1, no padding, one
/// group) as a matrix product; any other with one group, stride 1 and at least
/// [`MIN_POSITIONS`] outputs per channel (on the zero-padded input), and any depthwise one with
/// the same padding on every side (groups = channels, any stride), through
/// [`super::host_conv_op`] (its own kernels and backward pass on the CPU, burn's convolution
/// on WebGPU); anything else (dilation, other groupings, small maps) through the module.
pub fn fast_conv2d(x: Tensor<4>, conv: &Conv2d) -> Tensor<4> {
    let [o, per_group, kh, kw] = conv.weight.lazy_shape().dims::<4>();
    let pad = explicit_padding(conv);
    if conv.dilation != [1, 1] || plain_convolutions() {
        return conv.forward(x);
    }
    if conv.groups == 1 && [kh, kw] == [1, 1] && conv.stride == [1, 1] && pad == [0; 4] {
        return pointwise_conv2d(x, conv);
    }
    let [_, c, h, w] = x.dims();
    let [t, l, b, r] = pad;
    if conv.groups == o && per_group == 1 && c == o && conv.stride[0] == conv.stride[1] {
        // Depthwise, padded by the op itself (burn's forward, the host kernels' backward).
        if t == b && l == r && t == l {
            let out = depthwise_conv2d(x, conv.weight.val(), conv.stride[0], t);
            return match &conv.bias {
                Some(bias) => out + bias.val().reshape([1, o, 1, 1]),
                None => out,
            };
        }
        return conv.forward(x);
    }
    let positions = (h + t + b + 1).saturating_sub(kh) * (w + l + r + 1).saturating_sub(kw);
    // The host kernels multiply per sample: on small maps (MobileNet's 8×8 and below) burn's
    // own, batched over the samples, is faster.
    if !(conv.groups == 1 && conv.stride == [1, 1] && positions >= MIN_POSITIONS) {
        return conv.forward(x);
    }
    let x = if pad == [0; 4] {
        x
    } else {
        x.pad((l, r, t, b), PadMode::Constant(0.0))
    };
    valid_conv2d_weights(x, conv.weight.val(), conv.bias.as_ref().map(|b| b.val()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::nn::conv::Conv2dConfig;
    use burn::tensor::{Device, Distribution};

    use crate::model::host_conv::tests::assert_close_tensors as close;

    #[test]
    fn pointwise_equals_conv2d_with_gradients() {
        let d = Device::flex().autodiff();
        for bias in [false, true] {
            let conv = Conv2dConfig::new([5, 7], [1, 1]).with_bias(bias).init(&d);
            let x = Tensor::<4>::random([3, 5, 4, 6], Distribution::Normal(0.0, 1.0), &d)
                .require_grad();
            let plain = conv.forward(x.clone());
            let fast = pointwise_conv2d(x.clone(), &conv);
            close(fast.clone(), plain.clone(), "pointwise output");
            let (gp, gf) = ((plain * 1.0).sum().backward(), fast.sum().backward());
            close(
                x.grad(&gf).unwrap(),
                x.grad(&gp).unwrap(),
                "pointwise input gradient",
            );
            close(
                conv.weight.grad(&gf).unwrap(),
                conv.weight.grad(&gp).unwrap(),
                "pointwise weight gradient",
            );
        }
    }

    /// Every kind `fast_conv2d` routes (3×3 padded, stride 1 and 2, depthwise with stride,
    /// with and without bias) equals the module's `forward`, gradients included.
    #[test]
    fn fast_conv2d_equals_conv2d_with_gradients() {
        let d = Device::flex().autodiff();
        for (cin, cout, k, stride, groups, pad, bias) in [
            (3, 5, 3, 1, 1, 1, false),
            (3, 5, 3, 1, 1, 1, true),
            (4, 6, 3, 2, 1, 1, false),
            (6, 6, 3, 1, 6, 1, false),
            (6, 6, 3, 2, 6, 1, true),
            (4, 4, 5, 1, 4, 2, false),
        ] {
            let conv = Conv2dConfig::new([cin, cout], [k, k])
                .with_stride([stride, stride])
                .with_groups(groups)
                .with_padding(PaddingConfig2d::Explicit(pad, pad, pad, pad))
                .with_bias(bias)
                .init(&d);
            // 18×16 outputs: at least MIN_POSITIONS, so the host kernels run.
            let x = Tensor::<4>::random([2, cin, 18, 16], Distribution::Normal(0.0, 1.0), &d)
                .require_grad();
            let plain = conv.forward(x.clone());
            let fast = fast_conv2d(x.clone(), &conv);
            let what = format!("{cin}->{cout} k{k} s{stride} g{groups} bias {bias}");
            close(fast.clone(), plain.clone(), &what);
            let upstream = Tensor::<4>::random(plain.dims(), Distribution::Normal(0.0, 1.0), &d);
            let gp = (plain * upstream.clone()).sum().backward();
            let gf = (fast * upstream).sum().backward();
            close(x.grad(&gf).unwrap(), x.grad(&gp).unwrap(), &what);
            close(
                conv.weight.grad(&gf).unwrap(),
                conv.weight.grad(&gp).unwrap(),
                &what,
            );
            if let Some(b) = &conv.bias {
                let (bf, bp) = (b.grad(&gf).unwrap(), b.grad(&gp).unwrap());
                close(
                    bf.reshape([1, cout, 1, 1]),
                    bp.reshape([1, cout, 1, 1]),
                    &what,
                );
            }
        }
    }
}
