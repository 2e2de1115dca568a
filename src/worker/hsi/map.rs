//! Whole-scene maps (with the pretrained, the current or imported weights), their scores on
//! the test pixels when honest, and the weights file of the current model.

use burn::tensor::Device;

use super::{HsiState, Model, PRETRAINED_URL, ensure_prepared, send};
use crate::messages::hsi::{EvalInfo, HsiResponse, MapSource, SplitCompared, SplitKind};
use crate::messages::{Job, Response};
use crate::train::hsi::{
    Evaluation, HsiTrainConfig, Prepared, Scores, chosen_as, save_hybridsn, scene_map,
};
use crate::train::weights::Precision;
use crate::train::{Control, Event, Host};
use crate::worker::WorkerError;
use crate::worker::fetch::fetch_bytes;
use crate::worker::{Filtered, WorkerHost, post, post_with};

/// How the weights in a file were chosen, as its header records it.
fn chosen_in(bytes: &[u8]) -> String {
    crate::train::weights::read_header(bytes)
        .map(|(h, _)| chosen_as(&h.metrics))
        .unwrap_or_default()
}

pub(super) fn eval_info(
    e: &Evaluation,
    prep: &Prepared,
    source: MapSource,
    cfg: &HsiTrainConfig,
    chosen: &str,
) -> EvalInfo {
    EvalInfo {
        scores: e.clone(),
        source,
        protocol: if chosen.is_empty() {
            format!("split: {}", cfg.split_name())
        } else {
            format!("split: {}; {chosen}", cfg.split_name())
        },
        train_pixels: (prep.split.train.iter())
            .chain(&prep.split.validation)
            .map(|&i| i as u32)
            .collect(),
        test_pixels_list: prep.split.test.iter().map(|&i| i as u32).collect(),
    }
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
) -> Result<(), WorkerError> {
    let prep = ensure_prepared(st, &model.cfg)?.clone();
    host.job = Job::Map;
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
        job: Job::Map,
        stopped: false,
    });
    Ok(())
}

/// Maps the bundled scene with the shipped weights.
pub(super) async fn pretrained(
    st: &mut HsiState,
    host: &mut WorkerHost,
    device: &Device,
) -> Result<(), WorkerError> {
    super::scene::ensure_bundled(st).await?;
    let bytes = fetch_bytes(PRETRAINED_URL, Job::Download).await?;
    let model = Model::read(&bytes, device)?;
    let chosen = chosen_in(&bytes);
    map_and_score(st, host, model, MapSource::Pretrained, &chosen).await
}

/// Maps the scene again with the lab's model.
pub(super) async fn current(st: &mut HsiState, host: &mut WorkerHost) -> Result<(), WorkerError> {
    let model = st
        .model
        .clone()
        .ok_or("There is no model yet: train one or load the pretrained weights.")?;
    map_and_score(st, host, model, MapSource::CurrentModel, "").await
}

/// Sends the current model's weights file (a binary attachment).
pub(super) async fn export(st: &HsiState) -> Result<(), WorkerError> {
    let model = st
        .model
        .as_ref()
        .ok_or("There is no model to export yet.")?;
    // The file records the scene the weights were trained on (an imported model's
    // own, not the loaded scene), so that importing it elsewhere is not scored.
    let scores = Scores {
        validation: st.validation.as_ref(),
        // The lab scores validation by accuracy only.
        validation_loss: None,
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
    Ok(())
}

/// Reads an uploaded weights file (`name`, the first attachment) and maps the scene with it,
/// when its classes and PCA components fit the loaded scene.
pub(super) async fn import(
    st: &mut HsiState,
    host: &mut WorkerHost,
    device: &Device,
    name: &str,
    bins: &[Vec<u8>],
) -> Result<(), WorkerError> {
    let bytes = bins.first().ok_or("No weights file was given.")?;
    let model = Model::read(bytes, device).map_err(|e| WorkerError::in_file(name, e))?;
    let scene = st.scene.as_ref().ok_or(WorkerError::NoScene)?;
    let classes = model.net.config().num_classes;
    if classes != scene.num_classes {
        return Err(WorkerError::Message(format!(
            "{name}: these weights classify {classes} classes but the scene has {}.",
            scene.num_classes
        )));
    }
    if model.cfg.pca > scene.bands {
        return Err(WorkerError::Message(format!(
            "{name}: these weights need {} PCA components but the scene has {} bands.",
            model.cfg.pca, scene.bands
        )));
    }
    let chosen = chosen_in(bytes);
    map_and_score(st, host, model, MapSource::Imported, &chosen).await
}

/// Maps the bundled scene with the shipped weights of each split and scores each map on its
/// own split's test pixels: the lesson of how much a split that lets test patches overlap
/// training patches flatters a model. The lab's model, map and scores stay as they were.
pub(super) async fn compare_splits(
    st: &mut HsiState,
    host: &mut WorkerHost,
    device: &Device,
) -> Result<(), WorkerError> {
    super::scene::ensure_bundled(st).await?;
    let mut stopped = false;
    for split in SplitKind::ALL {
        let bytes = fetch_bytes(split.weights_url(), Job::Download).await?;
        let model = Model::read(&bytes, device)?;
        let chosen = chosen_in(&bytes);
        let prep = ensure_prepared(st, &model.cfg)?.clone();
        if let Some(why) = model.trained_on.unscored_on(&prep.scene) {
            return Err(WorkerError::Message(format!(
                "The shipped weights for {split} cannot be scored: {why}."
            )));
        }
        host.job = Job::Compare;
        // Progress, but not the rows: the comparison's maps are drawn beside each other when
        // done, not over the lab's own map.
        let mut quiet = Filtered {
            host,
            keep: |e| !matches!(e, Event::MapRows { .. }),
        };
        let map = match scene_map(&mut quiet, &model.net, &prep, true).await {
            Ok(map) => map,
            // Stopped by the visitor: the sides already drawn stay.
            Err(_) if host.control() == Control::Stop => {
                stopped = true;
                break;
            }
            Err(e) => return Err(e.into()),
        };
        let e = Evaluation::of(&map, &prep.gt, &prep.split.test, prep.num_classes);
        send(HsiResponse::SplitCompared(SplitCompared {
            split,
            eval: eval_info(&e, &prep, MapSource::Pretrained, &model.cfg, &chosen),
            map,
        }));
    }
    post(&Response::Done {
        job: Job::Compare,
        stopped,
    });
    Ok(())
}
