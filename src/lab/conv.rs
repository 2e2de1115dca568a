//! The conv lab's computations on the current device: a standard convolution against a
//! depthwise + pointwise pair on a picture (with hand-made or random kernels, timed), and a
//! 2-D against a 3-D convolution on a slab of a hyperspectral cube.
//!
//! Kernels are made on the host (seeded), so the same settings give the same maps on every
//! backend; tensors are read back with `into_data_async` (the worker awaits it, the CLI and
//! tests block on it).

use burn::tensor::module::{conv2d, conv3d};
use burn::tensor::ops::ConvOptions;
use burn::tensor::{Device, Tensor, TensorData};

use super::LabError;
use crate::data::Rng;
use crate::data::Scene;
use crate::train::read_f32;

/// The largest number of output channels the feature-map view computes.
pub const MAX_OUT_CHANNELS: usize = 64;

/// Where the kernels come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KernelSource {
    /// Edge, blur, sharpen and Sobel filters mixed with colour-opponent weights.
    Handmade,
    /// He-normal random weights from a seed.
    Random(u64),
    /// The first layer of shipped trained weights (see [`Kernels::trained`]).
    Trained,
}

/// 3×3 kernels, row-major.
pub const EDGE: [f32; 9] = [0.0, 1.0, 0.0, 1.0, -4.0, 1.0, 0.0, 1.0, 0.0];
pub const BLUR: [f32; 9] = [
    1.0 / 16.0,
    2.0 / 16.0,
    1.0 / 16.0,
    2.0 / 16.0,
    4.0 / 16.0,
    2.0 / 16.0,
    1.0 / 16.0,
    2.0 / 16.0,
    1.0 / 16.0,
];
pub const SHARPEN: [f32; 9] = [0.0, -1.0, 0.0, -1.0, 5.0, -1.0, 0.0, -1.0, 0.0];
pub const SOBEL_X: [f32; 9] = [-1.0, 0.0, 1.0, -2.0, 0.0, 2.0, -1.0, 0.0, 1.0];
pub const SOBEL_Y: [f32; 9] = [-1.0, -2.0, -1.0, 0.0, 0.0, 0.0, 1.0, 2.0, 1.0];

/// Names of the hand-made spatial kernels, in the order standard filters cycle through them.
pub const KERNEL_NAMES: [&str; 5] = ["edge", "blur", "sharpen", "Sobel x", "Sobel y"];
const KERNELS: [[f32; 9]; 5] = [EDGE, BLUR, SHARPEN, SOBEL_X, SOBEL_Y];
/// Colour weights (R, G, B) the hand-made filters mix the channels with.
pub const COLOUR_NAMES: [&str; 6] = ["grey", "red−green", "blue−yellow", "red", "green", "blue"];
const COLOURS: [[f32; 3]; 6] = [
    [1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0],
    [0.5, -0.5, 0.0],
    [-0.25, -0.25, 0.5],
    [1.0, 0.0, 0.0],
    [0.0, 1.0, 0.0],
    [0.0, 0.0, 1.0],
];

/// The three layers' weights for a 3-channel picture.
#[derive(Debug, Clone, PartialEq)]
pub struct Kernels {
    pub out_channels: usize,
    /// `[n, 3, 3, 3]`
    pub standard: Vec<f32>,
    /// `[3, 1, 3, 3]` (groups = 3)
    pub depthwise: Vec<f32>,
    /// `[n, 3, 1, 1]`
    pub pointwise: Vec<f32>,
    /// A short description of each standard filter (hand-made) or empty.
    pub standard_names: Vec<String>,
    pub depthwise_names: Vec<String>,
    pub pointwise_names: Vec<String>,
}

fn normal(rng: &mut Rng, std: f32) -> f32 {
    let u1 = rng.next_f64().max(1e-12);
    let u2 = rng.next_f64();
    ((-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()) as f32 * std
}

/// The best rank-1 approximation `σ·u·vᵀ` of a row-major `rows × cols` matrix: returns
/// `(u, σ·v)` with `u` of unit length, by power iteration on `MᵀM` (small matrices only).
fn rank_one(m: &[f32], rows: usize, cols: usize) -> (Vec<f32>, Vec<f32>) {
    let g: Vec<f64> = (0..cols * cols)
        .map(|ij| {
            let (i, j) = (ij / cols, ij % cols);
            (0..rows)
                .map(|r| m[r * cols + i] as f64 * m[r * cols + j] as f64)
                .sum()
        })
        .collect();
    // Start from the column with the most energy (never orthogonal to the top vector in practice).
    let start = (0..cols)
        .max_by(|&a, &b| g[a * cols + a].total_cmp(&g[b * cols + b]))
        .unwrap_or(0);
    let mut v: Vec<f64> = (0..cols)
        .map(|i| if i == start { 1.0 } else { 0.1 })
        .collect();
    for _ in 0..500 {
        let w: Vec<f64> = (0..cols)
            .map(|i| (0..cols).map(|j| g[i * cols + j] * v[j]).sum())
            .collect();
        let norm = w.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm < 1e-30 {
            return (vec![0.0; rows], vec![0.0; cols]);
        }
        v = w.into_iter().map(|x| x / norm).collect();
    }
    // Sign: the kernel's largest weight is positive.
    let big = v
        .iter()
        .fold(0f64, |a, &x| if x.abs() > a.abs() { x } else { a });
    if big < 0.0 {
        v.iter_mut().for_each(|x| *x = -*x);
    }
    let mv: Vec<f64> = (0..rows)
        .map(|r| (0..cols).map(|j| m[r * cols + j] as f64 * v[j]).sum())
        .collect();
    let sigma = mv.iter().map(|x| x * x).sum::<f64>().sqrt();
    let u = mv
        .iter()
        .map(|x| if sigma > 0.0 { (x / sigma) as f32 } else { 0.0 })
        .collect();
    (u, v.iter().map(|x| (x * sigma) as f32).collect())
}

impl Kernels {
    /// Kernels from a trained first layer `[n, 3, 3, 3]` (`standard`). The depthwise +
    /// pointwise pair is that layer's best separable approximation: for each input channel
    /// `c`, the `n × 9` matrix of the filters' `c` slices is replaced by its best rank-1
    /// factorisation (one 3×3 depthwise kernel, `n` pointwise weights). Returns the kernels and
    /// the share of the weights' energy (sum of squares) the pair keeps.
    pub fn trained(standard: Vec<f32>, n: usize) -> Result<(Kernels, f64), LabError> {
        if n == 0 || n > MAX_OUT_CHANNELS || standard.len() != n * 27 {
            return Err(LabError::TrainedLayerSize {
                max: MAX_OUT_CHANNELS,
                weights: standard.len(),
            });
        }
        let mut depthwise = Vec::with_capacity(27);
        let mut pointwise = vec![0f32; n * 3];
        let (mut kept, mut total) = (0f64, 0f64);
        let mut depthwise_names = Vec::new();
        for c in 0..3 {
            let m: Vec<f32> = (0..n)
                .flat_map(|j| standard[j * 27 + c * 9..j * 27 + c * 9 + 9].to_vec())
                .collect();
            let (u, d) = rank_one(&m, n, 9);
            let energy = m.iter().map(|&x| (x as f64).powi(2)).sum::<f64>();
            let k = d.iter().map(|&x| (x as f64).powi(2)).sum::<f64>();
            (kept, total) = (kept + k, total + energy);
            depthwise.extend(d);
            for (j, uj) in u.iter().enumerate() {
                pointwise[j * 3 + c] = *uj;
            }
            depthwise_names.push(format!(
                "best single 3×3 kernel for {} ({:.0} % of its weights' energy)",
                COLOUR_NAMES[3 + c],
                if energy > 0.0 {
                    100.0 * k / energy
                } else {
                    0.0
                }
            ));
        }
        let kernels = Kernels {
            out_channels: n,
            standard,
            depthwise,
            pointwise,
            standard_names: (1..=n).map(|j| format!("trained filter {j}")).collect(),
            depthwise_names,
            pointwise_names: (1..=n)
                .map(|j| format!("mix for trained filter {j}"))
                .collect(),
        };
        Ok((kernels, if total > 0.0 { kept / total } else { 0.0 }))
    }

    /// Hand-made or random kernels ([`KernelSource::Trained`] needs the weights: see
    /// [`Kernels::trained`]; asked here it gives the hand-made set).
    pub fn new(source: KernelSource, out_channels: usize) -> Kernels {
        let n = out_channels;
        match source {
            KernelSource::Trained => Kernels::new(KernelSource::Handmade, n),
            KernelSource::Handmade => {
                let mut standard = Vec::with_capacity(n * 27);
                let mut standard_names = Vec::new();
                for j in 0..n {
                    let (k, c) = (j % 5, (j / 5) % 6);
                    for w in COLOURS[c] {
                        standard.extend(KERNELS[k].iter().map(|v| v * w));
                    }
                    standard_names.push(format!("{} of {}", KERNEL_NAMES[k], COLOUR_NAMES[c]));
                }
                let depthwise = [EDGE, BLUR, SHARPEN].concat();
                let mut pointwise = Vec::with_capacity(n * 3);
                let mut pointwise_names = Vec::new();
                for j in 0..n {
                    let sign = if (j / 6) % 2 == 1 { -1.0 } else { 1.0 };
                    pointwise.extend(COLOURS[j % 6].iter().map(|v| v * sign));
                    pointwise_names.push(format!(
                        "{}{}",
                        if sign < 0.0 { "minus " } else { "" },
                        COLOUR_NAMES[j % 6]
                    ));
                }
                Kernels {
                    out_channels: n,
                    standard,
                    depthwise,
                    pointwise,
                    standard_names,
                    depthwise_names: vec![
                        "edge of red".into(),
                        "blur of green".into(),
                        "sharpen of blue".into(),
                    ],
                    pointwise_names,
                }
            }
            KernelSource::Random(seed) => {
                let mut rng = Rng::new(seed);
                let mut draw = |count: usize, fan_in: usize| -> Vec<f32> {
                    let std = (2.0 / fan_in as f32).sqrt();
                    (0..count).map(|_| normal(&mut rng, std)).collect()
                };
                Kernels {
                    out_channels: n,
                    standard: draw(n * 27, 27),
                    depthwise: draw(27, 9),
                    pointwise: draw(n * 3, 3),
                    standard_names: Vec::new(),
                    depthwise_names: Vec::new(),
                    pointwise_names: Vec::new(),
                }
            }
        }
    }
}

/// The shipped weights the trained kernels come from (MobileNetV1 ×0.25, trained natively on
/// the bundled CIFAR-10 subset).
pub const TRAINED_KERNELS_FILE: &str = crate::train::cifar::SHIPPED_FILES[1].1;

/// The first layer (`stem.conv.weight`, `[n, 3, 3, 3]`) of a CIFAR-10 weights file, with the
/// model it belongs to in words ("MobileNetV1 ×0.25": the width from the file's settings).
pub fn first_layer(bytes: &[u8]) -> Result<(String, Vec<f32>, usize), LabError> {
    let (header, tensors) =
        crate::data::weights_file::read_tensors(bytes).map_err(LabError::WeightsFile)?;
    let (_, shape, values) = tensors
        .into_iter()
        .find(|(path, _, _)| path == "stem.conv.weight")
        .ok_or(LabError::NoFirstConv)?;
    if shape.len() != 4 || shape[1..] != [3, 3, 3] {
        return Err(LabError::FirstConvShape(shape));
    }
    // The width multiplier the weights were trained at, when their settings record it.
    let width = header.preprocessing.get("width").and_then(|w| w.as_f64());
    let name = match width {
        Some(w) => format!("{} ×{w}", header.model),
        None => header.model,
    };
    Ok((name, values, shape[0]))
}

/// The maps of one run, channel-first, all `h × w` (same padding, stride 1).
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureMaps {
    pub height: usize,
    pub width: usize,
    /// The centred input, `[3, h, w]`.
    pub input: Vec<f32>,
    /// `[n, h, w]`
    pub standard: Vec<f32>,
    /// `[3, h, w]`
    pub depthwise: Vec<f32>,
    /// `[n, h, w]`
    pub pointwise: Vec<f32>,
    /// Milliseconds each layer took on the device, read-back included (after a warm-up run).
    pub standard_ms: f64,
    pub depthwise_ms: f64,
    pub pointwise_ms: f64,
}

/// Subtracts each channel's mean (so the diverging colour map is centred on "average").
pub fn centre_channels(chw: &mut [f32], channels: usize) {
    let n = chw.len() / channels.max(1);
    for c in chw.chunks_exact_mut(n) {
        let mean = c.iter().sum::<f32>() / n as f32;
        c.iter_mut().for_each(|v| *v -= mean);
    }
}

/// Runs the standard convolution and the depthwise + pointwise pair on a `[3, h, w]` picture
/// (values as given), timing each with `now_ms`.
pub async fn feature_maps(
    device: &Device,
    chw: &[f32],
    height: usize,
    width: usize,
    kernels: &Kernels,
    now_ms: impl Fn() -> f64,
) -> Result<FeatureMaps, LabError> {
    let n = kernels.out_channels;
    if n == 0 || n > MAX_OUT_CHANNELS {
        return Err(LabError::OutChannels {
            max: MAX_OUT_CHANNELS,
        });
    }
    if chw.len() != 3 * height * width || height == 0 || width == 0 {
        return Err(LabError::NotThreeChannels);
    }
    let x = Tensor::<4>::from_data(TensorData::new(chw.to_vec(), [1, 3, height, width]), device);
    let ws = Tensor::<4>::from_data(
        TensorData::new(kernels.standard.clone(), [n, 3, 3, 3]),
        device,
    );
    let wd = Tensor::<4>::from_data(
        TensorData::new(kernels.depthwise.clone(), [3, 1, 3, 3]),
        device,
    );
    let wp = Tensor::<4>::from_data(
        TensorData::new(kernels.pointwise.clone(), [n, 3, 1, 1]),
        device,
    );
    let same = |groups| ConvOptions::new([1, 1], [1, 1], [1, 1], groups);
    let point = ConvOptions::new([1, 1], [0, 0], [1, 1], 1);

    // Warm-up (shader compilation on WebGPU), not timed.
    let d0 = conv2d(x.clone(), wd.clone(), None, same(3));
    read_f32(
        conv2d(x.clone(), ws.clone(), None, same(1)),
        "the feature maps",
    )
    .await?;
    read_f32(
        conv2d(d0, wp.clone(), None, point.clone()),
        "the feature maps",
    )
    .await?;

    let t0 = now_ms();
    let standard = read_f32(conv2d(x.clone(), ws, None, same(1)), "the feature maps").await?;
    let t1 = now_ms();
    let dw = conv2d(x, wd, None, same(3));
    let depthwise = read_f32(dw.clone(), "the feature maps").await?;
    let t2 = now_ms();
    let pointwise = read_f32(conv2d(dw, wp, None, point), "the feature maps").await?;
    let t3 = now_ms();
    Ok(FeatureMaps {
        height,
        width,
        input: chw.to_vec(),
        standard,
        depthwise,
        pointwise,
        standard_ms: t1 - t0,
        depthwise_ms: t2 - t1,
        pointwise_ms: t3 - t2,
    })
}

/// Number of filters of the 2-D / 3-D comparison (HybridSN's first layer has 8).
pub const SPECTRAL_FILTERS: usize = 8;
/// Side of the slab cut from the scene.
pub const SLAB_SIDE: usize = 32;

/// A `bands × side × side` window of a scene, each band standardised (zero mean, unit
/// variance over the window).
#[derive(Debug, Clone, PartialEq)]
pub struct Slab {
    pub bands: usize,
    pub side: usize,
    pub row0: usize,
    pub col0: usize,
    /// `[bands, side, side]`
    pub values: Vec<f32>,
}

impl Slab {
    pub fn cut(scene: &Scene, row0: usize, col0: usize, side: usize) -> Result<Slab, LabError> {
        if row0 + side > scene.height || col0 + side > scene.width || side < 3 {
            return Err(LabError::WindowOutside {
                side,
                row0,
                col0,
                height: scene.height,
                width: scene.width,
            });
        }
        let b = scene.bands;
        let mut values = vec![0f32; b * side * side];
        for r in 0..side {
            for c in 0..side {
                let px = scene.spectrum(row0 + r, col0 + c);
                for (band, v) in px.iter().enumerate() {
                    values[band * side * side + r * side + c] = *v;
                }
            }
        }
        let n = side * side;
        for plane in values.chunks_exact_mut(n) {
            let mean = plane.iter().map(|&v| v as f64).sum::<f64>() / n as f64;
            let var = plane
                .iter()
                .map(|&v| (v as f64 - mean).powi(2))
                .sum::<f64>()
                / n as f64;
            let sd = var.sqrt().max(1e-6);
            plane
                .iter_mut()
                .for_each(|v| *v = ((*v as f64 - mean) / sd) as f32);
        }
        Ok(Slab {
            bands: b,
            side,
            row0,
            col0,
            values,
        })
    }
}

/// The 2-D and 3-D outputs for one kernel depth.
#[derive(Debug, Clone, PartialEq)]
pub struct SpectralConv {
    pub depth: usize,
    /// `[filters, h', w']`
    pub shape2d: [usize; 3],
    /// `[filters, bands − depth + 1, h', w']`
    pub shape3d: [usize; 4],
    pub values2d: Vec<f32>,
    pub values3d: Vec<f32>,
    pub params2d: u64,
    pub params3d: u64,
    pub macs2d: u64,
    pub macs3d: u64,
    pub ms2d: f64,
    pub ms3d: f64,
}

/// Filter `f`'s weights along a spectral axis of length `d`: filter 0 a centred ramp (a
/// spectral slope detector), filter 1 the mean, the rest random (He normal).
fn spectral_profile(f: usize, d: usize, rng: &mut Rng) -> Vec<f32> {
    match f {
        0 if d > 1 => {
            let mid = (d - 1) as f32 / 2.0;
            let raw: Vec<f32> = (0..d).map(|i| i as f32 - mid).collect();
            let l1: f32 = raw.iter().map(|v| v.abs()).sum();
            raw.iter().map(|v| v / l1).collect()
        }
        0 | 1 => vec![1.0 / d as f32; d],
        _ => (0..d)
            .map(|_| normal(rng, (2.0 / (9 * d) as f32).sqrt()))
            .collect(),
    }
}

/// A `[filters, depth, 3, 3]` kernel: filter 0 ramp ⊗ blur, filter 1 mean ⊗ edge, others
/// random.
pub fn spectral_kernels(depth: usize, seed: u64) -> Vec<f32> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(SPECTRAL_FILTERS * depth * 9);
    for f in 0..SPECTRAL_FILTERS {
        let profile = spectral_profile(f, depth, &mut rng);
        for p in profile {
            match f {
                0 => out.extend(BLUR.iter().map(|v| v * p)),
                1 => out.extend(EDGE.iter().map(|v| v * p)),
                _ => out.extend((0..9).map(|_| p * normal(&mut rng, 1.0))),
            }
        }
    }
    out
}

/// A 2-D convolution over all bands (bands as channels) against a 3-D convolution with kernel
/// depth `depth`, both `SPECTRAL_FILTERS` filters of 3×3, no padding, on the slab.
pub async fn spectral_conv(
    device: &Device,
    slab: &Slab,
    depth: usize,
    seed: u64,
    now_ms: impl Fn() -> f64,
) -> Result<SpectralConv, LabError> {
    let b = slab.bands;
    if depth == 0 || depth > b {
        return Err(LabError::KernelDepth { bands: b });
    }
    let s = slab.side;
    let f = SPECTRAL_FILTERS;
    let o = s - 2;
    let x4 = Tensor::<4>::from_data(TensorData::new(slab.values.clone(), [1, b, s, s]), device);
    let x5 = Tensor::<5>::from_data(
        TensorData::new(slab.values.clone(), [1, 1, b, s, s]),
        device,
    );
    let w2 = Tensor::<4>::from_data(
        TensorData::new(spectral_kernels(b, seed), [f, b, 3, 3]),
        device,
    );
    let w3 = Tensor::<5>::from_data(
        TensorData::new(spectral_kernels(depth, seed), [f, 1, depth, 3, 3]),
        device,
    );
    let opt2 = ConvOptions::new([1, 1], [0, 0], [1, 1], 1);
    let opt3 = ConvOptions::new([1, 1, 1], [0, 0, 0], [1, 1, 1], 1);
    // Warm-up, not timed.
    read_f32(
        conv2d(x4.clone(), w2.clone(), None, opt2.clone()),
        "the feature maps",
    )
    .await?;
    read_f32(
        conv3d(x5.clone(), w3.clone(), None, opt3.clone()),
        "the 3-D output",
    )
    .await?;
    let t0 = now_ms();
    let y2 = conv2d(x4, w2, None, opt2);
    let dims2 = y2.dims();
    let values2d = read_f32(y2, "the feature maps").await?;
    let t1 = now_ms();
    let y3 = conv3d(x5, w3, None, opt3);
    let dims3 = y3.dims();
    let values3d = read_f32(y3, "the 3-D output").await?;
    let t2 = now_ms();
    let l = b - depth + 1;
    let out2 = (f * o * o) as u64;
    let out3 = (f * l * o * o) as u64;
    debug_assert_eq!(dims2, [1, f, o, o]);
    debug_assert_eq!(dims3, [1, f, l, o, o]);
    Ok(SpectralConv {
        depth,
        shape2d: [dims2[1], dims2[2], dims2[3]],
        shape3d: [dims3[1], dims3[2], dims3[3], dims3[4]],
        values2d,
        values3d,
        params2d: (f * b * 9) as u64,
        params3d: (f * depth * 9) as u64,
        macs2d: out2 * (b * 9) as u64,
        macs3d: out3 * (depth * 9) as u64,
        ms2d: t1 - t0,
        ms3d: t2 - t1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Rng;
    use crate::data::picture::{CIFAR_STRIP, decode_picture, split_strip};

    fn cifar(i: usize) -> crate::data::picture::Picture {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/public/data/conv_samples/cifar10_test16.png"
        );
        let strip = decode_picture("strip", &std::fs::read(path).unwrap()).unwrap();
        split_strip(&strip, &CIFAR_STRIP).unwrap().swap_remove(i)
    }

    fn run(chw: &[f32], kernels: &Kernels) -> FeatureMaps {
        pollster::block_on(feature_maps(&Device::flex(), chw, 32, 32, kernels, || 0.0)).unwrap()
    }

    #[test]
    fn trained_kernels_are_the_best_separable_pair() {
        // An exactly separable layer is reproduced exactly, keeping all its energy.
        let mut rng = Rng::new(3);
        let d: Vec<f32> = (0..27).map(|_| rng.next_f64() as f32 - 0.5).collect();
        let p: Vec<f32> = (0..6 * 3).map(|_| rng.next_f64() as f32 - 0.5).collect();
        let w: Vec<f32> = (0..6 * 27)
            .map(|i| {
                let (j, c, t) = (i / 27, (i % 27) / 9, i % 9);
                p[j * 3 + c] * d[c * 9 + t]
            })
            .collect();
        let (k, kept) = Kernels::trained(w.clone(), 6).unwrap();
        assert!((kept - 1.0).abs() < 1e-6, "{kept}");
        for (i, wi) in w.iter().enumerate() {
            let (j, c, t) = (i / 27, (i % 27) / 9, i % 9);
            let approx = k.pointwise[j * 3 + c] * k.depthwise[c * 9 + t];
            assert!((approx - wi).abs() < 1e-5, "{i}: {approx} vs {wi}");
        }
        // The shipped MobileNetV1's first layer: the standard kernels are the file's own, and
        // the pair keeps part of the energy (real filters are not separable).
        let path = format!(
            "{}/public/weights/{TRAINED_KERNELS_FILE}",
            env!("CARGO_MANIFEST_DIR")
        );
        let (model, stem, n) = first_layer(&std::fs::read(path).unwrap()).unwrap();
        assert_eq!((model.as_str(), n), ("MobileNetV1 ×0.25", 8));
        let (k, kept) = Kernels::trained(stem.clone(), n).unwrap();
        assert_eq!(k.standard, stem);
        assert!(kept > 0.2 && kept < 0.999, "{kept}");
        // No other rank-1 pair does better: perturbing the depthwise kernel loses energy kept.
        let err = |dw: &[f32]| -> f64 {
            (0..n * 27)
                .map(|i| {
                    let (j, c, t) = (i / 27, (i % 27) / 9, i % 9);
                    (k.pointwise[j * 3 + c] * dw[c * 9 + t] - stem[i]) as f64
                })
                .map(|e| e * e)
                .sum()
        };
        let best = err(&k.depthwise);
        let mut moved = k.depthwise.clone();
        moved[4] *= 1.1;
        assert!(err(&moved) > best);
        let maps = run(&cifar(2).to_chw(), &k);
        assert_eq!(maps.standard.len(), 8 * 1024);
        assert!(Kernels::trained(vec![0.0; 26], 1).is_err());
    }

    #[test]
    fn depthwise_output_i_changes_only_with_input_channel_i() {
        let pic = cifar(0);
        let mut chw = pic.to_chw();
        centre_channels(&mut chw, 3);
        for source in [KernelSource::Handmade, KernelSource::Random(7)] {
            let k = Kernels::new(source, 16);
            let base = run(&chw, &k);
            assert_eq!(base.standard.len(), 16 * 1024);
            assert_eq!(base.depthwise.len(), 3 * 1024);
            assert_eq!(base.pointwise.len(), 16 * 1024);
            for i in 0..3 {
                // Replace channel i of the real picture by channel i of another real picture.
                let mut moved = chw.clone();
                let other = cifar(5).to_chw();
                moved[i * 1024..(i + 1) * 1024].copy_from_slice(&other[i * 1024..(i + 1) * 1024]);
                let m = run(&moved, &k);
                for c in 0..3 {
                    let span = c * 1024..(c + 1) * 1024;
                    let diff = base.depthwise[span.clone()]
                        .iter()
                        .zip(&m.depthwise[span])
                        .map(|(a, b)| (a - b).abs())
                        .fold(0f32, f32::max);
                    if c == i {
                        assert!(
                            diff > 1e-3,
                            "{source:?}: output {c} did not change ({diff})"
                        );
                    } else {
                        assert_eq!(diff, 0.0, "{source:?}: output {c} changed with input {i}");
                    }
                }
                // Every pointwise and standard output mixes all inputs: each one moves.
                for (name, a, b) in [
                    ("pointwise", &base.pointwise, &m.pointwise),
                    ("standard", &base.standard, &m.standard),
                ] {
                    let mixed = (0..16)
                        .filter(|&j| {
                            let span = j * 1024..(j + 1) * 1024;
                            a[span.clone()]
                                .iter()
                                .zip(&b[span])
                                .any(|(x, y)| (x - y).abs() > 1e-6)
                        })
                        .count();
                    assert!(
                        mixed >= 8,
                        "{source:?}: only {mixed} {name} outputs moved with input {i}"
                    );
                }
            }
        }
    }

    #[test]
    fn handmade_kernels_do_what_they_say_on_a_real_picture() {
        let pic = cifar(3);
        let chw = pic.to_chw();
        let k = Kernels::new(KernelSource::Handmade, 6);
        let m = run(&chw, &k);
        // Depthwise channel 1 is a blur of green: inside the picture it equals the weighted
        // mean of the 3×3 neighbourhood of the green input.
        let g = &chw[1024..2048];
        let (y, x) = (10usize, 20usize);
        let mut expect = 0.0;
        for dy in 0..3 {
            for dx in 0..3 {
                expect += BLUR[dy * 3 + dx] * g[(y + dy - 1) * 32 + x + dx - 1];
            }
        }
        assert!((m.depthwise[1024 + y * 32 + x] - expect).abs() < 1e-5);
        // Pointwise output 0 is the grey mix of the three depthwise maps.
        let i = y * 32 + x;
        let grey = (m.depthwise[i] + m.depthwise[1024 + i] + m.depthwise[2048 + i]) / 3.0;
        assert!((m.pointwise[i] - grey).abs() < 1e-5);
        // Standard filter 0 is an edge (Laplacian) filter of grey: a flat grey picture
        // gives 0 inside.
        let flat = vec![0.5f32; 3 * 1024];
        let f = run(&flat, &k);
        assert!(f.standard[5 * 32 + 5].abs() < 1e-6);
        assert!(f.standard[1024 + 5 * 32 + 5] > 0.49); // blur of grey keeps 0.5
        assert_eq!(k.standard_names[0], "edge of grey");
    }

    #[test]
    fn random_kernels_are_seeded() {
        let a = Kernels::new(KernelSource::Random(3), 8);
        assert_eq!(a, Kernels::new(KernelSource::Random(3), 8));
        assert_ne!(a, Kernels::new(KernelSource::Random(4), 8));
        let mut rng = Rng::new(1);
        let v: Vec<f32> = (0..4000).map(|_| normal(&mut rng, 1.0)).collect();
        let mean = v.iter().sum::<f32>() / 4000.0;
        let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f32>() / 4000.0;
        assert!(
            mean.abs() < 0.06 && (var - 1.0).abs() < 0.08,
            "{mean} {var}"
        );
    }

    #[test]
    fn spectral_axis_is_kept_by_3d_and_collapsed_by_2d_on_indian_pines() {
        let bytes = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/public/data/indian_pines.clhs"
        ))
        .unwrap();
        let scene = crate::data::load::indian_pines(&bytes).unwrap();
        let slab = Slab::cut(&scene, 40, 40, 16).unwrap();
        assert_eq!(slab.bands, 200);
        let d = Device::flex();
        for depth in [7, 24, 200] {
            let r = pollster::block_on(spectral_conv(&d, &slab, depth, 0, || 0.0)).unwrap();
            assert_eq!(r.shape2d, [8, 14, 14]);
            assert_eq!(r.shape3d, [8, 200 - depth + 1, 14, 14]);
            assert_eq!(r.values3d.len(), 8 * (201 - depth) * 196);
            assert_eq!(r.params3d, 8 * depth as u64 * 9);
            assert_eq!(r.params2d, 8 * 200 * 9);
        }
        // With the kernel as deep as the cube, the 3-D conv is exactly the 2-D one.
        let full = pollster::block_on(spectral_conv(&d, &slab, 200, 0, || 0.0)).unwrap();
        for (a, b) in full.values2d.iter().zip(&full.values3d) {
            assert!((a - b).abs() < 1e-3 * (1.0 + a.abs()), "{a} vs {b}");
        }
        assert!(Slab::cut(&scene, 140, 0, 16).is_err());
        assert!(pollster::block_on(spectral_conv(&d, &slab, 201, 0, || 0.0)).is_err());
    }
}
