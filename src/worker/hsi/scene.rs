//! Scenes: the bundled Indian Pines (fetched once), uploaded files and the arrays in them,
//! and the views of the loaded scene (a band, a false-colour composite, one pixel's
//! spectrum).

use super::{HsiState, send};
use crate::data::{LabelChoice, Scene, load, read_arrays};
use crate::messages::hsi::{BandColours, FileArrays, HsiResponse, ImageMsg, SceneInfo};
use crate::messages::{Job, Response};
use crate::viz;
use crate::worker::WorkerError;
use crate::worker::fetch::fetch_bytes;
use crate::worker::post;

fn scene_info(scene: &Scene) -> SceneInfo {
    SceneInfo {
        name: scene.name.clone(),
        height: scene.height,
        width: scene.width,
        bands: scene.bands,
        num_classes: scene.num_classes,
        class_names: scene.class_names.clone(),
        class_counts: scene.class_counts(),
        gt: scene.gt.clone(),
        class_means: scene.class_means(),
        rgb_bands: scene.false_colour_bands(),
        label_map: scene.label_map.describe(),
    }
}

fn rgb_image(scene: &Scene, bands: [usize; 3]) -> Result<ImageMsg, WorkerError> {
    let plane = |b: usize| {
        scene.band_plane(b).ok_or_else(|| {
            WorkerError::Message(format!(
                "Bands must be between 0 and {}",
                scene.bands.saturating_sub(1)
            ))
        })
    };
    let (w, h) = (scene.width as u32, scene.height as u32);
    let img = viz::colormap::false_colour(
        &plane(bands[0])?,
        &plane(bands[1])?,
        &plane(bands[2])?,
        w,
        h,
    );
    Ok(ImageMsg {
        id: "rgb".into(),
        width: img.width,
        height: img.height,
        rgba: img.pixels,
    })
}

fn set_scene(st: &mut HsiState, scene: Scene, bundled: bool) -> Result<(), WorkerError> {
    let rgb = scene.false_colour_bands();
    send(HsiResponse::Scene(scene_info(&scene)));
    send(HsiResponse::Image(rgb_image(&scene, rgb)?));
    st.scene = Some(scene);
    st.bundled = bundled;
    st.prepared = None;
    st.model = None;
    st.evaluation = None;
    st.validation = None;
    Ok(())
}

pub(super) async fn ensure_bundled(st: &mut HsiState) -> Result<(), WorkerError> {
    if st.bundled && st.scene.is_some() {
        return Ok(());
    }
    let bytes = fetch_bytes(
        &format!("./public/data/{}", load::INDIAN_PINES_FILE),
        Job::Download,
    )
    .await?;
    let scene = load::indian_pines(&bytes)?;
    set_scene(st, scene, true)
}

/// Loads the bundled scene unless it is the one loaded.
pub(super) async fn load_bundled(st: &mut HsiState) -> Result<(), WorkerError> {
    ensure_bundled(st).await?;
    post(&Response::Done {
        job: Job::Download,
        stopped: false,
    });
    Ok(())
}

/// Loads an uploaded scene: the first file is the scene, the second (if any) its ground truth.
pub(super) fn upload(
    st: &mut HsiState,
    names: &[String],
    bins: &[Vec<u8>],
    cube_var: Option<String>,
    gt_var: Option<String>,
    labels: &LabelChoice,
) -> Result<(), WorkerError> {
    let scene_file = names
        .first()
        .zip(bins.first())
        .ok_or(WorkerError::NoUpload)?;
    let gt_file = names.get(1).zip(bins.get(1));
    let scene = load::scene_from_files(
        (scene_file.0.as_str(), scene_file.1.as_slice()),
        gt_file.map(|(n, b)| (n.as_str(), b.as_slice())),
        cube_var.as_deref(),
        gt_var.as_deref(),
        labels,
    )
    .map_err(|e| WorkerError::in_file(scene_file.0.clone(), e))?;
    set_scene(st, scene, false)
}

/// The arrays in each uploaded file, and which can be the cube or the ground truth.
pub(super) fn inspect(names: &[String], bins: &[Vec<u8>]) -> Result<(), WorkerError> {
    let mut files = Vec::new();
    for (name, bytes) in names.iter().zip(bins) {
        let arrays = read_arrays(name, bytes).map_err(|e| WorkerError::in_file(name.clone(), e))?;
        let (cubes, gts) = load::array_choices(&arrays);
        files.push(FileArrays {
            file: name.clone(),
            arrays: arrays.iter().map(|a| a.summary()).collect(),
            cubes,
            gts,
        });
    }
    send(HsiResponse::Arrays(files));
    Ok(())
}

/// One band as an image.
pub(super) fn band(st: &HsiState, band: usize, colours: BandColours) -> Result<(), WorkerError> {
    let scene = st.scene.as_ref().ok_or(WorkerError::NoScene)?;
    let plane = scene.band_plane(band).ok_or_else(|| {
        WorkerError::Message(format!(
            "Band {band} is beyond the scene's {} bands",
            scene.bands
        ))
    })?;
    let (lo, hi) = viz::colormap::robust_range(&plane);
    let cmap = match colours {
        BandColours::Grey => viz::colormap::Colormap::Grey,
        BandColours::Viridis => viz::colormap::Colormap::Viridis,
    };
    let img = viz::colormap::array_to_rgba(
        &plane,
        scene.width as u32,
        scene.height as u32,
        cmap,
        lo,
        hi,
    );
    send(HsiResponse::Image(ImageMsg {
        id: "band".into(),
        width: img.width,
        height: img.height,
        rgba: img.pixels,
    }));
    Ok(())
}

/// A false-colour composite of three bands.
pub(super) fn rgb(st: &HsiState, bands: [usize; 3]) -> Result<(), WorkerError> {
    let scene = st.scene.as_ref().ok_or(WorkerError::NoScene)?;
    send(HsiResponse::Image(rgb_image(scene, bands)?));
    Ok(())
}

/// The spectrum of one pixel and its label.
pub(super) fn spectrum(st: &HsiState, row: usize, col: usize) -> Result<(), WorkerError> {
    let scene = st.scene.as_ref().ok_or(WorkerError::NoScene)?;
    if row >= scene.height || col >= scene.width {
        return Err("That pixel is outside the scene".into());
    }
    send(HsiResponse::Spectrum {
        row,
        col,
        label: scene.gt[row * scene.width + col],
        values: scene.spectrum(row, col).to_vec(),
    });
    Ok(())
}
