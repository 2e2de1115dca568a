//! The line chart every lab draws (losses, training curves, spectra, run comparisons): one SVG
//! with its title, axes, legend and caption inside, so that its PNG ([`crate::ui::export`])
//! is the chart on screen, drawn again by the browser at twice the size.

use leptos::prelude::*;

use crate::viz::axis::{range, tick, whole_xs, x_ticks};

/// One line of a [`Chart`].
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// Its name in the legend (none when empty).
    pub name: String,
    /// A CSS colour.
    pub colour: String,
    /// `(x, y)` points in drawing order; non-finite points are skipped.
    pub points: Vec<(f64, f64)>,
    pub width: f64,
    pub opacity: f64,
    pub dashed: bool,
    /// A dot on each point.
    pub dots: bool,
    /// `data-testid` of its `<path>`.
    pub testid: Option<&'static str>,
    /// `data-run` of its `<path>`.
    pub run: Option<String>,
}

impl Line {
    /// A solid line, 2 wide.
    pub fn new(
        name: impl Into<String>,
        colour: impl Into<String>,
        points: Vec<(f64, f64)>,
    ) -> Self {
        Line {
            name: name.into(),
            colour: colour.into(),
            points,
            width: 2.0,
            opacity: 1.0,
            dashed: false,
            dots: false,
            testid: None,
            run: None,
        }
    }
}

/// What a chart shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Chart {
    /// Above the plot (none when empty).
    pub title: String,
    pub lines: Vec<Line>,
    pub x_label: String,
    pub y_label: String,
    /// Fixed vertical range (0–1 for accuracies); else it fits the data.
    pub y_range: Option<(f64, f64)>,
    /// Vertical ticks as percentages (`"100 %"`).
    pub percent: bool,
    /// A legend of the named lines under the plot.
    pub legend: bool,
    /// Lines of small print under the legend (what the run was), wrapped to the width.
    pub caption: Vec<String>,
}

/// `"#rrggbb"` of an RGB colour.
pub fn hex([r, g, b]: [u8; 3]) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

const FONT: f64 = 11.0;
const LEFT: f64 = 52.0;
const RIGHT: f64 = 14.0;
const AXIS: &str = "#5a5a5a";
const GRID: &str = "#e4e7eb";
const TEXT: &str = "#1b1f24";
const SMALL: &str = "#444";

/// About how wide `text` is at `size` (sans-serif): for wrapping and legend columns.
pub fn text_width(text: &str, size: f64) -> f64 {
    0.58 * size * text.chars().count() as f64
}

/// `text` broken at spaces into lines at most `width` wide (a word longer than that stays
/// whole).
pub fn wrap(text: &str, width: f64, size: f64) -> Vec<String> {
    let max = (width / (0.58 * size)).floor().max(8.0) as usize;
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > max {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Legend entries laid out left to right, wrapping: `(x, row)` of each.
pub fn legend_layout<'a>(
    names: impl Iterator<Item = &'a str>,
    left: f64,
    right: f64,
) -> Vec<(f64, usize)> {
    let (mut x, mut row) = (left, 0);
    names
        .map(|n| {
            let w = 16.0 + text_width(n, FONT) + 14.0;
            if x > left && x + w > right {
                x = left;
                row += 1;
            }
            let at = (x, row);
            x += w;
            at
        })
        .collect()
}

/// An SVG line chart `width` wide (in its own units) with a plot `plot_height` high; the
/// whole SVG is as high as its title, legend and caption need.
#[component]
pub fn LineChart(
    #[prop(into)] chart: Signal<Chart>,
    #[prop(into)] testid: String,
    #[prop(into)] label: String,
    #[prop(default = 500.0)] width: f64,
    #[prop(default = 180.0)] plot_height: f64,
) -> impl IntoView {
    move || {
        let c = chart.get();
        let title: Vec<String> = if c.title.is_empty() {
            Vec::new()
        } else {
            wrap(&c.title, width - 16.0, 13.0)
        };
        // Room below the title for the top tick label, which reaches above the plot.
        let top = if title.is_empty() {
            10.0
        } else {
            16.0 + 16.0 * title.len() as f64
        };
        let (x0, x1) = (LEFT, width - RIGHT);
        let (y0, y1) = (top, top + plot_height);
        let all = || c.lines.iter().flat_map(|l| l.points.iter().copied());
        let (x_lo, x_hi) = range(all().map(|p| p.0));
        let (y_lo, y_hi) = c.y_range.unwrap_or_else(|| range(all().map(|p| p.1)));
        let px = move |x: f64| x0 + (x - x_lo) / (x_hi - x_lo) * (x1 - x0);
        let py = move |y: f64| y1 - (y - y_lo) / (y_hi - y_lo) * (y1 - y0);
        let fmt_y = |v: f64| {
            if c.percent {
                format!("{:.0} %", 100.0 * v)
            } else {
                tick(v)
            }
        };

        let grid = (0..=4)
            .map(|k| {
                let v = y_lo + (y_hi - y_lo) * k as f64 / 4.0;
                let y = py(v);
                view! {
                    <line x1=x0 x2=x1 y1=y y2=y stroke=GRID></line>
                    <text x=x0 - 4.0 y=y + 3.5 text-anchor="end" fill=TEXT>{fmt_y(v)}</text>
                }
            })
            .collect_view();
        let x_ticks = x_ticks(x_lo, x_hi, whole_xs(all()))
            .into_iter()
            .enumerate()
            .map(|(k, v)| {
                let anchor = ["start", "middle", "end"][k];
                view! { <text x=px(v) y=y1 + 13.0 text-anchor=anchor fill=TEXT>{tick(v)}</text> }
            })
            .collect_view();

        let lines = c
            .lines
            .iter()
            .map(|l| {
                let pts: Vec<(f64, f64)> = l
                    .points
                    .iter()
                    .filter(|(x, y)| x.is_finite() && y.is_finite())
                    .map(|&(x, y)| (px(x), py(y.clamp(y_lo.min(y_hi), y_hi.max(y_lo)))))
                    .collect();
                let d: String = pts
                    .iter()
                    .enumerate()
                    .map(|(i, (x, y))| format!("{}{x:.1},{y:.1}", if i == 0 { "M" } else { " L" }))
                    .collect();
                let dots = l.dots.then(|| {
                    pts.iter()
                        .map(|&(x, y)| view! { <circle cx=x cy=y r="2.5" fill=l.colour.clone()></circle> })
                        .collect_view()
                });
                view! {
                    <path d=d fill="none" stroke=l.colour.clone() stroke-width=l.width
                        opacity=l.opacity stroke-dasharray=l.dashed.then_some("4 3")
                        data-testid=l.testid data-run=l.run.clone()></path>
                    {dots}
                }
            })
            .collect_view();

        let named: Vec<&Line> = if c.legend {
            c.lines.iter().filter(|l| !l.name.is_empty()).collect()
        } else {
            Vec::new()
        };
        let legend_top = y1 + (if c.x_label.is_empty() { 24.0 } else { 34.0 });
        let places = legend_layout(named.iter().map(|l| l.name.as_str()), 8.0, width - 8.0);
        let legend_rows = places.last().map_or(0, |p| p.1 + 1);
        let legend = named
            .iter()
            .zip(&places)
            .map(|(l, &(x, row))| {
                let y = legend_top + 14.0 * row as f64;
                view! {
                    <rect x=x y=y - 5.0 width="12" height="3" fill=l.colour.clone()></rect>
                    <text x=x + 16.0 y=y fill=TEXT>{l.name.clone()}</text>
                }
            })
            .collect_view();
        let caption: Vec<String> = c
            .caption
            .iter()
            .flat_map(|line| wrap(line, width - 16.0, 10.0))
            .collect();
        let caption_top = legend_top + 14.0 * legend_rows as f64 + 4.0;
        let height = caption_top + 12.0 * caption.len() as f64;
        let caption = caption
            .into_iter()
            .enumerate()
            .map(|(i, line)| {
                view! { <text x="8" y=caption_top + 12.0 * i as f64 font-size="10" fill=SMALL>{line}</text> }
            })
            .collect_view();
        let title = title
            .into_iter()
            .enumerate()
            .map(|(i, t)| {
                view! { <text x="8" y=20.0 + 16.0 * i as f64 font-size="13" font-weight="bold" fill=TEXT>{t}</text> }
            })
            .collect_view();
        let (x_label, y_label) = (c.x_label.clone(), c.y_label.clone());
        view! {
            <svg class="chart" viewBox=format!("0 0 {width} {height:.0}") data-testid=testid.clone()
                role="img" aria-label=label.clone() font-family="sans-serif" font-size=FONT>
                <rect x="0" y="0" width=width height=height.round() class="chart-bg" fill="#fff" stroke="#dde1e6"></rect>
                {title}
                {grid}
                <line x1=x0 x2=x0 y1=y0 y2=y1 stroke=AXIS></line>
                <line x1=x0 x2=x1 y1=y1 y2=y1 stroke=AXIS></line>
                {x_ticks}
                <text x=(x0 + x1) / 2.0 y=y1 + 26.0 text-anchor="middle" fill=TEXT>{x_label}</text>
                <text transform=format!("rotate(-90) translate({:.1} 12)", -(y0 + y1) / 2.0) text-anchor="middle" fill=TEXT>{y_label}</text>
                {lines}
                {legend}
                {caption}
            </svg>
        }
    }
}
