//! Hyperspectral training: PCA → patches → HybridSN, evaluation with OA/AA/Kappa, and the
//! whole-scene classification map computed strip by strip.

use burn::config::Config;
use burn::module::Module;
use burn::optim::GradientsParams;
use burn::tensor::{Device, Int, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use super::optim::FusedAdamConfig;
use super::{Event, Host, Meter, TrainError, read_f32, read_i64, should_stop};
use crate::data::{
    Guard, PaddedCube, Rng, Scene, SceneId, Split, VALIDATION_FRACTION, hold_out_validation,
    oversample_small_classes, pca, spatial_split, stratified_split,
};
use crate::model::{HybridSn, HybridSnConfig};

/// Preprocessing and training settings of a hyperspectral run.
#[derive(Config, Debug, PartialEq)]
pub struct HsiTrainConfig {
    /// PCA components kept.
    #[config(default = 30)]
    pub pca: usize,
    /// Patch size (odd).
    #[config(default = 25)]
    pub patch: usize,
    /// Fraction of each class's labelled pixels used for training (validation included).
    #[config(default = 0.1)]
    pub train_fraction: f64,
    /// Share of each class's training pixels held out for validation: what runs and epochs
    /// are compared on, never the test pixels (0 = no validation set).
    #[config(default = "VALIDATION_FRACTION")]
    pub val_fraction: f64,
    /// Spatially disjoint train/test blocks instead of a random split.
    #[config(default = false)]
    pub spatial: bool,
    /// The spatial split's guard band between training blocks and test pixels.
    #[config(default = "Guard::NoSharedInput")]
    pub guard: Guard,
    #[config(default = 0)]
    pub seed: u64,
    #[config(default = 20)]
    pub epochs: usize,
    #[config(default = 32)]
    pub batch_size: usize,
    #[config(default = 1e-3)]
    pub lr: f64,
    /// Cosine decay of the learning rate to 5 % of `lr` over the run (false = constant).
    #[config(default = true)]
    pub cosine: bool,
    /// Batch norm after each conv (teaching variant); false = the paper's HybridSN.
    #[config(default = true)]
    pub batch_norm: bool,
    /// Use at most this many training pixels (0 = all): for quick demos and tests.
    #[config(default = 0)]
    pub max_train: usize,
    /// Evaluate test OA every this many epochs (0 = only at the end, the default: per-epoch
    /// test scores invite choosing an epoch by them, and each costs a whole-scene map).
    /// Shown only: nothing is chosen by it.
    #[config(default = 0)]
    pub eval_every: usize,
    /// Evaluate validation OA every this many epochs (0 = only at the end; patch by patch on
    /// the validation pixels, far cheaper than a test evaluation's whole-scene map).
    #[config(default = 1)]
    pub val_every: usize,
    /// Random flips and 90° rotations of the training patches.
    #[config(default = false)]
    pub augment: bool,
    /// Label smoothing ε of the cross-entropy (0 = plain cross-entropy).
    #[config(default = 0.0)]
    pub label_smoothing: f32,
    /// Class balancing: each class with fewer training pixels than this has them repeated
    /// up to this many per epoch (0 = off; see [`oversample_small_classes`]).
    #[config(default = 0)]
    pub min_per_class: usize,
}

impl HsiTrainConfig {
    /// The split these settings give, in words: kind, guard, fractions and seed.
    pub fn split_name(&self) -> String {
        format!("{}, seed {}", self.split_settings(), self.seed)
    }

    /// The split's kind, guard and fractions in words (without the seed).
    pub fn split_settings(&self) -> String {
        let kind = if self.spatial {
            format!(
                "spatial blocks, {}-pixel guard ({})",
                self.guard.pixels(self.patch),
                self.guard.describe()
            )
        } else {
            "random stratified (the paper's protocol; test patches overlap training patches)"
                .to_string()
        };
        let train = if self.spatial {
            "of the labelled pixels in training blocks"
        } else {
            "of each class for training"
        };
        format!(
            "{kind}, {} % {train}, {} % of those held out for validation",
            100.0 * self.train_fraction,
            100.0 * self.val_fraction,
        )
    }

    /// Whether `other` gives the same PCA, padding and split (train, validation and test).
    pub fn same_split(&self, other: &HsiTrainConfig) -> bool {
        self.pca == other.pca
            && self.patch == other.patch
            && self.train_fraction == other.train_fraction
            && self.val_fraction == other.val_fraction
            && self.spatial == other.spatial
            && (!self.spatial || self.guard == other.guard)
            && self.seed == other.seed
    }

    /// Settings that files written before they existed were trained with: no validation set,
    /// and the spatial split's narrow guard.
    pub fn legacy_settings() -> serde_json::Value {
        serde_json::json!({ "val_fraction": 0.0, "guard": Guard::LabelsApart })
    }
}

/// The scene after PCA, padded, with its split: everything training and mapping read.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub padded: PaddedCube,
    pub split: Split,
    pub gt: Vec<u16>,
    pub height: usize,
    pub width: usize,
    pub num_classes: usize,
    pub patch: usize,
    /// Explained variance ratio of each kept component.
    pub explained: Vec<f64>,
    /// The scene it was prepared from (recorded in the weights of a model trained on it).
    pub scene: TrainedOn,
}

/// The lab's settings as a training config. The lab scores validation pixels per epoch
/// and never test pixels (the test score comes once, from the final map).
impl From<&crate::messages::hsi::HsiSettings> for HsiTrainConfig {
    fn from(s: &crate::messages::hsi::HsiSettings) -> Self {
        HsiTrainConfig::new()
            .with_pca(s.pca)
            .with_patch(s.patch)
            .with_train_fraction(s.train_fraction)
            .with_val_fraction(s.val_fraction)
            .with_spatial(s.spatial)
            .with_guard(s.guard)
            .with_seed(s.seed)
            .with_epochs(s.epochs)
            .with_batch_size(s.batch_size)
            .with_lr(s.lr)
            .with_batch_norm(s.batch_norm)
            .with_max_train(s.max_train)
            .with_eval_every(0)
            .with_val_every(s.val_every)
            .with_augment(s.augment)
            .with_min_per_class(s.min_per_class)
    }
}

/// PCA (whitened, as HybridSN's reference code) + split + zero padding.
pub fn prepare(scene: &Scene, cfg: &HsiTrainConfig) -> Result<Prepared, TrainError> {
    prepare_reusing(scene, cfg, None)
}

/// [`prepare`], reusing `earlier`'s PCA, padding and scene identity when it was prepared
/// from `scene` with the same components and patch size: only the split is drawn again (the
/// lab switching split settings, or mapping with weights of another split, skips the PCA).
/// `earlier` must come from this very scene; its size, classes and labels are checked.
pub fn prepare_reusing(
    scene: &Scene,
    cfg: &HsiTrainConfig,
    earlier: Option<&Prepared>,
) -> Result<Prepared, TrainError> {
    let k = cfg.pca.min(scene.bands);
    HybridSnConfig::new()
        .with_bands(k)
        .with_patch(cfg.patch)
        .with_num_classes(scene.num_classes)
        .validate()
        .map_err(TrainError::ModelConfig)?;
    if !(0.0..1.0).contains(&cfg.train_fraction) || cfg.train_fraction <= 0.0 {
        return Err(TrainError::TrainingFraction(cfg.train_fraction));
    }
    if !(0.0..1.0).contains(&cfg.val_fraction) {
        return Err(TrainError::ValidationFraction(cfg.val_fraction));
    }
    let reusable = earlier.filter(|e| {
        (e.padded.bands, e.patch, e.height, e.width, e.num_classes)
            == (k, cfg.patch, scene.height, scene.width, scene.num_classes)
            && e.gt == scene.gt
    });
    let (padded, explained, trained_on) = match reusable {
        Some(e) => (e.padded.clone(), e.explained.clone(), e.scene.clone()),
        None => {
            let n = scene.height * scene.width;
            let p = pca::fit(&scene.cube, n, scene.bands, k, true)?;
            let reduced = p.transform(&scene.cube, n);
            let padded = PaddedCube::new(&reduced, scene.height, scene.width, k, cfg.patch)?;
            (padded, p.explained_variance_ratio, TrainedOn::scene(scene))
        }
    };
    let split = if cfg.spatial {
        spatial_split(
            &scene.gt,
            scene.height,
            scene.width,
            scene.num_classes,
            cfg.train_fraction,
            cfg.patch,
            cfg.guard,
            cfg.seed,
        )
    } else {
        stratified_split(&scene.gt, scene.num_classes, cfg.train_fraction, cfg.seed)
    };
    let split = hold_out_validation(
        split,
        &scene.gt,
        scene.num_classes,
        cfg.val_fraction,
        cfg.seed,
    );
    if split.train.is_empty() || split.test.is_empty() {
        return Err(TrainError::EmptySplit);
    }
    Ok(Prepared {
        padded,
        split,
        gt: scene.gt.clone(),
        height: scene.height,
        width: scene.width,
        num_classes: scene.num_classes,
        patch: cfg.patch,
        explained,
        scene: trained_on,
    })
}

pub use crate::data::{EpochMetrics, Evaluation};

/// Which pixels a score was measured on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Subset {
    /// Held out of the training pixels: what selection may use.
    Validation,
    /// Never used for any choice.
    Test,
}

impl Subset {
    pub fn name(self) -> &'static str {
        match self {
            Subset::Validation => "validation",
            Subset::Test => "test",
        }
    }
}

/// Mean and sample standard deviation (n − 1 in the denominator) of some runs' scores.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    pub mean: f64,
    /// Sample standard deviation; 0 for a single run.
    pub sd: f64,
    pub runs: usize,
}

impl Spread {
    /// The spread of `values`; None when there are none.
    pub fn of(values: &[f64]) -> Option<Spread> {
        let n = values.len();
        if n == 0 {
            return None;
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        let sd = if n < 2 {
            0.0
        } else {
            (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
        };
        Some(Spread { mean, sd, runs: n })
    }
}

/// OA, AA and Kappa over several runs (one per split seed), each as mean ± sd.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SpreadScores {
    pub oa: Spread,
    pub aa: Spread,
    pub kappa: Spread,
}

impl SpreadScores {
    /// Mean ± sd of the evaluations' OA, AA and Kappa; None when there are none.
    pub fn of(evaluations: &[&Evaluation]) -> Option<SpreadScores> {
        let pick = |f: fn(&Evaluation) -> f64| {
            Spread::of(&evaluations.iter().map(|e| f(e)).collect::<Vec<_>>())
        };
        Some(SpreadScores {
            oa: pick(|e| e.oa)?,
            aa: pick(|e| e.aa)?,
            kappa: pick(|e| e.kappa)?,
        })
    }
}

/// What a training run leaves: the trained model (eval mode), its history and evaluation.
pub struct Trained {
    pub model: HybridSn,
    pub history: Vec<EpochMetrics>,
    /// The whole-scene map (empty when stopped).
    pub map: Vec<u16>,
    /// Scores on the test pixels (None when stopped).
    pub evaluation: Option<Evaluation>,
    /// Scores on the validation pixels (None when stopped or without a validation set).
    pub validation: Option<Evaluation>,
    pub stopped: bool,
}

fn batch_tensor(prep: &Prepared, pixels: &[usize], buf: &mut Vec<f32>, d: &Device) -> Tensor<5> {
    let k = prep.padded.bands;
    let p = prep.patch;
    prep.padded.patch_batch(pixels, p, buf);
    Tensor::<5>::from_data(
        TensorData::new(std::mem::take(buf), [pixels.len(), 1, k, p, p]),
        d,
    )
}

/// Like [`batch_tensor`], each patch flipped/rotated by a random one of the 8 symmetries.
fn augmented_batch(
    prep: &Prepared,
    pixels: &[usize],
    buf: &mut Vec<f32>,
    rng: &mut Rng,
    d: &Device,
) -> Tensor<5> {
    let (k, p) = (prep.padded.bands, prep.patch);
    prep.padded.patch_batch(pixels, p, buf);
    let mut tmp = Vec::with_capacity(p * p);
    for one in buf.chunks_exact_mut(k * p * p) {
        PaddedCube::dihedral(one, p, rng.below(8) as u8, &mut tmp);
    }
    Tensor::<5>::from_data(
        TensorData::new(std::mem::take(buf), [pixels.len(), 1, k, p, p]),
        d,
    )
}

fn targets(prep: &Prepared, pixels: &[usize], d: &Device) -> Tensor<1, Int> {
    let t: Vec<i64> = pixels.iter().map(|&i| prep.gt[i] as i64 - 1).collect();
    Tensor::<1, Int>::from_data(TensorData::new(t, [pixels.len()]), d)
}

/// The pixels one training epoch goes through: the split's training pixels, at most
/// `max_train` of them, with small classes repeated up to `min_per_class`.
pub fn training_pixels(prep: &Prepared, cfg: &HsiTrainConfig) -> Vec<usize> {
    let mut train = prep.split.train.clone();
    if cfg.max_train > 0 && train.len() > cfg.max_train {
        train.truncate(cfg.max_train);
    }
    oversample_small_classes(&train, &prep.gt, prep.num_classes, cfg.min_per_class)
}

/// Trains HybridSN on the prepared scene. Emits losses, progress and per-epoch metrics;
/// stops cleanly (keeping the weights so far) when the host asks; refuses a non-finite loss
/// naming the epoch and step, keeping the weights of the last good step.
pub async fn train_hybridsn<H: Host>(
    host: &mut H,
    device: &Device,
    prep: &Prepared,
    cfg: &HsiTrainConfig,
    start: Option<(HybridSn, usize)>,
) -> Result<Trained, TrainError> {
    super::check_label_smoothing(cfg.label_smoothing)?;
    let ad = device.clone().autodiff();
    // The split's seed also seeds the weights and dropout, so the same settings train the
    // same run (the backend's generator is process-wide: runs side by side share it).
    ad.seed(cfg.seed);
    let model_cfg = HybridSnConfig::new()
        .with_bands(prep.padded.bands)
        .with_patch(prep.patch)
        .with_num_classes(prep.num_classes)
        .with_batch_norm(cfg.batch_norm);
    // `start`: weights to continue from, and the epochs they have already done.
    let (mut model, done_epochs) = match start {
        Some((m, done)) => (m.fork(&ad).train(), done.min(cfg.epochs)),
        None => (model_cfg.init(&ad), 0),
    };
    let mut optim = FusedAdamConfig::new().init();
    let loss_fn = super::training_loss(cfg.label_smoothing, &ad);
    let mut train = training_pixels(prep, cfg);
    let bs = cfg.batch_size.max(1);
    let steps_per_epoch = train.len().div_ceil(bs);
    let meter = Meter::new(host.now_ms(), (cfg.epochs - done_epochs) * train.len());
    let mut rng = Rng::new(cfg.seed ^ 0x5eed);
    let mut buf = Vec::new();
    let mut history = Vec::new();
    let mut done = 0usize;
    // The learning-rate schedule carries on where the earlier epochs left it.
    let mut step = done_epochs * steps_per_epoch;
    let mut stopped = false;
    'epochs: for epoch in done_epochs + 1..=cfg.epochs {
        let t0 = host.now_ms();
        rng.shuffle(&mut train);
        let (mut loss_sum, mut correct, mut seen) = (0.0f64, 0usize, 0usize);
        for (i, chunk) in train.chunks(bs).enumerate() {
            if should_stop(host).await {
                stopped = true;
                break 'epochs;
            }
            let x = if cfg.augment {
                augmented_batch(prep, chunk, &mut buf, &mut rng, &ad)
            } else {
                batch_tensor(prep, chunk, &mut buf, &ad)
            };
            let y = targets(prep, chunk, &ad);
            let logits = model.forward(x);
            let pred = logits.clone().argmax(1).flatten::<1>(0, 1);
            let loss = loss_fn.forward(logits, y);
            let loss_value = read_f32(loss.clone(), "a tensor").await?[0];
            if !loss_value.is_finite() {
                return Err(TrainError::LossDiverged {
                    value: loss_value,
                    epoch,
                    step: i + 1,
                    steps_per_epoch,
                    previous_kept: false,
                });
            }
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            let total_steps = (cfg.epochs * steps_per_epoch).max(1);
            model = optim.step(lr_at(cfg, step, total_steps), model, grads);
            let pred = read_i64(pred, "a tensor").await?;
            correct += pred
                .iter()
                .zip(chunk)
                .filter(|(p, px)| **p == prep.gt[**px] as i64 - 1)
                .count();
            seen += chunk.len();
            loss_sum += loss_value as f64 * chunk.len() as f64;
            step += 1;
            done += chunk.len();
            host.emit(Event::Loss {
                step,
                loss: loss_value,
            });
            host.emit(meter.event(host.now_ms(), done));
        }
        let train_seconds = (host.now_ms() - t0) / 1000.0;
        if !super::weights_finite(&model).await? {
            return Err(TrainError::NonFiniteWeights {
                epoch,
                steps: steps_per_epoch,
            });
        }
        let test_oa = if cfg.eval_every > 0 && epoch % cfg.eval_every == 0 && epoch < cfg.epochs {
            let map = scene_map(host, &model.valid(), prep, false).await?;
            Some(Evaluation::of(&map, &prep.gt, &prep.split.test, prep.num_classes).oa)
        } else {
            None
        };
        let val = &prep.split.validation;
        let val_oa = if !val.is_empty()
            && cfg.val_every > 0
            && (epoch % cfg.val_every == 0 || epoch == cfg.epochs)
        {
            let labels = patch_labels(&model.valid(), prep, val).await?;
            Some(Evaluation::of_listed(&labels, &prep.gt, val, prep.num_classes).oa)
        } else {
            None
        };
        let m = EpochMetrics {
            epoch,
            loss: loss_sum / seen.max(1) as f64,
            train_acc: correct as f64 / seen.max(1) as f64,
            val_acc: val_oa,
            test_acc: test_oa,
            train_seconds,
            samples_per_s: seen as f64 / train_seconds.max(1e-9),
        };
        // The weights are copied out before the epoch is reported, so an epoch on screen is
        // one whose weights survive a lost device.
        if host.wants_checkpoints() {
            let weights = save_hybridsn(
                &model.valid(),
                cfg,
                &prep.scene,
                Scores::default(),
                super::weights::Precision::F32,
            )
            .await?;
            host.emit(Event::Checkpoint { epoch, weights });
        }
        host.emit(Event::Epoch(m.clone()));
        history.push(m);
    }
    let model = model.valid();
    // Stopped (before or during the final map): the weights so far are kept, and no
    // whole-scene map is forced on the visitor who asked to stop (the host maps on request).
    let map = if stopped {
        None
    } else {
        match scene_map(host, &model, prep, true).await {
            Ok(map) => Some(map),
            Err(_) if matches!(host.control(), super::Control::Stop) => None,
            Err(e) => return Err(e),
        }
    };
    let Some(map) = map else {
        return Ok(Trained {
            model,
            history,
            map: Vec::new(),
            evaluation: None,
            validation: None,
            stopped: true,
        });
    };
    let evaluation = Evaluation::of(&map, &prep.gt, &prep.split.test, prep.num_classes);
    let validation = (!prep.split.validation.is_empty())
        .then(|| Evaluation::of(&map, &prep.gt, &prep.split.validation, prep.num_classes));
    if let Some(last) = history.last_mut()
        && last.test_acc.is_none()
    {
        last.test_acc = Some(evaluation.oa);
        last.val_acc = validation.as_ref().map(|v| v.oa);
        host.emit(Event::Epoch(last.clone()));
    }
    let evaluation = Some(evaluation);
    Ok(Trained {
        model,
        history,
        map,
        evaluation,
        validation,
        stopped,
    })
}

/// Floats in each convolution's output for one sample of HybridSN with `bands` PCA
/// components and `patch`×`patch` windows (the model's own arithmetic:
/// [`HybridSnConfig::activation_floats`]).
pub fn activation_floats(bands: usize, patch: usize) -> [usize; 4] {
    HybridSnConfig::new()
        .with_bands(bands)
        .with_patch(patch)
        .activation_floats()
}

/// WebGPU's default limit on one storage buffer binding.
pub const WEBGPU_BINDING_BYTES: usize = 128 << 20;
/// What the CPU backend may spend on one step's activations and their gradients in the
/// browser (wasm32 memory tops out at 4 GiB).
pub const CPU_STEP_BYTES: usize = 1536 << 20;

/// The largest batch (≤ `batch`, ≥ 1) that fits the device: on WebGPU the biggest layer
/// output stays within half a storage binding (room for the kernels' own buffers); on the
/// CPU all activations, with their gradients, stay within [`CPU_STEP_BYTES`].
pub fn fit_batch(batch: usize, bands: usize, patch: usize, gpu: bool) -> usize {
    let acts = activation_floats(bands, patch);
    let per_sample = if gpu {
        4 * acts.iter().max().copied().unwrap_or(1)
    } else {
        3 * 4 * acts.iter().sum::<usize>()
    };
    let limit = if gpu {
        WEBGPU_BINDING_BYTES / 2
    } else {
        CPU_STEP_BYTES
    };
    batch.min(limit / per_sample.max(1)).max(1)
}

/// The learning rate at optimiser step `step` (0-based) of `total`.
pub fn lr_at(cfg: &HsiTrainConfig, step: usize, total: usize) -> f64 {
    if !cfg.cosine {
        return cfg.lr;
    }
    let t = (step as f64 / total.max(1) as f64).min(1.0);
    let floor = 0.05;
    cfg.lr * (floor + (1.0 - floor) * 0.5 * (1.0 + (std::f64::consts::PI * t).cos()))
}

/// Bytes of one strip's unfolded first dense layer input on WebGPU (half its 128 MiB
/// binding) and on the browser's CPU fallback.
pub const STRIP_BYTES: usize = 64 << 20;
/// The same natively on the CPU: fewer, taller strips recompute fewer halo rows (a strip of
/// `r` rows convolves `r + patch − 1`), which cuts the native map's time (10.6 → 6.5 s on
/// 2 cores at 25 × 25 patches) for ~230 MB of memory.
pub const NATIVE_CPU_STRIP_BYTES: usize = 512 << 20;

/// Rows per strip of the whole-scene map: keeps the first dense layer's unfolded input
/// (`rows × width × 64·(p-8)²` floats) within `budget` bytes (1 to 48 rows).
pub fn strip_rows(width: usize, patch: usize, budget: usize) -> usize {
    let s = patch.saturating_sub(8).max(1);
    let per_row = width * 64 * s * s * 4;
    (budget / per_row.max(1)).clamp(1, 48)
}

/// The strip budget of the whole-scene map on `device`: [`NATIVE_CPU_STRIP_BYTES`] natively
/// on the CPU, [`STRIP_BYTES`] on WebGPU and in the browser.
pub fn strip_budget(device: &Device) -> usize {
    if !cfg!(target_arch = "wasm32") && *device == Device::flex() {
        NATIVE_CPU_STRIP_BYTES
    } else {
        STRIP_BYTES
    }
}

/// Classifies every pixel of the scene (1-based labels), strip by strip; with `report`,
/// emits each finished strip ([`Event::MapRows`]) and progress for progressive drawing.
pub async fn scene_map<H: Host>(
    host: &mut H,
    model: &HybridSn,
    prep: &Prepared,
    report: bool,
) -> Result<Vec<u16>, TrainError> {
    let device = model.conv1.weight.val().device();
    let rows = strip_rows(prep.width, prep.patch, strip_budget(&device));
    scene_map_in_strips(host, model, prep, report, rows).await
}

/// [`scene_map`] with strips of `rows` rows (at least 1): each strip convolves its rows and
/// a halo of `patch − 1` padded rows, so every pixel sees its whole window.
pub async fn scene_map_in_strips<H: Host>(
    host: &mut H,
    model: &HybridSn,
    prep: &Prepared,
    report: bool,
    rows: usize,
) -> Result<Vec<u16>, TrainError> {
    let device = model.conv1.weight.val().device();
    let (h, w) = (prep.height, prep.width);
    let (ph, pw) = (prep.padded.padded_height(), prep.padded.padded_width());
    let k = prep.padded.bands;
    let p = prep.patch;
    let rows = rows.max(1);
    let vol = prep.padded.volume();
    let meter = Meter::new(host.now_ms(), h * w);
    let mut labels = vec![0u16; h * w];
    let mut r0 = 0;
    while r0 < h {
        let n = rows.min(h - r0);
        let hs = n + p - 1;
        // Slice padded rows r0 .. r0 + n + p - 1 of every band.
        let mut strip = Vec::with_capacity(k * hs * pw);
        for b in 0..k {
            let plane = &vol[b * ph * pw..(b + 1) * ph * pw];
            strip.extend_from_slice(&plane[r0 * pw..(r0 + hs) * pw]);
        }
        let x = Tensor::<5>::from_data(TensorData::new(strip, [1, 1, k, hs, pw]), &device);
        let pred = model.scene_logits(x).argmax(1).flatten::<1>(0, 1);
        let pred = read_i64(pred, "a tensor").await?;
        let out = &mut labels[r0 * w..(r0 + n) * w];
        for (o, v) in out.iter_mut().zip(&pred) {
            *o = (*v + 1) as u16;
        }
        if report {
            host.emit(Event::MapRows {
                row0: r0,
                rows: n,
                labels: out.to_vec(),
            });
            host.emit(meter.event(host.now_ms(), (r0 + n) * w));
        }
        r0 += n;
        if should_stop(host).await {
            return Err(TrainError::MapStopped);
        }
    }
    Ok(labels)
}

/// Mean cross-entropy (natural log, no label smoothing) of the model's patch-by-patch
/// predictions on some labelled pixels: a validation score that keeps moving when accuracy
/// saturates (103 validation pixels give OA in steps of about 1 %), so recipes can be
/// compared on it. `None` for no pixels.
pub async fn patch_cross_entropy(
    model: &HybridSn,
    prep: &Prepared,
    pixels: &[usize],
) -> Result<Option<f64>, TrainError> {
    if pixels.is_empty() {
        return Ok(None);
    }
    let device = model.conv1.weight.val().device();
    let mut buf = Vec::new();
    let mut sum = 0.0f64;
    for chunk in pixels.chunks(32) {
        let x = batch_tensor(prep, chunk, &mut buf, &device);
        let log_p = burn::tensor::activation::log_softmax(model.forward(x), 1);
        let log_p = read_f32(log_p, "a tensor").await?;
        let classes = log_p.len() / chunk.len();
        for (row, &px) in log_p.chunks(classes).zip(chunk) {
            sum -= row[prep.gt[px] as usize - 1] as f64;
        }
    }
    Ok(Some(sum / pixels.len() as f64))
}

/// Patch-by-patch labels of some pixels (1-based): the slow reference the scene map equals.
pub async fn patch_labels(
    model: &HybridSn,
    prep: &Prepared,
    pixels: &[usize],
) -> Result<Vec<u16>, TrainError> {
    let device = model.conv1.weight.val().device();
    let mut buf = Vec::new();
    let mut out = Vec::with_capacity(pixels.len());
    for chunk in pixels.chunks(32) {
        let x = batch_tensor(prep, chunk, &mut buf, &device);
        let pred = model.forward(x).argmax(1).flatten::<1>(0, 1);
        out.extend(
            read_i64(pred, "a tensor")
                .await?
                .into_iter()
                .map(|v| (v + 1) as u16),
        );
    }
    Ok(out)
}

/// How a saved run was chosen, recorded in its weights file.
pub const SELECTION: &str = "the last epoch of a fixed recipe; runs are compared on their \
                             validation scores only, never on test pixels";

/// How the weights of a file were chosen, in words, from its header's metrics: what it
/// records ([`SELECTION`] for files written since validation sets), or that files written
/// before them record nothing (their runs were compared on test scores).
pub fn chosen_as(metrics: &serde_json::Value) -> String {
    match metrics.get("selection").and_then(|v| v.as_str()) {
        Some(how) => format!("chosen as: {how}"),
        None => "chosen as: not recorded (the file was written before validation sets, when \
                 runs were compared on their test scores)"
            .into(),
    }
}

/// Saves a trained HybridSN with its preprocessing (the split settings included) and
/// metrics in a convlab weights file. The metrics keep the test scores at the top level as
/// earlier files did (`oa`, `aa`, `kappa`, `test_pixels`), and add the validation scores
/// (`validation`: `oa`, `aa`, `kappa`, `pixels`), the split in words, how the run was
/// chosen ([`SELECTION`]) and the scene it was trained on (`scene`, and `scene_id` when
/// known: see [`TrainedOn`]).
pub async fn save_hybridsn(
    model: &HybridSn,
    cfg: &HsiTrainConfig,
    trained_on: &TrainedOn,
    scores: Scores<'_>,
    precision: super::weights::Precision,
) -> Result<Vec<u8>, TrainError> {
    let mut metrics = serde_json::json!({
        "scene": trained_on.name, "split": cfg.split_name(), "selection": SELECTION,
    });
    if let Some(id) = &trained_on.id {
        metrics["scene_id"] = serde_json::to_value(id)?;
    }
    if let Some(e) = scores.test {
        metrics["oa"] = e.oa.into();
        metrics["aa"] = e.aa.into();
        metrics["kappa"] = e.kappa.into();
        metrics["test_pixels"] = e.pixels.into();
    }
    if let Some(v) = scores.validation {
        metrics["validation"] = serde_json::json!({
            "oa": v.oa, "aa": v.aa, "kappa": v.kappa, "pixels": v.pixels,
        });
        if let Some(loss) = scores.validation_loss {
            metrics["validation"]["cross_entropy"] = loss.into();
        }
    }
    super::weights::save(
        model,
        "HybridSN",
        serde_json::to_value(model.config())?,
        serde_json::to_value(cfg)?,
        metrics,
        precision,
    )
    .await
}

/// The scores saved with a model.
#[derive(Debug, Clone, Copy, Default)]
pub struct Scores<'a> {
    pub validation: Option<&'a Evaluation>,
    /// The validation pixels' mean cross-entropy ([`patch_cross_entropy`]).
    pub validation_loss: Option<f64>,
    pub test: Option<&'a Evaluation>,
}

/// A score recorded in a weights file's header.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RecordedScore {
    pub oa: f64,
    pub aa: f64,
    pub kappa: f64,
    pub pixels: usize,
}

/// The validation and test scores a HybridSN weights file records (either may be absent:
/// files written before validation sets existed hold test scores only).
pub fn recorded_scores(
    metrics: &serde_json::Value,
) -> (Option<RecordedScore>, Option<RecordedScore>) {
    let score = |m: &serde_json::Value, pixels: &str| {
        Some(RecordedScore {
            oa: m.get("oa")?.as_f64()?,
            aa: m.get("aa")?.as_f64()?,
            kappa: m.get("kappa")?.as_f64()?,
            pixels: m.get(pixels)?.as_u64()? as usize,
        })
    };
    let validation = metrics.get("validation").and_then(|v| score(v, "pixels"));
    (validation, score(metrics, "test_pixels"))
}

/// The scene a model's weights were trained on: its name, and its identity ([`Scene::id`])
/// when known. Files saved before identities were recorded have none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainedOn {
    pub name: String,
    pub id: Option<SceneId>,
}

impl TrainedOn {
    /// A model trained on `scene`.
    pub fn scene(scene: &Scene) -> Self {
        TrainedOn {
            name: scene.name.clone(),
            id: Some(scene.id()),
        }
    }

    /// What a weights file records.
    pub fn read(bytes: &[u8]) -> Result<Self, TrainError> {
        let (header, _) = super::weights::read_header(bytes).map_err(TrainError::WeightsFile)?;
        Ok(TrainedOn {
            name: header.metrics["scene"].as_str().unwrap_or("").to_string(),
            id: serde_json::from_value(header.metrics["scene_id"].clone()).ok(),
        })
    }

    /// Why a map of `here` by these weights must not be scored, in words; `None` when it
    /// may. Scores are honest only on the very scene the weights were trained on: their
    /// split settings then rebuild the pixels they trained on, which the scores leave out.
    /// On another scene, a crop or an unknown one, any pixel may have been a training pixel.
    pub fn unscored_on(&self, here: &TrainedOn) -> Option<String> {
        match (&self.id, &here.id) {
            (Some(a), Some(b)) if a == b => None,
            (Some(a), _) => Some(format!(
                "these weights were trained on another scene (“{}”: {a}; this one is “{}”{}), \
                 so any of its pixels may have been a training pixel",
                self.name,
                here.name,
                here.id
                    .as_ref()
                    .map(|b| format!(": {b}"))
                    .unwrap_or_default()
            )),
            (None, _) => Some(format!(
                "these weights do not record which scene they were trained on (the file names \
                 “{}”), so any of this scene's pixels may have been a training pixel",
                self.name
            )),
        }
    }
}

/// Reads a HybridSN weights file: the model (eval mode) and the settings it was trained with.
/// Refuses, in words, files of another model or whose tensors do not fit.
pub fn load_hybridsn(
    bytes: &[u8],
    device: &Device,
) -> Result<(HybridSn, HsiTrainConfig), TrainError> {
    let (header, _) = super::weights::read_header(bytes).map_err(TrainError::WeightsFile)?;
    if header.model != "HybridSN" {
        return Err(TrainError::NotHybridSnWeights(header.model));
    }
    let model_cfg: HybridSnConfig = serde_json::from_value(header.config.clone())
        .map_err(|e| TrainError::MalformedModelConfig(e.to_string()))?;
    model_cfg.validate().map_err(TrainError::ModelConfig)?;
    // Settings added after a file was written take their defaults, except those that
    // changed what earlier files did (no validation set, the narrow spatial guard).
    let cfg: HsiTrainConfig = super::weights::recorded_settings(
        &HsiTrainConfig::new(),
        HsiTrainConfig::legacy_settings(),
        &header.preprocessing,
    )
    .map_err(|e| TrainError::MalformedPreprocessing(e.to_string()))?;
    if cfg.pca != model_cfg.bands || cfg.patch != model_cfg.patch {
        return Err(TrainError::PreprocessingMismatch);
    }
    let model = super::weights::load(model_cfg.init(device), bytes, device)?;
    Ok((model.valid(), cfg))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{NdArray, Values};
    use crate::train::NativeHost;
    use crate::train::weights::Precision;

    /// A small synthetic scene: 11×12 pixels, 16 bands, 3 classes with distinct spectra.
    fn small_scene() -> Scene {
        let (h, w, b) = (11, 12, 16);
        let mut rng = Rng::new(7);
        let mut gt = vec![0u8; h * w];
        let mut cube = vec![0f32; h * w * b];
        for i in 0..h * w {
            let class = (i / w * 3 / h) as u8 + 1; // horizontal bands of classes
            gt[i] = if rng.next_f64() < 0.8 { class } else { 0 };
            for k in 0..b {
                let base = ((k as f32) * 0.3 * class as f32).sin() * 100.0 + 500.0;
                cube[i * b + k] = base + (rng.next_f64() as f32 - 0.5) * 20.0;
            }
        }
        let cube = NdArray::new("cube", vec![h, w, b], Values::F32(cube)).unwrap();
        let gt = NdArray::new("gt", vec![h, w], Values::U8(gt)).unwrap();
        Scene::from_arrays("small", &cube, &gt, None).unwrap()
    }

    fn small_cfg() -> HsiTrainConfig {
        HsiTrainConfig::new()
            .with_pca(14)
            .with_patch(9)
            .with_train_fraction(0.3)
            .with_epochs(3)
            .with_batch_size(16)
            .with_eval_every(1)
            // A constant rate: these runs are a few dozen steps, too short for a decay.
            .with_cosine(false)
    }

    #[test]
    fn patch_cross_entropy_equals_burns_cross_entropy_loss() {
        let scene = small_scene();
        let cfg = small_cfg();
        let prep = prepare(&scene, &cfg).unwrap();
        let device = Device::flex();
        let model = HybridSnConfig::new()
            .with_bands(prep.padded.bands)
            .with_patch(prep.patch)
            .with_num_classes(prep.num_classes)
            .init(&device);
        // More pixels than one chunk of 32, and a last chunk that is not full.
        let pixels: Vec<usize> = prep.split.test.iter().copied().take(45).collect();
        assert_eq!(pixels.len(), 45);
        let ours = pollster::block_on(patch_cross_entropy(&model, &prep, &pixels))
            .unwrap()
            .unwrap();
        let mut buf = Vec::new();
        let x = batch_tensor(&prep, &pixels, &mut buf, &device);
        let y = targets(&prep, &pixels, &device);
        let burns = super::super::training_loss(0.0, &device).forward(model.forward(x), y);
        let burns = pollster::block_on(read_f32(burns, "a tensor")).unwrap()[0] as f64;
        assert!(ours > 0.1, "an untrained model is unsure: {ours}");
        assert!(
            (ours - burns).abs() < 1e-5 * burns,
            "{ours} vs burn's {burns}"
        );
        assert_eq!(
            pollster::block_on(patch_cross_entropy(&model, &prep, &[])).unwrap(),
            None
        );
    }

    #[test]
    fn the_cosine_schedule_decays_from_lr_to_five_percent() {
        let cfg = HsiTrainConfig::new().with_lr(1e-3);
        assert_eq!(lr_at(&cfg, 0, 100), 1e-3);
        assert!((lr_at(&cfg, 50, 100) - 0.525e-3).abs() < 1e-12);
        assert!((lr_at(&cfg, 100, 100) - 0.05e-3).abs() < 1e-12);
        let flat = cfg.clone().with_cosine(false);
        assert_eq!(lr_at(&flat, 90, 100), 1e-3);
    }

    #[test]
    fn class_balancing_trains_on_the_repeated_pixels_and_is_kept_in_the_weights() {
        let scene = small_scene();
        let cfg = small_cfg().with_epochs(1).with_min_per_class(40);
        let prep = prepare(&scene, &cfg).unwrap();
        let counts: Vec<usize> = (1..=3)
            .map(|c| {
                prep.split
                    .train
                    .iter()
                    .filter(|&&i| prep.gt[i] == c)
                    .count()
            })
            .collect();
        assert!(counts.iter().all(|&n| n > 0 && n < 40), "{counts:?}");
        let mut totals = Vec::new();
        let trained = {
            let mut host = NativeHost::new(|e| {
                if let Event::Progress { done, total, .. } = e {
                    totals.push((done, total));
                }
            });
            pollster::block_on(train_hybridsn(
                &mut host,
                &Device::flex(),
                &prep,
                &cfg,
                None,
            ))
            .unwrap()
        };
        // Every class is seen 40 times in the epoch: 120 samples, not the split's own count.
        assert_eq!(totals.first().unwrap().1, 120);
        assert!(totals.iter().any(|&(done, _)| done == 120));
        assert!(trained.history[0].loss.is_finite());
        let bytes = pollster::block_on(save_hybridsn(
            &trained.model,
            &cfg,
            &prep.scene,
            Scores::default(),
            Precision::F32,
        ))
        .unwrap();
        let (_, cfg2) = load_hybridsn(&bytes, &Device::flex()).unwrap();
        assert_eq!(cfg2.min_per_class, 40);
    }

    #[test]
    fn weights_record_the_scene_they_were_trained_on() {
        let scene = small_scene();
        let model = HybridSnConfig::new()
            .with_bands(14)
            .with_patch(9)
            .with_num_classes(scene.num_classes)
            .init(&Device::flex())
            .valid();
        let cfg = small_cfg();
        let here = TrainedOn::scene(&scene);
        let save = |on: &TrainedOn| {
            pollster::block_on(save_hybridsn(
                &model,
                &cfg,
                on,
                Scores::default(),
                Precision::F16,
            ))
            .unwrap()
        };
        let with_id = save(&here);
        assert_eq!(TrainedOn::read(&with_id).unwrap(), here);
        assert_eq!(TrainedOn::read(&with_id).unwrap().unscored_on(&here), None);
        let unknown = TrainedOn {
            name: "small".into(),
            id: None,
        };
        let without = save(&unknown);
        assert_eq!(TrainedOn::read(&without).unwrap(), unknown);
        // One changed value or label is another scene; the same data is the same one.
        let mut other = scene.clone();
        other.cube[5] += 1.0;
        assert_ne!(other.id(), scene.id());
        let mut relabelled = scene.clone();
        relabelled.gt[0] = if relabelled.gt[0] == 1 { 2 } else { 1 };
        assert_ne!(relabelled.id(), scene.id());
        assert_eq!(small_scene().id(), scene.id());
        assert!(
            scene
                .id()
                .to_string()
                .starts_with("11×12×16, 3 classes, data hash ")
        );
        // Scores only on the scene itself: not on another one, even of the same name, nor
        // when the file does not say.
        let elsewhere = TrainedOn::scene(&other);
        let why = TrainedOn::read(&with_id)
            .unwrap()
            .unscored_on(&elsewhere)
            .unwrap();
        assert!(why.contains("another scene"), "{why}");
        let why = unknown.unscored_on(&here).unwrap();
        assert!(why.contains("do not record"), "{why}");
    }

    #[test]
    fn scene_map_equals_patch_by_patch_inference() {
        let scene = small_scene();
        let cfg = small_cfg();
        let prep = prepare(&scene, &cfg).unwrap();
        let device = Device::flex();
        let model = HybridSnConfig::new()
            .with_bands(14)
            .with_patch(9)
            .with_num_classes(scene.num_classes)
            .init(&device)
            .valid();
        let mut host = NativeHost::new(|_| {});
        let map = pollster::block_on(scene_map(&mut host, &model, &prep, false)).unwrap();
        let all: Vec<usize> = (0..scene.height * scene.width).collect();
        let reference = pollster::block_on(patch_labels(&model, &prep, &all)).unwrap();
        assert_eq!(map.len(), all.len());
        assert!(map.iter().all(|&l| (1..=3).contains(&l)));
        assert_eq!(map, reference);
    }

    #[test]
    fn training_learns_the_small_scene_and_weights_round_trip_bit_exactly() {
        let scene = small_scene();
        let cfg = small_cfg().with_epochs(12).with_lr(3e-3);
        let prep = prepare(&scene, &cfg).unwrap();
        let device = Device::flex();
        let mut events = Vec::new();
        let trained = {
            let mut host = NativeHost::new(|e| events.push(e));
            pollster::block_on(train_hybridsn(&mut host, &device, &prep, &cfg, None)).unwrap()
        };
        assert_eq!(trained.history.len(), 12);
        let first = trained.history[0].loss;
        let last = trained.history.last().unwrap().loss;
        assert!(last < first, "loss did not fall: {first} → {last}");
        let oa = trained.evaluation.as_ref().unwrap().oa;
        assert!(oa > 0.6, "OA {oa}");
        assert!(events.iter().any(|e| matches!(e, Event::Epoch(_))));
        assert!(events.iter().any(|e| matches!(e, Event::MapRows { .. })));
        // Validation is scored every epoch, on its own pixels, apart from the test pixels.
        let val = trained.validation.as_ref().expect("a validation score");
        assert_eq!(val.pixels, prep.split.validation.len());
        assert!(val.pixels > 0);
        assert!(trained.history.iter().all(|m| m.val_acc.is_some()));
        assert_eq!(trained.history.last().unwrap().val_acc, Some(val.oa));
        let test: std::collections::HashSet<_> = prep.split.test.iter().collect();
        assert!(prep.split.validation.iter().all(|i| !test.contains(i)));
        assert!(
            prep.split
                .validation
                .iter()
                .all(|i| !prep.split.train.contains(i))
        );

        // f32 file: reloaded weights give bit-identical logits.
        let bytes = pollster::block_on(save_hybridsn(
            &trained.model,
            &cfg,
            &prep.scene,
            Scores {
                validation: trained.validation.as_ref(),
                validation_loss: Some(0.25),
                test: trained.evaluation.as_ref(),
            },
            Precision::F32,
        ))
        .unwrap();
        let (reloaded, cfg2) = load_hybridsn(&bytes, &device).unwrap();
        assert_eq!(cfg2, cfg);
        // The header records the validation score the run is chosen by, and the test score.
        let (header, _) = crate::train::weights::read_header(&bytes).unwrap();
        let (v, t) = recorded_scores(&header.metrics);
        let (v, t) = (v.unwrap(), t.unwrap());
        assert_eq!(
            (v.oa, v.aa, v.kappa, v.pixels),
            (val.oa, val.aa, val.kappa, val.pixels)
        );
        let e = trained.evaluation.as_ref().unwrap();
        assert_eq!((t.oa, t.pixels), (e.oa, e.pixels));
        assert_eq!(header.metrics["validation"]["cross_entropy"], 0.25);
        assert_eq!(header.metrics["selection"], SELECTION);
        assert_eq!(header.preprocessing["val_fraction"], 0.1);
        let mut buf = Vec::new();
        let px: Vec<usize> = (0..20).collect();
        let a = trained
            .model
            .forward(batch_tensor(&prep, &px, &mut buf, &device))
            .into_data();
        let b = reloaded
            .forward(batch_tensor(&prep, &px, &mut buf, &device))
            .into_data();
        assert_eq!(a.as_bytes(), b.as_bytes());

        // A file for another model is refused in words.
        let other = crate::model::MobileNetV1Config::new()
            .with_width(0.25)
            .init(&device);
        let foreign = pollster::block_on(crate::train::weights::save(
            &other,
            "MobileNetV1",
            serde_json::json!({}),
            serde_json::json!({}),
            serde_json::json!({}),
            Precision::F32,
        ))
        .unwrap();
        let err = load_hybridsn(&foreign, &device).unwrap_err();
        assert_eq!(err, TrainError::NotHybridSnWeights("MobileNetV1".into()));
        assert!(err.to_string().contains("MobileNetV1"), "{err}");
        // A truncated file is refused.
        assert!(load_hybridsn(&bytes[..bytes.len() / 2], &device).is_err());
    }

    #[test]
    fn training_continues_from_loaded_weights_with_augmentation() {
        let scene = small_scene();
        let cfg = small_cfg().with_epochs(2).with_lr(3e-3);
        let prep = prepare(&scene, &cfg).unwrap();
        let device = Device::flex();
        let mut host = NativeHost::new(|_| {});
        let first =
            pollster::block_on(train_hybridsn(&mut host, &device, &prep, &cfg, None)).unwrap();
        let bytes = pollster::block_on(save_hybridsn(
            &first.model,
            &cfg,
            &prep.scene,
            Scores::default(),
            Precision::F32,
        ))
        .unwrap();
        // A loaded model is in eval mode; continuing must make it trainable again.
        let (loaded, _) = load_hybridsn(&bytes, &device).unwrap();
        // Resuming after epoch 1 of 3 runs epochs 2 and 3.
        let more = cfg.clone().with_augment(true).with_epochs(3);
        let second = pollster::block_on(train_hybridsn(
            &mut host,
            &device,
            &prep,
            &more,
            Some((loaded, 1)),
        ))
        .unwrap();
        let epochs: Vec<usize> = second.history.iter().map(|m| m.epoch).collect();
        assert_eq!(epochs, [2, 3]);
        assert!(second.history.iter().all(|m| m.loss.is_finite()));
        let mut buf = Vec::new();
        let px: Vec<usize> = (0..20).collect();
        let a = first
            .model
            .forward(batch_tensor(&prep, &px, &mut buf, &device))
            .into_data();
        let b = second
            .model
            .forward(batch_tensor(&prep, &px, &mut buf, &device))
            .into_data();
        assert_ne!(a.as_bytes(), b.as_bytes(), "the weights did not change");
    }

    #[test]
    fn label_smoothing_trains_is_kept_in_the_weights_and_bad_values_are_refused() {
        let scene = small_scene();
        let cfg = small_cfg()
            .with_epochs(6)
            .with_lr(3e-3)
            .with_label_smoothing(0.1);
        let prep = prepare(&scene, &cfg).unwrap();
        let device = Device::flex();
        let mut host = NativeHost::new(|_| {});
        let trained =
            pollster::block_on(train_hybridsn(&mut host, &device, &prep, &cfg, None)).unwrap();
        let (first, last) = (
            trained.history[0].loss,
            trained.history.last().unwrap().loss,
        );
        assert!(last < first, "loss did not fall: {first} → {last}");
        // Smoothed targets (0.933, 0.033, 0.033 for ε = 0.1 and 3 classes) have entropy
        // 0.291: the mean loss cannot fall below it, as a plain cross-entropy can.
        assert!(last > 0.28, "smoothed loss {last} is below its floor");
        let oa = trained.evaluation.as_ref().unwrap().oa;
        assert!(oa > 0.6, "OA {oa}");
        let bytes = pollster::block_on(save_hybridsn(
            &trained.model,
            &cfg,
            &prep.scene,
            Scores::default(),
            Precision::F16,
        ))
        .unwrap();
        let (_, cfg2) = load_hybridsn(&bytes, &device).unwrap();
        assert_eq!(cfg2.label_smoothing, 0.1);
        for bad in [1.0, -0.1, f32::NAN] {
            let cfg = cfg.clone().with_label_smoothing(bad);
            let err = pollster::block_on(train_hybridsn(&mut host, &device, &prep, &cfg, None))
                .err()
                .expect("a bad smoothing must be refused");
            assert!(matches!(err, TrainError::LabelSmoothing(_)), "{err}");
            assert!(err.to_string().contains("Label smoothing"), "{err}");
        }
    }

    #[test]
    fn a_huge_learning_rate_stops_with_a_message_naming_epoch_and_step() {
        let scene = small_scene();
        let cfg = small_cfg().with_lr(1e12).with_epochs(3);
        let prep = prepare(&scene, &cfg).unwrap();
        let mut host = NativeHost::new(|_| {});
        match pollster::block_on(train_hybridsn(
            &mut host,
            &Device::flex(),
            &prep,
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
                "expected a divergence error, got OA {}",
                t.evaluation.map_or(f64::NAN, |e| e.oa)
            ),
        }
    }

    #[test]
    fn weights_made_non_finite_by_an_epochs_last_step_stop_the_run() {
        // One step an epoch: its loss is computed before the step, so it is finite; the step
        // with an infinite learning rate (1e39 is beyond f32) makes the weights infinite or
        // NaN, which only the end-of-epoch check sees. Without it this run "succeeded" with
        // an epoch of garbage weights reported and mapped.
        let scene = small_scene();
        let cfg = small_cfg()
            .with_lr(1e39)
            .with_epochs(1)
            .with_max_train(8)
            .with_batch_size(8)
            .with_min_per_class(0);
        let prep = prepare(&scene, &cfg).unwrap();
        assert_eq!(training_pixels(&prep, &cfg).len(), 8, "one step an epoch");
        let mut host = NativeHost::new(|_| {});
        let device = Device::flex();
        match pollster::block_on(train_hybridsn(&mut host, &device, &prep, &cfg, None)) {
            Err(e) => {
                assert_eq!(e, TrainError::NonFiniteWeights { epoch: 1, steps: 1 });
                assert!(
                    e.to_string()
                        .contains("weights became NaN or infinite at epoch 1, step 1 of 1"),
                    "{e}"
                );
            }
            Ok(_) => panic!("an epoch with non-finite weights was reported as done"),
        }
        // A sound model passes the check.
        let model = HybridSnConfig::new()
            .with_bands(prep.padded.bands)
            .with_patch(prep.patch)
            .with_num_classes(prep.num_classes)
            .init(&device);
        assert!(pollster::block_on(super::super::weights_finite(&model)).unwrap());
    }

    #[test]
    fn batches_are_cut_to_what_the_device_holds() {
        // Indian Pines defaults: the third Conv3d (32 × 18 × 19 × 19) is the biggest output.
        let a = activation_floats(30, 25);
        assert_eq!(
            a,
            [
                8 * 24 * 23 * 23,
                16 * 20 * 21 * 21,
                32 * 18 * 19 * 19,
                64 * 17 * 17
            ]
        );
        // The figure: at batch 256 that output exceeds a 128 MiB binding.
        assert!(256 * 4 * a[2] > WEBGPU_BINDING_BYTES);
        let gpu = fit_batch(4096, 30, 25, true);
        assert_eq!(gpu, WEBGPU_BINDING_BYTES / 2 / (4 * a[2]));
        assert!(gpu >= 32, "the default batch 32 must fit: {gpu}");
        assert_eq!(fit_batch(32, 30, 25, true), 32);
        let cpu = fit_batch(100_000, 30, 25, false);
        assert!(cpu >= 32 && cpu * 12 * a.iter().sum::<usize>() <= CPU_STEP_BYTES);
        // Tiny settings keep the asked batch; nothing goes below 1.
        assert_eq!(fit_batch(7, 15, 9, true), 7);
        assert_eq!(fit_batch(0, 30, 25, true), 1);
    }

    #[test]
    fn strips_stay_within_webgpu_binding_limits() {
        // 145 columns, 25×25 patches: the unfolded first dense layer input of one strip.
        let rows = strip_rows(145, 25, STRIP_BYTES);
        assert!(rows >= 1);
        assert!(rows * 145 * 64 * 17 * 17 * 4 <= 64 * 1024 * 1024);
        // Natively on the CPU: taller strips, still within their budget.
        let native = strip_rows(145, 25, NATIVE_CPU_STRIP_BYTES);
        assert!(native > 4 * rows && native * 145 * 64 * 17 * 17 * 4 <= 512 << 20);
        assert_eq!(strip_rows(10, 9, NATIVE_CPU_STRIP_BYTES), 48);
    }

    #[test]
    fn spread_is_the_mean_and_sample_standard_deviation() {
        let s = Spread::of(&[0.97, 0.98, 0.99]).unwrap();
        assert!((s.mean - 0.98).abs() < 1e-12);
        assert!((s.sd - 0.01).abs() < 1e-12, "{}", s.sd);
        assert_eq!(s.runs, 3);
        // n − 1: two runs 2 apart have sd √2, not 1.
        let two = Spread::of(&[1.0, 3.0]).unwrap();
        assert_eq!(two.mean, 2.0);
        assert!((two.sd - 2f64.sqrt()).abs() < 1e-12);
        assert_eq!(Spread::of(&[0.5]).unwrap().sd, 0.0);
        assert!(Spread::of(&[]).is_none());
        // OA, AA and Kappa are each aggregated from their own field.
        let eval = |oa: f64, aa: f64, kappa: f64| Evaluation {
            oa,
            aa,
            kappa,
            per_class: Vec::new(),
            confusion: Vec::new(),
            num_classes: 2,
            pixels: 10,
        };
        let (a, b) = (eval(0.9, 0.8, 0.7), eval(1.0, 0.6, 0.5));
        let s = SpreadScores::of(&[&a, &b]).unwrap();
        assert!((s.oa.mean - 0.95).abs() < 1e-12 && (s.aa.mean - 0.7).abs() < 1e-12);
        assert!((s.kappa.mean - 0.6).abs() < 1e-12);
        assert!((s.oa.sd - 0.1 / 2f64.sqrt()).abs() < 1e-12);
        assert!((s.aa.sd - 0.2 / 2f64.sqrt()).abs() < 1e-12);
        assert!(SpreadScores::of(&[]).is_none());
    }

    fn shipped(file: &str) -> Vec<u8> {
        let path = format!("{}/public/{file}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path} is needed by this test: {e}"))
    }

    #[test]
    fn the_labs_defaults_are_the_training_configs() {
        // One source for each default: the lab's form starts from `HsiSettings::default()`,
        // whose training config is the CLI's.
        let lab = HsiTrainConfig::from(&crate::messages::hsi::HsiSettings::default());
        let cli = HsiTrainConfig::new();
        assert_eq!(lab, cli);
    }

    #[test]
    fn shipped_weights_record_the_bundled_scene() {
        // The app maps the bundled scene with the shipped weights and scores the map: honest
        // only because the file records that very scene (its header was given the scene's
        // identity after the fact; the tensors are the ones trained on it).
        let scene = crate::data::load::indian_pines(&shipped(&format!(
            "data/{}",
            crate::data::load::INDIAN_PINES_FILE
        )))
        .unwrap();
        let here = TrainedOn::scene(&scene);
        let recorded = TrainedOn::read(&shipped("weights/hybridsn.clw")).unwrap();
        assert_eq!(
            recorded.unscored_on(&here),
            None,
            "{recorded:?} against {here:?}"
        );
    }

    /// Preparing another split of the same scene reuses the PCA and padding and draws the
    /// split as a fresh preparation does; another patch size or another scene recomputes.
    #[test]
    fn prepare_reusing_another_split_equals_a_fresh_preparation() {
        let scene = crate::data::load::indian_pines(&shipped(&format!(
            "data/{}",
            crate::data::load::INDIAN_PINES_FILE
        )))
        .unwrap();
        let random = HsiTrainConfig::new();
        let spatial = HsiTrainConfig::new().with_spatial(true).with_seed(1);
        let first = prepare(&scene, &random).unwrap();
        let fresh = prepare(&scene, &spatial).unwrap();
        let reused = prepare_reusing(&scene, &spatial, Some(&first)).unwrap();
        assert_eq!(reused.split, fresh.split);
        assert_eq!(reused.padded.volume(), fresh.padded.volume());
        assert_eq!(
            (&reused.explained, &reused.scene),
            (&fresh.explained, &fresh.scene)
        );
        // Another patch size cannot reuse the padding.
        let other = random.clone().with_patch(11);
        let p = prepare_reusing(&scene, &other, Some(&first)).unwrap();
        assert_eq!(p.patch, 11);
        assert_eq!(
            p.padded.volume(),
            prepare(&scene, &other).unwrap().padded.volume()
        );
    }

    /// A shipped HybridSN file's header records its split, its validation score, how it was
    /// chosen and the bundled scene, and the scores it records are what a map of the scene by
    /// its weights scores today (to the printed precision), on the validation and test pixels
    /// today's split gives. Returns the file's settings.
    fn shipped_weights_score_what_their_header_says(file: &str) -> HsiTrainConfig {
        let bytes = shipped(file);
        let (model, cfg) = load_hybridsn(&bytes, &Device::flex()).unwrap();
        let (header, _) = crate::train::weights::read_header(&bytes).unwrap();
        assert_eq!(header.metrics["selection"], SELECTION);
        let (v, t) = recorded_scores(&header.metrics);
        let (v, t) = (v.expect("a validation score"), t.expect("a test score"));
        let scene = crate::data::load::indian_pines(&shipped(&format!(
            "data/{}",
            crate::data::load::INDIAN_PINES_FILE
        )))
        .unwrap();
        assert_eq!(
            TrainedOn::read(&bytes)
                .unwrap()
                .unscored_on(&TrainedOn::scene(&scene)),
            None
        );
        let prep = prepare(&scene, &cfg).unwrap();
        assert_eq!(
            (prep.split.validation.len(), prep.split.test.len()),
            (v.pixels, t.pixels)
        );
        let mut host = NativeHost::new(|_| {});
        let map = pollster::block_on(scene_map(&mut host, &model, &prep, false)).unwrap();
        for (pixels, recorded) in [(&prep.split.validation, v), (&prep.split.test, t)] {
            let e = Evaluation::of(&map, &prep.gt, pixels, prep.num_classes);
            let pct = |x: f64| format!("{:.2}", 100.0 * x);
            assert_eq!(
                (pct(e.oa), pct(e.aa), format!("{:.4}", e.kappa)),
                (
                    pct(recorded.oa),
                    pct(recorded.aa),
                    format!("{:.4}", recorded.kappa)
                ),
                "{file}: {} pixels",
                pixels.len()
            );
        }
        cfg
    }

    /// The no-shared-input weights the lab's split comparison shows.
    #[test]
    fn shipped_spatial_weights_score_what_their_header_says() {
        let cfg = shipped_weights_score_what_their_header_says("weights/hybridsn-spatial.clw");
        assert!(cfg.spatial);
        assert_eq!(cfg.guard, Guard::NoSharedInput);
        assert_eq!((cfg.seed, cfg.min_per_class, cfg.epochs), (0, 32, 20));
    }

    /// The random-split weights the lab maps with: the recipe chosen on validation in session
    /// 17 (docs/RESULTS.md), split seed 0, its last epoch.
    #[test]
    fn shipped_random_split_weights_score_what_their_header_says() {
        let cfg = shipped_weights_score_what_their_header_says("weights/hybridsn.clw");
        assert!(!cfg.spatial);
        assert_eq!(cfg.val_fraction, crate::data::VALIDATION_FRACTION);
        assert_eq!((cfg.seed, cfg.epochs, cfg.train_fraction), (0, 20, 0.1));
        let (header, _) =
            crate::train::weights::read_header(&shipped("weights/hybridsn.clw")).unwrap();
        assert!(header.metrics["validation"]["cross_entropy"].is_f64());
    }

    /// A file written before validation sets and the wide spatial guard: the header of the
    /// HybridSN file shipped until session 17 (its preprocessing and metrics verbatim, picked
    /// among runs by test score), over a small model's tensors.
    #[test]
    fn files_written_before_validation_sets_read_as_such() {
        let device = Device::flex();
        let model = HybridSnConfig::new()
            .with_bands(30)
            .with_patch(9)
            .with_num_classes(16)
            .init(&device);
        let preprocessing = serde_json::json!({
            "augment": false, "batch_norm": true, "batch_size": 32, "cosine": true,
            "epochs": 20, "eval_every": 5, "label_smoothing": 0.0, "lr": 0.001, "max_train": 0,
            "min_per_class": 32, "patch": 9, "pca": 30, "seed": 2, "spatial": false,
            "train_fraction": 0.1
        });
        let metrics = serde_json::json!({
            "aa": 0.9815631403689585, "kappa": 0.9833254545881921, "oa": 0.9853610930383865,
            "scene": "Indian Pines", "test_pixels": 9222,
            "scene_id": {"height": 145, "width": 145, "bands": 200, "classes": 16,
                         "hash": "c477696b0f929617"}
        });
        let bytes = pollster::block_on(crate::train::weights::save(
            &model,
            "HybridSN",
            serde_json::to_value(model.config()).unwrap(),
            preprocessing,
            metrics,
            Precision::F16,
        ))
        .unwrap();
        let (_, cfg) = load_hybridsn(&bytes, &device).unwrap();
        assert_eq!(cfg.val_fraction, 0.0);
        assert_eq!(cfg.guard, Guard::LabelsApart);
        assert_eq!((cfg.seed, cfg.min_per_class, cfg.spatial), (2, 32, false));
        let (header, _) = crate::train::weights::read_header(&bytes).unwrap();
        let (v, t) = recorded_scores(&header.metrics);
        assert_eq!(v, None);
        assert_eq!(t.unwrap().pixels, 9222);
        assert!(chosen_as(&header.metrics).contains("not recorded"));
        // A new file's settings are its own, not the legacy ones.
        assert_eq!(
            HsiTrainConfig::new().val_fraction,
            crate::data::VALIDATION_FRACTION
        );
        assert_eq!(HsiTrainConfig::new().guard, Guard::NoSharedInput);
        assert!(!HsiTrainConfig::new().same_split(&cfg));
    }

    /// `prep` cut to rows `r0..r0 + h` and columns `c0..c0 + w` (PCA kept; the crop is
    /// zero-padded at its own borders, for the map and the patches alike).
    fn crop(prep: &Prepared, r0: usize, c0: usize, h: usize, w: usize) -> Prepared {
        let (k, m) = (prep.padded.bands, prep.padded.margin);
        let (ph, pw) = (prep.padded.padded_height(), prep.padded.padded_width());
        let vol = prep.padded.volume();
        let mut pixels = Vec::with_capacity(h * w * k);
        let mut gt = Vec::with_capacity(h * w);
        for r in r0..r0 + h {
            for c in c0..c0 + w {
                for b in 0..k {
                    pixels.push(vol[b * ph * pw + (r + m) * pw + c + m]);
                }
                gt.push(prep.gt[r * prep.width + c]);
            }
        }
        Prepared {
            padded: PaddedCube::new(&pixels, h, w, k, prep.patch).unwrap(),
            split: Split::default(),
            gt,
            height: h,
            width: w,
            num_classes: prep.num_classes,
            patch: prep.patch,
            explained: prep.explained.clone(),
            scene: prep.scene.clone(),
        }
    }

    /// The real case of the whole-scene map: the shipped weights (patch 25, so the first
    /// dense layer becomes a 17 × 17 convolution), a 24 × 20 window of Indian Pines mapped
    /// in strips of 5 rows (5 strips, each with its 24 halo rows), compared pixel by pixel
    /// with patch-by-patch inference on all 480 pixels, which get several labels.
    ///
    /// Checked once to fail: with the halo lost (the 12 padded rows above each strip but the
    /// first zeroed, as if every strip were its own scene), 141 of the 480 pixels differ,
    /// from row 5 (the second strip) on, while the patch-9 one-strip test above still passed.
    #[test]
    fn scene_map_in_strips_with_halos_equals_patch_by_patch_with_the_shipped_weights() {
        let scene = crate::data::load::indian_pines(&shipped(&format!(
            "data/{}",
            crate::data::load::INDIAN_PINES_FILE
        )))
        .unwrap();
        let device = Device::flex();
        let (model, cfg) = load_hybridsn(&shipped("weights/hybridsn.clw"), &device).unwrap();
        assert_eq!(cfg.patch, 25);
        let full = prepare(&scene, &cfg).unwrap();
        let (h, w) = (24, 20);
        let prep = crop(&full, 60, 40, h, w);
        let mut host = NativeHost::new(|_| {});
        let rows = 5;
        assert!(h.div_ceil(rows) >= 4, "several strips");
        let map =
            pollster::block_on(scene_map_in_strips(&mut host, &model, &prep, false, rows)).unwrap();
        let all: Vec<usize> = (0..h * w).collect();
        let reference = pollster::block_on(patch_labels(&model, &prep, &all)).unwrap();
        let labels: std::collections::BTreeSet<u16> = reference.iter().copied().collect();
        eprintln!("labels predicted in the window: {labels:?}");
        assert!(labels.len() >= 2, "one label only: {labels:?}");
        let wrong: Vec<(usize, usize)> = all
            .iter()
            .filter(|&&i| map[i] != reference[i])
            .map(|&i| (i / w, i % w))
            .collect();
        assert!(
            wrong.is_empty(),
            "{} pixels differ, first {:?}",
            wrong.len(),
            &wrong[..wrong.len().min(8)]
        );
    }
}
