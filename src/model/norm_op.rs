//! [`FastNorm`]: training-mode batch normalisation (optionally followed by ReLU) as one op with
//! its own backward pass, a burn backend extension like [`super::host_conv_op`].
//!
//! burn's own `batch_norm_train` is already one autodiff node, but on its CPU backend both
//! directions are built from whole-tensor ops: a `[batch, c, …] → [c, batch·…]` copy for each
//! mean, then a broadcast subtract, divide, multiply and add, and about a dozen more in the
//! backward, each a pass over the activation (the ReLU after it adds two). On the CPU this op
//! makes two reading passes and one writing pass each way, channel by channel; on WebGPU it is
//! burn's own ops (the trait's bodies).
//!
//! Tested equal to `relu(bn.forward(x))` (output, running statistics and the gradients of
//! input, gamma and beta) at the bottom, and through every model in `model::tests`.

use burn::backend::autodiff::NodeId;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::tensor::FloatTensor;
use burn::backend::{
    Autodiff, AutodiffBackend, Backend, Cube, Dispatch, Flex, TensorMetadata, backend_extension,
};
use burn::nn::BatchNorm;
use burn::tensor::activation::relu;
use burn::tensor::{DType, Tensor};

use super::host_conv::{Chunks, in_parallel, zeros};
use super::host_conv_op::{f32s, flex, plain_convolutions};

/// Batch normalisation with the batch's own statistics, and its backward pass.
#[backend_extension(Flex, Cube, Autodiff)]
pub trait FastNorm: Backend {
    /// The normalised (and, with `relu`, rectified) output, the batch mean and the biased
    /// batch variance of each channel.
    ///
    /// # Shapes
    /// - x: `[batch, c, …]`, gamma and beta: `[c]`
    /// - output: as x; mean and variance: `[c]`
    fn norm_train(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        epsilon: f64,
        relu: bool,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        burn_norm_train::<Self>(x, gamma, beta, epsilon, relu)
    }

    /// The gradients of input, gamma and beta given the output's.
    #[allow(clippy::too_many_arguments)]
    fn norm_train_backward(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        mean: FloatTensor<Self>,
        variance: FloatTensor<Self>,
        epsilon: f64,
        relu: bool,
        output_grad: FloatTensor<Self>,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        burn_norm_train_backward::<Self>(x, gamma, beta, mean, variance, epsilon, relu, output_grad)
    }
}

/// burn's own training-mode batch norm (its one autodiff node's forward), then ReLU.
fn burn_norm_train<B: Backend>(
    x: FloatTensor<B>,
    gamma: FloatTensor<B>,
    beta: FloatTensor<B>,
    epsilon: f64,
    relu: bool,
) -> (FloatTensor<B>, FloatTensor<B>, FloatTensor<B>) {
    let r = B::batch_norm_train(x, gamma, beta, epsilon);
    let output = if relu { B::relu(r.output) } else { r.output };
    (output, r.mean, r.variance)
}

/// burn's own backward of [`burn_norm_train`]: the ReLU's mask on the recomputed
/// pre-activation (where it is not positive the gradient stops), then burn's
/// `batch_norm_train_backward`.
#[allow(clippy::too_many_arguments)]
fn burn_norm_train_backward<B: Backend>(
    x: FloatTensor<B>,
    gamma: FloatTensor<B>,
    beta: FloatTensor<B>,
    mean: FloatTensor<B>,
    variance: FloatTensor<B>,
    epsilon: f64,
    relu: bool,
    output_grad: FloatTensor<B>,
) -> (FloatTensor<B>, FloatTensor<B>, FloatTensor<B>) {
    let output_grad = if relu {
        let pre = B::batch_norm(
            x.clone(),
            gamma.clone(),
            beta,
            mean.clone(),
            variance.clone(),
            epsilon,
        );
        B::relu_backward(pre, output_grad)
    } else {
        output_grad
    };
    let g = B::batch_norm_train_backward(x, gamma, mean, variance, epsilon, output_grad);
    (g.x_grad, g.gamma_grad, g.beta_grad)
}

/// WebGPU: burn's own ops (the trait's bodies).
impl FastNorm for Cube {}

/// `x` as `[batch, channels, plane]` with `plane` the product of the other dimensions.
fn layout(x: &FloatTensor<Flex>) -> Option<(usize, usize, usize)> {
    let s = x.shape();
    if x.dtype() != DType::F32 || s.num_dims() < 2 {
        return None;
    }
    let (b, c) = (s[0], s[1]);
    let plane = s.num_elements() / (b * c).max(1);
    Some((b, c, plane))
}

/// The `(b, c)` planes of channel `c` in a `[batch, channels, plane]` buffer.
fn planes(
    v: &[f32],
    [batch, channels, plane]: [usize; 3],
    c: usize,
) -> impl Iterator<Item = &[f32]> {
    (0..batch).map(move |b| &v[(b * channels + c) * plane..][..plane])
}

/// Lanes of partial sums: eight independent f32 accumulators per plane let the compiler
/// vectorise a reduction; planes are then added in f64.
const LANES: usize = 8;

/// `Σ f(x)` over one plane, in [`LANES`] f32 partial sums.
fn lane_sum(x: &[f32], f: impl Fn(f32) -> f32) -> f64 {
    let mut acc = [0.0f32; LANES];
    let chunks = x.chunks_exact(LANES);
    let tail: f32 = chunks.remainder().iter().map(|&v| f(v)).sum();
    for c in chunks {
        let c: &[f32; LANES] = c.try_into().expect("a chunk of LANES");
        for k in 0..LANES {
            acc[k] += f(c[k]);
        }
    }
    acc.iter().map(|&v| v as f64).sum::<f64>() + tail as f64
}

/// One channel's affine map and statistics: `pre = a·x + b`, `x̂ = (x − mean)·inv`.
#[derive(Clone, Copy)]
struct Channel {
    a: f32,
    b: f32,
    mean: f32,
    inv: f32,
}

impl Channel {
    /// The upstream gradient, stopped where the pre-activation is not positive (with ReLU).
    /// A select, not a branch: a branch mispredicts on about half the elements.
    #[inline(always)]
    fn pass<const RELU: bool>(self, x: f32, dy: f32) -> f32 {
        if !RELU || self.a * x + self.b > 0.0 {
            dy
        } else {
            0.0
        }
    }
}

/// `(Σ dy, Σ dy·x̂)` over one plane (dy stopped by the ReLU), in [`LANES`] partial sums.
fn plane_sums<const RELU: bool>(ch: Channel, x: &[f32], dy: &[f32]) -> (f64, f64) {
    let (mut s, mut sx) = ([0.0f32; LANES], [0.0f32; LANES]);
    let (xc, dc) = (x.chunks_exact(LANES), dy.chunks_exact(LANES));
    let (mut ts, mut tsx) = (0.0f32, 0.0f32);
    for (&x, &d) in xc.remainder().iter().zip(dc.remainder()) {
        let g = ch.pass::<RELU>(x, d);
        ts += g;
        tsx += g * ((x - ch.mean) * ch.inv);
    }
    for (xv, dv) in xc.zip(dc) {
        let xv: &[f32; LANES] = xv.try_into().expect("a chunk of LANES");
        let dv: &[f32; LANES] = dv.try_into().expect("a chunk of LANES");
        for k in 0..LANES {
            let g = ch.pass::<RELU>(xv[k], dv[k]);
            s[k] += g;
            sx[k] += g * ((xv[k] - ch.mean) * ch.inv);
        }
    }
    let total = |a: [f32; LANES], t: f32| a.iter().map(|&v| v as f64).sum::<f64>() + t as f64;
    (total(s, ts), total(sx, tsx))
}

/// One plane of the input gradient: `γ·inv · (dy − mean(dy) − x̂·mean(dy·x̂))`.
fn plane_grad<const RELU: bool>(
    ch: Channel,
    scale: f32,
    [mean_dy, mean_dyx]: [f32; 2],
    x: &[f32],
    dy: &[f32],
    out: &mut [f32],
) {
    for ((o, &x), &d) in out.iter_mut().zip(x).zip(dy) {
        let xh = (x - ch.mean) * ch.inv;
        *o = scale * (ch.pass::<RELU>(x, d) - mean_dy - xh * mean_dyx);
    }
}

/// Per channel: `(mean, biased variance)`, two passes (the second over centred values).
fn channel_stats(x: &[f32], dims: [usize; 3]) -> Vec<f32> {
    let [batch, channels, plane] = dims;
    let n = (batch * plane).max(1) as f64;
    let mut stats = vec![0.0f32; 2 * channels];
    let dst = Chunks(stats.as_mut_ptr());
    in_parallel(
        channels,
        || (),
        |c, _| {
            let mean = planes(x, dims, c).map(|p| lane_sum(p, |v| v)).sum::<f64>() / n;
            let m = mean as f32;
            let var = planes(x, dims, c)
                .map(|p| lane_sum(p, |v| (v - m) * (v - m)))
                .sum::<f64>()
                / n;
            // SAFETY: job `c` alone writes `stats[2c..2c + 2]`.
            let s = unsafe { dst.chunk(c, 2) };
            s[0] = m;
            s[1] = var as f32;
        },
    );
    stats
}

/// `y = a·x + b` per channel (a = γ/σ, b = β − a·μ), rectified when `relu`, one plane per job.
fn apply(x: &[f32], dims: [usize; 3], a: &[f32], b: &[f32], relu: bool) -> Vec<f32> {
    let [batch, channels, plane] = dims;
    let mut out = zeros(x.len());
    let dst = Chunks(out.as_mut_ptr());
    in_parallel(
        batch * channels,
        || (),
        |job, _| {
            let c = job % channels;
            let (a, b) = (a[c], b[c]);
            // SAFETY: job `j` alone writes plane `j`.
            let y = unsafe { dst.chunk(job, plane) };
            for (y, &x) in y.iter_mut().zip(&x[job * plane..][..plane]) {
                let v = a * x + b;
                *y = if relu { v.max(0.0) } else { v };
            }
        },
    );
    out
}

/// The per-channel scale `γ/√(σ² + ε)`, shift `β − scale·μ` and `1/√(σ² + ε)`.
fn affine(
    gamma: &[f32],
    beta: &[f32],
    mean: &[f32],
    var: &[f32],
    epsilon: f64,
) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let inv: Vec<f32> = var
        .iter()
        .map(|&v| (1.0 / (v as f64 + epsilon).sqrt()) as f32)
        .collect();
    let a: Vec<f32> = gamma.iter().zip(&inv).map(|(g, i)| g * i).collect();
    let b = beta
        .iter()
        .zip(&a)
        .zip(mean)
        .map(|((b, a), m)| b - a * m)
        .collect();
    (a, b, inv)
}

/// The CPU backend: two reading passes and one writing pass each way.
impl FastNorm for Flex {
    fn norm_train(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        epsilon: f64,
        relu: bool,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        let Some((batch, channels, plane)) = layout(&x) else {
            return burn_norm_train::<Self>(x, gamma, beta, epsilon, relu);
        };
        let dims = [batch, channels, plane];
        let xs = f32s(&x);
        let stats = channel_stats(&xs, dims);
        let mean: Vec<f32> = stats.iter().step_by(2).copied().collect();
        let var: Vec<f32> = stats.iter().skip(1).step_by(2).copied().collect();
        let (a, b, _) = affine(&f32s(&gamma), &f32s(&beta), &mean, &var, epsilon);
        let out = apply(&xs, dims, &a, &b, relu);
        (
            flex(out, x.shape().to_vec()),
            flex(mean, vec![channels]),
            flex(var, vec![channels]),
        )
    }

    fn norm_train_backward(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        mean: FloatTensor<Self>,
        variance: FloatTensor<Self>,
        epsilon: f64,
        relu: bool,
        output_grad: FloatTensor<Self>,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        let Some((batch, channels, plane)) = layout(&x) else {
            return burn_norm_train_backward::<Self>(
                x,
                gamma,
                beta,
                mean,
                variance,
                epsilon,
                relu,
                output_grad,
            );
        };
        let dims = [batch, channels, plane];
        let (xs, dys) = (f32s(&x), f32s(&output_grad));
        let (gs, ms) = (f32s(&gamma), f32s(&mean));
        let (a, b, inv) = affine(&gs, &f32s(&beta), &ms, &f32s(&variance), epsilon);
        // Channel `c`'s constants, shared by both passes.
        let ch = |c: usize| Channel {
            a: a[c],
            b: b[c],
            mean: ms[c],
            inv: inv[c],
        };
        // Pass 1, per channel: Σ dy (beta's gradient) and Σ dy·x̂ (gamma's).
        let mut sums = vec![0.0f32; 2 * channels];
        let dst = Chunks(sums.as_mut_ptr());
        in_parallel(
            channels,
            || (),
            |c, _| {
                let (s, sx) = planes(&xs, dims, c)
                    .zip(planes(&dys, dims, c))
                    .map(|(xp, gp)| match relu {
                        true => plane_sums::<true>(ch(c), xp, gp),
                        false => plane_sums::<false>(ch(c), xp, gp),
                    })
                    .fold((0.0, 0.0), |(a, b), (s, sx)| (a + s, b + sx));
                // SAFETY: job `c` alone writes `sums[2c..2c + 2]`.
                let out = unsafe { dst.chunk(c, 2) };
                out[0] = s as f32;
                out[1] = sx as f32;
            },
        );
        let n = (batch * plane).max(1) as f32;
        // Pass 2, per plane: the input gradient.
        let mut gx = zeros(xs.len());
        let dst = Chunks(gx.as_mut_ptr());
        in_parallel(
            batch * channels,
            || (),
            |job, _| {
                let c = job % channels;
                let means = [sums[2 * c] / n, sums[2 * c + 1] / n];
                // SAFETY: job `j` alone writes plane `j`.
                let out = unsafe { dst.chunk(job, plane) };
                let span = job * plane..(job + 1) * plane;
                let (x, dy) = (&xs[span.clone()], &dys[span]);
                let scale = gs[c] * inv[c];
                match relu {
                    true => plane_grad::<true>(ch(c), scale, means, x, dy, out),
                    false => plane_grad::<false>(ch(c), scale, means, x, dy, out),
                }
            },
        );
        let beta_grad = sums.iter().step_by(2).copied().collect();
        let gamma_grad = sums.iter().skip(1).step_by(2).copied().collect();
        (
            flex(gx, x.shape().to_vec()),
            flex(gamma_grad, vec![channels]),
            flex(beta_grad, vec![channels]),
        )
    }
}

/// The autodiff graph: one node for the three gradients; mean and variance are returned
/// untracked (they feed the running statistics only).
impl<B: FastNorm, C: CheckpointStrategy> FastNorm for Autodiff<B, C> {
    fn norm_train(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        epsilon: f64,
        relu: bool,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        #[derive(Debug)]
        struct Node;

        type State<B> = (
            NodeId,
            NodeId,
            FloatTensor<B>,
            FloatTensor<B>,
            FloatTensor<B>,
            f64,
            bool,
        );

        impl<B: FastNorm> Backward<B, 3> for Node {
            type State = State<B>;

            fn backward(
                self,
                ops: Ops<Self::State, 3>,
                grads: &mut Gradients,
                checkpointer: &mut Checkpointer,
            ) {
                let [node_x, node_gamma, node_beta] = ops.parents;
                let grad = grads.consume::<B>(&ops.node);
                let (x_state, gamma_state, beta, mean, variance, epsilon, relu) = ops.state;
                let x = checkpointer.retrieve_node_output::<FloatTensor<B>>(x_state);
                let gamma = checkpointer.retrieve_node_output::<FloatTensor<B>>(gamma_state);
                let (gx, gg, gb) =
                    B::norm_train_backward(x, gamma, beta, mean, variance, epsilon, relu, grad);
                for (node, g) in [(node_x, gx), (node_gamma, gg), (node_beta, gb)] {
                    if let Some(node) = node {
                        grads.register::<B>(node.id, g);
                    }
                }
            }
        }

        match Node
            .prepare::<C>([x.node(), gamma.node(), beta.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(mut prep) => {
                let x_state = prep.checkpoint(&x);
                let gamma_state = prep.checkpoint(&gamma);
                let beta = beta.into_primitive();
                let (out, mean, var) = B::norm_train(
                    x.into_primitive(),
                    gamma.into_primitive(),
                    beta.clone(),
                    epsilon,
                    relu,
                );
                let out = prep.finish(
                    (
                        x_state,
                        gamma_state,
                        beta,
                        mean.clone(),
                        var.clone(),
                        epsilon,
                        relu,
                    ),
                    out,
                );
                (
                    out,
                    <Self as AutodiffBackend>::from_inner(mean),
                    <Self as AutodiffBackend>::from_inner(var),
                )
            }
            OpsKind::UnTracked(prep) => {
                let (out, mean, var) = B::norm_train(
                    x.into_primitive(),
                    gamma.into_primitive(),
                    beta.into_primitive(),
                    epsilon,
                    relu,
                );
                (
                    prep.finish(out),
                    <Self as AutodiffBackend>::from_inner(mean),
                    <Self as AutodiffBackend>::from_inner(var),
                )
            }
        }
    }
}

/// `bn.forward(x)`, then ReLU when `then_relu`: in training (an autodiff device and the layer
/// not frozen) one [`FastNorm`] op that also updates the running statistics as burn's
/// `BatchNorm` does; otherwise, or with `convlab bench --plain`, burn's own layers.
///
/// # Shapes
/// - input: `[batch, c, …]`
/// - output: as the input
pub fn batch_norm<const D: usize>(bn: &BatchNorm, x: Tensor<D>, then_relu: bool) -> Tensor<D> {
    if !(x.device().is_autodiff() && bn.training.is_enabled()) || plain_convolutions() {
        let y = bn.forward(x);
        return if then_relu { relu(y) } else { y };
    }
    let device = x.device();
    let (out, mean, var) = Dispatch::norm_train(
        x.into_dispatch(),
        bn.gamma.val().into_dispatch(),
        bn.beta.val().into_dispatch(),
        bn.epsilon,
        then_relu,
    );
    let (mean, var) = (
        Tensor::<1>::from_dispatch(mean),
        Tensor::<1>::from_dispatch(var),
    );
    // As burn's `BatchNorm::forward_train`.
    let m = bn.momentum;
    let running = |state: &burn::module::RunningState<Tensor<1>>, batch: Tensor<1>| {
        let value = state.value_sync().to_device(&device);
        state.update(
            value
                .mul_scalar(1.0 - m)
                .add(batch.detach().mul_scalar(m))
                .detach(),
        );
    };
    running(&bn.running_mean, mean);
    running(&bn.running_var, var);
    Tensor::from_dispatch(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::module::Module;
    use burn::nn::BatchNormConfig;
    use burn::tensor::{Device, Distribution};

    use crate::model::host_conv::tests::assert_close_tensors as assert_close;

    /// Output, running statistics and the gradients of input, gamma and beta equal burn's
    /// `relu(bn.forward(x))` (and `bn.forward(x)`), on 4-D and 5-D inputs, over two steps so
    /// that the running statistics and a trained gamma and beta enter.
    #[test]
    fn fused_batch_norm_equals_burn_with_gradients() {
        let device = Device::flex().autodiff();
        for (dims, then_relu) in [
            (vec![3, 4, 5, 6], true),
            (vec![2, 3, 4, 5, 3], true),
            (vec![4, 5, 3, 3], false),
            (vec![1, 2, 1, 7], true),
        ] {
            // Not the identity: gamma and beta away from 1 and 0, so the ReLU cuts. Two layers
            // built apart (a clone would share its running statistics).
            let gamma = Tensor::<1>::random([dims[1]], Distribution::Uniform(0.5, 2.0), &device);
            let beta = Tensor::<1>::random([dims[1]], Distribution::Normal(0.0, 0.5), &device);
            let layer = || BatchNorm {
                gamma: burn::module::Param::from_tensor(gamma.clone()),
                beta: burn::module::Param::from_tensor(beta.clone()),
                ..BatchNormConfig::new(dims[1]).init(&device)
            };
            let (plain_bn, fast_bn) = (layer(), layer());
            for step in 0..2 {
                let what = |w: &str| format!("{dims:?} relu {then_relu} step {step}: {w}");
                let x = Tensor::<5>::random(
                    [
                        dims[0],
                        dims[1],
                        dims[2],
                        dims[3],
                        *dims.get(4).unwrap_or(&1),
                    ],
                    Distribution::Normal(1.5, 3.0),
                    &device,
                )
                .require_grad();
                let plain = {
                    let y = plain_bn.forward(x.clone());
                    if then_relu { relu(y) } else { y }
                };
                let fast = batch_norm(&fast_bn, x.clone(), then_relu);
                assert_close(fast.clone(), plain.clone(), &what("output"));
                let upstream =
                    Tensor::<5>::random(plain.dims(), Distribution::Normal(0.0, 1.0), &device);
                let gp = (plain * upstream.clone()).sum().backward();
                let gf = (fast * upstream).sum().backward();
                assert_close(x.grad(&gf).unwrap(), x.grad(&gp).unwrap(), &what("x grad"));
                for (name, p, f) in [
                    ("gamma", &plain_bn.gamma, &fast_bn.gamma),
                    ("beta", &plain_bn.beta, &fast_bn.beta),
                ] {
                    assert_close(f.grad(&gf).unwrap(), p.grad(&gp).unwrap(), &what(name));
                }
                for (name, p, f) in [
                    (
                        "running mean",
                        &plain_bn.running_mean,
                        &fast_bn.running_mean,
                    ),
                    ("running var", &plain_bn.running_var, &fast_bn.running_var),
                ] {
                    assert_close(f.value(), p.value(), &what(name));
                }
            }
            // In eval mode both are burn's inference path.
            let x =
                Tensor::<4>::random([2, dims[1], 3, 3], Distribution::Normal(0.0, 1.0), &device);
            let (plain_eval, fast_eval) = (plain_bn.valid(), fast_bn.valid());
            assert_close(
                batch_norm(&fast_eval, x.clone().inner(), then_relu),
                {
                    let y = plain_eval.forward(x.inner());
                    if then_relu { relu(y) } else { y }
                },
                "eval",
            );
        }
    }

    /// The trait's bodies (what WebGPU runs: burn's ops and the ReLU's mask on the recomputed
    /// pre-activation), run on the CPU backend, equal the host kernels, which the test above
    /// holds equal to burn's layers: output, statistics and all three gradients. (Seen failing
    /// with the generic backward's ReLU mask left out.)
    #[test]
    fn generic_bodies_equal_the_host_kernels() {
        let device = Device::flex();
        let p = |t: Tensor<4>| t.try_into_primitive::<Flex>().expect("flex");
        let p1 = |t: Tensor<1>| t.try_into_primitive::<Flex>().expect("flex");
        let t = |f: FloatTensor<Flex>| Tensor::<4>::from_primitive::<Flex>(f);
        let t1 = |f: FloatTensor<Flex>| Tensor::<1>::from_primitive::<Flex>(f);
        for relu in [true, false] {
            let x = Tensor::<4>::random([3, 4, 5, 6], Distribution::Normal(0.5, 2.0), &device);
            let dy = Tensor::<4>::random([3, 4, 5, 6], Distribution::Normal(0.0, 1.0), &device);
            let gamma = Tensor::<1>::random([4], Distribution::Uniform(0.5, 2.0), &device);
            let beta = Tensor::<1>::random([4], Distribution::Normal(0.0, 0.5), &device);
            let (eps, what) = (1e-5, |w: &str| format!("relu {relu}: {w}"));
            let args = || (p(x.clone()), p1(gamma.clone()), p1(beta.clone()));
            let (a, b, c) = args();
            let (go, gm, gv) = burn_norm_train::<Flex>(a, b, c, eps, relu);
            let (a, b, c) = args();
            let (ho, hm, hv) = <Flex as FastNorm>::norm_train(a, b, c, eps, relu);
            assert_close(t(go), t(ho), &what("output"));
            assert_close(t1(gm.clone()), t1(hm), &what("mean"));
            assert_close(t1(gv.clone()), t1(hv), &what("variance"));
            let (a, b, c) = args();
            let generic = burn_norm_train_backward::<Flex>(
                a,
                b,
                c,
                gm.clone(),
                gv.clone(),
                eps,
                relu,
                p(dy.clone()),
            );
            let (a, b, c) = args();
            let host = <Flex as FastNorm>::norm_train_backward(a, b, c, gm, gv, eps, relu, p(dy));
            assert_close(t(generic.0), t(host.0), &what("x grad"));
            assert_close(t1(generic.1), t1(host.1), &what("gamma grad"));
            assert_close(t1(generic.2), t1(host.2), &what("beta grad"));
        }
    }
}
