//! `convlab bench`: training and inference samples/s of every model at batch 16 and 64 on the
//! CPU (or `--device wgpu`), the whole-scene map, and with `--profile` where HybridSN's
//! training step spends its time, layer by layer, in the plain and the fast formulation.

use std::time::Instant;

use burn::nn::BatchNorm;
use burn::nn::PaddingConfig2d;
use burn::nn::conv::Conv2dConfig;
use burn::optim::GradientsParams;
use burn::tensor::activation::relu;
use burn::tensor::{Device, Distribution, Int, Tensor};
use convlab::model::fast_conv::fast_conv2d;
use convlab::model::host_conv_op::{valid_conv2d, valid_conv3d};
use convlab::model::hybridsn::bn_relu as fast_bn_relu;
use convlab::model::mobilenet_v1::MOBILENET_CFG;
use convlab::model::{HybridSn, HybridSnConfig, MobileNetV1Config, ModelKind, PlainCnnConfig};
use convlab::train::NativeHost;
use convlab::train::bench::{BenchCase, median, throughput};
use convlab::train::hsi::{HsiTrainConfig, Prepared, prepare, scene_map, training_pixels};
use convlab::train::optim::FusedAdamConfig;

use super::Opts;

pub fn run(opts: &Opts) -> Result<(), String> {
    opts.only(&[
        "batch",
        "iters",
        "models",
        "width",
        "profile",
        "device",
        "no-map",
        "plain",
        "im2col",
        "direct",
        "matmul-1x1",
    ])?;
    // `--plain`: burn's own convolutions and batch norm everywhere, to measure the fast forms against.
    convlab::model::host_conv_op::use_plain_convolutions(opts.flag("plain"));
    convlab::model::direct_conv::use_direct(!opts.flag("im2col"));
    if let Some(name) = opts.get("direct") {
        use convlab::model::direct_conv::{Kernels, use_kernels};
        let ids = Kernels::ALL.map(Kernels::id);
        let kernels = Kernels::ALL
            .into_iter()
            .find(|k| k.id() == name)
            .ok_or_else(|| format!("--direct takes one of {}, not {name}", ids.join(", ")))?;
        if !use_kernels(kernels) {
            return Err(format!("this CPU has no {name} instructions"));
        }
    }
    convlab::model::fast_conv::use_host_pointwise(!opts.flag("matmul-1x1"));
    let device = opts.device()?;
    let iters: usize = opts.num("iters", 3)?;
    let width: f64 = opts.num("width", 1.0)?;
    let batches = list(opts.get("batch").unwrap_or("16,64"), "batch", |s| {
        s.parse::<usize>().ok().filter(|b| *b > 0)
    })?;
    let models = list(
        opts.get("models")
            .unwrap_or("plaincnn,mobilenetv1,mobilenetv2,hybridsn"),
        "models",
        ModelKind::from_id,
    )?;
    let gpu = device != Device::flex();
    println!(
        "# convlab bench on {} ({}), {iters} timed steps after one warm-up, {} convolutions and batch norm",
        if gpu { "wgpu" } else { "the CPU (flex)" },
        threads(),
        if opts.flag("plain") {
            "burn's plain"
        } else {
            "convlab's fast"
        }
    );
    if !gpu && !opts.flag("plain") {
        println!(
            "# direct convolutions: {}",
            match convlab::model::direct_conv::kernels() {
                Some(k) => format!("{k:?} kernels where they pay"),
                None if opts.flag("im2col") => "off (--im2col)".into(),
                None => "none on this CPU (im2col everywhere)".into(),
            }
        );
    }
    let mut host = NativeHost::new(|_| {});
    if opts.flag("profile") {
        for &b in &batches {
            profile_hybridsn(&device, b, iters)?;
        }
        return Ok(());
    }
    println!(
        "{:<12} {:>5} {:>6} {:>16} {:>16}",
        "model", "width", "batch", "train samples/s", "infer samples/s"
    );
    for &model in &models {
        for &batch in &batches {
            let w = if model == ModelKind::HybridSn {
                1.0
            } else {
                width
            };
            let case = BenchCase {
                model,
                width: w,
                batch,
            };
            let t = pollster::block_on(throughput(&mut host, &device, case, iters))?;
            println!(
                "{:<12} {:>5} {:>6} {:>16.1} {:>16.1}",
                model.name(),
                w,
                batch,
                t.train_per_s,
                t.infer_per_s
            );
        }
    }
    if !opts.flag("no-map") && models.contains(&ModelKind::HybridSn) {
        let scene = super::hsi::load_scene(&Opts::parse(&[])?)?;
        let prep = prepare(&scene, &HsiTrainConfig::new())?;
        bench_map(&device, &prep)?;
    }
    Ok(())
}

/// A comma-separated list, each item parsed by `parse`.
fn list<T>(s: &str, what: &str, parse: impl Fn(&str) -> Option<T>) -> Result<Vec<T>, String> {
    s.split(',')
        .map(|item| parse(item.trim()).ok_or_else(|| format!("--{what}: '{item}' is not valid")))
        .collect()
}

/// The CPU threads burn's CPU backend uses (rayon's pool; `RAYON_NUM_THREADS` sets it).
fn threads() -> String {
    format!(
        "{} thread(s), RAYON_NUM_THREADS={}",
        rayon_threads(),
        std::env::var("RAYON_NUM_THREADS").unwrap_or_else(|_| "unset".into())
    )
}

fn rayon_threads() -> usize {
    std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Seconds for HybridSN's whole-scene map of the bundled Indian Pines (21,025 pixels).
fn bench_map(device: &Device, prep: &Prepared) -> Result<(), String> {
    let model = HybridSnConfig::new()
        .with_bands(prep.padded.bands)
        .with_num_classes(prep.num_classes)
        .init(device);
    let mut host = NativeHost::new(|_| {});
    let t = Instant::now();
    let map = pollster::block_on(scene_map(&mut host, &model, prep, false))?;
    let secs = t.elapsed().as_secs_f64();
    println!(
        "HybridSN whole-scene map: {}×{} = {} pixels in {secs:.2} s ({:.0} pixels/s)",
        prep.height,
        prep.width,
        map.len(),
        map.len() as f64 / secs
    );
    Ok(())
}

/// Median milliseconds of `iters` runs of `f` after one warm-up.
fn median_ms<F: FnMut()>(iters: usize, mut f: F) -> f64 {
    f();
    median(
        (0..iters.max(1))
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64() * 1000.0
            })
            .collect(),
    )
}

/// Forward and forward + backward milliseconds of `layer` on a random input of `shape`.
fn layer_ms<const D: usize, const E: usize>(
    ad: &Device,
    shape: [usize; D],
    grad_input: bool,
    iters: usize,
    layer: impl Fn(Tensor<D>) -> Tensor<E>,
) -> (f64, f64) {
    let x = Tensor::<D>::random(shape, Distribution::Normal(0.0, 1.0), ad);
    let x = if grad_input { x.require_grad() } else { x };
    let fwd = median_ms(iters, || {
        let _ = layer(x.clone());
    });
    let both = median_ms(iters, || {
        let _ = layer(x.clone()).sum().backward();
    });
    (fwd, both)
}

fn bn_relu<const D: usize>(bn: &Option<BatchNorm>, x: Tensor<D>) -> Tensor<D> {
    relu(match bn {
        Some(bn) => bn.forward(x),
        None => x,
    })
}

/// Where HybridSN's training step goes, per layer (forward, backward = both − forward) in the
/// plain (burn's `Conv3d`/`Conv2d`) and the fast (`host_conv_op`) formulation, then the whole
/// step by phase.
fn profile_hybridsn(device: &Device, b: usize, iters: usize) -> Result<(), String> {
    let ad = device.clone().autodiff();
    let m: HybridSn = HybridSnConfig::new().init(&ad);
    println!("\nHybridSN training step, batch {b}: milliseconds per batch (median of {iters})");
    println!(
        "{:<30} {:>9} {:>9} {:>9} {:>9}",
        "layer", "fwd", "bwd", "fast fwd", "fast bwd"
    );
    let row = |name: &str, plain: (f64, f64), fast: Option<(f64, f64)>| {
        let fast = fast
            .map(|(f, t)| format!("{f:>9.1} {:>9.1}", t - f))
            .unwrap_or_else(|| format!("{:>9} {:>9}", "", ""));
        println!(
            "{name:<30} {:>9.1} {:>9.1} {fast}",
            plain.0,
            plain.1 - plain.0
        );
    };
    let convs = [
        (
            "conv3d_1 8@7×3×3 + BN + ReLU",
            &m.conv1,
            &m.bn1,
            [1, 30, 25, 25],
        ),
        (
            "conv3d_2 16@5×3×3 + BN + ReLU",
            &m.conv2,
            &m.bn2,
            [8, 24, 23, 23],
        ),
        (
            "conv3d_3 32@3×3×3 + BN + ReLU",
            &m.conv3,
            &m.bn3,
            [16, 20, 21, 21],
        ),
    ];
    for (i, (name, conv, bn, [c, d, h, w])) in convs.into_iter().enumerate() {
        let grad_input = i > 0; // the first layer's input is data
        let plain = layer_ms(&ad, [b, c, d, h, w], grad_input, iters, |x| {
            bn_relu(bn, conv.forward(x))
        });
        let fast = layer_ms(&ad, [b, c, d, h, w], grad_input, iters, |x| {
            fast_bn_relu(bn, valid_conv3d(x, conv))
        });
        row(name, plain, Some(fast));
    }
    let conv2d = layer_ms(&ad, [b, 576, 19, 19], true, iters, |x| {
        bn_relu(&m.bn4, m.conv4.forward(x))
    });
    let conv2d_fast = layer_ms(&ad, [b, 576, 19, 19], true, iters, |x| {
        fast_bn_relu(&m.bn4, valid_conv2d(x, &m.conv4))
    });
    row("conv2d 64@3×3 + BN + ReLU", conv2d, Some(conv2d_fast));
    let dense = layer_ms(&ad, [b, 64 * 17 * 17], true, iters, |x| {
        let h = m.dropout.forward(relu(m.fc1.forward(x)));
        let h = m.dropout.forward(relu(m.fc2.forward(h)));
        m.fc3.forward(h)
    });
    row("dense 18496→256→128→16", dense, None);
    // Batch norm + ReLU alone on each convolution's output: burn's layers against the fused op.
    for (name, bn, [c, d, h, w]) in [
        ("  of which BN + ReLU 8×24×23×23", &m.bn1, [8, 24, 23, 23]),
        ("  of which BN + ReLU 16×20×21×21", &m.bn2, [16, 20, 21, 21]),
        ("  of which BN + ReLU 32×18×19×19", &m.bn3, [32, 18, 19, 19]),
    ] {
        let plain = layer_ms(&ad, [b, c, d, h, w], true, iters, |x| bn_relu(bn, x));
        let fast = layer_ms(&ad, [b, c, d, h, w], true, iters, |x| fast_bn_relu(bn, x));
        row(name, plain, Some(fast));
    }

    // The MobileNets' two kinds of convolution, plain against `fast_conv2d`: depthwise (host
    // kernels) and pointwise (a matrix product).
    println!(
        "\nMobileNet and PlainCNN layers, batch {b}: milliseconds per batch (median of {iters})"
    );
    for (name, c, o, k, stride, hw) in [
        ("depthwise 3×3, 64 ch, 32×32", 64, 64, 3, 1, 32),
        ("depthwise 3×3 /2, 128 ch, 16×16", 128, 128, 3, 2, 16),
        ("depthwise 3×3, 512 ch, 4×4", 512, 512, 3, 1, 4),
        ("pointwise 64→128, 32×32", 64, 128, 1, 1, 32),
        ("pointwise 512→512, 4×4", 512, 512, 1, 1, 4),
        ("standard 3×3 32→64, 32×32", 32, 64, 3, 1, 32),
    ] {
        let p = k / 2;
        let conv = Conv2dConfig::new([c, o], [k, k])
            .with_groups(if name.starts_with("depthwise") { c } else { 1 })
            .with_stride([stride, stride])
            .with_padding(PaddingConfig2d::Explicit(p, p, p, p))
            .with_bias(false)
            .init(&ad);
        let plain = layer_ms(&ad, [b, c, hw, hw], true, iters, |x| conv.forward(x));
        let fast = layer_ms(&ad, [b, c, hw, hw], true, iters, |x| fast_conv2d(x, &conv));
        row(name, plain, Some(fast));
    }

    // MobileNetV1 block by block (depthwise + BN + ReLU, pointwise + BN + ReLU) and PlainCNN's
    // block of the same shape (a full 3×3 convolution + BN + ReLU), as the models train them.
    println!(
        "\nMobileNetV1 / PlainCNN blocks, batch {b}: fast forward / backward ms (median of {iters})"
    );
    let v1 = MobileNetV1Config::new().init(&ad);
    let plain_cnn = PlainCnnConfig::new().init(&ad);
    let (mut c, mut hw) = (32, 32);
    for (i, (block, plain_block)) in v1.blocks.iter().zip(&plain_cnn.blocks).enumerate() {
        let (o, stride) = MOBILENET_CFG[i];
        let (f, t) = layer_ms(&ad, [b, c, hw, hw], true, iters, |x| block.forward(x));
        let (pf, pt) = layer_ms(&ad, [b, c, hw, hw], true, iters, |x| plain_block.forward(x));
        println!(
            "block {:>2} {c:>4}→{o:<4} /{stride} {hw:>2}×{hw:<2}  V1 {f:>6.1} {:>6.1}   PlainCNN {pf:>6.1} {:>6.1}",
            i + 1,
            t - f,
            pt - pf
        );
        (c, hw) = (o, hw / stride);
    }

    // The whole step, phase by phase, on real Indian Pines patches.
    let scene = super::hsi::load_scene(&Opts::parse(&[])?)?;
    let cfg = HsiTrainConfig::new().with_batch_size(b);
    let prep = prepare(&scene, &cfg)?;
    let pixels: Vec<usize> = training_pixels(&prep, &cfg).into_iter().take(b).collect();
    let mut buf = Vec::new();
    let data = median_ms(iters, || {
        prep.padded.patch_batch(&pixels, prep.patch, &mut buf);
    });
    let labels: Vec<i64> = pixels.iter().map(|&p| prep.gt[p] as i64 - 1).collect();
    let x = Tensor::<5>::from_data(
        burn::tensor::TensorData::new(buf.clone(), [pixels.len(), 1, 30, 25, 25]),
        &ad,
    );
    let y = Tensor::<1, Int>::from_data(burn::tensor::TensorData::new(labels, [pixels.len()]), &ad);
    let loss_fn = burn::nn::loss::CrossEntropyLossConfig::new().init(&ad);
    for (name, fast) in [("plain", false), ("fast", true)] {
        let mut model = m.clone();
        let mut optim = FusedAdamConfig::new().init();
        let (mut f, mut bw, mut st, mut rb) = (vec![], vec![], vec![], vec![]);
        for i in 0..=iters {
            let t = Instant::now();
            let logits = if fast {
                model.forward(x.clone())
            } else {
                model.forward_plain(x.clone())
            };
            let loss = loss_fn.forward(logits, y.clone());
            let t1 = Instant::now();
            let grads = GradientsParams::from_grads(loss.clone().backward(), &model);
            let t2 = Instant::now();
            model = optim.step(1e-3, model, grads);
            let t3 = Instant::now();
            let _ = loss.into_data();
            let t4 = Instant::now();
            if i > 0 {
                let ms = |a: Instant, b: Instant| (b - a).as_secs_f64() * 1000.0;
                f.push(ms(t, t1));
                bw.push(ms(t1, t2));
                st.push(ms(t2, t3));
                rb.push(ms(t3, t4));
            }
        }
        let (f, bw, st, rb) = (median(f), median(bw), median(st), median(rb));
        let total = f + bw + st + rb + data;
        println!(
            "whole step ({name}): patches {data:.1} + forward {f:.1} + backward {bw:.1} + Adam \
             {st:.1} + read-back {rb:.1} = {total:.1} ms ({:.1} samples/s)",
            b as f64 * 1000.0 / total
        );
    }
    Ok(())
}
