//! The memory budgets of everything a visitor uploads, in one place.
//!
//! Each limit is checked from declared sizes (a header's shape, a MAT variable's dimensions
//! and class) *before* anything of that size is allocated, decompressed or widened, and a
//! refusal names the limit and the file's own figure in words. The CLI and the worker call the
//! same readers, so both refuse the same files with the same sentences.

use super::array::{DType, shape_text};
use super::error::DataError;
pub use super::error::bytes_text;

/// Most bytes one uploaded file may have (checked on its length before it is read whole).
pub const MAX_UPLOAD_BYTES: u64 = 1 << 30;

/// Most bytes one decoded array may take in memory, counted in the type it is read as: a MAT
/// variable of class `double` stored compactly as `uint8` counts 8 bytes per value, a NumPy
/// `float16` array 4 (it is widened to `float32`).
pub const MAX_ARRAY_BYTES: u64 = 1 << 30;

/// Most bytes a scene's cube may take as `f32` (the type PCA, the views and training read).
pub const MAX_SCENE_BYTES: u64 = 512 << 20;

/// Most spectral bands of a scene. PCA builds a bands × bands covariance and its eigensolver
/// takes O(bands³) steps that cannot be interrupted, so this also bounds PCA's input.
pub const MAX_BANDS: usize = 1024;

/// Most records of one CIFAR-10 batch upload (the whole training set is 50,000).
pub const MAX_CIFAR_RECORDS: usize = 50_000;

/// Most classes a ground truth may have (labels 1..=MAX_CLASSES).
pub const MAX_CLASSES: usize = 1024;

/// Refuses an upload `name` of `len` bytes beyond [`MAX_UPLOAD_BYTES`] (before it is read or
/// copied whole).
pub fn check_upload(name: &str, len: u64) -> Result<(), DataError> {
    if len > MAX_UPLOAD_BYTES {
        return Err(DataError::FileTooLarge {
            name: name.to_string(),
            size: len,
            cap: MAX_UPLOAD_BYTES,
        });
    }
    Ok(())
}

/// Elements × bytes per element, saturating at `u64::MAX` (a declared shape may overflow).
pub fn size_of(shape: &[usize], elem_bytes: usize) -> u64 {
    shape
        .iter()
        .try_fold(elem_bytes as u64, |a, &d| a.checked_mul(d as u64))
        .unwrap_or(u64::MAX)
}

/// Refuses an array of `shape` read as `dtype` whose decoded size exceeds
/// [`MAX_ARRAY_BYTES`]; `what` names it (“The variable 'cube' (stored as uint8)”).
pub fn check_array(what: &str, shape: &[usize], dtype: DType) -> Result<(), DataError> {
    let need = size_of(shape, dtype.size());
    if need > MAX_ARRAY_BYTES {
        return Err(DataError::OverBudget {
            what: format!("{what}, {}", shape_text(shape)),
            as_type: dtype.name().to_string(),
            need,
            limit: MAX_ARRAY_BYTES,
            advice: "Crop it or save it in a narrower type".into(),
        });
    }
    Ok(())
}

/// Refuses a cube of `height × width × bands` with more than [`MAX_BANDS`] bands or more
/// than [`MAX_SCENE_BYTES`] as `f32`.
pub fn check_scene(height: usize, width: usize, bands: usize) -> Result<(), DataError> {
    if bands > MAX_BANDS {
        return Err(DataError::TooManyBands {
            bands,
            cap: MAX_BANDS,
        });
    }
    let need = size_of(&[height, width, bands], 4);
    if need > MAX_SCENE_BYTES {
        return Err(DataError::OverBudget {
            what: format!("The cube ({})", shape_text(&[height, width, bands])),
            as_type: "f32".into(),
            need,
            limit: MAX_SCENE_BYTES,
            advice: "Crop the scene or keep fewer bands".into(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_in_words() {
        assert_eq!(bytes_text(17), "17 bytes");
        assert_eq!(bytes_text(MAX_SCENE_BYTES), "512 MiB");
        assert_eq!(bytes_text(8 << 30), "8 GiB");
        assert_eq!(bytes_text(3 * 1024 + 400), "3.4 KiB");
        assert_eq!(bytes_text(u64::MAX), "16 EiB");
        assert_eq!(size_of(&[usize::MAX, 2], 8), u64::MAX);
    }

    #[test]
    fn scene_budget_names_the_limit_and_the_figure() {
        assert!(check_scene(145, 145, 200).is_ok());
        assert!(check_scene(349, 1905, 144).is_ok());
        let e = check_scene(2, 2, 40_000).unwrap_err();
        assert_eq!(
            e,
            DataError::TooManyBands {
                bands: 40_000,
                cap: MAX_BANDS
            }
        );
        let e = check_scene(8192, 8192, 32).unwrap_err().to_string();
        assert_eq!(
            e,
            "The cube (8192×8192×32) would need 8 GiB as f32; the limit is 512 MiB. Crop the \
             scene or keep fewer bands."
        );
        let e = check_array("The variable 'x'", &[1024, 1024, 1024], DType::F64)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("would need 8 GiB as float64; the limit is 1 GiB"),
            "{e}"
        );
    }
}
