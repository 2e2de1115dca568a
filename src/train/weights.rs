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
use serde::{Deserialize, Serialize};

pub const MAGIC: &[u8] = b"CONVLAB-WEIGHTS\n";
const MAX_HEADER: usize = 1 << 20;
const MAX_ELEMENTS: usize = 256 << 20;

/// Storage precision of a weights file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Precision {
    F32,
    F16,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TensorEntry {
    pub path: String,
    pub shape: Vec<usize>,
}

/// What a weights file says about itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    pub format: u32,
    /// Model name, e.g. `HybridSN`.
    pub model: String,
    /// The model's config as JSON (burn `Config`).
    pub config: serde_json::Value,
    /// Preprocessing and training settings (e.g. PCA components, patch size, split, seed).
    pub preprocessing: serde_json::Value,
    /// Metrics measured when saved (free-form).
    pub metrics: serde_json::Value,
    pub precision: Precision,
    pub tensors: Vec<TensorEntry>,
}

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
) -> Result<Vec<u8>, String> {
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
    let json = serde_json::to_vec(&header).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&(json.len() as u32).to_le_bytes());
    bytes.extend_from_slice(&json);
    for (path, t, _) in c.out {
        let data = t
            .into_data_async()
            .await
            .map_err(|e| format!("reading {path} failed: {e:?}"))?
            .convert::<f32>();
        let values = data
            .try_to_vec::<f32>()
            .map_err(|e| format!("{path}: {e:?}"))?;
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

/// Reads the header of a weights file (checks the magic and sizes).
pub fn read_header(bytes: &[u8]) -> Result<(Header, usize), String> {
    if bytes.is_empty() {
        return Err("The weights file is empty.".into());
    }
    if !bytes.starts_with(MAGIC) {
        return Err(
            "This is not a convlab weights file (its first bytes are not CONVLAB-WEIGHTS).".into(),
        );
    }
    let rest = &bytes[MAGIC.len()..];
    if rest.len() < 4 {
        return Err("The weights file ends inside its header.".into());
    }
    let len = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
    if len > MAX_HEADER || 4 + len > rest.len() {
        return Err("The weights file's header is truncated or too large.".into());
    }
    let header: Header = serde_json::from_slice(&rest[4..4 + len])
        .map_err(|e| format!("The weights file's header is malformed: {e}"))?;
    if header.format != 1 {
        return Err(format!(
            "This weights file has format {}, which this convlab cannot read.",
            header.format
        ));
    }
    Ok((header, MAGIC.len() + 4 + len))
}

struct Loader {
    path: Vec<String>,
    tensors: std::collections::HashMap<String, (Vec<usize>, Vec<f32>)>,
    device: Device,
    errors: Vec<String>,
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
            self.errors.push(format!("missing tensor {path}"));
            return param;
        };
        let expected = param.lazy_shape().dims::<D>().to_vec();
        if shape != expected {
            self.errors.push(format!(
                "{path} has shape {shape:?} in the file but {expected:?} in the model"
            ));
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
pub fn load<M: Module>(module: M, bytes: &[u8], device: &Device) -> Result<M, String> {
    let (header, mut at) = read_header(bytes)?;
    let elem = match header.precision {
        Precision::F32 => 4,
        Precision::F16 => 2,
    };
    let total: usize = header
        .tensors
        .iter()
        .map(|t| t.shape.iter().product::<usize>())
        .sum();
    if total > MAX_ELEMENTS {
        return Err("The weights file claims more parameters than convlab accepts.".into());
    }
    if bytes.len() != at + total * elem {
        return Err(format!(
            "The weights file is {} bytes but its header describes {} bytes: it is truncated or corrupt.",
            bytes.len(),
            at + total * elem
        ));
    }
    let mut tensors = std::collections::HashMap::new();
    for t in &header.tensors {
        let n: usize = t.shape.iter().product();
        let raw = &bytes[at..at + n * elem];
        at += n * elem;
        let values: Vec<f32> = match header.precision {
            Precision::F32 => raw
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
            Precision::F16 => raw
                .chunks_exact(2)
                .map(|c| f16::from_le_bytes([c[0], c[1]]).to_f32())
                .collect(),
        };
        tensors.insert(t.path.clone(), (t.shape.clone(), values));
    }
    let mut loader = Loader {
        path: Vec::new(),
        tensors,
        device: device.clone(),
        errors: Vec::new(),
        loaded: 0,
    };
    let module = module.map(&mut loader);
    if !loader.errors.is_empty() || !loader.tensors.is_empty() {
        let mut msg = format!("These weights ({}) do not fit this model: ", header.model);
        let extra: Vec<_> = loader.tensors.keys().take(3).cloned().collect();
        let mut parts: Vec<String> = loader.errors.into_iter().take(3).collect();
        if !extra.is_empty() {
            parts.push(format!("unused tensors {}", extra.join(", ")));
        }
        msg.push_str(&parts.join("; "));
        return Err(msg);
    }
    Ok(module)
}
