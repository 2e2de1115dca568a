//! The lab bench: a worker smoke run (a few Adam steps of a model on random data) with live
//! losses, progress, pause/resume/stop, and a counter that shows the page stays responsive.

use leptos::prelude::*;

use super::client::send;
use super::state::{AppState, JobStatus};
use super::widgets::{LossChart, ProgressBar};
use crate::config::ModelKind;
use crate::messages::{Job, Request};
use crate::share::CIFAR_MODELS;

#[component]
pub fn SmokePanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let model = RwSignal::new(ModelKind::MobileNetV1);
    let steps = RwSignal::new(5usize);
    let batch = RwSignal::new(8usize);
    let clicks = RwSignal::new(0u32);

    let start = move |_| {
        state.losses.set(Vec::new());
        state.progress.set(None);
        state.error.set(None);
        state.job_status.set(JobStatus::Running);
        send(&Request::Smoke {
            model: model.get(),
            steps: steps.get(),
            batch: batch.get(),
        });
    };
    let running = move || state.job_status.get().is_active();

    view! {
        // The device check is on the home page too; here it sits beside the smoke run's
        // responsiveness counter.
        <super::device_check::DeviceCheck />
        <section>
            <h2>"Lab bench"</h2>
            <p>
                "convlab trains convolutional networks in this page: on your GPU through WebGPU, or on the CPU "
                "through WebAssembly. All the work happens in a background worker, so the page stays usable "
                "while a model trains. Try a smoke run: a few Adam steps of a model on random images."
            </p>
            <div class="controls">
                <label>
                    "Model "
                    <select
                        data-testid="smoke-model"
                        on:change=move |ev| {
                            if let Some(k) = ModelKind::from_id(&event_target_value(&ev)) {
                                model.set(k)
                            }
                        }
                    >
                        {CIFAR_MODELS
                            .into_iter()
                            .map(|k| {
                                view! {
                                    <option value=k.id() selected=move || model.get() == k>
                                        {k.name()}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </label>
                <label>
                    "Steps "
                    <input
                        type="number"
                        min="1"
                        max="1000"
                        data-testid="smoke-steps"
                        prop:value=move || steps.get().to_string()
                        on:change=move |ev| {
                            if let Ok(v) = event_target_value(&ev).parse::<usize>() {
                                steps.set(v.clamp(1, 1000));
                            }
                        }
                    />
                </label>
                <label>
                    "Batch "
                    <input
                        type="number"
                        min="1"
                        max="256"
                        data-testid="smoke-batch"
                        prop:value=move || batch.get().to_string()
                        on:change=move |ev| {
                            if let Ok(v) = event_target_value(&ev).parse::<usize>() {
                                batch.set(v.clamp(1, 256));
                            }
                        }
                    />
                </label>
                <button
                    data-testid="smoke-start"
                    disabled=move || running() || state.backend.get().is_none()
                    on:click=start
                >
                    "Start"
                </button>
                <button
                    data-testid="smoke-pause"
                    disabled=move || state.job_status.get() != JobStatus::Running
                    on:click=move |_| {
                        send(&Request::Pause);
                        state.job_status.set(JobStatus::Paused);
                    }
                >
                    "Pause"
                </button>
                <button
                    data-testid="smoke-resume"
                    disabled=move || state.job_status.get() != JobStatus::Paused
                    on:click=move |_| {
                        send(&Request::Resume);
                        state.job_status.set(JobStatus::Running);
                    }
                >
                    "Resume"
                </button>
                <button
                    data-testid="smoke-stop"
                    disabled=move || !running()
                    on:click=move |_| send(&Request::Stop)
                >
                    "Stop"
                </button>
            </div>
            <p data-testid="job-status">"Status: " {move || state.job_status.get().to_string()}</p>
            // The device check above shows its own progress.
            <Show when=move || state.job.get() != Job::Check>
                <ProgressBar />
            </Show>
            <LossChart />
            <ol class="losses" data-testid="losses">
                {move || {
                    state
                        .losses
                        .get()
                        .into_iter()
                        .map(|(step, loss)| {
                            view! {
                                <li data-testid="loss-row" data-loss=loss.to_string()>
                                    {format!("step {step}: loss {loss:.4}")}
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ol>
            <p>
                "Is the page responsive? "
                <button data-testid="ping" on:click=move |_| clicks.update(|c| *c += 1)>
                    "Click me"
                </button>
                " clicked "
                <span data-testid="ping-count">{move || clicks.get()}</span>
                " times"
            </p>
        </section>
    }
}
