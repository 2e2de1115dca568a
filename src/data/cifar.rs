//! CIFAR-10 binary batches (`data_batch_1.bin` … `test_batch.bin`).
//!
//! Each record is 1 label byte (0–9) followed by 3072 pixel bytes: the 1024 red values of the
//! 32 × 32 image row by row, then the 1024 green, then the 1024 blue. The images are kept in
//! exactly that channel-first layout.

use super::budget::MAX_CIFAR_RECORDS;
use super::error::DataError;

/// Bytes per record: 1 label + 3 × 32 × 32 pixels.
pub const CIFAR_RECORD: usize = 1 + 3 * 32 * 32;

/// Pixel bytes per image.
pub const CIFAR_IMAGE: usize = 3 * 32 * 32;

/// The CIFAR-10 class names, in label order.
pub const CIFAR10_CLASSES: [&str; 10] = [
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
];

/// Decoded CIFAR-10 images and labels.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CifarSet {
    /// Pixels, `[n][3][32][32]` (channel R, G, B; then rows; then columns).
    pub images: Vec<u8>,
    /// Labels 0–9, one per image.
    pub labels: Vec<u8>,
}

impl CifarSet {
    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when there are no images.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The 3072 bytes of image `i` (`[3][32][32]`), if it exists.
    pub fn image(&self, i: usize) -> Option<&[u8]> {
        self.images.get(i * CIFAR_IMAGE..(i + 1) * CIFAR_IMAGE)
    }

    /// Images per class (index = label).
    pub fn label_counts(&self) -> [usize; 10] {
        let mut counts = [0usize; 10];
        for &l in &self.labels {
            if let Some(c) = counts.get_mut(l as usize) {
                *c += 1;
            }
        }
        counts
    }

    /// Appends another batch (e.g. the five training batches into one set).
    pub fn extend(&mut self, other: &CifarSet) {
        self.images.extend_from_slice(&other.images);
        self.labels.extend_from_slice(&other.labels);
    }
}

/// Parses a CIFAR-10 binary batch. Refuses empty files, sizes that are not a whole number of
/// 3073-byte records, and label bytes ≥ 10.
pub fn read_cifar_bin(bytes: &[u8]) -> Result<CifarSet, DataError> {
    if bytes.is_empty() {
        return Err(DataError::Empty);
    }
    if !bytes.len().is_multiple_of(CIFAR_RECORD) {
        let hint = if bytes.len().is_multiple_of(CIFAR_RECORD + 1) {
            " — it looks like a CIFAR-100 batch (2 label bytes per record), which is not \
             CIFAR-10"
                .to_string()
        } else {
            format!(
                ", which leaves {} bytes after {} whole record(s)",
                bytes.len() % CIFAR_RECORD,
                bytes.len() / CIFAR_RECORD
            )
        };
        return Err(DataError::CifarSize {
            len: bytes.len(),
            hint,
        });
    }
    let n = bytes.len() / CIFAR_RECORD;
    if n > MAX_CIFAR_RECORDS {
        return Err(DataError::TooManyRecords {
            records: n,
            cap: MAX_CIFAR_RECORDS,
        });
    }
    let mut set = CifarSet {
        images: Vec::with_capacity(n * CIFAR_IMAGE),
        labels: Vec::with_capacity(n),
    };
    for (record, chunk) in bytes.chunks_exact(CIFAR_RECORD).enumerate() {
        let label = chunk[0];
        if label >= 10 {
            return Err(DataError::CifarLabel { record, label });
        }
        set.labels.push(label);
        set.images.extend_from_slice(&chunk[1..]);
    }
    Ok(set)
}

/// Per-channel mean of the CIFAR-10 training images (R, G, B in 0–1), used to normalise.
pub const CIFAR_MEAN: [f32; 3] = [0.4914, 0.4822, 0.4465];
/// Per-channel standard deviation of the CIFAR-10 training images (R, G, B in 0–1).
pub const CIFAR_STD: [f32; 3] = [0.2470, 0.2435, 0.2616];

/// How one image is augmented: a crop offset in the zero-padded image and a horizontal flip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Augment {
    /// Shift in pixels, rows then columns: the output pixel (y, x) reads the input pixel
    /// (y + dy, x + dx), zero (before normalisation: the channel mean) outside the image.
    pub dy: i32,
    pub dx: i32,
    /// Mirror left–right (after the crop).
    pub flip: bool,
}

impl Augment {
    /// A random crop of a `pad`-pixel zero-padded image (shifts in `-pad..=pad`) and, with
    /// `flip`, a coin-toss mirror.
    pub fn random(rng: &mut crate::data::Rng, pad: usize, flip: bool) -> Augment {
        let span = 2 * pad + 1;
        Augment {
            dy: rng.below(span) as i32 - pad as i32,
            dx: rng.below(span) as i32 - pad as i32,
            flip: flip && rng.below(2) == 1,
        }
    }
}

/// Writes images `indices` of `set` as normalised floats `[n][3][32][32]` into `out`
/// (cleared first), each augmented by `aug(k)` for its position `k` in the batch. Padding reads
/// as black (0) before normalisation, as in torchvision's `RandomCrop(32, padding=4)`.
pub fn batch_f32(
    set: &CifarSet,
    indices: &[usize],
    mut aug: impl FnMut(usize) -> Augment,
    out: &mut Vec<f32>,
) {
    out.clear();
    out.reserve(indices.len() * CIFAR_IMAGE);
    for (k, &i) in indices.iter().enumerate() {
        let a = aug(k);
        let img = &set.images[i * CIFAR_IMAGE..(i + 1) * CIFAR_IMAGE];
        for ch in 0..3 {
            let plane = &img[ch * 1024..(ch + 1) * 1024];
            let (m, s) = (CIFAR_MEAN[ch], CIFAR_STD[ch]);
            for y in 0..32i32 {
                let sy = y + a.dy;
                for x in 0..32i32 {
                    let xx = if a.flip { 31 - x } else { x };
                    let sx = xx + a.dx;
                    let v = if (0..32).contains(&sy) && (0..32).contains(&sx) {
                        plane[(sy * 32 + sx) as usize] as f32 / 255.0
                    } else {
                        0.0
                    };
                    out.push((v - m) / s);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records made the way the CIFAR-10 writer lays them out: label, R plane, G, B.
    fn batch(labels: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for (i, &l) in labels.iter().enumerate() {
            out.push(l);
            for ch in 0..3u8 {
                for p in 0..1024usize {
                    out.push((i as u8).wrapping_mul(31) ^ ch.wrapping_mul(85) ^ (p % 251) as u8);
                }
            }
        }
        out
    }

    #[test]
    fn parses_records_in_channel_first_layout() {
        let bytes = batch(&[3, 9, 0, 3]);
        let set = read_cifar_bin(&bytes).unwrap();
        assert_eq!(set.len(), 4);
        assert_eq!(set.labels, vec![3, 9, 0, 3]);
        assert_eq!(set.images.len(), 4 * 3072);
        let img = set.image(1).unwrap();
        // Image 1, green channel (1), row 2, col 5 → pixel index 69.
        assert_eq!(img[1024 + 2 * 32 + 5], 31 ^ 85 ^ 69);
        assert_eq!(img, &bytes[CIFAR_RECORD + 1..2 * CIFAR_RECORD]);
        assert!(set.image(4).is_none());
        assert_eq!(set.label_counts(), [1, 0, 0, 2, 0, 0, 0, 0, 0, 1]);
        let mut all = set.clone();
        all.extend(&set);
        assert_eq!(all.len(), 8);
        assert_eq!(CIFAR10_CLASSES[3], "cat");
    }

    #[test]
    fn refuses_bad_sizes_and_labels_in_words() {
        assert_eq!(read_cifar_bin(&[]).unwrap_err(), DataError::Empty);
        let mut bytes = batch(&[1, 2]);
        bytes.pop();
        let e = read_cifar_bin(&bytes).unwrap_err();
        assert_eq!(
            e.to_string(),
            "A CIFAR-10 binary batch is a whole number of 3073-byte records (1 label byte + 3072 \
             pixel bytes); this file has 6145 bytes, which leaves 3072 bytes after 1 whole \
             record(s)."
        );
        let e = read_cifar_bin(&vec![0u8; 3074 * 3]).unwrap_err();
        assert!(e.to_string().contains("CIFAR-100"), "{e}");
        let mut bad = batch(&[1, 2, 3]);
        bad[2 * CIFAR_RECORD] = 12;
        assert_eq!(
            read_cifar_bin(&bad).unwrap_err().to_string(),
            "Record 2 of the CIFAR-10 batch has label 12; CIFAR-10 labels are 0–9."
        );
    }

    #[test]
    fn augmentation_keeps_shapes_and_moves_pixels_as_documented() {
        let bytes = batch(&[3, 9, 0]);
        let set = read_cifar_bin(&bytes).unwrap();
        let idx = [2usize, 0];
        let mut plain = Vec::new();
        batch_f32(&set, &idx, |_| Augment::default(), &mut plain);
        assert_eq!(plain.len(), 2 * CIFAR_IMAGE);
        let norm = |v: u8, ch: usize| (v as f32 / 255.0 - CIFAR_MEAN[ch]) / CIFAR_STD[ch];
        // Batch position 0 is image 2; green (1), row 4, col 7.
        let img2 = set.image(2).unwrap();
        assert_eq!(plain[1024 + 4 * 32 + 7], norm(img2[1024 + 4 * 32 + 7], 1));
        // Flip twice = identity; a flip mirrors columns.
        let mut flipped = Vec::new();
        let f = Augment {
            dy: 0,
            dx: 0,
            flip: true,
        };
        batch_f32(&set, &idx, |_| f, &mut flipped);
        assert_eq!(flipped[5], plain[31 - 5]);
        assert_ne!(flipped, plain);
        // A shift reads the neighbour and pads with black.
        let mut shifted = Vec::new();
        let sh = Augment {
            dy: 2,
            dx: -3,
            flip: false,
        };
        batch_f32(&set, &idx, |_| sh, &mut shifted);
        assert_eq!(shifted.len(), plain.len());
        assert_eq!(shifted[10 * 32 + 10], plain[12 * 32 + 7]);
        assert_eq!(shifted[10 * 32 + 1], norm(0, 0)); // column 1 − 3 < 0: padding
        assert_eq!(shifted[31 * 32 + 20], norm(0, 0)); // row 31 + 2 > 31: padding
        // Random augmentations stay in range and both flip states occur; labels untouched.
        let mut rng = crate::data::Rng::new(5);
        let augs: Vec<Augment> = (0..200)
            .map(|_| Augment::random(&mut rng, 4, true))
            .collect();
        assert!(
            augs.iter()
                .all(|a| (-4..=4).contains(&a.dx) && (-4..=4).contains(&a.dy))
        );
        assert!(augs.iter().any(|a| a.flip) && augs.iter().any(|a| !a.flip));
        assert!(augs.iter().any(|a| a.dx == -4) && augs.iter().any(|a| a.dy == 4));
        assert_eq!(set.labels, vec![3, 9, 0]);
    }
}
