//! `convlab bench`: throughput of a training step (forward + backward + Adam) and of
//! inference, per model, on the CPU backend and on native wgpu when an adapter exists.

use std::time::Instant;

use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Distribution, Int, Tensor};
use convlab::model::{
    HybridSnConfig, ImageClassifier, MobileNetV1Config, MobileNetV2Config, PlainCnnConfig,
};

use convlab::train::NativeHost;
use convlab::train::hsi::{HsiTrainConfig, Prepared, prepare, scene_map};

use super::Opts;

pub fn run(opts: &Opts) -> Result<(), String> {
    opts.only(&["quick", "iters"])?;
    let quick = opts.flag("quick");
    let iters: usize = opts.num("iters", if quick { 2 } else { 4 })?;
    let mut devices = vec![("cpu (flex)".to_string(), Device::flex())];
    match super::wgpu_device() {
        Ok(d) => devices.push(("wgpu".to_string(), d)),
        Err(e) => println!("# {e}"),
    }
    println!(
        "{:<12} {:<11} {:>6} {:>16} {:>16}",
        "model", "device", "batch", "train samples/s", "infer samples/s"
    );
    for (name, device) in &devices {
        let b = if quick { 4 } else { 16 };
        bench_image(name, device, "PlainCNN", b, iters, |d| {
            PlainCnnConfig::new().init(d)
        });
        bench_image(name, device, "MobileNetV1", b, iters, |d| {
            MobileNetV1Config::new().init(d)
        });
        bench_image(name, device, "MobileNetV2", b, iters, |d| {
            MobileNetV2Config::new().init(d)
        });
        bench_hybridsn(name, device, b, iters);
    }
    let scene = super::hsi::load_scene(opts)?;
    let prep = prepare(&scene, &HsiTrainConfig::new())?;
    for (i, (name, device)) in devices.iter().enumerate() {
        // The software wgpu adapter is far slower than the CPU; --quick skips its map.
        if i > 0 && quick {
            continue;
        }
        bench_map(name, device, &prep)?;
    }
    Ok(())
}

/// Seconds for HybridSN's whole-scene map of the bundled Indian Pines (21,025 pixels).
fn bench_map(dev_name: &str, device: &Device, prep: &Prepared) -> Result<(), String> {
    let model = HybridSnConfig::new()
        .with_bands(prep.padded.bands)
        .with_num_classes(prep.num_classes)
        .init(device);
    let mut host = NativeHost::new(|_| {});
    let t = Instant::now();
    let map = pollster::block_on(scene_map(&mut host, &model, prep, false))?;
    let secs = t.elapsed().as_secs_f64();
    println!(
        "HybridSN full-scene map on {dev_name}: {}×{} = {} pixels in {secs:.2} s ({:.0} pixels/s)",
        prep.height,
        prep.width,
        map.len(),
        map.len() as f64 / secs
    );
    Ok(())
}

fn time<F: FnMut()>(iters: usize, mut f: F) -> f64 {
    f(); // warm-up (kernel compilation, allocation)
    let t = Instant::now();
    for _ in 0..iters {
        f();
    }
    t.elapsed().as_secs_f64() / iters as f64
}

fn bench_image<M, F>(dev_name: &str, device: &Device, name: &str, b: usize, iters: usize, make: F)
where
    M: ImageClassifier,
    F: Fn(&Device) -> M,
{
    let ad = device.clone().autodiff();
    let mut model = make(&ad);
    let mut optim = AdamConfig::new().init();
    let loss_fn = CrossEntropyLossConfig::new().init(&ad);
    let x = Tensor::<4>::random([b, 3, 32, 32], Distribution::Normal(0.0, 1.0), &ad);
    let y = Tensor::<1, Int>::random([b], Distribution::Uniform(0.0, 10.0), &ad);
    let train = time(iters, || {
        let loss = loss_fn.forward(model.logits(x.clone()), y.clone());
        let grads = GradientsParams::from_grads(loss.clone().backward(), &model);
        model = optim.step(1e-3, model.clone(), grads);
        let _ = loss.into_scalar::<f32>();
    });
    let eval = model.valid();
    let xi = Tensor::<4>::random([b, 3, 32, 32], Distribution::Normal(0.0, 1.0), device);
    let infer = time(iters, || {
        let _ = eval.logits(xi.clone()).into_data();
    });
    println!(
        "{name:<12} {dev_name:<11} {b:>6} {:>16.1} {:>16.1}",
        b as f64 / train,
        b as f64 / infer
    );
}

fn bench_hybridsn(dev_name: &str, device: &Device, b: usize, iters: usize) {
    let ad = device.clone().autodiff();
    let mut model = HybridSnConfig::new().init(&ad);
    let mut optim = AdamConfig::new().init();
    let loss_fn = CrossEntropyLossConfig::new().init(&ad);
    let x = Tensor::<5>::random([b, 1, 30, 25, 25], Distribution::Normal(0.0, 1.0), &ad);
    let y = Tensor::<1, Int>::random([b], Distribution::Uniform(0.0, 16.0), &ad);
    let train = time(iters, || {
        let loss = loss_fn.forward(model.forward(x.clone()), y.clone());
        let grads = GradientsParams::from_grads(loss.clone().backward(), &model);
        model = optim.step(1e-3, model.clone(), grads);
        let _ = loss.into_scalar::<f32>();
    });
    let eval = model.valid();
    let xi = Tensor::<5>::random([b, 1, 30, 25, 25], Distribution::Normal(0.0, 1.0), device);
    let infer = time(iters, || {
        let _ = eval.forward(xi.clone()).into_data();
    });
    println!(
        "{:<12} {dev_name:<11} {b:>6} {:>16.1} {:>16.1}",
        "HybridSN",
        b as f64 / train,
        b as f64 / infer
    );
    let _ = Module::num_params(&eval);
}
