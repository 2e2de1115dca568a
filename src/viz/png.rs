//! PNG files through the `png` crate (image-rs).
//!
//! * [`encode_png`] writes 8-bit RGBA, non-interlaced, with the crate's adaptive filters.
//! * [`decode_png`] reads every PNG the crate reads (every colour type and bit depth,
//!   interlaced or not, `tRNS` transparency) into 8-bit RGBA (16-bit samples are reduced to
//!   their high byte). Images larger than [`MAX_PIXELS`] are refused from their header, before
//!   the pixels are allocated, and the crate's own allocations are capped by [`png::Limits`];
//!   corrupt or truncated input returns a [`VizError`], never a panic.

use std::io::Cursor;

use super::image::Rgba;
use super::{MAX_PIXELS, VizError};

const SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

/// What the decoder may allocate besides the output: a few rows of the largest image
/// allowed, at 16-bit RGBA (8 bytes a pixel) and any width [`MAX_PIXELS`] allows.
const DECODER_LIMIT: usize = 64 << 20;

/// Encodes `img` as an 8-bit RGBA PNG.
///
/// An image with no pixels (width or height 0) is written as a single transparent pixel,
/// since PNG cannot store empty images. If `pixels` is shorter than `width × height × 4`
/// (only possible for a hand-built [`Rgba`]), only the complete rows present are written.
pub fn encode_png(img: &Rgba) -> Vec<u8> {
    let rows = img.valid_rows();
    if img.width == 0 || rows == 0 || img.width > i32::MAX as u32 {
        return encode_png(&Rgba::new(1, 1));
    }
    let len = img.width as usize * 4 * rows as usize;
    let mut out = Vec::with_capacity(len / 2 + 64);
    let mut enc = png::Encoder::new(&mut out, img.width, rows);
    enc.set_color(png::ColorType::Rgba);
    enc.set_depth(png::BitDepth::Eight);
    // Writing into a Vec of a checked size cannot fail.
    let written = enc.write_header().and_then(|mut w| {
        w.write_image_data(&img.pixels[..len])
            .and_then(|()| w.finish())
    });
    debug_assert!(written.is_ok(), "{written:?}");
    out
}

fn error(e: png::DecodingError) -> VizError {
    match e {
        png::DecodingError::IoError(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            VizError::Truncated("the file ends before the image is complete".into())
        }
        png::DecodingError::IoError(e) => VizError::Corrupt(e.to_string()),
        png::DecodingError::Format(e) => VizError::Corrupt(e.to_string()),
        png::DecodingError::Parameter(e) => VizError::Unsupported(e.to_string()),
        png::DecodingError::LimitsExceeded => {
            VizError::Unsupported("the decoder would need more memory than allowed".into())
        }
    }
}

fn check_signature(bytes: &[u8]) -> Result<(), VizError> {
    if bytes.len() < 8 {
        return Err(if SIGNATURE.starts_with(bytes) && !bytes.is_empty() {
            VizError::Truncated("file ends inside the signature".into())
        } else {
            VizError::NotPng
        });
    }
    if bytes[..8] != SIGNATURE {
        return Err(VizError::NotPng);
    }
    Ok(())
}

/// Checks a declared `width × height` against [`MAX_PIXELS`].
fn check_size(width: u32, height: u32) -> Result<(), VizError> {
    let (w, h) = (u64::from(width), u64::from(height));
    if w == 0 || h == 0 || w * h > MAX_PIXELS {
        return Err(VizError::BadSize {
            width: w,
            height: h,
            max: MAX_PIXELS,
        });
    }
    Ok(())
}

/// Decodes a PNG into RGBA. See the module documentation for what is supported.
pub fn decode_png(bytes: &[u8]) -> Result<Rgba, VizError> {
    check_signature(bytes)?;
    let mut dec = png::Decoder::new_with_limits(
        Cursor::new(bytes),
        png::Limits {
            bytes: DECODER_LIMIT,
        },
    );
    // The header first: the size is checked before anything of the image's size exists.
    let (width, height) = {
        let info = dec.read_header_info().map_err(error)?;
        (info.width, info.height)
    };
    check_size(width, height)?;
    // Palette and low-bit-depth images expanded, 16-bit samples cut to 8.
    dec.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = dec.read_info().map_err(error)?;
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| VizError::Unsupported("the image is too large for this machine".into()))?;
    let mut buf = vec![0u8; size];
    let frame = reader.next_frame(&mut buf).map_err(error)?;
    // The rest of the file (up to IEND) is read and checked too.
    reader.finish().map_err(error)?;
    buf.truncate(frame.buffer_size());
    let n = width as usize * height as usize;
    let pixels = match (frame.color_type, frame.bit_depth) {
        (png::ColorType::Rgba, png::BitDepth::Eight) => buf,
        (png::ColorType::Rgb, png::BitDepth::Eight) => buf
            .chunks_exact(3)
            .flat_map(|p| [p[0], p[1], p[2], 255])
            .collect(),
        (png::ColorType::GrayscaleAlpha, png::BitDepth::Eight) => buf
            .chunks_exact(2)
            .flat_map(|p| [p[0], p[0], p[0], p[1]])
            .collect(),
        (png::ColorType::Grayscale, png::BitDepth::Eight) => {
            buf.iter().flat_map(|&g| [g, g, g, 255]).collect()
        }
        (c, d) => {
            return Err(VizError::Unsupported(format!(
                "decoded to {c:?} at {d:?} bits"
            )));
        }
    };
    if pixels.len() != n * 4 {
        return Err(VizError::Corrupt(format!(
            "decoded {} bytes for a {width}×{height} image",
            pixels.len()
        )));
    }
    Ok(Rgba {
        width,
        height,
        pixels,
    })
}

/// CRC-32 of PNG chunks (for the tests that write chunks by hand).
#[cfg(test)]
pub(crate) fn crc32(parts: &[&[u8]]) -> u32 {
    let mut c = !0u32;
    for &b in parts.iter().flat_map(|p| p.iter()) {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    !c
}

#[cfg(test)]
fn write_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    out.extend_from_slice(&crc32(&[kind, data]).to_be_bytes());
}

/// An Adam7-interlaced 8-bit RGBA PNG of `img`, for tests (the `png` crate's encoder writes
/// no interlaced files): the seven passes' rows, unfiltered, zlib-compressed.
#[cfg(test)]
pub(crate) fn interlaced_png(img: &Rgba) -> Vec<u8> {
    const PASSES: [(u32, u32, u32, u32); 7] = [
        (0, 0, 8, 8),
        (4, 0, 8, 8),
        (0, 4, 4, 8),
        (2, 0, 4, 4),
        (0, 2, 2, 4),
        (1, 0, 2, 2),
        (0, 1, 1, 2),
    ];
    let mut raw = Vec::new();
    for (x0, y0, dx, dy) in PASSES {
        if x0 >= img.width || y0 >= img.height {
            continue;
        }
        for y in (y0..img.height).step_by(dy as usize) {
            raw.push(0);
            for x in (x0..img.width).step_by(dx as usize) {
                raw.extend_from_slice(&img.get(x, y).unwrap_or([0; 4]));
            }
        }
    }
    let mut out = SIGNATURE.to_vec();
    let mut ihdr = [0u8; 13];
    ihdr[0..4].copy_from_slice(&img.width.to_be_bytes());
    ihdr[4..8].copy_from_slice(&img.height.to_be_bytes());
    ihdr[8] = 8;
    ihdr[9] = 6;
    ihdr[12] = 1;
    write_chunk(&mut out, b"IHDR", &ihdr);
    write_chunk(
        &mut out,
        b"IDAT",
        &miniz_oxide::deflate::compress_to_vec_zlib(&raw, 6),
    );
    write_chunk(&mut out, b"IEND", &[]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // Small test PNGs (7×5, each row y filtered with type y % 5, data split over 3 IDAT chunks,
    // plus a tEXt chunk), written by an independent Python script (zlib + hand-written filters,
    // src/viz/testdata/make_test_pngs.py)
    // and checked with Pillow 13.0 (`Image.open(...).convert("RGBA")` equals the expected
    // pixels below; for GREY4TRNS Pillow's RGB agrees and the alpha follows the PNG spec).
    const RGB8: &str = concat!(
        "89504e470d0a1a0a0000000d494844520000000700000005080200000006f8618f00000018744558",
        "74436f6d6d656e74006d616465206279206d6b706e672e70791d13adf20000001f4944415478da63",
        "6030cd528deaf7aadf92bfe4e69493ff76be53be27ecc1183de1a80e56d58b230000002049444154",
        "06608a8e8e4e4a4acacccc2c2828282f2fafabab6b6d6d65de7631fb9c9f5f504fe8e9d900000020",
        "49444154505068686864e4cd983b310f121258806a1da1a0c0b1dcb10ecc0200ff9328cccec33ea6",
        "0000000049454e44ae426082",
    );
    const RGBA8: &str = concat!(
        "89504e470d0a1a0a0000000d4948445200000007000000050806000000899af6d800000018744558",
        "74436f6d6d656e74006d616465206279206d6b706e672e70791d13adf2000000254944415478da63",
        "6030cd9aaf1ad57fc4ab7ecbcbfc2537f9a69cfc67bcf39d72c43d618f5ac6e809478ae3d7730000",
        "0025494441547fe9e0004cd1409004049940500004e540500704ad40c0bced6276db393f3fbf2020",
        "080d0dbd97db4d0000002549444154bd1a19793332e64e4ccc8384840416904e4708c874742c7074",
        "2c7774ac83f05b01f4a1369dc5ef37ad0000000049454e44ae426082",
    );
    const GREY8: &str = concat!(
        "89504e470d0a1a0a0000000d4948445200000007000000050800000000acf1a90400000018744558",
        "74436f6d6d656e74006d616465206279206d6b706e672e70791d13adf20000000e4944415478da63",
        "6050f5ca9fb2f31e63b40e98fa24180000000e4944415418304527651694d7b5326f3b171432a331",
        "e00000000f494441541a19f38025da1108ea1c0103970d654969c7fa0000000049454e44ae426082",
    );
    const GREYALPHA8: &str = concat!(
        "89504e470d0a1a0a0000000d494844520000000700000005080400000023933e5300000018744558",
        "74436f6d6d656e74006d616465206279206d6b706e672e70791d13adf2000000184944415478da63",
        "6098af7ac4eb653edf14e39d11f76a19a37fe92001106fd6b00000001849444154a6e8e8a4a4cccc",
        "8282f2f2babad656e66d6de7fc828242afd7633a4b00000019494441544646c6c43c4860898e7674",
        "74cc0462c73a47c7560004051b36ebf737e40000000049454e44ae426082",
    );
    const RGB16: &str = concat!(
        "89504e470d0a1a0a0000000d49484452000000070000000510020000005668bdcc00000018744558",
        "74436f6d6d656e74006d616465206279206d6b706e672e70791d13adf20000002a4944415478da63",
        "60603065c86250658c62ec67f462aa67dac294cfbc84f926f31496932cff5876b2be635566bdc7ed",
        "7851d70000002a4944415426cce6c1c618cd3881f128a30e1190299a110493c030130c0bc0b01c0c",
        "ebc0b0150c99b7315d64ca663a2f8332360000002a49444154c7e807844160180a86914078933186",
        "f10e103f604c00421688a98e68b00088cb81b80e490c00f50f29620efe8a570000000049454e44ae",
        "426082",
    );
    const PAL8: &str = concat!(
        "89504e470d0a1a0a0000000d4948445200000007000000050803000000be4406ea00000018744558",
        "74436f6d6d656e74006d616465206279206d6b706e672e70791d13adf200000030504c544500ff00",
        "10ef4920df9230cfdb40bf2450af6d609fb6708fff807f48906f91a05fdab04f23c03f6cd02fb5e0",
        "1ffef00f4705149a980000000474524e53004080c063eeb1a10000000b4944415478da6360606462",
        "66616563b5b60ce20000000b494441546466040326662860630203da47cc460000000b4944415416",
        "90f8474646000a2401495d8f7d4a0000000049454e44ae426082",
    );
    const PAL4: &str = concat!(
        "89504e470d0a1a0a0000000d49484452000000070000000504030000007bb4ebeb00000018744558",
        "74436f6d6d656e74006d616465206279206d6b706e672e70791d13adf200000030504c544500ff00",
        "10ef4920df9230cfdb40bf2450af6d609fb6708fff807f48906f91a05fdab04f23c03f6cd02fb5e0",
        "1ffef00f4705149a980000000474524e53004080c063eeb1a10000000b4944415478da636054764d",
        "6034515241fdd6ac0000000b49444154926032363636604ed7d6565915597f0000000b4944415464",
        "3156129207002dbe0391602c3f110000000049454e44ae426082",
    );
    const PAL2: &str = concat!(
        "89504e470d0a1a0a0000000d4948445200000007000000050203000000f4f41e4b00000018744558",
        "74436f6d6d656e74006d616465206279206d6b706e672e70791d13adf200000030504c544500ff00",
        "10ef4920df9230cfdb40bf2450af6d609fb6708fff807f48906f91a05fdab04f23c03f6cd02fb5e0",
        "1ffef00f4705149a980000000474524e53004080c063eeb1a1000000084944415478da639096603c",
        "f636f98ac300000008494441548fe9f51b66917b2cbc8bb1ca0000000849444154ebff0200296e06",
        "77e844ca0c0000000049454e44ae426082",
    );
    const GREY1: &str = concat!(
        "89504e470d0a1a0a0000000d4948445200000007000000050100000000a1e1cb7500000018744558",
        "74436f6d6d656e74006d616465206279206d6b706e672e70791d13adf2000000064944415478da63",
        "08615c2d79bff80000000649444154c5b48ab98165c3bf970e000000064944415415000d4802dd25",
        "5a42a60000000049454e44ae426082",
    );
    const GREY4TRNS: &str = concat!(
        "89504e470d0a1a0a0000000d49484452000000070000000504000000006901440500000018744558",
        "74436f6d6d656e74006d616465206279206d6b706e672e70791d13adf20000000274524e53000506",
        "f939b70000000b4944415478da636054764d6034515241fdd6ac0000000b49444154926032363636",
        "604ed7d6565915597f0000000b49444154643156129207002dbe0391602c3f110000000049454e44",
        "ae426082",
    );

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len() / 2)
            .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
            .collect()
    }

    /// The sample formula used by the Python generator.
    fn val(x: u32, y: u32, c: u32) -> u8 {
        ((x * 37 + y * 91 + c * 53 + x * y * 7) % 256) as u8
    }

    fn check(png: &str, expect: impl Fn(u32, u32) -> [u8; 4]) {
        let img = decode_png(&hex(png)).expect("decodes");
        assert_eq!((img.width, img.height), (7, 5));
        for y in 0..5 {
            for x in 0..7 {
                assert_eq!(img.get(x, y), Some(expect(x, y)), "pixel ({x}, {y})");
            }
        }
    }

    fn pal(i: u32) -> [u8; 4] {
        let a = [0, 64, 128, 192].get(i as usize).copied().unwrap_or(255);
        [
            (i * 16) as u8,
            (255 - i * 16) as u8,
            ((i * 73) % 256) as u8,
            a,
        ]
    }

    fn idx(x: u32, y: u32) -> u32 {
        (x + 3 * y) % 16
    }

    #[test]
    fn decodes_every_colour_type_and_filter() {
        check(RGB8, |x, y| [val(x, y, 0), val(x, y, 1), val(x, y, 2), 255]);
        check(RGBA8, |x, y| {
            [val(x, y, 0), val(x, y, 1), val(x, y, 2), val(x, y, 3)]
        });
        check(GREY8, |x, y| {
            [val(x, y, 0), val(x, y, 0), val(x, y, 0), 255]
        });
        check(GREYALPHA8, |x, y| {
            let g = val(x, y, 0);
            [g, g, g, val(x, y, 3)]
        });
        check(RGB16, |x, y| {
            [val(x, y, 0), val(x, y, 1), val(x, y, 2), 255]
        });
        check(PAL8, |x, y| pal(idx(x, y)));
        check(PAL4, |x, y| pal(idx(x, y)));
        check(PAL2, |x, y| pal(idx(x, y) % 4));
        check(GREY1, |x, y| {
            let g = if (x + y) % 2 == 1 { 255 } else { 0 };
            [g, g, g, 255]
        });
        check(GREY4TRNS, |x, y| {
            let i = idx(x, y);
            let g = (i * 17) as u8;
            [g, g, g, if i == 5 { 0 } else { 255 }]
        });
    }

    fn test_image(w: u32, h: u32) -> Rgba {
        let mut img = Rgba::new(w, h);
        for y in 0..h {
            for x in 0..w {
                let n = (x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503)) >> 7;
                let c = if y % 3 == 0 {
                    [x as u8, y as u8, (x + y) as u8, 255]
                } else {
                    [n as u8, (n >> 8) as u8, (x * y) as u8, (n >> 16) as u8]
                };
                img.set(x, y, c);
            }
        }
        img
    }

    #[test]
    fn round_trip() {
        for (w, h) in [(1, 1), (7, 5), (64, 33), (300, 2)] {
            let img = test_image(w, h);
            let png = encode_png(&img);
            assert_eq!(&png[..8], &SIGNATURE);
            let header = crate::data::picture::picture_header("x.png", &png).unwrap();
            assert_eq!((header.1, header.2), (w as usize, h as usize));
            assert_eq!(decode_png(&png).unwrap(), img, "{w}×{h}");
        }
        // Empty images become one transparent pixel.
        let one = decode_png(&encode_png(&Rgba::new(0, 9))).unwrap();
        assert_eq!((one.width, one.height, one.get(0, 0)), (1, 1, Some([0; 4])));
        // A hand-built image with a short buffer: only complete rows are written.
        let short = Rgba {
            width: 2,
            height: 5,
            pixels: vec![9; 20],
        };
        let d = decode_png(&encode_png(&short)).unwrap();
        assert_eq!((d.width, d.height), (2, 2));
    }

    #[test]
    fn decodes_interlaced_pngs() {
        for (w, h) in [(37, 23), (1, 1), (3, 9)] {
            let img = test_image(w, h);
            let png = interlaced_png(&img);
            assert_eq!(png[28], 1, "IHDR says Adam7");
            assert_eq!(decode_png(&png).unwrap(), img, "{w}×{h}");
        }
    }

    #[test]
    fn decodes_cifar_batch_made_by_other_tools() {
        // A 1024×1000 RGB PNG from the ConvNetJS CIFAR-10 demo (see PROVENANCE.md): row n is
        // image n, its 32×32 pixels in row-major order. 36 IDAT chunks.
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/data/cifar10/convnetjs_batches/cifar10_batch_0.png"
        );
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let img = decode_png(&bytes).unwrap();
        assert_eq!((img.width, img.height), (1024, 1000));
        // Reference values from Pillow 13.0:
        // a = numpy.array(PIL.Image.open(path)); a[y, x].tolist(); int(a.astype(uint64).sum()).
        for (x, y, rgb) in [
            (0, 0, [59, 62, 63]),
            (1, 0, [43, 46, 45]),
            (1023, 0, [123, 92, 72]),
            (0, 1, [154, 177, 187]),
            (517, 500, [146, 128, 106]),
            (456, 123, [158, 168, 177]),
            (1023, 999, [132, 131, 126]),
        ] {
            assert_eq!(
                img.get(x, y),
                Some([rgb[0], rgb[1], rgb[2], 255]),
                "({x}, {y})"
            );
        }
        let sum: u64 = img
            .pixels
            .chunks_exact(4)
            .map(|p| u64::from(p[0]) + u64::from(p[1]) + u64::from(p[2]))
            .sum();
        assert_eq!(sum, 370_453_111);
    }

    #[test]
    fn corrupt_and_truncated_inputs_are_errors() {
        let good = hex(RGB8);
        assert!(decode_png(&good).is_ok());
        assert_eq!(decode_png(b""), Err(VizError::NotPng));
        assert_eq!(decode_png(b"GIF89a..."), Err(VizError::NotPng));
        assert!(matches!(
            decode_png(&good[..5]),
            Err(VizError::Truncated(_))
        ));
        // Every truncation point gives an error, never a panic.
        for n in 8..good.len() {
            assert!(decode_png(&good[..n]).is_err(), "truncated at {n}");
        }
        // Every single-byte corruption after the signature gives an error or, where the crate
        // tolerates it (an ancillary chunk), an image of the declared size; never a panic.
        for i in 8..good.len() {
            let mut bad = good.clone();
            bad[i] ^= 0x55;
            if let Ok(img) = decode_png(&bad) {
                assert_eq!(img.pixels.len(), 7 * 5 * 4, "flipped byte {i}");
            }
        }
    }

    fn be32(b: &[u8]) -> u32 {
        u32::from_be_bytes([b[0], b[1], b[2], b[3]])
    }

    #[test]
    fn crc_known_values() {
        assert_eq!(crc32(&[b"123456789"]), 0xCBF4_3926);
        assert_eq!(crc32(&[b"IEND"]), 0xAE42_6082);
    }

    /// Recomputes every chunk CRC so that corruptions reach the inflater and the unfilter.
    fn fix_crcs(png: &mut [u8]) {
        let mut pos = 8;
        while pos + 12 <= png.len() {
            let len = be32(&png[pos..pos + 4]) as usize;
            if pos + 12 + len > png.len() {
                break;
            }
            let crc = crc32(&[&png[pos + 4..pos + 8 + len]]);
            png[pos + 8 + len..pos + 12 + len].copy_from_slice(&crc.to_be_bytes());
            pos += 12 + len;
        }
    }

    #[test]
    fn corruption_behind_valid_crcs_never_panics() {
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut errors = 0;
        for case in [RGB8, PAL4, GREY1, RGB16, GREYALPHA8] {
            let good = hex(case);
            for _ in 0..400 {
                let mut bad = good.clone();
                for _ in 0..1 + next() % 4 {
                    let i = 8 + (next() as usize) % (bad.len() - 8);
                    bad[i] = next() as u8;
                }
                fix_crcs(&mut bad);
                if let Ok(img) = decode_png(&bad) {
                    assert_eq!(
                        img.pixels.len() as u64,
                        u64::from(img.width) * u64::from(img.height) * 4
                    );
                } else {
                    errors += 1;
                }
            }
        }
        assert!(
            errors > 500,
            "most corruptions are detected ({errors} of 2000)"
        );
    }

    /// Builds a PNG from raw (already filtered) scanlines; for the size and error tests.
    fn build(
        w: u32,
        h: u32,
        depth: u8,
        colour: u8,
        raw: &[u8],
        extra: &[(&[u8; 4], &[u8])],
    ) -> Vec<u8> {
        let mut out = SIGNATURE.to_vec();
        let mut ihdr = [0u8; 13];
        ihdr[0..4].copy_from_slice(&w.to_be_bytes());
        ihdr[4..8].copy_from_slice(&h.to_be_bytes());
        ihdr[8] = depth;
        ihdr[9] = colour;
        write_chunk(&mut out, b"IHDR", &ihdr);
        for (k, d) in extra {
            write_chunk(&mut out, k, d);
        }
        write_chunk(
            &mut out,
            b"IDAT",
            &miniz_oxide::deflate::compress_to_vec_zlib(raw, 6),
        );
        write_chunk(&mut out, b"IEND", &[]);
        out
    }

    #[test]
    fn size_cap_and_structural_errors() {
        // 100000 × 100000 would be 40 GB: refused from the header alone.
        let huge = build(100_000, 100_000, 8, 6, &[0; 10], &[]);
        assert!(matches!(decode_png(&huge), Err(VizError::BadSize { .. })));
        assert!(matches!(
            crate::data::picture::picture_header("huge.png", &huge),
            Err(crate::data::picture::PictureError::TooLarge {
                width: 100_000,
                height: 100_000,
                ..
            })
        ));
        // Just over the cap (2²⁶ + 1 pixels): refused too.
        let over = build(1 << 13, (1 << 13) + 1, 8, 0, &[0; 10], &[]);
        assert!(matches!(decode_png(&over), Err(VizError::BadSize { .. })));
        // Zero-sized: an error (the crate refuses the header itself).
        let zero = build(0, 4, 8, 6, &[], &[]);
        assert!(decode_png(&zero).is_err());
        // Too little image data.
        let short = build(4, 4, 8, 2, &[0; 20], &[]);
        assert!(decode_png(&short).is_err());
        // Bad filter byte.
        let badf = build(1, 1, 8, 0, &[7, 0], &[]);
        assert!(matches!(decode_png(&badf), Err(VizError::Corrupt(_))));
        // A palette image: its colour; without PLTE, an error.
        let plte: &[u8] = &[1, 2, 3, 4, 5, 6];
        assert_eq!(
            decode_png(&build(1, 1, 8, 3, &[0, 1], &[(b"PLTE", plte)]))
                .unwrap()
                .get(0, 0),
            Some([4, 5, 6, 255])
        );
        let nopal = build(1, 1, 8, 3, &[0, 0], &[]);
        assert!(decode_png(&nopal).is_err());
        // Invalid depth/colour combination; unknown critical chunk.
        assert!(decode_png(&build(1, 1, 4, 2, &[0, 0], &[])).is_err());
        let crit = build(1, 1, 8, 0, &[0, 0], &[(b"ABCD", &[])]);
        assert!(decode_png(&crit).is_err());
        // RGB colour key.
        let key: &[u8] = &[0, 10, 0, 20, 0, 30];
        let keyed = build(2, 1, 8, 2, &[0, 10, 20, 30, 10, 20, 31], &[(b"tRNS", key)]);
        let k = decode_png(&keyed).unwrap();
        assert_eq!(k.get(0, 0), Some([10, 20, 30, 0]));
        assert_eq!(k.get(1, 0), Some([10, 20, 31, 255]));
    }
}
