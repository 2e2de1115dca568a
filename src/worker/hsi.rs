//! The worker's hyperspectral jobs: load (bundled or uploaded) scenes, views, PCA, training,
//! maps, weights import/export. A failed job leaves the loaded scene and model untouched.

use burn::tensor::Device;

use super::fetch::fetch_bytes;
use super::{WorkerHost, post, post_with, table};
use crate::data::{Scene, load, read_arrays};
use crate::messages::hsi::{
    EvalInfo, FileArrays, HsiRequest, HsiResponse, ImageMsg, MapSource, SceneInfo,
};
use crate::messages::{Response, job};
use crate::model::{HybridSn, HybridSnConfig};
use crate::train::hsi::{
    CPU_STEP_BYTES, Evaluation, HsiTrainConfig, Prepared, SELECTION, Scores, TrainedOn,
    WEBGPU_BINDING_BYTES, activation_floats, chosen_as, fit_batch, load_hybridsn, prepare,
    save_hybridsn, scene_map, train_hybridsn,
};
use crate::train::weights::Precision;
use crate::viz;

fn send(r: HsiResponse) {
    post(&Response::Hsi(r));
}

/// Shipped HybridSN weights (trained natively with `convlab train hybridsn`).
pub const PRETRAINED_URL: &str = "./public/weights/hybridsn.clw";

#[derive(Default)]
pub struct HsiState {
    scene: Option<Scene>,
    bundled: bool,
    prepared: Option<(HsiTrainConfig, Prepared)>,
    model: Option<Model>,
    /// The current model's test scores, and its validation scores (what its file records).
    evaluation: Option<Evaluation>,
    validation: Option<Evaluation>,
    /// What a failed run left: its settings, the epochs it completed and their weights file.
    kept: Option<Kept>,
}

/// A model, the settings it was trained with and the scene it was trained on (what decides
/// whether its maps of the loaded scene may be scored: [`TrainedOn::unscored_on`]).
#[derive(Clone)]
struct Model {
    net: HybridSn,
    cfg: HsiTrainConfig,
    trained_on: TrainedOn,
}

impl Model {
    /// Reads a weights file (the settings and the scene it records).
    fn read(bytes: &[u8], device: &Device) -> Result<Self, String> {
        let (net, cfg) = load_hybridsn(bytes, device)?;
        let trained_on = TrainedOn::read(bytes)?;
        Ok(Model {
            net,
            cfg,
            trained_on,
        })
    }
}

/// The last completed epoch of a run that failed (lost device, diverging loss).
struct Kept {
    cfg: HsiTrainConfig,
    epoch: usize,
    weights: Vec<u8>,
}

impl HsiState {
    /// The device went away: drop what lived on it. A kept checkpoint is a file, so it stays;
    /// the current model is rebuilt on the CPU from its weights when there are any.
    pub fn forget_device_models(&mut self) {
        self.model = self.kept.as_ref().and_then(|k| {
            Model::read(&k.weights, &Device::flex())
                .ok()
                .map(|m| Model {
                    cfg: k.cfg.clone(),
                    ..m
                })
        });
    }
}

/// The words for a batch made smaller to fit the device.
fn batch_notice(asked: usize, fitted: usize, prep: &Prepared, gpu: bool) -> String {
    let acts = activation_floats(prep.padded.bands, prep.patch);
    let mib = |floats: usize| (4 * floats * asked) as f64 / (1u64 << 20) as f64;
    if gpu {
        format!(
            "Batch {asked} would make one Conv3d output of {:.0} MiB, more than WebGPU's \
             {} MiB per buffer allows; training with batch {fitted} instead.",
            mib(acts.iter().copied().max().unwrap_or(0)),
            WEBGPU_BINDING_BYTES >> 20
        )
    } else {
        format!(
            "Batch {asked} would need about {:.0} MiB for one step's activations and gradients, \
             more than the CPU backend's {} MiB; training with batch {fitted} instead.",
            3.0 * mib(acts.iter().sum()),
            CPU_STEP_BYTES >> 20
        )
    }
}

/// A training run failed: keep its last completed epoch (if any) so it can resume, possibly
/// on the CPU after a lost GPU, and say so in the message.
async fn keep_checkpoint(
    st: &mut HsiState,
    host: &mut WorkerHost,
    cfg: &HsiTrainConfig,
    gpu: bool,
    message: String,
) -> String {
    host.keep_checkpoints = false;
    // The message names the real cause when the device was lost.
    let lost = super::loss_behind_error(gpu).await;
    let mut message = match &lost {
        Some(why) => format!(
            "The WebGPU device was lost during training ({why}). The run stopped; the lab \
             continues on the CPU."
        ),
        None => message,
    };
    match host.checkpoint.take() {
        Some((epoch, weights)) => {
            message.push_str(&format!(
                " The metrics and weights of epoch {epoch} are kept: press \"Resume training\" \
                 to continue from there."
            ));
            send(HsiResponse::Kept {
                epoch,
                epochs: cfg.epochs,
            });
            st.kept = Some(Kept {
                cfg: cfg.clone(),
                epoch,
                weights,
            });
        }
        None => message
            .push_str(" No epoch had completed; the model from before this run is unchanged."),
    }
    message
}

/// Preprocessing is the same when PCA, patch and split settings agree.
fn same_prep(a: &HsiTrainConfig, b: &HsiTrainConfig) -> bool {
    a.same_split(b)
}

fn scene_info(scene: &Scene) -> SceneInfo {
    let n = scene.num_classes;
    let mut sums = vec![vec![0f64; scene.bands]; n];
    let mut counts = vec![0usize; n];
    for (i, &g) in scene.gt.iter().enumerate() {
        if g == 0 || g as usize > n {
            continue;
        }
        let c = g as usize - 1;
        counts[c] += 1;
        let px = &scene.cube[i * scene.bands..(i + 1) * scene.bands];
        for (s, v) in sums[c].iter_mut().zip(px) {
            *s += *v as f64;
        }
    }
    let class_means = sums
        .into_iter()
        .zip(&counts)
        .map(|(s, &c)| {
            s.into_iter()
                .map(|v| (v / c.max(1) as f64) as f32)
                .collect()
        })
        .collect();
    let b = scene.bands;
    let rgb_bands = if b >= 44 {
        [43, 21, 11]
    } else {
        [b * 3 / 4, b / 2, b / 4]
    };
    SceneInfo {
        name: scene.name.clone(),
        height: scene.height,
        width: scene.width,
        bands: scene.bands,
        num_classes: n,
        class_names: scene.class_names.clone(),
        class_counts: scene.class_counts(),
        gt: scene.gt.clone(),
        class_means,
        rgb_bands,
        label_map: scene.label_map.describe(),
    }
}

fn band_plane(scene: &Scene, band: usize) -> Vec<f32> {
    scene
        .cube
        .chunks_exact(scene.bands)
        .map(|px| px[band])
        .collect()
}

fn rgb_image(scene: &Scene, bands: [usize; 3]) -> Result<ImageMsg, String> {
    if bands.iter().any(|&b| b >= scene.bands) {
        return Err(format!(
            "Bands must be between 0 and {}",
            scene.bands.saturating_sub(1)
        ));
    }
    let (w, h) = (scene.width as u32, scene.height as u32);
    let img = viz::colormap::false_colour(
        &band_plane(scene, bands[0]),
        &band_plane(scene, bands[1]),
        &band_plane(scene, bands[2]),
        w,
        h,
    );
    Ok(ImageMsg {
        id: "rgb".into(),
        width: img.width,
        height: img.height,
        rgba: img.pixels,
    })
}

/// How the weights in a file were chosen, as its header records it.
fn chosen_in(bytes: &[u8]) -> String {
    crate::train::weights::read_header(bytes)
        .map(|(h, _)| chosen_as(&h.metrics))
        .unwrap_or_default()
}

fn eval_info(
    e: &Evaluation,
    prep: &Prepared,
    source: MapSource,
    cfg: &HsiTrainConfig,
    chosen: &str,
) -> EvalInfo {
    EvalInfo {
        oa: e.oa,
        aa: e.aa,
        kappa: e.kappa,
        per_class: e.per_class.clone(),
        confusion: e.confusion.clone(),
        num_classes: e.num_classes,
        test_pixels: e.pixels,
        source,
        protocol: if chosen.is_empty() {
            format!("split: {}", cfg.split_name())
        } else {
            format!("split: {}; {chosen}", cfg.split_name())
        },
        train_pixels: prep.split.train.iter().map(|&i| i as u32).collect(),
        test_pixels_list: prep.split.test.iter().map(|&i| i as u32).collect(),
    }
}

fn set_scene(st: &mut HsiState, scene: Scene, bundled: bool) -> Result<(), String> {
    let rgb = scene_info(&scene).rgb_bands;
    send(HsiResponse::Scene(scene_info(&scene)));
    send(HsiResponse::Image(rgb_image(&scene, rgb)?));
    st.scene = Some(scene);
    st.bundled = bundled;
    st.prepared = None;
    st.model = None;
    st.evaluation = None;
    st.validation = None;
    Ok(())
}

async fn ensure_bundled(st: &mut HsiState) -> Result<(), String> {
    if st.bundled && st.scene.is_some() {
        return Ok(());
    }
    let bytes = fetch_bytes(
        &format!("./public/data/{}", load::INDIAN_PINES_FILE),
        job::DOWNLOAD,
    )
    .await?;
    let scene = load::indian_pines(&bytes).map_err(|e| e.to_string())?;
    set_scene(st, scene, true)
}

fn ensure_prepared<'a>(st: &'a mut HsiState, cfg: &HsiTrainConfig) -> Result<&'a Prepared, String> {
    let fresh = matches!(&st.prepared, Some((c, _)) if same_prep(c, cfg));
    if !fresh {
        let scene = st
            .scene
            .as_ref()
            .ok_or("Load a scene first (Indian Pines or your own file).")?;
        let prep = prepare(scene, cfg)?;
        st.prepared = Some((cfg.clone(), prep));
    }
    Ok(&st.prepared.as_ref().expect("prepared above").1)
}

/// Maps the scene with `model` and scores the map on the test pixels of the model's own
/// split, when that is honest: only on the scene the model was trained on. Otherwise the
/// map comes without scores, and the reason in words ([`HsiResponse::Unscored`]).
async fn map_and_score(
    st: &mut HsiState,
    host: &mut WorkerHost,
    model: Model,
    source: MapSource,
    chosen: &str,
) -> Result<(), String> {
    let prep = ensure_prepared(st, &model.cfg)?.clone();
    host.job = job::MAP.into();
    let map = scene_map(host, &model.net, &prep, true).await?;
    match model.trained_on.unscored_on(&prep.scene) {
        None => {
            let e = Evaluation::of(&map, &prep.gt, &prep.split.test, prep.num_classes);
            send(HsiResponse::Evaluation(eval_info(
                &e, &prep, source, &model.cfg, chosen,
            )));
            st.evaluation = Some(e);
            st.validation = (!prep.split.validation.is_empty())
                .then(|| Evaluation::of(&map, &prep.gt, &prep.split.validation, prep.num_classes));
        }
        Some(why) => {
            send(HsiResponse::Unscored {
                source,
                why: format!("Not scored: {why}."),
            });
            st.evaluation = None;
            st.validation = None;
        }
    }
    st.model = Some(model);
    post(&Response::Done {
        job: job::MAP.into(),
        stopped: false,
    });
    Ok(())
}

pub async fn handle(
    st: &mut HsiState,
    host: &mut WorkerHost,
    device: &Device,
    backend: &str,
    req: HsiRequest,
    bins: Vec<Vec<u8>>,
) -> Result<(), String> {
    match req {
        HsiRequest::LoadBundled => {
            ensure_bundled(st).await?;
            post(&Response::Done {
                job: job::DOWNLOAD.into(),
                stopped: false,
            });
        }
        HsiRequest::Upload {
            names,
            cube_var,
            gt_var,
            labels,
        } => {
            let scene_file = names
                .first()
                .zip(bins.first())
                .ok_or("No file was uploaded.")?;
            let gt_file = names.get(1).zip(bins.get(1));
            let scene = load::scene_from_files(
                (scene_file.0.as_str(), scene_file.1.as_slice()),
                gt_file.map(|(n, b)| (n.as_str(), b.as_slice())),
                cube_var.as_deref(),
                gt_var.as_deref(),
                &labels,
            )
            .map_err(|e| format!("{}: {e}", scene_file.0))?;
            set_scene(st, scene, false)?;
        }
        HsiRequest::InspectFiles { names } => {
            let mut files = Vec::new();
            for (name, bytes) in names.iter().zip(&bins) {
                let arrays = read_arrays(name, bytes).map_err(|e| format!("{name}: {e}"))?;
                let (cubes, gts) = load::array_choices(&arrays);
                files.push(FileArrays {
                    file: name.clone(),
                    arrays: arrays.iter().map(|a| a.summary()).collect(),
                    cubes,
                    gts,
                });
            }
            send(HsiResponse::Arrays(files));
        }
        HsiRequest::Band { band, colormap } => {
            let scene = st.scene.as_ref().ok_or("Load a scene first.")?;
            if band >= scene.bands {
                return Err(format!(
                    "Band {band} is beyond the scene's {} bands",
                    scene.bands
                ));
            }
            let plane = band_plane(scene, band);
            let (lo, hi) = viz::colormap::robust_range(&plane);
            let cmap = if colormap == "grey" {
                viz::colormap::Colormap::Grey
            } else {
                viz::colormap::Colormap::Viridis
            };
            let img = viz::colormap::array_to_rgba(
                &plane,
                scene.width as u32,
                scene.height as u32,
                cmap,
                lo,
                hi,
            );
            send(HsiResponse::Image(ImageMsg {
                id: "band".into(),
                width: img.width,
                height: img.height,
                rgba: img.pixels,
            }));
        }
        HsiRequest::Rgb { bands } => {
            let scene = st.scene.as_ref().ok_or("Load a scene first.")?;
            send(HsiResponse::Image(rgb_image(scene, bands)?));
        }
        HsiRequest::Spectrum { row, col } => {
            let scene = st.scene.as_ref().ok_or("Load a scene first.")?;
            if row >= scene.height || col >= scene.width {
                return Err("That pixel is outside the scene".into());
            }
            send(HsiResponse::Spectrum {
                row,
                col,
                label: scene.gt[row * scene.width + col],
                values: scene.spectrum(row, col).to_vec(),
            });
        }
        HsiRequest::Prepare(s) => {
            let cfg = HsiTrainConfig::from(&s);
            let prep = ensure_prepared(st, &cfg)?;
            let summary = HybridSnConfig::new()
                .with_bands(prep.padded.bands)
                .with_patch(prep.patch)
                .with_num_classes(prep.num_classes)
                .with_batch_norm(cfg.batch_norm)
                .init(device)
                .summary();
            send(HsiResponse::Prepared {
                explained: prep.explained.clone(),
                train: prep.split.train.len(),
                test: prep.split.test.len(),
                layers: table(summary),
            });
        }
        HsiRequest::Train(s) => {
            let mut cfg = HsiTrainConfig::from(&s);
            let prep = ensure_prepared(st, &cfg)?.clone();
            host.job = job::HSI_TRAIN.into();
            let gpu = backend != super::CPU;
            let fitted = fit_batch(cfg.batch_size, prep.padded.bands, prep.patch, gpu);
            if fitted < cfg.batch_size {
                send(HsiResponse::Notice {
                    job: job::HSI_TRAIN.into(),
                    message: batch_notice(cfg.batch_size, fitted, &prep, gpu),
                });
                cfg.batch_size = fitted;
            }
            let start = if s.resume {
                let k = st
                    .kept
                    .take()
                    .ok_or("There is no interrupted run to resume.")?;
                if !same_prep(&k.cfg, &cfg) || k.cfg.batch_norm != cfg.batch_norm {
                    let why = "The interrupted run used other PCA, patch, split or model settings; \
                               set them back to resume it.";
                    st.kept = Some(k);
                    return Err(why.into());
                }
                if let Some(why) = TrainedOn::read(&k.weights)?.unscored_on(&prep.scene) {
                    st.kept = Some(k);
                    return Err(format!(
                        "The interrupted run cannot be resumed on this scene: {why}. Load its \
                         scene again to resume it."
                    ));
                }
                let (net, _) = load_hybridsn(&k.weights, device)?;
                Some((net, k.epoch))
            } else {
                st.kept = None;
                None
            };
            host.keep_checkpoints = true;
            host.checkpoint = None;
            let trained = match train_hybridsn(host, device, &prep, &cfg, start).await {
                Ok(t) => t,
                Err(message) => return Err(keep_checkpoint(st, host, &cfg, gpu, message).await),
            };
            host.keep_checkpoints = false;
            host.checkpoint = None;
            let stopped = trained.stopped;
            // Scores of an earlier model must not be saved with this one.
            st.validation = trained.validation;
            st.evaluation = None;
            match trained.evaluation {
                Some(e) => {
                    send(HsiResponse::Evaluation(eval_info(
                        &e,
                        &prep,
                        MapSource::YourRun,
                        &cfg,
                        &format!("chosen as: {SELECTION}"),
                    )));
                    st.evaluation = Some(e);
                }
                None => send(HsiResponse::Notice {
                    job: job::HSI_TRAIN.into(),
                    message: format!(
                        "Training stopped after {} of {} epochs. The weights so far are kept: \
                         \"Map with the current model\" maps the scene with them.",
                        trained.history.last().map_or(0, |m| m.epoch),
                        cfg.epochs
                    ),
                }),
            }
            st.model = Some(Model {
                net: trained.model,
                cfg,
                trained_on: prep.scene.clone(),
            });
            post(&Response::Done {
                job: job::HSI_TRAIN.into(),
                stopped,
            });
        }
        HsiRequest::PretrainedMap => {
            ensure_bundled(st).await?;
            let bytes = fetch_bytes(PRETRAINED_URL, job::DOWNLOAD).await?;
            let model = Model::read(&bytes, device)?;
            let chosen = chosen_in(&bytes);
            map_and_score(st, host, model, MapSource::Pretrained, &chosen).await?;
        }
        HsiRequest::Map => {
            let model = st
                .model
                .clone()
                .ok_or("There is no model yet: train one or load the pretrained weights.")?;
            map_and_score(st, host, model, MapSource::CurrentModel, "").await?;
        }
        HsiRequest::ExportWeights => {
            let model = st
                .model
                .as_ref()
                .ok_or("There is no model to export yet.")?;
            // The file records the scene the weights were trained on (an imported model's
            // own, not the loaded scene), so that importing it elsewhere is not scored.
            let scores = Scores {
                validation: st.validation.as_ref(),
                test: st.evaluation.as_ref(),
            };
            let bytes = save_hybridsn(
                &model.net,
                &model.cfg,
                &model.trained_on,
                scores,
                Precision::F32,
            )
            .await?;
            post_with(
                &Response::Hsi(HsiResponse::WeightsFile {
                    name: "hybridsn.clw".into(),
                }),
                vec![bytes],
            );
        }
        HsiRequest::ImportWeights { name } => {
            let bytes = bins.first().ok_or("No weights file was given.")?;
            let model = Model::read(bytes, device).map_err(|e| format!("{name}: {e}"))?;
            let scene = st.scene.as_ref().ok_or("Load a scene first.")?;
            let classes = model.net.config().num_classes;
            if classes != scene.num_classes {
                return Err(format!(
                    "{name}: these weights classify {classes} classes but the scene has {}.",
                    scene.num_classes
                ));
            }
            if model.cfg.pca > scene.bands {
                return Err(format!(
                    "{name}: these weights need {} PCA components but the scene has {} bands.",
                    model.cfg.pca, scene.bands
                ));
            }
            let chosen = chosen_in(bytes);
            map_and_score(st, host, model, MapSource::Imported, &chosen).await?;
        }
    }
    Ok(())
}
