//! The Models page walkthrough in the worker: builds (or loads) the chosen model once, runs the
//! chosen input through it and sends one layer's output as tiles. A failed request leaves the
//! loaded model as it was.

use burn::module::Module;
use burn::tensor::{Device, Tensor, TensorData};

use super::assets::Assets;
use super::tiles::{Tiles, abs_max};
use crate::data::cifar::CIFAR10_CLASSES;
use crate::data::load;
use crate::lab::walk::{cifar_batch, cifar_input, layer_view};
use crate::messages::Job;
use crate::messages::Response;
use crate::messages::lab::{LabResponse, WalkInfo, WalkSettings, WalkSource, WalkView};
use crate::model::{HybridSn, ModelKind};
use crate::train::cifar::{CifarNet, load_cifar, shipped_file};
use crate::train::hsi::{Prepared, load_hybridsn, prepare};
use crate::worker::WorkerError;
use crate::worker::fetch::fetch_bytes;
use crate::worker::hsi::PRETRAINED_URL;
use crate::worker::{now_ms, post_with, table};

/// HybridSN with the scene prepared as its weights were trained (PCA, padding).
pub struct HsiWalk {
    model: HybridSn,
    prepared: Prepared,
    class_names: Vec<String>,
}

pub enum WalkNet {
    Cifar(Box<CifarNet>),
    Hsi(Box<HsiWalk>),
}

/// The walkthrough's model: its source, its weights in words and the model.
pub struct Loaded {
    source: WalkSource,
    weights: String,
    net: WalkNet,
}

async fn load_source(
    assets: &mut Assets,
    source: WalkSource,
    device: &Device,
) -> Result<Loaded, WorkerError> {
    let fresh = |kind: ModelKind| -> Result<Loaded, WorkerError> {
        Ok(Loaded {
            source,
            weights: format!(
                "{} ×1 with freshly initialised (untrained) weights: no trained {} ×1 ships, so \
                 the maps show what the architecture does before training",
                kind.name(),
                kind.name()
            ),
            net: WalkNet::Cifar(Box::new(CifarNet::init(kind, 1.0, device)?.valid())),
        })
    };
    match (source.model, source.trained) {
        (ModelKind::HybridSn, _) => {
            let bytes = fetch_bytes(PRETRAINED_URL, Job::Lab).await?;
            let (model, cfg) = load_hybridsn(&bytes, device)?;
            let scene_bytes = fetch_bytes(
                &format!("./public/data/{}", load::INDIAN_PINES_FILE),
                Job::Lab,
            )
            .await?;
            let scene = load::indian_pines(&scene_bytes)?;
            let prepared = prepare(&scene, &cfg)?;
            Ok(Loaded {
                source,
                weights: format!(
                    "HybridSN trained natively on Indian Pines ({} epochs, {:.0} % of the labelled \
                     pixels; shipped as hybridsn.clw), on PCA {} components of the scene",
                    cfg.epochs,
                    100.0 * cfg.train_fraction,
                    cfg.pca
                ),
                net: WalkNet::Hsi(Box::new(HsiWalk {
                    model,
                    prepared,
                    class_names: scene.class_names,
                })),
            })
        }
        (kind, false) => fresh(kind),
        (kind, true) => {
            let file = shipped_file(kind)
                .ok_or_else(|| WorkerError::Message(format!("no trained {} ships", kind.name())))?;
            let bytes = assets.shipped_weights(file).await?;
            let (net, cfg, metrics) =
                load_cifar(&bytes, device).map_err(|e| WorkerError::in_file(file, e))?;
            let acc = metrics
                .get("test_acc")
                .and_then(|v| v.as_f64())
                .map(|a| format!(", {:.1} % on the 1,000 test images", 100.0 * a))
                .unwrap_or_default();
            Ok(Loaded {
                source,
                weights: format!(
                    "{} ×{} trained natively on the bundled CIFAR-10 subset ({} epochs{acc}; \
                     shipped as {file})",
                    net.kind().name(),
                    cfg.width,
                    cfg.epochs
                ),
                net: WalkNet::Cifar(Box::new(net)),
            })
        }
    }
}

/// Loads the chosen model (unless it is the one loaded) and answers with its layer table
/// and, when a layer was asked for, that layer's output.
pub async fn handle(
    assets: &mut Assets,
    walk: &mut Option<Loaded>,
    device: &Device,
    s: WalkSettings,
) -> Result<(), WorkerError> {
    if walk.as_ref().map(|l| l.source) != Some(s.source) {
        *walk = Some(load_source(assets, s.source, device).await?);
    }
    let loaded = walk.as_ref().expect("loaded above");
    let summary = match &loaded.net {
        WalkNet::Cifar(m) => m.summary(),
        WalkNet::Hsi(h) => h.model.summary(),
    };
    let mut tiles = Tiles::default();
    let view = match &s.layer {
        None => None,
        Some(layer) => Some(view(assets, &loaded.net, device, &s, layer, &mut tiles).await?),
    };
    let weights = loaded.weights.clone();
    let info = WalkInfo {
        source: s.source,
        weights,
        table: table(summary),
        view,
    };
    post_with(&Response::Lab(LabResponse::Walk(info)), tiles.bins);
    Ok(())
}

async fn view(
    assets: &mut Assets,
    net: &WalkNet,
    device: &Device,
    s: &WalkSettings,
    layer: &str,
    tiles: &mut Tiles,
) -> Result<WalkView, WorkerError> {
    // The input, and the model's forward pass over it.
    let (input, labels, t0, acts) = match net {
        WalkNet::Cifar(m) => {
            let (label, pic) = assets.picture(&s.sample).await?;
            let small = if pic.width == 32 && pic.height == 32 {
                pic
            } else {
                pic.square(32)
            };
            tiles.push_rgba("input".into(), 32, 32, small.to_rgba());
            let x = cifar_batch(cifar_input(&small), device);
            let t0 = now_ms();
            let acts = m.activations(x);
            let labels = CIFAR10_CLASSES.iter().map(|c| c.to_string()).collect();
            (label, labels, t0, acts)
        }
        WalkNet::Hsi(h) => {
            let p = &h.prepared;
            let [row, col] = s.pixel;
            if row >= p.height || col >= p.width {
                return Err(WorkerError::Message(format!(
                    "pixel ({row}, {col}) is outside the {}×{} scene",
                    p.height, p.width
                )));
            }
            let mut patch = Vec::new();
            p.padded
                .patch_batch(&[row * p.width + col], p.patch, &mut patch);
            let bands = patch.len() / (p.patch * p.patch);
            // The input tile: the first principal component of the patch.
            let first = &patch[..p.patch * p.patch];
            tiles.push("input".into(), first, p.patch, p.patch, abs_max(first));
            let class = match p.gt[row * p.width + col] {
                0 => "unlabelled".to_string(),
                c => h
                    .class_names
                    .get(c as usize - 1)
                    .cloned()
                    .unwrap_or_else(|| format!("class {c}")),
            };
            let x = Tensor::<5>::from_data(
                TensorData::new(patch, [1, 1, bands, p.patch, p.patch]),
                device,
            );
            let t0 = now_ms();
            let acts = h.model.activations(x);
            let input = format!(
                "the {}×{} patch around pixel ({row}, {col}), ground truth: {class}",
                p.patch, p.patch
            );
            (input, h.class_names.clone(), t0, acts)
        }
    };
    let v = layer_view(acts, layer).await?;
    let ms = now_ms() - t0;
    let scale = abs_max(&v.maps);
    if v.map_count > 0 {
        tiles.maps("map", &v.maps, v.map_w, v.map_h, scale);
    }
    Ok(WalkView {
        layer: v.layer,
        input,
        shape: v.shape,
        map_count: v.map_count,
        scale,
        labels: if v.probabilities { labels } else { Vec::new() },
        vector: v.vector,
        note: v.note,
        ms,
        tiles: tiles.meta.clone(),
    })
}
