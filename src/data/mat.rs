//! MATLAB v5 / v7 MAT-file reader (the format of `save -v6` and `save -v7`).
//!
//! Layout: a 128-byte header (116 bytes of text, 8 bytes subsystem offset, a 2-byte version
//! and the endian indicator `IM` (little-endian file) or `MI` (big-endian file)), then data
//! elements. Each element has an 8-byte tag (type, byte count) or, in the *small data element*
//! format, a 4-byte tag packing both into one word with up to 4 data bytes. Variables are
//! `miMATRIX` elements, optionally wrapped in zlib-compressed `miCOMPRESSED` elements (v7).
//!
//! Numeric classes (double, single, int8…uint64) and logical arrays are read; MATLAB often
//! stores a class in a narrower type when the values fit (a `double` array of small whole
//! numbers as `miUINT8`, say): the values are converted back to the class's type. Complex,
//! sparse, cell, struct, char and object variables are skipped with a note. MATLAB v7.3 files
//! are HDF5 containers and get [`DataError::MatV73`].

use super::array::{DType, NdArray, Values, decode_values, shape_text};
use super::budget::{MAX_ARRAY_BYTES, check_array};
use super::error::DataError;

/// The HDF5 superblock signature (found at offset 512 in MATLAB v7.3 files).
pub const HDF5_SIGNATURE: &[u8; 8] = b"\x89HDF\r\n\x1a\n";

/// Most bytes that all `miCOMPRESSED` elements of one file may decompress to, together.
pub const MAX_MAT_DECOMPRESSED_BYTES: usize = MAX_ARRAY_BYTES as usize;

/// Largest number of dimensions accepted for one variable.
pub const MAX_MAT_RANK: usize = 32;

/// Deepest nesting of compressed elements followed (MATLAB writes one level).
const MAX_DEPTH: usize = 2;

// Data types of elements.
const MI_INT8: u32 = 1;
const MI_UINT8: u32 = 2;
const MI_INT16: u32 = 3;
const MI_UINT16: u32 = 4;
const MI_INT32: u32 = 5;
const MI_UINT32: u32 = 6;
const MI_SINGLE: u32 = 7;
const MI_DOUBLE: u32 = 9;
const MI_INT64: u32 = 12;
const MI_UINT64: u32 = 13;
const MI_MATRIX: u32 = 14;
const MI_COMPRESSED: u32 = 15;
const MI_UTF8: u32 = 16;

/// Everything read from a MAT-file: the arrays, and a note for each variable skipped.
#[derive(Debug, Clone, PartialEq)]
pub struct MatContents {
    /// The numeric arrays, in file order, converted to row-major order.
    pub arrays: Vec<NdArray>,
    /// One line per variable that was not read, e.g. `txt: text (char array), skipped`.
    pub skipped: Vec<String>,
}

/// True when the bytes look like MATLAB v7.3 (HDF5): the HDF5 signature at offset 0 or 512,
/// or a header text starting `MATLAB 7.3`.
pub fn is_v73(bytes: &[u8]) -> bool {
    bytes.starts_with(HDF5_SIGNATURE)
        || bytes.get(512..520) == Some(&HDF5_SIGNATURE[..])
        || bytes.starts_with(b"MATLAB 7.3")
}

/// True when the bytes start with a MAT v5 header (an endian indicator `IM`/`MI` at byte
/// 126, and header text starting `MATLAB` or the version word 0x0100), or are a v7.3 file.
pub fn looks_like_mat(bytes: &[u8]) -> bool {
    let v5 = match bytes.get(124..128) {
        Some([a, b, b'I', b'M']) => bytes.starts_with(b"MATLAB") || [*a, *b] == [0x00, 0x01],
        Some([a, b, b'M', b'I']) => bytes.starts_with(b"MATLAB") || [*a, *b] == [0x01, 0x00],
        _ => false,
    };
    is_v73(bytes) || v5
}

/// Reads every numeric variable of a MAT v5/v7 file; errors when there is none.
pub fn read_mat(bytes: &[u8]) -> Result<Vec<NdArray>, DataError> {
    let contents = read_mat_detailed(bytes)?;
    if contents.arrays.is_empty() {
        let detail = if contents.skipped.is_empty() {
            String::new()
        } else {
            format!(" (skipped: {})", contents.skipped.join("; "))
        };
        return Err(DataError::NoArrays(detail));
    }
    Ok(contents.arrays)
}

/// Reads a MAT v5/v7 file into arrays plus notes on the variables skipped.
pub fn read_mat_detailed(bytes: &[u8]) -> Result<MatContents, DataError> {
    if bytes.is_empty() {
        return Err(DataError::Empty);
    }
    if is_v73(bytes) {
        return Err(DataError::MatV73);
    }
    if bytes.len() < 128 {
        if bytes.starts_with(b"MATLAB") {
            return Err(DataError::Truncated(
                "inside the 128-byte MAT-file header".into(),
            ));
        }
        return Err(DataError::BadMat(
            "it is shorter than a MAT-file header".into(),
        ));
    }
    let little = match &bytes[126..128] {
        b"IM" => true,
        b"MI" => false,
        _ => {
            if !bytes.starts_with(b"MATLAB") {
                return Err(DataError::MatV4);
            }
            return Err(DataError::BadMat(
                "the endian indicator at byte 126 is neither 'IM' nor 'MI'".into(),
            ));
        }
    };
    let mut reader = Reader {
        little,
        budget: MAX_MAT_DECOMPRESSED_BYTES,
        out: MatContents {
            arrays: Vec::new(),
            skipped: Vec::new(),
        },
    };
    reader.elements(&bytes[128..], 0)?;
    Ok(reader.out)
}

/// One element tag, resolved.
struct Tag<'a> {
    ty: u32,
    data: &'a [u8],
    /// Offset of the next element (after padding to 8 bytes, except for compressed data).
    next: usize,
}

fn u32_at(b: &[u8], pos: usize, little: bool) -> Option<u32> {
    let s: [u8; 4] = b.get(pos..pos + 4)?.try_into().ok()?;
    Some(if little {
        u32::from_le_bytes(s)
    } else {
        u32::from_be_bytes(s)
    })
}

/// Reads the tag at `pos` of `buf`.
fn read_tag<'a>(buf: &'a [u8], pos: usize, little: bool, what: &str) -> Result<Tag<'a>, DataError> {
    let w0 = u32_at(buf, pos, little)
        .ok_or_else(|| DataError::Truncated(format!("inside the tag of {what}")))?;
    if w0 >> 16 != 0 {
        // Small data element: byte count in the upper half, type in the lower, data follows.
        let n = (w0 >> 16) as usize;
        let ty = w0 & 0xffff;
        if n > 4 {
            return Err(DataError::BadMat(format!(
                "a small data element in {what} claims {n} bytes (at most 4 fit)"
            )));
        }
        let data = buf
            .get(pos + 4..pos + 4 + n)
            .ok_or_else(|| DataError::Truncated(format!("inside {what}")))?;
        return Ok(Tag {
            ty,
            data,
            next: (pos + 8).min(buf.len()),
        });
    }
    let n = u32_at(buf, pos + 4, little)
        .ok_or_else(|| DataError::Truncated(format!("inside the tag of {what}")))?
        as usize;
    let start = pos + 8;
    let end = start
        .checked_add(n)
        .filter(|&e| e <= buf.len())
        .ok_or_else(|| {
            DataError::Truncated(format!(
                "{what} announces {n} bytes but only {} remain",
                buf.len().saturating_sub(start)
            ))
        })?;
    let next = if w0 == MI_COMPRESSED {
        end
    } else {
        end.div_ceil(8).saturating_mul(8).min(buf.len())
    };
    Ok(Tag {
        ty: w0,
        data: &buf[start..end],
        next,
    })
}

/// The element type that a numeric `mi*` code stores.
fn mi_dtype(ty: u32) -> Option<DType> {
    Some(match ty {
        MI_INT8 => DType::I8,
        MI_UINT8 => DType::U8,
        MI_INT16 => DType::I16,
        MI_UINT16 => DType::U16,
        MI_INT32 => DType::I32,
        MI_UINT32 => DType::U32,
        MI_SINGLE => DType::F32,
        MI_DOUBLE => DType::F64,
        MI_INT64 => DType::I64,
        MI_UINT64 => DType::U64,
        _ => return None,
    })
}

/// The element type of a numeric MATLAB class (`mx*_CLASS`), or a description of what the
/// class is when it is not numeric.
fn class_dtype(class: u32) -> Result<DType, &'static str> {
    Ok(match class {
        6 => DType::F64,
        7 => DType::F32,
        8 => DType::I8,
        9 => DType::U8,
        10 => DType::I16,
        11 => DType::U16,
        12 => DType::I32,
        13 => DType::U32,
        14 => DType::I64,
        15 => DType::U64,
        1 => return Err("a cell array"),
        2 => return Err("a struct"),
        3 => return Err("an object"),
        4 => return Err("text (char array)"),
        5 => return Err("a sparse matrix"),
        16 | 17 => return Err("a MATLAB function handle or object"),
        _ => return Err("an unknown MATLAB class"),
    })
}

struct Reader {
    little: bool,
    budget: usize,
    out: MatContents,
}

impl Reader {
    /// Reads the data elements packed in `buf`.
    fn elements(&mut self, buf: &[u8], depth: usize) -> Result<(), DataError> {
        let mut pos = 0usize;
        let mut index = 0usize;
        // A few bytes of trailing padding after the last element are ignored.
        while buf.len().saturating_sub(pos) >= 8 {
            index += 1;
            let what = format!("data element {index}");
            let tag = read_tag(buf, pos, self.little, &what)?;
            match tag.ty {
                MI_MATRIX => self.matrix(tag.data)?,
                MI_COMPRESSED if depth < MAX_DEPTH => {
                    precheck_compressed(tag.data, self.little)?;
                    let inflated = self.inflate(tag.data)?;
                    self.elements(&inflated, depth + 1)?;
                }
                0 if tag.data.is_empty() => {}
                other => self.out.skipped.push(format!(
                    "{what}: element type {other}, not a variable, skipped"
                )),
            }
            pos = tag.next;
        }
        Ok(())
    }

    fn inflate(&mut self, data: &[u8]) -> Result<Vec<u8>, DataError> {
        use miniz_oxide::inflate::{TINFLStatus, decompress_to_vec_zlib_with_limit};
        match decompress_to_vec_zlib_with_limit(data, self.budget) {
            Ok(v) => {
                self.budget -= v.len();
                Ok(v)
            }
            Err(e) if e.status == TINFLStatus::HasMoreOutput => Err(DataError::TooLarge {
                what: "The decompressed data of the .mat file".into(),
                size: MAX_MAT_DECOMPRESSED_BYTES as u64 + 1,
                cap: MAX_MAT_DECOMPRESSED_BYTES as u64,
            }),
            Err(e) => Err(DataError::Decompress(format!("zlib: {:?}", e.status))),
        }
    }

    /// Reads one `miMATRIX` element's contents.
    fn matrix(&mut self, buf: &[u8]) -> Result<(), DataError> {
        if buf.is_empty() {
            // MATLAB writes empty miMATRIX elements for empty cell contents.
            return Ok(());
        }
        let little = self.little;
        let head = match matrix_head(buf, little)? {
            Head::Skip(note) => {
                self.out.skipped.push(note);
                return Ok(());
            }
            Head::Numeric(h) => h,
        };
        let VarHead {
            name,
            dims,
            target,
            data_pos,
        } = head;
        let label = if name.is_empty() { "(unnamed)" } else { &name };
        // 4. Real part.
        let what = format!("the data of variable '{label}'");
        let data_tag = read_tag(buf, data_pos, little, &what)?;
        let stored = mi_dtype(data_tag.ty).ok_or_else(|| {
            DataError::BadMat(format!(
                "{what} has element type {}, which is not numeric",
                data_tag.ty
            ))
        })?;
        if data_tag.data.len() % stored.size() != 0 {
            return Err(DataError::BadMat(format!(
                "{what} has {} bytes, not a whole number of {stored} values",
                data_tag.data.len()
            )));
        }
        let count = data_tag.data.len() / stored.size();
        let expected = dims
            .iter()
            .try_fold(1usize, |a, &d| a.checked_mul(d))
            .ok_or_else(|| DataError::BadMat(format!("the shape of '{label}' overflows")))?;
        if count != expected {
            return Err(DataError::BadMat(format!(
                "'{label}' is {} ({expected} values) but its data holds {count}",
                shape_text(&dims)
            )));
        }
        // The values are held in the variable's class, often wider than they are stored.
        check_array(&variable_text(label, stored, target), &dims, target)?;
        let mut values: Values = decode_values(data_tag.data, stored, little);
        if values.dtype() != target {
            values = values.cast(target);
        }
        let values = values.fortran_to_c(&dims);
        self.out.arrays.push(NdArray::new(&name, dims, values)?);
        Ok(())
    }
}

/// How a variable is named in a budget refusal: `The variable 'x' (stored as uint8)`.
fn variable_text(label: &str, stored: DType, target: DType) -> String {
    if stored == target {
        format!("The variable '{label}'")
    } else {
        format!("The variable '{label}' (stored as {stored})")
    }
}

/// The flags, dimensions and name of a numeric variable, and where its data tag starts.
struct VarHead {
    name: String,
    dims: Vec<usize>,
    /// The type its values are held as (its class; `uint8` for logical arrays).
    target: DType,
    data_pos: usize,
}

enum Head {
    /// A numeric variable.
    Numeric(VarHead),
    /// A variable that is skipped, with the note saying why.
    Skip(String),
}

/// Parses the start of an `miMATRIX` element (flags, dimensions, name): everything needed to
/// know what its values will cost, without touching the values.
fn matrix_head(buf: &[u8], little: bool) -> Result<Head, DataError> {
    // 1. Array flags.
    let flags_tag = read_tag(buf, 0, little, "the array flags")?;
    if !matches!(flags_tag.ty, MI_UINT32 | MI_INT32) || flags_tag.data.len() < 4 {
        return Err(DataError::BadMat("a variable lacks its array flags".into()));
    }
    let flags = u32_at(flags_tag.data, 0, little).unwrap_or(0);
    let class = flags & 0xff;
    let complex = flags & 0x0800 != 0;
    let logical = flags & 0x0200 != 0;
    if class == 16 || class == 17 {
        return Ok(Head::Skip(
            "a MATLAB function handle or object, skipped".into(),
        ));
    }
    // 2. Dimensions.
    let dims_tag = read_tag(buf, flags_tag.next, little, "the dimensions")?;
    if dims_tag.ty != MI_INT32 || dims_tag.data.len() % 4 != 0 {
        return Err(DataError::BadMat(
            "a variable's dimensions are malformed".into(),
        ));
    }
    let rank = dims_tag.data.len() / 4;
    if rank > MAX_MAT_RANK {
        return Err(DataError::TooLarge {
            what: "The number of dimensions".into(),
            size: rank as u64,
            cap: MAX_MAT_RANK as u64,
        });
    }
    let mut dims = Vec::with_capacity(rank);
    for i in 0..rank {
        let d = u32_at(dims_tag.data, 4 * i, little).unwrap_or(0) as i32;
        if d < 0 {
            return Err(DataError::BadMat(format!("a dimension is negative ({d})")));
        }
        dims.push(d as usize);
    }
    // 3. Name.
    let name_tag = read_tag(buf, dims_tag.next, little, "the variable name")?;
    if !matches!(name_tag.ty, MI_INT8 | MI_UINT8 | MI_UTF8) {
        return Err(DataError::BadMat("a variable's name is malformed".into()));
    }
    let name = String::from_utf8_lossy(name_tag.data).into_owned();
    let label = if name.is_empty() { "(unnamed)" } else { &name };
    let class_type = match class_dtype(class) {
        Ok(d) => d,
        Err(what) => return Ok(Head::Skip(format!("{label}: {what}, skipped"))),
    };
    if complex {
        return Ok(Head::Skip(format!("{label}: complex numbers, skipped")));
    }
    Ok(Head::Numeric(VarHead {
        name,
        dims,
        target: if logical { DType::U8 } else { class_type },
        data_pos: name_tag.next,
    }))
}

/// Bytes of a compressed element inflated to read the variable's head before the rest.
const PEEK_BYTES: usize = 4096;

/// Up to `n` bytes of the start of a zlib stream (fewer when the stream is shorter or damaged
/// there: the full inflation reports the damage).
fn inflate_prefix(data: &[u8], n: usize) -> Vec<u8> {
    use miniz_oxide::inflate::stream::{InflateState, inflate};
    use miniz_oxide::{DataFormat, MZFlush};
    let mut state = InflateState::new_boxed(DataFormat::Zlib);
    let mut out = vec![0u8; n];
    let r = inflate(&mut state, data, &mut out, MZFlush::None);
    out.truncate(r.bytes_written);
    out
}

/// Refuses a compressed variable whose values would exceed the array budget, from the head
/// at the start of its stream, before the stream is inflated. Anything that cannot be read
/// from the first bytes is left to the full inflation, which the decompression budget bounds.
fn precheck_compressed(data: &[u8], little: bool) -> Result<(), DataError> {
    let prefix = inflate_prefix(data, PEEK_BYTES);
    let (Some(ty), Some(_)) = (u32_at(&prefix, 0, little), u32_at(&prefix, 4, little)) else {
        return Ok(());
    };
    if ty != MI_MATRIX {
        return Ok(());
    }
    let Ok(Head::Numeric(head)) = matrix_head(&prefix[8..], little) else {
        return Ok(());
    };
    let label = if head.name.is_empty() {
        "(unnamed)"
    } else {
        &head.name
    };
    // The stored type is in the data tag, which may lie beyond the peeked bytes.
    let stored = read_tag(&prefix[8..], head.data_pos, little, "")
        .ok()
        .and_then(|t| mi_dtype(t.ty))
        .or_else(|| {
            u32_at(&prefix[8..], head.data_pos, little).and_then(|w| {
                let ty = if w >> 16 != 0 { w & 0xffff } else { w };
                mi_dtype(ty)
            })
        })
        .unwrap_or(head.target);
    check_array(
        &variable_text(label, stored, head.target),
        &head.dims,
        head.target,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::npy::read_npy;

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!("{}/tests/fixtures/data/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn find<'a>(arrays: &'a [NdArray], name: &str) -> &'a NdArray {
        arrays.iter().find(|a| a.name == name).unwrap()
    }

    /// A tiny MAT v5 writer for the cases scipy cannot produce (big-endian files, MATLAB's
    /// narrower storage types, small data elements).
    struct W {
        little: bool,
        out: Vec<u8>,
    }

    impl W {
        fn new(little: bool) -> W {
            let mut out = b"MATLAB 5.0 MAT-file, written by a convlab test".to_vec();
            out.resize(116, b' ');
            out.extend_from_slice(&[0; 8]);
            let (ver, ind) = if little {
                ([0x00, 0x01], *b"IM")
            } else {
                ([0x01, 0x00], *b"MI")
            };
            out.extend_from_slice(&ver);
            out.extend_from_slice(&ind);
            W { little, out }
        }
        fn u32b(&self, v: u32) -> [u8; 4] {
            if self.little {
                v.to_le_bytes()
            } else {
                v.to_be_bytes()
            }
        }
        fn element(&self, ty: u32, data: &[u8]) -> Vec<u8> {
            let mut e = Vec::new();
            if data.len() <= 4 && ty != MI_MATRIX {
                e.extend_from_slice(&self.u32b(((data.len() as u32) << 16) | ty));
                e.extend_from_slice(data);
                e.resize(8, 0);
            } else {
                e.extend_from_slice(&self.u32b(ty));
                e.extend_from_slice(&self.u32b(data.len() as u32));
                e.extend_from_slice(data);
                e.resize(e.len().div_ceil(8) * 8, 0);
            }
            e
        }
        /// A matrix of `class` whose column-major data is stored as type `mi` (raw bytes).
        fn matrix(&mut self, name: &str, class: u32, dims: &[i32], mi: u32, raw: &[u8]) {
            let mut body = Vec::new();
            let mut flags = self.u32b(class).to_vec();
            flags.extend_from_slice(&[0; 4]);
            body.extend(self.element(MI_UINT32, &flags));
            let d: Vec<u8> = dims.iter().flat_map(|&x| self.u32b(x as u32)).collect();
            body.extend(self.element(MI_INT32, &d));
            body.extend(self.element(MI_INT8, name.as_bytes()));
            body.extend(self.element(mi, raw));
            let m = self.element(MI_MATRIX, &body);
            self.out.extend(m);
        }
    }

    #[test]
    fn real_indian_pines_gt_mat_matches_npy() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/indian_pines/");
        let arrays =
            read_mat(&std::fs::read(format!("{dir}Indian_pines_gt.mat")).unwrap()).unwrap();
        assert_eq!(arrays.len(), 1);
        let y = &arrays[0];
        assert_eq!(y.name, "y");
        assert_eq!(y.shape, vec![145, 145]);
        // MATLAB's class is double (stored compactly as miUINT8): read back as float64.
        assert_eq!(y.dtype, DType::F64);
        let npy = read_npy(
            &std::fs::read(format!("{dir}Indian_pines_gt.npy")).unwrap(),
            "gt",
        )
        .unwrap();
        assert_eq!(y.to_f64(), npy.to_f64());
        assert_eq!(y.to_f64().iter().filter(|&&v| v == 2.0).count(), 1428);
    }

    #[test]
    fn scipy_scene_files_compressed_and_plain() {
        for file in ["mat_scene_z.mat", "mat_scene_plain.mat"] {
            let arrays = read_mat(&fixture(file)).unwrap();
            let names: Vec<&str> = arrays.iter().map(|a| a.name.as_str()).collect();
            assert_eq!(
                names,
                [
                    "cube_f32", "cube_u16", "cube_i16", "cube_f64", "gt", "gt_i32", "scale"
                ],
                "{file}"
            );
            let u16c = find(&arrays, "cube_u16");
            assert_eq!(u16c.shape, vec![6, 5, 4]);
            assert_eq!(u16c.dtype, DType::U16);
            let f32c = find(&arrays, "cube_f32");
            assert_eq!(f32c.dtype, DType::F32);
            let i16c = find(&arrays, "cube_i16");
            assert_eq!(i16c.dtype, DType::I16);
            let f64c = find(&arrays, "cube_f64");
            assert_eq!(f64c.dtype, DType::F64);
            let base = u16c.to_f64();
            for (i, &b) in base.iter().enumerate() {
                assert_eq!(f32c.to_f64()[i], b + 0.25);
                assert_eq!(i16c.to_f64()[i], b - 500.0);
                assert!((f64c.to_f64()[i] - b / 7.0).abs() < 1e-12);
            }
            let gt = find(&arrays, "gt");
            assert_eq!(gt.shape, vec![6, 5]);
            assert_eq!(gt.dtype, DType::U8);
            // Row-major: row 0 is 0 1 1 2 2, row 5 is 2 2 0 0 3.
            assert_eq!(&gt.to_f64()[..5], &[0.0, 1.0, 1.0, 2.0, 2.0]);
            assert_eq!(&gt.to_f64()[25..], &[2.0, 2.0, 0.0, 0.0, 3.0]);
            assert_eq!(find(&arrays, "gt_i32").to_f64(), gt.to_f64());
            assert_eq!(find(&arrays, "scale").data, Values::F64(vec![2.5]));
        }
    }

    #[test]
    fn scipy_integer_classes() {
        let arrays = read_mat(&fixture("mat_dtypes.mat")).unwrap();
        let at = |i: usize, j: usize, k: usize| (100 * i + 10 * j + k) as i128;
        let check = |name: &str, dtype: DType, f: &dyn Fn(i128) -> i128, k_max: usize| {
            let a = find(&arrays, name);
            assert_eq!(a.dtype, dtype, "{name}");
            assert_eq!(a.shape, vec![3, 4, k_max], "{name}");
            let mut n = 0;
            for i in 0..3 {
                for j in 0..4 {
                    for k in 0..k_max {
                        let got: i128 = match &a.data {
                            Values::I8(v) => v[n] as i128,
                            Values::U8(v) => v[n] as i128,
                            Values::I16(v) => v[n] as i128,
                            Values::U32(v) => v[n] as i128,
                            Values::I32(v) => v[n] as i128,
                            Values::I64(v) => v[n] as i128,
                            Values::U64(v) => v[n] as i128,
                            _ => panic!(),
                        };
                        assert_eq!(got, f(at(i, j, k)), "{name}[{i},{j},{k}]");
                        n += 1;
                    }
                }
            }
        };
        check(
            "i8",
            DType::I8,
            &|x| (x as u8 as i8).wrapping_sub(50) as i128,
            2,
        );
        check("u8", DType::U8, &|x| x, 2);
        check("i16", DType::I16, &|x| x - 200, 5);
        check("u32", DType::U32, &|x| x * 1000, 5);
        check("i32", DType::I32, &|x| x - 100_000, 5);
        check("i64", DType::I64, &|x| x - (1 << 40), 5);
        check("u64", DType::U64, &|x| x + (1 << 63), 5);
        let row = find(&arrays, "row");
        assert_eq!(row.shape, vec![1, 5]);
        assert_eq!(row.to_f64(), vec![0.0, 1.0, 2.0, 3.0, 4.0]);
    }

    #[test]
    fn skips_non_numeric_variables_with_notes() {
        let c = read_mat_detailed(&fixture("mat_skipped.mat")).unwrap();
        let names: Vec<&str> = c.arrays.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["mask", "ok"]);
        assert_eq!(c.arrays[0].dtype, DType::U8);
        assert_eq!(c.arrays[0].data, Values::U8(vec![1, 0, 0, 1]));
        assert_eq!(c.arrays[1].data, Values::F32(vec![1.0, 2.0, 3.0, 4.0]));
        let notes = c.skipped.join("\n");
        for want in [
            "cells: a cell array",
            "st: a struct",
            "txt: text",
            "z: complex",
            "sp: a sparse matrix",
        ] {
            assert!(notes.contains(want), "missing {want:?} in {notes}");
        }
        let e = read_mat(&fixture("mat_only_text.mat")).unwrap_err();
        assert!(matches!(e, DataError::NoArrays(_)));
        let msg = e.to_string();
        assert!(
            msg.contains("txt: text") && msg.contains("st: a struct"),
            "{msg}"
        );
    }

    #[test]
    fn v73_is_refused_in_words() {
        let v73 = fixture("mat_v73.mat");
        assert_eq!(&v73[512..520], HDF5_SIGNATURE);
        let e = read_mat(&v73).unwrap_err();
        assert_eq!(e, DataError::MatV73);
        assert!(e.to_string().contains("save(file, var, '-v7')"));
        // The signature alone at 512 is enough, whatever the header text says.
        let mut other = v73.clone();
        other[..6].copy_from_slice(b"XXXXXX");
        assert_eq!(read_mat(&other).unwrap_err(), DataError::MatV73);
        assert!(looks_like_mat(&v73));
    }

    #[test]
    fn narrow_storage_big_endian_and_small_elements() {
        for little in [true, false] {
            let mut w = W::new(little);
            // A 2×3 double matrix [[1,2,3],[4,5,6]] stored as miUINT8, column-major.
            w.matrix("d", 6, &[2, 3], MI_UINT8, &[1, 4, 2, 5, 3, 6]);
            // A single matrix stored as miINT16 (2×2: [[-1, 300],[2, -400]]).
            let vals: [i16; 4] = [-1, 2, 300, -400];
            let raw: Vec<u8> = vals
                .iter()
                .flat_map(|v| {
                    if little {
                        v.to_le_bytes()
                    } else {
                        v.to_be_bytes()
                    }
                })
                .collect();
            w.matrix("s", 7, &[2, 2], MI_INT16, &raw);
            // A 1×1 uint16 whose 2 data bytes use the small element format.
            let one: [u8; 2] = if little {
                513u16.to_le_bytes()
            } else {
                513u16.to_be_bytes()
            };
            w.matrix("u", 11, &[1, 1], MI_UINT16, &one);
            // A 3-D int32 class stored as miINT8: shape 2×2×2, value = i + 2j + 4k.
            let raw3: Vec<u8> = (0..8).map(|v| v as u8).collect();
            w.matrix("t", 12, &[2, 2, 2], MI_INT8, &raw3);
            let arrays = read_mat(&w.out).unwrap();
            let d = find(&arrays, "d");
            assert_eq!(d.dtype, DType::F64);
            assert_eq!(d.data, Values::F64(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]));
            let s = find(&arrays, "s");
            assert_eq!(s.data, Values::F32(vec![-1.0, 300.0, 2.0, -400.0]));
            assert_eq!(find(&arrays, "u").data, Values::U16(vec![513]));
            // Row-major order of (i,j,k): value i + 2j + 4k.
            assert_eq!(
                find(&arrays, "t").data,
                Values::I32(vec![0, 4, 2, 6, 1, 5, 3, 7])
            );
        }
    }

    #[test]
    fn damaged_files_give_errors_not_panics() {
        assert_eq!(read_mat(&[]).unwrap_err(), DataError::Empty);
        let good = fixture("mat_scene_plain.mat");
        for cut in (0..good.len()).step_by(7) {
            let r = read_mat(&good[..cut]);
            if cut < good.len() {
                // Either an error or the variables that fit completely before the cut.
                if let Ok(a) = r {
                    assert!(a.len() < 7);
                }
            }
        }
        assert!(matches!(
            read_mat(&good[..good.len() - 3]).unwrap_err(),
            DataError::Truncated(_)
        ));
        let z = fixture("mat_scene_z.mat");
        for cut in (128..z.len()).step_by(5) {
            let _ = read_mat(&z[..cut]);
        }
        // Every single-byte corruption of both files is handled.
        for file in [&good, &z] {
            for i in 0..file.len() {
                let mut b = file.clone();
                b[i] ^= 0xa5;
                let _ = read_mat(&b);
            }
        }
        // A corrupted compressed stream is reported as such.
        let mut bad = z.clone();
        for b in &mut bad[140..180] {
            *b ^= 0x3c;
        }
        let e = read_mat(&bad).unwrap_err();
        assert!(
            matches!(
                e,
                DataError::Decompress(_) | DataError::BadMat(_) | DataError::Truncated(_)
            ),
            "{e}"
        );
        // Dimensions that disagree with the data are refused before any allocation.
        let mut w = W::new(true);
        w.matrix("big", 6, &[100_000, 100_000], MI_UINT8, &[1, 2, 3]);
        assert!(
            read_mat(&w.out)
                .unwrap_err()
                .to_string()
                .contains("10000000000 values")
        );
        let mut w = W::new(true);
        w.matrix("neg", 6, &[-1, 2], MI_UINT8, &[1, 2]);
        assert!(read_mat(&w.out).is_err());
        assert_eq!(
            read_mat(b"MATLAB 5.0").unwrap_err(),
            DataError::Truncated("inside the 128-byte MAT-file header".into())
        );
    }
}
