//! A valid convolution (stride 1, no padding, one group) computed directly, without an im2col
//! matrix, with AVX-512 on the CPUs that have it (found at run time; elsewhere, and in the
//! browser, [`super::host_conv`]'s im2col kernels run instead).
//!
//! Why: HybridSN's 3-D convolutions have few output channels (8–32) for hundreds of taps, so
//! [`super::host_conv`] wrote every input value into its im2col tile once per tap and then used
//! it for only 8–32 multiply-adds: the copy cost as much as the product (`convlab bench
//! --profile`, docs/RESULTS.md). Here the output is computed in the input's own layout: a
//! sample's output is one run of positions `z·h·w + y·w + x` of the input (the rows and
//! columns past the output are computed and thrown away), so every tap of the kernel reads the
//! input at a fixed offset from the run, in place. A block of 8 output channels × 48 positions
//! stays in 24 vector registers while every tap adds to it: each tap loads 3 vectors of input
//! and broadcasts 8 weights for 24 fused multiply-adds.
//!
//! The input gradient is the same kernel on the output gradient laid out in the input's
//! layout, with the kernel flipped and its channel axes swapped ([`input_grad`]). The weight
//! gradient stays [`super::host_conv`]'s im2col product. [`super::host_conv_op`] chooses
//! between the two per layer ([`forward_pays`], [`input_grad_pays`]).

use super::host_conv::{Chunks, ConvGeometry, in_parallel, pool_threads};
use std::sync::atomic::{AtomicBool, Ordering};

/// Output channels in one register block.
const OB: usize = 8;
/// 16-float vectors of positions in one register block.
const PB: usize = 3;
/// Floats in a vector.
const VL: usize = 16;
/// Positions in one register block.
const BLOCK: usize = PB * VL;

/// Off: [`super::host_conv`] runs its im2col kernels even where these could run
/// (`convlab bench --im2col` measures the difference in one binary).
static ENABLED: AtomicBool = AtomicBool::new(true);

/// Lets the direct kernels run where the CPU has them (`true`, the default) or not.
pub fn use_direct(on: bool) {
    ENABLED.store(on, Ordering::Relaxed);
}

/// Whether the direct kernels run on this CPU (AVX-512) and are switched on.
pub fn available() -> bool {
    if !ENABLED.load(Ordering::Relaxed) {
        return false;
    }
    #[cfg(target_arch = "x86_64")]
    return std::arch::is_x86_feature_detected!("avx512f");
    #[cfg(not(target_arch = "x86_64"))]
    return false;
}

/// The convolution's output, `[batch, out_channels, out_dims…]` row-major, as
/// [`super::host_conv::forward`] gives it. Call only where [`available`].
pub fn forward(g: &ConvGeometry, x: &[f32], weight: &[f32], bias: Option<&[f32]>) -> Vec<f32> {
    assert!(g.is_valid() && available(), "direct_conv::forward: {g:?}");
    let taps = g.in_channels * g.kernel.iter().product::<usize>();
    assert_eq!(
        x.len(),
        g.batch * g.in_channels * g.in_dims.iter().product::<usize>()
    );
    assert_eq!(weight.len(), g.out_channels * taps);
    let [_, ih, iw] = g.in_dims;
    let [od, oh, ow] = g.out_dims();
    let plane = ih * iw;
    let layout = Layout {
        channels: g.in_channels,
        kernel: g.kernel,
        volume: g.in_dims[0] * plane,
        row: iw,
        rows: ih,
        out_channels: g.out_channels,
        out_dims: [od, oh, ow],
        // The output is one run of positions `z·h·w + y·w + x` of the input's layout; the
        // positions with `y ≥ oh` or `x ≥ ow` are computed and dropped.
        run: (od - 1) * plane + (oh - 1) * iw + ow,
        data_planes: None,
    };
    let mut out = vec![0.0f32; g.batch * g.out_channels * od * oh * ow];
    convolve(
        &layout,
        x,
        &blocked_weights(weight, g.out_channels, taps),
        bias,
        &mut out,
    );
    out
}

/// Whether [`forward`] runs here and beats [`super::host_conv`]'s im2col form: with at most
/// 64 output channels (the im2col form copies each input value once per tap and then uses it
/// for one multiply-add per output channel: with 128 channels the copy is cheap and its
/// matrix product is faster), where at least 3/4 of the positions it computes are output
/// positions (it computes whole input rows and planes and drops the `kernel − 1` columns and
/// rows past the output). Measured at batch 16, one thread: HybridSN's four layers 10–30 %
/// faster; PlainCNN's 3×3 layers 32→64 on 32×32 maps 5–10 % faster, 128→128 on 16×16 5–10 %
/// slower, and on 8×8 maps (padded by 1: 64 % of the positions kept) 1.6× slower.
pub fn forward_pays(g: &ConvGeometry) -> bool {
    let [od, oh, ow] = g.out_dims();
    g.out_channels <= 64 && 4 * od * oh * ow >= 3 * od * g.in_dims[1] * g.in_dims[2] && available()
}

/// Whether [`input_grad`] runs here and beats [`super::host_conv`]'s im2col form: with at
/// most 32 output channels, where the im2col form's product has a short inner dimension (the
/// output channels) and its scatter back onto the input is as costly. Measured at batch 16,
/// one thread, input gradient alone: HybridSN's 8→16 layer 35 → 19 ms, its 16→32 layer
/// 41 → 33 ms; its 576→64 2-D layer equal (34 ms), PlainCNN's 32→64 on 32×32 maps slower
/// (5.2 → 6.5 ms).
pub fn input_grad_pays(g: &ConvGeometry) -> bool {
    g.out_channels <= 32 && forward_pays(g)
}

/// The gradient of the convolution's input given its output's, `[batch, in_channels,
/// in_dims…]`: the output gradient, zero-padded, convolved with the kernel flipped and its two
/// channel axes swapped, computed at every input position in the input's own layout (taps
/// that would read only padding planes are skipped). Call only where [`available`].
pub fn input_grad(g: &ConvGeometry, weight: &[f32], grad_out: &[f32]) -> Vec<f32> {
    assert!(
        g.is_valid() && available(),
        "direct_conv::input_grad: {g:?}"
    );
    let [kd, kh, kw] = g.kernel;
    let [od, oh, ow] = g.out_dims();
    let (c, o) = (g.in_channels, g.out_channels);
    let taps = kd * kh * kw;
    assert_eq!(weight.len(), o * c * taps);
    assert_eq!(grad_out.len(), g.batch * o * od * oh * ow);
    let [id, ih, iw] = g.in_dims;
    let plane = ih * iw;
    // The output gradient in the input's layout (zeros at the positions past the output),
    // after a margin as long as the kernel's largest offset: at input position p, the flipped
    // kernel's tap (a, b, e) reads the output gradient at p − (kd−1−a, kh−1−b, kw−1−e), which
    // is zero or in the margin wherever that lies outside the output.
    let margin = (kd - 1) * plane + (kh - 1) * iw + (kw - 1);
    let volume = margin + id * plane;
    let mut spread = vec![0.0f32; g.batch * o * volume];
    for (r, src) in grad_out.chunks_exact(ow).enumerate() {
        let (channel, zy) = (r / (od * oh), r % (od * oh));
        let at = channel * volume + margin + (zy / oh) * plane + (zy % oh) * iw;
        spread[at..at + ow].copy_from_slice(src);
    }
    let layout = Layout {
        channels: o,
        kernel: g.kernel,
        volume,
        row: iw,
        rows: ih,
        out_channels: c,
        out_dims: g.in_dims,
        run: id * plane,
        data_planes: Some(od),
    };
    let mut flipped = vec![0.0f32; c * o * taps];
    for oc in 0..o {
        for ic in 0..c {
            for t in 0..taps {
                flipped[(ic * o + oc) * taps + taps - 1 - t] = weight[(oc * c + ic) * taps + t];
            }
        }
    }
    let mut out = vec![0.0f32; g.batch * c * g.in_dims.iter().product::<usize>()];
    convolve(
        &layout,
        &spread,
        &blocked_weights(&flipped, c, o * taps),
        None,
        &mut out,
    );
    out
}

/// The weights as `[block][tap][OB]`: the 8 weights one tap broadcasts lie side by side. The
/// last block is filled with zeros past `out` channels.
fn blocked_weights(weight: &[f32], out: usize, taps: usize) -> Vec<f32> {
    let mut w = vec![0.0f32; out.div_ceil(OB) * taps * OB];
    for o in 0..out {
        for t in 0..taps {
            w[((o / OB) * taps + t) * OB + o % OB] = weight[o * taps + t];
        }
    }
    w
}

/// Where [`convolve`] reads and writes: the input's layout, the output's sizes and the run of
/// positions computed.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
struct Layout {
    /// Input channels.
    channels: usize,
    kernel: [usize; 3],
    /// Floats per input channel.
    volume: usize,
    /// Floats per row of the layout.
    row: usize,
    /// Rows per plane of the layout.
    rows: usize,
    out_channels: usize,
    out_dims: [usize; 3],
    /// Positions computed per sample, from 0: position `z·plane + y·row + x` is output
    /// `(z, y, x)` when `y < out_dims[1]` and `x < out_dims[2]`, else dropped.
    run: usize,
    /// For the input gradient: the planes of data (the output's depth); a block within one
    /// plane skips the kernel depths that read only the zeros before or after them.
    data_planes: Option<usize>,
}

impl Layout {
    /// Floats per sample of the input.
    fn sample(&self) -> usize {
        self.channels * self.volume
    }

    /// Floats per plane of the layout.
    fn plane(&self) -> usize {
        self.rows * self.row
    }

    /// The kernel depths block `q0..q0 + len` reads data with.
    fn depths(&self, q0: usize, len: usize) -> std::ops::Range<usize> {
        let kd = self.kernel[0];
        let Some(planes) = self.data_planes else {
            return 0..kd;
        };
        let (first, last) = (q0 / self.plane(), (q0 + len - 1) / self.plane());
        if first != last {
            return 0..kd;
        }
        // Depth a reads the data plane `first − (kd − 1 − a)`.
        let lo = (kd - 1).saturating_sub(first);
        let hi = (kd - 1 + planes).saturating_sub(first).min(kd);
        lo..hi.max(lo)
    }
}

/// `out = conv(x, w) + bias` with `w` from [`blocked_weights`]; `out` is overwritten.
fn convolve(l: &Layout, x: &[f32], w: &[f32], bias: Option<&[f32]>, out: &mut [f32]) {
    let [od, oh, ow] = l.out_dims;
    let o = l.out_channels;
    let out_plane = oh * ow;
    let out_len = o * od * out_plane;
    let sample = l.sample();
    let batch = x.len() / sample;
    let blocks = l.run.div_ceil(BLOCK);
    let oblocks = o.div_ceil(OB);
    let taps = l.channels * l.kernel.iter().product::<usize>();
    // Jobs: (sample, a share of the run's blocks); a batch smaller than the thread pool (a
    // map strip) is cut along the run so that every core has work.
    let shares = (4 * pool_threads()).div_ceil(batch).clamp(1, blocks);
    let dst = Chunks(out.as_mut_ptr());
    assert_eq!(x.len(), batch * sample);
    assert_eq!(out.len(), batch * out_len);
    in_parallel(
        batch * shares,
        || vec![0.0f32; OB * BLOCK],
        |job, tmp| {
            let (n, share) = (job / shares, job % shares);
            let xs = &x[n * sample..(n + 1) * sample];
            for blk in (share * blocks / shares)..((share + 1) * blocks / shares) {
                let q0 = blk * BLOCK;
                let valid = (l.run - q0).min(BLOCK);
                let depths = l.depths(q0, valid);
                for ob in 0..oblocks {
                    let w = &w[ob * taps * OB..(ob + 1) * taps * OB];
                    // SAFETY: `xs` is one sample of the input; the kernel reads it from `q0`
                    // plus each tap's offset, with masked loads where the block is cut short.
                    unsafe {
                        if valid == BLOCK {
                            block::<false>(l, xs, q0, valid, depths.clone(), w, tmp)
                        } else {
                            block::<true>(l, xs, q0, valid, depths.clone(), w, tmp)
                        }
                    };
                    for i in 0..OB.min(o - ob * OB) {
                        let oc = ob * OB + i;
                        let b = bias.map_or(0.0, |b| b[oc]);
                        let acc = &tmp[i * BLOCK..i * BLOCK + valid];
                        // Positions q0..q0+valid of the run, row by row, the rows past `oh`
                        // and columns past `ow` dropped.
                        let mut q = q0;
                        while q < q0 + valid {
                            let (zy, xx) = (q / l.row, q % l.row);
                            let (z, y) = (zy / l.rows, zy % l.rows);
                            let end = (q - xx + l.row).min(q0 + valid);
                            if xx < ow && y < oh {
                                let take = (ow - xx).min(end - q);
                                let at = n * out_len + (oc * od + z) * out_plane + y * ow + xx;
                                // SAFETY: this job alone writes sample n's positions
                                // q0..q0 + valid.
                                let row = unsafe { dst.slice(at, take) };
                                for (t, s) in row.iter_mut().zip(&acc[q - q0..q - q0 + take]) {
                                    *t = s + b;
                                }
                            }
                            q = end;
                        }
                    }
                }
            }
        },
    );
}

/// One register block: `tmp[i·BLOCK + q] = Σ_taps w[tap][i] · x[tap's offset + q0 + q]` for
/// the 8 output channels of `w` (`[tap][OB]`) and the positions `q < valid` of the run from
/// `q0`, over the kernel depths `depths`.
///
/// # Safety
/// `x` must be one sample of the input of `k`; the CPU must have AVX-512F.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn block<const MASKED: bool>(
    k: &Layout,
    x: &[f32],
    q0: usize,
    valid: usize,
    depths: std::ops::Range<usize>,
    w: &[f32],
    tmp: &mut [f32],
) {
    use std::arch::x86_64::*;
    // Full blocks load with a constant mask of all lanes. (`_mm512_loadu_ps` goes through
    // `read_unaligned`, whose debug checks, on in the dev profile, kept the loads out of
    // registers.)
    let masks: [__mmask16; PB] = std::array::from_fn(|p| {
        let start = p * VL;
        if !MASKED {
            0xFFFF
        } else if start >= valid {
            0
        } else if valid - start >= VL {
            0xFFFF
        } else {
            ((1u32 << (valid - start)) - 1) as __mmask16
        }
    });
    let [kd, kh, kw] = k.kernel;
    // 24 accumulators as named locals: held in an array, they were written back to the stack
    // after every multiply-add.
    macro_rules! fma_row {
        ($w:expr, [$($x:ident),*], [$($a:ident),*]) => {
            $( $a = _mm512_fmadd_ps($w, $x, $a); )*
        };
    }
    let z0 = _mm512_setzero_ps();
    let (mut a00, mut a01, mut a02, mut a10, mut a11, mut a12) = (z0, z0, z0, z0, z0, z0);
    let (mut a20, mut a21, mut a22, mut a30, mut a31, mut a32) = (z0, z0, z0, z0, z0, z0);
    let (mut a40, mut a41, mut a42, mut a50, mut a51, mut a52) = (z0, z0, z0, z0, z0, z0);
    let (mut a60, mut a61, mut a62, mut a70, mut a71, mut a72) = (z0, z0, z0, z0, z0, z0);
    let [m0, m1, m2] = masks;
    let (xp, plane) = (x.as_ptr(), k.plane());
    for c in 0..k.channels {
        for a in depths.clone() {
            let base = c * k.volume + a * plane + q0;
            let mut wp = w.as_ptr().wrapping_add((c * kd + a) * kh * kw * OB);
            for b in 0..kh {
                for e in 0..kw {
                    // Lanes past `valid` are masked off: they may lie past the input.
                    let src = xp.wrapping_add(base + b * k.row + e);
                    // SAFETY: masked loads read only the lanes inside the input.
                    let (x0, x1, x2) = unsafe {
                        (
                            _mm512_maskz_loadu_ps(m0, src),
                            _mm512_maskz_loadu_ps(m1, src.wrapping_add(VL)),
                            _mm512_maskz_loadu_ps(m2, src.wrapping_add(2 * VL)),
                        )
                    };
                    // SAFETY: `w` holds `taps × OB` weights and `wp` walks it once.
                    let wv: [__m512; OB] =
                        std::array::from_fn(|i| unsafe { _mm512_set1_ps(*wp.add(i)) });
                    fma_row!(wv[0], [x0, x1, x2], [a00, a01, a02]);
                    fma_row!(wv[1], [x0, x1, x2], [a10, a11, a12]);
                    fma_row!(wv[2], [x0, x1, x2], [a20, a21, a22]);
                    fma_row!(wv[3], [x0, x1, x2], [a30, a31, a32]);
                    fma_row!(wv[4], [x0, x1, x2], [a40, a41, a42]);
                    fma_row!(wv[5], [x0, x1, x2], [a50, a51, a52]);
                    fma_row!(wv[6], [x0, x1, x2], [a60, a61, a62]);
                    fma_row!(wv[7], [x0, x1, x2], [a70, a71, a72]);
                    wp = wp.wrapping_add(OB);
                }
            }
        }
    }
    let acc = [
        [a00, a01, a02],
        [a10, a11, a12],
        [a20, a21, a22],
        [a30, a31, a32],
        [a40, a41, a42],
        [a50, a51, a52],
        [a60, a61, a62],
        [a70, a71, a72],
    ];
    for (i, acc) in acc.iter().enumerate() {
        for (p, v) in acc.iter().enumerate() {
            // SAFETY: `tmp` holds OB × BLOCK floats.
            unsafe { _mm512_storeu_ps(tmp.as_mut_ptr().add(i * BLOCK + p * VL), *v) };
        }
    }
}

#[cfg(not(target_arch = "x86_64"))]
unsafe fn block<const MASKED: bool>(
    _: &Layout,
    _: &[f32],
    _: usize,
    _: usize,
    _: std::ops::Range<usize>,
    _: &[f32],
    _: &mut [f32],
) {
    unreachable!("direct_conv runs only where available()")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::host_conv;
    use crate::model::host_conv::tests::assert_close;

    fn random(n: usize, seed: u64) -> Vec<f32> {
        let mut s = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (0..n)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
            })
            .collect()
    }

    /// The direct forward equals the im2col forward on HybridSN's shapes, odd ones (output
    /// channels not a multiple of 4, runs shorter and longer than a block, a 1-wide kernel)
    /// and 2-D ones, with and without bias.
    #[test]
    fn forward_equals_im2col() {
        if !available() {
            eprintln!("no AVX-512 here: the direct kernels are not used, nothing to compare");
            return;
        }
        let cases = [
            (2, 1, [30, 25, 25], 8, [7, 3, 3]),
            (2, 8, [24, 23, 23], 16, [5, 3, 3]),
            (3, 16, [20, 21, 21], 32, [3, 3, 3]),
            (2, 96, [1, 19, 19], 64, [1, 3, 3]),
            (1, 3, [4, 5, 6], 5, [2, 3, 1]),
            (3, 2, [1, 3, 40], 7, [1, 1, 4]),
            (1, 1, [1, 2, 2], 1, [1, 2, 2]),
        ];
        for (i, (batch, in_channels, in_dims, out_channels, kernel)) in
            cases.into_iter().enumerate()
        {
            let g = ConvGeometry {
                batch,
                in_channels,
                in_dims,
                out_channels,
                kernel,
            };
            let taps = in_channels * kernel.iter().product::<usize>();
            let x = random(
                batch * in_channels * in_dims.iter().product::<usize>(),
                i as u64,
            );
            let w = random(out_channels * taps, 100 + i as u64);
            let b = random(out_channels, 200 + i as u64);
            for bias in [None, Some(&b[..])] {
                let want = host_conv::forward(&g, &x, &w, bias);
                assert_close(&forward(&g, &x, &w, bias), &want, &format!("{g:?}"));
            }
            let go = random(
                batch * out_channels * g.out_dims().iter().product::<usize>(),
                300 + i as u64,
            );
            let want = host_conv::backward(&g, &x, &w, &go, true);
            assert_close(
                &input_grad(&g, &w, &go),
                want.input.as_ref().unwrap(),
                &format!("input gradient {g:?}"),
            );
        }
    }
}
