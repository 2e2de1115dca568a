//! The clicked pixel's spectrum against the class means.

use leptos::prelude::*;

use crate::ui::download::download_png;
use crate::ui::state::AppState;
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
        let max = s
            .class_means
            .iter()
            .flatten()
            .chain(sp.values.iter())
            .fold(1e-6f32, |m, v| m.max(*v));
        let path = |v: &[f32]| -> String {
            let n = (v.len().max(2) - 1) as f32;
            v.iter()
                .enumerate()
                .map(|(i, y)| {
                    format!(
                        "{}{:.1},{:.1}",
                        if i == 0 { "M" } else { " L" },
                        10.0 + 480.0 * i as f32 / n,
                        190.0 - 180.0 * y / max
                    )
                })
                .collect()
        };
        let own = (sp.label as usize).checked_sub(1);
        let means = s
            .class_means
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let [r, g, b] = viz::palette::class_colour(i + 1);
                let width = if Some(i) == own { 3 } else { 1 };
                let opacity = if Some(i) == own { 1.0 } else { 0.35 };
                view! {
                    <path d=path(m) fill="none" stroke=format!("rgb({r},{g},{b})")
                        stroke-width=width opacity=opacity stroke-dasharray="4 3"></path>
                }
            })
            .collect_view();
        let label = match own {
            Some(c) => s.class_names.get(c).cloned().unwrap_or_default(),
            None => "unlabelled".into(),
        };
        view! {
            <figure>
                <svg class="chart" viewBox="0 0 500 200" data-testid="spectrum-chart">
                    <rect x="0" y="0" width="500" height="200" class="chart-bg"></rect>
                    {means}
                    <path d=path(&sp.values) fill="none" stroke="#111" stroke-width="2"></path>
                </svg>
                <figcaption data-testid="spectrum-caption">
                    {format!("Pixel (row {}, col {}): {label}. Solid: its spectrum; dashed: class means (its class bold).", sp.row, sp.col)}
                </figcaption>
                <button data-testid="spectrum-png" on:click={
                    let (sp, s, label) = (sp.clone(), s.clone(), label.clone());
                    move |_| {
                        let pts = |v: &[f32]| v.iter().enumerate().map(|(i, y)| (i as f64, *y as f64)).collect();
                        let mut series = vec![viz::chart::Series {
                            name: format!("pixel ({}, {}): {label}", sp.row, sp.col),
                            colour: [17, 17, 17],
                            points: pts(&sp.values),
                        }];
                        series.extend(s.class_means.iter().enumerate().map(|(i, m)| viz::chart::Series {
                            name: format!("mean of {}", s.class_names.get(i).cloned().unwrap_or_default()),
                            colour: viz::palette::class_colour(i + 1),
                            points: pts(m),
                        }));
                        let caption = vec![format!("{} · {} bands · raw values", s.name, s.bands)];
                        let fig = viz::chart::chart_figure("Spectrum against the class means", &series, None, "band", "value", &caption);
                        download_png("convlab-spectrum.png", &fig);
                    }
                }>"Spectrum (PNG)"</button>
            </figure>
        }
        .into_any()
    }
}
