//! A compact, lossless container for shipping the bundled CIFAR-10 subset (4,000 training and
//! 1,000 test images) with the app, and the reader of the ConvNetJS batches it is made from.
//!
//! Layout (all integers little-endian):
//!
//! | bytes | content |
//! |---|---|
//! | 5 | magic `CLCF1` |
//! | 4 + 4 | training images, test images |
//! | 8 | [`fnv1a64`](super::fnv1a64) of the decoded labels (all images) followed by the decoded pixels in CIFAR binary order (`[n][R,G,B][32][32]`) |
//! | n | labels, one byte each (training images first) |
//! | 4 + m | length and zlib stream of the pixel residuals |
//!
//! Each image is coded as three planes — G, then R − G, then B − G (wrapping `u8`
//! arithmetic) — and each plane with the LOCO-I / JPEG-LS median predictor
//! (`min(a,b)` / `max(a,b)` / `a + b − c` from the left, upper and upper-left pixels; the first
//! row predicts from the left pixel, the first column from the pixel above). The wrapping
//! residual bytes of all images are compressed with zlib level 9. On the bundled subset this
//! gives 9.2 MB for the 15.4 MB of raw records (the source PNGs take 11.6 MB; plain zlib of the
//! records 14.1 MB).

use super::cifar::{CIFAR_IMAGE, CifarSet};
use super::error::DataError;
use super::packed::fnv1a64;

/// The container's magic bytes.
pub const CIFAR_PACK_MAGIC: &[u8; 5] = b"CLCF1";

/// Most images a container may declare (the whole of CIFAR-10 is 60,000).
pub const MAX_PACKED_IMAGES: usize = 100_000;

const HEADER_LEN: usize = 5 + 8 + 8;

/// The bundled training and test images.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CifarBundle {
    pub train: CifarSet,
    pub test: CifarSet,
}

fn checksum(labels: &[u8], images: &[u8]) -> u64 {
    let mut all = Vec::with_capacity(labels.len() + images.len());
    all.extend_from_slice(labels);
    all.extend_from_slice(images);
    fnv1a64(&all)
}

fn med(a: u8, b: u8, c: u8) -> u8 {
    let (lo, hi) = if a < b { (a, b) } else { (b, a) };
    if c >= hi {
        lo
    } else if c <= lo {
        hi
    } else {
        a.wrapping_add(b).wrapping_sub(c)
    }
}

fn predict(plane: &[u8], y: usize, x: usize) -> u8 {
    match (y, x) {
        (0, 0) => 0,
        (0, _) => plane[x - 1],
        (_, 0) => plane[(y - 1) * 32],
        _ => med(
            plane[y * 32 + x - 1],
            plane[(y - 1) * 32 + x],
            plane[(y - 1) * 32 + x - 1],
        ),
    }
}

/// The three decorrelated planes of one `[3][32][32]` image: G, R − G, B − G.
fn planes(img: &[u8]) -> [[u8; 1024]; 3] {
    let mut p = [[0u8; 1024]; 3];
    for i in 0..1024 {
        let (r, g, b) = (img[i], img[1024 + i], img[2048 + i]);
        p[0][i] = g;
        p[1][i] = r.wrapping_sub(g);
        p[2][i] = b.wrapping_sub(g);
    }
    p
}

/// Packs training and test images into a `CLCF1` container.
pub fn pack_cifar(bundle: &CifarBundle) -> Vec<u8> {
    let (tr, te) = (&bundle.train, &bundle.test);
    let mut labels = tr.labels.clone();
    labels.extend_from_slice(&te.labels);
    let mut images = tr.images.clone();
    images.extend_from_slice(&te.images);
    let mut residuals = Vec::with_capacity(images.len());
    for img in images.chunks_exact(CIFAR_IMAGE) {
        for plane in planes(img) {
            for y in 0..32 {
                for x in 0..32 {
                    residuals.push(plane[y * 32 + x].wrapping_sub(predict(&plane, y, x)));
                }
            }
        }
    }
    let z = miniz_oxide::deflate::compress_to_vec_zlib(&residuals, 9);
    let mut out = Vec::with_capacity(HEADER_LEN + labels.len() + 4 + z.len());
    out.extend_from_slice(CIFAR_PACK_MAGIC);
    out.extend_from_slice(&(tr.len() as u32).to_le_bytes());
    out.extend_from_slice(&(te.len() as u32).to_le_bytes());
    out.extend_from_slice(&checksum(&labels, &images).to_le_bytes());
    out.extend_from_slice(&labels);
    out.extend_from_slice(&(z.len() as u32).to_le_bytes());
    out.extend_from_slice(&z);
    out
}

fn bad(msg: impl Into<String>) -> DataError {
    DataError::BadCifarPack(msg.into())
}

/// Unpacks a `CLCF1` container. Refuses, in words, other files, truncated or damaged ones,
/// labels ≥ 10 and a checksum mismatch.
pub fn unpack_cifar(bytes: &[u8]) -> Result<CifarBundle, DataError> {
    if bytes.is_empty() {
        return Err(DataError::Empty);
    }
    if !bytes.starts_with(CIFAR_PACK_MAGIC) {
        return Err(bad("it does not start with CLCF1"));
    }
    if bytes.len() < HEADER_LEN {
        return Err(DataError::Truncated("inside the CIFAR pack header".into()));
    }
    let u32_at = |p: usize| u32::from_le_bytes(bytes[p..p + 4].try_into().unwrap()) as usize;
    let (n_train, n_test) = (u32_at(5), u32_at(9));
    let expected = u64::from_le_bytes(bytes[13..21].try_into().unwrap());
    let n = n_train
        .checked_add(n_test)
        .filter(|&n| n <= MAX_PACKED_IMAGES)
        .ok_or_else(|| bad(format!("it declares {n_train} + {n_test} images")))?;
    let labels = bytes
        .get(HEADER_LEN..HEADER_LEN + n)
        .ok_or_else(|| DataError::Truncated("inside the CIFAR pack labels".into()))?;
    if let Some((i, &l)) = labels.iter().enumerate().find(|&(_, &l)| l >= 10) {
        return Err(DataError::CifarLabel {
            record: i,
            label: l,
        });
    }
    let p = HEADER_LEN + n;
    let zlen = bytes
        .get(p..p + 4)
        .map(|_| u32_at(p))
        .ok_or_else(|| DataError::Truncated("before the CIFAR pack pixels".into()))?;
    let z = bytes
        .get(p + 4..p + 4 + zlen)
        .ok_or_else(|| DataError::Truncated("inside the CIFAR pack pixels".into()))?;
    let want = n * CIFAR_IMAGE;
    let residuals = miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(z, want)
        .map_err(|e| bad(format!("the pixel stream: {:?}", e.status)))?;
    if residuals.len() != want {
        return Err(bad(format!(
            "the pixel stream holds {} bytes, {want} expected",
            residuals.len()
        )));
    }
    let mut images = vec![0u8; want];
    for (img, res) in images
        .chunks_exact_mut(CIFAR_IMAGE)
        .zip(residuals.chunks_exact(CIFAR_IMAGE))
    {
        let mut p = [[0u8; 1024]; 3];
        for (k, plane) in p.iter_mut().enumerate() {
            let r = &res[k * 1024..(k + 1) * 1024];
            for y in 0..32 {
                for x in 0..32 {
                    plane[y * 32 + x] = r[y * 32 + x].wrapping_add(predict(plane, y, x));
                }
            }
        }
        for i in 0..1024 {
            let g = p[0][i];
            img[i] = p[1][i].wrapping_add(g);
            img[1024 + i] = g;
            img[2048 + i] = p[2][i].wrapping_add(g);
        }
    }
    let found = checksum(labels, &images);
    if found != expected {
        return Err(bad(format!(
            "its checksum is {found:016x} but {expected:016x} was stored"
        )));
    }
    let split = n_train * CIFAR_IMAGE;
    Ok(CifarBundle {
        train: CifarSet {
            images: images[..split].to_vec(),
            labels: labels[..n_train].to_vec(),
        },
        test: CifarSet {
            images: images[split..].to_vec(),
            labels: labels[n_train..].to_vec(),
        },
    })
}

/// Parses ConvNetJS's `cifar10_labels.js` (`var labels=[6, 9, …];`).
pub fn parse_labels_js(text: &str) -> Result<Vec<u8>, DataError> {
    let open = text
        .find('[')
        .ok_or_else(|| bad("the labels file has no '['"))?;
    let close = text
        .rfind(']')
        .filter(|&c| c > open)
        .ok_or_else(|| bad("the labels file has no closing ']'"))?;
    text[open + 1..close]
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .enumerate()
        .map(|(i, s)| match s.parse::<u8>() {
            Ok(l) if l < 10 => Ok(l),
            _ => Err(bad(format!("label {i} is '{s}', not 0–9"))),
        })
        .collect()
}

/// Turns one ConvNetJS batch image (RGBA pixels of a 1024 × `rows` image: row n is a 32 × 32
/// image in row-major order) and its labels into CIFAR records (`[R,G,B][32][32]`).
pub fn from_convnetjs_rows(
    rgba: &[u8],
    width: usize,
    rows: usize,
    labels: &[u8],
) -> Result<CifarSet, DataError> {
    if width != 1024 || rgba.len() != width * rows * 4 || labels.len() != rows {
        return Err(DataError::InvalidInput(format!(
            "a ConvNetJS batch is 1024 pixels wide with one label per row; got {width} × {rows} \
             ({} bytes) and {} labels",
            rgba.len(),
            labels.len()
        )));
    }
    let mut set = CifarSet {
        images: Vec::with_capacity(rows * CIFAR_IMAGE),
        labels: labels.to_vec(),
    };
    for row in rgba.chunks_exact(1024 * 4) {
        for ch in 0..3 {
            set.images.extend(row.chunks_exact(4).map(|px| px[ch]));
        }
    }
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::CIFAR_RECORD;

    fn synthetic(n: usize, seed: u8) -> CifarSet {
        let mut set = CifarSet::default();
        for i in 0..n {
            set.labels.push((i % 10) as u8);
            for p in 0..CIFAR_IMAGE {
                let v = (p as u32 * 7 + i as u32 * 13 + seed as u32) % 256;
                set.images
                    .push(if p % 97 == 0 { 255 - v as u8 } else { v as u8 });
            }
        }
        set
    }

    #[test]
    fn round_trips_synthetic_sets_and_refuses_damage() {
        let bundle = CifarBundle {
            train: synthetic(7, 1),
            test: synthetic(3, 200),
        };
        let bytes = pack_cifar(&bundle);
        assert_eq!(unpack_cifar(&bytes).unwrap(), bundle);
        assert_eq!(unpack_cifar(&[]).unwrap_err(), DataError::Empty);
        assert!(matches!(
            unpack_cifar(b"PNG....").unwrap_err(),
            DataError::BadCifarPack(_)
        ));
        assert!(matches!(
            unpack_cifar(&bytes[..bytes.len() - 10]).unwrap_err(),
            DataError::Truncated(_)
        ));
        let mut bad_label = bytes.clone();
        bad_label[HEADER_LEN + 4] = 11;
        assert_eq!(
            unpack_cifar(&bad_label).unwrap_err().to_string(),
            "Record 4 of the CIFAR-10 batch has label 11; CIFAR-10 labels are 0–9."
        );
        let mut flipped = bytes.clone();
        flipped[HEADER_LEN + 1] ^= 3; // label 1 → 2: checksum no longer matches
        let e = unpack_cifar(&flipped).unwrap_err().to_string();
        assert!(e.contains("checksum"), "{e}");
        let empty = pack_cifar(&CifarBundle::default());
        assert_eq!(unpack_cifar(&empty).unwrap(), CifarBundle::default());
    }

    #[test]
    fn labels_js_parses_and_refuses_bad_labels() {
        assert_eq!(
            parse_labels_js("var labels=[6, 9,9 ,4];\n").unwrap(),
            vec![6, 9, 9, 4]
        );
        assert!(parse_labels_js("var labels=[1, 10];").is_err());
        assert!(parse_labels_js("nothing").is_err());
    }

    /// The shipped `public/data/cifar10_subset.clcf` decodes to exactly the pixels and labels
    /// of the ConvNetJS PNGs in ../shared/data (batches 0–3 for training, 50 for test).
    #[test]
    fn bundled_subset_equals_the_source_pngs() {
        let root = env!("CARGO_MANIFEST_DIR");
        let packed = std::fs::read(format!("{root}/public/data/cifar10_subset.clcf")).unwrap();
        let bundle = unpack_cifar(&packed).unwrap();
        assert_eq!((bundle.train.len(), bundle.test.len()), (4000, 1000));
        let src = format!("{root}/../shared/data/cifar10/convnetjs_batches");
        let labels =
            parse_labels_js(&std::fs::read_to_string(format!("{src}/cifar10_labels.js")).unwrap())
                .unwrap();
        assert_eq!(labels.len(), 51000);
        for (k, set, first) in [
            (0usize, &bundle.train, 0usize),
            (1, &bundle.train, 1000),
            (2, &bundle.train, 2000),
            (3, &bundle.train, 3000),
            (50, &bundle.test, 0),
        ] {
            let png = std::fs::read(format!("{src}/cifar10_batch_{k}.png")).unwrap();
            let img = crate::viz::png::decode_png(&png).unwrap();
            assert_eq!((img.width, img.height), (1024, 1000));
            // Straight from the PNG: image n = row n, pixel (y, x) at column 32·y + x.
            for n in 0..1000 {
                let want_label = labels[1000 * k + n];
                assert_eq!(set.labels[first + n], want_label, "batch {k} image {n}");
                let got = set.image(first + n).unwrap();
                for y in 0..32 {
                    for x in 0..32 {
                        let px = img.get((32 * y + x) as u32, n as u32).unwrap();
                        for ch in 0..3 {
                            assert_eq!(
                                got[ch * 1024 + y * 32 + x],
                                px[ch],
                                "batch {k} image {n} ({y},{x}) channel {ch}"
                            );
                        }
                    }
                }
            }
        }
        // Class counts documented in PROVENANCE.md.
        assert_eq!(
            bundle.test.label_counts(),
            [103, 89, 100, 103, 90, 86, 112, 102, 106, 109]
        );
        // The official record layout round-trips through the binary reader.
        let mut bin = Vec::new();
        for i in 0..3 {
            bin.push(bundle.test.labels[i]);
            bin.extend_from_slice(bundle.test.image(i).unwrap());
        }
        assert_eq!(bin.len(), 3 * CIFAR_RECORD);
        let back = crate::data::read_cifar_bin(&bin).unwrap();
        assert_eq!(back.labels, bundle.test.labels[..3]);
        // The browser tests' fixture, written by Pillow + NumPy (make_cifar_fixtures.py) in the
        // official layout, holds the first 6 test images: the same bytes as our decoder's.
        let fixture = std::fs::read(format!("{root}/tests/fixtures/cifar/tiny_batch.bin")).unwrap();
        let tiny = crate::data::read_cifar_bin(&fixture).unwrap();
        assert_eq!(tiny.labels, [3, 8, 8, 0, 6, 6]);
        assert_eq!(tiny.images, bundle.test.images[..6 * CIFAR_IMAGE]);
        for bad in ["bad_size.bin", "bad_label.bin"] {
            let b = std::fs::read(format!("{root}/tests/fixtures/cifar/{bad}")).unwrap();
            assert!(crate::data::read_cifar_bin(&b).is_err(), "{bad}");
        }
    }
}
