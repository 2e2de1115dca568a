//! CIFAR-10 training: PlainCNN, MobileNetV1 or MobileNetV2 (with a width multiplier) on
//! CIFAR records, with random-crop + flip augmentation, Adam (optionally with decoupled
//! weight decay), a constant or cosine learning rate with warm-up, label smoothing, per-epoch
//! accuracy in eval mode on a validation share held out of the training images (never on the
//! test images: no epoch or recipe is chosen on them), and the final evaluation on the test
//! images (per-class accuracy, confusion matrix, top-3 predictions of every test image).

pub use crate::config::{CifarTrainConfig, LrSchedule};

use burn::module::Module;
use burn::tensor::activation::softmax;
use burn::tensor::{Device, Int, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use super::optim::FusedAdamConfig;
use super::{Event, Host, Meter, TrainError, read_f32, should_stop};
use crate::data::{
    Augment, CIFAR10_CLASSES, CifarSet, Confusion, Rng, Split, batch_f32, hold_out_validation,
};
use crate::model::{
    MobileNetV1, MobileNetV1Config, MobileNetV2, MobileNetV2Config, ModelKind, ModelSummary,
    PlainCnn, PlainCnnConfig,
};

/// The shipped weights (`public/weights/`, listed in the same order in `cifar_index.json`):
/// each model ×0.25 trained natively with [`CifarTrainConfig::recipe`].
pub const SHIPPED_FILES: [(ModelKind, &str); 3] = [
    (ModelKind::PlainCnn, "cifar_plaincnn_w025.clw"),
    (ModelKind::MobileNetV1, "cifar_mobilenetv1_w025.clw"),
    (ModelKind::MobileNetV2, "cifar_mobilenetv2_w025.clw"),
];

/// The shipped weights file of `kind`, if it has one.
pub fn shipped_file(kind: ModelKind) -> Option<&'static str> {
    SHIPPED_FILES
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, f)| *f)
}

impl CifarTrainConfig {
    /// The settings a weights file records (see [`super::weights::recorded_settings`]): files
    /// written before validation existed trained on every image, with no validation share.
    pub fn recorded(preprocessing: &serde_json::Value) -> Result<Self, TrainError> {
        super::weights::recorded_settings(
            &Self::new(),
            serde_json::json!({ "val_fraction": 0.0 }),
            preprocessing,
        )
    }

    /// Checks the settings, in words.
    pub fn check(&self) -> Result<(), TrainError> {
        if !matches!(
            self.model,
            ModelKind::PlainCnn | ModelKind::MobileNetV1 | ModelKind::MobileNetV2
        ) {
            return Err(TrainError::NotCifarModel(self.model));
        }
        if !(self.width > 0.0 && self.width <= 4.0) {
            return Err(TrainError::Width(self.width));
        }
        if self.epochs == 0 || self.batch_size == 0 {
            return Err(TrainError::NoEpochsOrBatch);
        }
        if !(self.lr > 0.0 && self.lr.is_finite()) {
            return Err(TrainError::LearningRate(self.lr));
        }
        super::check_label_smoothing(self.label_smoothing)?;
        if !(self.weight_decay >= 0.0 && self.weight_decay.is_finite()) {
            return Err(TrainError::WeightDecay);
        }
        if !(0.0..=0.5).contains(&self.val_fraction) {
            return Err(TrainError::ValidationShare(self.val_fraction));
        }
        Ok(())
    }

    /// The learning rate at optimiser step `step` (0-based) of `total`, with
    /// `steps_per_epoch` steps per epoch (for the warm-up).
    pub fn lr_at(&self, step: usize, total: usize, steps_per_epoch: usize) -> f64 {
        let warm = self.warmup_epochs * steps_per_epoch;
        if step < warm {
            let t = (step + 1) as f64 / warm as f64;
            return self.lr * (0.1 + 0.9 * t);
        }
        match self.schedule {
            LrSchedule::Constant => self.lr,
            LrSchedule::Cosine => {
                let span = total.saturating_sub(warm).max(1) as f64;
                let t = ((step - warm) as f64 / span).min(1.0);
                self.lr * 0.5 * (1.0 + (std::f64::consts::PI * t).cos())
            }
        }
    }
}

/// One of the three CIFAR-10 models.
// One model lives per run; boxing the variants would only add indirection to the module tree.
#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
pub enum CifarNet {
    Plain(PlainCnn),
    V1(MobileNetV1),
    V2(MobileNetV2),
}

impl CifarNet {
    /// A freshly initialised model of `kind` with `width` (10 classes).
    pub fn init(kind: ModelKind, width: f64, device: &Device) -> Result<CifarNet, TrainError> {
        Ok(match kind {
            ModelKind::PlainCnn => {
                CifarNet::Plain(PlainCnnConfig::new().with_width(width).init(device))
            }
            ModelKind::MobileNetV1 => {
                CifarNet::V1(MobileNetV1Config::new().with_width(width).init(device))
            }
            ModelKind::MobileNetV2 => {
                CifarNet::V2(MobileNetV2Config::new().with_width(width).init(device))
            }
            ModelKind::HybridSn => return Err(TrainError::NotCifarModel(kind)),
        })
    }

    /// # Shapes
    /// - input: `[batch, 3, 32, 32]`
    /// - output: `[batch, 10]`
    pub fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        match self {
            CifarNet::Plain(m) => m.forward(x),
            CifarNet::V1(m) => m.forward(x),
            CifarNet::V2(m) => m.forward(x),
        }
    }

    /// Every layer's output, named as in [`Self::summary`] (the Models page walkthrough).
    pub fn activations(&self, x: Tensor<4>) -> crate::model::Activations {
        match self {
            CifarNet::Plain(m) => m.activations(x),
            CifarNet::V1(m) => m.activations(x),
            CifarNet::V2(m) => m.activations(x),
        }
    }

    pub fn kind(&self) -> ModelKind {
        match self {
            CifarNet::Plain(_) => ModelKind::PlainCnn,
            CifarNet::V1(_) => ModelKind::MobileNetV1,
            CifarNet::V2(_) => ModelKind::MobileNetV2,
        }
    }

    /// Layer table, parameters and multiply-adds.
    pub fn summary(&self) -> ModelSummary {
        match self {
            CifarNet::Plain(m) => m.summary(),
            CifarNet::V1(m) => m.summary(),
            CifarNet::V2(m) => m.summary(),
        }
    }

    fn device(&self) -> Device {
        let mut devices = self.devices();
        devices.pop().unwrap_or_else(Device::flex)
    }
}

pub use crate::data::EpochMetrics;

/// Accuracy, per-class accuracy, confusion matrix and every test image's top-3 predictions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CifarEvaluation {
    pub accuracy: f64,
    pub per_class: Vec<Option<f64>>,
    /// Row = true class, column = predicted, 10 × 10.
    pub confusion: Vec<u64>,
    /// Top-3 classes of each test image, most probable first.
    pub top3: Vec<[u8; 3]>,
    /// Their softmax probabilities.
    pub top3_prob: Vec<[f32; 3]>,
    /// Test images scored.
    pub images: usize,
    /// Inference samples per second.
    pub samples_per_s: f64,
}

/// What a run leaves: the model (eval mode), its history, its last validation accuracy and the
/// final evaluation on the test images.
pub struct CifarTrained {
    pub model: CifarNet,
    pub history: Vec<EpochMetrics>,
    /// Images trained on (the validation share not included).
    pub train_images: usize,
    /// Accuracy on the validation images after the last epoch, and their count (None without a
    /// validation share).
    pub validation: Option<(f64, usize)>,
    pub evaluation: CifarEvaluation,
    pub stopped: bool,
    /// Wall-clock seconds of the whole run.
    pub seconds: f64,
}

fn images_tensor(
    set: &CifarSet,
    idx: &[usize],
    aug: &[Augment],
    buf: &mut Vec<f32>,
    d: &Device,
) -> Tensor<4> {
    batch_f32(set, idx, |k| aug.get(k).copied().unwrap_or_default(), buf);
    Tensor::<4>::from_data(
        TensorData::new(std::mem::take(buf), [idx.len(), 3, 32, 32]),
        d,
    )
}

/// Trains a CIFAR-10 model on `train`, evaluating on `test`. Emits losses, progress and
/// per-epoch metrics; stops cleanly (keeping the weights so far) when the host asks; refuses a
/// non-finite loss naming the epoch and step.
pub async fn train_cifar<H: Host>(
    host: &mut H,
    device: &Device,
    train: &CifarSet,
    test: &CifarSet,
    cfg: &CifarTrainConfig,
    start: Option<CifarNet>,
) -> Result<CifarTrained, TrainError> {
    cfg.check()?;
    if train.is_empty() {
        return Err(TrainError::NoTrainingImages);
    }
    let t_start = host.now_ms();
    let ad = device.clone().autodiff();
    // The run's seed also seeds the weights, so the same settings train the same run (as in
    // the hyperspectral lab; the backend's generator is process-wide).
    ad.seed(cfg.seed);
    let mut model = match start {
        Some(m) => m.fork(&ad).train(),
        None => CifarNet::init(cfg.model, cfg.width, &ad)?,
    };
    let mut optim = FusedAdamConfig::new()
        .with_decoupled_weight_decay(Some(cfg.weight_decay))
        .init();
    let loss_fn = super::training_loss(cfg.label_smoothing, &ad);
    let (mut order, val_idx) = training_and_validation(train, cfg);
    if order.is_empty() {
        return Err(TrainError::NoTrainingImagesLeft);
    }
    let n_train = order.len();
    let test_idx: Vec<usize> = (0..if cfg.max_test > 0 {
        cfg.max_test.min(test.len())
    } else {
        test.len()
    })
        .collect();
    let bs = cfg.batch_size;
    let steps_per_epoch = n_train.div_ceil(bs);
    let total_steps = (cfg.epochs * steps_per_epoch).max(1);
    let meter = Meter::new(host.now_ms(), cfg.epochs * n_train);
    let mut rng = Rng::new(cfg.seed ^ 0xc1fa_5eed);
    let mut buf = Vec::new();
    let mut history = Vec::new();
    let (mut done, mut step, mut stopped) = (0usize, 0usize, false);
    'epochs: for epoch in 1..=cfg.epochs {
        let t0 = host.now_ms();
        rng.shuffle(&mut order);
        let mut tally = super::Tally::default();
        for (i, chunk) in order.chunks(bs).enumerate() {
            if should_stop(host).await {
                stopped = true;
                break 'epochs;
            }
            let aug: Vec<Augment> = chunk
                .iter()
                .map(|_| {
                    if cfg.crop {
                        Augment::random(&mut rng, 4, cfg.flip)
                    } else {
                        Augment {
                            flip: cfg.flip && rng.below(2) == 1,
                            ..Augment::default()
                        }
                    }
                })
                .collect();
            let x = images_tensor(train, chunk, &aug, &mut buf, &ad);
            let labels: Vec<i64> = chunk.iter().map(|&j| train.labels[j] as i64).collect();
            let y =
                Tensor::<1, Int>::from_data(TensorData::new(labels.clone(), [chunk.len()]), &ad);
            let logits = model.forward(x);
            let at = super::Step {
                loss_fn: &loss_fn,
                lr: cfg.lr_at(step, total_steps, steps_per_epoch),
                epoch,
                step: i + 1,
                steps_per_epoch,
                previous_kept: true,
            };
            let (updated, loss, pred) = at.run(model, &mut optim, logits, y).await?;
            model = updated;
            let correct = pred.iter().zip(&labels).filter(|(p, l)| p == l).count();
            step += 1;
            done += chunk.len();
            tally.add(host, &meter, (step, done), chunk.len(), loss, correct);
        }
        if !super::weights_finite(&model).await? {
            return Err(TrainError::NonFiniteWeights {
                epoch,
                steps: steps_per_epoch,
            });
        }
        let train_seconds = (host.now_ms() - t0) / 1000.0;
        let due = cfg.val_every > 0 && epoch % cfg.val_every == 0;
        let val_acc = if !val_idx.is_empty() && (due || epoch == cfg.epochs) {
            Some(
                evaluate(host, &model.valid(), train, &val_idx)
                    .await?
                    .accuracy,
            )
        } else {
            None
        };
        let m = tally.metrics(epoch, train_seconds, val_acc, None);
        if epoch < cfg.epochs {
            host.emit(Event::Epoch(m.clone()));
        }
        history.push(m);
    }
    let model = model.valid();
    // A stopped run is validated once more, so its weights come with a validation score.
    let validation = match history.last().and_then(|m| m.val_acc) {
        Some(acc) if !stopped => Some((acc, val_idx.len())),
        _ if val_idx.is_empty() => None,
        _ => Some((
            evaluate(host, &model, train, &val_idx).await?.accuracy,
            val_idx.len(),
        )),
    };
    let evaluation = evaluate(host, &model, test, &test_idx).await?;
    if let Some(last) = history.last()
        && (!stopped || last.epoch == cfg.epochs)
    {
        host.emit(Event::Epoch(last.clone()));
    }
    Ok(CifarTrained {
        model,
        history,
        train_images: n_train,
        validation,
        evaluation,
        stopped,
        seconds: (host.now_ms() - t_start) / 1000.0,
    })
}

/// The training images a run uses (at most `max_train`, in the set's order) split into the
/// images it trains on and a stratified validation share of each class ([`hold_out_validation`],
/// the rule the hyperspectral lab uses), drawn with the run's seed.
pub fn training_and_validation(
    train: &CifarSet,
    cfg: &CifarTrainConfig,
) -> (Vec<usize>, Vec<usize>) {
    let mut idx: Vec<usize> = (0..train.len()).collect();
    if cfg.max_train > 0 && idx.len() > cfg.max_train {
        idx.truncate(cfg.max_train);
    }
    // Labels 1..=10 as the split's ground truth (0 would mean "unlabelled").
    let gt: Vec<u16> = train.labels.iter().map(|&l| l as u16 + 1).collect();
    let split = Split {
        train: idx,
        ..Split::default()
    };
    let split = hold_out_validation(
        split,
        &gt,
        CIFAR10_CLASSES.len(),
        cfg.val_fraction,
        cfg.seed,
    );
    (split.train, split.validation)
}

/// Batch size of evaluation.
pub const EVAL_BATCH: usize = 100;

/// Scores `model` (eval mode) on test images `idx`: accuracy, confusion, top-3.
pub async fn evaluate<H: Host>(
    host: &mut H,
    model: &CifarNet,
    test: &CifarSet,
    idx: &[usize],
) -> Result<CifarEvaluation, TrainError> {
    let device = model.device();
    let t0 = host.now_ms();
    let mut conf = Confusion::new(CIFAR10_CLASSES.len());
    let mut top3 = Vec::with_capacity(idx.len());
    let mut top3_prob = Vec::with_capacity(idx.len());
    let mut buf = Vec::new();
    for chunk in idx.chunks(EVAL_BATCH) {
        let x = images_tensor(test, chunk, &[], &mut buf, &device);
        let probs = softmax(model.forward(x), 1);
        let probs = read_f32(probs.flatten::<1>(0, 1), "a tensor").await?;
        for (row, &i) in probs.chunks_exact(10).zip(chunk) {
            let mut order: Vec<usize> = (0..10).collect();
            order.sort_by(|&a, &b| row[b].total_cmp(&row[a]));
            conf.add(test.labels[i] as usize, order[0]);
            top3.push([order[0] as u8, order[1] as u8, order[2] as u8]);
            top3_prob.push([row[order[0]], row[order[1]], row[order[2]]]);
        }
        host.yield_now().await;
    }
    let secs = ((host.now_ms() - t0) / 1000.0).max(1e-9);
    Ok(CifarEvaluation {
        accuracy: conf.overall_accuracy(),
        per_class: conf.per_class_accuracy(),
        confusion: conf.counts.clone(),
        top3,
        top3_prob,
        images: idx.len(),
        samples_per_s: idx.len() as f64 / secs,
    })
}

/// Saves a trained CIFAR-10 model, its recipe and metrics in a convlab weights file.
pub async fn save_cifar(
    model: &CifarNet,
    cfg: &CifarTrainConfig,
    metrics: serde_json::Value,
    precision: super::weights::Precision,
) -> Result<Vec<u8>, TrainError> {
    let config = serde_json::json!({ "num_classes": 10, "width": cfg.width });
    let pre = serde_json::to_value(cfg)?;
    let name = model.kind().name();
    match model {
        CifarNet::Plain(m) => super::weights::save(m, name, config, pre, metrics, precision).await,
        CifarNet::V1(m) => super::weights::save(m, name, config, pre, metrics, precision).await,
        CifarNet::V2(m) => super::weights::save(m, name, config, pre, metrics, precision).await,
    }
}

/// The CIFAR-10 model a weights file's header names (by its display name), or a refusal in
/// words for any other.
pub fn header_model(name: &str) -> Result<ModelKind, TrainError> {
    ModelKind::ALL
        .into_iter()
        .find(|k| k.name() == name && *k != ModelKind::HybridSn)
        .ok_or_else(|| TrainError::NotCifarWeights(name.to_string()))
}

/// The training settings a weights file's header records, or a refusal in words.
pub fn header_settings(preprocessing: &serde_json::Value) -> Result<CifarTrainConfig, TrainError> {
    CifarTrainConfig::recorded(preprocessing)
        .map_err(|e| TrainError::MalformedTrainingSettings(e.to_string()))
}

/// Reads a CIFAR-10 weights file: the model (eval mode), its recipe and its header metrics.
/// Refuses, in words, files of other models or whose tensors do not fit.
pub fn load_cifar(
    bytes: &[u8],
    device: &Device,
) -> Result<(CifarNet, CifarTrainConfig, serde_json::Value), TrainError> {
    let (header, _) = super::weights::read_header(bytes).map_err(TrainError::WeightsFile)?;
    let kind = header_model(&header.model)?;
    let cfg = header_settings(&header.preprocessing)?;
    if cfg.model != kind {
        return Err(TrainError::SettingsModelMismatch);
    }
    cfg.check()?;
    let fresh = CifarNet::init(kind, cfg.width, device)?;
    let model = match fresh {
        CifarNet::Plain(m) => CifarNet::Plain(super::weights::load(m, bytes, device)?),
        CifarNet::V1(m) => CifarNet::V1(super::weights::load(m, bytes, device)?),
        CifarNet::V2(m) => CifarNet::V2(super::weights::load(m, bytes, device)?),
    };
    Ok((model.valid(), cfg, header.metrics))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::NativeHost;
    use crate::train::weights::Precision;

    struct Recorder<F: FnMut(Event)> {
        inner: NativeHost<F>,
        epochs: Vec<EpochMetrics>,
    }
    impl<F: FnMut(Event)> Host for Recorder<F> {
        fn emit(&mut self, e: Event) {
            if let Event::Epoch(m) = &e {
                self.epochs.push(m.clone());
            }
            self.inner.emit(e)
        }
        fn control(&self) -> super::super::Control {
            self.inner.control()
        }
        fn now_ms(&self) -> f64 {
            self.inner.now_ms()
        }
        async fn yield_now(&self) {}
        async fn pause_tick(&self) {}
    }
    /// 40 real images of the bundled subset (first training images).
    fn real_subset(n: usize) -> CifarSet {
        let root = env!("CARGO_MANIFEST_DIR");
        let packed = std::fs::read(format!("{root}/public/data/cifar10_subset.clcf")).unwrap();
        let b = crate::data::unpack_cifar(&packed).unwrap();
        CifarSet {
            images: b.train.images[..n * crate::data::CIFAR_IMAGE].to_vec(),
            labels: b.train.labels[..n].to_vec(),
        }
    }

    #[test]
    fn loss_falls_on_a_tiny_real_batch_and_weights_round_trip() {
        let set = real_subset(16);
        let cfg = CifarTrainConfig::new()
            .with_model(ModelKind::MobileNetV1)
            .with_width(0.25)
            .with_epochs(12)
            .with_batch_size(16)
            .with_lr(3e-3)
            // All 16 images train (memorised below); validation has its own test.
            .with_val_fraction(0.0);
        let device = Device::flex();
        let mut losses = Vec::new();
        let trained = {
            let mut host = Recorder {
                inner: NativeHost::new(|e| {
                    if let Event::Loss { loss, .. } = e {
                        losses.push(loss)
                    }
                }),
                epochs: Vec::new(),
            };
            let t = pollster::block_on(train_cifar(&mut host, &device, &set, &set, &cfg, None))
                .unwrap();
            assert_eq!(host.epochs.len(), 12);
            assert!(
                host.epochs
                    .iter()
                    .all(|e| e.val_acc.is_none() && e.test_acc.is_none())
            );
            assert_eq!(t.validation, None);
            t
        };
        assert_eq!(losses.len(), 12);
        let (first, last) = (losses[0], *losses.last().unwrap());
        assert!(last < 0.5 * first, "loss did not fall: {first} → {last}");
        // Memorised in train mode; in eval mode (running BN statistics) at least better than chance.
        assert!(trained.history.last().unwrap().train_acc > 0.8);
        let ev = &trained.evaluation;
        assert_eq!(ev.images, 16);
        assert_eq!(ev.confusion.iter().sum::<u64>(), 16);
        assert_eq!(ev.top3.len(), 16);
        assert!(
            ev.top3_prob
                .iter()
                .all(|p| p[0] >= p[1] && p[1] >= p[2] && p[0] <= 1.0)
        );

        let bytes = pollster::block_on(save_cifar(
            &trained.model,
            &cfg,
            serde_json::json!({ "test_acc": ev.accuracy }),
            Precision::F32,
        ))
        .unwrap();
        let (back, cfg2, metrics) = load_cifar(&bytes, &device).unwrap();
        assert_eq!(cfg2, cfg);
        assert_eq!(metrics["test_acc"], serde_json::json!(ev.accuracy));
        let mut host = NativeHost::new(|_| {});
        let idx: Vec<usize> = (0..16).collect();
        let ev2 = pollster::block_on(evaluate(&mut host, &back, &set, &idx)).unwrap();
        assert_eq!(ev2.top3, ev.top3);
        assert_eq!(ev2.confusion, ev.confusion);
        // Truncated or foreign files are refused in words.
        assert!(load_cifar(&bytes[..bytes.len() / 2], &device).is_err());
        let hsi = crate::model::HybridSnConfig::new().init(&device);
        let foreign = pollster::block_on(crate::train::weights::save(
            &hsi,
            "HybridSN",
            serde_json::json!({}),
            serde_json::json!({}),
            serde_json::json!({}),
            Precision::F32,
        ))
        .unwrap();
        let e = load_cifar(&foreign, &device).err().unwrap();
        assert_eq!(e, TrainError::NotCifarWeights("HybridSN".into()));
        assert!(e.to_string().contains("HybridSN"), "{e}");
    }

    /// The per-epoch accuracy is measured on a stratified share held out of the training
    /// images, never on the test images; the test images are scored once, at the end.
    #[test]
    fn epochs_are_scored_on_held_out_training_images_not_on_the_test_images() {
        let set = real_subset(60);
        let cfg = CifarTrainConfig::new()
            .with_width(0.25)
            .with_epochs(2)
            .with_batch_size(16)
            .with_val_fraction(0.2)
            .with_seed(3);
        let (train, val) = training_and_validation(&set, &cfg);
        assert_eq!(train.len() + val.len(), 60);
        assert!(val.iter().all(|i| !train.contains(i)));
        // Stratified: each class gives round(20 %) of its images (at most all but one).
        for class in 0..10u8 {
            let n = set.labels.iter().filter(|&&l| l == class).count();
            let held = val.iter().filter(|&&i| set.labels[i] == class).count();
            assert_eq!(
                held,
                ((0.2 * n as f64).round() as usize).min(n.saturating_sub(1))
            );
        }
        assert!(!val.is_empty());
        // The same seed holds out the same images; another seed others.
        assert_eq!(training_and_validation(&set, &cfg).1, val);
        assert_ne!(
            training_and_validation(&set, &cfg.clone().with_seed(4)).1,
            val
        );
        // max_train limits the images used, validation included.
        let (t, v) = training_and_validation(&set, &cfg.clone().with_max_train(30));
        assert!(t.iter().chain(&v).all(|&i| i < 30) && t.len() + v.len() == 30);

        // A test set of other images: the epochs never see it.
        let test = CifarSet {
            images: set.images[..10 * crate::data::CIFAR_IMAGE].to_vec(),
            labels: set.labels[..10].to_vec(),
        };
        let mut host = Recorder {
            inner: NativeHost::new(|_| {}),
            epochs: Vec::new(),
        };
        let trained = pollster::block_on(train_cifar(
            &mut host,
            &Device::flex(),
            &set,
            &test,
            &cfg,
            None,
        ))
        .unwrap();
        assert!(host.epochs.iter().all(|e| e.test_acc.is_none()));
        assert!(host.epochs.iter().all(|e| e.val_acc.is_some()));
        let last = host.epochs.last().unwrap().val_acc.unwrap();
        assert_eq!(trained.validation, Some((last, val.len())));
        assert_eq!(trained.train_images, train.len());
        assert_eq!(trained.evaluation.images, 10);
        // Validation accuracy is a share of the held-out images.
        let k = (last * val.len() as f64).round();
        assert!((k / val.len() as f64 - last).abs() < 1e-12);
    }

    #[test]
    fn schedules_warm_up_and_decay() {
        let c = CifarTrainConfig::recipe(ModelKind::MobileNetV1).with_lr(1.0);
        // 10 steps per epoch, 30 epochs.
        assert!((c.lr_at(0, 300, 10) - 0.19).abs() < 1e-9);
        assert!((c.lr_at(9, 300, 10) - 1.0).abs() < 1e-9);
        assert!((c.lr_at(10, 300, 10) - 1.0).abs() < 1e-9);
        assert!(c.lr_at(155, 300, 10) < 0.51 && c.lr_at(155, 300, 10) > 0.49);
        assert!(c.lr_at(299, 300, 10) < 1e-3);
        let r = CifarTrainConfig::reference(ModelKind::MobileNetV1);
        assert_eq!(r.lr_at(123, 300, 10), 1e-3);
        assert!(r.crop && r.flip && r.batch_size == 128 && r.epochs == 10);
        assert!(r.with_width(0.0).check().is_err());
        assert!(
            CifarTrainConfig::new()
                .with_model(ModelKind::HybridSn)
                .check()
                .is_err()
        );
    }

    #[test]
    fn a_huge_learning_rate_stops_with_a_message() {
        let set = real_subset(8);
        let cfg = CifarTrainConfig::new()
            .with_width(0.25)
            .with_epochs(3)
            .with_batch_size(8)
            .with_lr(1e12);
        let mut host = Recorder {
            inner: NativeHost::new(|_| {}),
            epochs: Vec::new(),
        };
        match pollster::block_on(train_cifar(
            &mut host,
            &Device::flex(),
            &set,
            &set,
            &cfg,
            None,
        )) {
            Err(e) => assert!(
                matches!(
                    e,
                    TrainError::LossDiverged { .. } | TrainError::NonFiniteWeights { .. }
                ),
                "expected a divergence naming epoch and step: {e}"
            ),
            Ok(t) => panic!(
                "expected divergence, got accuracy {}",
                t.evaluation.accuracy
            ),
        }
    }

    /// Every shipped CIFAR-10 weights file (f16, listed in `public/weights/cifar_index.json`
    /// as in [`SHIPPED_FILES`]) loads as its model, was trained with convlab's recipe, and
    /// scores on the 1,000 bundled test images what its header says; the best of them reaches
    /// the 60 %.
    #[test]
    fn shipped_weights_score_what_their_headers_say() {
        let root = env!("CARGO_MANIFEST_DIR");
        let index = std::fs::read(format!("{root}/public/weights/cifar_index.json")).unwrap();
        let files: Vec<String> = serde_json::from_slice(&index).unwrap();
        assert_eq!(files, SHIPPED_FILES.map(|(_, f)| f.to_string()));
        let packed = std::fs::read(format!("{root}/public/data/cifar10_subset.clcf")).unwrap();
        let test = crate::data::unpack_cifar(&packed).unwrap().test;
        let idx: Vec<usize> = (0..test.len()).collect();
        assert_eq!(idx.len(), 1000);
        let device = Device::flex();
        let mut best = 0.0f64;
        for (kind, file) in SHIPPED_FILES {
            let bytes = std::fs::read(format!("{root}/public/weights/{file}")).unwrap();
            let (model, cfg, metrics) = load_cifar(&bytes, &device).unwrap();
            assert_eq!((model.kind(), cfg.model), (kind, kind), "{file}");
            // Trained before validation shares existed: on all 4,000 training images, the
            // recipe fixed beforehand and its last epoch shipped (no epoch was picked).
            let recipe = CifarTrainConfig::recipe(cfg.model)
                .with_width(cfg.width)
                .with_seed(cfg.seed)
                .with_val_fraction(0.0);
            assert_eq!(cfg, recipe, "{file} was not trained with convlab's recipe");
            let mut host = NativeHost::new(|_| {});
            let ev = pollster::block_on(evaluate(&mut host, &model, &test, &idx)).unwrap();
            let recorded = metrics["test_acc"].as_f64().unwrap();
            eprintln!("{file}: {} on reload, {recorded} recorded", ev.accuracy);
            // f16 storage may flip a handful of the 1,000 predictions.
            assert!(
                (ev.accuracy - recorded).abs() <= 0.01,
                "{file}: {} on reload, {recorded} in its header",
                ev.accuracy
            );
            best = best.max(ev.accuracy);
        }
        assert!(best >= 0.60, "best shipped accuracy {best}");
    }
}
