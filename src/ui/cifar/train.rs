//! The CIFAR-10 lab's training form, its controls (recipes, train, pause, resume, stop) and
//! the live loss curve and epoch table of the run.

use leptos::prelude::*;

use super::form::CifarForm;
use crate::config::ModelKind;
use crate::messages::Request;
use crate::messages::cifar::CifarRequest;
use crate::share::{CIFAR_MODELS, CifarLink};
use crate::ui::client::send;
use crate::ui::form::{check_input, field, num_input};
use crate::ui::state::{AppState, JobStatus};
use crate::ui::widgets::LossChart;

#[component]
pub fn CifarTrain() -> impl IntoView {
    let state = expect_context::<AppState>();
    let cs = state.cifar;
    let form = expect_context::<CifarForm>();
    let c = form.config;
    let busy = move || state.job_status.get().is_active();
    let clicks = RwSignal::new(0u32);

    let start = move |_| {
        state.error.set(None);
        state.progress.set(None);
        state.losses.set(Vec::new());
        cs.epochs.set(Vec::new());
        state.job_status.set(JobStatus::Running);
        let CifarLink { config, cats_dogs } = form.link();
        send(&Request::Cifar(CifarRequest::Train { config, cats_dogs }));
    };

    view! {
        <h3>"Train"</h3>
        <div class="controls">
            <label>
                "Model "
                <select data-testid="cifar-model" on:change=move |ev| {
                    if let Some(k) = ModelKind::from_id(&event_target_value(&ev)) { c.update(|s| s.model = k) }
                }>
                    {CIFAR_MODELS.into_iter().map(|k| view! {
                        <option value=k.id() selected=move || c.with(|s| s.model == k)>{k.name()}</option>
                    }).collect_view()}
                </select>
            </label>
            {num_input("Width ×", "cifar-width", field!(c, width), "0.25")}
            {num_input("Epochs", "cifar-epochs", field!(c, epochs), "1")}
            {num_input("Batch", "cifar-batch", field!(c, batch_size), "1")}
            {num_input("Learning rate", "cifar-lr", field!(c, lr), "0.0001")}
            {check_input("cosine schedule", "cifar-cosine", form.cosine())}
            {num_input("Warm-up epochs", "cifar-warmup", field!(c, warmup_epochs), "1")}
            {num_input("Label smoothing", "cifar-smoothing", field!(c, label_smoothing), "0.05")}
            {num_input("Weight decay", "cifar-wd", field!(c, weight_decay), "0.0001")}
            {check_input("augment (random crop, pad 4 + flip)", "cifar-augment", form.augment())}
            {num_input("Seed", "cifar-seed", field!(c, seed), "1")}
            {num_input("Max training images (0 = all)", "cifar-max-train", field!(c, max_train), "1")}
            {num_input("Max test images (0 = all)", "cifar-max-test", field!(c, max_test), "1")}
            {num_input("Validation share", "cifar-val-fraction", field!(c, val_fraction), "0.05")}
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
        <table data-testid="cifar-epoch-table">
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
    }
}
