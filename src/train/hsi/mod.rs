//! Hyperspectral training: PCA → patches → HybridSN, evaluation with OA/AA/Kappa, and the
//! whole-scene classification map computed strip by strip.

pub use crate::config::HsiTrainConfig;

use burn::module::Module;
use burn::tensor::{Device, Int, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use super::optim::FusedAdamConfig;
use super::{Event, Host, Meter, TrainError, read_f32, read_i64, should_stop};
use crate::data::{
    PaddedCube, Rng, Scene, SceneId, Split, hold_out_validation, oversample_small_classes, pca,
    spatial_split, stratified_split,
};
use crate::model::{HybridSn, HybridSnConfig};

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
    let total_steps = (cfg.epochs * steps_per_epoch).max(1);
    let mut stopped = false;
    'epochs: for epoch in done_epochs + 1..=cfg.epochs {
        let t0 = host.now_ms();
        rng.shuffle(&mut train);
        let mut tally = super::Tally::default();
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
            let at = super::Step {
                loss_fn: &loss_fn,
                lr: lr_at(cfg, step, total_steps),
                epoch,
                step: i + 1,
                steps_per_epoch,
                previous_kept: false,
            };
            let (updated, loss, pred) = at.run(model, &mut optim, logits, y).await?;
            model = updated;
            let correct = pred
                .iter()
                .zip(chunk)
                .filter(|(p, px)| **p == prep.gt[**px] as i64 - 1)
                .count();
            step += 1;
            done += chunk.len();
            tally.add(host, &meter, (step, done), chunk.len(), loss, correct);
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
        let m = tally.metrics(epoch, train_seconds, val_oa, test_oa);
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
mod tests;
