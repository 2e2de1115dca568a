//! Layer tables: output shapes, parameter counts and multiply-adds.

use serde::{Deserialize, Serialize};

/// One row of a model's layer table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerInfo {
    /// Layer name, e.g. `conv3d_1` or `block3.depthwise`.
    pub name: String,
    /// Kind and hyper-parameters, e.g. `Conv3d 8@7×3×3`.
    pub kind: String,
    /// Output shape without the batch dimension.
    pub output: Vec<usize>,
    /// Parameters of this layer (weights, biases, BN scale and shift).
    pub params: usize,
    /// Multiply-adds per sample (conv and linear only, without bias).
    pub macs: u64,
}

/// A model's full layer table and totals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelSummary {
    pub model: String,
    /// Input shape without the batch dimension.
    pub input: Vec<usize>,
    pub layers: Vec<LayerInfo>,
    /// Total parameters, as counted by `Module::num_params` on the whole model.
    pub params: usize,
    /// Total multiply-adds per sample.
    pub macs: u64,
}

impl ModelSummary {
    pub fn new(model: &str, input: Vec<usize>, layers: Vec<LayerInfo>, params: usize) -> Self {
        let macs = layers.iter().map(|l| l.macs).sum();
        Self {
            model: model.to_string(),
            input,
            layers,
            params,
            macs,
        }
    }

    /// Output shape of the last layer.
    pub fn output(&self) -> Vec<usize> {
        self.layers
            .last()
            .map(|l| l.output.clone())
            .unwrap_or_default()
    }
}

/// Multiply-adds of a convolution: every output element reads `in/groups × kernel` inputs.
pub fn conv_macs(output: &[usize], in_channels: usize, groups: usize, kernel: &[usize]) -> u64 {
    let out: u64 = output.iter().map(|&d| d as u64).product();
    let k: u64 = kernel.iter().map(|&d| d as u64).product();
    out * (in_channels / groups) as u64 * k
}

/// `[30, 25, 25]` → `30×25×25`.
pub fn shape_string(shape: &[usize]) -> String {
    shape
        .iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("×")
}

/// Output size of a convolution along one axis.
pub(crate) fn conv_out(size: usize, kernel: usize, stride: usize, pad: usize) -> usize {
    (size + 2 * pad - kernel) / stride + 1
}

/// Trainable parameters of a module: every float parameter except batch-norm running
/// statistics (which burn stores as parameters too, but which no optimizer touches; PyTorch
/// calls them buffers). This is the count the papers and the seed quote.
pub fn trainable_params<M: burn::module::Module>(module: &M) -> usize {
    use burn::module::{ModuleVisitor, Param};
    use burn::tensor::Tensor;

    struct Counter {
        path: Vec<String>,
        count: usize,
    }
    impl ModuleVisitor for Counter {
        fn enter_module(&mut self, name: &str, _container_type: &str) {
            self.path.push(name.to_string());
        }
        fn exit_module(&mut self, _name: &str, _container_type: &str) {
            self.path.pop();
        }
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let running = self.path.last().is_some_and(|n| n.starts_with("running_"));
            if !running {
                self.count += param.lazy_shape().num_elements();
            }
        }
    }
    let mut counter = Counter {
        path: Vec::new(),
        count: 0,
    };
    module.visit(&mut counter);
    counter.count
}
