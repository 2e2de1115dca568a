//! CIFAR-10 binary batches (`data_batch_1.bin` … `test_batch.bin`).
//!
//! Each record is 1 label byte (0–9) followed by 3072 pixel bytes: the 1024 red values of the
//! 32 × 32 image row by row, then the 1024 green, then the 1024 blue. The images are kept in
//! exactly that channel-first layout.

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
}
