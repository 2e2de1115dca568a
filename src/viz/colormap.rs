//! Scalar arrays → colours.
//!
//! [`Colormap::map`] interpolates linearly (in sRGB) between tabulated anchors:
//! * `Viridis`, `Magma`: 17 anchors sampled at t = k/16 from matplotlib's 256-entry tables
//!   (`matplotlib.colormaps[name](k / 16)`, rounded to 8 bits);
//! * `RdBu`: the 11-class ColorBrewer "RdBu" scheme (Cynthia Brewer), ordered blue → red so
//!   that low values are blue and high values red, with the centre made pure white;
//! * `Grey`: black → white.
//!
//! Non-finite or missing values render as [`NO_DATA`] (transparent).

use serde::{Deserialize, Serialize};

use super::image::Rgba;

/// Colour of pixels whose value is missing or not finite: transparent black.
pub const NO_DATA: [u8; 4] = [0, 0, 0, 0];

/// A colour map from `t ∈ [0, 1]` to RGB.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Colormap {
    /// Black (0) to white (1).
    Grey,
    /// Perceptually uniform dark blue → green → yellow (matplotlib's default).
    #[default]
    Viridis,
    /// Perceptually uniform black → purple → orange → light yellow.
    Magma,
    /// Diverging: dark blue (0) → white (0.5) → dark red (1).
    RdBu,
}

const VIRIDIS: [[u8; 3]; 17] = [
    [68, 1, 84],
    [72, 24, 106],
    [71, 45, 123],
    [66, 64, 134],
    [59, 82, 139],
    [51, 99, 141],
    [44, 114, 142],
    [38, 130, 142],
    [33, 145, 140],
    [31, 160, 136],
    [40, 174, 128],
    [63, 188, 115],
    [94, 201, 98],
    [132, 212, 75],
    [173, 220, 48],
    [216, 226, 25],
    [253, 231, 37],
];

const MAGMA: [[u8; 3]; 17] = [
    [0, 0, 4],
    [10, 8, 34],
    [29, 17, 71],
    [54, 16, 107],
    [81, 18, 124],
    [106, 28, 129],
    [131, 38, 129],
    [156, 46, 127],
    [183, 55, 121],
    [208, 65, 111],
    [231, 82, 99],
    [245, 107, 92],
    [252, 137, 97],
    [254, 167, 114],
    [254, 196, 136],
    [253, 226, 163],
    [252, 253, 191],
];

/// ColorBrewer RdBu (11 classes), reversed (blue first), centre #f7f7f7 replaced by white.
const RDBU: [[u8; 3]; 11] = [
    [5, 48, 97],
    [33, 102, 172],
    [67, 147, 195],
    [146, 197, 222],
    [209, 229, 240],
    [255, 255, 255],
    [253, 219, 199],
    [244, 165, 130],
    [214, 96, 77],
    [178, 24, 43],
    [103, 0, 31],
];

const GREY: [[u8; 3]; 2] = [[0, 0, 0], [255, 255, 255]];

/// Linear interpolation between evenly spaced anchors; `t` must already be in [0, 1].
pub(crate) fn interpolate(anchors: &[[u8; 3]], t: f32) -> [u8; 3] {
    let Some(last) = anchors.len().checked_sub(1) else {
        return [0, 0, 0];
    };
    if last == 0 {
        return anchors[0];
    }
    let pos = t * last as f32;
    let i = (pos.floor() as usize).min(last - 1);
    let f = pos - i as f32;
    let (a, b) = (anchors[i], anchors[i + 1]);
    let mix = |a: u8, b: u8| (f32::from(a) + (f32::from(b) - f32::from(a)) * f).round() as u8;
    [mix(a[0], b[0]), mix(a[1], b[1]), mix(a[2], b[2])]
}

/// Clamps `t` into [0, 1]; NaN becomes 0, ±∞ the matching end.
fn clamp01(t: f32) -> f32 {
    if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) }
}

impl Colormap {
    /// All colour maps, for menus.
    pub const ALL: [Colormap; 4] = [
        Colormap::Grey,
        Colormap::Viridis,
        Colormap::Magma,
        Colormap::RdBu,
    ];

    /// A short human name ("grey", "viridis", "magma", "RdBu").
    pub fn name(&self) -> &'static str {
        match self {
            Colormap::Grey => "grey",
            Colormap::Viridis => "viridis",
            Colormap::Magma => "magma",
            Colormap::RdBu => "RdBu",
        }
    }

    /// The colour for `t`, clamped to [0, 1] (NaN counts as 0).
    pub fn map(&self, t: f32) -> [u8; 3] {
        let t = clamp01(t);
        match self {
            Colormap::Grey => interpolate(&GREY, t),
            Colormap::Viridis => interpolate(&VIRIDIS, t),
            Colormap::Magma => interpolate(&MAGMA, t),
            Colormap::RdBu => interpolate(&RDBU, t),
        }
    }
}

/// Maps `values` (row-major, `w × h`) linearly from `[lo, hi]` onto `cmap`.
///
/// Values outside the range are clamped to its ends. If `lo == hi` or either is not finite,
/// every finite value maps to the middle of the colour map; `hi < lo` inverts the map.
/// Non-finite values, and indices beyond `values.len()` when the slice is shorter than
/// `w × h`, render as [`NO_DATA`]; extra values are ignored. The image is clamped to
/// [`super::MAX_PIXELS`].
pub fn array_to_rgba(values: &[f32], w: u32, h: u32, cmap: Colormap, lo: f32, hi: f32) -> Rgba {
    let span = hi - lo;
    let usable = lo.is_finite() && hi.is_finite() && span != 0.0 && span.is_finite();
    paint(values, w, h, |v| {
        let t = if usable { (v - lo) / span } else { 0.5 };
        cmap.map(t)
    })
}

/// Maps signed `values` onto the diverging [`Colormap::RdBu`]: `-abs_max` → dark blue,
/// `0` → white, `+abs_max` → dark red.
///
/// If `abs_max` is not a positive finite number, the largest finite `|value|` is used; if all
/// values are 0 the image is white. Missing/non-finite values are handled as in
/// [`array_to_rgba`].
pub fn diverging_to_rgba(values: &[f32], w: u32, h: u32, abs_max: f32) -> Rgba {
    let m = if abs_max.is_finite() && abs_max > 0.0 {
        abs_max
    } else {
        values
            .iter()
            .filter(|v| v.is_finite())
            .fold(0.0f32, |m, v| m.max(v.abs()))
    };
    paint(values, w, h, |v| {
        let t = if m > 0.0 { 0.5 + 0.5 * v / m } else { 0.5 };
        Colormap::RdBu.map(t)
    })
}

/// Shared loop: one colour per finite value, [`NO_DATA`] otherwise.
fn paint(values: &[f32], w: u32, h: u32, colour: impl Fn(f32) -> [u8; 3]) -> Rgba {
    let mut img = Rgba::new(w, h);
    for (i, px) in img.pixels.chunks_exact_mut(4).enumerate() {
        let c = match values.get(i) {
            Some(&v) if v.is_finite() => {
                let [r, g, b] = colour(v);
                [r, g, b, 255]
            }
            _ => NO_DATA,
        };
        px.copy_from_slice(&c);
    }
    img
}

/// The `p`-th quantile (`p ∈ [0, 1]`) of sorted data, interpolated linearly between order
/// statistics (numpy's default "linear" method). `sorted` must be non-empty.
fn quantile_sorted(sorted: &[f32], p: f64) -> f32 {
    let pos = p.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let i = pos.floor() as usize;
    let j = (i + 1).min(sorted.len() - 1);
    let f = pos - i as f64;
    (f64::from(sorted[i]) + (f64::from(sorted[j]) - f64::from(sorted[i])) * f) as f32
}

/// A robust display range: the 2nd and 98th percentiles of the finite values (linear
/// interpolation between order statistics, like numpy's default). Returns `(0.0, 1.0)` when
/// there is no finite value; `lo == hi` when the data are (nearly) constant.
pub fn robust_range(values: &[f32]) -> (f32, f32) {
    let mut v: Vec<f32> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return (0.0, 1.0);
    }
    v.sort_unstable_by(f32::total_cmp);
    (quantile_sorted(&v, 0.02), quantile_sorted(&v, 0.98))
}

/// A false-colour composite of three bands (e.g. three hyperspectral bands as R, G, B).
///
/// Each channel is stretched independently from its [`robust_range`] to 0..255 (clamped).
/// A constant band becomes 128; non-finite or missing values become 0. Alpha is 255.
pub fn false_colour(r: &[f32], g: &[f32], b: &[f32], w: u32, h: u32) -> Rgba {
    let mut img = Rgba::new(w, h);
    for (c, band) in [r, g, b].into_iter().enumerate() {
        let (lo, hi) = robust_range(band);
        let span = hi - lo;
        for (i, px) in img.pixels.chunks_exact_mut(4).enumerate() {
            px[c] = match band.get(i) {
                Some(&v) if v.is_finite() => {
                    let t = if span > 0.0 { (v - lo) / span } else { 0.5 };
                    (clamp01(t) * 255.0).round() as u8
                }
                _ => 0,
            };
            px[3] = 255;
        }
    }
    img
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: [u8; 3], b: [u8; 3], tol: i32) -> bool {
        a.iter()
            .zip(b)
            .all(|(&x, y)| (i32::from(x) - i32::from(y)).abs() <= tol)
    }

    #[test]
    fn endpoints_and_clamping() {
        assert_eq!(Colormap::Grey.map(0.0), [0, 0, 0]);
        assert_eq!(Colormap::Grey.map(1.0), [255, 255, 255]);
        assert_eq!(Colormap::Grey.map(0.5), [128, 128, 128]);
        assert_eq!(Colormap::Viridis.map(-3.0), [68, 1, 84]);
        assert_eq!(Colormap::Viridis.map(7.0), [253, 231, 37]);
        assert_eq!(Colormap::Magma.map(f32::NAN), [0, 0, 4]);
        assert_eq!(Colormap::Magma.map(f32::INFINITY), [252, 253, 191]);
        assert_eq!(Colormap::RdBu.map(0.5), [255, 255, 255]);
        assert_eq!(Colormap::RdBu.map(0.0), [5, 48, 97]);
        assert_eq!(Colormap::RdBu.map(1.0), [103, 0, 31]);
    }

    #[test]
    fn matches_matplotlib_between_anchors() {
        // Reference: matplotlib 3.10, `[round(255 * c) for c in colormaps[name](t)[:3]]`.
        assert!(close(Colormap::Viridis.map(0.3), [53, 95, 141], 2));
        assert!(close(Colormap::Viridis.map(0.77), [105, 205, 91], 2));
        assert!(close(Colormap::Magma.map(0.1), [20, 14, 54], 3));
        assert!(close(Colormap::Magma.map(0.7), [247, 112, 92], 3));
    }

    #[test]
    fn array_mapping() {
        let vals = [0.0, 5.0, 10.0, f32::NAN, 20.0];
        let img = array_to_rgba(&vals, 3, 2, Colormap::Grey, 0.0, 10.0);
        assert_eq!((img.width, img.height), (3, 2));
        assert_eq!(img.get(0, 0), Some([0, 0, 0, 255]));
        assert_eq!(img.get(1, 0), Some([128, 128, 128, 255]));
        assert_eq!(img.get(2, 0), Some([255, 255, 255, 255]));
        assert_eq!(img.get(0, 1), Some(NO_DATA)); // NaN
        assert_eq!(img.get(1, 1), Some([255, 255, 255, 255])); // clamped
        assert_eq!(img.get(2, 1), Some(NO_DATA)); // missing
        let flat = array_to_rgba(&vals, 2, 1, Colormap::Grey, 3.0, 3.0);
        assert_eq!(flat.get(0, 0), Some([128, 128, 128, 255]));
        let inv = array_to_rgba(&vals, 1, 1, Colormap::Grey, 10.0, 0.0);
        assert_eq!(inv.get(0, 0), Some([255, 255, 255, 255]));
    }

    #[test]
    fn diverging_zero_is_white() {
        let vals = [-2.0, 0.0, 2.0, 1.0];
        let img = diverging_to_rgba(&vals, 4, 1, 2.0);
        assert_eq!(img.get(0, 0), Some([5, 48, 97, 255]));
        assert_eq!(img.get(1, 0), Some([255, 255, 255, 255]));
        assert_eq!(img.get(2, 0), Some([103, 0, 31, 255]));
        // 1.0 of 2.0 → t = 0.75 → between anchors 7 and 8.
        assert_eq!(img.get(3, 0), Some([229, 131, 104, 255]));
        // Automatic range from the data.
        let auto = diverging_to_rgba(&vals, 4, 1, f32::NAN);
        assert_eq!(auto, img);
        let zeros = diverging_to_rgba(&[0.0; 4], 2, 2, 0.0);
        assert!(zeros.pixels.iter().all(|&b| b == 255));
    }

    #[test]
    fn robust_range_percentiles() {
        // 0..=100: numpy.percentile(range(101), [2, 98]) == [2, 98].
        let v: Vec<f32> = (0..=100).map(|i| i as f32).collect();
        assert_eq!(robust_range(&v), (2.0, 98.0));
        // Outliers and non-finite values are ignored / trimmed.
        let mut w = v.clone();
        w.extend([f32::NAN, f32::INFINITY, f32::NEG_INFINITY]);
        assert_eq!(robust_range(&w), (2.0, 98.0));
        // numpy.percentile([0, 1, 2, 3, 1000], [2, 98]) == [0.08, 920.24]
        let (lo, hi) = robust_range(&[3.0, 1000.0, 0.0, 2.0, 1.0]);
        assert!((lo - 0.08).abs() < 1e-4 && (hi - 920.24).abs() < 1e-2);
        assert_eq!(robust_range(&[]), (0.0, 1.0));
        assert_eq!(robust_range(&[f32::NAN]), (0.0, 1.0));
        assert_eq!(robust_range(&[4.0]), (4.0, 4.0));
    }

    #[test]
    fn false_colour_stretches_each_channel() {
        let r: Vec<f32> = (0..=100).map(|i| i as f32).collect();
        let g: Vec<f32> = r.iter().map(|v| 1000.0 - 10.0 * v).collect();
        let b = vec![7.0; 101];
        let img = false_colour(&r, &g, &b, 101, 1);
        assert_eq!(img.get(0, 0), Some([0, 255, 128, 255]));
        assert_eq!(img.get(50, 0), Some([128, 128, 128, 255]));
        assert_eq!(img.get(100, 0), Some([255, 0, 128, 255]));
        // 2nd percentile of r is 2 → pixel 2 is 0 already; 98 → 255.
        assert_eq!(img.get(2, 0).map(|p| p[0]), Some(0));
        assert_eq!(img.get(98, 0).map(|p| p[0]), Some(255));
        // Short bands: missing values are 0.
        let short = false_colour(&[1.0], &[], &[f32::NAN, 2.0], 2, 1);
        assert_eq!(short.get(1, 0), Some([0, 0, 128, 255]));
    }
}
