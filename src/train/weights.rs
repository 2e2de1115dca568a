//! convlab weights files: a small JSON header naming the model, its config and the data
//! preprocessing, then every float parameter (weights, biases, BN scale/shift and running
//! statistics) by module path, as little-endian f32 or f16.
//!
//! Written with a visitor and read back with `into_data_async`, so export works on WebGPU in
//! the browser too (burn's own record reads tensors synchronously, which wasm forbids).
//!
//! Layout: `CONVLAB-WEIGHTS\n`, u32 LE header length, header JSON, then per tensor in header
//! order its raw bytes. Size caps: header ≤ 1 MiB, tensors ≤ 256 M elements in all.

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::tensor::{Device, Tensor, TensorData, f16};

use super::{Misfit, TrainError};

pub use crate::data::weights_file::{
    Header, MAGIC, Precision, TensorEntry, read_header, read_tensors,
};

struct Collector {
    path: Vec<String>,
    out: Vec<(String, Tensor<1>, Vec<usize>)>,
}

impl ModuleVisitor for Collector {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }
    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let t = param.val();
        let shape = t.dims().to_vec();
        let n = shape.iter().product::<usize>();
        self.out.push((self.path.join("."), t.reshape([n]), shape));
    }
}

/// Serialises a module's parameters with `header` fields (tensors filled in here).
pub async fn save<M: Module>(
    module: &M,
    model: &str,
    config: serde_json::Value,
    preprocessing: serde_json::Value,
    metrics: serde_json::Value,
    precision: Precision,
) -> Result<Vec<u8>, TrainError> {
    let mut c = Collector {
        path: Vec::new(),
        out: Vec::new(),
    };
    module.visit(&mut c);
    let header = Header {
        format: 1,
        model: model.to_string(),
        config,
        preprocessing,
        metrics,
        precision,
        tensors: c
            .out
            .iter()
            .map(|(p, _, s)| TensorEntry {
                path: p.clone(),
                shape: s.clone(),
            })
            .collect(),
    };
    let json = serde_json::to_vec(&header)?;
    let mut bytes = Vec::new();
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&(json.len() as u32).to_le_bytes());
    bytes.extend_from_slice(&json);
    for (path, t, _) in c.out {
        let data = t
            .into_data_async()
            .await
            .map_err(|e| TrainError::ReadParam {
                path: path.clone(),
                detail: format!("{e:?}"),
            })?
            .convert::<f32>();
        let values = data
            .try_to_vec::<f32>()
            .map_err(|e| TrainError::ConvertParam {
                path: path.clone(),
                detail: format!("{e:?}"),
            })?;
        match precision {
            Precision::F32 => values
                .iter()
                .for_each(|v| bytes.extend_from_slice(&v.to_le_bytes())),
            Precision::F16 => values
                .iter()
                .for_each(|v| bytes.extend_from_slice(&f16::from_f32(*v).to_le_bytes())),
        }
    }
    Ok(bytes)
}

struct Loader {
    path: Vec<String>,
    tensors: std::collections::HashMap<String, (Vec<usize>, Vec<f32>)>,
    device: Device,
    errors: Vec<Misfit>,
    loaded: usize,
}

impl ModuleMapper for Loader {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }
    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let path = self.path.join(".");
        let Some((shape, values)) = self.tensors.remove(&path) else {
            self.errors.push(Misfit::Missing(path));
            return param;
        };
        let expected = param.lazy_shape().dims::<D>().to_vec();
        if shape != expected {
            self.errors.push(Misfit::Shape {
                path,
                file: shape,
                model: expected,
            });
            return param;
        }
        self.loaded += 1;
        let device = self.device.clone();
        let data = TensorData::new(values, shape);
        param.map(move |_| Tensor::<D>::from_data(data, &device))
    }
}

/// Loads the parameters of a weights file into `module` (built from the same config).
/// Refuses a file whose tensors do not match the module, in words.
/// Training settings recorded in a file's header, read as today's settings type: the
/// settings a file does not record take today's `defaults`, except those in `legacy` (the
/// values that files written before a setting existed were trained with); what the file
/// records wins.
pub fn recorded_settings<C: serde::Serialize + serde::de::DeserializeOwned>(
    defaults: &C,
    legacy: serde_json::Value,
    recorded: &serde_json::Value,
) -> Result<C, TrainError> {
    let mut merged = serde_json::to_value(defaults)?;
    for layer in [&legacy, recorded] {
        if let (Some(into), Some(from)) = (merged.as_object_mut(), layer.as_object()) {
            for (k, v) in from {
                into.insert(k.clone(), v.clone());
            }
        }
    }
    Ok(serde_json::from_value(merged)?)
}

pub fn load<M: Module>(module: M, bytes: &[u8], device: &Device) -> Result<M, TrainError> {
    let (header, decoded) = read_tensors(bytes).map_err(TrainError::WeightsFile)?;
    let tensors: std::collections::HashMap<_, _> = decoded
        .into_iter()
        .map(|(path, shape, values)| (path, (shape, values)))
        .collect();
    let mut loader = Loader {
        path: Vec::new(),
        tensors,
        device: device.clone(),
        errors: Vec::new(),
        loaded: 0,
    };
    let module = module.map(&mut loader);
    if !loader.errors.is_empty() || !loader.tensors.is_empty() {
        let extra: Vec<_> = loader.tensors.keys().take(3).cloned().collect();
        let mut misfits: Vec<Misfit> = loader.errors.into_iter().take(3).collect();
        if !extra.is_empty() {
            misfits.push(Misfit::Unused(extra));
        }
        return Err(TrainError::WeightsDoNotFit {
            model: header.model,
            misfits,
        });
    }
    Ok(module)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_burn_free_f16_decoder_agrees_with_burn_on_every_value() {
        for bits in 0..=u16::MAX {
            let ours = crate::data::weights_file::f16_to_f32(bits);
            let theirs = f16::from_bits(bits).to_f32();
            assert!(
                ours.to_bits() == theirs.to_bits() || (ours.is_nan() && theirs.is_nan()),
                "{bits:#06x}: {ours} against {theirs}"
            );
        }
    }
}
