//! A small PNG encoder and decoder.
//!
//! * [`encode_png`] writes 8-bit RGBA, non-interlaced, choosing a filter per row (the
//!   minimum-sum-of-absolute-differences heuristic from the PNG specification) and compressing
//!   with zlib (`miniz_oxide`, level 6).
//! * [`decode_png`] reads non-interlaced PNGs of every colour type — greyscale (1/2/4/8/16-bit),
//!   grey + alpha, RGB, RGBA (8/16-bit) and palette (1/2/4/8-bit) — with all five filter types,
//!   any number of IDAT chunks and `tRNS` transparency, returning RGBA (16-bit samples are
//!   reduced to their high byte). Chunk CRCs and the zlib checksum are verified. Images larger
//!   than [`MAX_PIXELS`] are refused before anything is allocated; corrupt or truncated input
//!   returns a [`VizError`], never a panic.
//!
//! CRC-32 (ISO 3309 / ITU-T V.42, polynomial 0xEDB88320 reflected) is computed here with a
//! table built at compile time.

use miniz_oxide::inflate::TINFLStatus;

use super::image::Rgba;
use super::{MAX_PIXELS, VizError};

const SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

/// Largest IDAT chunk the encoder writes (the format allows up to 2³¹ − 1 bytes).
const IDAT_CHUNK: usize = 1 << 20;

const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut n = 0;
    while n < 256 {
        let mut c = n as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[n] = c;
        n += 1;
    }
    table
};

/// CRC-32 as used by PNG (and zip, gzip, Ethernet) over the concatenation of `parts`.
pub fn crc32(parts: &[&[u8]]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for part in parts {
        for &b in *part {
            c = CRC_TABLE[((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8);
        }
    }
    c ^ 0xFFFF_FFFF
}

fn write_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    out.extend_from_slice(&crc32(&[kind, data]).to_be_bytes());
}

/// The Paeth predictor of the PNG specification.
fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let (ia, ib, ic) = (i16::from(a), i16::from(b), i16::from(c));
    let p = ia + ib - ic;
    let (pa, pb, pc) = ((p - ia).abs(), (p - ib).abs(), (p - ic).abs());
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}

/// Filters `row` with filter `f` (given the previous row `prev`, `bpp` bytes per pixel) into
/// `out`, which must have the same length.
fn filter_row(f: u8, row: &[u8], prev: &[u8], bpp: usize, out: &mut [u8]) {
    for i in 0..row.len() {
        let a = if i >= bpp { row[i - bpp] } else { 0 };
        let b = prev[i];
        let c = if i >= bpp { prev[i - bpp] } else { 0 };
        let pred = match f {
            0 => 0,
            1 => a,
            2 => b,
            3 => ((u16::from(a) + u16::from(b)) / 2) as u8,
            _ => paeth(a, b, c),
        };
        out[i] = row[i].wrapping_sub(pred);
    }
}

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
    let row_bytes = img.width as usize * 4;
    let mut raw = Vec::with_capacity((row_bytes + 1) * rows as usize);
    let zero = vec![0u8; row_bytes];
    let mut candidates = vec![vec![0u8; row_bytes]; 5];
    for y in 0..rows as usize {
        let row = &img.pixels[y * row_bytes..(y + 1) * row_bytes];
        let prev = if y == 0 {
            &zero[..]
        } else {
            &img.pixels[(y - 1) * row_bytes..y * row_bytes]
        };
        let mut best = (u64::MAX, 0usize);
        for (f, cand) in candidates.iter_mut().enumerate() {
            filter_row(f as u8, row, prev, 4, cand);
            // Sum of the filtered bytes read as signed values.
            let score: u64 = cand
                .iter()
                .map(|&v| u64::from((v as i8).unsigned_abs()))
                .sum();
            if score < best.0 {
                best = (score, f);
            }
        }
        raw.push(best.1 as u8);
        raw.extend_from_slice(&candidates[best.1]);
    }
    let z = miniz_oxide::deflate::compress_to_vec_zlib(&raw, 6);

    let mut out = Vec::with_capacity(z.len() + 64);
    out.extend_from_slice(&SIGNATURE);
    let mut ihdr = [0u8; 13];
    ihdr[0..4].copy_from_slice(&img.width.to_be_bytes());
    ihdr[4..8].copy_from_slice(&rows.to_be_bytes());
    ihdr[8] = 8; // bit depth
    ihdr[9] = 6; // colour type RGBA; compression, filter method, interlace: 0
    write_chunk(&mut out, b"IHDR", &ihdr);
    for part in z.chunks(IDAT_CHUNK) {
        write_chunk(&mut out, b"IDAT", part);
    }
    write_chunk(&mut out, b"IEND", &[]);
    out
}

/// Header fields the decoder needs.
struct Header {
    width: u32,
    height: u32,
    depth: u8,
    colour: u8,
}

impl Header {
    fn channels(&self) -> usize {
        match self.colour {
            0 | 3 => 1,
            4 => 2,
            2 => 3,
            _ => 4,
        }
    }
    fn bits_per_pixel(&self) -> usize {
        self.channels() * usize::from(self.depth)
    }
}

fn corrupt(msg: impl Into<String>) -> VizError {
    VizError::Corrupt(msg.into())
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

fn parse_ihdr(d: &[u8]) -> Result<Header, VizError> {
    if d.len() != 13 {
        return Err(corrupt(format!("IHDR has {} bytes instead of 13", d.len())));
    }
    let (width, height) = (be32(&d[0..4]), be32(&d[4..8]));
    let (depth, colour) = (d[8], d[9]);
    if width == 0 || height == 0 || width > i32::MAX as u32 || height > i32::MAX as u32 {
        return Err(VizError::BadSize {
            width: width.into(),
            height: height.into(),
            max: MAX_PIXELS,
        });
    }
    let depth_ok = match colour {
        0 => matches!(depth, 1 | 2 | 4 | 8 | 16),
        3 => matches!(depth, 1 | 2 | 4 | 8),
        2 | 4 | 6 => matches!(depth, 8 | 16),
        _ => return Err(corrupt(format!("invalid colour type {colour}"))),
    };
    if !depth_ok {
        return Err(corrupt(format!(
            "bit depth {depth} is invalid for colour type {colour}"
        )));
    }
    if d[10] != 0 || d[11] != 0 {
        return Err(corrupt("unknown compression or filter method"));
    }
    match d[12] {
        0 => {}
        1 => return Err(VizError::Unsupported("Adam7 interlaced images".into())),
        m => return Err(corrupt(format!("invalid interlace method {m}"))),
    }
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(VizError::BadSize {
            width: width.into(),
            height: height.into(),
            max: MAX_PIXELS,
        });
    }
    Ok(Header {
        width,
        height,
        depth,
        colour,
    })
}

/// Reverses the per-row filters in place. `data` holds `height` rows of `1 + row_bytes`.
fn unfilter(data: &mut [u8], row_bytes: usize, bpp: usize) -> Result<(), VizError> {
    let stride = row_bytes + 1;
    let rows = data.len() / stride;
    for y in 0..rows {
        let (done, rest) = data.split_at_mut(y * stride);
        let prev: &[u8] = if y == 0 {
            &[]
        } else {
            &done[(y - 1) * stride + 1..]
        };
        let Some((&mut f, row)) = rest[..stride].split_first_mut() else {
            continue;
        };
        let up = |i: usize| prev.get(i).copied().unwrap_or(0);
        match f {
            0 => {}
            1 => {
                for i in bpp..row_bytes {
                    row[i] = row[i].wrapping_add(row[i - bpp]);
                }
            }
            2 => {
                for (i, v) in row.iter_mut().enumerate() {
                    *v = v.wrapping_add(up(i));
                }
            }
            3 => {
                for i in 0..row_bytes {
                    let a = if i >= bpp { u16::from(row[i - bpp]) } else { 0 };
                    row[i] = row[i].wrapping_add(((a + u16::from(up(i))) / 2) as u8);
                }
            }
            4 => {
                for i in 0..row_bytes {
                    let (a, c) = if i >= bpp {
                        (row[i - bpp], up(i - bpp))
                    } else {
                        (0, 0)
                    };
                    row[i] = row[i].wrapping_add(paeth(a, up(i), c));
                }
            }
            other => return Err(corrupt(format!("row {y} has unknown filter type {other}"))),
        }
    }
    Ok(())
}

/// Decodes a PNG into RGBA. See the module documentation for what is supported.
pub fn decode_png(bytes: &[u8]) -> Result<Rgba, VizError> {
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
    let mut pos = 8;
    let mut header: Option<Header> = None;
    let mut palette: Vec<[u8; 4]> = Vec::new();
    let mut key: Option<[u16; 3]> = None; // tRNS colour key for grey / RGB
    let mut idat: Vec<u8> = Vec::new();
    let mut seen_idat = false;
    let mut ended = false;
    while pos < bytes.len() {
        let rest = &bytes[pos..];
        if rest.len() < 8 {
            return Err(VizError::Truncated(
                "file ends inside a chunk header".into(),
            ));
        }
        let len = be32(&rest[0..4]) as usize;
        let kind = [rest[4], rest[5], rest[6], rest[7]];
        let name = String::from_utf8_lossy(&kind).into_owned();
        if !kind.iter().all(u8::is_ascii_alphabetic) {
            return Err(corrupt(format!("invalid chunk type {kind:?}")));
        }
        if len > i32::MAX as usize {
            return Err(corrupt(format!("{name} chunk length {len} is too large")));
        }
        if rest.len() - 8 < len + 4 {
            return Err(VizError::Truncated(format!(
                "{name} chunk needs {len} bytes but the file ends"
            )));
        }
        let data = &rest[8..8 + len];
        let stored_crc = be32(&rest[8 + len..12 + len]);
        if crc32(&[&kind, data]) != stored_crc {
            return Err(corrupt(format!("CRC mismatch in {name} chunk")));
        }
        pos += 12 + len;
        if header.is_none() && &kind != b"IHDR" {
            return Err(corrupt(format!("first chunk is {name}, not IHDR")));
        }
        match &kind {
            b"IHDR" => {
                if header.is_some() {
                    return Err(corrupt("more than one IHDR chunk"));
                }
                header = Some(parse_ihdr(data)?);
            }
            b"PLTE" => {
                if len == 0 || !len.is_multiple_of(3) || len > 768 {
                    return Err(corrupt(format!("PLTE chunk has invalid length {len}")));
                }
                palette = data
                    .chunks_exact(3)
                    .map(|c| [c[0], c[1], c[2], 255])
                    .collect();
            }
            b"tRNS" => {
                let colour = header.as_ref().map_or(0, |h| h.colour);
                match colour {
                    3 => {
                        if len > palette.len() {
                            return Err(corrupt("tRNS has more entries than the palette"));
                        }
                        for (entry, &a) in palette.iter_mut().zip(data) {
                            entry[3] = a;
                        }
                    }
                    0 if len == 2 => {
                        let g = u16::from_be_bytes([data[0], data[1]]);
                        key = Some([g, g, g]);
                    }
                    2 if len == 6 => {
                        let s = |i: usize| u16::from_be_bytes([data[i], data[i + 1]]);
                        key = Some([s(0), s(2), s(4)]);
                    }
                    0 | 2 => return Err(corrupt(format!("tRNS chunk has invalid length {len}"))),
                    _ => {} // not allowed with an alpha channel; ignored like other decoders
                }
            }
            b"IDAT" => {
                seen_idat = true;
                idat.extend_from_slice(data);
            }
            b"IEND" => {
                ended = true;
                break;
            }
            _ if kind[0].is_ascii_uppercase() => {
                return Err(VizError::Unsupported(format!("critical chunk {name}")));
            }
            _ => {} // ancillary chunk: ignored
        }
    }
    let Some(h) = header else {
        return Err(VizError::Truncated("no IHDR chunk".into()));
    };
    if !ended {
        return Err(VizError::Truncated("no IEND chunk".into()));
    }
    if !seen_idat {
        return Err(corrupt("no IDAT chunk"));
    }
    if h.colour == 3 && palette.is_empty() {
        return Err(corrupt("palette image without PLTE chunk"));
    }

    // Sizes: at most MAX_PIXELS × 8 bytes per pixel, which fits in usize even on wasm32.
    let row_bytes = ((u64::from(h.width) * h.bits_per_pixel() as u64).div_ceil(8)) as usize;
    let expected = (row_bytes + 1) * h.height as usize;
    let mut raw = match miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(&idat, expected) {
        Ok(v) => v,
        // More data than the image needs: use what the image needs (libpng warns and goes on).
        Err(e) if e.status == TINFLStatus::HasMoreOutput && e.output.len() >= expected => e.output,
        Err(e) => {
            return Err(match e.status {
                TINFLStatus::FailedCannotMakeProgress | TINFLStatus::NeedsMoreInput => {
                    VizError::Truncated("compressed image data ends early".into())
                }
                TINFLStatus::Adler32Mismatch => corrupt("zlib checksum mismatch"),
                s => corrupt(format!("invalid zlib data ({s:?})")),
            });
        }
    };
    if raw.len() < expected {
        return Err(VizError::Truncated(format!(
            "image data has {} of {expected} bytes",
            raw.len()
        )));
    }
    raw.truncate(expected);
    let bpp = (h.bits_per_pixel() / 8).max(1);
    unfilter(&mut raw, row_bytes, bpp)?;

    let mut img = Rgba::try_new(h.width, h.height)?;
    let depth = usize::from(h.depth);
    let ch = h.channels();
    let w = h.width as usize;
    for (y, out_row) in img.pixels.chunks_exact_mut(w * 4).enumerate() {
        let row = &raw[y * (row_bytes + 1) + 1..(y + 1) * (row_bytes + 1)];
        // Sample `i` of this row at the image's bit depth, full precision.
        let sample = |i: usize| -> u16 {
            match depth {
                16 => u16::from_be_bytes([row[2 * i], row[2 * i + 1]]),
                8 => u16::from(row[i]),
                d => {
                    let bit = i * d;
                    let shift = 8 - d - bit % 8;
                    u16::from((row[bit / 8] >> shift) & ((1u8 << d) - 1))
                }
            }
        };
        // To 8 bits: high byte for 16-bit, replicate-scale for 1/2/4-bit.
        let to8 = |v: u16| -> u8 {
            match depth {
                16 => (v >> 8) as u8,
                8 => v as u8,
                d => (u32::from(v) * 255 / ((1u32 << d) - 1)) as u8,
            }
        };
        for (x, px) in out_row.chunks_exact_mut(4).enumerate() {
            let s = |c: usize| sample(x * ch + c);
            let rgba = match h.colour {
                0 => {
                    let g = s(0);
                    let a = if key.is_some_and(|k| k[0] == g) {
                        0
                    } else {
                        255
                    };
                    let g8 = to8(g);
                    [g8, g8, g8, a]
                }
                2 => {
                    let (r, g, b) = (s(0), s(1), s(2));
                    let a = if key == Some([r, g, b]) { 0 } else { 255 };
                    [to8(r), to8(g), to8(b), a]
                }
                3 => {
                    let i = usize::from(s(0));
                    *palette.get(i).ok_or_else(|| {
                        corrupt(format!(
                            "palette index {i} out of range ({} entries)",
                            palette.len()
                        ))
                    })?
                }
                4 => {
                    let g = to8(s(0));
                    [g, g, g, to8(s(1))]
                }
                _ => [to8(s(0)), to8(s(1)), to8(s(2)), to8(s(3))],
            };
            px.copy_from_slice(&rgba);
        }
    }
    Ok(img)
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
    fn crc_known_values() {
        assert_eq!(crc32(&[b"123456789"]), 0xCBF4_3926); // the standard check value
        assert_eq!(crc32(&[b"IEND"]), 0xAE42_6082); // every PNG ends with this CRC
        assert_eq!(crc32(&[b"1234", b"56789"]), 0xCBF4_3926);
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
                // Smooth areas, edges and noise so that different filters win on different rows.
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
    fn encoder_uses_several_filters() {
        let img = test_image(64, 33);
        let png = encode_png(&img);
        let idat: Vec<u8> = {
            // Single IDAT at a known place: signature (8) + IHDR (25) + length/type (8).
            let len = be32(&png[33..37]) as usize;
            assert_eq!(&png[37..41], b"IDAT");
            png[41..41 + len].to_vec()
        };
        let raw = miniz_oxide::inflate::decompress_to_vec_zlib(&idat).unwrap();
        let filters: std::collections::BTreeSet<u8> =
            raw.chunks(64 * 4 + 1).map(|r| r[0]).collect();
        assert!(filters.len() >= 2, "filters used: {filters:?}");
        assert!(filters.iter().all(|&f| f <= 4));
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
        // Every single-byte corruption after the signature is detected (CRC or structure).
        for i in 8..good.len() {
            let mut bad = good.clone();
            bad[i] ^= 0x55;
            assert!(decode_png(&bad).is_err(), "flipped byte {i}");
        }
        // Interlaced: rewrite IHDR's interlace byte and fix its CRC.
        let mut inter = good.clone();
        inter[28] = 1;
        let crc = crc32(&[&inter[12..29]]);
        inter[29..33].copy_from_slice(&crc.to_be_bytes());
        assert!(matches!(decode_png(&inter), Err(VizError::Unsupported(_))));
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
        let zero = build(0, 4, 8, 6, &[], &[]);
        assert!(matches!(decode_png(&zero), Err(VizError::BadSize { .. })));
        // Too little image data.
        let short = build(4, 4, 8, 2, &[0; 20], &[]);
        assert!(matches!(decode_png(&short), Err(VizError::Truncated(_))));
        // Bad filter byte.
        let badf = build(1, 1, 8, 0, &[7, 0], &[]);
        assert!(matches!(decode_png(&badf), Err(VizError::Corrupt(_))));
        // Palette index out of range, and palette image without PLTE.
        let plte: &[u8] = &[1, 2, 3, 4, 5, 6];
        assert!(decode_png(&build(1, 1, 8, 3, &[0, 1], &[(b"PLTE", plte)])).is_ok());
        let oob = build(1, 1, 8, 3, &[0, 2], &[(b"PLTE", plte)]);
        assert!(matches!(decode_png(&oob), Err(VizError::Corrupt(_))));
        let nopal = build(1, 1, 8, 3, &[0, 0], &[]);
        assert!(matches!(decode_png(&nopal), Err(VizError::Corrupt(_))));
        // Invalid depth/colour combination; unknown critical chunk; extra data is tolerated.
        assert!(decode_png(&build(1, 1, 4, 2, &[0, 0], &[])).is_err());
        let crit = build(1, 1, 8, 0, &[0, 0], &[(b"ABCD", &[])]);
        assert!(matches!(decode_png(&crit), Err(VizError::Unsupported(_))));
        let extra = build(1, 1, 8, 0, &[0, 77, 1, 2, 3], &[]);
        assert_eq!(
            decode_png(&extra).unwrap().get(0, 0),
            Some([77, 77, 77, 255])
        );
        // RGB colour key.
        let key: &[u8] = &[0, 10, 0, 20, 0, 30];
        let keyed = build(2, 1, 8, 2, &[0, 10, 20, 30, 10, 20, 31], &[(b"tRNS", key)]);
        let k = decode_png(&keyed).unwrap();
        assert_eq!(k.get(0, 0), Some([10, 20, 30, 0]));
        assert_eq!(k.get(1, 0), Some([10, 20, 31, 255]));
    }
}
