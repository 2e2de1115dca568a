//! A depthwise convolution (one `kh × kw` filter per channel, any stride, zero padding) on
//! host memory, forward and backward, one plane at a time in scratch that stays in the L1
//! cache.
//!
//! Why: burn's CPU backend ran MobileNet's depthwise convolutions at 2–12 GFLOP/s, and a loop
//! per output row does little better, since its runs are as short as a row (4 floats on a
//! 4×4 map). Here a plane is first padded and dealt into its `stride²` phases (the padded
//! plane itself at stride 1), so that every tap reads one contiguous run over the whole
//! plane: output row `y`, column `x` and tap `(a, b)` read phase `(a mod s, b mod s)` at row
//! `y + a/s`, column `x + b/s`. The output is computed at the phase's width (the columns past
//! the output's are thrown away), so a tap is one multiply-add over `oh × phase width`
//! floats, which the compiler vectorises.
//!
//! The kernels know nothing of burn: [`super::host_conv_op`] gives them to the autodiff graph.

use super::host_conv::{Chunks, in_parallel, zeros};

/// The sizes of a depthwise convolution.
///
/// # Shapes
/// - input: `[batch, channels, in_dims[0], in_dims[1]]`
/// - weight: `[channels, 1, kernel[0], kernel[1]]`
/// - output: `[batch, channels, (in_dims[i] + 2·padding - kernel[i]) / stride + 1 …]`
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DepthwiseGeometry {
    pub batch: usize,
    pub channels: usize,
    pub in_dims: [usize; 2],
    pub kernel: [usize; 2],
    pub stride: usize,
    pub padding: usize,
}

impl DepthwiseGeometry {
    fn padded(&self) -> [usize; 2] {
        self.in_dims.map(|d| d + 2 * self.padding)
    }

    pub fn out_dims(&self) -> [usize; 2] {
        let p = self.padded();
        std::array::from_fn(|i| (p[i] - self.kernel[i]) / self.stride + 1)
    }

    pub fn is_valid(&self) -> bool {
        let p = self.padded();
        self.stride >= 1
            && self.channels > 0
            && (0..2).all(|i| self.in_dims[i] >= 1 && self.kernel[i] >= 1 && self.kernel[i] <= p[i])
    }

    fn plane(&self) -> usize {
        self.in_dims[0] * self.in_dims[1]
    }

    fn out_plane(&self) -> usize {
        self.out_dims().iter().product()
    }

    /// A phase's `[rows, columns]`: the padded plane's rows and columns `≡ r (mod stride)`,
    /// one row more, so that the last taps' runs stay inside it.
    fn phase_dims(&self) -> [usize; 2] {
        let [ph, pw] = self.padded().map(|d| d.div_ceil(self.stride));
        [ph + 1, pw]
    }

    fn phase_len(&self) -> usize {
        self.phase_dims().iter().product()
    }

    /// The length of one tap's run: the output rows at the phase's width.
    fn run_len(&self) -> usize {
        self.out_dims()[0] * self.phase_dims()[1]
    }

    /// Where tap `(a, b)`'s run starts in the phases.
    fn run_start(&self, a: usize, b: usize) -> usize {
        let s = self.stride;
        let pw = self.phase_dims()[1];
        ((a % s) * s + b % s) * self.phase_len() + (a / s) * pw + b / s
    }

    /// Each run of a plane's input values that lands contiguously in one phase, as
    /// `(input start, phases start, count)`: input `start + k·stride` goes to phases
    /// `start + k`, `k < count`.
    fn runs(&self) -> Vec<(usize, usize, usize)> {
        let (s, p) = (self.stride, self.padding);
        let [h, w] = self.in_dims;
        let pw = self.phase_dims()[1];
        let mut runs = Vec::with_capacity(h * s);
        for i in 0..h {
            let y = i + p;
            for q in 0..s {
                // The first column j with (j + p) mod s = q.
                let j0 = (q + s - p % s) % s;
                if j0 < w {
                    let phase = (y % s) * s + q;
                    let at = phase * self.phase_len() + (y / s) * pw + (j0 + p) / s;
                    runs.push((i * w + j0, at, (w - j0).div_ceil(s)));
                }
            }
        }
        runs
    }
}

/// What every plane of one call shares: where each input run goes in the phases, where each
/// tap's run starts, and the lengths.
struct Plan {
    stride: usize,
    runs: Vec<(usize, usize, usize)>,
    taps: Vec<usize>,
    phases_len: usize,
    run_len: usize,
    phase_width: usize,
}

impl Plan {
    fn new(g: &DepthwiseGeometry) -> Self {
        let [kh, kw] = g.kernel;
        Self {
            stride: g.stride,
            runs: g.runs(),
            taps: (0..kh * kw).map(|t| g.run_start(t / kw, t % kw)).collect(),
            phases_len: g.stride * g.stride * g.phase_len(),
            run_len: g.run_len(),
            phase_width: g.phase_dims()[1],
        }
    }

    /// Deals an input plane into `phases` (whose other entries stay zero: the padding).
    fn deal(&self, plane: &[f32], phases: &mut [f32]) {
        for &(from, to, count) in &self.runs {
            if self.stride == 1 {
                phases[to..to + count].copy_from_slice(&plane[from..from + count]);
            } else {
                let src = plane[from..].iter().step_by(self.stride);
                for (t, v) in phases[to..to + count].iter_mut().zip(src) {
                    *t = *v;
                }
            }
        }
    }

    /// The inverse of [`Plan::deal`]: a plane's values out of `phases`.
    fn gather(&self, phases: &[f32], plane: &mut [f32]) {
        for &(to, from, count) in &self.runs {
            if self.stride == 1 {
                plane[to..to + count].copy_from_slice(&phases[from..from + count]);
            } else {
                let dst = plane[to..].iter_mut().step_by(self.stride);
                for (t, v) in dst.zip(&phases[from..from + count]) {
                    *t = *v;
                }
            }
        }
    }
}

/// `acc += w · run`
fn axpy(acc: &mut [f32], w: f32, run: &[f32]) {
    for (a, r) in acc.iter_mut().zip(run) {
        *a += w * r;
    }
}

/// `a · b` in 16 independent partial sums (which the compiler can vectorise; one running sum
/// it cannot reorder).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 16];
    let (ca, cb) = (a.chunks_exact(16), b.chunks_exact(16));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for i in 0..16 {
            lanes[i] += x[i] * y[i];
        }
    }
    lanes.iter().sum::<f32>() + tail
}

/// The convolution's output, `[batch, channels, out_dims…]` row-major.
pub fn forward(g: &DepthwiseGeometry, x: &[f32], weight: &[f32]) -> Vec<f32> {
    assert!(g.is_valid(), "depthwise::forward: {g:?}");
    let [kh, kw] = g.kernel;
    let [_, ow] = g.out_dims();
    assert_eq!(x.len(), g.batch * g.channels * g.plane());
    assert_eq!(weight.len(), g.channels * kh * kw);
    let plan = Plan::new(g);
    let planes = g.batch * g.channels;
    let mut out = zeros(planes * g.out_plane());
    let dst = Chunks(out.as_mut_ptr());
    in_parallel(
        planes,
        || (vec![0.0f32; plan.phases_len], vec![0.0f32; plan.run_len]),
        |plane, (phases, out_wide)| {
            let wc = &weight[(plane % g.channels) * kh * kw..][..kh * kw];
            plan.deal(&x[plane * g.plane()..][..g.plane()], phases);
            out_wide.fill(0.0);
            for (&at, &w) in plan.taps.iter().zip(wc) {
                axpy(out_wide, w, &phases[at..at + plan.run_len]);
            }
            // SAFETY: this job alone writes output plane `plane`.
            let op = unsafe { dst.chunk(plane, g.out_plane()) };
            for (o, w) in op
                .chunks_exact_mut(ow)
                .zip(out_wide.chunks_exact(plan.phase_width))
            {
                o.copy_from_slice(&w[..ow]);
            }
        },
    );
    out
}

/// The gradients of the input and the weight given the output's.
pub fn backward(
    g: &DepthwiseGeometry,
    x: &[f32],
    weight: &[f32],
    grad_out: &[f32],
) -> (Vec<f32>, Vec<f32>) {
    assert!(g.is_valid(), "depthwise::backward: {g:?}");
    let [kh, kw] = g.kernel;
    let [_, ow] = g.out_dims();
    assert_eq!(x.len(), g.batch * g.channels * g.plane());
    assert_eq!(weight.len(), g.channels * kh * kw);
    assert_eq!(grad_out.len(), g.batch * g.channels * g.out_plane());
    let plan = Plan::new(g);
    let mut gx = zeros(x.len());
    let mut gw = vec![0.0f32; weight.len()];
    let (gx_dst, gw_dst) = (Chunks(gx.as_mut_ptr()), Chunks(gw.as_mut_ptr()));
    // One job per channel (over the whole batch), so each job owns its filter's gradient.
    in_parallel(
        g.channels,
        || {
            (
                vec![0.0f32; plan.phases_len], // the input's phases
                vec![0.0f32; plan.phases_len], // their gradient
                vec![0.0f32; plan.run_len],    // the output's gradient at the phases' width
            )
        },
        |c, (phases, gphases, gwide)| {
            let wc = &weight[c * kh * kw..(c + 1) * kh * kw];
            // SAFETY: this job alone writes channel c's filter gradient and input planes.
            let gwc = unsafe { gw_dst.chunk(c, kh * kw) };
            for n in 0..g.batch {
                let plane = n * g.channels + c;
                plan.deal(&x[plane * g.plane()..][..g.plane()], phases);
                // Columns past the output's stay zero, so they add nothing to the weight's
                // gradient and nothing to the padding's.
                let gop = &grad_out[plane * g.out_plane()..][..g.out_plane()];
                for (w, o) in gwide
                    .chunks_exact_mut(plan.phase_width)
                    .zip(gop.chunks_exact(ow))
                {
                    w[..ow].copy_from_slice(o);
                }
                gphases.fill(0.0);
                for ((&at, &w), gw) in plan.taps.iter().zip(wc).zip(gwc.iter_mut()) {
                    let run = at..at + plan.run_len;
                    *gw += dot(&phases[run.clone()], gwide);
                    axpy(&mut gphases[run], w, gwide);
                }
                // SAFETY: as above.
                let gxp = unsafe { gx_dst.chunk(plane, g.plane()) };
                plan.gather(gphases, gxp);
            }
        },
    );
    (gx, gw)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::host_conv::tests::{assert_close, vec_of};
    use burn::nn::PaddingConfig2d;
    use burn::nn::conv::Conv2dConfig;
    use burn::tensor::{Device, Distribution, Tensor};

    /// The output and both gradients equal burn's grouped `Conv2d` (groups = channels) with
    /// padding, strides 1, 2 and 3, maps from 1×1 to 11×10.
    #[test]
    fn forward_and_backward_equal_burn_grouped_conv2d() {
        let d = Device::flex().autodiff();
        for (batch, c, dims, k, stride, padding) in [
            (2, 3, [7, 6], [3, 3], 1, 1),
            (3, 4, [9, 8], [3, 3], 2, 1),
            (3, 4, [8, 8], [3, 3], 2, 1),
            (1, 2, [5, 5], [2, 3], 1, 0),
            (2, 3, [11, 10], [3, 3], 3, 2),
            (2, 5, [1, 1], [3, 3], 1, 1),
            (2, 5, [2, 2], [3, 3], 2, 1),
        ] {
            let conv = Conv2dConfig::new([c, c], k)
                .with_groups(c)
                .with_stride([stride, stride])
                .with_padding(PaddingConfig2d::Explicit(
                    padding, padding, padding, padding,
                ))
                .with_bias(false)
                .init(&d);
            let x = Tensor::<4>::random(
                [batch, c, dims[0], dims[1]],
                Distribution::Normal(0.0, 1.0),
                &d,
            )
            .require_grad();
            let y = conv.forward(x.clone());
            let upstream = Tensor::<4>::random(y.dims(), Distribution::Normal(0.0, 1.0), &d);
            let grads = (y.clone() * upstream.clone()).sum().backward();
            let g = DepthwiseGeometry {
                batch,
                channels: c,
                in_dims: dims,
                kernel: k,
                stride,
                padding,
            };
            let what = format!("{g:?}");
            let (xv, wv) = (vec_of(x.clone().inner()), vec_of(conv.weight.val().inner()));
            assert_close(&forward(&g, &xv, &wv), &vec_of(y.inner()), &what);
            let (gx, gw) = backward(&g, &xv, &wv, &vec_of(upstream.inner()));
            assert_close(&gx, &vec_of(x.grad(&grads).unwrap()), &what);
            assert_close(&gw, &vec_of(conv.weight.grad(&grads).unwrap()), &what);
        }
    }
}
