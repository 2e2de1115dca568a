//! Convolutions written as the tensor operations burn's CPU backend runs fastest, with the
//! parameters of burn's own modules (the same weights files) and, up to float rounding, the
//! same outputs and gradients. The tests at the bottom hold each one equal to the module's
//! plain `forward`.
//!
//! Why: burn-flex computes the backward pass of a convolution as a transposed convolution
//! (input gradient) and as a convolution whose "kernel" is the whole output gradient (weight
//! gradient). For a `Conv3d` with one input channel that layer runs ~30 % faster as a 2-D
//! convolution over spectral slabs; a 1×1 convolution's backward ~3× faster as two matrix
//! products. `convlab bench --profile` measures each form against the plain one (README).

use burn::nn::PaddingConfig2d;
use burn::nn::conv::{Conv2d, Conv3d};
use burn::tensor::Tensor;
use burn::tensor::module::conv2d;
use burn::tensor::ops::ConvOptions;

/// A [`Conv3d`] (stride 1, no padding or dilation, one group) on a *depth-major* volume, as
/// one 2-D convolution: each output depth reads a slab of `kd` input depths, so the slabs
/// become the images of a batch and `kd × C` their channels.
///
/// Depth-major keeps the depth before the channels, so the output is the next layer's input
/// as it is (no permutation between layers), and `[B·D, C, H, W]` is the layout batch norm
/// reads (its statistics over batch, depth and space are the same as on `[B, C, D, H, W]`).
///
/// # Shapes
/// - input: `[batch, depth, channels, height, width]`
/// - output: `[batch, depth - kd + 1, out_channels, height - kh + 1, width - kw + 1]`
pub fn conv3d_depth_major(x: Tensor<5>, conv: &Conv3d) -> Tensor<5> {
    debug_assert!(
        conv.stride == [1, 1, 1] && conv.dilation == [1, 1, 1] && conv.groups == 1,
        "conv3d_depth_major: stride 1, dilation 1, one group"
    );
    let [b, d, c, h, w] = x.dims();
    let weight = conv.weight.val(); // [O, C, kd, kh, kw]
    let [o, _, kd, kh, kw] = weight.dims();
    let dd = d + 1 - kd;
    // Channel order (z, c): slab z holds depths z .. z + dd.
    let slabs = if kd == 1 {
        x
    } else {
        Tensor::cat((0..kd).map(|z| x.clone().narrow(1, z, dd)).collect(), 2)
    }; // [B, D', kd·C, H, W]
    let kernel = weight.permute([0, 2, 1, 3, 4]).reshape([o, kd * c, kh, kw]);
    let bias = conv.bias.as_ref().map(|b| b.val());
    let out = conv2d(
        slabs.reshape([b * dd, kd * c, h, w]),
        kernel,
        bias,
        ConvOptions::new([1, 1], [0, 0], [1, 1], 1),
    ); // [B·D', O, H', W']
    let [_, _, oh, ow] = out.dims();
    out.reshape([b, dd, o, oh, ow])
}

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
/// group) as a matrix product, any other through the module. (A depthwise convolution as a
/// sum of shifted views measured slower than burn's own and is not used.)
pub fn fast_conv2d(x: Tensor<4>, conv: &Conv2d) -> Tensor<4> {
    let [_, _, kh, kw] = conv.weight.lazy_shape().dims::<4>();
    if conv.groups == 1
        && [kh, kw] == [1, 1]
        && conv.stride == [1, 1]
        && conv.dilation == [1, 1]
        && explicit_padding(conv) == [0; 4]
    {
        pointwise_conv2d(x, conv)
    } else {
        conv.forward(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::nn::conv::{Conv2dConfig, Conv3dConfig};
    use burn::tensor::{Device, Distribution};

    fn close(a: Tensor<4>, b: Tensor<4>, what: &str) {
        let (a, b) = (
            a.into_data().try_to_vec::<f32>().unwrap(),
            b.into_data().try_to_vec::<f32>().unwrap(),
        );
        assert_eq!(a.len(), b.len(), "{what}: sizes");
        let scale = b.iter().fold(0f32, |m, v| m.max(v.abs())).max(1.0);
        for (i, (x, y)) in a.iter().zip(&b).enumerate() {
            assert!(
                (x - y).abs() <= 1e-4 * scale,
                "{what}: element {i}: {x} against {y}"
            );
        }
    }

    /// Output and the gradients of input and weight equal the module's plain forward.
    #[test]
    fn conv3d_depth_major_equals_conv3d_with_gradients() {
        let d = Device::flex().autodiff();
        for (cin, cout, k, bias) in [(1, 8, [7, 3, 3], true), (3, 4, [2, 3, 1], false)] {
            let conv = Conv3dConfig::new([cin, cout], k).with_bias(bias).init(&d);
            let x = Tensor::<5>::random([2, cin, 9, 6, 5], Distribution::Normal(0.0, 1.0), &d)
                .require_grad();
            let plain = conv.forward(x.clone()); // [B, O, D', H', W']
            let fast = conv3d_depth_major(x.clone().swap_dims(1, 2), &conv).swap_dims(1, 2);
            let [b, o, dd, h, w] = plain.dims();
            close(
                fast.clone().reshape([b, o * dd, h, w]),
                plain.clone().reshape([b, o * dd, h, w]),
                "conv3d output",
            );
            let g_plain = (plain * 1.0).sum().backward();
            let g_fast = fast.sum().backward();
            let [_, _, xd, xh, xw] = x.dims();
            let gx =
                |g: &burn::tensor::Gradients| x.grad(g).unwrap().reshape([b, cin * xd, xh, xw]);
            close(gx(&g_fast), gx(&g_plain), "conv3d input gradient");
            let gw = |g: &burn::tensor::Gradients| {
                let w = conv.weight.grad(g).unwrap();
                let [o, c, a, bb, cc] = w.dims();
                w.reshape([o, c * a, bb, cc])
            };
            close(gw(&g_fast), gw(&g_plain), "conv3d weight gradient");
        }
    }

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
}
