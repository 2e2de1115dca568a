//! The Models page walkthrough: one layer's output for one input, read back for display.
//!
//! The model runs its real forward pass ([`crate::model::Activations`]); only the chosen
//! layer is read back, cut to what a page can show: the first [`MAX_LAYER_MAPS`] channels of
//! a map (the middle spectral slice of a 3-D convolution's output), or the first
//! [`MAX_VECTOR`] values of a vector (a model's output as class probabilities).

use burn::tensor::activation::softmax;
use burn::tensor::{Device, Tensor, TensorData};

use super::LabError;
use crate::data::cifar::{CIFAR_MEAN, CIFAR_STD};
use crate::data::picture::Picture;
use crate::model::{Activation, Activations};
use crate::train::read_f32;

/// The most channel maps one view shows.
pub const MAX_LAYER_MAPS: usize = 32;
/// The most values of a vector layer one view shows.
pub const MAX_VECTOR: usize = 512;

/// One layer's output, cut for display.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerView {
    pub layer: String,
    /// The layer's output shape without the batch dimension.
    pub shape: Vec<usize>,
    /// `[map_count, map_h, map_w]`, or empty for a vector layer.
    pub maps: Vec<f32>,
    pub map_count: usize,
    pub map_h: usize,
    pub map_w: usize,
    /// Values of a vector layer (probabilities when `probabilities`), or empty.
    pub vector: Vec<f32>,
    pub probabilities: bool,
    /// What is shown of the layer, in words.
    pub note: String,
}

/// A picture as the CIFAR-10 models read it: its centred square resized to 32×32, each
/// channel normalised with the training set's mean and deviation, `[3, 32, 32]`.
pub fn cifar_input(picture: &Picture) -> Vec<f32> {
    let p = if picture.width == 32 && picture.height == 32 {
        picture.clone()
    } else {
        picture.square(32)
    };
    let mut chw = p.to_chw(); // 0–1
    for (c, plane) in chw.chunks_exact_mut(32 * 32).enumerate() {
        plane
            .iter_mut()
            .for_each(|v| *v = (*v - CIFAR_MEAN[c]) / CIFAR_STD[c]);
    }
    chw
}

/// `[3, 32, 32]` values as a batch of one on `device`.
pub fn cifar_batch(chw: Vec<f32>, device: &Device) -> Tensor<4> {
    Tensor::from_data(TensorData::new(chw, [1, 3, 32, 32]), device)
}

fn first_channels(t: Tensor<4>) -> (Tensor<4>, usize) {
    let c = t.dims()[1];
    let n = c.min(MAX_LAYER_MAPS);
    (t.narrow(1, 0, n), n)
}

/// Reads back `layer` of `acts` (one input) for display; the model's last layer (its logits)
/// is shown as class probabilities.
pub async fn layer_view(acts: Activations, layer: &str) -> Result<LayerView, LabError> {
    let last = acts.last().map(|(n, _)| n.clone());
    let (name, act) = acts
        .into_iter()
        .find(|(n, _)| n == layer)
        .ok_or_else(|| LabError::NoLayer(layer.to_string()))?;
    let shape = act.shape();
    let channels_note = |c: usize| {
        if c > MAX_LAYER_MAPS {
            format!("channels 1–{MAX_LAYER_MAPS} of {c}")
        } else {
            format!("all {c} channels")
        }
    };
    match act {
        Activation::Maps(t) if t.dims()[2] * t.dims()[3] > 1 => {
            let c = t.dims()[1];
            map_view(name, shape, t, channels_note(c)).await
        }
        Activation::Volume(t) => {
            let [b, c, d, h, w] = t.dims();
            let mid = d / 2;
            let slice: Tensor<4> = t.narrow(2, mid, 1).reshape([b, c, h, w]);
            let note = format!(
                "{}, each at spectral position {} of {d} (a 3-D convolution keeps a spectral axis)",
                channels_note(c),
                mid + 1
            );
            map_view(name, shape, slice, note).await
        }
        Activation::Maps(t) => {
            let [b, c, _, _] = t.dims();
            vector(name, shape, t.reshape([b, c]), false).await
        }
        Activation::Vector(t) => {
            let output = last.as_deref() == Some(layer);
            vector(name, shape, t, output).await
        }
    }
}

async fn map_view(
    layer: String,
    shape: Vec<usize>,
    t: Tensor<4>,
    note: String,
) -> Result<LayerView, LabError> {
    let [_, _, h, w] = t.dims();
    let (t, n) = first_channels(t);
    let values = read_f32(t, "the layer's output").await?;
    Ok(LayerView {
        layer,
        shape,
        maps: values,
        map_count: n,
        map_h: h,
        map_w: w,
        vector: Vec::new(),
        probabilities: false,
        note,
    })
}

async fn vector(
    layer: String,
    shape: Vec<usize>,
    t: Tensor<2>,
    output: bool,
) -> Result<LayerView, LabError> {
    let n = t.dims()[1];
    let shown = n.min(MAX_VECTOR);
    let t = if output { softmax(t, 1) } else { t };
    let values = read_f32(t.narrow(1, 0, shown), "the layer's output").await?;
    let note = if output {
        "the model's output, as class probabilities (softmax of the logits)".to_string()
    } else if shown < n {
        format!("values 1–{shown} of {n}")
    } else {
        format!("all {n} values")
    };
    Ok(LayerView {
        layer,
        shape,
        maps: Vec::new(),
        map_count: 0,
        map_h: 0,
        map_w: 0,
        vector: values,
        probabilities: output,
        note,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::picture::{CIFAR_STRIP, decode_picture, split_strip};
    use crate::model::{HybridSnConfig, MobileNetV1Config};

    fn cat() -> Picture {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/public/data/conv_samples/cifar10_test16.png"
        );
        let strip = decode_picture("strip", &std::fs::read(path).unwrap()).unwrap();
        split_strip(&strip, &CIFAR_STRIP).unwrap().swap_remove(0)
    }

    #[test]
    fn views_of_maps_volumes_and_outputs() {
        let d = Device::flex();
        let x = cifar_input(&cat());
        assert_eq!(x.len(), 3 * 32 * 32);
        let mean: f32 = x.iter().sum::<f32>() / x.len() as f32;
        assert!(mean.abs() < 1.5, "normalised: {mean}");
        let m = MobileNetV1Config::new().with_width(0.25).init(&d);
        let acts = m.activations(cifar_batch(x.clone(), &d));
        let view = |acts: Activations, l: &str| pollster::block_on(layer_view(acts, l));
        let v = view(acts.clone(), "stem").unwrap();
        assert_eq!((v.map_count, v.map_h, v.map_w), (8, 32, 32));
        assert_eq!(v.maps.len(), 8 * 32 * 32);
        // The stem's maps are the stem's own output, channel 0 first.
        let Activation::Maps(stem) = &acts[0].1 else {
            panic!()
        };
        let direct = stem.clone().into_data().try_to_vec::<f32>().unwrap();
        assert_eq!(v.maps[..1024], direct[..1024]);
        let v = view(acts.clone(), "block13.pointwise").unwrap();
        assert_eq!(v.shape, vec![256, 2, 2]);
        assert_eq!(v.map_count, MAX_LAYER_MAPS);
        assert!(v.note.contains("of 256"));
        let v = view(acts.clone(), "pool").unwrap();
        assert_eq!((v.map_count, v.vector.len()), (0, 256));
        let v = view(acts.clone(), "fc").unwrap();
        assert!(v.probabilities);
        assert!((v.vector.iter().sum::<f32>() - 1.0).abs() < 1e-4);
        assert!(view(acts, "block99").is_err());

        let h = HybridSnConfig::new()
            .with_bands(14)
            .with_patch(11)
            .with_num_classes(4)
            .init(&d);
        let x = Tensor::<5>::random(
            [1, 1, 14, 11, 11],
            burn::tensor::Distribution::Normal(0.0, 1.0),
            &d,
        );
        let acts = h.activations(x);
        let v = view(acts.clone(), "conv3d_1").unwrap();
        // 8 filters, 14 − 7 + 1 = 8 spectral positions, the middle one shown.
        assert_eq!(v.shape, vec![8, 8, 9, 9]);
        assert_eq!((v.map_count, v.map_h, v.map_w), (8, 9, 9));
        assert!(v.note.contains("position 5 of 8"), "{}", v.note);
        let v = view(acts.clone(), "flatten").unwrap();
        assert_eq!(v.vector.len(), MAX_VECTOR);
        assert!(v.note.contains("of 576"), "{}", v.note);
        let v = view(acts, "dense3").unwrap();
        assert_eq!(v.vector.len(), 4);
        assert!(v.probabilities);
    }
}
