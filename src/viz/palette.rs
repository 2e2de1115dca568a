//! Class colours for label maps.
//!
//! Classes are 1-based; 0 means "unlabelled" and is black. Classes 1–16 use the default class
//! colour table of Spectral Python (SPy, `spectral.spy_colors`), which `spectral.imshow` — and
//! hence most published Indian Pines / HybridSN classification maps — use. Classes beyond 16
//! get generated colours: hues stepped by the golden angle (≈137.5°) in HSV, with alternating
//! saturation and value so neighbours stay distinct.

use super::colormap::interpolate;
use super::image::Rgba;

/// SPy's `spy_colors[1..=16]`.
const FIRST_16: [[u8; 3]; 16] = [
    [255, 0, 0],
    [0, 255, 0],
    [0, 0, 255],
    [255, 255, 0],
    [255, 0, 255],
    [0, 255, 255],
    [200, 100, 0],
    [0, 200, 100],
    [100, 0, 200],
    [200, 0, 100],
    [100, 200, 0],
    [0, 100, 200],
    [150, 75, 75],
    [75, 150, 75],
    [75, 75, 150],
    [255, 100, 100],
];

/// Colour of unlabelled pixels in [`error_view`].
pub const UNLABELLED_GREY: [u8; 3] = [64, 64, 64];
/// Colour of misclassified pixels in [`error_view`].
pub const ERROR_RED: [u8; 3] = [255, 0, 0];

/// HSV (h in degrees, s and v in 0..1) → RGB.
fn hsv_to_rgb(h: f32, s: f32, v: f32) -> [u8; 3] {
    let h = h.rem_euclid(360.0) / 60.0;
    let c = v * s;
    let x = c * (1.0 - ((h % 2.0) - 1.0).abs());
    let (r, g, b) = match h as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = v - c;
    let to8 = |u: f32| ((u + m) * 255.0).round().clamp(0.0, 255.0) as u8;
    [to8(r), to8(g), to8(b)]
}

/// The colour of class `class` (1-based; 0 = unlabelled → black).
pub fn class_colour(class: usize) -> [u8; 3] {
    match class {
        0 => [0, 0, 0],
        1..=16 => FIRST_16[class - 1],
        _ => {
            let k = class - 17;
            // Start away from pure red (taken by class 1); golden-angle steps spread hues.
            let hue = 20.0 + (k as f64 * 137.507_764_05).rem_euclid(360.0) as f32;
            let s = [0.85, 0.6, 0.95][k % 3];
            let v = [0.95, 0.75][k % 2];
            hsv_to_rgb(hue, s, v)
        }
    }
}

/// A label map (row-major `w × h`, 0 = unlabelled) as an opaque RGBA image using
/// [`class_colour`]. Indices beyond `labels.len()` count as unlabelled; extra labels are
/// ignored. The image is clamped to [`super::MAX_PIXELS`].
pub fn labels_to_rgba(labels: &[u16], w: u32, h: u32) -> Rgba {
    let mut img = Rgba::new(w, h);
    for (i, px) in img.pixels.chunks_exact_mut(4).enumerate() {
        let [r, g, b] = class_colour(labels.get(i).copied().unwrap_or(0).into());
        px.copy_from_slice(&[r, g, b, 255]);
    }
    img
}

/// The dimmed version of a class colour used for correct pixels in [`error_view`]:
/// 40 % of the colour mixed with 60 % mid-grey.
pub fn dimmed(c: [u8; 3]) -> [u8; 3] {
    c.map(|v| ((f32::from(v) * 0.4) + 128.0 * 0.6).round() as u8)
}

/// An error map comparing predictions with the ground truth (both row-major `w × h`,
/// 0 = unlabelled): unlabelled truth → dark grey ([`UNLABELLED_GREY`]), correct → the
/// [`dimmed`] class colour, wrong → bright red ([`ERROR_RED`]). Missing entries count as 0.
pub fn error_view(pred: &[u16], truth: &[u16], w: u32, h: u32) -> Rgba {
    let mut img = Rgba::new(w, h);
    for (i, px) in img.pixels.chunks_exact_mut(4).enumerate() {
        let t = truth.get(i).copied().unwrap_or(0);
        let p = pred.get(i).copied().unwrap_or(0);
        let [r, g, b] = if t == 0 {
            UNLABELLED_GREY
        } else if p == t {
            dimmed(class_colour(t.into()))
        } else {
            ERROR_RED
        };
        px.copy_from_slice(&[r, g, b, 255]);
    }
    img
}

/// What a split uses each pixel for, and how its test pixels fared: training (and
/// validation) pixels white, test pixels as in [`error_view`] (dimmed class colour when
/// right, red when wrong), every other pixel (unlabelled, or labelled but in neither set,
/// like a spatial split's guard band) dark grey. Indices out of range are ignored.
pub fn split_view(
    pred: &[u16],
    truth: &[u16],
    train: &[u32],
    test: &[u32],
    w: u32,
    h: u32,
) -> Rgba {
    let mut img = Rgba::new(w, h);
    let mut set = |i: usize, c: [u8; 3]| {
        if let Some(px) = img.pixels.get_mut(4 * i..4 * i + 4) {
            px.copy_from_slice(&[c[0], c[1], c[2], 255]);
        }
    };
    for i in 0..(w * h) as usize {
        set(i, UNLABELLED_GREY);
    }
    for &i in train {
        set(i as usize, [255, 255, 255]);
    }
    for &i in test {
        let i = i as usize;
        let (t, p) = (
            truth.get(i).copied().unwrap_or(0),
            pred.get(i).copied().unwrap_or(0),
        );
        set(
            i,
            if t != 0 && p == t {
                dimmed(class_colour(t.into()))
            } else {
                ERROR_RED
            },
        );
    }
    img
}

/// ColorBrewer "Blues" (9 classes), for the confusion matrix.
pub const BLUES: [[u8; 3]; 9] = [
    [247, 251, 255],
    [222, 235, 247],
    [198, 219, 239],
    [158, 202, 225],
    [107, 174, 214],
    [66, 146, 198],
    [33, 113, 181],
    [8, 81, 156],
    [8, 48, 107],
];

/// Colour of a confusion-matrix cell holding fraction `v` (0..1) of its row.
pub fn heat_colour(v: f32) -> [u8; 3] {
    let v = if v.is_nan() { 0.0 } else { v.clamp(0.0, 1.0) };
    interpolate(&BLUES, v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_view_marks_training_test_and_the_rest() {
        // 4 pixels: training, a right test pixel, a wrong test pixel, neither.
        let img = split_view(&[1, 2, 3, 1], &[1, 2, 2, 1], &[0, 9], &[1, 2], 2, 2);
        let px = |i: usize| {
            [
                img.pixels[4 * i],
                img.pixels[4 * i + 1],
                img.pixels[4 * i + 2],
            ]
        };
        assert_eq!(px(0), [255, 255, 255]);
        assert_eq!(px(1), dimmed(class_colour(2)));
        assert_eq!(px(2), ERROR_RED);
        assert_eq!(px(3), UNLABELLED_GREY);
    }

    fn dist(a: [u8; 3], b: [u8; 3]) -> i32 {
        a.iter()
            .zip(b)
            .map(|(&x, y)| (i32::from(x) - i32::from(y)).abs())
            .sum()
    }

    #[test]
    fn fixed_colours() {
        assert_eq!(class_colour(0), [0, 0, 0]);
        assert_eq!(class_colour(1), [255, 0, 0]);
        assert_eq!(class_colour(2), [0, 255, 0]);
        assert_eq!(class_colour(16), [255, 100, 100]);
    }

    #[test]
    fn first_64_are_distinct_and_visible() {
        let cols: Vec<[u8; 3]> = (1..=64).map(class_colour).collect();
        for (i, a) in cols.iter().enumerate() {
            assert!(
                a.iter().map(|&v| u32::from(v)).sum::<u32>() > 100,
                "class {} too dark",
                i + 1
            );
            for (j, b) in cols.iter().enumerate().skip(i + 1) {
                // L1 distance in RGB: clearly distinct for the first 24, distinguishable to 64.
                let min = if j < 24 { 50 } else { 20 };
                assert!(
                    dist(*a, *b) >= min,
                    "classes {} and {} too similar",
                    i + 1,
                    j + 1
                );
            }
        }
        // Generated colours: hue 20° at full value for class 17.
        assert_eq!(class_colour(17), hsv_to_rgb(20.0, 0.85, 0.95));
        let _ = class_colour(usize::MAX);
    }

    #[test]
    fn hsv_conversion() {
        assert_eq!(hsv_to_rgb(0.0, 1.0, 1.0), [255, 0, 0]);
        assert_eq!(hsv_to_rgb(120.0, 1.0, 1.0), [0, 255, 0]);
        assert_eq!(hsv_to_rgb(240.0, 1.0, 0.5), [0, 0, 128]);
        assert_eq!(hsv_to_rgb(-60.0, 0.0, 1.0), [255, 255, 255]);
    }

    #[test]
    fn label_and_error_maps() {
        let truth = [0u16, 1, 2, 3];
        let pred = [5u16, 1, 3];
        let img = labels_to_rgba(&truth, 2, 2);
        assert_eq!(img.get(0, 0), Some([0, 0, 0, 255]));
        assert_eq!(img.get(1, 0), Some([255, 0, 0, 255]));
        assert_eq!(img.get(1, 1), Some([0, 0, 255, 255]));
        let err = error_view(&pred, &truth, 2, 2);
        assert_eq!(err.get(0, 0), Some([64, 64, 64, 255]));
        assert_eq!(err.get(1, 0), Some([179, 77, 77, 255])); // dimmed red
        assert_eq!(err.get(0, 1), Some([255, 0, 0, 255])); // 3 predicted for 2
        assert_eq!(err.get(1, 1), Some([255, 0, 0, 255])); // missing prediction
        let short = labels_to_rgba(&[], 3, 1);
        assert!(short.pixels.chunks(4).all(|p| p == [0, 0, 0, 255]));
    }
}
