//! Scene loading shared by the app and the CLI: the bundled Indian Pines container, and
//! uploaded `.mat`/`.npy` files with an optional separate ground-truth file.

use super::array::{NdArray, Values};
use super::budget::check_scene;
use super::error::DataError;
use super::labels::LabelChoice;
use super::packed::unpack_scene;
use super::scene::{INDIAN_PINES_CLASSES, Scene, pick_arrays, read_arrays};

/// The bundled scene's file name under `public/data/`.
pub const INDIAN_PINES_FILE: &str = "indian_pines.clhs";
/// The bundled scene's name (as `Scene::name` and the UI show it).
pub const INDIAN_PINES_NAME: &str = "Indian Pines";

/// Decodes the bundled Indian Pines container into a [`Scene`] with its 16 class names.
pub fn indian_pines(packed: &[u8]) -> Result<Scene, DataError> {
    let (cube, gt, h, w, bands) = unpack_scene(packed)?;
    let cube = NdArray::new(
        "indian_pines_corrected",
        vec![h, w, bands],
        Values::U16(cube),
    )?;
    let gt = NdArray::new("indian_pines_gt", vec![h, w], Values::U8(gt))?;
    let mut scene = Scene::from_arrays(INDIAN_PINES_NAME, &cube, &gt, Some(16))?;
    scene.class_names = INDIAN_PINES_CLASSES.iter().map(|s| s.to_string()).collect();
    Ok(scene)
}

/// Names of the arrays a visitor can choose in a file: 3-D arrays as the cube, then 2-D
/// integer arrays as the ground truth (those of the first cube's size first).
pub fn array_choices(arrays: &[NdArray]) -> (Vec<String>, Vec<String>) {
    let (_, gts) = pick_arrays(arrays);
    let cubes = arrays
        .iter()
        .filter(|a| a.ndim() == 3)
        .map(|a| a.name.clone())
        .collect();
    (cubes, gts.iter().map(|&i| arrays[i].name.clone()).collect())
}

/// Builds a scene from an uploaded file and, optionally, a separate ground-truth file.
///
/// The first 3-D array is the cube. The ground truth is the first 2-D integer array of the
/// ground-truth file when given, else of the scene file. `cube_name`/`gt_name` pick other
/// arrays by name when a file holds several. `labels` says how label values become classes
/// (by default a value that looks like no-data is refused, naming the choices).
pub fn scene_from_files(
    scene_file: (&str, &[u8]),
    gt_file: Option<(&str, &[u8])>,
    cube_name: Option<&str>,
    gt_name: Option<&str>,
    labels: &LabelChoice,
) -> Result<Scene, DataError> {
    let arrays = read_arrays(scene_file.0, scene_file.1)?;
    let (cube_idx, gt_in_scene) = pick_arrays(&arrays);
    let cube = match cube_name {
        Some(n) => Some(arrays.iter().find(|a| a.name == n).ok_or_else(|| {
            DataError::InvalidInput(format!("{} holds no array named '{n}'", scene_file.0))
        })?),
        None => cube_idx.map(|i| &arrays[i]),
    };
    let Some(cube) = cube else {
        let first = arrays.first().map(|a| a.summary()).unwrap_or_default();
        return Err(DataError::InvalidInput(format!(
            "{} holds no 3-D array to use as the cube (rows × cols × bands); found: {first}",
            scene_file.0
        )));
    };
    // The budgets, before a ground-truth file is read or anything is copied.
    if let [h, w, b] = cube.shape[..] {
        check_scene(h, w, b)?;
    }
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
        Some(n) => Some(pool.iter().find(|a| a.name == n).ok_or_else(|| {
            DataError::InvalidInput(format!("The ground-truth file holds no array named '{n}'"))
        })?),
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
    Scene::from_arrays_with(&stem, cube, gt, labels)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::read_npy;

    #[test]
    fn bundled_indian_pines_decodes_to_exactly_the_original_values() {
        let dir = env!("CARGO_MANIFEST_DIR");
        let packed = std::fs::read(format!("{dir}/public/data/{INDIAN_PINES_FILE}")).unwrap();
        let scene = indian_pines(&packed).unwrap();
        let npy = std::fs::read(format!(
            "{dir}/../shared/data/indian_pines/Indian_pines_corrected.npy"
        ))
        .unwrap();
        let cube = read_npy(&npy, "cube").unwrap();
        assert_eq!(cube.shape, vec![145, 145, 200]);
        assert_eq!(scene.cube, cube.to_f32());
        assert_eq!((scene.height, scene.width, scene.bands), (145, 145, 200));
        assert_eq!(scene.labelled(), 10_249);
        assert_eq!(scene.num_classes, 16);
        assert_eq!(scene.class_names[0], "Alfalfa");
        assert_eq!(scene.class_names[15], "Stone-Steel-Towers");
    }

    #[test]
    fn uploads_pick_the_cube_and_refuse_a_2d_cube() {
        let dir = env!("CARGO_MANIFEST_DIR");
        let f = |n: &str| std::fs::read(format!("{dir}/tests/fixtures/data/{n}")).unwrap();
        let scene = scene_from_files(
            ("ok_cube_6x7x5.npy", &f("ok_cube_6x7x5.npy")),
            Some(("ok_gt_6x7.npy", &f("ok_gt_6x7.npy"))),
            None,
            None,
            &LabelChoice::default(),
        )
        .unwrap();
        assert_eq!(
            (scene.height, scene.width, scene.bands, scene.num_classes),
            (6, 7, 5, 3)
        );
        let err = scene_from_files(
            ("bad_cube_2d.npy", &f("bad_cube_2d.npy")),
            None,
            None,
            None,
            &LabelChoice::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("3-D"), "{err}");
    }

    #[test]
    fn a_file_with_several_arrays_offers_each_and_loads_the_chosen_ones() {
        let dir = env!("CARGO_MANIFEST_DIR");
        let bytes = std::fs::read(format!("{dir}/tests/fixtures/data/mat_scene_z.mat")).unwrap();
        let arrays = read_arrays("mat_scene_z.mat", &bytes).unwrap();
        let (cubes, gts) = array_choices(&arrays);
        assert_eq!(cubes, ["cube_f32", "cube_u16", "cube_i16", "cube_f64"]);
        assert_eq!(gts, ["gt", "gt_i32"]);
        let file = ("mat_scene_z.mat", bytes.as_slice());
        let ok = LabelChoice::default();
        let default = scene_from_files(file, None, None, None, &LabelChoice::default()).unwrap();
        let chosen = scene_from_files(file, None, Some("cube_i16"), Some("gt_i32"), &ok).unwrap();
        assert_eq!((chosen.height, chosen.width, chosen.bands), (6, 5, 4));
        let i16 = arrays
            .iter()
            .find(|a| a.name == "cube_i16")
            .unwrap()
            .to_f32();
        assert_eq!(chosen.cube, i16);
        assert_ne!(chosen.cube, default.cube);
        let err = scene_from_files(file, None, Some("nope"), None, &ok)
            .unwrap_err()
            .to_string();
        assert!(err.contains("no array named 'nope'"), "{err}");
        let err = scene_from_files(file, None, None, Some("scale"), &ok)
            .unwrap_err()
            .to_string();
        assert!(!err.is_empty());
    }
}
