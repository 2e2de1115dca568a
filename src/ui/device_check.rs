//! "Will this machine do?": a few timed training and inference steps of each lab's model on
//! the visitor's backend, and what the labs' runs (with their forms' current settings, the
//! defaults unless changed) would take here, so a teacher knows before class.

use leptos::prelude::*;

use super::cifar::CifarForm;
use super::client::send;
use super::hsi::HsiForm;
use super::state::{AppState, JobStatus};
use super::widgets::{ProgressBar, format_eta};
use crate::config::ModelKind;
use crate::messages::{CheckCase, CheckReport, Job, Request};

/// The bundled CIFAR-10 subset's training and test images.
const CIFAR_TRAIN: usize = 4_000;
const CIFAR_TEST: usize = 1_000;
/// Indian Pines: labelled pixels and size.
const INDIAN_PINES_LABELLED: usize = 10_249;
const INDIAN_PINES: [usize; 2] = [145, 145];

/// One estimate line: what, one epoch, the whole run.
struct Estimate {
    what: String,
    epoch_s: f64,
    run_s: f64,
}

fn estimates(r: &CheckReport, cifar: &CifarForm, hsi: &HsiForm) -> Vec<Estimate> {
    let mut out = Vec::new();
    if let Some(row) = r.rows.iter().find(|x| x.case.model != ModelKind::HybridSn) {
        let c = cifar.config.get_untracked();
        let train = match c.max_train {
            0 => CIFAR_TRAIN,
            n => n.min(CIFAR_TRAIN),
        };
        let test = match c.max_test {
            0 => CIFAR_TEST,
            n => n.min(CIFAR_TEST),
        };
        let epoch_s = train as f64 / row.train_per_s + test as f64 / row.infer_per_s;
        let epochs = c.epochs;
        out.push(Estimate {
            what: format!(
                "CIFAR-10 lab: {} ×{} on {train} images, {epochs} epochs, batch {}",
                row.case.model.name(),
                row.case.width,
                row.case.batch
            ),
            epoch_s,
            run_s: epoch_s * epochs as f64,
        });
    }
    if let Some(row) = r.rows.iter().find(|x| x.case.model == ModelKind::HybridSn) {
        let s = hsi.settings.get_untracked();
        let pixels = (INDIAN_PINES_LABELLED as f64 * s.train_fraction).round();
        let epoch_s = pixels / row.train_per_s;
        let epochs = s.epochs;
        let map_s = r.map.map_or(0.0, |m| m.1);
        out.push(Estimate {
            what: format!(
                "Hyperspectral lab: HybridSN on Indian Pines ({pixels} training patches), \
                 {epochs} epochs, batch {}, then the whole-scene map",
                row.case.batch
            ),
            epoch_s,
            run_s: epoch_s * epochs as f64 + map_s,
        });
    }
    out
}

#[component]
pub fn DeviceCheck() -> impl IntoView {
    let state = expect_context::<AppState>();
    let cifar = expect_context::<CifarForm>();
    let hsi = expect_context::<HsiForm>();
    let running = move || state.job.get() == Job::Check && state.job_status.get().is_active();
    let start = move |_| {
        state.check.set(None);
        state.progress.set(None);
        state.error.set(None);
        state.job.set(Job::Check);
        state.job_status.set(JobStatus::Running);
        let c = cifar.config.get_untracked();
        send(&Request::DeviceCheck {
            cases: vec![
                CheckCase {
                    model: c.model,
                    width: c.width,
                    batch: c.batch_size,
                },
                CheckCase {
                    model: ModelKind::HybridSn,
                    width: 1.0,
                    batch: hsi.settings.with_untracked(|s| s.batch_size),
                },
            ],
            map: Some(INDIAN_PINES),
        });
    };
    let busy = move || state.job_status.get().is_active() || state.backend.get().is_none();
    view! {
        <section data-testid="device-check">
            <h2>"Will this machine do?"</h2>
            <p>
                "Times a few training and inference steps of each lab's model on this browser's backend "
                "(the badge above says which) and estimates each lab's run with its current settings. "
                "It takes about a minute on a laptop's CPU."
            </p>
            <div class="controls">
                <button data-testid="check-start" disabled=busy on:click=start>
                    "Check this machine"
                </button>
                <button
                    data-testid="check-stop"
                    disabled=move || !running()
                    on:click=move |_| send(&Request::Stop)
                >
                    "Stop"
                </button>
            </div>
            <Show when=move || state.job.get() == Job::Check>
                <ProgressBar />
            </Show>
            {move || {
                state
                    .check
                    .get()
                    .map(|r| {
                        let rows = r
                            .rows
                            .iter()
                            .map(|row| {
                                view! {
                                    <tr data-testid="check-row">
                                        <td>{row.case.model.name()}</td>
                                        <td>{format!("×{}", row.case.width)}</td>
                                        <td>{row.case.batch}</td>
                                        <td data-testid="check-train">
                                            {super::widgets::format_rate(row.train_per_s)}
                                        </td>
                                        <td data-testid="check-infer">
                                            {super::widgets::format_rate(row.infer_per_s)}
                                        </td>
                                    </tr>
                                }
                            })
                            .collect_view();
                        let lines = estimates(&r, &cifar, &hsi)
                            .into_iter()
                            .map(|e| {
                                view! {
                                    <li data-testid="check-estimate" data-run-s=e.run_s.to_string()>
                                        {format!(
                                            "{}: one epoch ≈ {}, the whole run ≈ {}",
                                            e.what,
                                            format_eta(e.epoch_s),
                                            format_eta(e.run_s),
                                        )}
                                    </li>
                                }
                            })
                            .collect_view();
                        let map = r
                            .map
                            .map(|([h, w], s)| {
                                view! {
                                    <li data-testid="check-map" data-map-s=s.to_string()>
                                        {format!(
                                            "Whole-scene map of Indian Pines ({h}×{w} pixels) ≈ {}",
                                            format_eta(s),
                                        )}
                                    </li>
                                }
                            });
                        view! {
                            <p>{format!("Measured on {}:", r.backend)}</p>
                            <table data-testid="check-table">
                                <thead>
                                    <tr>
                                        <th>"model"</th>
                                        <th>"width"</th>
                                        <th>"batch"</th>
                                        <th>"train samples/s"</th>
                                        <th>"inference samples/s"</th>
                                    </tr>
                                </thead>
                                <tbody>{rows}</tbody>
                            </table>
                            <ul>{lines} {map}</ul>
                        }
                    })
            }}
        </section>
    }
}
