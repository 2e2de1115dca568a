//! A confusion matrix as an SVG heatmap (rows: true class, columns: predicted), with its
//! title, an optional legend of class colours and a caption inside, so that its PNG
//! ([`crate::ui::export::svg_png`]) is what is on screen.

use leptos::prelude::*;

use super::chart::{hex, legend_layout, text_width, wrap};
use crate::viz::palette::heat_colour;

/// `counts` is `n × n`, row-major (missing entries count as 0); each cell is coloured by its
/// share of the row (white 0 %, dark blue 100 %) and shows its count where it is not zero.
#[component]
pub fn ConfusionMatrix(
    counts: Vec<u64>,
    n: usize,
    labels: Vec<String>,
    #[prop(into)] testid: String,
    #[prop(into)] title: String,
    #[prop(default = 24.0)] cell: f64,
    #[prop(optional)] legend: Vec<(String, [u8; 3])>,
    #[prop(optional)] caption: Vec<String>,
) -> impl IntoView {
    let count = |r: usize, c: usize| counts.get(r * n + c).copied().unwrap_or(0);
    let label = |i: usize| {
        labels
            .get(i)
            .cloned()
            .unwrap_or_else(|| (i + 1).to_string())
    };
    let label_w = (0..n)
        .map(|i| text_width(&label(i), 11.0))
        .fold(0.0, f64::max);
    // Long column labels are written upwards.
    let upright = label_w > 1.5 * cell;
    let side = n as f64 * cell;
    let width = (36.0 + label_w + side + 16.0).max(260.0);
    let titles = wrap(&title, width - 16.0, 13.0);
    let top = 12.0 + 16.0 * titles.len() as f64;
    // The matrix's top-left corner.
    let (mx, my) = (
        36.0 + label_w,
        top + 18.0 + if upright { label_w + 6.0 } else { 16.0 },
    );
    let max_digits = (0..n * n)
        .map(|i| count(i / n, i % n).to_string().len())
        .max()
        .unwrap_or(1);
    let font = (cell * 0.45).min(cell * 0.9 / (0.6 * max_digits as f64));

    let cells = (0..n)
        .flat_map(|r| (0..n).map(move |c| (r, c)))
        .map(|(r, c)| {
            let total: u64 = (0..n).map(|k| count(r, k)).sum();
            let v = count(r, c);
            let share = if total > 0 { v as f32 / total as f32 } else { 0.0 };
            let (x, y) = (mx + c as f64 * cell, my + r as f64 * cell);
            let ink = if share > 0.5 { "#fff" } else { "#1b1f24" };
            view! {
                <rect x=x y=y width=cell height=cell fill=hex(heat_colour(share)) stroke="#e3e6ea" stroke-width="0.5"></rect>
                {(v > 0).then(|| view! {
                    <text x=x + cell / 2.0 y=y + cell / 2.0 + font * 0.35 text-anchor="middle" font-size=font fill=ink>{v.to_string()}</text>
                })}
            }
        })
        .collect_view();
    let row_labels = (0..n)
        .map(|r| {
            view! { <text x=mx - 4.0 y=my + (r as f64 + 0.5) * cell + 4.0 text-anchor="end">{label(r)}</text> }
        })
        .collect_view();
    let col_labels = (0..n)
        .map(|c| {
            let x = mx + (c as f64 + 0.5) * cell;
            if upright {
                view! {
                    <text transform=format!("translate({:.1} {:.1}) rotate(-90)", x + 4.0, my - 4.0)>{label(c)}</text>
                }
                .into_any()
            } else {
                view! { <text x=x y=my - 4.0 text-anchor="middle">{label(c)}</text> }.into_any()
            }
        })
        .collect_view();

    let legend_top = my + side + 20.0;
    let places = legend_layout(legend.iter().map(|(n, _)| n.as_str()), 8.0, width - 8.0);
    let legend_rows = places.last().map_or(0, |p| p.1 + 1);
    let legend_view = legend
        .iter()
        .zip(&places)
        .map(|((name, colour), &(x, row))| {
            let y = legend_top + 14.0 * row as f64;
            view! {
                <rect x=x y=y - 9.0 width="11" height="11" fill=hex(*colour)></rect>
                <text x=x + 16.0 y=y>{name.clone()}</text>
            }
        })
        .collect_view();
    let caption_lines: Vec<String> = caption
        .iter()
        .flat_map(|l| wrap(l, width - 16.0, 10.0))
        .collect();
    let caption_top = legend_top + 14.0 * legend_rows as f64;
    let height = caption_top + 12.0 * caption_lines.len() as f64 + 4.0;
    let caption_view = caption_lines
        .into_iter()
        .enumerate()
        .map(|(i, l)| view! { <text x="8" y=caption_top + 12.0 * i as f64 font-size="10" fill="#444">{l}</text> })
        .collect_view();
    let title_view = titles
        .into_iter()
        .enumerate()
        .map(|(i, t)| view! { <text x="8" y=20.0 + 16.0 * i as f64 font-size="13" font-weight="bold">{t}</text> })
        .collect_view();

    view! {
        <svg class="confusion" viewBox=format!("0 0 {width:.0} {height:.0}") data-testid=testid
            role="img" aria-label="confusion matrix: rows are the true class, columns the predicted"
            font-family="sans-serif" font-size="11" fill="#1b1f24" style=format!("width:{width:.0}px")>
            <rect x="0" y="0" width=width.round() height=height.round() fill="#fff"></rect>
            {title_view}
            <text x=mx + side / 2.0 y=top + 10.0 text-anchor="middle" font-weight="bold">"predicted"</text>
            <text transform=format!("translate(16 {:.1}) rotate(-90)", my + side / 2.0) text-anchor="middle" font-weight="bold">"true"</text>
            {col_labels}
            {row_labels}
            {cells}
            {legend_view}
            {caption_view}
        </svg>
    }
}
