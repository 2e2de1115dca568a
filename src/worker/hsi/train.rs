//! Preprocessing (PCA, split, HybridSN's layer table for them) and training, with the
//! checkpoint a failed run leaves for "Resume training".

use burn::tensor::Device;

use super::{HsiState, Kept, Model, ensure_prepared, same_prep, send};
use crate::messages::hsi::{HsiResponse, MapSource};
use crate::messages::{Job, Response};
use crate::model::{HybridSn, HybridSnConfig};
use crate::train::TrainError;
use crate::train::hsi::{
    CPU_STEP_BYTES, HsiTrainConfig, Prepared, SELECTION, TrainedOn, WEBGPU_BINDING_BYTES,
    activation_floats, fit_batch, load_hybridsn, train_hybridsn,
};
use crate::worker::WorkerError;
use crate::worker::{CPU, WorkerHost, loss_behind_error, post, table};

/// PCA and split for these settings, answered with the explained variance, the split's
/// sizes and HybridSN's layer table.
pub(super) fn prepare_view(
    st: &mut HsiState,
    device: &Device,
    cfg: &HsiTrainConfig,
) -> Result<(), WorkerError> {
    let prep = ensure_prepared(st, cfg)?;
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
    Ok(())
}

/// Trains HybridSN on the loaded scene (from the kept checkpoint when `resume`); the final
/// scores come as [`HsiResponse::Evaluation`] and the model becomes the lab's. The lab
/// scores validation pixels per epoch and test pixels once, at the end: `eval_every` is
/// set to 0 whatever the request says.
pub(super) async fn train(
    st: &mut HsiState,
    host: &mut WorkerHost,
    device: &Device,
    backend: &str,
    cfg: &HsiTrainConfig,
    resume: bool,
) -> Result<(), WorkerError> {
    let mut cfg = cfg.clone().with_eval_every(0);
    let prep = ensure_prepared(st, &cfg)?.clone();
    host.job = Job::HsiTrain;
    let gpu = backend != CPU;
    let fitted = fit_batch(cfg.batch_size, prep.padded.bands, prep.patch, gpu);
    if fitted < cfg.batch_size {
        send(HsiResponse::Notice {
            message: batch_notice(cfg.batch_size, fitted, &prep, gpu),
        });
        cfg.batch_size = fitted;
    }
    let start = if resume {
        Some(resume_from(st, &cfg, &prep, device)?)
    } else {
        st.kept = None;
        None
    };
    host.keep_checkpoints = true;
    host.checkpoint = None;
    let trained = match train_hybridsn(host, device, &prep, &cfg, start).await {
        Ok(t) => t,
        Err(error) => return Err(keep_checkpoint(st, host, &cfg, gpu, error).await.into()),
    };
    host.keep_checkpoints = false;
    host.checkpoint = None;
    let stopped = trained.stopped;
    // Scores of an earlier model must not be saved with this one.
    st.validation = trained.validation;
    st.evaluation = None;
    match trained.evaluation {
        Some(e) => {
            send(HsiResponse::Evaluation(super::map::eval_info(
                &e,
                &prep,
                MapSource::YourRun,
                &cfg,
                &format!("chosen as: {SELECTION}"),
            )));
            st.evaluation = Some(e);
        }
        None => send(HsiResponse::Notice {
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
        job: Job::HsiTrain,
        stopped,
    });
    Ok(())
}

/// The kept checkpoint's model and epoch, when it may continue with `cfg` on this scene
/// (else it stays kept, and the error says what to set back).
fn resume_from(
    st: &mut HsiState,
    cfg: &HsiTrainConfig,
    prep: &Prepared,
    device: &Device,
) -> Result<(HybridSn, usize), WorkerError> {
    let k = st
        .kept
        .take()
        .ok_or("There is no interrupted run to resume.")?;
    if !same_prep(&k.cfg, cfg) || k.cfg.batch_norm != cfg.batch_norm {
        let why = "The interrupted run used other PCA, patch, split or model settings; \
                   set them back to resume it.";
        st.kept = Some(k);
        return Err(why.into());
    }
    if let Some(why) = TrainedOn::read(&k.weights)?.unscored_on(&prep.scene) {
        st.kept = Some(k);
        return Err(WorkerError::Message(format!(
            "The interrupted run cannot be resumed on this scene: {why}. Load its \
             scene again to resume it."
        )));
    }
    let (net, _) = load_hybridsn(&k.weights, device)?;
    Ok((net, k.epoch))
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
    error: TrainError,
) -> String {
    host.keep_checkpoints = false;
    // The message names the real cause when the device was lost.
    let lost = loss_behind_error(gpu).await;
    let mut message = match &lost {
        Some(why) => format!(
            "The WebGPU device was lost during training ({why}). The run stopped; the lab \
             continues on the CPU."
        ),
        None => error.to_string(),
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
