//! The browser's CPU fallback without the browser: `convlab bench`'s timed steps compiled to
//! wasm32 (SIMD128, the worker's release profile) and run by Node.js's V8, so that they can be
//! timed and profiled (`node --cpu-prof`) beside the native build. `tools/wasm-bench.sh` builds
//! and runs it.

#[cfg(target_arch = "wasm32")]
mod wasm {
    use burn::tensor::Device;
    use convlab::model::ModelKind;
    use convlab::train::bench::{BenchCase, throughput};
    use convlab::train::{Control, Event, Host};
    use wasm_bindgen::prelude::*;

    struct NodeHost;

    impl Host for NodeHost {
        fn emit(&mut self, _event: Event) {}
        fn control(&self) -> Control {
            Control::Run
        }
        fn now_ms(&self) -> f64 {
            js_sys::Date::now()
        }
        async fn yield_now(&self) {}
        async fn pause_tick(&self) {}
    }

    /// Training and inference samples/s of `model` (an id: `hybridsn`, `mobilenetv1`, …) at
    /// `batch`, medians of `iters` steps after a warm-up, as one line.
    #[wasm_bindgen]
    pub fn bench(model: &str, width: f64, batch: usize, iters: usize) -> Result<String, String> {
        let model = ModelKind::from_id(model).ok_or_else(|| format!("no model {model}"))?;
        let case = BenchCase {
            model,
            width,
            batch,
        };
        let device = Device::flex();
        let t = pollster::block_on(throughput(&mut NodeHost, &device, case, iters))
            .map_err(|e| e.to_string())?;
        Ok(format!(
            "{} ×{} batch {}: train {:.2} samples/s, infer {:.2} samples/s",
            model.name(),
            width,
            batch,
            t.train_per_s,
            t.infer_per_s
        ))
    }
}

fn main() {
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("wasm_bench runs on wasm32: tools/wasm-bench.sh builds and runs it in Node.js");
}
