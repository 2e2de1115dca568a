//! The one error type of the data layer.
//!
//! Every message is written for a person: the app shows it verbatim, so each one says what is
//! wrong in plain words and, where there is one, what to do about it.

use thiserror::Error;

/// Everything that can go wrong while reading, checking or packing data.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum DataError {
    /// The input holds no bytes at all.
    #[error("The file is empty.")]
    Empty,

    /// The input stops before a structure it announced is complete.
    #[error("The file ends early: {0}. It may have been cut short while downloading or copying.")]
    Truncated(String),

    /// A MATLAB v7.3 file (an HDF5 container), which this crate does not parse.
    #[error(
        "This is a MATLAB v7.3 (HDF5) file, which convlab cannot read. In MATLAB, save it with \
         `save(file, var, '-v7')`, or export the array as .npy."
    )]
    MatV73,

    /// The bytes are neither a MAT-file nor an NPY file.
    #[error(
        "“{file_name}” is not a .mat or .npy file (it starts with {start}). convlab reads NumPy \
         .npy arrays and MATLAB v5/v7 .mat files."
    )]
    UnknownFormat {
        /// The file name as given by the user.
        file_name: String,
        /// A short printable rendering of the first bytes.
        start: String,
    },

    /// A MATLAB v4 (or older) MAT-file.
    #[error(
        "This looks like an old MATLAB v4 MAT-file, which convlab cannot read. In MATLAB, save it \
         with `save(file, var, '-v7')`, or export the array as .npy."
    )]
    MatV4,

    /// The NPY header is malformed.
    #[error("The .npy header is malformed: {0}.")]
    BadNpyHeader(String),

    /// The MAT-file structure is malformed.
    #[error("The .mat file is malformed: {0}.")]
    BadMat(String),

    /// A dtype or MATLAB class this crate cannot turn into a number array.
    #[error(
        "Unsupported data type {0}. convlab reads arrays of unsigned/signed integers (8–64 bit), \
         float32 and float64."
    )]
    UnsupportedDtype(String),

    /// An NPY file whose data needs Python's pickle (object arrays).
    #[error(
        "This .npy file holds Python objects (dtype {0}), which can only be read by running \
         Python code (pickle). convlab reads plain numeric arrays only: convert it in Python with \
         `np.save(f, np.asarray(a, dtype=np.float32))`."
    )]
    PickledNpy(String),

    /// Something declared in a header exceeds one of the documented caps.
    #[error("{what} is too large: {size} exceeds the limit of {cap} that convlab accepts.")]
    TooLarge {
        /// What was too large (“The array”, “The decompressed variable”…).
        what: String,
        /// The declared or reached size.
        size: u64,
        /// The cap it exceeds.
        cap: u64,
    },

    /// A decoded size over one of the budgets of [`crate::data::budget`], found from the
    /// declared sizes before anything that large was allocated.
    #[error(
        "{what} would need {} as {as_type}; the limit is {}. {advice}.",
        bytes_text(*.need),
        bytes_text(*.limit)
    )]
    OverBudget {
        /// What was measured, with its shape (“The cube (2×2×40000)”).
        what: String,
        /// The type it would be held as (`f32`, `float64`…).
        as_type: String,
        /// Bytes it would take.
        need: u64,
        /// The budget.
        limit: u64,
        /// What to do about it.
        advice: String,
    },

    /// More spectral bands than [`crate::data::budget::MAX_BANDS`].
    #[error(
        "The cube has {bands} bands; convlab handles at most {cap} (PCA builds a bands × bands \
         covariance and its eigensolver's work grows as bands³). Is the band axis last (rows × \
         cols × bands)?"
    )]
    TooManyBands {
        /// Bands of the cube.
        bands: usize,
        /// The cap.
        cap: usize,
    },

    /// An uploaded file longer than [`crate::data::budget::MAX_UPLOAD_BYTES`].
    #[error(
        "“{name}” is {} ({size} bytes); uploads may be at most {}.",
        bytes_text(*.size),
        bytes_text(*.cap)
    )]
    FileTooLarge {
        /// The file name.
        name: String,
        /// Its length in bytes.
        size: u64,
        /// The cap.
        cap: u64,
    },

    /// zlib data could not be decompressed.
    #[error("Compressed data in the file is damaged ({0}).")]
    Decompress(String),

    /// A MAT-file without a single numeric array that could be read.
    #[error("The .mat file holds no numeric array that convlab can read{0}.")]
    NoArrays(String),

    /// The array chosen as the cube is not 3-D.
    #[error(
        "The cube must be 3-D (rows × cols × bands); this array is {ndim}-D ({shape}). Pick the \
         hyperspectral image, not the ground truth."
    )]
    CubeNot3D {
        /// Number of dimensions found.
        ndim: usize,
        /// The shape, e.g. `145×145`.
        shape: String,
    },

    /// The array chosen as the ground truth is not 2-D.
    #[error("The ground truth must be 2-D (rows × cols); this array is {ndim}-D ({shape}).")]
    GtNot2D {
        /// Number of dimensions found.
        ndim: usize,
        /// The shape, e.g. `145×145×200`.
        shape: String,
    },

    /// The ground truth holds values that are not whole non-negative numbers.
    #[error(
        "The ground truth must hold whole-number class labels (0 = unlabelled, 1, 2, …); it \
         holds {value} at row {row}, col {col}."
    )]
    GtNotInteger {
        /// The offending value, as text.
        value: String,
        /// Row (0-based).
        row: usize,
        /// Column (0-based).
        col: usize,
    },

    /// Ground truth and cube cover different pixel grids.
    #[error(
        "The ground truth is {gt_rows}×{gt_cols} but the cube is {cube_rows}×{cube_cols}; both \
         must cover the same pixels."
    )]
    ShapeMismatch {
        /// Ground-truth rows.
        gt_rows: usize,
        /// Ground-truth columns.
        gt_cols: usize,
        /// Cube rows.
        cube_rows: usize,
        /// Cube columns.
        cube_cols: usize,
    },

    /// A label exceeds the declared number of classes.
    #[error(
        "Label {label} at row {row}, col {col} is beyond the {num_classes} classes of this scene."
    )]
    LabelOutOfRange {
        /// The label found.
        label: u64,
        /// Row (0-based).
        row: usize,
        /// Column (0-based).
        col: usize,
        /// The number of classes declared.
        num_classes: usize,
    },

    /// More classes than [`crate::data::budget::MAX_CLASSES`].
    #[error(
        "The ground truth has label {label} (at row {row}, col {col}); convlab handles at most \
         {cap} classes. Is this array really a class map?"
    )]
    TooManyClasses {
        /// The label found.
        label: u64,
        /// Row (0-based).
        row: usize,
        /// Column (0-based).
        col: usize,
        /// The cap.
        cap: usize,
    },

    /// Label values that look like no-data rather than classes (see [`crate::data::labels`]).
    #[error("{message}")]
    SuspiciousLabels {
        /// The words ([`crate::data::labels::suspicious_text`]).
        message: String,
        /// The values flagged.
        flagged: Vec<u32>,
        /// Every value with its pixel count, in increasing order.
        census: Vec<(u32, usize)>,
        /// The classes there would be if every non-zero value were kept and renumbered.
        classes: usize,
    },

    /// Not-a-number or infinite samples in the cube.
    #[error(
        "The cube holds NaN or infinite values (first at row {row}, col {col}, band {band}). \
         Replace them (e.g. with 0 or the band mean) before loading."
    )]
    NonFinite {
        /// Row (0-based).
        row: usize,
        /// Column (0-based).
        col: usize,
        /// Band (0-based).
        band: usize,
    },

    /// An array with no elements where data is needed.
    #[error("The {0} is empty (one of its dimensions is 0).")]
    EmptyArray(String),

    /// Too few classes with labelled pixels to train anything.
    #[error(
        "The ground truth has labelled pixels in only {0} class(es); at least 2 classes are \
         needed to train a classifier."
    )]
    TooFewClasses(usize),

    /// A CIFAR-10 binary batch of the wrong size.
    #[error(
        "A CIFAR-10 binary batch is a whole number of 3073-byte records (1 label byte + 3072 pixel \
         bytes); this file has {len} bytes{hint}."
    )]
    CifarSize {
        /// File length.
        len: usize,
        /// Extra hint (e.g. that it looks like CIFAR-100).
        hint: String,
    },

    /// A CIFAR-10 batch with more records than [`crate::data::budget::MAX_CIFAR_RECORDS`].
    #[error(
        "The CIFAR-10 batch holds {records} records; one upload may hold at most {cap} (the \
         whole training set). Upload the batches one at a time."
    )]
    TooManyRecords {
        /// Records in the file.
        records: usize,
        /// The cap.
        cap: usize,
    },

    /// A CIFAR-10 label byte ≥ 10.
    #[error("Record {record} of the CIFAR-10 batch has label {label}; CIFAR-10 labels are 0–9.")]
    CifarLabel {
        /// Record index (0-based).
        record: usize,
        /// The label byte.
        label: u8,
    },

    /// A packed CIFAR-10 subset that is damaged or of another format.
    #[error("The packed CIFAR-10 images are damaged or not a convlab CIFAR pack: {0}.")]
    BadCifarPack(String),

    /// The cats and dogs archive is damaged or of another format, or a photo in it is.
    #[error("The cats and dogs photos are damaged: {0}.")]
    BadPhotos(String),

    /// A packed scene container that is damaged or of another format.
    #[error("The packed scene is damaged or not a convlab scene: {0}.")]
    BadPacked(String),

    /// The checksum of the decoded packed scene does not match the stored one.
    #[error(
        "The packed scene is damaged: its checksum is {found:016x} but {expected:016x} was stored."
    )]
    Checksum {
        /// Stored checksum.
        expected: u64,
        /// Checksum of what was decoded.
        found: u64,
    },

    /// A caller passed inconsistent arguments (lengths, sizes) to a computation.
    #[error("Invalid input: {0}.")]
    InvalidInput(String),
}

/// A byte count in words: `512 MiB`, `8.0 GiB`, `3.4 KiB`, `17 bytes`.
pub fn bytes_text(n: u64) -> String {
    const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if n < 1024 {
        return format!("{n} bytes");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    if v.fract() == 0.0 {
        format!("{v:.0} {}", UNITS[unit])
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}
