//! NumPy `.npy` reader and writer.
//!
//! Reads format versions 1.0, 2.0 and 3.0: the `\x93NUMPY` magic, a little-endian header
//! length, then a Python dict literal such as
//! `{'descr': '<u2', 'fortran_order': True, 'shape': (145, 145, 200), }`, then the raw data.
//! Byte orders `<`, `>`, `|` and `=` (taken as little-endian, the byte order of every platform
//! convlab runs on) are accepted; `fortran_order: True` data is reordered to C order.

use super::array::{DType, NdArray, Values, decode_values, shape_text};
use super::budget::check_array;
use super::error::DataError;

/// The NPY magic string.
pub const NPY_MAGIC: &[u8; 6] = b"\x93NUMPY";

/// Largest header accepted, in bytes (NumPy itself writes a few hundred at most).
pub const MAX_NPY_HEADER_LEN: usize = 1 << 20;

/// Largest number of dimensions accepted (NumPy's own limit is 64).
pub const MAX_RANK: usize = 32;

/// Deepest nesting of brackets accepted in the header literal.
const MAX_LITERAL_DEPTH: usize = 16;

/// A parsed Python literal (the subset that appears in NPY headers).
#[derive(Debug, Clone, PartialEq)]
enum Py {
    Str(String),
    Int(i128),
    Bool(bool),
    None,
    Tuple(Vec<Py>),
    List(Vec<Py>),
    Dict(Vec<(Py, Py)>),
}

/// Recursive-descent parser for Python literals.
struct LitParser<'a> {
    s: &'a [u8],
    pos: usize,
}

impl<'a> LitParser<'a> {
    fn err(&self, what: &str) -> DataError {
        DataError::BadNpyHeader(format!("{what} at character {}", self.pos))
    }

    fn skip_ws(&mut self) {
        while self.pos < self.s.len() && self.s[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.s.get(self.pos).copied()
    }

    fn value(&mut self, depth: usize) -> Result<Py, DataError> {
        if depth > MAX_LITERAL_DEPTH {
            return Err(self.err("too deeply nested"));
        }
        match self.peek() {
            None => Err(self.err("unexpected end")),
            Some(b'\'') | Some(b'"') => self.string(),
            Some(b'(') => {
                self.pos += 1;
                let (items, _) = self.seq(b')', depth)?;
                Ok(Py::Tuple(items))
            }
            Some(b'[') => {
                self.pos += 1;
                let (items, _) = self.seq(b']', depth)?;
                Ok(Py::List(items))
            }
            Some(b'{') => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    if self.peek() == Some(b'}') {
                        self.pos += 1;
                        break;
                    }
                    let k = self.value(depth + 1)?;
                    if self.peek() != Some(b':') {
                        return Err(self.err("expected ':'"));
                    }
                    self.pos += 1;
                    let v = self.value(depth + 1)?;
                    items.push((k, v));
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b'}') => {}
                        _ => return Err(self.err("expected ',' or '}'")),
                    }
                }
                Ok(Py::Dict(items))
            }
            Some(c) if c.is_ascii_digit() || c == b'-' || c == b'+' => self.int(),
            Some(c) if c.is_ascii_alphabetic() => {
                let start = self.pos;
                while self.pos < self.s.len() && self.s[self.pos].is_ascii_alphanumeric() {
                    self.pos += 1;
                }
                match &self.s[start..self.pos] {
                    b"True" => Ok(Py::Bool(true)),
                    b"False" => Ok(Py::Bool(false)),
                    b"None" => Ok(Py::None),
                    _ => Err(self.err("unknown word")),
                }
            }
            Some(_) => Err(self.err("unexpected character")),
        }
    }

    /// Items up to `close`; returns them and whether a trailing comma was present.
    fn seq(&mut self, close: u8, depth: usize) -> Result<(Vec<Py>, bool), DataError> {
        let mut items = Vec::new();
        let mut trailing = false;
        loop {
            if self.peek() == Some(close) {
                self.pos += 1;
                return Ok((items, trailing));
            }
            items.push(self.value(depth + 1)?);
            trailing = false;
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    trailing = true;
                }
                Some(c) if c == close => {}
                _ => return Err(self.err("expected ',' or a closing bracket")),
            }
        }
    }

    fn string(&mut self) -> Result<Py, DataError> {
        let quote = self.s[self.pos];
        self.pos += 1;
        let start = self.pos;
        while self.pos < self.s.len() && self.s[self.pos] != quote {
            if self.s[self.pos] == b'\\' {
                self.pos += 1;
            }
            self.pos += 1;
        }
        if self.pos >= self.s.len() {
            return Err(self.err("unterminated string"));
        }
        let text = String::from_utf8_lossy(&self.s[start..self.pos]).into_owned();
        self.pos += 1;
        Ok(Py::Str(text))
    }

    fn int(&mut self) -> Result<Py, DataError> {
        let start = self.pos;
        if matches!(self.s[self.pos], b'-' | b'+') {
            self.pos += 1;
        }
        while self.pos < self.s.len() && self.s[self.pos].is_ascii_digit() {
            self.pos += 1;
        }
        let text = std::str::from_utf8(&self.s[start..self.pos]).unwrap_or("");
        let v: i128 = text.parse().map_err(|_| self.err("bad number"))?;
        // Python 2 wrote long integers with an `L` suffix.
        if self.pos < self.s.len() && matches!(self.s[self.pos], b'L' | b'l') {
            self.pos += 1;
        }
        Ok(Py::Int(v))
    }
}

/// Converts an IEEE half-precision value to `f32`.
fn f16_to_f32(h: u16) -> f32 {
    let sign = ((h >> 15) as u32) << 31;
    let exp = ((h >> 10) & 0x1f) as u32;
    let frac = (h & 0x3ff) as u32;
    let bits = if exp == 0 {
        if frac == 0 {
            sign
        } else {
            // Subnormal: value = frac × 2^-24.
            let v = frac as f32 * (1.0 / 16_777_216.0);
            return if sign != 0 { -v } else { v };
        }
    } else if exp == 31 {
        sign | 0x7f80_0000 | (frac << 13)
    } else {
        sign | ((exp + 112) << 23) | (frac << 13)
    };
    f32::from_bits(bits)
}

/// How the data of one element is stored.
enum Stored {
    Plain(DType),
    Half,
}

/// Parses a `descr` string such as `<u2` into (storage, little_endian).
fn parse_descr(descr: &str) -> Result<(Stored, bool), DataError> {
    let bytes = descr.as_bytes();
    let (order, rest) = match bytes.first() {
        Some(b'<') | Some(b'|') | Some(b'=') => (true, &descr[1..]),
        Some(b'>') => (false, &descr[1..]),
        _ => (true, descr),
    };
    let kind = rest.chars().next().unwrap_or(' ');
    let size: Option<usize> = rest.get(1..).and_then(|s| s.parse().ok());
    let plain = |d| Ok((Stored::Plain(d), order));
    match (kind, size) {
        ('b', Some(1)) | ('?', _) => plain(DType::U8),
        ('u', Some(1)) => plain(DType::U8),
        ('u', Some(2)) => plain(DType::U16),
        ('u', Some(4)) => plain(DType::U32),
        ('u', Some(8)) => plain(DType::U64),
        ('i', Some(1)) => plain(DType::I8),
        ('i', Some(2)) => plain(DType::I16),
        ('i', Some(4)) => plain(DType::I32),
        ('i', Some(8)) => plain(DType::I64),
        ('f', Some(2)) => Ok((Stored::Half, order)),
        ('f', Some(4)) => plain(DType::F32),
        ('f', Some(8)) => plain(DType::F64),
        ('O', _) => Err(DataError::PickledNpy(format!("'{descr}'"))),
        ('c', _) => Err(DataError::UnsupportedDtype(format!(
            "'{descr}' (complex numbers)"
        ))),
        ('U', _) | ('S', _) | ('a', _) => Err(DataError::UnsupportedDtype(format!(
            "'{descr}' (text strings)"
        ))),
        ('M', _) | ('m', _) => Err(DataError::UnsupportedDtype(format!(
            "'{descr}' (dates or time spans)"
        ))),
        ('V', _) => Err(DataError::UnsupportedDtype(format!(
            "'{descr}' (raw records)"
        ))),
        ('f', _) => Err(DataError::UnsupportedDtype(format!(
            "'{descr}' (a float size other than 16, 32 or 64 bits)"
        ))),
        _ => Err(DataError::UnsupportedDtype(format!("'{descr}'"))),
    }
}

/// Reads an NPY file from `bytes`; `name` becomes the array's name (e.g. the file stem).
pub fn read_npy(bytes: &[u8], name: &str) -> Result<NdArray, DataError> {
    if bytes.is_empty() {
        return Err(DataError::Empty);
    }
    if bytes.len() < 8 || &bytes[..6] != NPY_MAGIC {
        if bytes.len() < 8 && NPY_MAGIC.starts_with(bytes) {
            return Err(DataError::Truncated(
                "the .npy signature is incomplete".into(),
            ));
        }
        return Err(DataError::BadNpyHeader(
            "it does not start with the NumPy signature \\x93NUMPY".into(),
        ));
    }
    let major = bytes[6];
    let (header_len, header_start) = match major {
        1 => {
            if bytes.len() < 10 {
                return Err(DataError::Truncated("inside the .npy header length".into()));
            }
            (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10)
        }
        2 | 3 => {
            if bytes.len() < 12 {
                return Err(DataError::Truncated("inside the .npy header length".into()));
            }
            let l = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
            (l as usize, 12)
        }
        v => {
            return Err(DataError::BadNpyHeader(format!(
                "format version {v}.{} is unknown (1.0, 2.0 and 3.0 are read)",
                bytes[7]
            )));
        }
    };
    if header_len > MAX_NPY_HEADER_LEN {
        return Err(DataError::TooLarge {
            what: "The .npy header".into(),
            size: header_len as u64,
            cap: MAX_NPY_HEADER_LEN as u64,
        });
    }
    let data_start = header_start + header_len;
    if data_start > bytes.len() {
        return Err(DataError::Truncated(format!(
            "the .npy header announces {header_len} bytes but only {} follow",
            bytes.len() - header_start
        )));
    }
    let header = &bytes[header_start..data_start];
    let mut parser = LitParser { s: header, pos: 0 };
    let dict = match parser.value(0)? {
        Py::Dict(items) => items,
        _ => return Err(DataError::BadNpyHeader("the header is not a dict".into())),
    };
    let get = |key: &str| {
        dict.iter()
            .find(|(k, _)| matches!(k, Py::Str(s) if s == key))
            .map(|(_, v)| v)
    };
    let descr = match get("descr") {
        Some(Py::Str(s)) => s.clone(),
        Some(Py::List(_)) => {
            return Err(DataError::UnsupportedDtype(
                "a structured (record) dtype with named fields".into(),
            ));
        }
        _ => return Err(DataError::BadNpyHeader("'descr' is missing".into())),
    };
    let fortran = match get("fortran_order") {
        Some(Py::Bool(b)) => *b,
        None => false,
        _ => {
            return Err(DataError::BadNpyHeader(
                "'fortran_order' is not True or False".into(),
            ));
        }
    };
    let shape: Vec<usize> = match get("shape") {
        Some(Py::Tuple(items)) | Some(Py::List(items)) => {
            if items.len() > MAX_RANK {
                return Err(DataError::TooLarge {
                    what: "The number of dimensions".into(),
                    size: items.len() as u64,
                    cap: MAX_RANK as u64,
                });
            }
            let mut dims = Vec::with_capacity(items.len());
            for it in items {
                match it {
                    Py::Int(v) if *v >= 0 && *v <= usize::MAX as i128 => dims.push(*v as usize),
                    _ => {
                        return Err(DataError::BadNpyHeader(
                            "'shape' holds something other than non-negative integers".into(),
                        ));
                    }
                }
            }
            dims
        }
        _ => return Err(DataError::BadNpyHeader("'shape' is missing".into())),
    };
    let (stored, little) = parse_descr(&descr)?;
    let item = match stored {
        Stored::Plain(d) => d.size(),
        Stored::Half => 2,
    };
    let count = shape
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .ok_or_else(|| DataError::BadNpyHeader("the shape's element count overflows".into()))?;
    let data_len = count
        .checked_mul(item)
        .ok_or_else(|| DataError::BadNpyHeader("the data size overflows".into()))?;
    let available = bytes.len() - data_start;
    if data_len > available {
        return Err(DataError::Truncated(format!(
            "the header announces a {} array of {descr} ({data_len} bytes) but only {available} \
             bytes of data follow",
            shape_text(&shape)
        )));
    }
    // Half floats are widened to f32 on load: the budget counts what is held.
    let held = match stored {
        Stored::Plain(d) => d,
        Stored::Half => DType::F32,
    };
    check_array(&format!("The array of “{name}”"), &shape, held)?;
    let raw = &bytes[data_start..data_start + data_len];
    let mut values = match stored {
        Stored::Plain(d) => decode_values(raw, d, little),
        Stored::Half => Values::F32(
            raw.chunks_exact(2)
                .map(|c| {
                    let h = if little {
                        u16::from_le_bytes([c[0], c[1]])
                    } else {
                        u16::from_be_bytes([c[0], c[1]])
                    };
                    f16_to_f32(h)
                })
                .collect(),
        ),
    };
    if fortran {
        values = values.fortran_to_c(&shape);
    }
    NdArray::new(name, shape, values)
}

fn descr_of(d: DType) -> &'static str {
    match d {
        DType::U8 => "|u1",
        DType::I8 => "|i1",
        DType::U16 => "<u2",
        DType::I16 => "<i2",
        DType::U32 => "<u4",
        DType::I32 => "<i4",
        DType::U64 => "<u8",
        DType::I64 => "<i8",
        DType::F32 => "<f4",
        DType::F64 => "<f8",
    }
}

/// Writes `arr` as an NPY file (version 1.0, or 2.0 for very long headers), C order,
/// little-endian, with the header padded so the data starts at a multiple of 64 bytes.
pub fn write_npy(arr: &NdArray) -> Vec<u8> {
    let shape = match arr.shape.len() {
        0 => "()".to_string(),
        1 => format!("({},)", arr.shape[0]),
        _ => format!(
            "({})",
            arr.shape
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut header = format!(
        "{{'descr': '{}', 'fortran_order': False, 'shape': {shape}, }}",
        descr_of(arr.data.dtype())
    );
    let v1_total = 10 + header.len() + 1;
    let (version, prefix) = if v1_total.div_ceil(64) * 64 - 10 <= u16::MAX as usize {
        (1u8, 10usize)
    } else {
        (2u8, 12usize)
    };
    let total = (prefix + header.len() + 1).div_ceil(64) * 64;
    while prefix + header.len() + 1 < total {
        header.push(' ');
    }
    header.push('\n');
    let mut out = Vec::with_capacity(total + arr.len() * arr.data.dtype().size());
    out.extend_from_slice(NPY_MAGIC);
    out.push(version);
    out.push(0);
    if version == 1 {
        out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    } else {
        out.extend_from_slice(&(header.len() as u32).to_le_bytes());
    }
    out.extend_from_slice(header.as_bytes());
    arr.data.put_le(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!("{}/tests/fixtures/data/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// The fixtures hold `a[i, j, k] = 100 i + 10 j + k` (shape 3×4×5), stored in many ways.
    fn expected_345() -> Vec<f64> {
        let mut v = Vec::new();
        for i in 0..3 {
            for j in 0..4 {
                for k in 0..5 {
                    v.push((100 * i + 10 * j + k) as f64);
                }
            }
        }
        v
    }

    #[test]
    fn reads_every_dtype_order_and_endianness() {
        let cases = [
            ("u1", DType::U8),
            ("i1", DType::I8),
            ("u2", DType::U16),
            ("i2", DType::I16),
            ("u4", DType::U32),
            ("i4", DType::I32),
            ("u8", DType::U64),
            ("i8", DType::I64),
            ("f4", DType::F32),
            ("f8", DType::F64),
        ];
        let mut n = 0;
        for (code, dtype) in cases {
            for order in ["C", "F"] {
                for endian in ["le", "be"] {
                    let file = format!("npy_{code}_{order}_{endian}.npy");
                    let arr = read_npy(&fixture(&file), "a").unwrap();
                    assert_eq!(arr.dtype, dtype, "{file}");
                    assert_eq!(arr.shape, vec![3, 4, 5], "{file}");
                    // 8-bit types hold the values modulo 256 as written by numpy's astype.
                    let exp: Vec<f64> = expected_345()
                        .into_iter()
                        .map(|x| match dtype {
                            DType::U8 => (x as i64 as u8) as f64,
                            DType::I8 => (x as i64 as i8) as f64,
                            _ => x,
                        })
                        .collect();
                    assert_eq!(arr.to_f64(), exp, "{file}");
                    n += 1;
                }
            }
        }
        assert_eq!(n, 40);
    }

    #[test]
    fn reads_bool_f16_versions_and_ranks() {
        let b = read_npy(&fixture("npy_bool.npy"), "b").unwrap();
        assert_eq!(b.dtype, DType::U8);
        assert_eq!(b.shape, vec![2, 3]);
        assert_eq!(b.data, Values::U8(vec![1, 0, 1, 0, 1, 0]));

        let h = read_npy(&fixture("npy_f2.npy"), "h").unwrap();
        assert_eq!(h.dtype, DType::F32);
        assert_eq!(
            h.data,
            Values::F32(vec![0.0, 1.5, -2.25, 65504.0, 6.103_515_6e-5])
        );

        for v in ["npy_v2.npy", "npy_v3.npy"] {
            let a = read_npy(&fixture(v), "a").unwrap();
            assert_eq!(a.shape, vec![3, 4, 5], "{v}");
            assert_eq!(a.to_f64(), expected_345(), "{v}");
        }
        let s = read_npy(&fixture("npy_scalar.npy"), "s").unwrap();
        assert_eq!(s.shape, Vec::<usize>::new());
        assert_eq!(s.data, Values::F64(vec![3.5]));
        let one = read_npy(&fixture("npy_1d.npy"), "v").unwrap();
        assert_eq!(one.shape, vec![4]);
        assert_eq!(one.data, Values::I32(vec![-1, 0, 1, 2]));
        let r4 = read_npy(&fixture("npy_4d_F.npy"), "r").unwrap();
        assert_eq!(r4.shape, vec![2, 3, 2, 2]);
        assert_eq!(r4.to_f64(), (0..24).map(|x| x as f64).collect::<Vec<_>>());
        let e = read_npy(&fixture("npy_empty.npy"), "e").unwrap();
        assert_eq!(e.shape, vec![0, 3]);
        assert!(e.is_empty());
    }

    #[test]
    fn refuses_pickles_and_odd_dtypes_in_words() {
        let e = read_npy(&fixture("npy_object.npy"), "o").unwrap_err();
        assert!(matches!(e, DataError::PickledNpy(_)), "{e}");
        assert!(e.to_string().contains("pickle"));
        let e = read_npy(&fixture("npy_complex.npy"), "c").unwrap_err();
        assert!(e.to_string().contains("complex"), "{e}");
        let e = read_npy(&fixture("npy_str.npy"), "s").unwrap_err();
        assert!(e.to_string().contains("text strings"), "{e}");
        let e = read_npy(&fixture("npy_struct.npy"), "s").unwrap_err();
        assert!(e.to_string().contains("structured"), "{e}");
    }

    #[test]
    fn damaged_inputs_give_errors_not_panics() {
        assert_eq!(read_npy(&[], "x").unwrap_err(), DataError::Empty);
        let good = fixture("npy_u2_F_le.npy");
        // Every truncation is an error, never a panic.
        for cut in 0..good.len() {
            assert!(read_npy(&good[..cut], "x").is_err(), "cut at {cut}");
        }
        let e = read_npy(&good[..good.len() - 1], "x").unwrap_err();
        assert!(matches!(e, DataError::Truncated(_)), "{e}");
        // A corrupted copy (made from a real file) with a huge shape: refused before allocating.
        let e = read_npy(&fixture("npy_corrupt_shape.npy"), "x").unwrap_err();
        assert!(matches!(e, DataError::Truncated(_)), "{e}");
        // Flipping any header byte never panics.
        for i in 0..good.len().min(128) {
            let mut b = good.clone();
            b[i] ^= 0x5a;
            let _ = read_npy(&b, "x");
            b[i] = b'(';
            let _ = read_npy(&b, "x");
        }
        let mut huge = good.clone();
        huge[8..10].copy_from_slice(&[0xff, 0xff]);
        assert!(read_npy(&huge, "x").is_err());
        let mut v9 = good.clone();
        v9[6] = 9;
        assert!(
            read_npy(&v9, "x")
                .unwrap_err()
                .to_string()
                .contains("version 9")
        );
        // Deep nesting is refused, not recursed into.
        let mut deep = b"\x93NUMPY\x01\x00".to_vec();
        let h = format!("{}\n", "(".repeat(5000));
        deep.extend_from_slice(&(h.len() as u16).to_le_bytes());
        deep.extend_from_slice(h.as_bytes());
        assert!(read_npy(&deep, "x").is_err());
    }

    #[test]
    fn write_then_read_round_trips() {
        let arrays = [
            NdArray::new("a", vec![2, 3], Values::U16(vec![1, 2, 3, 4, 5, 65535])).unwrap(),
            NdArray::new("b", vec![4], Values::F32(vec![0.5, -1.0, 2.0, 1e30])).unwrap(),
            NdArray::new("c", vec![], Values::I64(vec![-7])).unwrap(),
            NdArray::new(
                "d",
                vec![2, 2, 2],
                Values::I8(vec![-1, 2, -3, 4, -5, 6, -7, 8]),
            )
            .unwrap(),
            NdArray::new("e", vec![1, 1], Values::F64(vec![f64::MAX])).unwrap(),
        ];
        for a in arrays {
            let bytes = write_npy(&a);
            let header_len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
            assert_eq!((10 + header_len) % 64, 0);
            assert_eq!(bytes[10 + header_len - 1], b'\n');
            let back = read_npy(&bytes, &a.name).unwrap();
            assert_eq!(back, a);
        }
        // The output matches numpy's own bytes for the same array.
        let a = read_npy(&fixture("npy_u2_C_le.npy"), "a").unwrap();
        assert_eq!(write_npy(&a), fixture("npy_u2_C_le.npy"));
    }

    #[test]
    fn real_indian_pines_cube_and_gt() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/indian_pines/");
        let gt = read_npy(
            &std::fs::read(format!("{dir}Indian_pines_gt.npy")).unwrap(),
            "gt",
        )
        .unwrap();
        assert_eq!(gt.shape, vec![145, 145]);
        assert_eq!(gt.dtype, DType::U8);
        let Values::U8(g) = &gt.data else { panic!() };
        assert_eq!(g.iter().filter(|&&x| x > 0).count(), 10249);
        assert_eq!(*g.iter().max().unwrap(), 16);
        let cube = read_npy(
            &std::fs::read(format!("{dir}Indian_pines_corrected.npy")).unwrap(),
            "cube",
        )
        .unwrap();
        assert_eq!(cube.summary(), "cube  uint16  145×145×200");
        let Values::U16(c) = &cube.data else { panic!() };
        assert_eq!(&c[..5], &[3172, 4142, 4506, 4279, 4782]);
        assert_eq!(c[(10 * 145 + 20) * 200 + 100], 1930);
        assert_eq!(c[c.len() - 1], 1000);
        assert_eq!(c.iter().map(|&x| x as u64).sum::<u64>(), 11_153_296_207);
    }
}
