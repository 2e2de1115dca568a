//! Small pieces every lab's page uses: the progress bar with its ETA and the loss chart.

use leptos::prelude::*;

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

/// An SVG line chart of the losses so far.
#[component]
pub fn LossChart() -> impl IntoView {
    let state = expect_context::<AppState>();
    let path = move || {
        let l = state.losses.get();
        if l.len() < 2 {
            return String::new();
        }
        let max = l.iter().map(|p| p.1).fold(f32::MIN, f32::max);
        let min = l.iter().map(|p| p.1).fold(f32::MAX, f32::min);
        let span = (max - min).max(1e-6);
        let n = (l.len() - 1) as f32;
        l.iter()
            .enumerate()
            .map(|(i, (_, v))| {
                let x = 10.0 + 380.0 * i as f32 / n;
                let y = 110.0 - 100.0 * (v - min) / span;
                format!("{}{x:.1},{y:.1}", if i == 0 { "M" } else { " L" })
            })
            .collect()
    };
    view! {
        <svg class="chart" viewBox="0 0 400 120" data-testid="loss-chart" role="img" aria-label="loss per step">
            <rect x="0" y="0" width="400" height="120" class="chart-bg"></rect>
            <path d=path class="line"></path>
        </svg>
    }
}
