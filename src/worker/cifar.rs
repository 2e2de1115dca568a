//! The worker's CIFAR-10 jobs: load the bundled subset, add uploaded binary batches, read the
//! shipped weights' headers, train and evaluate. A failed job leaves the loaded data as it was.

use burn::tensor::Device;

use super::fetch::fetch_bytes;
use super::{Filtered, WorkerHost, post};
use crate::data::cats_dogs::{self, CATS_DOGS_FILE};
use crate::data::{CifarBundle, CifarSet, read_cifar_bin, unpack_cifar};
use crate::messages::cifar::{
    CIFAR_DATA, CifarDataInfo, CifarExample, CifarRequest, CifarResponse, CifarResult, CifarRunRow,
    EpochMetrics, RunSource,
};
use crate::messages::{Job, Response};
use crate::model::ModelKind;
use crate::train::Host;
use crate::train::cifar::{
    CifarNet, CifarTrainConfig, CifarTrained, LrSchedule, header_model, header_settings,
};
use crate::train::weights::read_header;
use crate::worker::WorkerError;
use crate::worker::picture::decode_picture;

/// The bundled subset (see `convlab pack-cifar`).
pub const BUNDLE_URL: &str = "./public/data/cifar10_subset.clcf";

/// The list (JSON array of file names in `public/weights/`) of shipped CIFAR-10 weights,
/// trained natively with `convlab train <model> … --save public/weights/cifar_<model>.clw`.
pub const WEIGHTS_INDEX_URL: &str = "./public/weights/cifar_index.json";

/// Test images shown with their predictions after a run.
const EXAMPLES: usize = 36;

#[derive(Default)]
pub struct CifarState {
    /// The CIFAR-10 subset, with the uploaded batches' images.
    data: Option<CifarBundle>,
    /// The cats and dogs photos at 32×32, once decoded.
    cats_dogs: Option<CifarBundle>,
    /// Train on the cats and dogs photos instead of CIFAR-10.
    use_cats_dogs: bool,
    uploaded: usize,
    runs: usize,
    model: Option<CifarNet>,
}

fn send(r: CifarResponse) {
    post(&Response::Cifar(r));
}

impl CifarState {
    /// The data set training uses.
    fn active(&self) -> Option<&CifarBundle> {
        if self.use_cats_dogs {
            self.cats_dogs.as_ref()
        } else {
            self.data.as_ref()
        }
    }
}

fn data_info(st: &CifarState, note: String) -> CifarDataInfo {
    let d = st.active();
    CifarDataInfo {
        dataset: CIFAR_DATA[st.use_cats_dogs as usize].into(),
        train: d.map_or(0, |d| d.train.len()),
        test: d.map_or(0, |d| d.test.len()),
        train_counts: d.map_or(vec![0; 10], |d| d.train.label_counts().to_vec()),
        test_counts: d.map_or(vec![0; 10], |d| d.test.label_counts().to_vec()),
        uploaded: st.uploaded,
        note,
    }
}

async fn ensure_bundled(st: &mut CifarState) -> Result<(), WorkerError> {
    if st.data.is_some() {
        return Ok(());
    }
    let bytes = fetch_bytes(BUNDLE_URL, Job::Download).await?;
    let bundle = unpack_cifar(&bytes)?;
    let note = format!(
        "Bundled subset: {} training and {} test images",
        bundle.train.len(),
        bundle.test.len()
    );
    st.data = Some(bundle);
    send(CifarResponse::Data(data_info(st, note)));
    Ok(())
}

async fn ensure_cats_dogs(st: &mut CifarState, host: &mut WorkerHost) -> Result<(), WorkerError> {
    if st.cats_dogs.is_some() {
        return Ok(());
    }
    let url = format!("./public/data/{CATS_DOGS_FILE}");
    let bytes = fetch_bytes(&url, Job::Download).await?;
    let photos = cats_dogs::unpack(&bytes)?;
    // The browser decodes the 400 JPEGs (a few seconds): report progress and yield between
    // batches so the page stays responsive.
    let t0 = host.now_ms();
    let mut bundle = CifarBundle::default();
    for (i, chunk) in photos.chunks(20).enumerate() {
        for photo in chunk {
            let pic = decode_picture(&photo.name, &photo.jpeg)
                .await
                .map_err(|e| crate::data::DataError::BadPhotos(e.to_string()))?;
            cats_dogs::add_photo(&mut bundle, photo, &pic);
        }
        let done = (i * 20 + chunk.len()).min(photos.len());
        let secs = (host.now_ms() - t0) / 1000.0;
        let rate = done as f64 / secs.max(1e-3);
        post(&Response::Progress {
            job: Job::Decode,
            done,
            total: photos.len(),
            rate,
            eta_s: (photos.len() - done) as f64 / rate.max(1e-9),
        });
        host.yield_now().await;
    }
    st.cats_dogs = Some(bundle);
    Ok(())
}

/// The recipe in a few words.
pub fn recipe_words(c: &CifarTrainConfig) -> String {
    let mut parts = vec![format!(
        "{} lr {}{}",
        if c.weight_decay > 0.0 {
            "AdamW"
        } else {
            "Adam"
        },
        c.lr,
        match c.schedule {
            LrSchedule::Cosine => " cosine",
            LrSchedule::Constant => "",
        }
    )];
    parts.push(format!("batch {}", c.batch_size));
    if c.warmup_epochs > 0 {
        parts.push(format!("warm-up {}", c.warmup_epochs));
    }
    if c.label_smoothing > 0.0 {
        parts.push(format!("smoothing {}", c.label_smoothing));
    }
    if c.weight_decay > 0.0 {
        parts.push(format!("wd {}", c.weight_decay));
    }
    if c.crop {
        parts.push("crop+flip".into());
    }
    if c.val_fraction > 0.0 {
        parts.push(format!("validation {} %", 100.0 * c.val_fraction));
    }
    parts.push(format!("seed {}", c.seed));
    parts.join(", ")
}

fn rgba_of(set: &CifarSet, i: usize) -> Vec<u8> {
    let img = set.image(i).unwrap_or(&[]);
    let mut out = Vec::with_capacity(32 * 32 * 4);
    for p in 0..1024 {
        out.extend_from_slice(&[img[p], img[1024 + p], img[2048 + p], 255]);
    }
    out
}

fn result_of(t: &CifarTrained, test: &CifarSet, row: CifarRunRow) -> CifarResult {
    let ev = &t.evaluation;
    let (mut wrong, mut right): (Vec<usize>, Vec<usize>) =
        (0..ev.top3.len()).partition(|&i| ev.top3[i][0] != test.labels[i]);
    wrong.truncate(EXAMPLES * 2 / 3);
    right.truncate(EXAMPLES - wrong.len());
    let examples = wrong
        .into_iter()
        .chain(right)
        .map(|i| CifarExample {
            index: i,
            label: test.labels[i],
            top3: ev.top3[i],
            prob: ev.top3_prob[i],
            rgba: rgba_of(test, i),
        })
        .collect();
    CifarResult {
        run: row,
        per_class: ev.per_class.clone(),
        confusion: ev.confusion.clone(),
        examples,
    }
}

/// A comparison row from a weights file's header (no tensors are decoded).
pub fn row_from_header(bytes: &[u8], id: String) -> Result<CifarRunRow, WorkerError> {
    let (h, _) = read_header(bytes)?;
    let cfg = header_settings(&h.preprocessing)?;
    let m = &h.metrics;
    let num = |k: &str| m.get(k).and_then(|v| v.as_f64()).unwrap_or(0.0);
    let history: Vec<EpochMetrics> = m
        .get("history")
        .cloned()
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    Ok(CifarRunRow {
        id,
        model: header_model(&h.model)?,
        width: cfg.width,
        params: num("params") as usize,
        macs: num("macs") as u64,
        accuracy: num("test_acc"),
        seconds: num("seconds"),
        backend: m
            .get("backend")
            .and_then(|v| v.as_str())
            .unwrap_or("native CPU")
            .to_string(),
        epochs: if history.is_empty() {
            cfg.epochs
        } else {
            history.len()
        },
        train_images: num("train_images") as usize,
        validation: m
            .get("val_acc")
            .and_then(|v| v.as_f64())
            .map(|a| (a, num("val_images") as usize)),
        source: RunSource::Pretrained,
        recipe: recipe_words(&cfg),
        history,
    })
}

pub async fn handle(
    st: &mut CifarState,
    host: &mut WorkerHost,
    device: &Device,
    backend: &str,
    req: CifarRequest,
    bins: Vec<Vec<u8>>,
) -> Result<(), WorkerError> {
    match req {
        CifarRequest::LoadBundled => {
            ensure_bundled(st).await?;
            post(&Response::Done {
                job: Job::Download,
                stopped: false,
            });
        }
        CifarRequest::UseCatsDogs(on) => {
            if on {
                ensure_cats_dogs(st, host).await?;
            } else {
                ensure_bundled(st).await?;
            }
            st.use_cats_dogs = on;
            let note = if on {
                "Cats and dogs: 400 Kaggle photos (Asirra), each centred square resized to 32×32 \
                 here; every fifth photo of each class is a test photo. Labels are CIFAR-10's cat \
                 and dog, so the same models and metrics apply."
            } else {
                "The CIFAR-10 subset (and any uploaded batches)."
            };
            send(CifarResponse::Data(data_info(st, note.into())));
            post(&Response::Done {
                job: Job::Download,
                stopped: false,
            });
        }
        CifarRequest::Upload { names } => {
            if st.use_cats_dogs {
                return Err(
                    "CIFAR-10 batches add to the CIFAR-10 data: choose the CIFAR-10 data set first."
                        .into(),
                );
            }
            if bins.is_empty() {
                return Err(WorkerError::NoUpload);
            }
            // Check every file before touching the loaded data.
            let mut sets = Vec::new();
            for (i, bytes) in bins.iter().enumerate() {
                let name = names
                    .get(i)
                    .cloned()
                    .unwrap_or_else(|| format!("file {}", i + 1));
                let set =
                    read_cifar_bin(bytes).map_err(|e| WorkerError::in_file(name.clone(), e))?;
                sets.push((name, set));
            }
            ensure_bundled(st).await?;
            let data = st.data.as_mut().ok_or("no data")?;
            let mut notes = Vec::new();
            for (name, set) in &sets {
                data.train.extend(set);
                st.uploaded += set.len();
                notes.push(format!("{name}: {} images added", set.len()));
            }
            send(CifarResponse::Data(data_info(st, notes.join("; "))));
        }
        CifarRequest::Pretrained => {
            // The index lists the shipped files, so absent models cost no failed request.
            let index = fetch_bytes(WEIGHTS_INDEX_URL, Job::CifarWeights).await?;
            let files: Vec<String> = serde_json::from_slice(&index)
                .map_err(|e| format!("{WEIGHTS_INDEX_URL} is malformed: {e}"))?;
            let mut rows = Vec::new();
            for file in &files {
                let bytes =
                    fetch_bytes(&format!("./public/weights/{file}"), Job::CifarWeights).await?;
                let id = format!("pretrained-{}", rows.len() + 1);
                rows.push(
                    row_from_header(&bytes, id)
                        .map_err(|e| WorkerError::in_file(file.clone(), e))?,
                );
            }
            let missing = [
                ModelKind::PlainCnn,
                ModelKind::MobileNetV1,
                ModelKind::MobileNetV2,
            ]
            .iter()
            .filter(|k| !rows.iter().any(|r: &CifarRunRow| r.model == **k))
            .map(|k| k.name().to_string())
            .collect();
            send(CifarResponse::Pretrained { rows, missing });
            post(&Response::Done {
                job: Job::CifarWeights,
                stopped: false,
            });
        }
        CifarRequest::Train {
            config: cfg,
            cats_dogs,
        } => {
            // Out-of-range settings (a hand-made link, a hand-typed number) are refused in words.
            cfg.check()?;
            // The settings name the data set (a link may, too): switch when they differ.
            if cats_dogs {
                ensure_cats_dogs(st, host).await?;
            } else {
                ensure_bundled(st).await?;
            }
            if cats_dogs != st.use_cats_dogs {
                st.use_cats_dogs = cats_dogs;
                send(CifarResponse::Data(data_info(st, String::new())));
            }
            let run = st.runs + 1;
            let data = st.active().ok_or("no data")?;
            host.job = Job::Cifar;
            let trained = {
                let mut lab = Filtered {
                    host,
                    keep: |_| true,
                };
                crate::train::cifar::train_cifar(
                    &mut lab,
                    device,
                    &data.train,
                    &data.test,
                    &cfg,
                    None,
                )
                .await?
            };
            let summary = trained.model.summary();
            let row = CifarRunRow {
                id: format!("run-{run}"),
                model: cfg.model,
                width: cfg.width,
                params: summary.params,
                macs: summary.macs,
                accuracy: trained.evaluation.accuracy,
                seconds: trained.seconds,
                backend: backend.to_string(),
                epochs: trained.history.len(),
                train_images: trained.train_images,
                validation: trained.validation,
                source: RunSource::YourRun,
                recipe: if st.use_cats_dogs {
                    format!("cats & dogs · {}", recipe_words(&cfg))
                } else {
                    recipe_words(&cfg)
                },
                history: trained.history.clone(),
            };
            send(CifarResponse::Result(result_of(&trained, &data.test, row)));
            st.runs = run;
            let stopped = trained.stopped;
            st.model = Some(trained.model);
            post(&Response::Done {
                job: Job::Cifar,
                stopped,
            });
        }
    }
    Ok(())
}
