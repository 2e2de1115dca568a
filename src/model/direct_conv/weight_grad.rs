//! The weight and bias gradients of [`super`]'s direct convolution, without an im2col matrix.
//!
//! The weight gradient is `dW[o][tap] = Σ_samples Σ_positions dY[o][p] · x[p + tap's offset]`.
//! [`super::host_conv`] built each sample's im2col matrix (every input value copied once per
//! tap) and multiplied it by the output gradient; here the output gradient is laid out in the
//! input's layout (one run of positions, zeros where the output has none, as in the forward
//! pass), and a register block of 4 output channels × a few taps walks the run with one vector
//! accumulator per (channel, tap): each step loads 4 vectors of the output gradient and, for
//! each tap, one vector of the input at the tap's offset. The run is walked in chunks of
//! [`CHUNK`] positions, every block of taps over one chunk before the next, so that the
//! chunk's output gradient stays in the L1 cache; each block's accumulators wait in memory
//! between chunks (and samples) and are summed across their lanes once at the end.
//! Natively this pays only with few output channels ([`Kernels::weight_grad_channels`]).

use super::{Kernels, Layout, kernels, spread_channel};
use crate::model::host_conv::{Chunks, ConvGeometry, in_parallel, pool_threads, zeros};

/// Output channels in one register block of [`weight_grad`], for every instruction set.
const OB: usize = 4;

impl Kernels {
    /// Taps in one register block of [`weight_grad`], and floats per vector: AVX-512 holds
    /// 4 × 6 accumulators (24 of its 32 registers, 4 more for the output gradient); AVX2 and
    /// SIMD128 4 × 2 (8 of 16, V8 keeping one for itself).
    fn weight_block(self) -> (usize, usize) {
        match self {
            Self::Avx512 => (6, 16),
            Self::Avx2 => (2, 8),
            Self::Simd128 => (2, 4),
        }
    }
}

/// The gradients of the convolution's weight (`[out_channels, in_channels, kernel…]`) and bias
/// given its output's, as [`super::host_conv::backward`] gives them. Call only where
/// [`super::available`].
pub fn weight_grad(g: &ConvGeometry, x: &[f32], grad_out: &[f32]) -> (Vec<f32>, Vec<f32>) {
    let kernels = kernels().expect("direct_conv::weight_grad runs only where available()");
    weight_grad_with(kernels, g, x, grad_out)
}

/// Whether [`weight_grad`] runs here and beats [`super::host_conv`]'s im2col form: where
/// [`super::forward_pays`], with at most [`Kernels::weight_grad_channels`] output channels.
pub fn weight_grad_pays(g: &ConvGeometry) -> bool {
    kernels().is_some_and(|k| g.out_channels <= k.weight_grad_channels()) && super::forward_pays(g)
}

impl Kernels {
    /// The most output channels [`weight_grad`] pays with. It computes the positions its
    /// forward pass drops too (22 % more multiply-adds on HybridSN's 3×3×3 layer), so where
    /// the im2col form's product runs near the CPU's peak it loses. Measured on a Zen 4,
    /// batch 16, one thread, ms direct/im2col: AVX-512, HybridSN's layers 3.6/8.4 (8
    /// channels), 21.5/26.3 (16), 42.3/38.6 (32), 52.3/33.9 (64); AVX2 4.3, 31.1, 56.0, 63.8.
    /// SIMD128 in V8 (relaxed, batch 32): 15/34, 100/154, 205/266, 194/230, all four faster.
    fn weight_grad_channels(self) -> usize {
        match self {
            Self::Avx512 => 16,
            Self::Avx2 => 8,
            Self::Simd128 => 64,
        }
    }
}

/// One pass of a register block over a chunk of one sample's run: for the block's 4 output
/// channels `i` and its taps `j`, the vector accumulator `acc[j][i] += Σ_{v < vecs} dy[i][q0 +
/// v·lanes ..] · x[offsets[j] + q0 + v·lanes ..]`, lane by lane.
#[derive(Clone, Copy)]
struct Pass {
    /// The block's first channel of the spread output gradient, in this sample.
    dy: *const f32,
    /// Floats between the block's channels (the run).
    row: usize,
    /// This sample of the input.
    x: *const f32,
    /// The chunk's first position.
    q0: usize,
    /// Whole vectors of positions in the chunk.
    vecs: usize,
    /// The block's accumulators, `[tap][channel][lane]`.
    acc: *mut f32,
}

/// Positions per chunk of a run: the block's 4 channels of output gradient (8 KiB) and the
/// input its taps read stay in the core's L1 cache while every block of taps walks them.
const CHUNK: usize = 512;

/// [`weight_grad`] with the given kernels, which must run here (asserted).
pub fn weight_grad_with(
    kernels: Kernels,
    g: &ConvGeometry,
    x: &[f32],
    grad_out: &[f32],
) -> (Vec<f32>, Vec<f32>) {
    assert!(
        g.is_valid() && kernels.runs_here(),
        "direct_conv::weight_grad: {g:?} with {kernels:?}"
    );
    let (c, o) = (g.in_channels, g.out_channels);
    let taps = c * g.kernel.iter().product::<usize>();
    let [id, ih, iw] = g.in_dims;
    let [od, oh, ow] = g.out_dims();
    let plane = ih * iw;
    let volume = id * plane;
    assert_eq!(x.len(), g.batch * c * volume);
    assert_eq!(grad_out.len(), g.batch * o * od * oh * ow);
    let run = (od - 1) * plane + (oh - 1) * iw + ow;
    let (tb, lanes) = kernels.weight_block();
    let oblocks = o.div_ceil(OB);
    let op = oblocks * OB;
    // The output gradient in the input's layout, `[sample][channel][run]`: zeros at the
    // positions past the output and in the channels that fill the last block.
    let mut spread = zeros(g.batch * op * run);
    let dst = Chunks(spread.as_mut_ptr());
    let rows = od * oh * ow;
    // Per thread, its channels' sums of the output gradient (the bias gradient).
    let sums = in_parallel(
        g.batch * o,
        || vec![0.0f32; o],
        |nc, bias| {
            let (n, oc) = (nc / o, nc % o);
            // SAFETY: job `nc` alone writes the run of channel `oc` of sample `n`.
            let to = unsafe { dst.chunk(n * op + oc, run) };
            let from = &grad_out[nc * rows..(nc + 1) * rows];
            spread_channel(from, to, [oh, ow], iw, plane);
            for src in from.chunks_exact(ow) {
                bias[oc] += src.iter().sum::<f32>();
            }
        },
    );
    let mut bias = vec![0.0f32; o];
    for part in &sums {
        bias.iter_mut().zip(part).for_each(|(b, s)| *b += s);
    }
    let layout = Layout {
        channels: c,
        kernel: g.kernel,
        volume,
        row: iw,
        rows: ih,
        out_channels: o,
        out_dims: [od, oh, ow],
        run,
        data_planes: None,
    };
    let offsets = layout.tap_offsets();
    // Every tap reads `run` floats from its offset: inside the sample (asserted once here
    // rather than per load; the last tap's offset is the largest).
    assert!(offsets[taps - 1] + run <= c * volume);
    let vecs = run / lanes;
    let tblocks = taps.div_ceil(tb);
    // Jobs: (block of output channels, a share of its blocks of taps); each writes its own
    // part of the weight gradient.
    let shares = (4 * pool_threads()).div_ceil(oblocks).clamp(1, tblocks);
    let mut weight = vec![0.0f32; o * taps];
    let dst = Chunks(weight.as_mut_ptr());
    let block_floats = OB * tb * lanes;
    in_parallel(
        oblocks * shares,
        || (),
        |job, _| {
            let (obk, share) = (job / shares, job % shares);
            let blocks = (share * tblocks / shares)..((share + 1) * tblocks / shares);
            let (t0, t1) = (blocks.start * tb, (blocks.end * tb).min(taps));
            let width = t1 - t0;
            // Each tap block's vector accumulators, summed across their lanes at the end;
            // the positions past the whole vectors, in plain code.
            let mut vacc = vec![0.0f32; blocks.len() * block_floats];
            let mut tails = vec![0.0f32; OB * width];
            // A short last block repeats the last tap; its sums are dropped.
            let offs: Vec<usize> = (blocks.start * tb..blocks.end * tb)
                .map(|t| offsets[t.min(taps - 1)])
                .collect();
            for s in 0..g.batch {
                let dy = &spread[(s * op + obk * OB) * run..(s * op + (obk + 1) * OB) * run];
                let xs = &x[s * c * volume..(s + 1) * c * volume];
                for q0 in (0..vecs * lanes).step_by(CHUNK) {
                    for (b, offs) in offs.chunks_exact(tb).enumerate() {
                        let pass = Pass {
                            dy: dy.as_ptr(),
                            row: run,
                            x: xs.as_ptr(),
                            q0,
                            vecs: (vecs * lanes - q0).min(CHUNK) / lanes,
                            acc: vacc[b * block_floats..].as_mut_ptr(),
                        };
                        // SAFETY: `dy` holds the block's 4 runs (the channels are padded to
                        // whole blocks), every offset plus `vecs · lanes ≤ run` lies inside
                        // the sample `xs` (asserted above), and `vacc` holds the block's
                        // accumulators from `b`.
                        unsafe { register_pass(kernels, pass, offs) };
                    }
                }
                // Position by position, every tap in one loop (per channel and tap, the few
                // positions cost more in loop overhead than in multiply-adds).
                for q in vecs * lanes..run {
                    for (i, tails) in tails.chunks_exact_mut(width).enumerate() {
                        let d = dy[i * run + q];
                        for (t, off) in tails.iter_mut().zip(&offs[..width]) {
                            *t += d * xs[off + q];
                        }
                    }
                }
            }
            for i in 0..OB.min(o - obk * OB) {
                // SAFETY: this job alone writes taps t0..t1 of channel `obk·OB + i`.
                let row = unsafe { dst.slice((obk * OB + i) * taps + t0, width) };
                for (j, w) in row.iter_mut().enumerate() {
                    let (b, jj) = (j / tb, j % tb);
                    let at = b * block_floats + (jj * OB + i) * lanes;
                    *w = vacc[at..at + lanes].iter().sum::<f32>() + tails[i * width + j];
                }
            }
        },
    );
    (weight, bias)
}

/// Runs one [`Pass`] with `kernels`' register block (`offsets` holds the block's taps).
///
/// # Safety
/// For every channel `i < 4`, tap `j` and position `q0 ≤ q < q0 + vecs · lanes`, the floats at
/// `dy + i · row + q` and `x + offsets[j] + q` must lie in live buffers, and `acc` must hold
/// `4 × taps × lanes` floats no one else uses meanwhile.
unsafe fn register_pass(kernels: Kernels, p: Pass, offsets: &[usize]) {
    let (tb, lanes) = kernels.weight_block();
    assert_eq!(offsets.len(), tb);
    match kernels {
        // SAFETY: the caller's contract; the CPU has AVX-512F (`weight_grad_with` asserts
        // `runs_here`).
        #[cfg(target_arch = "x86_64")]
        Kernels::Avx512 => unsafe { avx512_pass(p, offsets) },
        // SAFETY: the caller's contract; the CPU has AVX2 and FMA (as above).
        #[cfg(target_arch = "x86_64")]
        Kernels::Avx2 => unsafe { avx2_pass(p, offsets) },
        // SAFETY: the caller's contract.
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        Kernels::Simd128 => unsafe { simd128_pass(p, offsets) },
        // Kernels that do not run here: `weight_grad_with` asserts they are never asked for.
        #[allow(unreachable_patterns)]
        _ => unreachable!("{kernels:?} ({lanes} lanes) do not run here"),
    }
}

/// The 4 × `taps` register block: its accumulators loaded, then per step 4 vectors of the
/// output gradient and, for each tap, one vector of the input and 4 multiply-adds into named
/// accumulators (in an array they would be written back to memory after every one), and the
/// accumulators stored. `$load`, `$store` and `$fma` are the instruction set's.
macro_rules! weight_pass {
    ($p:ident, $offsets:ident, $lanes:expr, $load:ident, $store:ident, $fma:ident,
     [$($j:literal => ($a0:ident, $a1:ident, $a2:ident, $a3:ident)),*]) => {{
        let acc = |j: usize, i: usize| $p.acc.wrapping_add((j * 4 + i) * $lanes);
        // SAFETY: the caller's contract ([`register_pass`]): `acc` holds the block's
        // accumulators.
        $( let (mut $a0, mut $a1, mut $a2, mut $a3) = unsafe {
            ($load(acc($j, 0)), $load(acc($j, 1)), $load(acc($j, 2)), $load(acc($j, 3)))
        }; )*
        let offs = [$( $offsets[$j] ),*];
        let (dy, x) = ($p.dy.wrapping_add($p.q0), $p.x.wrapping_add($p.q0));
        for v in 0..$p.vecs {
            let q = v * $lanes;
            // SAFETY: the caller's contract.
            unsafe {
                let d0 = $load(dy.add(q));
                let d1 = $load(dy.add($p.row + q));
                let d2 = $load(dy.add(2 * $p.row + q));
                let d3 = $load(dy.add(3 * $p.row + q));
                $(
                    let xv = $load(x.add(offs[$j] + q));
                    $a0 = $fma(d0, xv, $a0);
                    $a1 = $fma(d1, xv, $a1);
                    $a2 = $fma(d2, xv, $a2);
                    $a3 = $fma(d3, xv, $a3);
                )*
            }
        }
        // SAFETY: as above.
        unsafe {
            $(
                $store(acc($j, 0), $a0);
                $store(acc($j, 1), $a1);
                $store(acc($j, 2), $a2);
                $store(acc($j, 3), $a3);
            )*
        }
    }};
}

/// [`register_pass`] with AVX-512: 4 channels × 6 taps × 16 positions.
///
/// # Safety
/// [`register_pass`]'s; the CPU must have AVX-512F.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn avx512_pass(p: Pass, offsets: &[usize]) {
    use std::arch::x86_64::*;
    // Loads and stores with a constant mask of all lanes (`_mm512_loadu_ps` goes through
    // `read_unaligned`, whose debug checks in the dev profile kept loads out of registers).
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn load(p: *const f32) -> __m512 {
        unsafe { _mm512_maskz_loadu_ps(0xFFFF, p) }
    }
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn store(p: *mut f32, v: __m512) {
        unsafe { _mm512_mask_storeu_ps(p, 0xFFFF, v) }
    }
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn fma(a: __m512, b: __m512, acc: __m512) -> __m512 {
        _mm512_fmadd_ps(a, b, acc)
    }
    weight_pass!(
        p,
        offsets,
        16,
        load,
        store,
        fma,
        [
            0 => (a00, a10, a20, a30),
            1 => (a01, a11, a21, a31),
            2 => (a02, a12, a22, a32),
            3 => (a03, a13, a23, a33),
            4 => (a04, a14, a24, a34),
            5 => (a05, a15, a25, a35)
        ]
    );
}

/// [`register_pass`] with AVX2 and FMA: 4 channels × 2 taps × 8 positions.
///
/// # Safety
/// [`register_pass`]'s; the CPU must have AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn avx2_pass(p: Pass, offsets: &[usize]) {
    use super::avx2::{fma, load, store};
    weight_pass!(
        p,
        offsets,
        8,
        load,
        store,
        fma,
        [0 => (a00, a10, a20, a30), 1 => (a01, a11, a21, a31)]
    );
}

/// [`register_pass`] with WebAssembly SIMD128: 4 channels × 2 taps × 4 positions; with the
/// `relaxed-simd` feature, fused multiply-adds where the CPU has them.
///
/// # Safety
/// [`register_pass`]'s.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[cfg_attr(feature = "relaxed-simd", target_feature(enable = "relaxed-simd"))]
unsafe fn simd128_pass(p: Pass, offsets: &[usize]) {
    use super::simd128::{fma, load, store};
    weight_pass!(
        p,
        offsets,
        4,
        load,
        store,
        fma,
        [0 => (a00, a10, a20, a30), 1 => (a01, a11, a21, a31)]
    );
}
