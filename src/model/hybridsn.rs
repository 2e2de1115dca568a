//! HybridSN (Roy et al. 2019): 3-D convolutions over spectral–spatial patches, then a 2-D
//! convolution and dense layers.

use burn::config::Config;
use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig, Conv3d, Conv3dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Dropout, DropoutConfig, Linear, LinearConfig};
use burn::tensor::activation::relu;
use burn::tensor::module::conv2d;
use burn::tensor::ops::ConvOptions;
use burn::tensor::{Device, Tensor};

use super::host_conv_op::{valid_conv2d, valid_conv3d};
use super::norm_op::batch_norm;
use super::summary::{LayerInfo, ModelSummary, conv_macs, trainable_params};

/// Filter counts and spectral kernel depths of the three 3-D convolutions (each 3×3 in
/// space).
pub const CONV3D: [(usize, usize); 3] = [(8, 7), (16, 5), (32, 3)];
/// Filters of the 2-D convolution (3×3) after the 3-D ones.
pub const CONV2D_FILTERS: usize = 64;
/// Widths of the two hidden dense layers.
pub const DENSE: [usize; 2] = [256, 128];

#[derive(Config, Debug)]
pub struct HybridSnConfig {
    /// Spectral components at the input (after PCA).
    #[config(default = 30)]
    pub bands: usize,
    /// Spatial patch size (odd).
    #[config(default = 25)]
    pub patch: usize,
    #[config(default = 16)]
    pub num_classes: usize,
    /// Batch norm after each convolution (the teaching variant); `false` is the paper's.
    #[config(default = true)]
    pub batch_norm: bool,
    #[config(default = 0.4)]
    pub dropout: f64,
}

impl HybridSnConfig {
    /// Spectral depth left after the three 3-D convolutions.
    pub fn depth_after_3d(&self) -> usize {
        self.bands + 3 - CONV3D.iter().map(|c| c.1).sum::<usize>()
    }

    /// Spatial size of the 2-D conv output.
    pub fn spatial_after_2d(&self) -> usize {
        self.patch - 8
    }

    /// Floats in each convolution's output for one sample: the three Conv3d layers, then
    /// the Conv2d (what a batch's activations take, layer by layer; 0 for inputs too small).
    pub fn activation_floats(&self) -> [usize; 4] {
        let mut out = [0; 4];
        let (mut depth, mut side) = (self.bands, self.patch);
        for (o, &(filters, kernel)) in out.iter_mut().zip(&CONV3D) {
            depth = (depth + 1).saturating_sub(kernel);
            side = side.saturating_sub(2);
            *o = filters * depth * side * side;
        }
        side = side.saturating_sub(2);
        out[3] = CONV2D_FILTERS * side * side;
        out
    }

    /// Checks that the input is large enough for the convolution stack.
    pub fn validate(&self) -> Result<(), String> {
        if self.bands < 13 {
            return Err(format!(
                "HybridSN needs at least 13 spectral components (the 3-D kernels are 7, 5 and 3 deep); got {}",
                self.bands
            ));
        }
        if self.patch < 9 || self.patch.is_multiple_of(2) {
            return Err(format!(
                "The patch size must be odd and at least 9; got {}",
                self.patch
            ));
        }
        if self.num_classes < 2 {
            return Err("HybridSN needs at least 2 classes".into());
        }
        Ok(())
    }

    pub fn init(&self, device: &Device) -> HybridSn {
        let bn = |n: usize| {
            self.batch_norm
                .then(|| BatchNormConfig::new(n).init(device))
        };
        let d = self.depth_after_3d();
        let s = self.spatial_after_2d();
        let [(f1, k1), (f2, k2), (f3, k3)] = CONV3D;
        HybridSn {
            conv1: Conv3dConfig::new([1, f1], [k1, 3, 3]).init(device),
            bn1: bn(f1),
            conv2: Conv3dConfig::new([f1, f2], [k2, 3, 3]).init(device),
            bn2: bn(f2),
            conv3: Conv3dConfig::new([f2, f3], [k3, 3, 3]).init(device),
            bn3: bn(f3),
            conv4: Conv2dConfig::new([f3 * d, CONV2D_FILTERS], [3, 3]).init(device),
            bn4: bn(CONV2D_FILTERS),
            fc1: LinearConfig::new(CONV2D_FILTERS * s * s, DENSE[0]).init(device),
            fc2: LinearConfig::new(DENSE[0], DENSE[1]).init(device),
            fc3: LinearConfig::new(DENSE[1], self.num_classes).init(device),
            dropout: DropoutConfig::new(self.dropout).init(),
            bands: self.bands,
            patch: self.patch,
        }
    }
}

/// HybridSN.
///
/// # Shapes (defaults: 30 bands, 25×25 patches, 16 classes)
/// - input: `[batch, 1, 30, 25, 25]`
/// - conv3d_1 8@7×3×3: `[batch, 8, 24, 23, 23]`
/// - conv3d_2 16@5×3×3: `[batch, 16, 20, 21, 21]`
/// - conv3d_3 32@3×3×3: `[batch, 32, 18, 19, 19]`
/// - reshape: `[batch, 576, 19, 19]`
/// - conv2d 64@3×3: `[batch, 64, 17, 17]`
/// - flatten: `[batch, 18496]`
/// - dense 256, dense 128 (ReLU, dropout 0.4), dense 16: `[batch, 16]`
#[derive(Module, Debug)]
pub struct HybridSn {
    pub conv1: Conv3d,
    pub bn1: Option<BatchNorm>,
    pub conv2: Conv3d,
    pub bn2: Option<BatchNorm>,
    pub conv3: Conv3d,
    pub bn3: Option<BatchNorm>,
    pub conv4: Conv2d,
    pub bn4: Option<BatchNorm>,
    pub fc1: Linear,
    pub fc2: Linear,
    pub fc3: Linear,
    pub dropout: Dropout,
    pub bands: usize,
    pub patch: usize,
}

fn maybe_bn<const D: usize>(bn: &Option<BatchNorm>, x: Tensor<D>) -> Tensor<D> {
    match bn {
        Some(bn) => bn.forward(x),
        None => x,
    }
}

/// BN (when present) then ReLU, through the fused op in training ([`batch_norm`]).
pub fn bn_relu<const D: usize>(bn: &Option<BatchNorm>, x: Tensor<D>) -> Tensor<D> {
    match bn {
        Some(bn) => batch_norm(bn, x, true),
        None => relu(x),
    }
}

impl HybridSn {
    /// The convolution stack: every stage's output, for shape checks and feature-map views.
    /// Works on patches and, since nothing pools or strides, on a whole padded scene too.
    pub fn conv_stages(&self, x: Tensor<5>) -> (Vec<Tensor<5>>, Tensor<4>) {
        let x1 = relu(maybe_bn(&self.bn1, self.conv1.forward(x))); // [B, 8, 24, 23, 23]
        let x2 = relu(maybe_bn(&self.bn2, self.conv2.forward(x1.clone()))); // [B, 16, 20, 21, 21]
        let x3 = relu(maybe_bn(&self.bn3, self.conv3.forward(x2.clone()))); // [B, 32, 18, 19, 19]
        let [b, c, d, h, w] = x3.dims();
        let flat: Tensor<4> = x3.clone().reshape([b, c * d, h, w]); // [B, 576, 19, 19]
        let x4 = relu(maybe_bn(&self.bn4, self.conv4.forward(flat))); // [B, 64, 17, 17]
        (vec![x1, x2, x3], x4)
    }

    /// Conv stack only: `[B, 1, bands, p, p]` → `[B, 64, p-8, p-8]`, the same as
    /// [`conv_stages`](Self::conv_stages) with every convolution computed by
    /// [`valid_conv3d`] / [`valid_conv2d`]: on the CPU one large matrix product per tile of
    /// im2col (forward, and all three gradients in one backward node) instead of burn's
    /// tiled convolution and transposed-convolution backward (`convlab bench --profile`, in the
    /// README; tested equal, gradients too); on WebGPU burn's own.
    pub fn features(&self, x: Tensor<5>) -> Tensor<4> {
        let x1 = bn_relu(&self.bn1, valid_conv3d(x, &self.conv1)); // [B, 8, 24, 23, 23]
        let x2 = bn_relu(&self.bn2, valid_conv3d(x1, &self.conv2)); // [B, 16, 20, 21, 21]
        let x3 = bn_relu(&self.bn3, valid_conv3d(x2, &self.conv3)); // [B, 32, 18, 19, 19]
        let [b, c, d, h, w] = x3.dims();
        let flat: Tensor<4> = x3.reshape([b, c * d, h, w]); // [B, 576, 19, 19]
        bn_relu(&self.bn4, valid_conv2d(flat, &self.conv4)) // [B, 64, 17, 17]
    }

    /// Logits of a batch of patches: `[B, 1, bands, patch, patch]` → `[B, classes]`.
    pub fn forward(&self, x: Tensor<5>) -> Tensor<2> {
        self.head(self.features(x))
    }

    /// [`forward`](Self::forward) through burn's `Conv3d` modules (the plain formulation the
    /// fast one is tested against).
    pub fn forward_plain(&self, x: Tensor<5>) -> Tensor<2> {
        self.head(self.conv_stages(x).1)
    }

    /// The dense layers: `[B, 64, s, s]` → `[B, classes]`.
    fn head(&self, features: Tensor<4>) -> Tensor<2> {
        let f: Tensor<2> = features.flatten(1, 3); // [B, 18496]
        let h = self.dropout.forward(relu(self.fc1.forward(f))); // [B, 256]
        let h = self.dropout.forward(relu(self.fc2.forward(h))); // [B, 128]
        self.fc3.forward(h) // [B, classes]
    }

    /// Logits for every pixel of a strip of a padded scene at once.
    ///
    /// The first dense layer reads a `(p-8)×(p-8)` window of the 64-channel map, so it is a
    /// `(p-8)×(p-8)` convolution with the same weights; the later dense layers are per pixel.
    /// Gives the same logits as [`forward`](Self::forward) on each pixel's patch (eval mode).
    ///
    /// # Shapes
    /// - volume: `[1, 1, bands, rows + p - 1, cols + p - 1]` (zero-padded by `(p-1)/2`)
    /// - output: `[rows · cols, classes]`, row-major over the strip's pixels
    pub fn scene_logits(&self, volume: Tensor<5>) -> Tensor<2> {
        let f = self.features(volume); // [1, 64, rows + 8, cols + 8] for p = 25
        let s = self.patch - 8;
        let w = self.fc1.weight.val(); // [64·s·s, 256]
        let d_out = w.dims()[1];
        let kernel: Tensor<4> = w.transpose().reshape([d_out, CONV2D_FILTERS, s, s]); // [256, 64, s, s]
        let bias = self.fc1.bias.as_ref().map(|b| b.val());
        let h = conv2d(f, kernel, bias, ConvOptions::new([1, 1], [0, 0], [1, 1], 1)); // [1, 256, rows, cols]
        let [_, c, rows, cols] = h.dims();
        let h: Tensor<2> = relu(h).reshape([c, rows * cols]).transpose(); // [rows·cols, 256]
        let h = relu(self.fc2.forward(h)); // [rows·cols, 128]
        self.fc3.forward(h)
    }

    pub fn config(&self) -> HybridSnConfig {
        HybridSnConfig::new()
            .with_bands(self.bands)
            .with_patch(self.patch)
            .with_num_classes(self.fc3.weight.lazy_shape().dims::<2>()[1])
            .with_batch_norm(self.bn1.is_some())
            .with_dropout(self.dropout.prob)
    }

    pub fn summary(&self) -> ModelSummary {
        let mut layers = Vec::new();
        let (mut c, mut d, mut s) = (1usize, self.bands, self.patch);
        let convs = [
            (&self.conv1, &self.bn1),
            (&self.conv2, &self.bn2),
            (&self.conv3, &self.bn3),
        ];
        for (i, (conv, bn)) in convs.into_iter().enumerate() {
            let [o, _, kd, kh, kw] = conv.weight.lazy_shape().dims::<5>();
            let out = vec![o, d - kd + 1, s - kh + 1, s - kw + 1];
            layers.push(LayerInfo {
                name: format!("conv3d_{}", i + 1),
                kind: format!("Conv3d {o}@{kd}×{kh}×{kw}"),
                macs: conv_macs(&out, c, 1, &[kd, kh, kw]),
                params: trainable_params(conv) + bn.as_ref().map_or(0, trainable_params),
                output: out.clone(),
            });
            (c, d, s) = (o, out[1], out[2]);
        }
        layers.push(LayerInfo {
            name: "reshape".into(),
            kind: "Reshape (C·D)".into(),
            output: vec![c * d, s, s],
            params: 0,
            macs: 0,
        });
        let [o, i, kh, kw] = self.conv4.weight.lazy_shape().dims::<4>();
        let out = vec![o, s - kh + 1, s - kw + 1];
        layers.push(LayerInfo {
            name: "conv2d".into(),
            kind: format!("Conv2d {o}@{kh}×{kw}"),
            macs: conv_macs(&out, i, 1, &[kh, kw]),
            params: trainable_params(&self.conv4) + self.bn4.as_ref().map_or(0, trainable_params),
            output: out.clone(),
        });
        let flat = out.iter().product::<usize>();
        layers.push(LayerInfo {
            name: "flatten".into(),
            kind: "Flatten".into(),
            output: vec![flat],
            params: 0,
            macs: 0,
        });
        for (name, fc) in [
            ("dense1", &self.fc1),
            ("dense2", &self.fc2),
            ("dense3", &self.fc3),
        ] {
            let [d_in, d_out] = fc.weight.lazy_shape().dims::<2>();
            layers.push(LayerInfo {
                name: name.into(),
                kind: format!("Linear {d_in}→{d_out}"),
                output: vec![d_out],
                params: trainable_params(fc),
                macs: (d_in * d_out) as u64,
            });
        }
        ModelSummary::new(
            "HybridSN",
            vec![1, self.bands, self.patch, self.patch],
            layers,
            trainable_params(self),
        )
    }
}
