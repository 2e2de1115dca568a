//! The clicked pixel's spectrum against the class means.

use leptos::prelude::*;

use crate::ui::export::{save_png, svg_png};
use crate::ui::state::AppState;
use crate::ui::widgets::chart::hex;
use crate::ui::widgets::{Chart, Line, LineChart};
use crate::viz;

/// The clicked pixel's spectrum against every class mean (its own class highlighted).
#[component]
pub fn SpectrumChart() -> impl IntoView {
    let state = expect_context::<AppState>();
    let hs = state.hsi;
    move || {
        let (Some(sp), Some(s)) = (hs.spectrum.get(), hs.scene.get()) else {
            return view! { <p class="note">"Click a pixel to see its spectrum."</p> }.into_any();
        };
        let own = (sp.label as usize).checked_sub(1);
        let label = match own {
            Some(c) => s.class_names.get(c).cloned().unwrap_or_default(),
            None => "unlabelled".into(),
        };
        let pts = |v: &[f32]| {
            v.iter()
                .enumerate()
                .map(|(i, y)| (i as f64, f64::from(*y)))
                .collect()
        };
        let mut lines: Vec<Line> = s
            .class_means
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let mut l = Line::new(
                    format!(
                        "mean of {}",
                        s.class_names.get(i).cloned().unwrap_or_default()
                    ),
                    hex(viz::palette::class_colour(i + 1)),
                    pts(m),
                );
                l.dashed = true;
                (l.width, l.opacity) = if Some(i) == own {
                    (3.0, 1.0)
                } else {
                    (1.0, 0.35)
                };
                l
            })
            .collect();
        lines.push(Line::new(
            format!("pixel ({}, {}): {label}", sp.row, sp.col),
            "#111",
            pts(&sp.values),
        ));
        let chart = Chart {
            title: "Spectrum against the class means".into(),
            lines,
            x_label: "band".into(),
            y_label: "value".into(),
            // From zero, as the raw values are.
            y_range: Some((
                0.0,
                s.class_means
                    .iter()
                    .flatten()
                    .chain(sp.values.iter())
                    .fold(1e-6f64, |m, v| m.max(f64::from(*v))),
            )),
            legend: true,
            caption: vec![format!("{} · {} bands · raw values", s.name, s.bands)],
            ..Chart::default()
        };
        view! {
            <figure>
                <LineChart chart=Signal::stored(chart) testid="spectrum-chart" label="the pixel's spectrum against the class means" />
                <figcaption data-testid="spectrum-caption">
                    {format!("Pixel (row {}, col {}): {label}. Solid: its spectrum; dashed: class means (its class bold).", sp.row, sp.col)}
                </figcaption>
                <button data-testid="spectrum-png"
                    on:click=move |_| save_png(state, "convlab-spectrum.png", svg_png("spectrum-chart"))>"Spectrum (PNG)"</button>
            </figure>
        }
        .into_any()
    }
}
