//! Axis arithmetic both line charts share, the page's SVG chart (`ui::widgets::chart`) and
//! the CLI's raster one ([`super::chart`]): the data range and tick labels.

/// A `(lo, hi)` range of the finite `values` that is never empty (`(0, 1)` without any).
pub fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-12 {
        return (lo - 0.5, hi + 0.5);
    }
    (lo, hi)
}

/// A tick label: `1.5`, `120`, `0.035`, `3.2e-5`, without trailing zeros (`99.5`, not
/// `99.50`).
pub fn tick(v: f64) -> String {
    let a = v.abs();
    let fixed = |digits: usize| {
        let s = format!("{v:.digits$}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    };
    if a != 0.0 && !(1e-3..1e5).contains(&a) {
        format!("{v:.1e}")
    } else if a >= 100.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else if a >= 1.0 {
        fixed(2)
    } else {
        fixed(3)
    }
}

/// The horizontal axis's three ticks: both ends and the middle, which is a whole number when
/// every x is (epochs, steps), so that an axis over 1…198 reads 1, 100, 198.
pub fn x_ticks(lo: f64, hi: f64, whole: bool) -> [f64; 3] {
    let mid = (lo + hi) / 2.0;
    [lo, if whole { mid.round() } else { mid }, hi]
}

/// Whether every finite x of `points` is a whole number.
pub fn whole_xs(points: impl Iterator<Item = (f64, f64)>) -> bool {
    points
        .filter(|p| p.0.is_finite())
        .all(|p| p.0.fract() == 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_labels_are_short_and_keep_no_trailing_zeros() {
        let cases = [
            (99.5, "99.5"),
            (1.25, "1.25"),
            (2.0, "2"),
            (120.4, "120"),
            (0.035, "0.035"),
            (0.5, "0.5"),
            (0.0, "0"),
            (-1.5, "-1.5"),
            (3.2e-5, "3.2e-5"),
            (2.5e6, "2.5e6"),
        ];
        for (v, want) in cases {
            assert_eq!(tick(v), want, "{v}");
        }
    }

    #[test]
    fn the_middle_x_tick_is_whole_on_a_whole_axis() {
        assert_eq!(x_ticks(1.0, 198.0, true), [1.0, 100.0, 198.0]);
        assert_eq!(x_ticks(1.0, 198.0, false), [1.0, 99.5, 198.0]);
        assert!(whole_xs(
            [(1.0, 0.3), (2.0, f64::NAN), (f64::NAN, 1.0)].into_iter()
        ));
        assert!(!whole_xs([(1.0, 0.3), (1.5, 0.2)].into_iter()));
        assert_eq!(range([f64::NAN].into_iter()), (0.0, 1.0));
        assert_eq!(range([2.0, 2.0].into_iter()), (1.5, 2.5));
        assert_eq!(range([3.0, f64::INFINITY, -1.0].into_iter()), (-1.0, 3.0));
    }
}
