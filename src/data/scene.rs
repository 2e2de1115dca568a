//! From user files to a checked hyperspectral [`Scene`].
//!
//! [`read_arrays`] sniffs the bytes (NPY magic, MAT header, HDF5 signature) and returns every
//! array found; [`pick_arrays`] suggests which is the cube and which may be the ground truth;
//! [`Scene::from_arrays`] validates the pair and converts it to `f32` / `u16`.

use super::array::{DType, NdArray, Values, shape_text, with_values};
use super::budget::{MAX_CLASSES, check_scene};
use super::error::DataError;
use super::labels::{self, LabelChoice, LabelMap};
use super::mat::{is_v73, looks_like_mat, read_mat};
use super::npy::{NPY_MAGIC, read_npy};

/// The 16 Indian Pines classes, in label order (label 1 = Alfalfa).
pub const INDIAN_PINES_CLASSES: [&str; 16] = [
    "Alfalfa",
    "Corn-notill",
    "Corn-mintill",
    "Corn",
    "Grass-pasture",
    "Grass-trees",
    "Grass-pasture-mowed",
    "Hay-windrowed",
    "Oats",
    "Soybean-notill",
    "Soybean-mintill",
    "Soybean-clean",
    "Wheat",
    "Woods",
    "Buildings-Grass-Trees-Drives",
    "Stone-Steel-Towers",
];

/// Reads every array of a `.npy` or `.mat` file, recognising the format by content (the file
/// name is only used to name a `.npy` array after the file stem and in error messages).
pub fn read_arrays(file_name: &str, bytes: &[u8]) -> Result<Vec<NdArray>, DataError> {
    if bytes.is_empty() {
        return Err(DataError::Empty);
    }
    if bytes.starts_with(NPY_MAGIC) {
        let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
        let stem = base.strip_suffix(".npy").unwrap_or(base);
        return Ok(vec![read_npy(bytes, stem)?]);
    }
    if is_v73(bytes) {
        return Err(DataError::MatV73);
    }
    if looks_like_mat(bytes) || bytes.len() < 128 && bytes.starts_with(b"MATLAB") {
        return read_mat(bytes);
    }
    let start: String = bytes
        .iter()
        .take(12)
        .map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                (b as char).to_string()
            } else {
                format!("\\x{b:02x}")
            }
        })
        .collect();
    Err(DataError::UnknownFormat {
        file_name: file_name.to_string(),
        start: format!("“{start}”"),
    })
}

/// Suggests arrays for a scene: the index of the first 3-D array (the cube), and the indices
/// of 2-D arrays holding whole numbers (ground-truth candidates), those with the cube's rows ×
/// cols first, otherwise in file order.
pub fn pick_arrays(arrays: &[NdArray]) -> (Option<usize>, Vec<usize>) {
    let cube = arrays.iter().position(|a| a.ndim() == 3);
    let mut gts: Vec<usize> = (0..arrays.len())
        .filter(|&i| arrays[i].ndim() == 2 && !arrays[i].is_empty() && arrays[i].is_integral())
        .collect();
    if let Some(c) = cube {
        let hw = &arrays[c].shape[..2];
        gts.sort_by_key(|&i| arrays[i].shape[..] != *hw);
    }
    (cube, gts)
}

/// A checked hyperspectral scene.
#[derive(Debug, Clone, PartialEq)]
pub struct Scene {
    /// A display name.
    pub name: String,
    /// Rows.
    pub height: usize,
    /// Columns.
    pub width: usize,
    /// Spectral bands.
    pub bands: usize,
    /// Samples in `[row][col][band]` row-major order.
    pub cube: Vec<f32>,
    /// Labels in `[row][col]` order; 0 = unlabelled, 1..=num_classes.
    pub gt: Vec<u16>,
    /// Number of classes (labels 1..=num_classes).
    pub num_classes: usize,
    /// One name per class (`class_names[0]` for label 1).
    pub class_names: Vec<String>,
    /// What the classes are in the file's own label values (identity unless the visitor
    /// renumbered them or made values unlabelled).
    pub label_map: LabelMap,
}

/// A scene's identity: size, classes, and the FNV-1a hash of its `f32` values and labels.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SceneId {
    /// Rows.
    pub height: usize,
    /// Columns.
    pub width: usize,
    /// Bands.
    pub bands: usize,
    /// Classes.
    pub classes: usize,
    /// 16 hex digits.
    pub hash: String,
}

impl std::fmt::Display for SceneId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}×{}×{}, {} classes, data hash {}",
            self.height, self.width, self.bands, self.classes, self.hash
        )
    }
}

/// Counts pixels per label: index 0 = unlabelled, index `c` = class `c`; labels above
/// `num_classes` are not counted.
pub fn class_counts(gt: &[u16], num_classes: usize) -> Vec<usize> {
    let mut counts = vec![0usize; num_classes + 1];
    for &g in gt {
        if let Some(c) = counts.get_mut(g as usize) {
            *c += 1;
        }
    }
    counts
}

/// Class names for a scene: the Indian Pines names for a 145×145 scene with 16 classes,
/// otherwise `Class 1`, `Class 2`, ….
pub fn default_class_names(height: usize, width: usize, num_classes: usize) -> Vec<String> {
    if (height, width, num_classes) == (145, 145, 16) {
        INDIAN_PINES_CLASSES.iter().map(|s| s.to_string()).collect()
    } else {
        (1..=num_classes).map(|c| format!("Class {c}")).collect()
    }
}

/// The ground truth's values, refusing negative, fractional and non-finite ones (and values
/// beyond `u32`, which no class map holds).
fn gt_values(gt: &NdArray, width: usize) -> Result<Vec<u32>, DataError> {
    let pos = |i: usize| (i / width.max(1), i % width.max(1));
    let check = |i: usize, v: f64| -> Result<u32, DataError> {
        if !(v.is_finite() && v >= 0.0 && v.fract() == 0.0) {
            let (row, col) = pos(i);
            return Err(DataError::GtNotInteger {
                value: format!("{v}"),
                row,
                col,
            });
        }
        if v > u32::MAX as f64 {
            let (row, col) = pos(i);
            return Err(DataError::TooManyClasses {
                label: v as u64,
                row,
                col,
                cap: MAX_CLASSES,
            });
        }
        Ok(v as u32)
    };
    match &gt.data {
        Values::U8(v) => Ok(v.iter().map(|&x| x as u32).collect()),
        Values::U16(v) => Ok(v.iter().map(|&x| x as u32).collect()),
        Values::U32(v) => Ok(v.clone()),
        Values::U64(v) => v
            .iter()
            .enumerate()
            .map(|(i, &x)| check(i, x.min(u32::MAX as u64 + 1) as f64))
            .collect(),
        Values::I64(v) => v
            .iter()
            .enumerate()
            .map(|(i, &x)| check(i, x.clamp(i32::MIN as i64, u32::MAX as i64 + 1) as f64))
            .collect(),
        other => with_values!(other, v => v
            .iter()
            .enumerate()
            .map(|(i, &x)| check(i, super::array::Elem::to_f64(x)))
            .collect()),
    }
}

impl Scene {
    /// Builds a scene from a 3-D cube (rows × cols × bands) and a 2-D ground truth
    /// (rows × cols, whole numbers, 0 = unlabelled).
    ///
    /// Checks: the cube is 3-D and non-empty; the ground truth is 2-D, whole-numbered
    /// (floats with integral values are accepted) and the same rows × cols; labels are at
    /// most `num_classes` when given (otherwise `num_classes` is the largest label); the cube
    /// holds no NaN or infinity; at least 2 classes have labelled pixels.
    ///
    /// Without `num_classes`, label values that look like no-data are refused
    /// ([`DataError::SuspiciousLabels`]); [`Scene::from_arrays_with`] takes the visitor's
    /// choice instead.
    pub fn from_arrays(
        name: &str,
        cube: &NdArray,
        gt: &NdArray,
        num_classes: Option<usize>,
    ) -> Result<Scene, DataError> {
        match num_classes {
            Some(n) => Scene::build(name, cube, gt, Ok(n)),
            None => Scene::build(name, cube, gt, Err(&LabelChoice::default())),
        }
    }

    /// Like [`Scene::from_arrays`] without a declared class count: the label values become
    /// classes as `choice` says (values made unlabelled, classes renumbered 1..K), and the
    /// mapping is kept in [`Scene::label_map`].
    pub fn from_arrays_with(
        name: &str,
        cube: &NdArray,
        gt: &NdArray,
        choice: &LabelChoice,
    ) -> Result<Scene, DataError> {
        Scene::build(name, cube, gt, Err(choice))
    }

    /// `classes`: a declared class count, or the visitor's label choice.
    fn build(
        name: &str,
        cube: &NdArray,
        gt: &NdArray,
        classes: Result<usize, &LabelChoice>,
    ) -> Result<Scene, DataError> {
        if cube.ndim() != 3 {
            return Err(DataError::CubeNot3D {
                ndim: cube.ndim(),
                shape: shape_text(&cube.shape),
            });
        }
        if cube.is_empty() {
            return Err(DataError::EmptyArray(format!(
                "cube ({})",
                shape_text(&cube.shape)
            )));
        }
        // The budgets, before the labels and the f32 copy are made.
        check_scene(cube.shape[0], cube.shape[1], cube.shape[2])?;
        if gt.ndim() != 2 {
            return Err(DataError::GtNot2D {
                ndim: gt.ndim(),
                shape: shape_text(&gt.shape),
            });
        }
        let (height, width, bands) = (cube.shape[0], cube.shape[1], cube.shape[2]);
        if gt.shape[0] != height || gt.shape[1] != width {
            return Err(DataError::ShapeMismatch {
                gt_rows: gt.shape[0],
                gt_cols: gt.shape[1],
                cube_rows: height,
                cube_cols: width,
            });
        }
        let values = gt_values(gt, width)?;
        let (labels, num_classes, label_map) = match classes {
            Ok(n) => {
                if n > MAX_CLASSES {
                    return Err(DataError::InvalidInput(format!(
                        "{n} classes requested; at most {MAX_CLASSES} are supported"
                    )));
                }
                if let Some(i) = values.iter().position(|&l| l as usize > n) {
                    return Err(DataError::LabelOutOfRange {
                        label: values[i] as u64,
                        row: i / width,
                        col: i % width,
                        num_classes: n,
                    });
                }
                let labels = values.iter().map(|&v| v as u16).collect();
                (labels, n, LabelMap::default())
            }
            Err(choice) => labels::apply(&values, width, choice)?,
        };
        drop(values);
        // Finite check on the source values (f64 catches values that overflow f32 too).
        let data = cube.to_f32();
        let bad = match &cube.data {
            Values::F64(v) => v
                .iter()
                .position(|x| !x.is_finite() || x.abs() > f32::MAX as f64),
            _ if cube.dtype == DType::F32 => data.iter().position(|x| !x.is_finite()),
            _ => None,
        };
        if let Some(i) = bad {
            return Err(DataError::NonFinite {
                row: i / (width * bands),
                col: i / bands % width,
                band: i % bands,
            });
        }
        let counts = class_counts(&labels, num_classes);
        let present = counts[1..].iter().filter(|&&c| c > 0).count();
        if present < 2 {
            return Err(DataError::TooFewClasses(present));
        }
        let class_names = if label_map.values.is_empty() {
            default_class_names(height, width, num_classes)
        } else {
            (label_map.values.iter().enumerate())
                .map(|(i, v)| format!("Class {} (value {v})", i + 1))
                .collect()
        };
        Ok(Scene {
            name: name.to_string(),
            height,
            width,
            bands,
            cube: data,
            gt: labels,
            num_classes,
            class_names,
            label_map,
        })
    }

    /// What identifies the scene's data: its size, classes and a hash of its values and
    /// labels (kept in weights files, so continued training can tell another scene apart).
    pub fn id(&self) -> SceneId {
        let mut bytes = Vec::with_capacity(4 * self.cube.len() + 2 * self.gt.len());
        self.cube
            .iter()
            .for_each(|v| bytes.extend_from_slice(&v.to_le_bytes()));
        self.gt
            .iter()
            .for_each(|v| bytes.extend_from_slice(&v.to_le_bytes()));
        SceneId {
            height: self.height,
            width: self.width,
            bands: self.bands,
            classes: self.num_classes,
            hash: format!("{:016x}", super::packed::fnv1a64(&bytes)),
        }
    }

    /// Pixels per label: index 0 = unlabelled, index `c` = class `c`.
    pub fn class_counts(&self) -> Vec<usize> {
        class_counts(&self.gt, self.num_classes)
    }

    /// Number of labelled pixels.
    pub fn labelled(&self) -> usize {
        self.gt.iter().filter(|&&g| g > 0).count()
    }

    /// The spectrum of pixel (`row`, `col`).
    pub fn spectrum(&self, row: usize, col: usize) -> &[f32] {
        let start = (row * self.width + col) * self.bands;
        &self.cube[start..start + self.bands]
    }

    /// One band as a row-major plane of `height × width` values (`None` beyond the bands).
    pub fn band_plane(&self, band: usize) -> Option<Vec<f32>> {
        (band < self.bands).then(|| {
            self.cube
                .chunks_exact(self.bands)
                .map(|px| px[band])
                .collect()
        })
    }

    /// The mean spectrum of each class (labels 1..=num_classes, in that order); a class
    /// without pixels gets zeros.
    pub fn class_means(&self) -> Vec<Vec<f32>> {
        let n = self.num_classes;
        let mut sums = vec![vec![0f64; self.bands]; n];
        let mut counts = vec![0usize; n];
        for (px, &g) in self.cube.chunks_exact(self.bands).zip(&self.gt) {
            if g == 0 || g as usize > n {
                continue;
            }
            let c = g as usize - 1;
            counts[c] += 1;
            for (s, v) in sums[c].iter_mut().zip(px) {
                *s += *v as f64;
            }
        }
        sums.into_iter()
            .zip(&counts)
            .map(|(s, &c)| {
                s.into_iter()
                    .map(|v| (v / c.max(1) as f64) as f32)
                    .collect()
            })
            .collect()
    }

    /// Three bands for a false-colour view: Indian Pines' usual 43, 21 and 11 (near
    /// infrared, red, green) when the scene has that many bands, else three spread out.
    pub fn false_colour_bands(&self) -> [usize; 3] {
        let b = self.bands;
        if b >= 44 {
            [43, 21, 11]
        } else {
            [b * 3 / 4, b / 2, b / 4]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Class means, band planes and the false-colour bands of a scene small enough to
    /// check by hand.
    #[test]
    fn scene_statistics_by_hand() {
        // 1×3 pixels, 2 bands: classes 1, 2, 1.
        let cube = NdArray::new(
            "c",
            vec![1, 3, 2],
            Values::F32(vec![1., 10., 2., 20., 3., 30.]),
        )
        .unwrap();
        let gt = NdArray::new("g", vec![1, 3], Values::U8(vec![1, 2, 1])).unwrap();
        let scene = Scene::from_arrays("s", &cube, &gt, None).unwrap();
        assert_eq!(scene.class_means(), vec![vec![2.0, 20.0], vec![2.0, 20.0]]);
        assert_eq!(scene.band_plane(1), Some(vec![10.0, 20.0, 30.0]));
        assert_eq!(scene.band_plane(2), None);
        assert_eq!(scene.false_colour_bands(), [1, 1, 0]);
    }

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!("{}/tests/fixtures/data/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn arr(shape: Vec<usize>, data: Values) -> NdArray {
        NdArray::new("a", shape, data).unwrap()
    }

    #[test]
    fn read_arrays_dispatches_on_content() {
        let a = read_arrays("dir/x.npy", &fixture("npy_u2_C_le.npy")).unwrap();
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].name, "x");
        // The content decides, not the extension.
        let m = read_arrays("renamed.npy", &fixture("mat_scene_z.mat")).unwrap();
        assert_eq!(m.len(), 7);
        assert_eq!(
            read_arrays("v.mat", &fixture("mat_v73.mat")).unwrap_err(),
            DataError::MatV73
        );
        let e = read_arrays("photo.png", b"\x89PNG\r\n\x1a\n0000").unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("“photo.png” is not a .mat or .npy file"),
            "{msg}"
        );
        assert!(msg.contains("\\x89PNG"), "{msg}");
        assert_eq!(read_arrays("e.npy", &[]).unwrap_err(), DataError::Empty);
    }

    #[test]
    fn random_bytes_never_panic() {
        let mut rng = crate::data::Rng::new(11);
        let prefixes: [&[u8]; 4] = [
            b"",
            b"\x93NUMPY\x01\x00",
            b"\x93NUMPY\x02\x00",
            b"MATLAB 5.0 MAT-file",
        ];
        for round in 0..2000 {
            let len = rng.below(300);
            let mut bytes: Vec<u8> = prefixes[round % 4].to_vec();
            bytes.extend((0..len).map(|_| rng.next_u64() as u8));
            if round % 8 == 3 && bytes.len() >= 128 {
                bytes[126..128].copy_from_slice(if round % 16 == 3 { b"IM" } else { b"MI" });
            }
            // Any outcome but a panic is fine; errors carry a message.
            if let Err(e) = read_arrays("fuzz", &bytes) {
                assert!(!e.to_string().is_empty());
            }
        }
        // A real file with random tails and random bytes overwritten.
        let good = fixture("mat_scene_z.mat");
        for _ in 0..300 {
            let mut b = good.clone();
            for _ in 0..4 {
                let i = 128 + rng.below(b.len() - 128);
                b[i] = rng.next_u64() as u8;
            }
            let _ = read_arrays("fuzz.mat", &b);
        }
    }

    #[test]
    fn pick_and_build_from_scipy_scene() {
        let arrays = read_arrays("s.mat", &fixture("mat_scene_plain.mat")).unwrap();
        let (cube, gts) = pick_arrays(&arrays);
        assert_eq!(cube, Some(0));
        let gt_names: Vec<&str> = gts.iter().map(|&i| arrays[i].name.as_str()).collect();
        assert_eq!(gt_names, ["gt", "gt_i32"]);
        for cube_name in ["cube_f32", "cube_u16", "cube_i16", "cube_f64"] {
            let c = arrays.iter().find(|a| a.name == cube_name).unwrap();
            let s = Scene::from_arrays("tiny", c, &arrays[gts[0]], None).unwrap();
            assert_eq!((s.height, s.width, s.bands), (6, 5, 4));
            assert_eq!(s.num_classes, 3);
            assert_eq!(s.class_names, ["Class 1", "Class 2", "Class 3"]);
            assert_eq!(s.class_counts(), vec![11, 7, 7, 5]);
            assert_eq!(s.labelled(), 19);
            assert_eq!(s.spectrum(5, 4).len(), 4);
            assert_eq!(s.cube.len(), 120);
        }
        // A declared class count above the largest label is kept.
        let s = Scene::from_arrays("t", &arrays[1], &arrays[4], Some(5)).unwrap();
        assert_eq!(s.num_classes, 5);
        assert_eq!(s.class_counts()[4..], [0, 0]);
    }

    #[test]
    fn real_indian_pines_scene() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/indian_pines/");
        let cube = read_arrays(
            "Indian_pines_corrected.npy",
            &std::fs::read(format!("{dir}Indian_pines_corrected.npy")).unwrap(),
        )
        .unwrap();
        let gt = read_arrays(
            "Indian_pines_gt.mat",
            &std::fs::read(format!("{dir}Indian_pines_gt.mat")).unwrap(),
        )
        .unwrap();
        assert_eq!(pick_arrays(&gt), (None, vec![0]));
        let s = Scene::from_arrays("Indian Pines", &cube[0], &gt[0], Some(16)).unwrap();
        assert_eq!(s.num_classes, 16);
        assert_eq!(s.class_names[14], "Buildings-Grass-Trees-Drives");
        assert_eq!(
            s.class_counts(),
            vec![
                10776, 46, 1428, 830, 237, 483, 730, 28, 478, 20, 972, 2455, 593, 205, 1265, 386,
                93
            ]
        );
        assert_eq!(&s.spectrum(0, 0)[..3], &[3172.0, 4142.0, 4506.0]);
        let auto = Scene::from_arrays("IP", &cube[0], &gt[0], None).unwrap();
        assert_eq!(auto.num_classes, 16);
        // Too few classes declared.
        let e = Scene::from_arrays("IP", &cube[0], &gt[0], Some(15)).unwrap_err();
        assert!(matches!(
            e,
            DataError::LabelOutOfRange {
                label: 16,
                num_classes: 15,
                ..
            }
        ));
        assert!(e.to_string().starts_with("Label 16 at row "));
    }

    #[test]
    fn validation_errors_in_words() {
        let cube = arr(vec![2, 2, 3], Values::U16((0..12).collect()));
        let gt = arr(vec![2, 2], Values::U8(vec![0, 1, 2, 2]));
        assert!(Scene::from_arrays("ok", &cube, &gt, None).is_ok());

        let e = Scene::from_arrays("x", &gt, &gt, None).unwrap_err();
        assert_eq!(
            e.to_string(),
            "The cube must be 3-D (rows × cols × bands); this array is 2-D (2×2). Pick the \
             hyperspectral image, not the ground truth."
        );
        assert!(matches!(
            Scene::from_arrays("x", &cube, &cube, None).unwrap_err(),
            DataError::GtNot2D { ndim: 3, .. }
        ));
        let big_gt = arr(vec![3, 2], Values::U8(vec![1, 2, 0, 0, 0, 0]));
        assert_eq!(
            Scene::from_arrays("x", &cube, &big_gt, None)
                .unwrap_err()
                .to_string(),
            "The ground truth is 3×2 but the cube is 2×2; both must cover the same pixels."
        );
        let e = Scene::from_arrays("x", &cube, &gt, Some(1)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Label 2 at row 1, col 0 is beyond the 1 classes of this scene."
        );
        let one_class = arr(vec![2, 2], Values::U8(vec![0, 1, 1, 0]));
        assert_eq!(
            Scene::from_arrays("x", &cube, &one_class, None).unwrap_err(),
            DataError::TooFewClasses(1)
        );
        let frac = arr(vec![2, 2], Values::F32(vec![0.0, 1.0, 1.5, 2.0]));
        assert!(matches!(
            Scene::from_arrays("x", &cube, &frac, None).unwrap_err(),
            DataError::GtNotInteger { row: 1, col: 0, .. }
        ));
        let neg = arr(vec![2, 2], Values::I16(vec![0, 1, -1, 2]));
        assert!(matches!(
            Scene::from_arrays("x", &cube, &neg, None).unwrap_err(),
            DataError::GtNotInteger { row: 1, col: 0, .. }
        ));
        // A value far above the others is no class until the visitor says so.
        let huge = arr(vec![2, 2], Values::U32(vec![0, 1, 2, 9604]));
        assert!(matches!(
            Scene::from_arrays("x", &cube, &huge, None).unwrap_err(),
            DataError::SuspiciousLabels { flagged, .. } if flagged == [9604]
        ));
        let choice = LabelChoice {
            unlabelled: vec![9604],
            renumber: false,
        };
        let s = Scene::from_arrays_with("x", &cube, &huge, &choice).unwrap();
        assert_eq!((s.gt.clone(), s.num_classes), (vec![0, 1, 2, 0], 2));
        let renumber = LabelChoice {
            unlabelled: vec![],
            renumber: true,
        };
        let s = Scene::from_arrays_with("x", &cube, &huge, &renumber).unwrap();
        assert_eq!((s.gt.clone(), s.num_classes), (vec![0, 1, 2, 3], 3));
        assert_eq!(s.class_names[2], "Class 3 (value 9604)");
        assert_eq!(s.label_map.values, [1, 2, 9604]);
        // Beyond the class cap, even when kept on purpose.
        let many = arr(vec![2, 2], Values::U32(vec![0, 1, 2, 2000]));
        assert!(matches!(
            Scene::from_arrays_with("x", &cube, &many, &LabelChoice::default()).unwrap_err(),
            DataError::SuspiciousLabels { .. }
        ));
        let many = arr(vec![2, 2], Values::U32(vec![0, 1025, 1026, 1027]));
        assert!(matches!(
            Scene::from_arrays("x", &cube, &many, None).unwrap_err(),
            DataError::TooManyClasses {
                label: 1027,
                row: 1,
                col: 1,
                ..
            }
        ));
        let float_gt = arr(vec![2, 2], Values::F64(vec![0.0, 1.0, 2.0, 2.0]));
        assert_eq!(
            Scene::from_arrays("x", &cube, &float_gt, None).unwrap().gt,
            vec![0, 1, 2, 2]
        );
        let mut vals: Vec<f32> = (0..12).map(|x| x as f32).collect();
        vals[7] = f32::NAN;
        let nan = arr(vec![2, 2, 3], Values::F32(vals));
        assert_eq!(
            Scene::from_arrays("x", &nan, &gt, None)
                .unwrap_err()
                .to_string(),
            "The cube holds NaN or infinite values (first at row 1, col 0, band 1). Replace \
             them (e.g. with 0 or the band mean) before loading."
        );
        let mut v64: Vec<f64> = (0..12).map(|x| x as f64).collect();
        v64[11] = f64::INFINITY;
        let inf = arr(vec![2, 2, 3], Values::F64(v64));
        assert_eq!(
            Scene::from_arrays("x", &inf, &gt, None).unwrap_err(),
            DataError::NonFinite {
                row: 1,
                col: 1,
                band: 2
            }
        );
        let empty = arr(vec![2, 2, 0], Values::F32(vec![]));
        assert!(matches!(
            Scene::from_arrays("x", &empty, &gt, None).unwrap_err(),
            DataError::EmptyArray(_)
        ));
    }
}
