//! Scene loading shared by the app and the CLI: the bundled Indian Pines container, and
//! uploaded `.mat`/`.npy` files with an optional separate ground-truth file.

use super::array::{NdArray, Values};
use super::error::DataError;
use super::packed::unpack_scene;
use super::scene::{INDIAN_PINES_CLASSES, Scene, pick_arrays, read_arrays};

/// The bundled scene's file name under `public/data/`.
pub const INDIAN_PINES_FILE: &str = "indian_pines.clhs";

/// Decodes the bundled Indian Pines container into a [`Scene`] with its 16 class names.
pub fn indian_pines(packed: &[u8]) -> Result<Scene, DataError> {
    let (cube, gt, h, w, bands) = unpack_scene(packed)?;
    let cube = NdArray::new(
        "indian_pines_corrected",
        vec![h, w, bands],
        Values::U16(cube),
    )?;
    let gt = NdArray::new("indian_pines_gt", vec![h, w], Values::U8(gt))?;
    let mut scene = Scene::from_arrays("Indian Pines", &cube, &gt, Some(16))?;
    scene.class_names = INDIAN_PINES_CLASSES.iter().map(|s| s.to_string()).collect();
    Ok(scene)
}

/// Builds a scene from an uploaded file and, optionally, a separate ground-truth file.
///
/// The first 3-D array is the cube. The ground truth is the first 2-D integer array of the
/// ground-truth file when given, else of the scene file. `cube_name`/`gt_name` pick other
/// arrays by name when a file holds several.
pub fn scene_from_files(
    scene_file: (&str, &[u8]),
    gt_file: Option<(&str, &[u8])>,
    cube_name: Option<&str>,
    gt_name: Option<&str>,
) -> Result<Scene, DataError> {
    let arrays = read_arrays(scene_file.0, scene_file.1)?;
    let (cube_idx, gt_in_scene) = pick_arrays(&arrays);
    let cube = match cube_name {
        Some(n) => arrays.iter().find(|a| a.name == n),
        None => cube_idx.map(|i| &arrays[i]),
    };
    let Some(cube) = cube else {
        let first = arrays.first().map(|a| a.summary()).unwrap_or_default();
        return Err(DataError::InvalidInput(format!(
            "{} holds no 3-D array to use as the cube (rows × cols × bands); found: {first}",
            scene_file.0
        )));
    };
    let gt_arrays;
    let (pool, candidates): (&[NdArray], Vec<usize>) = match gt_file {
        Some((name, bytes)) => {
            gt_arrays = read_arrays(name, bytes)?;
            let (_, c) = pick_arrays(&gt_arrays);
            (&gt_arrays, c)
        }
        None => (&arrays, gt_in_scene),
    };
    let gt = match gt_name {
        Some(n) => pool.iter().find(|a| a.name == n),
        None => candidates.first().map(|&i| &pool[i]),
    };
    let Some(gt) = gt else {
        return Err(DataError::InvalidInput(
            "No ground truth found: give a file holding a 2-D integer array (rows × cols) of class labels"
                .into(),
        ));
    };
    let stem = scene_file
        .0
        .rsplit('/')
        .next()
        .unwrap_or(scene_file.0)
        .to_string();
    Scene::from_arrays(&stem, cube, gt, None)
}
