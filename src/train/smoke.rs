//! The worker smoke run: a few Adam steps of a CIFAR-10 model on random data, streaming each
//! loss. It proves the training path (autodiff, optimiser, read-back) on the current device.

use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::GradientsParams;
use burn::tensor::{Device, Distribution, Int, Tensor};

use super::optim::FusedAdamConfig;
use super::{Event, Host, Meter, TrainError, read_f32, should_stop};
use crate::model::{
    ImageClassifier, MobileNetV1Config, MobileNetV2Config, ModelKind, PlainCnnConfig,
};

/// Runs `steps` Adam steps of `kind` (a CIFAR model) on random batches of `batch` images.
/// Returns the losses (fewer when stopped early).
pub async fn smoke_run<H: Host>(
    host: &mut H,
    device: &Device,
    kind: ModelKind,
    steps: usize,
    batch: usize,
) -> Result<Vec<f32>, TrainError> {
    let d = device.clone().autodiff();
    match kind {
        ModelKind::MobileNetV1 => {
            run(host, &d, MobileNetV1Config::new().init(&d), steps, batch).await
        }
        ModelKind::MobileNetV2 => {
            run(host, &d, MobileNetV2Config::new().init(&d), steps, batch).await
        }
        ModelKind::PlainCnn => run(host, &d, PlainCnnConfig::new().init(&d), steps, batch).await,
        ModelKind::HybridSn => Err(TrainError::SmokeNeedsCifar),
    }
}

async fn run<H: Host, M: ImageClassifier>(
    host: &mut H,
    d: &Device,
    mut model: M,
    steps: usize,
    batch: usize,
) -> Result<Vec<f32>, TrainError> {
    let mut optim = FusedAdamConfig::new().init();
    let loss_fn = CrossEntropyLossConfig::new().init(d);
    let meter = Meter::new(host.now_ms(), steps * batch);
    let mut losses = Vec::with_capacity(steps);
    for step in 0..steps {
        if should_stop(host).await {
            break;
        }
        let x = Tensor::<4>::random([batch, 3, 32, 32], Distribution::Normal(0.0, 1.0), d);
        let y = Tensor::<1, Int>::random([batch], Distribution::Uniform(0.0, 10.0), d);
        let loss = loss_fn.forward(model.logits(x), y);
        let grads = GradientsParams::from_grads(loss.clone().backward(), &model);
        model = optim.step(1e-3, model, grads);
        let value = read_f32(loss, "the loss").await?[0];
        if !value.is_finite() {
            return Err(TrainError::SmokeLoss {
                value,
                step: step + 1,
            });
        }
        losses.push(value);
        host.emit(Event::Loss {
            step: step + 1,
            loss: value,
        });
        host.emit(meter.event(host.now_ms(), (step + 1) * batch));
    }
    Ok(losses)
}
