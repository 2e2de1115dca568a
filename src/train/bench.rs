//! Timed training and inference steps on the current device: `convlab bench` prints them and
//! the app's device check ("Will this machine do?") shows them with the time each lab's
//! default run would take.
//!
//! A training step is what the labs run: forward, cross-entropy, backward and Adam, with the
//! loss read back. Inference is a forward pass of the eval-mode model with its logits read back.

use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::GradientsParams;
use burn::tensor::{Device, Distribution, Int, Tensor};
use serde::{Deserialize, Serialize};

use super::cifar::CifarNet;
use super::hsi::{strip_budget, strip_rows};
use super::optim::FusedAdamConfig;
use super::{Host, TrainError, read_f32, read_i64};
use crate::model::{HybridSn, HybridSnConfig, ModelKind};

/// One model at one width and batch size.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BenchCase {
    pub model: ModelKind,
    /// Channel width multiplier of the CIFAR-10 models (HybridSN: 1).
    pub width: f64,
    pub batch: usize,
}

/// Samples per second of a case.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Throughput {
    pub case: BenchCase,
    pub train_per_s: f64,
    pub infer_per_s: f64,
}

/// What a timed model needs: a batch of random inputs and its logits.
trait Benched: Module {
    fn input(&self, batch: usize, device: &Device) -> Tensor<2>;
    fn logits(&self, flat: Tensor<2>) -> Tensor<2>;
    fn classes(&self) -> usize;
}

impl Benched for CifarNet {
    fn input(&self, batch: usize, device: &Device) -> Tensor<2> {
        Tensor::random([batch, 3 * 32 * 32], Distribution::Normal(0.0, 1.0), device)
    }
    fn logits(&self, flat: Tensor<2>) -> Tensor<2> {
        let b = flat.dims()[0];
        self.forward(flat.reshape([b, 3, 32, 32]))
    }
    fn classes(&self) -> usize {
        10
    }
}

impl Benched for HybridSn {
    fn input(&self, batch: usize, device: &Device) -> Tensor<2> {
        let n = self.bands * self.patch * self.patch;
        Tensor::random([batch, n], Distribution::Normal(0.0, 1.0), device)
    }
    fn logits(&self, flat: Tensor<2>) -> Tensor<2> {
        let b = flat.dims()[0];
        self.forward(flat.reshape([b, 1, self.bands, self.patch, self.patch]))
    }
    fn classes(&self) -> usize {
        self.fc3.weight.lazy_shape().dims::<2>()[1]
    }
}

/// The median of some timings (milliseconds).
pub fn median(mut ms: Vec<f64>) -> f64 {
    ms.sort_by(f64::total_cmp);
    ms.get(ms.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Times `iters` training steps and `iters` inference batches (medians) of `case` after one warm-up
/// each (kernel compilation, first allocations).
pub async fn throughput<H: Host>(
    host: &mut H,
    device: &Device,
    case: BenchCase,
    iters: usize,
) -> Result<Throughput, TrainError> {
    let ad = device.clone().autodiff();
    match case.model {
        ModelKind::HybridSn => {
            let model = HybridSnConfig::new().init(&ad);
            time_model(host, device, model, case, iters).await
        }
        kind => {
            let model = CifarNet::init(kind, case.width, &ad)?;
            time_model(host, device, model, case, iters).await
        }
    }
}

async fn time_model<H: Host, M: Benched>(
    host: &mut H,
    device: &Device,
    mut model: M,
    case: BenchCase,
    iters: usize,
) -> Result<Throughput, TrainError> {
    let ad = device.clone().autodiff();
    let b = case.batch.max(1);
    let iters = iters.max(1);
    let mut optim = FusedAdamConfig::new().init();
    let loss_fn = CrossEntropyLossConfig::new().init(&ad);
    let x = model.input(b, &ad);
    let classes = model.classes() as f64;
    let y = Tensor::<1, Int>::random([b], Distribution::Uniform(0.0, classes), &ad);
    let mut train_ms = Vec::with_capacity(iters);
    for i in 0..=iters {
        host.yield_now().await;
        let t = host.now_ms();
        let loss = loss_fn.forward(model.logits(x.clone()), y.clone());
        let grads = GradientsParams::from_grads(loss.clone().backward(), &model);
        model = optim.step(1e-3, model, grads);
        let v = read_f32(loss, "the loss").await?[0];
        if !v.is_finite() {
            return Err(TrainError::BenchLoss(v));
        }
        if i > 0 {
            train_ms.push(host.now_ms() - t);
        }
    }
    let eval = model.valid();
    let xi = eval.input(b, device);
    let mut infer_ms = Vec::with_capacity(iters);
    for i in 0..=iters {
        host.yield_now().await;
        let t = host.now_ms();
        read_f32(eval.logits(xi.clone()), "the logits").await?;
        if i > 0 {
            infer_ms.push(host.now_ms() - t);
        }
    }
    Ok(Throughput {
        case,
        train_per_s: b as f64 / (median(train_ms) / 1000.0).max(1e-9),
        infer_per_s: b as f64 / (median(infer_ms) / 1000.0).max(1e-9),
    })
}

/// Seconds a whole-scene map of a `height × width` scene would take with HybridSN's default
/// settings on `device`: one strip of random values mapped twice (the first time includes
/// WebGPU's shader compilation, as a real map's first strip does), times the strips.
pub async fn map_seconds<H: Host>(
    host: &mut H,
    device: &Device,
    height: usize,
    width: usize,
) -> Result<f64, TrainError> {
    let cfg = HybridSnConfig::new();
    let model = cfg.init(device);
    let (k, p) = (cfg.bands, cfg.patch);
    let rows = strip_rows(width, p, strip_budget(device)).min(height.max(1));
    let x = Tensor::<5>::random(
        [1, 1, k, rows + p - 1, width + p - 1],
        Distribution::Normal(0.0, 1.0),
        device,
    );
    let mut ms = [0.0; 2];
    for m in &mut ms {
        host.yield_now().await;
        let t = host.now_ms();
        let labels = model.scene_logits(x.clone()).argmax(1).flatten::<1>(0, 1);
        read_i64(labels, "the map's labels").await?;
        *m = host.now_ms() - t;
    }
    let strips = height.div_ceil(rows.max(1));
    Ok((ms[0] + ms[1] * strips.saturating_sub(1) as f64) / 1000.0)
}
