//! Training loops, evaluation and whole-scene inference, written once as `async` code over a
//! [`Host`]: the browser worker awaits GPU read-backs and yields to its event loop between
//! steps; the native CLI runs the same futures with `pollster::block_on`.

pub mod bench;
pub mod cifar;
mod error;
pub mod hsi;
pub mod optim;
pub mod smoke;
pub mod weights;

pub use error::{Misfit, TrainError};

use burn::nn::loss::{CrossEntropyLoss, CrossEntropyLossConfig};
use burn::tensor::Device;
use serde::{Deserialize, Serialize};

/// Refuses a label smoothing ε outside [0, 1), in words.
pub fn check_label_smoothing(eps: f32) -> Result<(), TrainError> {
    if (0.0..1.0).contains(&eps) {
        Ok(())
    } else {
        Err(TrainError::LabelSmoothing(eps))
    }
}

/// The training cross-entropy: plain at ε = 0, with smoothed targets above.
pub fn training_loss(label_smoothing: f32, device: &Device) -> CrossEntropyLoss {
    let smoothing = (label_smoothing > 0.0).then_some(label_smoothing);
    CrossEntropyLossConfig::new()
        .with_smoothing(smoothing)
        .init(device)
}

/// What the host asks of a running job, checked between steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    Run,
    Pause,
    Stop,
}

/// Events a job reports while it runs (plain numbers; the worker forwards them to the UI).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Event {
    /// One optimisation step's loss.
    Loss { step: usize, loss: f32 },
    /// Work done out of total (samples or pixels), with throughput and time left.
    Progress {
        done: usize,
        total: usize,
        rate: f64,
        eta_s: f64,
    },
    /// An epoch finished.
    Epoch(hsi::EpochMetrics),
    /// Rows `row0 .. row0 + rows` of the classification map (1-based labels, row-major).
    MapRows {
        row0: usize,
        rows: usize,
        labels: Vec<u16>,
    },
    /// The weights file (f32) after `epoch` completed, for hosts that keep checkpoints.
    Checkpoint { epoch: usize, weights: Vec<u8> },
}

/// The environment a job runs in: where events go, how to read the controls, how to wait.
#[allow(async_fn_in_trait)]
pub trait Host {
    fn emit(&mut self, event: Event);
    fn control(&self) -> Control;
    /// Milliseconds from an arbitrary origin (`performance.now()` in the browser).
    fn now_ms(&self) -> f64;
    /// Let the event loop run (so pause/stop messages arrive); a no-op natively.
    async fn yield_now(&self);
    /// Wait a little while paused.
    async fn pause_tick(&self);
    /// Whether to emit [`Event::Checkpoint`] after each epoch (a copy of the weights that
    /// outlives a lost GPU device).
    fn wants_checkpoints(&self) -> bool {
        false
    }
}

/// Whether every float parameter of `module` is finite, with one read-back (the sum of each
/// parameter's sum: a NaN or an infinity anywhere makes it non-finite). A non-finite weight
/// from the last optimiser step of an epoch shows in none of that epoch's losses, which are
/// computed before each step.
pub async fn weights_finite<M: burn::module::Module>(module: &M) -> Result<bool, TrainError> {
    use burn::module::{ModuleVisitor, Param};
    use burn::tensor::Tensor;
    struct Sums(Vec<Tensor<1>>);
    impl ModuleVisitor for Sums {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            self.0.push(param.val().detach().sum());
        }
    }
    let mut sums = Sums(Vec::new());
    module.visit(&mut sums);
    if sums.0.is_empty() {
        return Ok(true);
    }
    let total = Tensor::cat(sums.0, 0).sum();
    Ok(read_f32(total, "the weights").await?[0].is_finite())
}

/// Reads a tensor back as `f32` values: the one read-back allowed on wasm (async). `what`
/// names it in the error ("the feature maps", "a tensor").
pub async fn read_f32<const D: usize>(
    t: burn::tensor::Tensor<D>,
    what: &str,
) -> Result<Vec<f32>, TrainError> {
    t.into_data_async()
        .await
        .map_err(|e| TrainError::ReadBack {
            what: what.to_string(),
            detail: format!("{e:?}"),
        })?
        .convert::<f32>()
        .try_to_vec::<f32>()
        .map_err(|e| TrainError::Convert(format!("{e:?}")))
}

/// Reads an integer tensor back as `i64` values (see [`read_f32`]).
pub async fn read_i64<const D: usize>(
    t: burn::tensor::Tensor<D, burn::tensor::Int>,
    what: &str,
) -> Result<Vec<i64>, TrainError> {
    t.into_data_async()
        .await
        .map_err(|e| TrainError::ReadBack {
            what: what.to_string(),
            detail: format!("{e:?}"),
        })?
        .convert::<i64>()
        .try_to_vec::<i64>()
        .map_err(|e| TrainError::Convert(format!("{e:?}")))
}

/// One optimiser step on a batch whose `logits` the model gave: the loss (a non-finite one
/// is refused in words, naming `epoch` and `step`, before any update), backward, the update at
/// learning rate `lr`; returns the updated model, the loss and the predicted classes. The
/// training loops of every lab take their steps here.
pub struct Step<'a> {
    pub loss_fn: &'a CrossEntropyLoss,
    pub lr: f64,
    /// The epoch (1-based), the step within it (1-based) and the steps an epoch.
    pub epoch: usize,
    pub step: usize,
    pub steps_per_epoch: usize,
    /// Whether a refusal says the weights of the previous step are kept (see
    /// [`TrainError::LossDiverged`]).
    pub previous_kept: bool,
}

impl Step<'_> {
    pub async fn run<M: burn::module::Module>(
        &self,
        model: M,
        optim: &mut burn::optim::ModuleOptimizer,
        logits: burn::tensor::Tensor<2>,
        targets: burn::tensor::Tensor<1, burn::tensor::Int>,
    ) -> Result<(M, f32, Vec<i64>), TrainError> {
        let pred = logits.clone().argmax(1).flatten::<1>(0, 1);
        let loss = self.loss_fn.forward(logits, targets);
        let value = read_f32(loss.clone(), "a tensor").await?[0];
        if !value.is_finite() {
            return Err(TrainError::LossDiverged {
                value,
                epoch: self.epoch,
                step: self.step,
                steps_per_epoch: self.steps_per_epoch,
                previous_kept: self.previous_kept,
            });
        }
        let grads = burn::optim::GradientsParams::from_grads(loss.backward(), &model);
        let model = optim.step(self.lr, model, grads);
        Ok((model, value, read_i64(pred, "a tensor").await?))
    }
}

/// One epoch's running totals: its steps' losses and correct predictions, and what the host is
/// told after each step.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    loss_sum: f64,
    correct: usize,
    seen: usize,
}

impl Tally {
    /// Adds a step of `samples` samples with mean loss `loss`, `correct` of them right, and
    /// reports it: the step's loss and the job's progress (`done` samples of the meter's).
    pub fn add<H: Host>(
        &mut self,
        host: &mut H,
        meter: &Meter,
        (step, done): (usize, usize),
        samples: usize,
        loss: f32,
        correct: usize,
    ) {
        self.loss_sum += loss as f64 * samples as f64;
        self.correct += correct;
        self.seen += samples;
        host.emit(Event::Loss { step, loss });
        host.emit(meter.event(host.now_ms(), done));
    }

    /// The epoch's metrics: mean loss and training accuracy from the tally.
    pub fn metrics(
        &self,
        epoch: usize,
        train_seconds: f64,
        val_acc: Option<f64>,
        test_acc: Option<f64>,
    ) -> crate::data::EpochMetrics {
        crate::data::EpochMetrics {
            epoch,
            loss: self.loss_sum / self.seen.max(1) as f64,
            train_acc: self.correct as f64 / self.seen.max(1) as f64,
            val_acc,
            test_acc,
            train_seconds,
            samples_per_s: self.seen as f64 / train_seconds.max(1e-9),
        }
    }
}

/// Waits while paused; returns `true` when the job must stop.
pub async fn should_stop<H: Host>(host: &H) -> bool {
    host.yield_now().await;
    loop {
        match host.control() {
            Control::Run => return false,
            Control::Stop => return true,
            Control::Pause => host.pause_tick().await,
        }
    }
}

/// Tracks throughput and time left for a job of `total` units.
#[derive(Debug, Clone)]
pub struct Meter {
    start_ms: f64,
    total: usize,
}

impl Meter {
    pub fn new(start_ms: f64, total: usize) -> Self {
        Self { start_ms, total }
    }

    pub fn event(&self, now_ms: f64, done: usize) -> Event {
        let secs = ((now_ms - self.start_ms) / 1000.0).max(1e-9);
        let rate = done as f64 / secs;
        let left = self.total.saturating_sub(done) as f64;
        Event::Progress {
            done,
            total: self.total,
            rate,
            eta_s: if rate > 0.0 {
                left / rate
            } else {
                f64::INFINITY
            },
        }
    }
}

/// A host for native runs: prints nothing, never pauses, measures wall time.
#[cfg(not(target_arch = "wasm32"))]
pub struct NativeHost<F: FnMut(Event)> {
    start: std::time::Instant,
    pub on_event: F,
}

#[cfg(not(target_arch = "wasm32"))]
impl<F: FnMut(Event)> NativeHost<F> {
    pub fn new(on_event: F) -> Self {
        Self {
            start: std::time::Instant::now(),
            on_event,
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl<F: FnMut(Event)> Host for NativeHost<F> {
    fn emit(&mut self, event: Event) {
        (self.on_event)(event)
    }
    fn control(&self) -> Control {
        Control::Run
    }
    fn now_ms(&self) -> f64 {
        self.start.elapsed().as_secs_f64() * 1000.0
    }
    async fn yield_now(&self) {}
    async fn pause_tick(&self) {}
}
