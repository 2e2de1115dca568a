//! The convlab weights file format, without burn: header parsing and tensor decoding, so
//! the parser can be fuzzed and tested on its own (`train::weights` maps the tensors onto a
//! burn module).
//!
//! Layout: `CONVLAB-WEIGHTS\n`, u32 LE header length, header JSON, then per tensor in header
//! order its raw little-endian f32 or f16 values. Size caps: header ≤ 1 MiB, tensors ≤ 256 M
//! elements in all; sizes are checked before anything is allocated.

use serde::{Deserialize, Serialize};

pub const MAGIC: &[u8] = b"CONVLAB-WEIGHTS\n";
const MAX_HEADER: usize = 1 << 20;
const MAX_ELEMENTS: usize = 256 << 20;

/// Storage precision of a weights file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Precision {
    F32,
    F16,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TensorEntry {
    pub path: String,
    pub shape: Vec<usize>,
}

/// What a weights file says about itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    pub format: u32,
    /// Model name, e.g. `HybridSN`.
    pub model: String,
    /// The model's config as JSON (burn `Config`).
    pub config: serde_json::Value,
    /// Preprocessing and training settings (e.g. PCA components, patch size, split, seed).
    pub preprocessing: serde_json::Value,
    /// Metrics measured when saved (free-form).
    pub metrics: serde_json::Value,
    pub precision: Precision,
    pub tensors: Vec<TensorEntry>,
}

/// Reads the header of a weights file (checks the magic and sizes).
pub fn read_header(bytes: &[u8]) -> Result<(Header, usize), String> {
    if bytes.is_empty() {
        return Err("The weights file is empty.".into());
    }
    if !bytes.starts_with(MAGIC) {
        return Err(
            "This is not a convlab weights file (its first bytes are not CONVLAB-WEIGHTS).".into(),
        );
    }
    let rest = &bytes[MAGIC.len()..];
    if rest.len() < 4 {
        return Err("The weights file ends inside its header.".into());
    }
    let len = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
    if len > MAX_HEADER || 4 + len > rest.len() {
        return Err("The weights file's header is truncated or too large.".into());
    }
    let header: Header = serde_json::from_slice(&rest[4..4 + len])
        .map_err(|e| format!("The weights file's header is malformed: {e}"))?;
    if header.format != 1 {
        return Err(format!(
            "This weights file has format {}, which this convlab cannot read.",
            header.format
        ));
    }
    Ok((header, MAGIC.len() + 4 + len))
}

/// A decoded tensor: module path, shape, values.
pub type DecodedTensor = (String, Vec<usize>, Vec<f32>);

/// Reads a whole weights file: its header and every tensor, checking that the sizes the
/// header claims add up to the file's length (with overflow-checked arithmetic).
pub fn read_tensors(bytes: &[u8]) -> Result<(Header, Vec<DecodedTensor>), String> {
    let (header, mut at) = read_header(bytes)?;
    let elem = match header.precision {
        Precision::F32 => 4,
        Precision::F16 => 2,
    };
    let too_many = || "The weights file claims more parameters than convlab accepts.".to_string();
    let mut counts = Vec::with_capacity(header.tensors.len().min(4096));
    let mut total = 0usize;
    for t in &header.tensors {
        let n = t
            .shape
            .iter()
            .try_fold(1usize, |a, &d| a.checked_mul(d))
            .ok_or_else(too_many)?;
        total = total.checked_add(n).ok_or_else(too_many)?;
        if total > MAX_ELEMENTS {
            return Err(too_many());
        }
        counts.push(n);
    }
    let expected = at + total * elem;
    if bytes.len() != expected {
        return Err(format!(
            "The weights file is {} bytes but its header describes {expected} bytes: it is truncated or corrupt.",
            bytes.len()
        ));
    }
    let mut out = Vec::with_capacity(counts.len());
    for (t, n) in header.tensors.iter().zip(counts) {
        let raw = &bytes[at..at + n * elem];
        at += n * elem;
        let values: Vec<f32> = match header.precision {
            Precision::F32 => raw
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
            Precision::F16 => raw
                .chunks_exact(2)
                .map(|c| f16_to_f32(u16::from_le_bytes([c[0], c[1]])))
                .collect(),
        };
        out.push((t.path.clone(), t.shape.clone(), values));
    }
    Ok((header, out))
}

/// IEEE 754 half precision to single precision (exact; subnormals, infinities and NaN kept).
pub fn f16_to_f32(h: u16) -> f32 {
    let sign = ((h >> 15) as u32) << 31;
    let exp = ((h >> 10) & 0x1f) as u32;
    let frac = (h & 0x3ff) as u32;
    let bits = match (exp, frac) {
        (0, 0) => sign,
        (0, f) => {
            // Subnormal: value = f × 2^-24.
            let v = f as f32 * (1.0 / 16_777_216.0);
            return if sign != 0 { -v } else { v };
        }
        (0x1f, 0) => sign | 0x7f80_0000,
        (0x1f, f) => sign | 0x7fc0_0000 | (f << 13),
        (e, f) => sign | ((e + 127 - 15) << 23) | (f << 13),
    };
    f32::from_bits(bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(header: &str, body: &[u8]) -> Vec<u8> {
        let mut b = MAGIC.to_vec();
        b.extend_from_slice(&(header.len() as u32).to_le_bytes());
        b.extend_from_slice(header.as_bytes());
        b.extend_from_slice(body);
        b
    }

    #[test]
    fn hostile_headers_are_refused_in_words_without_allocating() {
        let h = |shape: &str| {
            format!(
                r#"{{"format":1,"model":"X","config":null,"preprocessing":null,"metrics":null,"precision":"F32","tensors":[{{"path":"a","shape":{shape}}}]}}"#
            )
        };
        // Overflowing and huge shapes.
        for shape in [
            "[4294967296,4294967296,4294967296]",
            "[18446744073709551615,2]",
            "[300000000]",
        ] {
            let e = read_tensors(&file(&h(shape), &[])).unwrap_err();
            assert!(e.contains("more parameters"), "{shape}: {e}");
        }
        // Truncated body.
        let e = read_tensors(&file(&h("[2,2]"), &[0; 15])).unwrap_err();
        assert!(e.contains("truncated"), "{e}");
        // A good one.
        let body: Vec<u8> = [1.0f32, -2.0, 0.5, 8.0]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let (_, t) = read_tensors(&file(&h("[2,2]"), &body)).unwrap();
        assert_eq!(t[0].2, vec![1.0, -2.0, 0.5, 8.0]);
        // Not a weights file, empty, header length beyond the file.
        assert!(
            read_header(b"PNG")
                .unwrap_err()
                .contains("not a convlab weights file")
        );
        assert!(read_header(b"").unwrap_err().contains("empty"));
        let mut b = MAGIC.to_vec();
        b.extend_from_slice(&u32::MAX.to_le_bytes());
        assert!(
            read_header(&b)
                .unwrap_err()
                .contains("truncated or too large")
        );
    }

    #[test]
    fn half_precision_decodes_exactly() {
        assert_eq!(f16_to_f32(0x3c00), 1.0);
        assert_eq!(f16_to_f32(0xc000), -2.0);
        assert_eq!(f16_to_f32(0x7bff), 65504.0);
        assert_eq!(f16_to_f32(0x0001), 5.960_464_5e-8);
        assert_eq!(f16_to_f32(0x7c00), f32::INFINITY);
        assert!(f16_to_f32(0x7e00).is_nan());
        assert_eq!(f16_to_f32(0x8000).to_bits(), (-0.0f32).to_bits());
    }
}
