//! Deterministic train/test splits of labelled pixels.
//!
//! ## Why a spatial split
//! Patch classifiers such as HybridSN look at a window (say 25 × 25 pixels) around each
//! pixel. With a random per-pixel split, almost every test pixel has training pixels right
//! next to it: their windows overlap by up to 96 %, so the network is tested on inputs it
//! has largely seen, with labels it has been told for the neighbours. Scores of 99 % on
//! Indian Pines come largely from this leakage and say little about new fields.
//! [`spatial_split`] trains on whole blocks of the scene and keeps for testing only pixels
//! far enough from every training block that their window shares no pixel with any training
//! window, which gives an honest (and lower) number. [`stratified_split`] is still
//! provided, as papers report it (the paper's protocol).
//!
//! ## Validation
//! [`hold_out_validation`] moves a stratified share of the *training* pixels to a validation
//! set: every choice (epochs, recipe, which run ships) is made on it, never on test pixels.
//! In a spatial split the validation pixels lie inside training blocks, so their windows
//! overlap training windows: a validation score there is closer to the random split's than
//! to the spatial test score.
//!
//! ## How far apart
//! [`Guard`] says how wide the band between training blocks and test pixels is. By default
//! ([`Guard::NoSharedInput`]) it is `patch − 1` pixels, so no test window shares a single
//! input pixel with any training window; [`Guard::LabelsApart`] keeps the narrower band of
//! `(patch − 1) / 2` pixels of earlier versions: no test window holds a training pixel, but
//! test and training windows still share input pixels ("labels apart, inputs shared").

use serde::{Deserialize, Serialize};

use super::rng::Rng;

/// Pixel indices (`row × width + col`) of labelled pixels, split into training, validation
/// and testing (three disjoint sets).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Split {
    /// Training pixels, shuffled.
    pub train: Vec<usize>,
    /// Validation pixels (held out of the training pixels by [`hold_out_validation`]; empty
    /// before), shuffled.
    pub validation: Vec<usize>,
    /// Test pixels, shuffled.
    pub test: Vec<usize>,
}

/// The guard band of [`spatial_split`]: how far test pixels are kept from training blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Guard {
    /// `patch − 1` pixels (24 for 25 × 25 patches): no test window shares an input pixel
    /// with any training (or validation) window.
    #[default]
    NoSharedInput,
    /// `(patch − 1) / 2` pixels (12 for 25 × 25 patches): no test window contains a training
    /// pixel, but training windows reach into test windows (up to 94 % of one on Indian
    /// Pines). Labels apart, inputs shared.
    LabelsApart,
}

impl Guard {
    /// Both guards, the default first.
    pub const ALL: [Guard; 2] = [Guard::NoSharedInput, Guard::LabelsApart];

    /// Width of the band in pixels for `patch × patch` windows: test pixels lie at Chebyshev
    /// distance greater than this from every training block.
    pub fn pixels(self, patch: usize) -> usize {
        let m = patch.saturating_sub(1) / 2;
        match self {
            Guard::NoSharedInput => 2 * m,
            Guard::LabelsApart => m,
        }
    }

    /// The name used on the command line.
    pub fn id(self) -> &'static str {
        match self {
            Guard::NoSharedInput => "no-shared-input",
            Guard::LabelsApart => "labels-apart",
        }
    }

    /// The guard with command-line name `id`.
    pub fn from_id(id: &str) -> Option<Guard> {
        Guard::ALL.into_iter().find(|g| g.id() == id)
    }

    /// What the guard guarantees, in words (shown wherever the split is named).
    pub fn describe(self) -> &'static str {
        match self {
            Guard::NoSharedInput => "no test patch shares an input pixel with a training patch",
            Guard::LabelsApart => "labels apart, inputs shared",
        }
    }
}

/// `pixels` grouped by class, in their order: entry `c − 1` holds class `c`'s pixels
/// (labels 1..=num_classes; 0 and larger labels are left out).
fn by_class(
    pixels: impl IntoIterator<Item = usize>,
    gt: &[u16],
    num_classes: usize,
) -> Vec<Vec<usize>> {
    let mut per_class = vec![Vec::new(); num_classes];
    for i in pixels {
        let g = gt[i] as usize;
        if (1..=num_classes).contains(&g) {
            per_class[g - 1].push(i);
        }
    }
    per_class
}

/// Random split of each class separately. Class `c` (labels 1..=num_classes; 0 and larger
/// labels are ignored) with `n` pixels gets `round(train_fraction × n)` training pixels,
/// clamped to `1..=n−1` when `n ≥ 2` so every class is both trained and tested. The fraction
/// is clamped to [0, 1]. Both lists are shuffled; the same seed gives the same split.
pub fn stratified_split(gt: &[u16], num_classes: usize, train_fraction: f64, seed: u64) -> Split {
    let f = if train_fraction.is_nan() {
        0.0
    } else {
        train_fraction.clamp(0.0, 1.0)
    };
    let mut rng = Rng::new(seed);
    let mut split = Split::default();
    for pixels in by_class(0..gt.len(), gt, num_classes).iter_mut() {
        let n = pixels.len();
        let mut k = (f * n as f64).round() as usize;
        if n >= 2 {
            k = k.clamp(1, n - 1);
        }
        rng.shuffle(pixels);
        split.train.extend_from_slice(&pixels[..k]);
        split.test.extend_from_slice(&pixels[k..]);
    }
    rng.shuffle(&mut split.train);
    rng.shuffle(&mut split.test);
    split
}

/// Default share of each class's training pixels held out for validation.
pub const VALIDATION_FRACTION: f64 = 0.1;

/// Moves `fraction` of each class's training pixels (labels 1..=num_classes) to
/// `split.validation`, chosen at random (seeded) per class: class `c` with `n` training
/// pixels gives `round(fraction × n)` of them, at most `n − 1`, so every class keeps at least
/// one training pixel (a class with 1–4 training pixels at 10 % gives none). The fraction is
/// clamped to [0, 1]; 0 leaves the split as it is. Test pixels are never touched; the
/// training pixels keep their order. Pixels already in `split.validation` stay there.
pub fn hold_out_validation(
    mut split: Split,
    gt: &[u16],
    num_classes: usize,
    fraction: f64,
    seed: u64,
) -> Split {
    let f = if fraction.is_nan() {
        0.0
    } else {
        fraction.clamp(0.0, 1.0)
    };
    // Another stream than the split's own, so the same seed does not pick correlated pixels.
    let mut rng = Rng::new(seed ^ 0x7a11_da7e_5e7f_0001);
    let mut held = std::collections::HashSet::new();
    for mut pixels in by_class(split.train.iter().copied(), gt, num_classes) {
        let n = pixels.len();
        let k = ((f * n as f64).round() as usize).min(n.saturating_sub(1));
        rng.shuffle(&mut pixels);
        held.extend(pixels[..k].iter().copied());
    }
    let mut validation: Vec<usize> = split
        .train
        .iter()
        .copied()
        .filter(|i| held.contains(i))
        .collect();
    rng.shuffle(&mut validation);
    split.train.retain(|i| !held.contains(i));
    split.validation.extend(validation);
    split
}

/// Class balancing by oversampling: every class (labels 1..=num_classes) with fewer than
/// `min_per_class` pixels in `train` has its pixels repeated, in order, until it has
/// `min_per_class` entries; larger classes and other labels are kept once. The original
/// list comes first, unchanged, followed by the repeats (callers shuffle each epoch).
/// `min_per_class == 0` returns `train` as it is.
///
/// On Indian Pines at 10 % training, Oats (20 px) and Grass-pasture-mowed (28 px) get 2
/// and 3 training pixels against Soybean-mintill's 246: plain cross-entropy sees them
/// once per ~100 steps of batch 32 and their accuracy swings between splits.
pub fn oversample_small_classes(
    train: &[usize],
    gt: &[u16],
    num_classes: usize,
    min_per_class: usize,
) -> Vec<usize> {
    let mut out = train.to_vec();
    if min_per_class == 0 {
        return out;
    }
    for pixels in by_class(train.iter().copied(), gt, num_classes) {
        if pixels.is_empty() {
            continue;
        }
        let extra = min_per_class.saturating_sub(pixels.len());
        out.extend(pixels.iter().cycle().take(extra));
    }
    out
}

/// Side of the square blocks used by [`spatial_split`]: a sixth of the scene's shorter side
/// (rounded up), and at least the patch size, so a 145 × 145 scene is cut into 6 × 6 blocks
/// of 25 × 25 pixels.
pub fn block_size(height: usize, width: usize, patch_size: usize) -> usize {
    height.min(width).div_ceil(6).max(patch_size).max(1)
}

/// Spatially disjoint split. The scene is cut into square blocks of [`block_size`]; blocks
/// are chosen for training at random (seeded): first, for each class from the rarest up
/// that no chosen block covers yet, a random block holding it (among the blocks that keep
/// the training count within the target); then further random blocks
/// while adding one brings the training count closer to `train_fraction` of the labelled
/// pixels. Training pixels are the labelled pixels inside the chosen blocks. Test pixels are
/// the labelled pixels at Chebyshev distance greater than `guard.pixels(patch_size)` from
/// every training block, of the classes the training blocks hold: a model cannot name a
/// class it never saw, so pixels of a class with no training pixel are left unscored (on
/// Indian Pines at 10 %, seed 0: Grass-trees' 432 pixels beyond the guard). Pixels in
/// between (the guard band) are in neither set.
///
/// A class found in few blocks (on Indian Pines with 25 × 25 blocks: Corn and Oats) may
/// then be trained on but have no test pixels; per-class accuracy reports it as absent.
/// Blocks are coarse: a class may be trained on a handful of pixels at a block's corner and
/// tested on whole fields elsewhere, which is part of what this split measures.
///
/// What this guarantees: with [`Guard::NoSharedInput`] (the default) the `patch_size`
/// windows of test pixels share no pixel with the window of any pixel of a training block
/// (hence of any training or validation pixel); with [`Guard::LabelsApart`] only that no
/// test window contains a training pixel: training windows at a block's edge still share
/// outer pixels with test windows.
#[allow(clippy::too_many_arguments)]
pub fn spatial_split(
    gt: &[u16],
    height: usize,
    width: usize,
    num_classes: usize,
    train_fraction: f64,
    patch_size: usize,
    guard: Guard,
    seed: u64,
) -> Split {
    let n = (height * width).min(gt.len());
    let label = |i: usize| -> usize {
        let g = gt.get(i).copied().unwrap_or(0) as usize;
        if g <= num_classes { g } else { 0 }
    };
    let bs = block_size(height, width, patch_size);
    let (brows, bcols) = (height.div_ceil(bs), width.div_ceil(bs));
    let nblocks = brows * bcols;
    let block_of = |i: usize| (i / width / bs) * bcols + (i % width) / bs;
    // Labelled count and class histogram per block.
    let mut hist = vec![vec![0usize; num_classes + 1]; nblocks];
    let mut labelled_total = 0usize;
    for i in 0..n {
        let g = label(i);
        if g > 0 {
            hist[block_of(i)][g] += 1;
            labelled_total += 1;
        }
    }
    let block_count = |b: usize| hist[b][1..].iter().sum::<usize>();
    let f = if train_fraction.is_nan() {
        0.0
    } else {
        train_fraction.clamp(0.0, 1.0)
    };
    let target = f * labelled_total as f64;
    let mut rng = Rng::new(seed);
    let mut chosen = vec![false; nblocks];
    let mut train_count = 0usize;
    if target > 0.0 {
        // Classes from the rarest up: make sure each appears in some training block.
        let mut totals = vec![0usize; num_classes + 1];
        for h in &hist {
            for c in 1..=num_classes {
                totals[c] += h[c];
            }
        }
        let mut classes: Vec<usize> = (1..=num_classes).filter(|&c| totals[c] > 0).collect();
        classes.sort_by_key(|&c| (totals[c], c));
        for c in classes {
            if (0..nblocks).any(|b| chosen[b] && hist[b][c] > 0) {
                continue;
            }
            let holding: Vec<usize> = (0..nblocks)
                .filter(|&b| !chosen[b] && hist[b][c] > 0)
                .collect();
            // Stay within the target; prefer leaving another block of the class for testing.
            let fitting: Vec<usize> = holding
                .iter()
                .copied()
                .filter(|&b| (train_count + block_count(b)) as f64 <= target)
                .collect();
            if fitting.is_empty() {
                continue;
            }
            let b = fitting[rng.below(fitting.len())];
            chosen[b] = true;
            train_count += block_count(b);
        }
        let mut order: Vec<usize> = (0..nblocks).filter(|&b| block_count(b) > 0).collect();
        rng.shuffle(&mut order);
        for b in order {
            if chosen[b] {
                continue;
            }
            let now = (train_count as f64 - target).abs();
            let then = ((train_count + block_count(b)) as f64 - target).abs();
            if then < now {
                chosen[b] = true;
                train_count += block_count(b);
            }
        }
    }
    // Training mask, then a window-sum (2-D prefix sums) to find pixels near training blocks.
    let m = guard.pixels(patch_size);
    let mut prefix = vec![0u32; (height + 1) * (width + 1)];
    for r in 0..height {
        let mut row_sum = 0u32;
        for c in 0..width {
            row_sum += chosen[block_of(r * width + c)] as u32;
            prefix[(r + 1) * (width + 1) + c + 1] = prefix[r * (width + 1) + c + 1] + row_sum;
        }
    }
    let window_has_train = |r: usize, c: usize| {
        let (r0, c0) = (r.saturating_sub(m), c.saturating_sub(m));
        let (r1, c1) = ((r + m + 1).min(height), (c + m + 1).min(width));
        let at = |r: usize, c: usize| prefix[r * (width + 1) + c];
        at(r1, c1) + at(r0, c0) - at(r0, c1) - at(r1, c0) > 0
    };
    let trained: Vec<bool> = (0..=num_classes)
        .map(|c| c > 0 && (0..nblocks).any(|b| chosen[b] && hist[b][c] > 0))
        .collect();
    let mut split = Split::default();
    for i in 0..n {
        if label(i) == 0 {
            continue;
        }
        if chosen[block_of(i)] {
            split.train.push(i);
        } else if trained[label(i)] && !window_has_train(i / width, i % width) {
            split.test.push(i);
        }
    }
    rng.shuffle(&mut split.train);
    rng.shuffle(&mut split.test);
    split
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn indian_pines_gt() -> Vec<u16> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/indian_pines/");
        let a = crate::data::npy::read_npy(
            &std::fs::read(format!("{dir}Indian_pines_gt.npy")).unwrap(),
            "gt",
        )
        .unwrap();
        a.to_f32().iter().map(|&x| x as u16).collect()
    }

    #[test]
    fn oversampling_lifts_small_classes_to_the_minimum_and_keeps_the_rest() {
        let gt = indian_pines_gt();
        let split = stratified_split(&gt, 16, 0.1, 2);
        let count = |list: &[usize], c: u16| list.iter().filter(|&&i| gt[i] == c).count();
        let before: Vec<usize> = (1..=16).map(|c| count(&split.train, c)).collect();
        // Oats (class 9) and Grass-pasture-mowed (7) get 2 and 3 pixels at 10 %.
        assert_eq!((before[8], before[6]), (2, 3));
        let out = oversample_small_classes(&split.train, &gt, 16, 32);
        assert_eq!(&out[..split.train.len()], &split.train[..]);
        for c in 1..=16u16 {
            let (b, a) = (before[c as usize - 1], count(&out, c));
            assert_eq!(a, b.max(32), "class {c}");
            // Repeats are the class's own training pixels, nothing from the test set.
            let own: HashSet<usize> = split
                .train
                .iter()
                .copied()
                .filter(|&i| gt[i] == c)
                .collect();
            assert!(out.iter().filter(|&&i| gt[i] == c).all(|i| own.contains(i)));
        }
        // Oats' two pixels are used 16 times each: repeated evenly, in order.
        let oats: Vec<usize> = out.iter().copied().filter(|&i| gt[i] == 9).collect();
        assert!(
            oats.iter()
                .all(|i| oats.iter().filter(|&j| j == i).count() == 16)
        );
        assert_eq!(
            oversample_small_classes(&split.train, &gt, 16, 0),
            split.train
        );
        assert_eq!(
            oversample_small_classes(&[], &gt, 16, 32),
            Vec::<usize>::new()
        );
    }

    #[test]
    fn splitmix_reference_and_helpers() {
        // Reference outputs of SplitMix64 seeded with 0 (Vigna's splitmix64.c).
        let mut r = Rng::new(0);
        assert_eq!(r.next_u64(), 0xe220_a839_7b1d_cdaf);
        assert_eq!(r.next_u64(), 0x6e78_9e6a_a1b9_65f4);
        let mut r = Rng::new(7);
        let mut counts = [0usize; 5];
        for _ in 0..5000 {
            counts[r.below(5)] += 1;
            let f = r.next_f64();
            assert!((0.0..1.0).contains(&f));
        }
        assert!(
            counts.iter().all(|&c| (850..1150).contains(&c)),
            "{counts:?}"
        );
        let mut v: Vec<usize> = (0..20).collect();
        Rng::new(3).shuffle(&mut v);
        let mut w: Vec<usize> = (0..20).collect();
        Rng::new(3).shuffle(&mut w);
        assert_eq!(v, w);
        assert_ne!(v, (0..20).collect::<Vec<_>>());
        v.sort();
        assert_eq!(v, (0..20).collect::<Vec<_>>());
        assert_eq!(Rng::new(1).below(0), 0);
    }

    #[test]
    fn stratified_fractions_and_determinism() {
        let gt = indian_pines_gt();
        let s = stratified_split(&gt, 16, 0.1, 42);
        for c in 1..=16 {
            let count = gt.iter().filter(|&&g| g as usize == c).count();
            let tr = s.train.iter().filter(|&&i| gt[i] as usize == c).count();
            let te = s.test.iter().filter(|&&i| gt[i] as usize == c).count();
            assert_eq!(tr + te, count);
            let want = ((0.1 * count as f64).round() as usize).clamp(1, count - 1);
            assert_eq!(tr, want, "class {c}");
        }
        // Oats: 20 pixels → 2; Grass-pasture-mowed: 28 → 3; Soybean-mintill: 2455 → 246 (half
        // rounds away from zero); 1027 in all.
        assert_eq!(s.train.len(), 1027);
        assert_eq!(s.test.len(), 10249 - 1027);
        let train: HashSet<usize> = s.train.iter().copied().collect();
        assert!(s.test.iter().all(|i| !train.contains(i)));
        assert!(s.train.iter().chain(&s.test).all(|&i| gt[i] > 0));
        assert_eq!(stratified_split(&gt, 16, 0.1, 42), s);
        assert_ne!(stratified_split(&gt, 16, 0.1, 43), s);
        // Shuffled, not in scan order.
        assert!(s.train.windows(2).any(|w| w[0] > w[1]));
        // Extremes: every class still in both sets.
        let all = stratified_split(&gt, 16, 1.0, 1);
        assert_eq!(all.test.len(), 16);
        let none = stratified_split(&gt, 16, 0.0, 1);
        assert_eq!(none.train.len(), 16);
        // A single-pixel class goes where rounding puts it.
        let tiny = stratified_split(&[0, 1, 2, 2], 2, 0.4, 5);
        assert_eq!(tiny.train.len() + tiny.test.len(), 3);
        assert_eq!(tiny.train.iter().filter(|&&i| i >= 2).count(), 1);
    }

    #[test]
    fn spatial_split_keeps_windows_apart() {
        let gt = indian_pines_gt();
        let (h, w) = (145, 145);
        assert_eq!(block_size(h, w, 25), 25);
        for guard in Guard::ALL {
            for (fraction, patch, seed) in [(0.3, 25, 1), (0.1, 11, 2), (0.5, 5, 3)] {
                let s = spatial_split(&gt, h, w, 16, fraction, patch, guard, seed);
                assert_eq!(
                    s,
                    spatial_split(&gt, h, w, 16, fraction, patch, guard, seed)
                );
                let train: HashSet<usize> = s.train.iter().copied().collect();
                assert!(s.test.iter().all(|i| !train.contains(i)));
                assert!(s.train.iter().chain(&s.test).all(|&i| gt[i] > 0));
                assert!(!s.test.is_empty(), "{guard:?} {fraction} {patch}");
                // Training fraction near the target (blocks are coarse: within 8 points).
                let got = s.train.len() as f64 / 10249.0;
                assert!(
                    (got - fraction).abs() < 0.08,
                    "fraction {got} for {fraction}"
                );
                // No test pixel within the guard of a training block (hence of a train pixel
                // or any pixel of a training block).
                let bs = block_size(h, w, patch);
                let m = guard.pixels(patch);
                let train_blocks: HashSet<(usize, usize)> =
                    s.train.iter().map(|&i| (i / w / bs, i % w / bs)).collect();
                for &t in &s.test {
                    let (r, c) = (t / w, t % w);
                    for (br, bc) in &train_blocks {
                        let (r0, c0) = (br * bs, bc * bs);
                        let (r1, c1) = ((r0 + bs).min(h) - 1, (c0 + bs).min(w) - 1);
                        let dr = if r < r0 { r0 - r } else { r.saturating_sub(r1) };
                        let dc = if c < c0 { c0 - c } else { c.saturating_sub(c1) };
                        assert!(
                            dr.max(dc) > m,
                            "test pixel ({r},{c}) near block ({br},{bc})"
                        );
                    }
                }
                // Every class is trained on where possible.
                let classes: HashSet<u16> = s.train.iter().map(|&i| gt[i]).collect();
                eprintln!(
                    "spatial split {guard:?} f={fraction} patch={patch}: train {} test {} classes {}",
                    s.train.len(),
                    s.test.len(),
                    classes.len()
                );
                assert!(classes.len() >= 13, "{} classes in training", classes.len());
            }
        }
    }

    /// Overall accuracy of a nearest-class-mean classifier on raw spectra: the class means
    /// of the split's training pixels, each test pixel given the nearest one.
    fn nearest_mean_oa(scene: &crate::data::Scene, split: &Split) -> f64 {
        let (b, k) = (scene.bands, scene.num_classes);
        let mut mean = vec![0f64; (k + 1) * b];
        let mut count = vec![0usize; k + 1];
        for &i in &split.train {
            let g = scene.gt[i] as usize;
            count[g] += 1;
            for (m, &v) in mean[g * b..(g + 1) * b]
                .iter_mut()
                .zip(&scene.cube[i * b..])
            {
                *m += f64::from(v);
            }
        }
        for g in 1..=k {
            for m in &mut mean[g * b..(g + 1) * b] {
                *m /= count[g].max(1) as f64;
            }
        }
        let right = split
            .test
            .iter()
            .filter(|&&i| {
                let x = &scene.cube[i * b..(i + 1) * b];
                let d = |g: usize| -> f64 {
                    x.iter()
                        .zip(&mean[g * b..(g + 1) * b])
                        .map(|(&v, &m)| (f64::from(v) - m).powi(2))
                        .sum()
                };
                let best = (1..=k)
                    .filter(|&g| count[g] > 0)
                    .min_by(|&a, &c| d(a).total_cmp(&d(c)));
                best == Some(scene.gt[i] as usize)
            })
            .count();
        right as f64 / split.test.len() as f64
    }

    /// Why HybridSN scores so low on the no-shared-input split (README): it is the data, not
    /// the model. Indian Pines' crops are told apart by their fields' soil and tillage, which
    /// differ from field to field; a classifier that never saw the test fields fails even on
    /// the raw spectra. The plainest one, the nearest class mean, gets 40 % on the random
    /// split (test pixels in the training fields) and a few percent beyond the guard.
    #[test]
    fn far_fields_defeat_even_the_nearest_class_mean() {
        let packed = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/public/data/indian_pines.clhs"
        ))
        .unwrap();
        let scene = crate::data::load::indian_pines(&packed).unwrap();
        let (h, w, k) = (scene.height, scene.width, scene.num_classes);
        let random = nearest_mean_oa(&scene, &stratified_split(&scene.gt, k, 0.1, 0));
        let spatial = spatial_split(&scene.gt, h, w, k, 0.1, 25, Guard::NoSharedInput, 0);
        let far = nearest_mean_oa(&scene, &spatial);
        eprintln!(
            "nearest class mean, seed 0: random split OA {random:.3}, no shared input {far:.3}"
        );
        assert!(random > 0.35, "random split {random}");
        assert!(far < 0.2, "no-shared-input split {far}");
    }

    /// Whether the `patch × patch` windows centred on pixels `a` and `b` share a pixel.
    fn windows_overlap(a: usize, b: usize, width: usize, patch: usize) -> bool {
        let reach = patch - 1; // two half-windows
        (a / width).abs_diff(b / width) <= reach && (a % width).abs_diff(b % width) <= reach
    }

    /// Whether pixel `b` lies inside the `patch × patch` window centred on pixel `a`.
    fn inside_window(a: usize, b: usize, width: usize, patch: usize) -> bool {
        let m = (patch - 1) / 2;
        (a / width).abs_diff(b / width) <= m && (a % width).abs_diff(b % width) <= m
    }

    /// The no-overlap requirement, on Indian Pines with HybridSN's 25 × 25 patches and
    /// the validation set held out as training does. Checked by brute force over every pair,
    /// independently of the split's prefix sums. Checked once to fail: with the default
    /// guard's band set to `(patch − 1) / 2` (the old 12 pixels) and the `pixels(25) == 24`
    /// check left out, the pair check fails at seed 0 (test pixel (29, 101) against training
    /// pixel (51, 115): 22 rows and 14 columns apart, closer than 25).
    #[test]
    fn no_test_patch_shares_an_input_pixel_with_a_training_or_validation_patch() {
        let gt = indian_pines_gt();
        let (h, w, patch) = (145, 145, 25);
        assert_eq!(Guard::NoSharedInput.pixels(patch), 24);
        assert_eq!(Guard::LabelsApart.pixels(patch), 12);
        assert_eq!(Guard::default(), Guard::NoSharedInput);
        for (fraction, seed) in [(0.1, 0), (0.1, 1), (0.1, 2), (0.1, 3), (0.1, 4), (0.3, 0)] {
            let s = spatial_split(&gt, h, w, 16, fraction, patch, Guard::NoSharedInput, seed);
            let s = hold_out_validation(s, &gt, 16, VALIDATION_FRACTION, seed);
            assert!(
                !s.test.is_empty() && !s.validation.is_empty(),
                "seed {seed}"
            );
            for &t in &s.test {
                for &o in s.train.iter().chain(&s.validation) {
                    assert!(
                        !windows_overlap(t, o, w, patch),
                        "seed {seed}: the window of test pixel ({}, {}) overlaps that of \
                         training/validation pixel ({}, {})",
                        t / w,
                        t % w,
                        o / w,
                        o % w
                    );
                }
            }
            let classes: Vec<u16> = (1..=16)
                .filter(|&c| s.test.iter().any(|&i| gt[i] == c))
                .collect();
            // Only classes the model was trained on are scored. Seen failing with every class
            // scored (seed 0: Grass-trees, 0 training pixels, 432 test pixels).
            let trained: HashSet<u16> = s.train.iter().map(|&i| gt[i]).collect();
            assert!(classes.iter().all(|c| trained.contains(c)), "seed {seed}");
            eprintln!(
                "no shared input, f={fraction} seed {seed}: {} train, {} validation, {} test \
                 pixels; classes with test pixels {classes:?}",
                s.train.len(),
                s.validation.len(),
                s.test.len()
            );
        }
        // The old guard keeps labels apart (no training pixel inside a test window), but
        // its test windows do share inputs with training windows: hence its label.
        let s = spatial_split(&gt, h, w, 16, 0.1, patch, Guard::LabelsApart, 0);
        let shared = s
            .test
            .iter()
            .filter(|&&t| s.train.iter().any(|&o| windows_overlap(t, o, w, patch)))
            .count();
        assert!(
            s.test
                .iter()
                .all(|&t| s.train.iter().all(|&o| !inside_window(t, o, w, patch)))
        );
        eprintln!(
            "labels apart: {shared} of {} test windows share inputs with training windows",
            s.test.len()
        );
        assert!(shared > 0);
        assert_eq!(Guard::LabelsApart.describe(), "labels apart, inputs shared");
        for g in Guard::ALL {
            assert_eq!(Guard::from_id(g.id()), Some(g));
        }
    }

    /// At 10 % on Indian Pines the blocks forced in for the rare classes nearly fill the
    /// target, so many seeds pick the same blocks: seeds 0, 2 and 4 give one split, and the
    /// first five distinct splits are those of seeds 0, 1, 3, 8 and 11 (the seeds to give
    /// `convlab train hybridsn --spatial --seeds`).
    #[test]
    fn spatial_seeds_that_give_distinct_splits_at_ten_percent() {
        let gt = indian_pines_gt();
        let train = |seed: u64| {
            let s = spatial_split(&gt, 145, 145, 16, 0.1, 25, Guard::NoSharedInput, seed);
            let mut t = s.train;
            t.sort_unstable();
            t
        };
        let distinct: Vec<Vec<usize>> = [0, 1, 3, 8, 11].map(train).to_vec();
        for i in 0..distinct.len() {
            for j in i + 1..distinct.len() {
                assert_ne!(distinct[i], distinct[j], "splits {i} and {j}");
            }
        }
        assert_eq!(train(2), distinct[0]);
        assert_eq!(train(4), distinct[0]);
        // Every seed below 12 repeats one of the five.
        for seed in 0..12 {
            assert!(distinct.contains(&train(seed)), "seed {seed}");
        }
    }

    #[test]
    fn validation_is_held_out_of_the_training_pixels_per_class() {
        let gt = indian_pines_gt();
        let split = stratified_split(&gt, 16, 0.1, 0);
        let held = hold_out_validation(split.clone(), &gt, 16, 0.1, 0);
        assert_eq!(held.test, split.test, "test pixels are never touched");
        let before: HashSet<usize> = split.train.iter().copied().collect();
        let train: HashSet<usize> = held.train.iter().copied().collect();
        let val: HashSet<usize> = held.validation.iter().copied().collect();
        assert!(train.is_disjoint(&val));
        assert_eq!(&train | &val, before);
        // Training keeps its order.
        let kept: Vec<usize> = split
            .train
            .iter()
            .copied()
            .filter(|i| !val.contains(i))
            .collect();
        assert_eq!(held.train, kept);
        for c in 1..=16u16 {
            let n = split.train.iter().filter(|&&i| gt[i] == c).count();
            let v = held.validation.iter().filter(|&&i| gt[i] == c).count();
            assert_eq!(
                v,
                ((0.1 * n as f64).round() as usize).min(n - 1),
                "class {c}"
            );
            assert!(
                held.train.iter().any(|&i| gt[i] == c),
                "class {c} kept training"
            );
        }
        // 1,027 training pixels at 10 %: 103 go to validation (Oats' 2 and Grass-pasture-
        // mowed's 3 give none; Alfalfa's 5 give 1, half rounding up).
        assert_eq!(held.validation.len(), 103);
        assert_eq!(held.train.len(), 924);
        assert_eq!(hold_out_validation(split.clone(), &gt, 16, 0.1, 0), held);
        assert_ne!(hold_out_validation(split.clone(), &gt, 16, 0.1, 1), held);
        assert_eq!(hold_out_validation(split.clone(), &gt, 16, 0.0, 0), split);
    }

    #[test]
    fn spatial_split_small_grid_by_hand() {
        // 12×12 scene, all pixels class 1 or 2 by column half; blocks of 2 (12/6).
        let (h, w) = (12, 12);
        let gt: Vec<u16> = (0..h * w).map(|i| if i % w < 6 { 1 } else { 2 }).collect();
        let s = spatial_split(&gt, h, w, 2, 0.25, 1, Guard::LabelsApart, 9);
        assert_eq!(block_size(h, w, 1), 2);
        // Blocks of 4 pixels; 25 % of 144 = 36 = 9 blocks.
        assert_eq!(s.train.len(), 36);
        // With patch 1 (margin 0) every other labelled pixel is a test pixel.
        assert_eq!(s.test.len(), 108);
        let s3 = spatial_split(&gt, h, w, 2, 0.25, 3, Guard::LabelsApart, 9);
        // Patch 3 ⇒ blocks of 3, margin 1: fewer test pixels than without a guard band.
        assert!(s3.test.len() < 144 - s3.train.len());
        // The same blocks with the wider band (2 pixels): fewer test pixels again.
        let wide = spatial_split(&gt, h, w, 2, 0.25, 3, Guard::NoSharedInput, 9);
        assert_eq!(wide.train, s3.train);
        assert!(wide.test.len() < s3.test.len());
        assert!(wide.test.iter().all(|i| s3.test.contains(i)));
        let none = spatial_split(&gt, h, w, 2, 0.0, 3, Guard::NoSharedInput, 9);
        assert!(none.train.is_empty());
    }
}
