//! A valid convolution (stride 1, no padding, one group) computed directly, without an im2col
//! matrix, in SIMD registers: AVX-512 or AVX2 natively (found at run time) and SIMD128 in the
//! browser (elsewhere [`super::host_conv`]'s im2col kernels run instead).
//!
//! Why: HybridSN's 3-D convolutions have few output channels (8–32) for hundreds of taps, so
//! [`super::host_conv`] wrote every input value into its im2col tile once per tap and then used
//! it for only 8–32 multiply-adds: the copy cost as much as the product (`convlab bench
//! --profile`, docs/RESULTS.md). Here the output is computed in the input's own layout: a
//! sample's output is one run of positions `z·h·w + y·w + x` of the input (the rows and
//! columns past the output are computed and thrown away), so every tap of the kernel reads the
//! input at a fixed offset from the run, in place. A block of output channels × positions stays
//! in vector registers while every tap adds to it ([`Kernels`]): with AVX-512, 8 channels × 48
//! positions in 24 of its 32 registers (each tap loads 3 vectors of input and broadcasts 8
//! weights for 24 fused multiply-adds); with AVX2 and SIMD128, which have 16 registers (V8 maps
//! WebAssembly's vectors onto the CPU's xmm registers and keeps one), 4 channels × 2 vectors
//! in 8 of them (2 loads and 4 broadcasts for 8 multiply-adds).
//!
//! The input gradient is the same kernel on the output gradient laid out in the input's
//! layout, with the kernel flipped and its channel axes swapped ([`input_grad`]). The weight
//! gradient walks the same run with the output gradient in the input's layout
//! ([`weight_grad`]). [`super::host_conv_op`] chooses between these and the im2col forms per
//! layer ([`forward_pays`], [`input_grad_pays`], [`weight_grad_pays`]).

use super::host_conv::{Chunks, ConvGeometry, in_parallel, pool_threads, zeros};
use std::sync::atomic::{AtomicU8, Ordering};

mod weight_grad;
pub use weight_grad::{weight_grad, weight_grad_pays, weight_grad_with};

/// Which kernels run: 0, [`Kernels::detect`]'s (the default); 1, none: [`super::host_conv`]
/// runs its im2col kernels even where these could run (`convlab bench --im2col` measures the
/// difference in one binary); `2 + i`, [`Kernels::ALL`]`[i]` (`convlab bench --direct avx2`).
static CHOICE: AtomicU8 = AtomicU8::new(0);

/// Lets the direct kernels run where the CPU has them (`true`, the default) or not.
pub fn use_direct(on: bool) {
    CHOICE.store(if on { 0 } else { 1 }, Ordering::Relaxed);
}

/// Runs these kernels instead of [`Kernels::detect`]'s, where the CPU has them (`false`, and
/// nothing changes, if not).
pub fn use_kernels(kernels: Kernels) -> bool {
    let Some(i) = Kernels::ALL.iter().position(|k| *k == kernels) else {
        return false;
    };
    if kernels.runs_here() {
        CHOICE.store(2 + i as u8, Ordering::Relaxed);
    }
    kernels.runs_here()
}

/// `(batch, in_channels, in_dims, out_channels, kernel)` of a [`ConvGeometry`].
pub type CheckedShape = (usize, usize, [usize; 3], usize, [usize; 3]);

/// The shapes the kernels are checked against the im2col form on, natively
/// (`forward_equals_im2col`) and in WebAssembly (`examples/wasm_bench.rs`, `make
/// wasm-kernels`): HybridSN's four layers and odd ones (output channels not a multiple of 4,
/// runs shorter and longer than a block, a 1-wide kernel).
pub const CHECKED_SHAPES: [CheckedShape; 7] = [
    (2, 1, [30, 25, 25], 8, [7, 3, 3]),
    (2, 8, [24, 23, 23], 16, [5, 3, 3]),
    (3, 16, [20, 21, 21], 32, [3, 3, 3]),
    (2, 96, [1, 19, 19], 64, [1, 3, 3]),
    (1, 3, [4, 5, 6], 5, [2, 3, 1]),
    (3, 2, [1, 3, 40], 7, [1, 1, 4]),
    (1, 1, [1, 2, 2], 1, [1, 2, 2]),
];

/// The instruction sets the direct kernels are written for, each with its register block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kernels {
    /// 8 output channels × 3 vectors of 16 positions; masked loads where a run ends.
    Avx512,
    /// 4 output channels × 2 vectors of 8 positions (AVX2 with FMA).
    Avx2,
    /// 4 output channels × 2 vectors of 4 positions (WebAssembly SIMD128; with the
    /// `relaxed-simd` feature, fused multiply-adds).
    Simd128,
}

impl Kernels {
    /// All of them, the widest first.
    pub const ALL: [Self; 3] = [Self::Avx512, Self::Avx2, Self::Simd128];

    /// Whether this CPU (or WebAssembly build) has the instructions.
    pub fn runs_here(self) -> bool {
        match self {
            #[cfg(target_arch = "x86_64")]
            Self::Avx512 => std::arch::is_x86_feature_detected!("avx512f"),
            #[cfg(target_arch = "x86_64")]
            Self::Avx2 => {
                std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("fma")
            }
            #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
            Self::Simd128 => true,
            #[allow(unreachable_patterns)]
            _ => false,
        }
    }

    /// The kernels that run by default on this CPU, whether or not they are switched on:
    /// AVX-512's or SIMD128's. Not AVX2's: on a Zen 4 at batch 16, one thread, they were
    /// slower than the im2col form (with AVX-512 matrix products) in HybridSN's 3×3×3 and 2-D
    /// layers (forward 56 and 46 ms against 42 and 37); they run where asked for (`convlab
    /// bench --direct avx2`), and natively they test the 4 × 2 block the browser runs.
    pub fn detect() -> Option<Self> {
        [Self::Avx512, Self::Simd128]
            .into_iter()
            .find(|k| k.runs_here())
    }

    /// The name `convlab bench --direct` takes.
    pub fn id(self) -> &'static str {
        match self {
            Self::Avx512 => "avx512",
            Self::Avx2 => "avx2",
            Self::Simd128 => "simd128",
        }
    }

    /// Output channels in one register block.
    fn channels(self) -> usize {
        match self {
            Self::Avx512 => 8,
            Self::Avx2 | Self::Simd128 => 4,
        }
    }

    /// Positions in one register block.
    fn positions(self) -> usize {
        match self {
            Self::Avx512 => 48,
            Self::Avx2 => 16,
            Self::Simd128 => 8,
        }
    }
}

/// The kernels that run here: `None` where the CPU has none or they are switched off.
pub fn kernels() -> Option<Kernels> {
    match CHOICE.load(Ordering::Relaxed) {
        0 => Kernels::detect(),
        1 => None,
        n => Kernels::ALL.get(n as usize - 2).copied(),
    }
}

/// Whether the direct kernels run on this CPU and are switched on.
pub fn available() -> bool {
    kernels().is_some()
}

/// The convolution's output, `[batch, out_channels, out_dims…]` row-major, as
/// [`super::host_conv::forward`] gives it. Call only where [`available`].
pub fn forward(g: &ConvGeometry, x: &[f32], weight: &[f32], bias: Option<&[f32]>) -> Vec<f32> {
    let kernels = kernels().expect("direct_conv::forward runs only where available()");
    forward_with(kernels, g, x, weight, bias)
}

/// [`forward`] with the given kernels, which must run here ([`Kernels::runs_here`]; asserted).
pub fn forward_with(
    kernels: Kernels,
    g: &ConvGeometry,
    x: &[f32],
    weight: &[f32],
    bias: Option<&[f32]>,
) -> Vec<f32> {
    assert!(
        g.is_valid() && kernels.runs_here(),
        "direct_conv::forward: {g:?} with {kernels:?}"
    );
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
    let mut out = zeros(g.batch * g.out_channels * od * oh * ow);
    convolve(
        kernels,
        &layout,
        x,
        &blocked_weights(weight, g.out_channels, taps, kernels.channels()),
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
/// slower, and on 8×8 maps (padded by 1: 64 % of the positions kept) 1.6× slower. In the
/// browser (SIMD128, relaxed, Node.js's V8, batch 32): HybridSN's layers 19–206 ms against
/// 30–381 (its training step 17–18 against 12–13 samples/s); the CIFAR-10 models' steps
/// unchanged (`IM2COL=1 tools/wasm-bench.sh`).
pub fn forward_pays(g: &ConvGeometry) -> bool {
    let [od, oh, ow] = g.out_dims();
    g.out_channels <= 64 && 4 * od * oh * ow >= 3 * od * g.in_dims[1] * g.in_dims[2] && available()
}

/// Whether [`input_grad`] runs here and beats [`super::host_conv`]'s im2col form: with at
/// most [`Kernels::input_grad_channels`] output channels.
pub fn input_grad_pays(g: &ConvGeometry) -> bool {
    kernels().is_some_and(|k| g.out_channels <= k.input_grad_channels()) && forward_pays(g)
}

impl Kernels {
    /// The most output channels [`input_grad`] pays with: the im2col form's product has a
    /// short inner dimension (the output channels) and its scatter back onto the input is as
    /// costly. Natively 32: at batch 16, one thread, input gradient alone, HybridSN's 8→16
    /// layer 35 → 19 ms, its 16→32 layer 41 → 33 ms; its 576→64 2-D layer equal (34 ms),
    /// PlainCNN's 32→64 on 32×32 maps slower (5.2 → 6.5 ms). In the browser (SIMD128) 64: there
    /// the 576→64 layer's weight gradient is direct too ([`weight_grad_pays`]), so no im2col
    /// matrix is built for it at all; HybridSN's training step in V8 (relaxed, batch 32) ran at
    /// 21.0–21.3 samples/s against 19.3–19.5 with 32, PlainCNN's and the MobileNets' unchanged.
    fn input_grad_channels(self) -> usize {
        match self {
            Self::Avx512 | Self::Avx2 => 32,
            Self::Simd128 => 64,
        }
    }
}

/// The gradient of the convolution's input given its output's, `[batch, in_channels,
/// in_dims…]`: the output gradient, zero-padded, convolved with the kernel flipped and its two
/// channel axes swapped, computed at every input position in the input's own layout (taps
/// that would read only padding planes are skipped). Call only where [`available`].
pub fn input_grad(g: &ConvGeometry, weight: &[f32], grad_out: &[f32]) -> Vec<f32> {
    let kernels = kernels().expect("direct_conv::input_grad runs only where available()");
    input_grad_with(kernels, g, weight, grad_out)
}

/// [`input_grad`] with the given kernels, which must run here (asserted).
pub fn input_grad_with(
    kernels: Kernels,
    g: &ConvGeometry,
    weight: &[f32],
    grad_out: &[f32],
) -> Vec<f32> {
    assert!(
        g.is_valid() && kernels.runs_here(),
        "direct_conv::input_grad: {g:?} with {kernels:?}"
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
    let mut spread = zeros(g.batch * o * volume);
    let dst = Chunks(spread.as_mut_ptr());
    let rows = od * oh * ow;
    in_parallel(
        g.batch * o,
        || (),
        |channel, _| {
            // SAFETY: job `channel` alone writes that channel's `volume` floats.
            let to = unsafe { dst.chunk(channel, volume) };
            let from = &grad_out[channel * rows..(channel + 1) * rows];
            spread_channel(from, &mut to[margin..], [oh, ow], iw, plane);
        },
    );
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
    let mut out = zeros(g.batch * c * g.in_dims.iter().product::<usize>());
    convolve(
        kernels,
        &layout,
        &spread,
        &blocked_weights(&flipped, c, o * taps, kernels.channels()),
        None,
        &mut out,
    );
    out
}

/// One channel of an output gradient (`od·oh` rows of `ow` floats) copied into its run in
/// the input's layout: row `(z, y)` to `to[z·plane + y·row ..]`; the floats between the rows
/// stay as they were (zeros). The input gradient's and the weight gradient's spreading.
fn spread_channel(from: &[f32], to: &mut [f32], [oh, ow]: [usize; 2], row: usize, plane: usize) {
    for (zy, src) in from.chunks_exact(ow).enumerate() {
        let at = (zy / oh) * plane + (zy % oh) * row;
        to[at..at + ow].copy_from_slice(src);
    }
}

/// The weights as `[block][tap][ob]`: the `ob` weights one tap broadcasts lie side by side.
/// The last block is filled with zeros past `out` channels.
fn blocked_weights(weight: &[f32], out: usize, taps: usize, ob: usize) -> Vec<f32> {
    let mut w = vec![0.0f32; out.div_ceil(ob) * taps * ob];
    for o in 0..out {
        for t in 0..taps {
            w[((o / ob) * taps + t) * ob + o % ob] = weight[o * taps + t];
        }
    }
    w
}

/// Where [`convolve`] reads and writes: the input's layout, the output's sizes and the run of
/// positions computed.
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

    /// Each tap's offset in a sample of the input, in the weights' order (channel, depth, row,
    /// column).
    fn tap_offsets(&self) -> Vec<usize> {
        let [kd, kh, kw] = self.kernel;
        let mut offsets = Vec::with_capacity(self.channels * kd * kh * kw);
        for c in 0..self.channels {
            for a in 0..kd {
                for b in 0..kh {
                    for e in 0..kw {
                        offsets.push(c * self.volume + a * self.plane() + b * self.row + e);
                    }
                }
            }
        }
        offsets
    }

    /// The runs of taps (indices into [`Self::tap_offsets`]) that read the kernel depths
    /// `depths`: all taps in one run when they are all the depths, else one run per channel.
    fn tap_runs(
        &self,
        depths: std::ops::Range<usize>,
    ) -> impl Iterator<Item = std::ops::Range<usize>> + use<> {
        let [kd, kh, kw] = self.kernel;
        let per_channel = kd * kh * kw;
        let (lo, hi) = (depths.start * kh * kw, depths.end * kh * kw);
        let whole = lo == 0 && hi == per_channel;
        let runs = if whole { 1 } else { self.channels };
        let (lo, hi) = if whole {
            (0, self.channels * per_channel)
        } else {
            (lo, hi)
        };
        (0..runs).map(move |c| c * per_channel + lo..c * per_channel + hi)
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
fn convolve(
    kernels: Kernels,
    l: &Layout,
    x: &[f32],
    w: &[f32],
    bias: Option<&[f32]>,
    out: &mut [f32],
) {
    let (ob, block) = (kernels.channels(), kernels.positions());
    let [od, oh, ow] = l.out_dims;
    let o = l.out_channels;
    let out_plane = oh * ow;
    let out_len = o * od * out_plane;
    let sample = l.sample();
    let batch = x.len() / sample;
    let blocks = l.run.div_ceil(block);
    let oblocks = o.div_ceil(ob);
    let taps = l.channels * l.kernel.iter().product::<usize>();
    // Jobs: (sample, a share of the run's blocks); a batch smaller than the thread pool (a
    // map strip) is cut along the run so that every core has work.
    let shares = (4 * pool_threads()).div_ceil(batch).clamp(1, blocks);
    let dst = Chunks(out.as_mut_ptr());
    let offsets = l.tap_offsets();
    assert_eq!(x.len(), batch * sample);
    assert_eq!(out.len(), batch * out_len);
    in_parallel(
        batch * shares,
        || (vec![0.0f32; ob * block], Vec::new()),
        |job, (tmp, segments)| {
            let (n, share) = (job / shares, job % shares);
            let xs = &x[n * sample..(n + 1) * sample];
            for blk in (share * blocks / shares)..((share + 1) * blocks / shares) {
                let q0 = blk * block;
                let valid = (l.run - q0).min(block);
                let depths = l.depths(q0, valid);
                // The block's positions that are output positions, row by row (the rows past
                // `oh` and columns past `ow` dropped): `(from, to, len)`, from the block's
                // first position to the output channel's. The same for every channel, so
                // found once per block.
                segments.clear();
                let mut q = q0;
                while q < q0 + valid {
                    let (zy, xx) = (q / l.row, q % l.row);
                    let (z, y) = (zy / l.rows, zy % l.rows);
                    let end = (q - xx + l.row).min(q0 + valid);
                    if xx < ow && y < oh {
                        let take = (ow - xx).min(end - q);
                        segments.push((q - q0, z * out_plane + y * ow + xx, take));
                    }
                    q = end;
                }
                for obk in 0..oblocks {
                    let w = &w[obk * taps * ob..(obk + 1) * taps * ob];
                    register_block(kernels, l, &offsets, xs, q0, valid, depths.clone(), w, tmp);
                    for i in 0..ob.min(o - obk * ob) {
                        let oc = obk * ob + i;
                        let b = bias.map_or(0.0, |b| b[oc]);
                        let acc = &tmp[i * block..i * block + valid];
                        for &(from, to, take) in segments.iter() {
                            let at = n * out_len + oc * od * out_plane + to;
                            // SAFETY: this job alone writes sample n's positions
                            // q0..q0 + valid.
                            let row = unsafe { dst.slice(at, take) };
                            for (t, s) in row.iter_mut().zip(&acc[from..from + take]) {
                                *t = s + b;
                            }
                        }
                    }
                }
            }
        },
    );
}

/// One register block: `tmp[i·positions + q] = Σ_taps w[tap][i] · x[tap's offset + q0 + q]`
/// for the output channels `i` of `w` (`[tap][channels]`) and the positions `q < valid` of the
/// run from `q0`, over the kernel depths `depths`, with `kernels`' register block; a block cut
/// short by the end of the run (one per sample and block of channels) in plain code, except
/// with AVX-512's masked loads.
#[allow(clippy::too_many_arguments)]
fn register_block(
    kernels: Kernels,
    l: &Layout,
    offsets: &[usize],
    x: &[f32],
    q0: usize,
    valid: usize,
    depths: std::ops::Range<usize>,
    w: &[f32],
    tmp: &mut [f32],
) {
    let full = valid == kernels.positions();
    let (ob, block) = (kernels.channels(), kernels.positions());
    assert!(w.len() >= l.channels * l.kernel.iter().product::<usize>() * ob);
    assert!(tmp.len() >= ob * block);
    // The last position a full block reads, past `q0`: inside the sample (asserted once here
    // rather than per load).
    let reach = (l.kernel[0] - 1) * l.plane() + (l.kernel[1] - 1) * l.row + l.kernel[2] - 1;
    assert!(!full || (l.channels - 1) * l.volume + q0 + reach + block <= x.len());
    assert_eq!(
        offsets.len(),
        l.channels * l.kernel.iter().product::<usize>()
    );
    match kernels {
        // SAFETY: `x` is one sample of `l`'s input, read with lanes past `valid` masked off;
        // the CPU has AVX-512F (`forward_with` and `input_grad_with` assert
        // `Kernels::runs_here`).
        #[cfg(target_arch = "x86_64")]
        Kernels::Avx512 => unsafe {
            if full {
                avx512_block::<false>(l, x, q0, valid, depths, w, tmp)
            } else {
                avx512_block::<true>(l, x, q0, valid, depths, w, tmp)
            }
        },
        // SAFETY: a full block reads inside `x` (asserted above); the CPU has AVX2 and FMA
        // (`forward_with` and `input_grad_with` assert `Kernels::runs_here`).
        #[cfg(target_arch = "x86_64")]
        Kernels::Avx2 if full => unsafe { avx2_block(l, offsets, x, q0, depths, w, tmp) },
        // SAFETY: a full block reads inside `x` (asserted above).
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        Kernels::Simd128 if full => unsafe { simd128_block(l, offsets, x, q0, depths, w, tmp) },
        _ => plain_block(ob, block, l, x, q0, valid, depths, w, tmp),
    }
}

/// [`register_block`] in plain code, for the blocks cut short by the end of the run.
#[allow(clippy::too_many_arguments)]
fn plain_block(
    ob: usize,
    block: usize,
    l: &Layout,
    x: &[f32],
    q0: usize,
    valid: usize,
    depths: std::ops::Range<usize>,
    w: &[f32],
    tmp: &mut [f32],
) {
    let [kd, kh, kw] = l.kernel;
    tmp[..ob * block].fill(0.0);
    for c in 0..l.channels {
        for a in depths.clone() {
            let base = c * l.volume + a * l.plane() + q0;
            let mut tap = (c * kd + a) * kh * kw;
            for b in 0..kh {
                for e in 0..kw {
                    let at = base + b * l.row + e;
                    let src = &x[at..at + valid];
                    for (i, &wv) in w[tap * ob..(tap + 1) * ob].iter().enumerate() {
                        let acc = &mut tmp[i * block..i * block + valid];
                        for (t, s) in acc.iter_mut().zip(src) {
                            *t += wv * s;
                        }
                    }
                    tap += 1;
                }
            }
        }
    }
}

/// The 4 × 2-vector register block of [`Kernels::Avx2`] and [`Kernels::Simd128`]: 8
/// accumulators as named locals (held in an array, they were written back to the stack after
/// every multiply-add), for each tap 2 vectors of input loaded and 4 weights broadcast.
/// `$load`, `$splat`, `$fma` and `$store` are the instruction set's, `$vl` its lanes.
/// (4 × 3, 12 accumulators, ran at half the speed in V8, which keeps one of the 16 xmm
/// registers for itself: 16 live vectors spilled.)
macro_rules! block_4x2 {
    ($l:ident, $offsets:ident, $x:ident, $q0:ident, $depths:ident, $w:ident, $tmp:ident,
     $vl:expr, $zero:expr, $load:ident, $splat:ident, $fma:ident, $store:ident) => {{
        const OB: usize = 4;
        const BLOCK: usize = 2 * $vl;
        let z0 = $zero;
        let (mut a00, mut a01, mut a10, mut a11) = (z0, z0, z0, z0);
        let (mut a20, mut a21, mut a30, mut a31) = (z0, z0, z0, z0);
        let xp = $x.as_ptr().wrapping_add($q0);
        // One loop over the taps each run reads (all of them in one run unless the depths are
        // cut), each at its offset from the table, rather than four nested loops (channel,
        // depth, row, column).
        for taps in $l.tap_runs($depths) {
            for t in taps {
                // SAFETY: `t` is a tap of the table, `w` holds `taps × OB` weights, and (the
                // caller's contract) a full block reads inside the input.
                unsafe {
                    let src = xp.wrapping_add(*$offsets.get_unchecked(t));
                    let wp = $w.as_ptr().add(t * OB);
                    let (x0, x1) = ($load(src), $load(src.wrapping_add($vl)));
                    let w0 = $splat(wp);
                    a00 = $fma(w0, x0, a00);
                    a01 = $fma(w0, x1, a01);
                    let w1 = $splat(wp.add(1));
                    a10 = $fma(w1, x0, a10);
                    a11 = $fma(w1, x1, a11);
                    let w2 = $splat(wp.add(2));
                    a20 = $fma(w2, x0, a20);
                    a21 = $fma(w2, x1, a21);
                    let w3 = $splat(wp.add(3));
                    a30 = $fma(w3, x0, a30);
                    a31 = $fma(w3, x1, a31);
                }
            }
        }
        let acc = [[a00, a01], [a10, a11], [a20, a21], [a30, a31]];
        for (i, acc) in acc.iter().enumerate() {
            for (p, v) in acc.iter().enumerate() {
                // SAFETY: `tmp` holds OB × BLOCK floats (asserted by the caller).
                unsafe { $store($tmp.as_mut_ptr().add(i * BLOCK + p * $vl), *v) };
            }
        }
    }};
}

/// The AVX2 and FMA instructions of the 4-channel register blocks ([`avx2_block`] and
/// `weight_grad`'s): masked loads and stores of all lanes, as in the AVX-512 kernel (whose
/// unmasked loads went through `read_unaligned`'s debug checks in the dev profile).
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    #[inline]
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn load(p: *const f32) -> __m256 {
        unsafe { _mm256_maskload_ps(p, _mm256_set1_epi32(-1)) }
    }

    #[inline]
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn splat(p: *const f32) -> __m256 {
        unsafe { _mm256_broadcast_ss(&*p) }
    }

    #[inline]
    #[target_feature(enable = "avx2,fma")]
    pub(super) fn fma(a: __m256, b: __m256, acc: __m256) -> __m256 {
        _mm256_fmadd_ps(a, b, acc)
    }

    #[inline]
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn store(p: *mut f32, v: __m256) {
        unsafe { _mm256_maskstore_ps(p, _mm256_set1_epi32(-1), v) }
    }
}

/// The SIMD128 instructions of the 4-channel register blocks ([`simd128_block`] and
/// `weight_grad`'s); with the `relaxed-simd` feature, `fma` is fused where the CPU can.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd128 {
    use std::arch::wasm32::*;

    #[inline(always)]
    pub(super) unsafe fn load(p: *const f32) -> v128 {
        unsafe { v128_load(p.cast()) }
    }

    #[inline(always)]
    pub(super) unsafe fn splat(p: *const f32) -> v128 {
        unsafe { v128_load32_splat(p.cast()) }
    }

    #[cfg(not(feature = "relaxed-simd"))]
    #[inline(always)]
    pub(super) fn fma(a: v128, b: v128, acc: v128) -> v128 {
        f32x4_add(acc, f32x4_mul(a, b))
    }

    #[cfg(feature = "relaxed-simd")]
    #[inline]
    #[target_feature(enable = "relaxed-simd")]
    pub(super) fn fma(a: v128, b: v128, acc: v128) -> v128 {
        f32x4_relaxed_madd(a, b, acc)
    }

    #[inline(always)]
    pub(super) unsafe fn store(p: *mut f32, v: v128) {
        unsafe { v128_store(p.cast(), v) }
    }
}

/// [`register_block`] with AVX2 and FMA, a full block of 4 channels × 16 positions.
///
/// # Safety
/// The block must read inside `x`; the CPU must have AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn avx2_block(
    l: &Layout,
    offsets: &[usize],
    x: &[f32],
    q0: usize,
    depths: std::ops::Range<usize>,
    w: &[f32],
    tmp: &mut [f32],
) {
    use avx2::{fma, load, splat, store};
    use std::arch::x86_64::_mm256_setzero_ps;
    block_4x2!(
        l,
        offsets,
        x,
        q0,
        depths,
        w,
        tmp,
        8,
        _mm256_setzero_ps(),
        load,
        splat,
        fma,
        store
    );
}

/// [`register_block`] with WebAssembly SIMD128, a full block of 4 channels × 8 positions;
/// with the `relaxed-simd` feature, its multiply-adds are fused where the CPU can.
///
/// # Safety
/// The block must read inside `x`.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[cfg_attr(feature = "relaxed-simd", target_feature(enable = "relaxed-simd"))]
unsafe fn simd128_block(
    l: &Layout,
    offsets: &[usize],
    x: &[f32],
    q0: usize,
    depths: std::ops::Range<usize>,
    w: &[f32],
    tmp: &mut [f32],
) {
    use simd128::{fma, load, splat, store};
    use std::arch::wasm32::f32x4_splat;
    block_4x2!(
        l,
        offsets,
        x,
        q0,
        depths,
        w,
        tmp,
        4,
        f32x4_splat(0.0),
        load,
        splat,
        fma,
        store
    );
}

/// [`register_block`] with AVX-512: 8 output channels × 48 positions, masked loads where the
/// block is cut short.
///
/// # Safety
/// `x` must be one sample of the input of `k`; the CPU must have AVX-512F.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn avx512_block<const MASKED: bool>(
    k: &Layout,
    x: &[f32],
    q0: usize,
    valid: usize,
    depths: std::ops::Range<usize>,
    w: &[f32],
    tmp: &mut [f32],
) {
    use std::arch::x86_64::*;
    const OB: usize = 8;
    const PB: usize = 3;
    const VL: usize = 16;
    const BLOCK: usize = PB * VL;
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

    /// The direct forward, input gradient and weight and bias gradients equal the im2col ones on HybridSN's shapes, odd
    /// ones (output channels not a multiple of 4, runs shorter and longer than a block, a
    /// 1-wide kernel) and 2-D ones, with and without bias, with every kernel this CPU runs
    /// (the SIMD128 one is checked in WebAssembly by `tests/wasm-kernels.test.mjs`).
    #[test]
    fn forward_equals_im2col() {
        let here: Vec<_> = Kernels::ALL.into_iter().filter(|k| k.runs_here()).collect();
        if here.is_empty() {
            eprintln!(
                "no AVX2 or AVX-512 here: the direct kernels are not used, nothing to compare"
            );
            return;
        }
        for kernels in here {
            compare_with_im2col(kernels);
        }
    }

    fn compare_with_im2col(kernels: Kernels) {
        for (i, (batch, in_channels, in_dims, out_channels, kernel)) in
            CHECKED_SHAPES.into_iter().enumerate()
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
                assert_close(
                    &forward_with(kernels, &g, &x, &w, bias),
                    &want,
                    &format!("{kernels:?} {g:?}"),
                );
            }
            let go = random(
                batch * out_channels * g.out_dims().iter().product::<usize>(),
                300 + i as u64,
            );
            let want = host_conv::backward(&g, &x, &w, &go, true);
            assert_close(
                &input_grad_with(kernels, &g, &w, &go),
                want.input.as_ref().unwrap(),
                &format!("{kernels:?} input gradient {g:?}"),
            );
            let (weight, bias) = weight_grad_with(kernels, &g, &x, &go);
            assert_close(
                &weight,
                &want.weight,
                &format!("{kernels:?} weight gradient {g:?}"),
            );
            assert_close(
                &bias,
                &want.bias,
                &format!("{kernels:?} bias gradient {g:?}"),
            );
        }
    }
}
