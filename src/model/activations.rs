//! Every layer's output for one input, named as in the layer tables ([`super::ModelSummary`]),
//! for the Models page walkthrough ("click a layer to see what it makes of this picture").
//!
//! The values are those of the real forward pass: each row is the layer's own output (after
//! its batch norm and ReLU; MobileNetV2's `project` before the residual add, `shortcut` the
//! shortcut branch alone).

use burn::tensor::Tensor;
use burn::tensor::activation::relu;

use super::blocks::{ConvBnRelu, DepthwiseSeparable};
use super::mobilenet_v2::InvertedResidual;
use super::{HybridSn, MobileNetV1, MobileNetV2, PlainCnn};

/// One layer's output.
#[derive(Debug, Clone)]
pub enum Activation {
    /// `[batch, channels, h, w]`
    Maps(Tensor<4>),
    /// `[batch, channels, depth, h, w]` (HybridSN's 3-D convolutions)
    Volume(Tensor<5>),
    /// `[batch, features]` (pooling, flatten and dense layers)
    Vector(Tensor<2>),
}

impl Activation {
    /// Shape without the batch dimension (as the layer table writes it).
    pub fn shape(&self) -> Vec<usize> {
        match self {
            Activation::Maps(t) => t.dims()[1..].to_vec(),
            Activation::Volume(t) => t.dims()[1..].to_vec(),
            Activation::Vector(t) => t.dims()[1..].to_vec(),
        }
    }
}

/// `(layer name, output)` in forward order.
pub type Activations = Vec<(String, Activation)>;

fn push(out: &mut Activations, name: impl Into<String>, a: Activation) {
    out.push((name.into(), a));
}

/// A block that runs forward while recording its layers' outputs.
trait Record {
    fn record(&self, name: &str, x: Tensor<4>, out: &mut Activations) -> Tensor<4>;
}

/// The stem, then each block named `block1`, `block2`, … (the CIFAR models' layout).
fn record_stack<B: Record>(
    stem: &ConvBnRelu,
    blocks: &[B],
    x: Tensor<4>,
    out: &mut Activations,
) -> Tensor<4> {
    let mut x = stem.record("stem", x, out);
    for (i, b) in blocks.iter().enumerate() {
        x = b.record(&format!("block{}", i + 1), x, out);
    }
    x
}

impl Record for ConvBnRelu {
    fn record(&self, name: &str, x: Tensor<4>, out: &mut Activations) -> Tensor<4> {
        let y = self.forward(x);
        push(out, name, Activation::Maps(y.clone()));
        y
    }
}

impl Record for DepthwiseSeparable {
    fn record(&self, name: &str, x: Tensor<4>, out: &mut Activations) -> Tensor<4> {
        let d = self.forward_depthwise(x);
        push(
            out,
            format!("{name}.depthwise"),
            Activation::Maps(d.clone()),
        );
        let p = relu(self.bn2.forward(self.pointwise.forward(d)));
        push(
            out,
            format!("{name}.pointwise"),
            Activation::Maps(p.clone()),
        );
        p
    }
}

impl Record for InvertedResidual {
    fn record(&self, name: &str, x: Tensor<4>, out: &mut Activations) -> Tensor<4> {
        let e = relu(self.bn1.forward(self.expand.forward(x.clone())));
        push(out, format!("{name}.expand"), Activation::Maps(e.clone()));
        let d = relu(self.bn2.forward(self.depthwise.forward(e)));
        push(
            out,
            format!("{name}.depthwise"),
            Activation::Maps(d.clone()),
        );
        let p = self.bn3.forward(self.project.forward(d));
        push(out, format!("{name}.project"), Activation::Maps(p.clone()));
        if self.stride != 1 {
            return p;
        }
        match (&self.shortcut_conv, &self.shortcut_bn) {
            (Some(conv), Some(bn)) => {
                let s = bn.forward(conv.forward(x));
                push(out, format!("{name}.shortcut"), Activation::Maps(s.clone()));
                p + s
            }
            _ => p + x,
        }
    }
}

/// Average pool over the whole map and the linear head, as the CIFAR models end.
fn pool_and_head(x: Tensor<4>, head: &burn::nn::Linear, out: &mut Activations) {
    let pooled = x.mean_dim(3).mean_dim(2); // [B, C, 1, 1]
    push(out, "pool", Activation::Maps(pooled.clone()));
    push(
        out,
        "fc",
        Activation::Vector(head.forward(pooled.flatten(1, 3))),
    );
}

impl PlainCnn {
    /// Every layer's output for `x: [B, 3, 32, 32]`, named as in [`Self::summary`].
    pub fn activations(&self, x: Tensor<4>) -> Activations {
        let mut out = Vec::new();
        let x = record_stack(&self.stem, &self.blocks, x, &mut out);
        pool_and_head(x, &self.head, &mut out);
        out
    }
}

impl MobileNetV1 {
    /// Every layer's output for `x: [B, 3, 32, 32]`, named as in [`Self::summary`].
    pub fn activations(&self, x: Tensor<4>) -> Activations {
        let mut out = Vec::new();
        let x = record_stack(&self.stem, &self.blocks, x, &mut out);
        pool_and_head(x, &self.head, &mut out);
        out
    }
}

impl MobileNetV2 {
    /// Every layer's output for `x: [B, 3, 32, 32]`, named as in [`Self::summary`].
    pub fn activations(&self, x: Tensor<4>) -> Activations {
        let mut out = Vec::new();
        let x = record_stack(&self.stem, &self.blocks, x, &mut out);
        let x = self.conv.record("conv", x, &mut out);
        pool_and_head(x, &self.head, &mut out);
        out
    }
}

impl HybridSn {
    /// Every layer's output for patches `x: [B, 1, bands, patch, patch]`, named as in
    /// [`Self::summary`] (eval mode: dropout is the identity outside training).
    pub fn activations(&self, x: Tensor<5>) -> Activations {
        let mut out = Vec::new();
        let (volumes, x4) = self.conv_stages(x);
        let last = volumes.last().cloned();
        for (i, v) in volumes.into_iter().enumerate() {
            push(&mut out, format!("conv3d_{}", i + 1), Activation::Volume(v));
        }
        if let Some(v) = last {
            let [b, c, d, h, w] = v.dims();
            push(
                &mut out,
                "reshape",
                Activation::Maps(v.reshape([b, c * d, h, w])),
            );
        }
        push(&mut out, "conv2d", Activation::Maps(x4.clone()));
        let f: Tensor<2> = x4.flatten(1, 3);
        push(&mut out, "flatten", Activation::Vector(f.clone()));
        let h1 = relu(self.fc1.forward(f));
        push(&mut out, "dense1", Activation::Vector(h1.clone()));
        let h2 = relu(self.fc2.forward(h1));
        push(&mut out, "dense2", Activation::Vector(h2.clone()));
        push(&mut out, "dense3", Activation::Vector(self.fc3.forward(h2)));
        out
    }
}
