//! Pictures for the conv lab: decoding PNG and JPEG files into RGB, square crops and
//! area-average resizing, and the small bundled sample set (16 CIFAR-10 test images and 4
//! Kaggle cats and dogs) in `public/data/conv_samples/`.

#[cfg(not(target_arch = "wasm32"))]
use crate::viz::png::decode_png;

/// Largest picture side accepted from a file (bigger ones are refused before decoding).
pub const MAX_SIDE: usize = 8192;

/// An 8-bit RGB picture, row-major, 3 bytes per pixel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picture {
    pub width: usize,
    pub height: usize,
    pub rgb: Vec<u8>,
}

/// Why a file is not usable as a picture (worded for people).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PictureError {
    #[error(
        "{name} is not an image this lab can read: it is neither a PNG nor a JPEG file (it starts with {start})"
    )]
    NotImage { name: String, start: String },
    #[error("{name} is an empty file")]
    Empty { name: String },
    #[error("{name}: the PNG file cannot be read: {reason}")]
    Png { name: String, reason: String },
    #[error("{name}: the JPEG file cannot be read: {reason}")]
    Jpeg { name: String, reason: String },
    #[error("{name} is {width}×{height} pixels; pictures may be at most {MAX_SIDE}×{MAX_SIDE}")]
    TooLarge {
        name: String,
        width: usize,
        height: usize,
    },
    #[error("the sample strip {name} has the wrong size ({width}×{height})")]
    Strip {
        name: String,
        width: usize,
        height: usize,
    },
}

impl Picture {
    /// Pixel `(x, y)` as `[r, g, b]` (no bounds check beyond the slice's).
    pub fn pixel(&self, x: usize, y: usize) -> [u8; 3] {
        let i = 3 * (y * self.width + x);
        [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
    }

    /// Channel-first floats in `[0, 1]`: `[3, height, width]` flattened.
    pub fn to_chw(&self) -> Vec<f32> {
        let n = self.width * self.height;
        let mut out = vec![0f32; 3 * n];
        for (i, px) in self.rgb.chunks_exact(3).enumerate() {
            for c in 0..3 {
                out[c * n + i] = px[c] as f32 / 255.0;
            }
        }
        out
    }

    /// RGBA bytes (alpha 255) for a canvas.
    pub fn to_rgba(&self) -> Vec<u8> {
        self.rgb
            .chunks_exact(3)
            .flat_map(|p| [p[0], p[1], p[2], 255])
            .collect()
    }

    /// The largest centred square, resized to `side × side` by area averaging (each output
    /// pixel is the mean of the source pixels it covers, weighted by overlap; rounded).
    pub fn square(&self, side: usize) -> Picture {
        let s = self.width.min(self.height).max(1);
        let (x0, y0) = ((self.width - s) / 2, (self.height - s) / 2);
        let scale = s as f64 / side as f64;
        let mut rgb = Vec::with_capacity(side * side * 3);
        // Overlap of source cell `i` with output cell `o`'s span [o·scale, (o+1)·scale).
        let spans: Vec<Vec<(usize, f64)>> = (0..side)
            .map(|o| {
                let (a, b) = (o as f64 * scale, (o + 1) as f64 * scale);
                (a.floor() as usize..(b.ceil() as usize).min(s))
                    .map(|i| (i, (b.min(i as f64 + 1.0) - a.max(i as f64)).max(0.0)))
                    .filter(|&(_, w)| w > 0.0)
                    .collect()
            })
            .collect();
        for ys in &spans {
            for xs in &spans {
                let mut acc = [0f64; 3];
                let mut total = 0.0;
                for &(y, wy) in ys {
                    for &(x, wx) in xs {
                        let p = self.pixel(x0 + x, y0 + y);
                        let w = wy * wx;
                        for c in 0..3 {
                            acc[c] += w * p[c] as f64;
                        }
                        total += w;
                    }
                }
                for a in acc {
                    rgb.push((a / total).round().clamp(0.0, 255.0) as u8);
                }
            }
        }
        Picture {
            width: side,
            height: side,
            rgb,
        }
    }
}

fn start_of(bytes: &[u8]) -> String {
    let head: String = bytes
        .iter()
        .take(8)
        .map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                b as char
            } else {
                '.'
            }
        })
        .collect();
    format!("\"{head}\"")
}

/// The two formats pictures come in, recognised by their first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PictureFormat {
    Png,
    Jpeg,
}

impl PictureFormat {
    /// The error that says why `name`, a file of this format, cannot be read.
    pub fn error(self, name: &str, reason: String) -> PictureError {
        let name = name.to_string();
        match self {
            PictureFormat::Png => PictureError::Png { name, reason },
            PictureFormat::Jpeg => PictureError::Jpeg { name, reason },
        }
    }
}

/// A picture file's format and its size as its header declares it, refused in words when it
/// is not a PNG or JPEG file, or larger than [`MAX_SIDE`]: read before anything of the
/// picture's size is allocated, whichever decoder follows (the `png` and `zune-jpeg` crates
/// natively, the browser's in the worker).
pub fn picture_header(
    name: &str,
    bytes: &[u8],
) -> Result<(PictureFormat, usize, usize), PictureError> {
    let name = name.to_string();
    if bytes.is_empty() {
        return Err(PictureError::Empty { name });
    }
    let (format, size) = if bytes.starts_with(&[0x89, b'P', b'N', b'G']) {
        (PictureFormat::Png, png_header_size(bytes))
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        (PictureFormat::Jpeg, jpeg_header_size(bytes))
    } else {
        return Err(PictureError::NotImage {
            start: start_of(bytes),
            name,
        });
    };
    let (width, height) = size.map_err(|reason| format.error(&name, reason))?;
    if width == 0 || height == 0 {
        let reason = format!("its header declares {width}×{height} pixels");
        return Err(format.error(&name, reason));
    }
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(PictureError::TooLarge {
            name,
            width,
            height,
        });
    }
    Ok((format, width, height))
}

/// Width and height from a PNG's first chunk, which must be `IHDR`.
fn png_header_size(bytes: &[u8]) -> Result<(usize, usize), String> {
    if bytes.len() < 24 || bytes[..8] != [0x89, b'P', b'N', b'G', 13, 10, 26, 10] {
        return Err("the file ends before its header".into());
    }
    if &bytes[12..16] != b"IHDR" {
        return Err("its first chunk is not the image header (IHDR)".into());
    }
    let be = |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    Ok((be(16) as usize, be(20) as usize))
}

/// Width and height from a JPEG's start-of-frame segment, found by walking the segments
/// before it (each says its length).
fn jpeg_header_size(bytes: &[u8]) -> Result<(usize, usize), String> {
    let ended = || "the file ends before its frame header".to_string();
    let mut at = 2;
    loop {
        // Segments start with 0xFF (fill bytes 0xFF may repeat); then the marker.
        while bytes.get(at) == Some(&0xFF) {
            at += 1;
        }
        let marker = *bytes.get(at).ok_or_else(ended)?;
        at += 1;
        match marker {
            // Markers without a length: TEM, RSTn.
            0x01 | 0xD0..=0xD7 => continue,
            0xD9 | 0xDA => return Err("no frame header before the image data".into()),
            _ => {}
        }
        let len = bytes.get(at..at + 2).ok_or_else(ended)?;
        let len = u16::from_be_bytes([len[0], len[1]]) as usize;
        if len < 2 {
            return Err(format!("a segment declares {len} bytes"));
        }
        // Start of frame: SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC).
        if (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            let f = bytes.get(at + 2..at + 7).ok_or_else(ended)?;
            let height = u16::from_be_bytes([f[1], f[2]]) as usize;
            let width = u16::from_be_bytes([f[3], f[4]]) as usize;
            return Ok((width, height));
        }
        at += len;
    }
}

/// Decodes a PNG or JPEG file (recognised by its first bytes, not its name) with the `png`
/// and `zune-jpeg` crates; the worker has the browser decode instead
/// (`worker::picture`), after the same [`picture_header`].
#[cfg(not(target_arch = "wasm32"))]
pub fn decode_picture(name: &str, bytes: &[u8]) -> Result<Picture, PictureError> {
    let (format, _, _) = picture_header(name, bytes)?;
    let name = name.to_string();
    match format {
        PictureFormat::Png => {
            let img = decode_png(bytes).map_err(|e| format.error(&name, e.to_string()))?;
            from_rgba(img.width as usize, img.height as usize, &img.pixels).ok_or_else(|| {
                format.error(&name, "the decoder gave a wrong number of pixels".into())
            })
        }
        PictureFormat::Jpeg => decode_jpeg(name, bytes),
    }
}

/// The picture's pixels from RGBA (alpha dropped), as browsers and the `png` crate give them.
pub fn from_rgba(width: usize, height: usize, rgba: &[u8]) -> Option<Picture> {
    (rgba.len() == width * height * 4).then(|| Picture {
        width,
        height,
        rgb: rgba
            .chunks_exact(4)
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect(),
    })
}

#[cfg(not(target_arch = "wasm32"))]
fn decode_jpeg(name: String, bytes: &[u8]) -> Result<Picture, PictureError> {
    use zune_jpeg::JpegDecoder;
    use zune_jpeg::zune_core::bytestream::ZCursor;
    use zune_jpeg::zune_core::colorspace::ColorSpace;
    use zune_jpeg::zune_core::options::DecoderOptions;

    let jerr = |name: &String, e: String| PictureError::Jpeg {
        name: name.clone(),
        reason: e,
    };
    let options = DecoderOptions::default()
        .jpeg_set_out_colorspace(ColorSpace::RGB)
        .set_max_width(MAX_SIDE)
        .set_max_height(MAX_SIDE);
    let mut dec = JpegDecoder::new_with_options(ZCursor::new(bytes), options);
    dec.decode_headers()
        .map_err(|e| jerr(&name, format!("{e:?}")))?;
    let info = dec
        .info()
        .ok_or_else(|| jerr(&name, "no image header".into()))?;
    let (w, h) = (info.width as usize, info.height as usize);
    let rgb = dec.decode().map_err(|e| jerr(&name, format!("{e:?}")))?;
    if rgb.len() != w * h * 3 {
        return Err(jerr(
            &name,
            format!("decoded {} bytes for {w}×{h} RGB", rgb.len()),
        ));
    }
    Ok(Picture {
        width: w,
        height: h,
        rgb,
    })
}

/// The bundled samples: file (under `public/data/conv_samples/`), side of each square
/// picture, and the pictures' names top to bottom.
pub struct SampleStrip {
    pub file: &'static str,
    pub side: usize,
    pub names: &'static [&'static str],
}

/// CIFAR-10 test images 0–15 (first 16 of the official `test_batch`, from the ConvNetJS
/// re-encoding in `../shared/data/cifar10`), 32×32, stacked vertically.
pub const CIFAR_STRIP: SampleStrip = SampleStrip {
    file: "cifar10_test16.png",
    side: 32,
    names: &[
        "cat",
        "ship",
        "ship",
        "airplane",
        "frog",
        "frog",
        "automobile",
        "frog",
        "cat",
        "automobile",
        "airplane",
        "truck",
        "dog",
        "horse",
        "truck",
        "ship",
    ],
};

/// Kaggle Dogs vs. Cats (Asirra) `cat.0`, `cat.1`, `dog.0`, `dog.1`: centred squares resized
/// to 64×64 by area averaging, stacked vertically.
pub const CATS_DOGS_STRIP: SampleStrip = SampleStrip {
    file: "cats_dogs4.png",
    side: 64,
    names: &["cat.0", "cat.1", "dog.0", "dog.1"],
};

/// The source files of [`CATS_DOGS_STRIP`] (under `../shared/data/cats_dogs/train/`).
pub const CATS_DOGS_FILES: [&str; 4] = ["cat.0.jpg", "cat.1.jpg", "dog.0.jpg", "dog.1.jpg"];

/// One selectable sample: id (`cifar-3`, `catdog-1`), label for people.
pub fn sample_list() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (i, n) in CIFAR_STRIP.names.iter().enumerate() {
        out.push((format!("cifar-{i}"), format!("CIFAR-10 test #{i} ({n})")));
    }
    for (i, n) in CATS_DOGS_STRIP.names.iter().enumerate() {
        out.push((format!("catdog-{i}"), format!("Cats and dogs: {n}")));
    }
    out
}

/// Splits a vertical strip into its square pictures.
pub fn split_strip(strip: &Picture, s: &SampleStrip) -> Result<Vec<Picture>, PictureError> {
    if strip.width != s.side || strip.height != s.side * s.names.len() {
        return Err(PictureError::Strip {
            name: s.file.into(),
            width: strip.width,
            height: strip.height,
        });
    }
    let n = s.side * s.side * 3;
    Ok(strip
        .rgb
        .chunks_exact(n)
        .map(|c| Picture {
            width: s.side,
            height: s.side,
            rgb: c.to_vec(),
        })
        .collect())
}

/// Stacks equal square pictures into one vertical strip.
pub fn join_strip(pictures: &[Picture]) -> Picture {
    let side = pictures.first().map(|p| p.width).unwrap_or(0);
    Picture {
        width: side,
        height: side * pictures.len(),
        rgb: pictures.iter().flat_map(|p| p.rgb.clone()).collect(),
    }
}

/// Row `index` of a ConvNetJS CIFAR-10 batch PNG (1024 pixels = one 32×32 image).
pub fn convnetjs_image(batch: &Picture, index: usize) -> Option<Picture> {
    if batch.width != 1024 || index >= batch.height {
        return None;
    }
    let row = &batch.rgb[index * 1024 * 3..(index + 1) * 1024 * 3];
    Some(Picture {
        width: 32,
        height: 32,
        rgb: row.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn shared(p: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/data")
            .join(p)
    }
    fn public(p: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("public/data/conv_samples")
            .join(p)
    }
    fn load(path: &Path) -> Picture {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        decode_picture(&path.display().to_string(), &bytes).unwrap()
    }

    #[test]
    fn bundled_cifar_strip_is_the_first_16_test_images() {
        let strip = load(&public(CIFAR_STRIP.file));
        let pics = split_strip(&strip, &CIFAR_STRIP).unwrap();
        let batch = load(&shared("cifar10/convnetjs_batches/cifar10_batch_50.png"));
        assert_eq!((batch.width, batch.height), (1024, 1000));
        for (i, p) in pics.iter().enumerate() {
            assert_eq!(*p, convnetjs_image(&batch, i).unwrap(), "image {i}");
        }
        // The names match the official labels (cifar10_labels.js, entries 50000…50015).
        let js =
            std::fs::read_to_string(shared("cifar10/convnetjs_batches/cifar10_labels.js")).unwrap();
        let labels: Vec<usize> = js[js.find('[').unwrap() + 1..js.rfind(']').unwrap()]
            .split(',')
            .map(|v| v.trim().parse().unwrap())
            .collect();
        for (i, n) in CIFAR_STRIP.names.iter().enumerate() {
            assert_eq!(
                crate::data::CIFAR10_CLASSES[labels[50_000 + i]],
                *n,
                "label of test image {i}"
            );
        }
    }

    #[test]
    fn bundled_cats_dogs_strip_is_the_resized_jpegs() {
        let strip = load(&public(CATS_DOGS_STRIP.file));
        let pics = split_strip(&strip, &CATS_DOGS_STRIP).unwrap();
        for (p, f) in pics.iter().zip(CATS_DOGS_FILES) {
            let src = load(&shared(&format!("cats_dogs/train/{f}")));
            assert!(src.width >= 299 && src.height >= 280, "{f}");
            assert_eq!(*p, src.square(64), "{f}");
        }
        // cat.0.jpg is 500×374 (PROVENANCE.md).
        let cat = load(&shared("cats_dogs/train/cat.0.jpg"));
        assert_eq!((cat.width, cat.height), (500, 374));
    }

    #[test]
    fn square_resize_averages_areas() {
        // 4×2 picture: the centred 2×2 square is columns 1..3; halving it averages 4 pixels.
        let rgb: Vec<u8> = (0..8u8).flat_map(|i| [i * 10, 0, 255]).collect();
        let p = Picture {
            width: 4,
            height: 2,
            rgb,
        };
        let s = p.square(1);
        assert_eq!(s.rgb, vec![35, 0, 255]); // mean of 10, 20, 50, 60
        assert_eq!(p.square(2).rgb.len(), 12);
        assert_eq!(p.square(2).pixel(1, 1), p.pixel(2, 1));
    }

    #[test]
    fn interlaced_pngs_decode() {
        let (w, h) = (29u32, 17u32);
        let rgba: Vec<u8> = (0..w * h * 4)
            .map(|i| if i % 4 == 3 { 255 } else { (i * 7 % 251) as u8 })
            .collect();
        let img = crate::viz::Rgba::from_pixels(w, h, rgba.clone()).unwrap();
        let png = crate::viz::png::interlaced_png(&img);
        assert_eq!(png[28], 1, "IHDR says Adam7");
        let p = decode_picture("interlaced.png", &png).unwrap();
        assert_eq!((p.width, p.height), (w as usize, h as usize));
        assert_eq!(p.to_rgba(), rgba);
    }

    #[test]
    fn oversized_pngs_are_refused_from_their_header() {
        // A header that declares 9000×10 pixels and image data for one row: refused by its
        // size before its pixels are decoded.
        let img = crate::viz::Rgba::new(1, 1);
        let mut png = crate::viz::png::interlaced_png(&img);
        png[16..20].copy_from_slice(&9000u32.to_be_bytes());
        png[20..24].copy_from_slice(&10u32.to_be_bytes());
        let crc = crate::viz::png::crc32(&[&png[12..29]]);
        png[29..33].copy_from_slice(&crc.to_be_bytes());
        let e = decode_picture("big.png", &png).unwrap_err();
        assert!(
            matches!(
                e,
                PictureError::TooLarge {
                    width: 9000,
                    height: 10,
                    ..
                }
            ),
            "{e}"
        );
    }

    #[test]
    fn non_images_are_refused_in_words() {
        let e = decode_picture("notes.txt", b"hello, world").unwrap_err();
        assert!(matches!(e, PictureError::NotImage { .. }));
        assert!(e.to_string().contains("neither a PNG nor a JPEG"), "{e}");
        assert!(matches!(
            decode_picture("x.png", b"").unwrap_err(),
            PictureError::Empty { .. }
        ));
        let e = decode_picture("broken.jpg", &[0xFF, 0xD8, 0xFF, 0xE0, 0, 16]).unwrap_err();
        assert!(matches!(e, PictureError::Jpeg { .. }), "{e}");
        let e =
            decode_picture("broken.png", &[0x89, b'P', b'N', b'G', 13, 10, 26, 10, 0]).unwrap_err();
        assert!(matches!(e, PictureError::Png { .. }), "{e}");
    }

    #[test]
    fn headers_give_the_size_the_decoders_find() {
        // The worker trusts `picture_header` for the size limit and lets the browser decode:
        // the header's size must be the decoded one on real files of both formats.
        let mut files: Vec<_> = CATS_DOGS_FILES
            .iter()
            .map(|f| shared(&format!("cats_dogs/train/{f}")))
            .collect();
        files.push(public(CIFAR_STRIP.file));
        files.push(public(CATS_DOGS_STRIP.file));
        for path in files {
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let (_, w, h) = picture_header("f", &bytes).unwrap();
            let p = decode_picture("f", &bytes).unwrap();
            assert_eq!((w, h), (p.width, p.height), "{}", path.display());
        }
    }

    #[test]
    fn broken_headers_are_refused_in_words() {
        let jpeg = std::fs::read(shared("cats_dogs/train/cat.0.jpg")).unwrap();
        // Cut before the frame header: refused, not read past the end.
        for cut in [3, 4, 6, 20] {
            let e = picture_header("cut.jpg", &jpeg[..cut]).unwrap_err();
            assert!(matches!(e, PictureError::Jpeg { .. }), "{cut}: {e}");
        }
        // A JPEG whose frame declares 9000×9000 pixels is refused by its header.
        let sof = jpeg
            .windows(2)
            .position(|w| w[0] == 0xFF && w[1] == 0xC0)
            .expect("a baseline JPEG");
        let mut big = jpeg.clone();
        big[sof + 5..sof + 9].copy_from_slice(&[0x23, 0x28, 0x23, 0x28]);
        assert!(matches!(
            picture_header("big.jpg", &big).unwrap_err(),
            PictureError::TooLarge {
                width: 9000,
                height: 9000,
                ..
            }
        ));
        let mut png = crate::viz::png::interlaced_png(&crate::viz::Rgba::new(1, 1));
        png[16..20].copy_from_slice(&0u32.to_be_bytes());
        let e = picture_header("empty.png", &png).unwrap_err();
        assert!(e.to_string().contains("0×1 pixels"), "{e}");
        png[12..16].copy_from_slice(b"tEXt");
        let e = picture_header("odd.png", &png).unwrap_err();
        assert!(e.to_string().contains("not the image header"), "{e}");
    }
}
