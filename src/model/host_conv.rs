//! A valid convolution (stride 1, no padding, dilation 1, one group) on host memory, forward
//! and backward, each sample as one matrix product over its im2col matrix (`gemm`, the crate
//! under burn's CPU backend).
//!
//! Why: burn's CPU backend computes a convolution in output tiles with one small matrix product
//! per tile (M = output channels), and its input gradient as a transposed convolution; for the
//! 3-D and 2-D convolutions of HybridSN that ran at 15–46 GFLOP/s where the same `gemm` reaches
//! ~180 on whole matrices (`convlab bench --profile`, README). Here each sample's im2col matrix
//! is built once, and forward, weight gradient and input gradient are one large product each.
//!
//! The kernels know nothing of burn: [`super::host_conv_op`] gives them to the autodiff graph.
//! 2-D convolutions use depth 1.

/// The sizes of a valid convolution.
///
/// # Shapes
/// - input: `[batch, in_channels, in_dims[0], in_dims[1], in_dims[2]]`
/// - weight: `[out_channels, in_channels, kernel[0], kernel[1], kernel[2]]`
/// - output: `[batch, out_channels, in_dims[i] - kernel[i] + 1 …]`
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConvGeometry {
    pub batch: usize,
    pub in_channels: usize,
    pub in_dims: [usize; 3],
    pub out_channels: usize,
    pub kernel: [usize; 3],
}

impl ConvGeometry {
    /// The output's spatial sizes.
    pub fn out_dims(&self) -> [usize; 3] {
        std::array::from_fn(|i| self.in_dims[i] + 1 - self.kernel[i])
    }

    /// Rows of a sample's im2col matrix: one per weight of an output channel.
    fn taps(&self) -> usize {
        self.in_channels * self.kernel.iter().product::<usize>()
    }

    /// Columns of a sample's im2col matrix: one per output position.
    fn positions(&self) -> usize {
        self.out_dims().iter().product()
    }

    fn in_len(&self) -> usize {
        self.in_channels * self.in_dims.iter().product::<usize>()
    }

    fn out_len(&self) -> usize {
        self.out_channels * self.positions()
    }

    /// Whether the kernel fits the input.
    pub fn is_valid(&self) -> bool {
        (0..3).all(|i| self.kernel[i] >= 1 && self.kernel[i] <= self.in_dims[i])
            && self.in_channels > 0
            && self.out_channels > 0
    }
}

/// The fewest output positions per sample worth a matrix product of their own (below, the
/// weights would be packed again for a handful of columns): the smallest tile, and the
/// threshold under which [`super::fast_conv::fast_conv2d`] folds the batch into one product.
pub const MIN_POSITIONS: usize = 256;

/// Output rows `(z, y)` per tile, about: the tile's im2col matrix (`taps × rows·ow`) stays
/// within about 1 MiB, so it is built, multiplied and read back in the core's L2 cache, but a
/// tile has at least 256 positions, so that the matrix products stay efficient where the taps
/// are many (HybridSN's 2-D convolution has 5,184).
fn rows_per_tile(g: &ConvGeometry) -> usize {
    const TILE_FLOATS: usize = 256 * 1024;
    let ow = g.out_dims()[2];
    (TILE_FLOATS / (g.taps() * ow)).max(MIN_POSITIONS.div_ceil(ow))
}

/// How many tiles a sample's output rows are cut into: the nearest whole number of
/// [`rows_per_tile`]s, so that no tile is a small remainder (HybridSN's 2-D convolution has
/// 17 output rows and 16 per tile: one tile of 17 rows, not 16 + 1, each of which read and
/// wrote the whole 64 × 5,184 weight gradient). With `spread` (the forward pass), a batch
/// smaller than the thread pool (a map strip, a batch folded into one sample) has at least a
/// tile per thread, so that every core has work.
fn tile_count(g: &ConvGeometry, spread: bool) -> usize {
    let [od, oh, _] = g.out_dims();
    let step = rows_per_tile(g);
    let threads = pool_threads();
    let least = if spread && g.batch < threads {
        threads.min(od * oh)
    } else {
        1
    };
    ((od * oh + step / 2) / step).max(least)
}

/// The threads [`in_parallel`] runs on.
pub(crate) fn pool_threads() -> usize {
    #[cfg(not(target_arch = "wasm32"))]
    return rayon::current_num_threads();
    #[cfg(target_arch = "wasm32")]
    return 1;
}

/// The most output rows in one tile.
fn widest_tile(g: &ConvGeometry, spread: bool) -> usize {
    let [od, oh, _] = g.out_dims();
    (od * oh).div_ceil(tile_count(g, spread))
}

/// For each row of a tile's im2col matrix (channel, kernel offset) and each output row
/// `(z, y)` of the tile `rows`, the run of `ow` contiguous input values: calls
/// `f(row, input offset, offset in the matrix row)`.
fn for_each_run(
    g: &ConvGeometry,
    rows: std::ops::Range<usize>,
    mut f: impl FnMut(usize, usize, usize),
) {
    let w = g.in_dims[2];
    let [kd, kh, kw] = g.kernel;
    let [_, oh, ow] = g.out_dims();
    let plane = g.in_dims[1] * w;
    let volume = g.in_dims[0] * plane;
    // Where each output row of the tile starts in the input, and in the matrix row.
    let starts: Vec<(usize, usize)> = rows
        .enumerate()
        .map(|(i, r)| ((r / oh) * plane + (r % oh) * w, i * ow))
        .collect();
    let mut row = 0;
    for c in 0..g.in_channels {
        for a in 0..kd {
            for b in 0..kh {
                for e in 0..kw {
                    let base = c * volume + a * plane + b * w + e;
                    for &(src, dst) in &starts {
                        f(row, base + src, dst);
                    }
                    row += 1;
                }
            }
        }
    }
    debug_assert_eq!(row, g.taps());
}

/// The columns a tile's matrices are laid out with: its positions rounded up to 16, so that
/// the matrix products read the im2col tile in place instead of first copying it into their
/// own layout (`gemm` packs a column-major operand whose rows are not a multiple of its SIMD
/// width, 16 floats with AVX-512). The extra columns hold stale finite values and give
/// outputs that are thrown away.
fn padded(t: usize) -> usize {
    t.next_multiple_of(16)
}

/// A tile of one sample's im2col matrix, `[taps, rows·ow]`, its rows `stride` apart.
fn im2col(
    g: &ConvGeometry,
    x: &[f32],
    rows: std::ops::Range<usize>,
    cols: &mut [f32],
    stride: usize,
) {
    let ow = g.out_dims()[2];
    for_each_run(g, rows, |row, src, dst| {
        let at = row * stride + dst;
        cols[at..at + ow].copy_from_slice(&x[src..src + ow]);
    });
}

/// Adds a tile of an im2col-shaped gradient (rows `stride` apart) back onto the sample's
/// input gradient.
fn col2im_add(
    g: &ConvGeometry,
    cols: &[f32],
    rows: std::ops::Range<usize>,
    gx: &mut [f32],
    stride: usize,
) {
    let ow = g.out_dims()[2];
    for_each_run(g, rows, |row, src, dst| {
        let at = row * stride + dst;
        for (t, s) in gx[src..src + ow].iter_mut().zip(&cols[at..at + ow]) {
            *t += s;
        }
    });
}

/// A strided matrix for [`matmul`].
#[derive(Clone, Copy)]
struct View {
    ptr: *const f32,
    row_stride: isize,
    col_stride: isize,
}

// SAFETY: a view only reads, from slices that outlive the matrix products using it.
unsafe impl Send for View {}
unsafe impl Sync for View {}

impl View {
    /// A row-major matrix whose rows are `row_stride` apart.
    fn rows(data: &[f32], row_stride: usize) -> Self {
        Self {
            ptr: data.as_ptr(),
            row_stride: row_stride as isize,
            col_stride: 1,
        }
    }

    /// The transpose of a row-major matrix whose rows are `row_stride` apart.
    fn transposed(data: &[f32], row_stride: usize) -> Self {
        Self {
            ptr: data.as_ptr(),
            row_stride: 1,
            col_stride: row_stride as isize,
        }
    }
}

/// `dst (m × n) = [dst +] lhs (m × k) · rhs (k × n)` on `threads` threads (1 where the jobs
/// run in parallel instead); `dst`'s strides are `(row, column)`.
///
/// # Safety
/// The views must cover `m × k` and `k × n` elements of live buffers, `dst` must point to
/// `m × n` writable elements at those strides, and no other thread may use them meanwhile.
unsafe fn matmul(
    dst: *mut f32,
    (dst_row, dst_col): (usize, usize),
    [m, n, k]: [usize; 3],
    lhs: View,
    rhs: View,
    accumulate: bool,
    threads: usize,
) {
    #[cfg(not(target_arch = "wasm32"))]
    let parallelism = match threads {
        0 | 1 => gemm::Parallelism::None,
        n => gemm::Parallelism::Rayon(n),
    };
    #[cfg(target_arch = "wasm32")]
    let parallelism = {
        let _ = threads;
        gemm::Parallelism::None
    };
    // SAFETY: the caller's contract.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst,
            dst_col as isize,
            dst_row as isize,
            accumulate,
            lhs.ptr,
            lhs.col_stride,
            lhs.row_stride,
            rhs.ptr,
            rhs.col_stride,
            rhs.row_stride,
            if accumulate { 1.0 } else { 0.0 },
            1.0,
            false,
            false,
            false,
            parallelism,
        );
    }
}

/// The tiles of output rows of one sample.
fn tiles(g: &ConvGeometry, spread: bool) -> impl Iterator<Item = std::ops::Range<usize>> {
    let [od, oh, _] = g.out_dims();
    let (rows, n) = (od * oh, tile_count(g, spread));
    (0..n).map(move |i| i * rows / n..(i + 1) * rows / n)
}

/// Runs `f(job, state)` for every job in `0..jobs`, in parallel natively (rayon, the pool
/// burn's CPU backend uses), one after the other in the browser; each thread runs one
/// contiguous run of jobs with its own `state` from `init` (allocated once), and the states
/// are returned for reduction.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn in_parallel<S: Send>(
    jobs: usize,
    init: impl Fn() -> S + Sync + Send,
    f: impl Fn(usize, &mut S) + Sync + Send,
) -> Vec<S> {
    use rayon::prelude::*;
    let runs = rayon::current_num_threads().clamp(1, jobs.max(1));
    (0..runs)
        .into_par_iter()
        .map(|r| {
            let mut s = init();
            for n in (r * jobs / runs)..((r + 1) * jobs / runs) {
                f(n, &mut s);
            }
            s
        })
        .collect()
}

#[cfg(target_arch = "wasm32")]
pub(crate) fn in_parallel<S: Send>(
    jobs: usize,
    init: impl Fn() -> S + Sync + Send,
    f: impl Fn(usize, &mut S) + Sync + Send,
) -> Vec<S> {
    let mut s = init();
    for n in 0..jobs {
        f(n, &mut s);
    }
    vec![s]
}

/// `len` zeros, written by the pool's threads natively: a large `vec![0.0; len]` is one
/// memset (and the page faults of fresh memory) on the calling thread while the pool waits.
/// In HybridSN's training step (batch 16, 2 threads, `perf`) such fills were most of what the
/// calling thread did alone; with them shared the step used 1.81 cores instead of 1.70.
pub(crate) fn zeros(len: usize) -> Vec<f32> {
    /// Below this many floats one thread fills them.
    const PARALLEL_FROM: usize = 1 << 16;
    let parts = pool_threads().min(len / PARALLEL_FROM).max(1);
    if parts == 1 {
        return vec![0.0; len];
    }
    let mut v = Vec::<f32>::with_capacity(len);
    let dst = Chunks(v.as_mut_ptr());
    in_parallel(
        parts,
        || (),
        |i, _| {
            let (a, b) = (i * len / parts, (i + 1) * len / parts);
            // SAFETY: part `i` alone writes floats `a..b`, inside the capacity.
            unsafe { std::ptr::write_bytes(dst.ptr().add(a), 0, b - a) };
        },
    );
    // SAFETY: the parts cover `0..len`, every float written (all-zero bytes are 0.0).
    unsafe { v.set_len(len) };
    v
}

/// A raw pointer that may cross threads: each job writes only its own part.
#[derive(Clone, Copy)]
pub(crate) struct Chunks(pub(crate) *mut f32);
// SAFETY: used only to hand disjoint per-sample chunks of one buffer to worker threads.
unsafe impl Send for Chunks {}
unsafe impl Sync for Chunks {}

impl Chunks {
    fn ptr(&self) -> *mut f32 {
        self.0
    }

    /// # Safety
    /// `at .. at + len` must be in bounds, and no other thread may use it meanwhile.
    #[allow(clippy::mut_from_ref)]
    pub(crate) unsafe fn slice(&self, at: usize, len: usize) -> &mut [f32] {
        unsafe { std::slice::from_raw_parts_mut(self.0.add(at), len) }
    }

    /// # Safety
    /// `n·len .. (n+1)·len` must be in bounds, and no other thread may use that chunk.
    #[allow(clippy::mut_from_ref)]
    pub(crate) unsafe fn chunk(&self, n: usize, len: usize) -> &mut [f32] {
        unsafe { std::slice::from_raw_parts_mut(self.0.add(n * len), len) }
    }
}

/// The convolution's output, `[batch, out_channels, out_dims…]` row-major, as one matrix
/// product per tile of each sample's im2col matrix.
pub fn forward(g: &ConvGeometry, x: &[f32], weight: &[f32], bias: Option<&[f32]>) -> Vec<f32> {
    assert!(g.is_valid(), "host_conv::forward: {g:?}");
    let (k, p, o) = (g.taps(), g.positions(), g.out_channels);
    assert_eq!(x.len(), g.batch * g.in_len());
    assert_eq!(weight.len(), o * k);
    let ow = g.out_dims()[2];
    let widest = padded(widest_tile(g, true) * ow);
    // Every (sample, tile) pair is a job: a whole-scene strip (one sample) still uses every core.
    let tiles: Vec<_> = tiles(g, true).collect();
    let mut out = zeros(g.batch * g.out_len());
    let dst = Chunks(out.as_mut_ptr());
    in_parallel(
        g.batch * tiles.len(),
        // The tile's im2col matrix and its output, both `widest` columns wide.
        || (vec![0.0f32; k * widest], vec![0.0f32; o * widest]),
        |job, (cols, tile_out)| {
            let (n, rows) = (job / tiles.len(), tiles[job % tiles.len()].clone());
            let (t, at) = (rows.len() * ow, rows.start * ow);
            let tp = padded(t);
            im2col(g, &x[n * g.in_len()..(n + 1) * g.in_len()], rows, cols, tp);
            // SAFETY: `weight` is `o × k`, `cols` holds `k` rows `tp` apart and `tile_out`
            // `o` rows of `tp`, both this thread's own.
            unsafe {
                matmul(
                    tile_out.as_mut_ptr(),
                    (tp, 1),
                    [o, tp, k],
                    View::rows(weight, k),
                    View::rows(cols, tp),
                    false,
                    1,
                );
            }
            for c in 0..o {
                // SAFETY: this job alone writes columns `at..at + t` of sample n's `o` rows
                // (of `p`) in `out`.
                let row = unsafe {
                    std::slice::from_raw_parts_mut(dst.ptr().add((n * o + c) * p + at), t)
                };
                let b = bias.map_or(0.0, |b| b[c]);
                for (v, s) in row.iter_mut().zip(&tile_out[c * tp..c * tp + t]) {
                    *v = s + b;
                }
            }
        },
    );
    out
}

/// The gradients of a convolution's input, weight and bias given the gradient of its output.
pub struct ConvGrads {
    /// `None` when it was not asked for (the input is data, as in a model's first layer).
    pub input: Option<Vec<f32>>,
    pub weight: Vec<f32>,
    pub bias: Vec<f32>,
}

/// The backward pass over each sample's im2col matrix, tile by tile: `grad_out` is
/// `[batch, out_channels, out_dims…]`; the weight gradient as one product, and the input's
/// (only when `input_grad` is set) as a second product and its scatter (col2im).
pub fn backward(
    g: &ConvGeometry,
    x: &[f32],
    weight: &[f32],
    grad_out: &[f32],
    input_grad: bool,
) -> ConvGrads {
    assert!(g.is_valid(), "host_conv::backward: {g:?}");
    let (k, p, o) = (g.taps(), g.positions(), g.out_channels);
    assert_eq!(x.len(), g.batch * g.in_len());
    assert_eq!(weight.len(), o * k);
    assert_eq!(grad_out.len(), g.batch * g.out_len());
    let ow = g.out_dims()[2];
    let tile_len = k * padded(widest_tile(g, false) * ow);
    let mut input = zeros(if input_grad { g.batch * g.in_len() } else { 0 });
    let dst = Chunks(input.as_mut_ptr());
    // A job per sample, which owns its part of the input gradient. A single sample (a batch
    // folded into one, see `fast_conv`) has few positions for many weights: its products
    // share the threads instead (split by tiles, each thread would read and write the whole
    // weight gradient: PlainCNN's last layer, 1024 × 9,216 on 2×2 maps, ran 5× slower).
    let threads = if g.batch == 1 { pool_threads() } else { 1 };
    // The weight gradient is accumulated column-major (`[k, o]`), so that its products read
    // the im2col tile in place, unless it is larger than a tile: then gemm's copy of the tile
    // costs less than writing and transposing the weight gradient.
    let widest = padded(widest_tile(g, false) * ow);
    let row_major = o > widest;
    let states = in_parallel(
        g.batch,
        || {
            (
                vec![0.0f32; tile_len], // a tile of im2col
                vec![0.0f32; tile_len], // its gradient
                vec![0.0f32; k * o],    // weight gradient, `[o, k]` or `[k, o]`
                vec![0.0f32; o],        // bias gradient
            )
        },
        |n, (cols, gcols, gw, gb)| {
            let go = &grad_out[n * o * p..(n + 1) * o * p];
            let x_n = &x[n * g.in_len()..(n + 1) * g.in_len()];
            // SAFETY: sample n owns its chunk of `input` (empty when not asked for).
            let gx = unsafe { dst.chunk(n, if input_grad { g.in_len() } else { 0 }) };
            for rows in tiles(g, false) {
                let t = rows.len() * ow;
                let tp = padded(t);
                let go_tile = &go[rows.start * ow..];
                for (c, b) in gb.iter_mut().enumerate() {
                    *b += go_tile[c * p..c * p + t].iter().sum::<f32>();
                }
                im2col(g, x_n, rows.clone(), cols, tp);
                // SAFETY: `gw` (o × k, either way round) and `gcols` (k rows tp apart) are this thread's own;
                // `go_tile` holds `o` rows `p` apart from column `rows.start·ow`, `cols` `k`
                // rows `tp` apart.
                unsafe {
                    // dW += dY · cols^T  (o × t by t × k)
                    matmul(
                        gw.as_mut_ptr(),
                        if row_major { (k, 1) } else { (1, o) },
                        [o, k, t],
                        View::rows(go_tile, p),
                        View::transposed(cols, tp),
                        true,
                        threads,
                    );
                }
                if !input_grad {
                    continue;
                }
                // SAFETY: as above; `gcols` is this thread's own `k × t`.
                unsafe {
                    // dcols = W^T · dY  (k × o by o × t), then back onto the input.
                    matmul(
                        gcols.as_mut_ptr(),
                        (tp, 1),
                        [k, t, o],
                        View::transposed(weight, k),
                        View::rows(go_tile, p),
                        false,
                        threads,
                    );
                }
                col2im_add(g, gcols, rows, gx, tp);
            }
        },
    );
    let mut weight_grad = vec![0.0f32; o * k];
    let mut bias_grad = vec![0.0f32; o];
    for (_, _, gw, gb) in states {
        if row_major {
            add_into(&mut weight_grad, &gw);
            add_into(&mut bias_grad, &gb);
            continue;
        }
        // Transposed back in 64 × 64 blocks: element by element, the writes `k` apart missed
        // the cache (PlainCNN's 1024 × 9,216 took tens of milliseconds).
        const BLOCK: usize = 64;
        for j0 in (0..k).step_by(BLOCK) {
            for c0 in (0..o).step_by(BLOCK) {
                for j in j0..(j0 + BLOCK).min(k) {
                    let column = &gw[j * o..(j + 1) * o];
                    for c in c0..(c0 + BLOCK).min(o) {
                        weight_grad[c * k + j] += column[c];
                    }
                }
            }
        }
        add_into(&mut bias_grad, &gb);
    }
    ConvGrads {
        input: input_grad.then_some(input),
        weight: weight_grad,
        bias: bias_grad,
    }
}

/// `dst += src`, element by element (a thread's share of a gradient into the total).
fn add_into(dst: &mut [f32], src: &[f32]) {
    dst.iter_mut().zip(src).for_each(|(t, s)| *t += s);
}

/// Threads for each product of the 1×1×1 kernels: with fewer samples than threads, each
/// product shares the pool; otherwise the samples do, one product per thread.
fn pointwise_threads(batch: usize) -> usize {
    if batch < pool_threads() {
        pool_threads()
    } else {
        1
    }
}

/// [`forward`] of a 1×1×1 kernel: each sample's output is one product of the weight by the
/// sample itself (`[out, in] · [in, positions]`), with no im2col copy.
pub fn pointwise_forward(
    g: &ConvGeometry,
    x: &[f32],
    weight: &[f32],
    bias: Option<&[f32]>,
) -> Vec<f32> {
    assert!(
        g.kernel == [1, 1, 1] && g.is_valid(),
        "pointwise_forward: {g:?}"
    );
    let (c, p, o) = (g.in_channels, g.positions(), g.out_channels);
    assert_eq!(x.len(), g.batch * c * p);
    assert_eq!(weight.len(), o * c);
    let mut out = zeros(g.batch * o * p);
    let dst = Chunks(out.as_mut_ptr());
    let threads = pointwise_threads(g.batch);
    let bias = bias.filter(|b| b.iter().any(|&v| v != 0.0));
    in_parallel(
        g.batch,
        || (),
        |n, _| {
            // SAFETY: sample n alone writes its `o × p` chunk of `out`.
            let out_n = unsafe { dst.chunk(n, o * p) };
            // SAFETY: `weight` is `o × c`, the sample `c × p`, `out_n` `o × p`.
            unsafe {
                matmul(
                    out_n.as_mut_ptr(),
                    (p, 1),
                    [o, p, c],
                    View::rows(weight, c),
                    View::rows(&x[n * c * p..(n + 1) * c * p], p),
                    false,
                    threads,
                );
            }
            if let Some(b) = bias {
                for (row, &b) in out_n.chunks_exact_mut(p).zip(b) {
                    row.iter_mut().for_each(|v| *v += b);
                }
            }
        },
    );
    out
}

/// [`backward`] of a 1×1×1 kernel: per sample, the input gradient `Wᵀ · dY` written in place
/// and the weight gradient `dY · Xᵀ` accumulated per thread, both products reading the
/// tensors where they lie (no im2col matrix, no scatter back).
pub fn pointwise_backward(
    g: &ConvGeometry,
    x: &[f32],
    weight: &[f32],
    grad_out: &[f32],
    input_grad: bool,
) -> ConvGrads {
    assert!(
        g.kernel == [1, 1, 1] && g.is_valid(),
        "pointwise_backward: {g:?}"
    );
    let (c, p, o) = (g.in_channels, g.positions(), g.out_channels);
    assert_eq!(x.len(), g.batch * c * p);
    assert_eq!(weight.len(), o * c);
    assert_eq!(grad_out.len(), g.batch * o * p);
    let mut input = zeros(if input_grad { g.batch * c * p } else { 0 });
    let dst = Chunks(input.as_mut_ptr());
    let threads = pointwise_threads(g.batch);
    let states = in_parallel(
        g.batch,
        || (vec![0.0f32; o * c], vec![0.0f32; o]),
        |n, (gw, gb)| {
            let go = &grad_out[n * o * p..(n + 1) * o * p];
            let x_n = &x[n * c * p..(n + 1) * c * p];
            for (b, row) in gb.iter_mut().zip(go.chunks_exact(p)) {
                *b += row.iter().sum::<f32>();
            }
            // SAFETY: `gw` is this thread's `o × c`; `go` is `o × p`, `x_n` `c × p`.
            unsafe {
                // dW += dY · Xᵀ  (o × p by p × c)
                matmul(
                    gw.as_mut_ptr(),
                    (c, 1),
                    [o, c, p],
                    View::rows(go, p),
                    View::transposed(x_n, p),
                    true,
                    threads,
                );
            }
            if input_grad {
                // SAFETY: sample n alone writes its `c × p` chunk of `input`.
                let gx = unsafe { dst.chunk(n, c * p) };
                // SAFETY: `weight` is `o × c`, read transposed; `gx` is `c × p`.
                unsafe {
                    // dX = Wᵀ · dY  (c × o by o × p)
                    matmul(
                        gx.as_mut_ptr(),
                        (p, 1),
                        [c, p, o],
                        View::transposed(weight, c),
                        View::rows(go, p),
                        false,
                        threads,
                    );
                }
            }
        },
    );
    let mut weight = vec![0.0f32; o * c];
    let mut bias = vec![0.0f32; o];
    for (gw, gb) in states {
        add_into(&mut weight, &gw);
        add_into(&mut bias, &gb);
    }
    ConvGrads {
        input: input_grad.then_some(input),
        weight,
        bias,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use burn::nn::conv::Conv3dConfig;
    use burn::tensor::{Device, Distribution, Tensor};

    pub(crate) fn vec_of<const D: usize>(t: Tensor<D>) -> Vec<f32> {
        t.into_data().try_to_vec::<f32>().unwrap()
    }

    /// Two tensors hold the same values up to float rounding (1e-4 of the largest magnitude).
    pub(crate) fn assert_close_tensors<const D: usize>(a: Tensor<D>, b: Tensor<D>, what: &str) {
        assert_close(&vec_of(a), &vec_of(b), what);
    }

    pub(crate) fn assert_close(a: &[f32], b: &[f32], what: &str) {
        assert_eq!(a.len(), b.len(), "{what}: sizes");
        let scale = b.iter().fold(0f32, |m, v| m.max(v.abs())).max(1.0);
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            assert!(
                (x - y).abs() <= 1e-4 * scale,
                "{what}: element {i}: {x} against {y}"
            );
        }
    }

    /// [`zeros`] fills every float, in one part and in several (each length right after
    /// buffers of the same size full of NaN were freed, so that memory left as it was shows:
    /// the first such free of a large block raises glibc's threshold for mapping fresh pages,
    /// so the second buffer and then `zeros`' come from the heap).
    #[test]
    fn zeros_are_all_zero() {
        for len in [0, 7, 65_535, 65_536 * 2 + 3, 1 << 20] {
            for _ in 0..2 {
                drop(std::hint::black_box(vec![f32::NAN; len]));
            }
            let z = zeros(len);
            assert_eq!(z.len(), len);
            assert!(
                z.iter().all(|&v| v == 0.0),
                "zeros({len}) left a float unwritten"
            );
        }
    }

    /// The 1×1×1 kernels equal the im2col ones: output with and without bias, and all three
    /// gradients, with and without the input's, batches smaller and larger than the pool.
    #[test]
    fn pointwise_equals_im2col() {
        let d = Device::flex();
        for (batch, in_channels, in_dims, out_channels) in [
            (3, 16, [1, 16, 16], 24),
            (1, 8, [1, 17, 15], 5),
            (2, 3, [2, 4, 33], 1),
        ] {
            let g = ConvGeometry {
                batch,
                in_channels,
                in_dims,
                out_channels,
                kernel: [1, 1, 1],
            };
            let values =
                |n: usize| vec_of(Tensor::<1>::random([n], Distribution::Normal(0.0, 1.0), &d));
            let x = values(batch * g.in_len());
            let w = values(out_channels * in_channels);
            let b = values(out_channels);
            for bias in [None, Some(&b[..])] {
                assert_close(
                    &pointwise_forward(&g, &x, &w, bias),
                    &forward(&g, &x, &w, bias),
                    &format!("output {g:?}"),
                );
            }
            let go = values(batch * g.out_len());
            for input_grad in [true, false] {
                let (got, want) = (
                    pointwise_backward(&g, &x, &w, &go, input_grad),
                    backward(&g, &x, &w, &go, input_grad),
                );
                assert_eq!(got.input.is_some(), input_grad);
                if let (Some(a), Some(b)) = (&got.input, &want.input) {
                    assert_close(a, b, &format!("input gradient {g:?}"));
                }
                assert_close(&got.weight, &want.weight, &format!("weight gradient {g:?}"));
                assert_close(&got.bias, &want.bias, &format!("bias gradient {g:?}"));
            }
        }
    }

    /// Output and all three gradients equal burn's `Conv3d` (autodiff) for a random upstream
    /// gradient, on shapes with every kernel extent ≠ 1 and = 1, with and without bias, in one
    /// tile a sample and in several.
    #[test]
    fn forward_and_backward_equal_burn_conv3d() {
        let d = Device::flex().autodiff();
        for (batch, cin, cout, dims, k, bias) in [
            (3, 2, 5, [6, 7, 5], [3, 2, 3], true),
            (2, 1, 8, [9, 6, 6], [7, 3, 3], false),
            (1, 4, 3, [1, 5, 6], [1, 3, 3], true),
            (2, 3, 4, [4, 4, 4], [1, 1, 1], true),
            // Several tiles a sample: 28 output rows in 2 tiles, 46 in 15 + 15 + 16.
            (2, 64, 5, [1, 30, 30], [1, 3, 3], true),
            (1, 64, 3, [1, 48, 30], [1, 3, 3], false),
            // More output channels than positions: the weight gradient row-major.
            (2, 3, 40, [1, 3, 3], [1, 2, 2], true),
            (1, 6, 33, [4, 3, 3], [1, 2, 2], false),
        ] {
            let conv = Conv3dConfig::new([cin, cout], k).with_bias(bias).init(&d);
            let x = Tensor::<5>::random(
                [batch, cin, dims[0], dims[1], dims[2]],
                Distribution::Normal(0.0, 1.0),
                &d,
            )
            .require_grad();
            let y = conv.forward(x.clone());
            let upstream = Tensor::<5>::random(y.dims(), Distribution::Normal(0.0, 1.0), &d);
            let grads = (y.clone() * upstream.clone()).sum().backward();

            let g = ConvGeometry {
                batch,
                in_channels: cin,
                in_dims: dims,
                out_channels: cout,
                kernel: k,
            };
            let rows: Vec<_> = tiles(&g, false).map(|r| r.len()).collect();
            if cin == 64 {
                assert!(rows.len() > 1, "{rows:?}");
            }
            assert_eq!(
                rows.iter().sum::<usize>(),
                g.out_dims()[0] * g.out_dims()[1]
            );
            assert!(
                rows.iter().max().unwrap() - rows.iter().min().unwrap() <= 1,
                "{rows:?}"
            );
            let (xv, wv) = (vec_of(x.clone().inner()), vec_of(conv.weight.val().inner()));
            let bv = conv.bias.as_ref().map(|b| vec_of(b.val().inner()));
            let out = forward(&g, &xv, &wv, bv.as_deref());
            assert_close(&out, &vec_of(y.inner()), "output");
            let up = vec_of(upstream.inner());
            let got = backward(&g, &xv, &wv, &up, true);
            assert_close(
                got.input.as_deref().unwrap(),
                &vec_of(x.grad(&grads).unwrap()),
                "input gradient",
            );
            // Without the input's gradient: the same weight and bias gradients.
            let lean = backward(&g, &xv, &wv, &up, false);
            assert!(lean.input.is_none());
            assert_eq!((&lean.weight, &lean.bias), (&got.weight, &got.bias));
            assert_close(
                &got.weight,
                &vec_of(conv.weight.grad(&grads).unwrap()),
                "weight gradient",
            );
            if let Some(b) = &conv.bias {
                assert_close(&got.bias, &vec_of(b.grad(&grads).unwrap()), "bias gradient");
            }
        }
    }
}
