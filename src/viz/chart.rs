//! Line charts as images (training curves, spectra, run comparisons), so every chart on
//! screen can also be downloaded as a PNG with its title, legend and caption.

use super::axis::{range, tick};
use super::figure::{TEXT, map_figure};
use super::font::{draw_text, text_width};
use super::image::{Rgba, opaque};

/// One line of a chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub colour: [u8; 3],
    /// `(x, y)` points in drawing order; non-finite points are skipped.
    pub points: Vec<(f64, f64)>,
}

const LEFT: u32 = 56;
const BOTTOM: u32 = 34;
const TOP: u32 = 8;
const RIGHT: u32 = 12;
const AXIS: [u8; 3] = [90, 90, 90];
const GRID: [u8; 3] = [228, 231, 235];

fn line(img: &mut Rgba, (x0, y0): (f64, f64), (x1, y1): (f64, f64), c: [u8; 4]) {
    let steps = ((x1 - x0).abs().max((y1 - y0).abs()).ceil() as usize).clamp(1, 100_000);
    for s in 0..=steps {
        let t = s as f64 / steps as f64;
        let (x, y) = (x0 + (x1 - x0) * t, y0 + (y1 - y0) * t);
        // Two pixels thick.
        img.fill_rect(x.round() as i32, y.round() as i32, 2, 2, c);
    }
}

/// The plot area with axes, min/max tick labels and axis names: `width × height` pixels.
/// `y_range` fixes the vertical range (e.g. 0–1 for accuracies); else it fits the data.
pub fn line_plot(
    series: &[Series],
    width: u32,
    height: u32,
    y_range: Option<(f64, f64)>,
    x_label: &str,
    y_label: &str,
) -> Rgba {
    let (width, height) = (width.max(LEFT + RIGHT + 20), height.max(TOP + BOTTOM + 20));
    let mut img = Rgba::filled(width, height, [255, 255, 255, 255]);
    let all = || series.iter().flat_map(|s| s.points.iter().copied());
    let (x_lo, x_hi) = range(all().map(|p| p.0));
    let (y_lo, y_hi) = y_range.unwrap_or_else(|| range(all().map(|p| p.1)));
    let (pw, ph) = (width - LEFT - RIGHT, height - TOP - BOTTOM);
    let px = |x: f64| LEFT as f64 + (x - x_lo) / (x_hi - x_lo) * pw as f64;
    let py = |y: f64| TOP as f64 + (1.0 - (y - y_lo) / (y_hi - y_lo)) * ph as f64;
    for k in 0..=4 {
        let y = TOP + ph * k / 4;
        img.hline(LEFT as i32, y as i32, pw, opaque(GRID));
    }
    img.vline(LEFT as i32, TOP as i32, ph + 1, opaque(AXIS));
    img.hline(LEFT as i32, (TOP + ph) as i32, pw + 1, opaque(AXIS));
    for (v, y) in [(y_hi, TOP), (y_lo, TOP + ph)] {
        let t = tick(v);
        let x = LEFT as i32 - 4 - text_width(&t, 1) as i32;
        draw_text(&mut img, x, y as i32 - 3, &t, TEXT, 1);
    }
    for (v, x) in [(x_lo, LEFT), (x_hi, LEFT + pw)] {
        let t = tick(v);
        let x = x as i32 - text_width(&t, 1) as i32 / 2;
        draw_text(&mut img, x, (TOP + ph + 5) as i32, &t, TEXT, 1);
    }
    let xl = LEFT as i32 + (pw as i32 - text_width(x_label, 1) as i32) / 2;
    draw_text(&mut img, xl, (height - 12) as i32, x_label, TEXT, 1);
    draw_text(&mut img, 2, (TOP + ph / 2) as i32, y_label, TEXT, 1);
    for s in series {
        let c = opaque(s.colour);
        let pts: Vec<(f64, f64)> = s
            .points
            .iter()
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .map(|&(x, y)| (px(x), py(y.clamp(y_lo.min(y_hi), y_hi.max(y_lo)))))
            .collect();
        if let [only] = pts.as_slice() {
            img.fill_rect(only.0 as i32 - 2, only.1 as i32 - 2, 5, 5, c);
        }
        for w in pts.windows(2) {
            line(&mut img, w[0], w[1], c);
        }
    }
    img
}

/// A chart figure: title above, the plot, a legend of the series and caption lines below.
pub fn chart_figure(
    title: &str,
    series: &[Series],
    y_range: Option<(f64, f64)>,
    x_label: &str,
    y_label: &str,
    caption: &[String],
) -> Rgba {
    let plot = line_plot(series, 640, 320, y_range, x_label, y_label);
    let legend: Vec<(String, [u8; 3])> =
        series.iter().map(|s| (s.name.clone(), s.colour)).collect();
    map_figure(&[(title, &plot)], &legend, caption, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_draws_each_series_in_its_colour_and_survives_odd_input() {
        let s = vec![
            Series {
                name: "loss".into(),
                colour: [200, 30, 40],
                points: vec![(1.0, 2.0), (2.0, 1.0), (3.0, 0.5)],
            },
            Series {
                name: "odd".into(),
                colour: [20, 160, 60],
                points: vec![(1.0, f64::NAN), (2.0, f64::INFINITY), (2.5, 0.7)],
            },
        ];
        let fig = chart_figure("Training", &s, None, "epoch", "value", &["caption".into()]);
        assert!(fig.width >= 640 && fig.height > 320);
        let count = |c: [u8; 3]| fig.pixels.chunks(4).filter(|p| p[..3] == c).count();
        assert!(count([200, 30, 40]) > 100, "the loss line is drawn");
        assert!(
            count([20, 160, 60]) >= 25,
            "a lone finite point is drawn as a dot"
        );
        // Empty and constant inputs still make an image.
        let empty = chart_figure("Nothing", &[], Some((0.0, 1.0)), "x", "y", &[]);
        assert!(empty.width > 0 && empty.height > 0);
        let flat = line_plot(
            &[Series {
                name: "c".into(),
                colour: [0, 0, 255],
                points: vec![(0.0, 1.0); 3],
            }],
            100,
            80,
            None,
            "",
            "",
        );
        assert_eq!((flat.width, flat.height), (100, 80));
    }
}
