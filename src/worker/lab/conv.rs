//! The Conv lab in the worker: the cost table from burn modules, feature maps of a picture
//! (bundled sample or upload), and 2-D against 3-D convolution on an Indian Pines slab.

use burn::tensor::Device;

use super::assets::Assets;
use super::tiles::{Tiles, abs_max};
use crate::cost::ConvSpec;
use crate::data::load;
use crate::lab::conv::{
    KernelSource, Kernels, MAX_OUT_CHANNELS, SLAB_SIDE, Slab, TRAINED_KERNELS_FILE,
    centre_channels, feature_maps, first_layer, spectral_conv,
};
use crate::messages::Job;
use crate::messages::Response;
use crate::messages::lab::{
    ConvMapsInfo, ConvMapsSettings, KernelChoice, LabResponse, SpectralInfo,
};
use crate::model::conv_cost::measured_table;
use crate::worker::WorkerError;
use crate::worker::fetch::fetch_bytes;
use crate::worker::{now_ms, post, post_with};

/// Where the Indian Pines slab is cut (rows 40–71, columns 40–71: fields and woods).
pub const SLAB_ORIGIN: (usize, usize) = (40, 40);

#[derive(Default)]
pub struct ConvState {
    slab: Option<Slab>,
    /// The trained first layer: model name, `[n, 3, 3, 3]` weights, `n`.
    trained: Option<(String, Vec<f32>, usize)>,
}

/// A `[n, c, 3, 3]` kernel block as `n` tiles of `c` 3×3 squares side by side (1 px gaps).
fn kernel_tiles(t: &mut Tiles, prefix: &str, w: &[f32], c: usize, k: usize) {
    let scale = abs_max(w);
    let width = c * (k + 1) - 1;
    for (j, filt) in w.chunks_exact(c * k * k).enumerate() {
        let mut v = vec![f32::NAN; width * k];
        for ch in 0..c {
            for y in 0..k {
                for x in 0..k {
                    v[y * width + ch * (k + 1) + x] = filt[ch * k * k + y * k + x];
                }
            }
        }
        t.push(format!("{prefix}-{j}"), &v, width, k, scale);
    }
}

/// The cost table, parameters counted by burn modules.
pub fn cost(device: &Device, spec: &ConvSpec) -> Result<(), WorkerError> {
    post(&Response::Lab(LabResponse::ConvCost(measured_table(
        spec, device,
    )?)));
    Ok(())
}

pub async fn maps(
    assets: &mut Assets,
    st: &mut ConvState,
    device: &Device,
    s: ConvMapsSettings,
    bins: Vec<Vec<u8>>,
) -> Result<(), WorkerError> {
    if let Some(name) = &s.upload {
        let bytes = bins.first().ok_or(WorkerError::NoUpload)?;
        assets.set_upload(name, bytes).await?;
    }
    if s.out_channels == 0 || s.out_channels > MAX_OUT_CHANNELS {
        return Err(WorkerError::Message(format!(
            "Output channels must be between 1 and {MAX_OUT_CHANNELS}."
        )));
    }
    let source = match s.kernels {
        KernelChoice::Handmade => KernelSource::Handmade,
        KernelChoice::Random => KernelSource::Random(s.seed),
        KernelChoice::Trained => KernelSource::Trained,
    };
    let (label, pic) = assets.picture(&s.sample).await?;
    let (w, h) = (pic.width, pic.height);
    let mut chw = pic.to_chw();
    centre_channels(&mut chw, 3);
    let (kernels, note) = if source == KernelSource::Trained {
        if st.trained.is_none() {
            let bytes = assets.shipped_weights(TRAINED_KERNELS_FILE).await?;
            let (model, stem, n) =
                first_layer(&bytes).map_err(|e| WorkerError::in_file(TRAINED_KERNELS_FILE, e))?;
            st.trained = Some((model, stem, n));
        }
        let (model, stem, n) = st.trained.clone().expect("loaded above");
        let (k, kept) = Kernels::trained(stem, n)?;
        let note = format!(
            "Trained kernels: the first layer of the shipped {model} ({n} filters of 3×3×3 = {} \
             weights, trained on CIFAR-10). The depthwise + pointwise pair is the closest separable \
             layer to it ({} + {} = {} weights): it keeps {:.0} % of the trained weights' energy, the \
             rest is what a separable layer cannot express.",
            n * 27,
            27,
            n * 3,
            27 + n * 3,
            100.0 * kept
        );
        (k, note)
    } else {
        (Kernels::new(source, s.out_channels), String::new())
    };
    let m = feature_maps(device, &chw, h, w, &kernels, now_ms).await?;

    let mut t = Tiles::default();
    t.push_rgba("picture".into(), w as u32, h as u32, pic.to_rgba());
    let scales = [
        abs_max(&m.input),
        abs_max(&m.standard),
        abs_max(&m.depthwise),
        abs_max(&m.pointwise),
    ];
    t.maps("in", &m.input, w, h, scales[0]);
    t.maps("std", &m.standard, w, h, scales[1]);
    t.maps("dw", &m.depthwise, w, h, scales[2]);
    t.maps("pw", &m.pointwise, w, h, scales[3]);
    kernel_tiles(&mut t, "k-std", &kernels.standard, 3, 3);
    kernel_tiles(&mut t, "k-dw", &kernels.depthwise, 1, 3);
    kernel_tiles(&mut t, "k-pw", &kernels.pointwise, 3, 1);
    let info = ConvMapsInfo {
        sample: s.sample,
        label,
        width: w,
        height: h,
        out_channels: kernels.out_channels,
        kernels: s.kernels,
        note,
        standard_ms: m.standard_ms,
        depthwise_ms: m.depthwise_ms,
        pointwise_ms: m.pointwise_ms,
        input_scale: scales[0],
        standard_scale: scales[1],
        depthwise_scale: scales[2],
        pointwise_scale: scales[3],
        standard_names: kernels.standard_names,
        depthwise_names: kernels.depthwise_names,
        pointwise_names: kernels.pointwise_names,
        pointwise_weights: kernels.pointwise,
        tiles: t.meta,
    };
    post_with(&Response::Lab(LabResponse::ConvMaps(info)), t.bins);
    Ok(())
}

pub async fn spectral(
    st: &mut ConvState,
    device: &Device,
    depth: usize,
) -> Result<(), WorkerError> {
    if st.slab.is_none() {
        let bytes = fetch_bytes(
            &format!("./public/data/{}", load::INDIAN_PINES_FILE),
            Job::Lab,
        )
        .await?;
        let scene = load::indian_pines(&bytes)?;
        st.slab = Some(Slab::cut(&scene, SLAB_ORIGIN.0, SLAB_ORIGIN.1, SLAB_SIDE)?);
    }
    let slab = st.slab.as_ref().expect("cut above");
    let r = spectral_conv(device, slab, depth, 0, now_ms).await?;
    let [f, l, o, _] = r.shape3d;
    let positions: Vec<usize> = if l == 1 {
        vec![0]
    } else {
        (0..5).map(|i| i * (l - 1) / 4).collect()
    };
    let mut t = Tiles::default();
    let scale2d = abs_max(&r.values2d);
    let mut scale3d = Vec::new();
    t.maps("2d", &r.values2d, o, o, scale2d);
    let plane = o * o;
    for filt in 0..2.min(f) {
        let block = &r.values3d[filt * l * plane..(filt + 1) * l * plane];
        let scale = abs_max(block);
        scale3d.push(scale);
        for &p in &positions {
            t.push(
                format!("3d-{filt}-{p}"),
                &block[p * plane..(p + 1) * plane],
                o,
                o,
                scale,
            );
        }
        // The centre row of every spectral slice: spectral position down, column across.
        let mid = o / 2;
        let section: Vec<f32> = (0..l)
            .flat_map(|p| block[p * plane + mid * o..p * plane + (mid + 1) * o].to_vec())
            .collect();
        t.push(format!("sec-{filt}"), &section, o, l, scale);
    }
    let s = slab.side;
    for &p in &positions {
        t.push(
            format!("band-{p}"),
            &slab.values[p * s * s..(p + 1) * s * s],
            s,
            s,
            3.0,
        );
    }
    let info = SpectralInfo {
        depth,
        bands: slab.bands,
        slab: [slab.row0, slab.col0, slab.side],
        shape2d: r.shape2d.to_vec(),
        shape3d: r.shape3d.to_vec(),
        params2d: r.params2d,
        params3d: r.params3d,
        macs2d: r.macs2d,
        macs3d: r.macs3d,
        ms2d: r.ms2d,
        ms3d: r.ms3d,
        positions,
        scale2d,
        scale3d,
        tiles: t.meta,
    };
    post_with(&Response::Lab(LabResponse::SpectralConv(info)), t.bins);
    Ok(())
}
