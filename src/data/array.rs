//! A small n-dimensional array type: what the NPY and MAT readers produce.
//!
//! Values are always stored in C (row-major) order: the last index varies fastest. Readers
//! convert Fortran/MATLAB column-major data on load.

use super::error::DataError;

/// Element type of an [`NdArray`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DType {
    /// Unsigned 8-bit (also NumPy `bool` and MATLAB `logical`).
    U8,
    /// Signed 8-bit.
    I8,
    /// Unsigned 16-bit.
    U16,
    /// Signed 16-bit.
    I16,
    /// Unsigned 32-bit.
    U32,
    /// Signed 32-bit.
    I32,
    /// Unsigned 64-bit.
    U64,
    /// Signed 64-bit.
    I64,
    /// 32-bit float (also NumPy `float16`, widened on load).
    F32,
    /// 64-bit float.
    F64,
}

impl DType {
    /// The NumPy name, e.g. `uint16`.
    pub fn name(self) -> &'static str {
        match self {
            DType::U8 => "uint8",
            DType::I8 => "int8",
            DType::U16 => "uint16",
            DType::I16 => "int16",
            DType::U32 => "uint32",
            DType::I32 => "int32",
            DType::U64 => "uint64",
            DType::I64 => "int64",
            DType::F32 => "float32",
            DType::F64 => "float64",
        }
    }

    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            DType::U8 | DType::I8 => 1,
            DType::U16 | DType::I16 => 2,
            DType::U32 | DType::I32 | DType::F32 => 4,
            DType::U64 | DType::I64 | DType::F64 => 8,
        }
    }

    /// True for the integer types.
    pub fn is_integer(self) -> bool {
        !matches!(self, DType::F32 | DType::F64)
    }
}

impl std::fmt::Display for DType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The elements of an [`NdArray`], in C (row-major) order.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// `uint8` values.
    U8(Vec<u8>),
    /// `int8` values.
    I8(Vec<i8>),
    /// `uint16` values.
    U16(Vec<u16>),
    /// `int16` values.
    I16(Vec<i16>),
    /// `uint32` values.
    U32(Vec<u32>),
    /// `int32` values.
    I32(Vec<i32>),
    /// `uint64` values.
    U64(Vec<u64>),
    /// `int64` values.
    I64(Vec<i64>),
    /// `float32` values.
    F32(Vec<f32>),
    /// `float64` values.
    F64(Vec<f64>),
}

/// Runs `$body` with `$v` bound to the inner `Vec` of any [`Values`] variant.
macro_rules! with_values {
    ($values:expr, $v:ident => $body:expr) => {
        match $values {
            Values::U8($v) => $body,
            Values::I8($v) => $body,
            Values::U16($v) => $body,
            Values::I16($v) => $body,
            Values::U32($v) => $body,
            Values::I32($v) => $body,
            Values::U64($v) => $body,
            Values::I64($v) => $body,
            Values::F32($v) => $body,
            Values::F64($v) => $body,
        }
    };
}
pub(crate) use with_values;

/// Runs `$body` with `$v` bound to the inner `Vec`, and rewraps the result in the same variant.
macro_rules! map_values {
    ($values:expr, $v:ident => $body:expr) => {
        match $values {
            Values::U8($v) => Values::U8($body),
            Values::I8($v) => Values::I8($body),
            Values::U16($v) => Values::U16($body),
            Values::I16($v) => Values::I16($body),
            Values::U32($v) => Values::U32($body),
            Values::I32($v) => Values::I32($body),
            Values::U64($v) => Values::U64($body),
            Values::I64($v) => Values::I64($body),
            Values::F32($v) => Values::F32($body),
            Values::F64($v) => Values::F64($body),
        }
    };
}

/// A numeric element type (the crate-internal glue for decoding and casting).
pub(crate) trait Elem: Copy + Default + PartialEq + std::fmt::Debug {
    /// Bytes per element.
    const SIZE: usize;
    /// Decodes one element from exactly `SIZE` bytes.
    fn from_bytes(b: &[u8], little_endian: bool) -> Self;
    /// The value as `f64` (may round for 64-bit integers).
    fn to_f64(self) -> f64;
    /// The value as `i128` for integers; `None` for floats.
    fn to_i128(self) -> Option<i128>;
    /// `as`-style conversion from `f64`.
    fn from_f64(v: f64) -> Self;
    /// `as`-style conversion from `i128`.
    fn from_i128(v: i128) -> Self;
    /// Appends the little-endian bytes.
    fn put_le(self, out: &mut Vec<u8>);
}

macro_rules! impl_elem {
    ($t:ty, $int:expr) => {
        impl Elem for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
            fn from_bytes(b: &[u8], little_endian: bool) -> Self {
                let mut a = [0u8; std::mem::size_of::<$t>()];
                a.copy_from_slice(&b[..Self::SIZE]);
                if little_endian {
                    <$t>::from_le_bytes(a)
                } else {
                    <$t>::from_be_bytes(a)
                }
            }
            fn to_f64(self) -> f64 {
                self as f64
            }
            fn to_i128(self) -> Option<i128> {
                if $int { Some(self as i128) } else { None }
            }
            fn from_f64(v: f64) -> Self {
                v as $t
            }
            fn from_i128(v: i128) -> Self {
                v as $t
            }
            fn put_le(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
        }
    };
}
impl_elem!(u8, true);
impl_elem!(i8, true);
impl_elem!(u16, true);
impl_elem!(i16, true);
impl_elem!(u32, true);
impl_elem!(i32, true);
impl_elem!(u64, true);
impl_elem!(i64, true);
impl_elem!(f32, false);
impl_elem!(f64, false);

/// Decodes `bytes` (length a multiple of the element size, checked by the caller) into a vector.
pub(crate) fn decode_vec<T: Elem>(bytes: &[u8], little_endian: bool) -> Vec<T> {
    bytes
        .chunks_exact(T::SIZE)
        .map(|c| T::from_bytes(c, little_endian))
        .collect()
}

/// Decodes raw element bytes of type `dtype`. `bytes.len()` must be a multiple of the size.
pub(crate) fn decode_values(bytes: &[u8], dtype: DType, little_endian: bool) -> Values {
    match dtype {
        DType::U8 => Values::U8(bytes.to_vec()),
        DType::I8 => Values::I8(decode_vec(bytes, little_endian)),
        DType::U16 => Values::U16(decode_vec(bytes, little_endian)),
        DType::I16 => Values::I16(decode_vec(bytes, little_endian)),
        DType::U32 => Values::U32(decode_vec(bytes, little_endian)),
        DType::I32 => Values::I32(decode_vec(bytes, little_endian)),
        DType::U64 => Values::U64(decode_vec(bytes, little_endian)),
        DType::I64 => Values::I64(decode_vec(bytes, little_endian)),
        DType::F32 => Values::F32(decode_vec(bytes, little_endian)),
        DType::F64 => Values::F64(decode_vec(bytes, little_endian)),
    }
}

/// Reorders column-major (Fortran/MATLAB) data of `shape` into row-major (C) order.
///
/// `src.len()` must equal the product of `shape` (callers check this).
pub(crate) fn fortran_to_c<T: Copy>(src: &[T], shape: &[usize]) -> Vec<T> {
    let n = src.len();
    if shape.len() < 2 || n == 0 {
        return src.to_vec();
    }
    let rank = shape.len();
    // Fortran strides: the first index varies fastest.
    let mut fstride = vec![1usize; rank];
    for k in 1..rank {
        fstride[k] = fstride[k - 1] * shape[k - 1];
    }
    let last = rank - 1;
    let mut out = Vec::with_capacity(n);
    let mut idx = vec![0usize; rank];
    let mut off = 0usize;
    // Fast path: walk the last (C-fastest) axis in a tight loop.
    let inner = shape[last];
    let inner_stride = fstride[last];
    'outer: loop {
        let mut o = off;
        for _ in 0..inner {
            out.push(src[o]);
            o += inner_stride;
        }
        // Carry into the axes before the last one.
        let mut k = last;
        loop {
            if k == 0 {
                break 'outer;
            }
            k -= 1;
            idx[k] += 1;
            off += fstride[k];
            if idx[k] < shape[k] {
                break;
            }
            off -= shape[k] * fstride[k];
            idx[k] = 0;
        }
    }
    out
}

impl Values {
    /// Number of elements.
    pub fn len(&self) -> usize {
        with_values!(self, v => v.len())
    }

    /// True when there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The element type.
    pub fn dtype(&self) -> DType {
        match self {
            Values::U8(_) => DType::U8,
            Values::I8(_) => DType::I8,
            Values::U16(_) => DType::U16,
            Values::I16(_) => DType::I16,
            Values::U32(_) => DType::U32,
            Values::I32(_) => DType::I32,
            Values::U64(_) => DType::U64,
            Values::I64(_) => DType::I64,
            Values::F32(_) => DType::F32,
            Values::F64(_) => DType::F64,
        }
    }

    /// Element `i` as `f64` (`None` when out of range).
    pub fn get_f64(&self, i: usize) -> Option<f64> {
        with_values!(self, v => v.get(i).map(|x| Elem::to_f64(*x)))
    }

    /// Converts every element to `target` with Rust `as` semantics (integers exactly where the
    /// value fits, floats rounded toward zero when cast to integers, saturating).
    pub fn cast(&self, target: DType) -> Values {
        fn conv<S: Elem, T: Elem>(src: &[S]) -> Vec<T> {
            src.iter()
                .map(|&x| match x.to_i128() {
                    Some(i) => T::from_i128(i),
                    None => T::from_f64(x.to_f64()),
                })
                .collect()
        }
        if self.dtype() == target {
            return self.clone();
        }
        with_values!(self, v => match target {
            DType::U8 => Values::U8(conv(v)),
            DType::I8 => Values::I8(conv(v)),
            DType::U16 => Values::U16(conv(v)),
            DType::I16 => Values::I16(conv(v)),
            DType::U32 => Values::U32(conv(v)),
            DType::I32 => Values::I32(conv(v)),
            DType::U64 => Values::U64(conv(v)),
            DType::I64 => Values::I64(conv(v)),
            DType::F32 => Values::F32(conv(v)),
            DType::F64 => Values::F64(conv(v)),
        })
    }

    /// Reorders column-major data of `shape` into row-major order.
    pub(crate) fn fortran_to_c(self, shape: &[usize]) -> Values {
        map_values!(self, v => fortran_to_c(&v, shape))
    }

    /// Appends every element as little-endian bytes.
    pub(crate) fn put_le(&self, out: &mut Vec<u8>) {
        if let Values::U8(b) = self {
            out.extend_from_slice(b);
            return;
        }
        out.reserve(self.len() * self.dtype().size());
        with_values!(self, v => {
            for x in v.iter() {
                x.put_le(out);
            }
        })
    }
}

/// A named n-dimensional numeric array in C (row-major) order.
#[derive(Debug, Clone, PartialEq)]
pub struct NdArray {
    /// Variable name (MAT variable name, or the file stem for `.npy`).
    pub name: String,
    /// Dimensions, outermost first.
    pub shape: Vec<usize>,
    /// Element type; always equal to `data.dtype()`.
    pub dtype: DType,
    /// The elements, row-major.
    pub data: Values,
}

impl NdArray {
    /// Builds an array, checking that the shape's product equals the number of values.
    pub fn new(name: &str, shape: Vec<usize>, data: Values) -> Result<NdArray, DataError> {
        let expected = shape
            .iter()
            .try_fold(1usize, |acc, &d| acc.checked_mul(d))
            .ok_or_else(|| DataError::InvalidInput("the shape's element count overflows".into()))?;
        if expected != data.len() {
            return Err(DataError::InvalidInput(format!(
                "shape {} needs {expected} values but {} were given",
                shape_text(&shape),
                data.len()
            )));
        }
        Ok(NdArray {
            name: name.to_string(),
            shape,
            dtype: data.dtype(),
            data,
        })
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// True when the array has no elements.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Number of dimensions.
    pub fn ndim(&self) -> usize {
        self.shape.len()
    }

    /// True for integer element types.
    pub fn is_integer(&self) -> bool {
        self.dtype.is_integer()
    }

    /// True when every element is a whole number (always true for integer types; for floats,
    /// every value is finite and has no fractional part).
    pub fn is_integral(&self) -> bool {
        match &self.data {
            Values::F32(v) => v.iter().all(|x| x.is_finite() && x.fract() == 0.0),
            Values::F64(v) => v.iter().all(|x| x.is_finite() && x.fract() == 0.0),
            _ => true,
        }
    }

    /// All elements converted to `f32` (64-bit values are rounded).
    pub fn to_f32(&self) -> Vec<f32> {
        match &self.data {
            Values::F32(v) => v.clone(),
            Values::U8(v) => v.iter().map(|&x| x as f32).collect(),
            Values::U16(v) => v.iter().map(|&x| x as f32).collect(),
            Values::I16(v) => v.iter().map(|&x| x as f32).collect(),
            other => with_values!(other, v => v.iter().map(|&x| Elem::to_f64(x) as f32).collect()),
        }
    }

    /// All elements converted to `f64` (64-bit integers beyond 2^53 are rounded).
    pub fn to_f64(&self) -> Vec<f64> {
        with_values!(&self.data, v => v.iter().map(|&x| Elem::to_f64(x)).collect())
    }

    /// A one-line description, e.g. `cube  uint16  145×145×200`.
    pub fn summary(&self) -> String {
        format!("{}  {}  {}", self.name, self.dtype, shape_text(&self.shape))
    }
}

/// Renders a shape as `145×145×200` (`scalar` for rank 0).
pub fn shape_text(shape: &[usize]) -> String {
    if shape.is_empty() {
        return "scalar".to_string();
    }
    shape
        .iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("×")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fortran_to_c_2d_and_3d() {
        // A 2×3 matrix [[1,2,3],[4,5,6]] stored column-major is 1,4,2,5,3,6.
        assert_eq!(
            fortran_to_c(&[1, 4, 2, 5, 3, 6], &[2, 3]),
            vec![1, 2, 3, 4, 5, 6]
        );
        // 3-D: element (i,j,k) has value 100i+10j+k; Fortran storage puts i fastest.
        let shape = [2usize, 3, 4];
        let mut f = Vec::new();
        for k in 0..4 {
            for j in 0..3 {
                for i in 0..2 {
                    f.push(100 * i + 10 * j + k);
                }
            }
        }
        let c = fortran_to_c(&f, &shape);
        let mut expected = Vec::new();
        for i in 0..2 {
            for j in 0..3 {
                for k in 0..4 {
                    expected.push(100 * i + 10 * j + k);
                }
            }
        }
        assert_eq!(c, expected);
        // Degenerate shapes are returned as they are.
        assert_eq!(fortran_to_c(&[7, 8], &[2]), vec![7, 8]);
        assert_eq!(fortran_to_c::<u8>(&[], &[0, 3]), Vec::<u8>::new());
        assert_eq!(fortran_to_c(&[1, 2, 3], &[3, 1]), vec![1, 2, 3]);
        assert_eq!(fortran_to_c(&[1, 2, 3], &[1, 3]), vec![1, 2, 3]);
    }

    #[test]
    fn casts_and_helpers() {
        let v = Values::U8(vec![0, 7, 255]);
        assert_eq!(v.cast(DType::F64), Values::F64(vec![0.0, 7.0, 255.0]));
        assert_eq!(v.cast(DType::I16), Values::I16(vec![0, 7, 255]));
        assert_eq!(
            Values::I8(vec![-3, 4]).cast(DType::I64),
            Values::I64(vec![-3, 4])
        );
        assert_eq!(
            Values::U64(vec![u64::MAX]).cast(DType::U64),
            Values::U64(vec![u64::MAX])
        );
        assert_eq!(
            Values::I64(vec![i64::MIN]).cast(DType::I64),
            Values::I64(vec![i64::MIN])
        );
        assert_eq!(
            Values::F32(vec![2.5]).cast(DType::I32),
            Values::I32(vec![2])
        );

        let a = NdArray::new("cube", vec![2, 2, 3], Values::U16((0..12).collect())).unwrap();
        assert_eq!(a.len(), 12);
        assert_eq!(a.ndim(), 3);
        assert!(a.is_integer());
        assert_eq!(a.summary(), "cube  uint16  2×2×3");
        assert_eq!(a.to_f32()[11], 11.0);
        assert_eq!(a.to_f64()[5], 5.0);
        assert!(NdArray::new("x", vec![2, 2], Values::U8(vec![1, 2, 3])).is_err());
        let f = NdArray::new("g", vec![2], Values::F32(vec![1.0, 2.0])).unwrap();
        assert!(f.is_integral() && !f.is_integer());
        let g = NdArray::new("g", vec![2], Values::F64(vec![1.0, 2.5])).unwrap();
        assert!(!g.is_integral());
        assert_eq!(shape_text(&[]), "scalar");
        assert_eq!(DType::I16.size(), 2);
        assert_eq!(DType::F64.to_string(), "float64");
        let mut out = Vec::new();
        Values::U16(vec![0x0102, 0x0304]).put_le(&mut out);
        assert_eq!(out, vec![2, 1, 4, 3]);
    }
}
