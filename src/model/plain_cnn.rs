//! PlainCNN: MobileNetV1's layout with standard 3×3 convolutions, the seed's baseline.

use burn::config::Config;
use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::{Device, Tensor};

use super::blocks::{ConvBnRelu, ConvBnReluConfig};
use super::mobilenet_v1::{MOBILENET_CFG, linear_row, pool_row, scaled};
use super::summary::{ModelSummary, trainable_params};

#[derive(Config, Debug)]
pub struct PlainCnnConfig {
    #[config(default = 10)]
    pub num_classes: usize,
    #[config(default = 1.0)]
    pub width: f64,
}

/// PlainCNN.
///
/// # Shapes
/// - input: `[batch, 3, 32, 32]`
/// - blocks: `[batch, 1024, 2, 2]`
/// - output: `[batch, num_classes]`
#[derive(Module, Debug)]
pub struct PlainCnn {
    pub stem: ConvBnRelu,
    pub blocks: Vec<ConvBnRelu>,
    pub head: Linear,
}

impl PlainCnnConfig {
    pub fn init(&self, device: &Device) -> PlainCnn {
        let stem_c = scaled(32, self.width);
        let mut c = stem_c;
        let blocks = MOBILENET_CFG
            .iter()
            .map(|&(out, stride)| {
                let out = scaled(out, self.width);
                let b = ConvBnReluConfig::new(c, out)
                    .with_stride(stride)
                    .init(device);
                c = out;
                b
            })
            .collect();
        PlainCnn {
            stem: ConvBnReluConfig::new(3, stem_c).init(device),
            blocks,
            head: LinearConfig::new(c, self.num_classes).init(device),
        }
    }
}

impl PlainCnn {
    pub fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let mut x = self.stem.forward(x); // [B, 32, 32, 32]
        for block in &self.blocks {
            x = block.forward(x);
        } // [B, 1024, 2, 2]
        let x = x.mean_dim(3).mean_dim(2); // [B, 1024, 1, 1] (avg-pool 2 over the 2×2 map)
        let x: Tensor<2> = x.flatten(1, 3); // [B, 1024]
        self.head.forward(x)
    }

    pub fn forward_stages(&self, x: Tensor<4>) -> Vec<Tensor<4>> {
        let mut out = Vec::new();
        let mut x = self.stem.forward(x);
        out.push(x.clone());
        for block in &self.blocks {
            x = block.forward(x);
            out.push(x.clone());
        }
        out
    }

    pub fn summary(&self) -> ModelSummary {
        let mut layers = Vec::new();
        let (rows, mut shape) = self.stem.layers("stem", [3, 32, 32]);
        layers.extend(rows);
        for (i, block) in self.blocks.iter().enumerate() {
            let (rows, s) = block.layers(&format!("block{}", i + 1), shape);
            layers.extend(rows);
            shape = s;
        }
        layers.push(pool_row(shape));
        layers.push(linear_row("fc", &self.head));
        ModelSummary::new("PlainCNN", vec![3, 32, 32], layers, trainable_params(self))
    }
}
