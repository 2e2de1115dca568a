//! Which label values a ground truth holds, and how they become classes.
//!
//! A ground truth of classes 0–16 with the no-data value 255 at two pixels must not become a
//! 255-class scene without a word. [`census`] counts every value; [`suspicious`] flags a value
//! that stands far above the others, or apart from them and used by a handful of pixels; an
//! upload with such a value is refused ([`DataError::SuspiciousLabels`]) until the visitor
//! chooses, with a [`LabelChoice`], to treat it as unlabelled or to renumber the classes 1..K.
//! The mapping chosen stays with the scene ([`LabelMap`]).

use serde::{Deserialize, Serialize};

use super::budget::MAX_CLASSES;
use super::error::DataError;

/// A value is “far above the others” when it is more than this many times the next value
/// below it…
pub const FAR_FACTOR: u32 = 2;
/// …and at least this much above it (so that labels 1, 3 are not flagged).
pub const FAR_GAP: u32 = 8;
/// A value apart from the others (not next to the largest value below it) used by at most
/// this many pixels is flagged too: too few to train on or to score, and typical of a
/// no-data value.
pub const HANDFUL_PIXELS: usize = 5;

/// How the label values of an uploaded ground truth become classes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LabelChoice {
    /// Values whose pixels are unlabelled (no data), besides 0.
    #[serde(default)]
    pub unlabelled: Vec<u32>,
    /// Number the remaining values 1..K in increasing order instead of keeping them.
    #[serde(default)]
    pub renumber: bool,
}

impl LabelChoice {
    /// True when the visitor chose nothing: suspicious values are refused.
    pub fn is_default(&self) -> bool {
        self.unlabelled.is_empty() && !self.renumber
    }
}

/// What the classes of a scene are in the file's own values.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LabelMap {
    /// The file's value of class `c` at index `c - 1`; empty when class `c` is value `c`.
    pub values: Vec<u32>,
    /// Values besides 0 that were made unlabelled.
    pub unlabelled: Vec<u32>,
}

impl LabelMap {
    /// True when classes are the file's values and only 0 is unlabelled.
    pub fn is_identity(&self) -> bool {
        self.values.is_empty() && self.unlabelled.is_empty()
    }

    /// One line for people: `classes 1..3 = values 2, 7, 9; value 255 unlabelled`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.values.is_empty() {
            parts.push(format!(
                "classes 1..{} = values {}",
                self.values.len(),
                join(&self.values)
            ));
        }
        if !self.unlabelled.is_empty() {
            parts.push(format!("value {} unlabelled", join(&self.unlabelled)));
        }
        parts.join("; ")
    }
}

fn join(v: &[u32]) -> String {
    v.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
}

/// Every value of `values` with its pixel count, in increasing order of value.
pub fn census(values: &[u32]) -> Vec<(u32, usize)> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let mut out: Vec<(u32, usize)> = Vec::new();
    for v in sorted {
        match out.last_mut() {
            Some((last, n)) if *last == v => *n += 1,
            _ => out.push((v, 1)),
        }
    }
    out
}

/// The values of a census (0 = unlabelled is never flagged) that look like no-data rather
/// than a class: more than [`FAR_FACTOR`] times and [`FAR_GAP`] above the next value below,
/// or not next to it and used by at most [`HANDFUL_PIXELS`] pixels.
pub fn suspicious(census: &[(u32, usize)]) -> Vec<u32> {
    let mut flagged = Vec::new();
    let mut below: Option<u32> = None;
    for &(v, n) in census.iter().filter(|(v, _)| *v > 0) {
        if let Some(b) = below {
            let far = v / FAR_FACTOR > b && v - b >= FAR_GAP;
            let apart_and_rare = v > b + 1 && n <= HANDFUL_PIXELS;
            if far || apart_and_rare {
                flagged.push(v);
            }
        }
        below = Some(v);
    }
    flagged
}

/// The census as text, at most 40 values: `0 (unlabelled): 10776, 1: 46, …, 255: 2`.
pub fn census_text(census: &[(u32, usize)]) -> String {
    const SHOWN: usize = 40;
    let mut parts: Vec<String> = census
        .iter()
        .take(SHOWN)
        .map(|&(v, n)| {
            let px = if n == 1 { "pixel" } else { "pixels" };
            if v == 0 {
                format!("0 (unlabelled): {n} {px}")
            } else {
                format!("{v}: {n} {px}")
            }
        })
        .collect();
    if census.len() > SHOWN {
        parts.push(format!("… and {} more values", census.len() - SHOWN));
    }
    parts.join(", ")
}

/// The words of [`DataError::SuspiciousLabels`]: which values look like no-data, every value
/// with its pixel count, and the two resolutions.
pub fn suspicious_text(flagged: &[u32], census: &[(u32, usize)], classes: usize) -> String {
    let count = |v: u32| census.iter().find(|(x, _)| *x == v).map_or(0, |c| c.1);
    let which = flagged
        .iter()
        .map(|&v| {
            let n = count(v);
            format!("{v} ({n} pixel{})", if n == 1 { "" } else { "s" })
        })
        .collect::<Vec<_>>()
        .join(", ");
    let (one, verb, kept) = if flagged.len() == 1 {
        ("value", "looks", "a class")
    } else {
        ("values", "look", "classes")
    };
    let listed = join(flagged);
    format!(
        "The ground truth holds the {one} {which}, far above the other labels or apart from \
         them with a handful of pixels: it {verb} like a no-data value, not a class. Its values \
         and pixel counts: {}. Choose: treat {listed} as unlabelled, or renumber the classes \
         1..{classes} in order of value (keeping {listed} as {kept}).",
        census_text(census)
    )
}

/// Turns the file's label values into classes as `choice` says: refuses suspicious values
/// when nothing was chosen, and more than [`MAX_CLASSES`] classes. Returns the labels
/// (0 = unlabelled, 1..=K), K, and the mapping kept with the scene.
pub fn apply(
    values: &[u32],
    width: usize,
    choice: &LabelChoice,
) -> Result<(Vec<u16>, usize, LabelMap), DataError> {
    let all = census(values);
    let unlabelled: Vec<u32> = {
        let mut u: Vec<u32> = choice
            .unlabelled
            .iter()
            .copied()
            .filter(|&v| v != 0)
            .collect();
        u.sort_unstable();
        u.dedup();
        u
    };
    if let Some(&v) = unlabelled
        .iter()
        .find(|v| !all.iter().any(|(x, _)| x == *v))
    {
        return Err(DataError::InvalidInput(format!(
            "the value {v} given as unlabelled does not appear in the ground truth (its values: \
             {})",
            census_text(&all)
        )));
    }
    let kept: Vec<(u32, usize)> = all
        .iter()
        .copied()
        .filter(|(v, _)| !unlabelled.contains(v))
        .collect();
    if !choice.renumber {
        let flagged = suspicious(&kept);
        if !flagged.is_empty() {
            let classes = kept.iter().filter(|(v, _)| *v > 0).count();
            return Err(DataError::SuspiciousLabels {
                message: suspicious_text(&flagged, &all, classes),
                flagged,
                census: all,
                classes,
            });
        }
    }
    let classes: Vec<u32> = kept.iter().map(|(v, _)| *v).filter(|&v| v > 0).collect();
    let max = classes.last().copied().unwrap_or(0);
    let k = if choice.renumber {
        classes.len()
    } else {
        max as usize
    };
    if k > MAX_CLASSES {
        let i = values.iter().position(|&v| v == max).unwrap_or_default();
        return Err(DataError::TooManyClasses {
            label: if choice.renumber {
                k as u64
            } else {
                max as u64
            },
            row: i / width.max(1),
            col: i % width.max(1),
            cap: MAX_CLASSES,
        });
    }
    let class_of = |v: u32| -> u16 {
        if v == 0 || unlabelled.binary_search(&v).is_ok() {
            0
        } else if choice.renumber {
            // `classes` is sorted and holds every kept value.
            classes.binary_search(&v).map_or(0, |i| i as u16 + 1)
        } else {
            v as u16
        }
    };
    let labels = values.iter().map(|&v| class_of(v)).collect();
    let renumbered = choice.renumber && classes.iter().enumerate().any(|(i, &v)| v != i as u32 + 1);
    let map = LabelMap {
        values: if renumbered { classes } else { Vec::new() },
        unlabelled,
    };
    Ok((labels, k, map))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 0–16 as on Indian Pines, plus 255 at two pixels.
    fn with_nodata() -> Vec<u32> {
        let mut v: Vec<u32> = (0..17).flat_map(|c| std::iter::repeat_n(c, 30)).collect();
        v.extend([255, 255]);
        v
    }

    #[test]
    fn a_no_data_value_is_refused_with_the_values_and_both_options() {
        let v = with_nodata();
        let c = census(&v);
        assert_eq!(c.len(), 18);
        assert_eq!(c[17], (255, 2));
        assert_eq!(suspicious(&c), [255]);
        let e = apply(&v, 10, &LabelChoice::default()).unwrap_err();
        assert!(matches!(&e, DataError::SuspiciousLabels { flagged, .. } if flagged == &[255]));
        let msg = e.to_string();
        for want in [
            "255: 2 pixels",
            "0 (unlabelled): 30 pixels",
            "16: 30 pixels",
            "treat 255 as unlabelled",
            "renumber the classes 1..17",
        ] {
            assert!(msg.contains(want), "missing {want:?} in {msg}");
        }
    }

    #[test]
    fn either_resolution_works_and_keeps_its_mapping() {
        let v = with_nodata();
        let unl = LabelChoice {
            unlabelled: vec![255],
            renumber: false,
        };
        let (labels, k, map) = apply(&v, 10, &unl).unwrap();
        assert_eq!(k, 16);
        assert_eq!(labels.iter().filter(|&&l| l == 0).count(), 32);
        assert_eq!(map.describe(), "value 255 unlabelled");
        let ren = LabelChoice {
            unlabelled: vec![],
            renumber: true,
        };
        let (labels, k, map) = apply(&v, 10, &ren).unwrap();
        assert_eq!(k, 17);
        assert_eq!(labels[labels.len() - 1], 17);
        assert_eq!(map.values.len(), 17);
        assert_eq!(map.values[16], 255);
        assert!(map.describe().starts_with("classes 1..17 = values 1, 2, "));
        // A value given as unlabelled that is not there is a mistake worth saying.
        let wrong = LabelChoice {
            unlabelled: vec![254],
            renumber: false,
        };
        assert!(
            apply(&v, 10, &wrong)
                .unwrap_err()
                .to_string()
                .contains("254 given as unlabelled does not appear")
        );
    }

    #[test]
    fn ordinary_ground_truths_pass_untouched() {
        // Contiguous classes, one of them small (Indian Pines' Oats has 20 pixels).
        let mut v: Vec<u32> = (0..17).flat_map(|c| std::iter::repeat_n(c, 40)).collect();
        v.extend([17, 17, 17]);
        assert!(suspicious(&census(&v)).is_empty());
        let (labels, k, map) = apply(&v, 10, &LabelChoice::default()).unwrap();
        assert_eq!(k, 17);
        assert!(map.is_identity());
        assert_eq!(labels.iter().map(|&l| l as u32).collect::<Vec<_>>(), v);
        // Small gaps are not flagged; a rare value apart from the others is.
        assert!(suspicious(&census(&[1, 1, 3, 3, 3, 3, 3, 3])).is_empty());
        assert_eq!(
            suspicious(&census(
                &[1; 50].iter().chain(&[4]).copied().collect::<Vec<_>>()
            )),
            [4]
        );
        assert_eq!(suspicious(&census(&[0, 1, 2, 65535])), [65535]);
    }
}
