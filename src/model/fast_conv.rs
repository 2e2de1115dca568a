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
use burn::tensor::ops::PadMode;
use burn::tensor::{Device, Tensor, s};

use std::sync::atomic::{AtomicBool, Ordering};

use super::host_conv::MIN_POSITIONS;
use super::host_conv_op::{
    depthwise_conv2d, plain_convolutions, valid_conv2d_folded, valid_conv2d_weights,
};

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

/// The fewest positions per sample on which a natively trained 1×1 convolution runs as the
/// host kernels' per-sample products ([`super::host_conv::pointwise_forward`]) rather than
/// [`pointwise_conv2d`]. Each sample's product packs the weights again, which costs the most
/// where a sample has few positions; below 16 (MobileNetV1's 2×2 maps of 1,024 channels)
/// that loses. From 16 up it wins: lowered from [`MIN_POSITIONS`] (256) to 16, so that the
/// 8×8 and 4×4 maps run there too, MobileNetV1 trained at 184–196 samples/s against 128–171
/// and MobileNetV2 at 74–77 against 57–65 (batch 16, 2 threads, a Zen 4, three interleaved
/// rounds; batch 64: 209–229 against 175–187 and 69–81 against 55–67).
pub const HOST_POINTWISE_MIN_POSITIONS: usize = 16;

/// Off: 1×1 convolutions stay [`pointwise_conv2d`] natively too (`convlab bench
/// --matmul-1x1` measures the difference in one binary). Off by default in WebAssembly: on
/// one thread in V8 (`HOST_PW=1 WIDTH=0.5 RELAXED=1 tools/wasm-bench.sh mobilenetv1 32`) the
/// host products gained nothing, MobileNetV1 ×0.5 training at 131–150 samples/s against
/// 144–147 and MobileNetV2 at 20.3–21.3 against 21.4–21.6 (three and two interleaved runs);
/// natively on two threads they gain (above; one thread natively not measured).
static HOST_POINTWISE: AtomicBool = AtomicBool::new(cfg!(not(target_arch = "wasm32")));

/// Lets natively trained 1×1 convolutions run as the host kernels' products (`true`, the
/// default) or as [`pointwise_conv2d`].
pub fn use_host_pointwise(on: bool) {
    HOST_POINTWISE.store(on, Ordering::Relaxed);
}

/// A 1×1 [`Conv2d`] (stride 1, no padding, one group) as matrix products: one per image on
/// maps of at least [`MIN_POSITIONS`] positions, one for the whole batch ([`folded_conv2d`])
/// on smaller ones. Per image, MobileNetV1's last blocks (4×4 and 2×2 maps, 512–1024 channels)
/// made the weight gradient a `[batch, out, in]` tensor summed over the batch (57 ms of a
/// 64 ms backward for 1024→1024 at 2×2, batch 16; `convlab bench --profile`).
///
/// # Shapes
/// - input: `[batch, in, height, width]`
/// - output: `[batch, out, height, width]`
pub fn pointwise_conv2d(x: Tensor<4>, conv: &Conv2d) -> Tensor<4> {
    let [b, c, h, w] = x.dims();
    let weight = conv.weight.val(); // [O, C, 1, 1]
    let o = weight.dims()[0];
    if h * w < MIN_POSITIONS {
        // [`folded_conv2d`] with its one tap, without stacking it (through it, MobileNetV1
        // trained about 5 % slower: medians of three interleaved runs, batch 16 and 64).
        let cols: Tensor<2> = x.swap_dims(0, 1).reshape([c, b * h * w]); // [C, B·H·W]
        let out = weight.reshape([o, c]).matmul(cols); // [O, B·H·W]
        let out = match &conv.bias {
            Some(bias) => out + bias.val().reshape([o, 1]),
            None => out,
        };
        return out.reshape([o, b, h, w]).swap_dims(0, 1);
    }
    let out = weight.reshape([1, o, c]).matmul(x.reshape([b, c, h * w])); // [B, O, H·W]
    let out = match &conv.bias {
        Some(bias) => out + bias.val().reshape([1, o, 1]),
        None => out,
    };
    out.reshape([b, o, h, w])
}

/// A [`Conv2d`] in its fastest form here: a 1×1 convolution (stride 1, no padding, one
/// group) as matrix products (natively on the CPU, on maps of at least
/// [`HOST_POINTWISE_MIN_POSITIONS`],
/// [`super::host_conv_op`]'s, which multiply the tensors where they lie; elsewhere
/// [`pointwise_conv2d`]); any other with one group on a map of
/// fewer than [`MIN_POSITIONS`] positions as one product for the whole batch
/// ([`folded_conv2d`]); one with stride 1 on a larger map, and any depthwise one with the
/// same padding on every side (groups = channels, any stride), through
/// [`super::host_conv_op`] (its own kernels and backward pass on the CPU, burn's convolution
/// on WebGPU); anything else (dilation, other groupings, strided on large maps) through the
/// module.
pub fn fast_conv2d(x: Tensor<4>, conv: &Conv2d) -> Tensor<4> {
    let [o, per_group, kh, kw] = conv.weight.lazy_shape().dims::<4>();
    let pad = explicit_padding(conv);
    if conv.dilation != [1, 1] || plain_convolutions() {
        return conv.forward(x);
    }
    if conv.groups == 1 && [kh, kw] == [1, 1] && conv.stride == [1, 1] && pad == [0; 4] {
        // Natively on the CPU, maps of at least HOST_POINTWISE_MIN_POSITIONS through the host
        // kernels' own 1×1 form (products on the tensors where they lie:
        // `host_conv::pointwise_forward`). Not in the browser by default (HOST_POINTWISE),
        // where it gained nothing.
        let [_, _, h, w] = x.dims();
        if HOST_POINTWISE.load(Ordering::Relaxed)
            && h * w >= HOST_POINTWISE_MIN_POSITIONS
            && x.device().inner() == Device::flex()
        {
            return valid_conv2d_weights(x, conv.weight.val(), conv.bias.as_ref().map(|b| b.val()));
        }
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
    if conv.groups != 1 {
        return conv.forward(x);
    }
    let positions = (h + t + b + 1).saturating_sub(kh) * (w + l + r + 1).saturating_sub(kw);
    // The host kernels multiply per sample: on small maps (MobileNet's 8×8 and below) one
    // product for the whole batch; strided convolutions on larger maps measured fastest as
    // burn's own.
    if positions < MIN_POSITIONS {
        return folded_conv2d(x, conv, pad);
    }
    if conv.stride != [1, 1] {
        return conv.forward(x);
    }
    let x = if pad == [0; 4] {
        x
    } else {
        x.pad((l, r, t, b), PadMode::Constant(0.0))
    };
    valid_conv2d_weights(x, conv.weight.val(), conv.bias.as_ref().map(|b| b.val()))
}

/// A [`Conv2d`] with one group as one matrix product for the whole batch. With stride 1, the
/// host kernels with the batch folded into one sample ([`valid_conv2d_folded`]: PlainCNN
/// trained 38.5 → 45 samples/s at batch 16 and 52.8 → 57.5 at 64, inference about 20 %
/// faster, than with the form below). Strided: the `kh·kw` shifted and strided views of the
/// zero-padded input stacked into `[in·kh·kw, batch·oh·ow]`, multiplied by the weight as
/// `[out, in·kh·kw]`, differentiated op by op by autodiff. burn's own convolution ran
/// PlainCNN's 3×3 layers on 4×4 and 2×2 maps at 30–90 ms a backward pass (batch 16,
/// `convlab bench --profile`).
///
/// # Shapes
/// - input: `[batch, in, h, w]`
/// - output: `[batch, out, (h + pt + pb - kh) / sh + 1, (w + pl + pr - kw) / sw + 1]`
fn folded_conv2d(x: Tensor<4>, conv: &Conv2d, [t, l, b, r]: [usize; 4]) -> Tensor<4> {
    let [o, c, kh, kw] = conv.weight.lazy_shape().dims::<4>();
    let [sh, sw] = conv.stride;
    let x = if [t, l, b, r] == [0; 4] {
        x
    } else {
        x.pad((l, r, t, b), PadMode::Constant(0.0))
    };
    if [sh, sw] == [1, 1] {
        return valid_conv2d_folded(x, conv.weight.val(), conv.bias.as_ref().map(|b| b.val()));
    }
    let [n, _, hp, wp] = x.dims();
    let (oh, ow) = ((hp - kh) / sh + 1, (wp - kw) / sw + 1);
    let xt = x.swap_dims(0, 1); // [C, B, Hp, Wp]
    let taps: Vec<Tensor<4>> = (0..kh * kw)
        .map(|tap| {
            let (i, j) = (tap / kw, tap % kw);
            xt.clone().slice(s![
                ..,
                ..,
                i..i + (oh - 1) * sh + 1;sh as isize,
                j..j + (ow - 1) * sw + 1;sw as isize
            ]) // [C, B, oh, ow]
        })
        .collect();
    let cols: Tensor<2> = Tensor::stack::<5>(taps, 1).reshape([c * kh * kw, n * oh * ow]);
    let out = conv.weight.val().reshape([o, c * kh * kw]).matmul(cols); // [O, B·oh·ow]
    let out = match &conv.bias {
        Some(bias) => out + bias.val().reshape([o, 1]),
        None => out,
    };
    out.reshape([o, n, oh, ow]).swap_dims(0, 1)
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
        // A small map (the batch folded into one product) and one of MIN_POSITIONS or more.
        for (bias, [h, w]) in [(false, [4, 6]), (true, [4, 6]), (true, [16, 17])] {
            let conv = Conv2dConfig::new([5, 7], [1, 1]).with_bias(bias).init(&d);
            let x = Tensor::<4>::random([3, 5, h, w], Distribution::Normal(0.0, 1.0), &d)
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
    /// 1×1, with and without bias) equals the module's `forward`, gradients included.
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
            (5, 3, 3, 1, 1, 0, true),
            (5, 7, 1, 1, 1, 0, false),
            (5, 7, 1, 1, 1, 0, true),
        ] {
            // 18×16 outputs: at least MIN_POSITIONS, so the host kernels run; 4×4 and 5×3: the
            // small maps of the folded product (and strided ones on any map); 1×1 kernels on
            // 4×4 (HOST_POINTWISE_MIN_POSITIONS) take the host kernels' products, on 5×3
            // `pointwise_conv2d`.
            for [h, w] in [[18, 16], [4, 4], [5, 3]] {
                let conv = Conv2dConfig::new([cin, cout], [k, k])
                    .with_stride([stride, stride])
                    .with_groups(groups)
                    .with_padding(PaddingConfig2d::Explicit(pad, pad, pad, pad))
                    .with_bias(bias)
                    .init(&d);
                let x = Tensor::<4>::random([2, cin, h, w], Distribution::Normal(0.0, 1.0), &d)
                    .require_grad();
                let plain = conv.forward(x.clone());
                let fast = fast_conv2d(x.clone(), &conv);
                let what = format!("{cin}->{cout} k{k} s{stride} g{groups} bias {bias} {h}×{w}");
                close(fast.clone(), plain.clone(), &what);
                let upstream =
                    Tensor::<4>::random(plain.dims(), Distribution::Normal(0.0, 1.0), &d);
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
}
