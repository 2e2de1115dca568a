//! Small pieces every lab's page uses: the progress bar with its ETA, the line chart
//! ([`chart`]) and the loss chart drawn with it, the confusion matrix ([`confusion`]).

use leptos::prelude::*;

pub mod chart;
pub mod confusion;

pub use chart::{Chart, Line, LineChart};
pub use confusion::ConfusionMatrix;

use super::state::AppState;
use crate::messages::Job;

/// `"1.2 s"`, `"3 min 5 s"`.
pub fn format_eta(secs: f64) -> String {
    if !secs.is_finite() || secs < 0.0 {
        return "–".into();
    }
    if secs < 60.0 {
        format!("{secs:.1} s")
    } else {
        format!("{} min {} s", (secs / 60.0) as u64, (secs % 60.0) as u64)
    }
}

/// A rate such as samples/s: one decimal from 1 up, two significant digits below (a HybridSN
/// step on a software WebGPU adapter can take half a minute: `"0.034"`, not `"0.0"`).
pub fn format_rate(per_s: f64) -> String {
    if !per_s.is_finite() || per_s < 0.0 {
        "–".into()
    } else if per_s >= 1.0 || per_s == 0.0 {
        format!("{per_s:.1}")
    } else {
        let decimals = (1.0 - per_s.log10().floor()) as usize;
        format!("{per_s:.decimals$}")
    }
}

/// A progress bar with done/total, samples per second and ETA.
#[component]
pub fn ProgressBar() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <Show when=move || state.progress.get().is_some()>
            {move || {
                let p = state.progress.get().unwrap();
                let pct = if p.total > 0 { 100.0 * p.done as f64 / p.total as f64 } else { 0.0 };
                view! {
                    <div class="progress" data-testid="progress">
                        <div class="bar" style=format!("width:{pct:.1}%")></div>
                        <span data-testid="progress-text">
                            {if p.job == Job::Download {
                                format!(
                                    "download {:.1}/{:.1} MB · {:.1} MB/s · ETA {}",
                                    p.done as f64 / 1e6,
                                    p.total as f64 / 1e6,
                                    p.rate / 1e6,
                                    format_eta(p.eta_s),
                                )
                            } else {
                                let unit = match p.job {
                                    Job::Map | Job::Compare => "pixels",
                                    Job::Check => "timings",
                                    _ => "samples",
                                };
                                format!(
                                    "{} {}/{} · {:.1} {unit}/s · ETA {}",
                                    p.job,
                                    p.done,
                                    p.total,
                                    p.rate,
                                    format_eta(p.eta_s),
                                )
                            }}
                        </span>
                    </div>
                }
            }}
        </Show>
    }
}

/// A line chart of the losses so far, one point per step.
#[component]
pub fn LossChart() -> impl IntoView {
    let state = expect_context::<AppState>();
    let chart = Signal::derive(move || {
        let points = state.losses.with(|l| {
            l.iter()
                .map(|(step, v)| (*step as f64, f64::from(*v)))
                .collect()
        });
        Chart {
            lines: vec![Line::new("loss", "#2a5db0", points)],
            x_label: "step".into(),
            y_label: "loss".into(),
            ..Chart::default()
        }
    });
    view! {
        <LineChart chart=chart testid="loss-chart" label="loss per step" width=400.0 plot_height=100.0 />
    }
}
