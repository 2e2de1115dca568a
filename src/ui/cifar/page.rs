//! The CIFAR-10 lab: the bundled subset (lazy-loaded with progress) plus uploaded binary
//! batches, a training form (model, width, epochs, batch, learning rate and schedule,
//! augmentation, seed), live curves with pause/resume/stop, and — after a run — the
//! comparison table, overlaid curves, per-class accuracy, confusion matrix and predictions.

use leptos::prelude::*;

use super::compare::CifarCompare;
use super::results::CifarResults;
use crate::data::CIFAR10_CLASSES;
use crate::messages::Request;
use crate::messages::cifar::{CifarRequest, CifarSettings};
use crate::share::{Query, cifar_pairs, read_cifar};
use crate::ui::client::{send, send_with};
use crate::ui::download::read_file;
use crate::ui::form::{check_input, files_of, num_input};
use crate::ui::state::{AppState, JobStatus};
use crate::ui::url::CopyLink;
use crate::ui::widgets::{LossChart, ProgressBar};

/// The models the lab trains: URL and `<option>` value, and name.
const MODELS: [(&str, &str); 3] = [
    ("mobilenetv1", "MobileNetV1"),
    ("mobilenetv2", "MobileNetV2"),
    ("plaincnn", "PlainCNN"),
];

/// The lab's form; lives in the app's context so it survives page switches.
#[derive(Clone, Copy)]
pub struct CifarForm {
    pub model: RwSignal<String>,
    pub width: RwSignal<f64>,
    pub epochs: RwSignal<usize>,
    pub batch: RwSignal<usize>,
    pub lr: RwSignal<f64>,
    pub cosine: RwSignal<bool>,
    pub warmup: RwSignal<usize>,
    pub smoothing: RwSignal<f32>,
    pub wd: RwSignal<f32>,
    pub augment: RwSignal<bool>,
    pub seed: RwSignal<u64>,
    pub max_train: RwSignal<usize>,
    pub max_test: RwSignal<usize>,
    pub val_fraction: RwSignal<f64>,
    pub cats_dogs: RwSignal<bool>,
}

impl Default for CifarForm {
    fn default() -> Self {
        Self::new()
    }
}

impl CifarForm {
    pub fn new() -> Self {
        let d = CifarSettings::default();
        Self {
            model: RwSignal::new(d.model),
            width: RwSignal::new(d.width),
            epochs: RwSignal::new(d.epochs),
            batch: RwSignal::new(d.batch_size),
            lr: RwSignal::new(d.lr),
            cosine: RwSignal::new(d.cosine),
            warmup: RwSignal::new(d.warmup_epochs),
            smoothing: RwSignal::new(d.label_smoothing),
            wd: RwSignal::new(d.weight_decay),
            augment: RwSignal::new(d.augment),
            seed: RwSignal::new(d.seed),
            max_train: RwSignal::new(d.max_train),
            max_test: RwSignal::new(d.max_test),
            val_fraction: RwSignal::new(d.val_fraction),
            cats_dogs: RwSignal::new(d.cats_dogs),
        }
    }

    /// The form as a link's parameters restore it (bad values fall back with a notice). A
    /// link holds settings only: never weights or data.
    pub fn from_query(q: &mut Query) -> Self {
        let f = Self::new();
        f.set(read_cifar(q));
        f
    }

    /// The parameters of a link that reopens this view.
    pub fn to_pairs(self) -> Vec<(&'static str, String)> {
        let mut pairs = vec![("page", "cifar".to_string())];
        pairs.extend(cifar_pairs(&self.settings()));
        pairs
    }

    fn set(&self, s: CifarSettings) {
        self.model.set(s.model);
        self.width.set(s.width);
        self.epochs.set(s.epochs);
        self.batch.set(s.batch_size);
        self.lr.set(s.lr);
        self.cosine.set(s.cosine);
        self.warmup.set(s.warmup_epochs);
        self.smoothing.set(s.label_smoothing);
        self.wd.set(s.weight_decay);
        self.augment.set(s.augment);
        self.seed.set(s.seed);
        self.max_train.set(s.max_train);
        self.max_test.set(s.max_test);
        self.val_fraction.set(s.val_fraction);
        self.cats_dogs.set(s.cats_dogs);
    }

    pub fn settings(&self) -> CifarSettings {
        CifarSettings {
            model: self.model.get_untracked(),
            width: self.width.get_untracked(),
            epochs: self.epochs.get_untracked(),
            batch_size: self.batch.get_untracked(),
            lr: self.lr.get_untracked(),
            cosine: self.cosine.get_untracked(),
            warmup_epochs: self.warmup.get_untracked(),
            label_smoothing: self.smoothing.get_untracked(),
            weight_decay: self.wd.get_untracked(),
            augment: self.augment.get_untracked(),
            seed: self.seed.get_untracked(),
            max_train: self.max_train.get_untracked(),
            max_test: self.max_test.get_untracked(),
            val_fraction: self.val_fraction.get_untracked(),
            cats_dogs: self.cats_dogs.get_untracked(),
        }
    }

    /// The reference recipe (Adam 1e-3, constant, batch 128 → 32 here, crop + flip).
    fn reference(&self) {
        self.lr.set(1e-3);
        self.cosine.set(false);
        self.warmup.set(0);
        self.smoothing.set(0.0);
        self.wd.set(0.0);
        self.augment.set(true);
        self.epochs.set(10);
    }

    /// convlab's recipe (AdamW 2e-3, warm-up + cosine, smoothing 0.1, wd 5e-4, crop + flip).
    fn convlab(&self) {
        self.lr.set(2e-3);
        self.cosine.set(true);
        self.warmup.set(1);
        self.smoothing.set(0.1);
        self.wd.set(5e-4);
        self.augment.set(true);
        self.epochs.set(30);
    }
}

#[component]
pub fn CifarLab() -> impl IntoView {
    let state = expect_context::<AppState>();
    let cs = state.cifar;
    let form = expect_context::<CifarForm>();
    // Lazy-load the bundled subset and the shipped runs the first time the lab opens.
    if cs.data.get_untracked().is_none() {
        state.job_status.set(JobStatus::Running);
        send(&Request::Cifar(CifarRequest::LoadBundled));
        // A link may ask for the cats and dogs photos.
        if form.cats_dogs.get_untracked() {
            send(&Request::Cifar(CifarRequest::UseCatsDogs(true)));
        }
    }
    if cs.missing.get_untracked().is_none() {
        send(&Request::Cifar(CifarRequest::Pretrained));
    }
    let busy = move || state.job_status.get().is_active();
    let clicks = RwSignal::new(0u32);

    let start = move |_| {
        state.error.set(None);
        state.progress.set(None);
        state.losses.set(Vec::new());
        cs.epochs.set(Vec::new());
        state.job_status.set(JobStatus::Running);
        send(&Request::Cifar(CifarRequest::Train(form.settings())));
    };

    let on_upload = move |ev: leptos::ev::Event| {
        let files = files_of(&ev);
        if files.is_empty() {
            return;
        }
        state.error.set(None);
        leptos::task::spawn_local(async move {
            let mut names = Vec::new();
            let mut bins = Vec::new();
            for f in files {
                match read_file(&f).await {
                    Ok(b) => {
                        names.push(f.name());
                        bins.push(b);
                    }
                    Err(e) => {
                        state.error.set(Some(e));
                        return;
                    }
                }
            }
            send_with(&Request::Cifar(CifarRequest::Upload { names }), bins);
        });
    };

    let link_pairs = Callback::new(move |()| form.to_pairs());

    view! {
        <section data-testid="cifar">
            <h2>"CIFAR-10 lab"</h2>
            <CopyLink pairs=link_pairs />
            <p>
                "Train a plain CNN and two MobileNets on 32×32 photos of ten classes and compare them. "
                "MobileNetV1 replaces each 3×3 convolution of the plain CNN by a depthwise 3×3 "
                "convolution plus a 1×1 pointwise one: about 8–9× fewer multiply-adds and parameters. "
                "MobileNetV2 adds inverted residual blocks with linear bottlenecks."
            </p>
            <ProgressBar />
            <p data-testid="cifar-status">
                "Status: " {move || format!("{} {}", state.job.get(), state.job_status.get())}
            </p>

            <h3>"Data"</h3>
            {move || match cs.data.get() {
                None => view! { <p data-testid="cifar-data-loading">"Loading the bundled subset…"</p> }.into_any(),
                Some(d) => view! {
                    <p data-testid="cifar-data" data-train=d.train.to_string() data-test=d.test.to_string()
                        data-dataset=d.dataset.clone()>
                        {if d.dataset == "cats-dogs" {
                            format!("{} training photos · {} test photos (cats and dogs)", d.train, d.test)
                        } else {
                            format!(
                                "{} training images ({} uploaded) · {} test images (CIFAR-10 test batch, first 1,000)",
                                d.train, d.uploaded, d.test
                            )
                        }}
                    </p>
                    <p data-testid="cifar-data-note">{d.note.clone()}</p>
                    <p class="counts" data-testid="cifar-counts">
                        {CIFAR10_CLASSES
                            .iter()
                            .zip(d.train_counts.iter())
                            .filter(|(_, n)| d.dataset != "cats-dogs" || **n > 0)
                            .map(|(c, n)| format!("{c} {n}"))
                            .collect::<Vec<_>>()
                            .join(" · ")}
                    </p>
                }.into_any(),
            }}
            <label>
                "Data set "
                <select data-testid="cifar-dataset" disabled=busy on:change=move |ev| {
                    state.error.set(None);
                    state.job_status.set(JobStatus::Running);
                    let on = event_target_value(&ev) == "cats-dogs";
                    form.cats_dogs.set(on);
                    send(&Request::Cifar(CifarRequest::UseCatsDogs(on)));
                }>
                    <option value="cifar10" selected=move || !form.cats_dogs.get()>
                        "CIFAR-10 subset (4,000 + 1,000 images, 10 classes)"
                    </option>
                    <option value="cats-dogs" selected=move || form.cats_dogs.get()>
                        "Cats and dogs (400 photos, resized to 32×32 here)"
                    </option>
                </select>
            </label>
            <p class="note">
                "Cats and dogs is the seed's second experiment: 200 + 200 photos of varied sizes from Kaggle's "
                "Dogs vs. Cats (Asirra, Elson et al. 2007; research use), decoded and resized in the worker. "
                "Their labels are CIFAR-10's cat and dog, so the same models and metrics apply; a model trained "
                "on them answers with one of those two after a few steps."
            </p>
            <label>
                "Add CIFAR-10 binary batches (data_batch_1.bin … test_batch.bin) to the training images "
                <input type="file" accept=".bin" multiple data-testid="cifar-upload"
                    disabled=busy on:change=on_upload />
            </label>

            <h3>"Train"</h3>
            <div class="controls">
                <label>
                    "Model "
                    <select data-testid="cifar-model" on:change=move |ev| form.model.set(event_target_value(&ev))>
                        {MODELS.into_iter().map(|(id, name)| view! {
                            <option value=id selected=move || form.model.get() == id>{name}</option>
                        }).collect_view()}
                    </select>
                </label>
                {num_input("Width ×", "cifar-width", form.width, "0.25")}
                {num_input("Epochs", "cifar-epochs", form.epochs, "1")}
                {num_input("Batch", "cifar-batch", form.batch, "1")}
                {num_input("Learning rate", "cifar-lr", form.lr, "0.0001")}
                {check_input("cosine schedule", "cifar-cosine", form.cosine)}
                {num_input("Warm-up epochs", "cifar-warmup", form.warmup, "1")}
                {num_input("Label smoothing", "cifar-smoothing", form.smoothing, "0.05")}
                {num_input("Weight decay", "cifar-wd", form.wd, "0.0001")}
                {check_input("augment (random crop, pad 4 + flip)", "cifar-augment", form.augment)}
                {num_input("Seed", "cifar-seed", form.seed, "1")}
                {num_input("Max training images (0 = all)", "cifar-max-train", form.max_train, "1")}
                {num_input("Max test images (0 = all)", "cifar-max-test", form.max_test, "1")}
                {num_input("Validation share", "cifar-val-fraction", form.val_fraction, "0.05")}
            </div>
            <div class="controls">
                <button data-testid="cifar-recipe-reference" on:click=move |_| form.reference()>
                    "Reference recipe (Adam 1e-3, 10 epochs)"
                </button>
                <button data-testid="cifar-recipe-convlab" on:click=move |_| form.convlab()>
                    "convlab recipe (AdamW, cosine, smoothing, 30 epochs)"
                </button>
                <button data-testid="cifar-train" on:click=start
                    disabled=move || busy() || cs.data.get().is_none() || state.backend.get().is_none()>
                    "Train"
                </button>
                <button data-testid="cifar-pause" disabled=move || state.job_status.get() != JobStatus::Running
                    on:click=move |_| {
                        send(&Request::Pause);
                        state.job_status.set(JobStatus::Paused);
                    }>
                    "Pause"
                </button>
                <button data-testid="cifar-resume" disabled=move || state.job_status.get() != JobStatus::Paused
                    on:click=move |_| {
                        send(&Request::Resume);
                        state.job_status.set(JobStatus::Running);
                    }>
                    "Resume"
                </button>
                <button data-testid="cifar-stop" disabled=move || !busy() on:click=move |_| send(&Request::Stop)>
                    "Stop"
                </button>
                <button data-testid="cifar-ping" on:click=move |_| clicks.update(|c| *c += 1)>
                    "Responsive? " <span data-testid="cifar-ping-count">{move || clicks.get()}</span>
                </button>
            </div>
            <p class="hint">
                "Batch 32 keeps every model's largest convolution within WebGPU's 128 MiB buffer limit. "
                "On the CPU fallback a full epoch of MobileNetV1 takes minutes: try a few hundred images first. "
                "Each epoch is scored on the validation share, held out of the training images; "
                "the test images are scored once, after the last epoch, so no epoch is chosen on them."
            </p>
            <LossChart />
            <table data-testid="cifar-epochs">
                <thead><tr>
                    <th>"epoch"</th><th>"loss"</th><th>"train acc"</th><th>"validation acc"</th>
                    <th>"s"</th><th>"samples/s"</th>
                </tr></thead>
                <tbody>
                    {move || cs.epochs.get().into_iter().map(|e| view! {
                        <tr data-testid="cifar-epoch-row" data-loss=e.loss.to_string()
                            data-val-acc=e.val_acc.map(|a| a.to_string()).unwrap_or_default()>
                            <td>{e.epoch}</td>
                            <td>{format!("{:.4}", e.loss)}</td>
                            <td>{format!("{:.1} %", 100.0 * e.train_acc)}</td>
                            <td>{e.val_acc.map(|a| format!("{:.1} %", 100.0 * a)).unwrap_or_else(|| "–".into())}</td>
                            <td>{format!("{:.1}", e.train_seconds)}</td>
                            <td>{format!("{:.1}", e.samples_per_s)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>

            <CifarCompare />
            <CifarResults />
        </section>
    }
}
