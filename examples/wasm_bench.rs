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
    /// Lets the direct convolutions run (the default) or not (`IM2COL=1 tools/wasm-bench.sh`).
    #[wasm_bindgen]
    pub fn use_direct(on: bool) {
        convlab::model::direct_conv::use_direct(on);
    }

    /// Lets 1×1 convolutions run as the host kernels' per-sample products or not.
    #[wasm_bindgen]
    pub fn use_host_pointwise(on: bool) {
        convlab::model::fast_conv::use_host_pointwise(on);
    }

    /// Milliseconds per call (median of `iters`) of each HybridSN convolution at `batch`, in
    /// the direct form and the im2col one: output, and input gradient, one line per layer
    /// (`LAYERS=1 tools/wasm-bench.sh`), to choose where the direct form pays.
    #[wasm_bindgen]
    pub fn layer_times(batch: usize, iters: usize) -> String {
        use convlab::model::direct_conv::{
            Kernels, forward_with, input_grad_with, weight_grad_with,
        };
        use convlab::model::host_conv::{self, ConvGeometry};
        let time = |f: &mut dyn FnMut()| {
            let mut t: Vec<f64> = (0..iters.max(1) + 1)
                .map(|_| {
                    let s = js_sys::Date::now();
                    f();
                    js_sys::Date::now() - s
                })
                .skip(1)
                .collect();
            t.sort_by(f64::total_cmp);
            t[t.len() / 2]
        };
        let mut lines = vec![format!(
            "{:<28} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10}",
            "layer", "fwd direct", "fwd im2col", "dx direct", "dx im2col", "dw direct", "dw im2col"
        )];
        for (in_channels, in_dims, out_channels, kernel) in [
            (1, [30, 25, 25], 8, [7, 3, 3]),
            (8, [24, 23, 23], 16, [5, 3, 3]),
            (16, [20, 21, 21], 32, [3, 3, 3]),
            (576, [1, 19, 19], 64, [1, 3, 3]),
        ] {
            let g = ConvGeometry {
                batch,
                in_channels,
                in_dims,
                out_channels,
                kernel,
            };
            let taps = in_channels * kernel.iter().product::<usize>();
            let x = vec![0.5f32; batch * in_channels * in_dims.iter().product::<usize>()];
            let w = vec![0.25f32; out_channels * taps];
            let go = vec![1.0f32; batch * out_channels * g.out_dims().iter().product::<usize>()];
            let k = Kernels::Simd128;
            let fd = time(&mut || drop(forward_with(k, &g, &x, &w, None)));
            let fi = time(&mut || drop(host_conv::forward(&g, &x, &w, None)));
            let dd = time(&mut || drop(input_grad_with(k, &g, &w, &go)));
            // The im2col backward computes the weight gradient too: its input-gradient share
            // is the difference with the backward without it.
            let both = time(&mut || drop(host_conv::backward(&g, &x, &w, &go, true)));
            let weight_only = time(&mut || drop(host_conv::backward(&g, &x, &w, &go, false)));
            let wd = time(&mut || drop(weight_grad_with(k, &g, &x, &go)));
            lines.push(format!(
                "{:<28} {fd:>10.1} {fi:>10.1} {dd:>10.1} {:>10.1} {wd:>10.1} {weight_only:>10.1}",
                format!("{in_channels}→{out_channels} {kernel:?}"),
                both - weight_only
            ));
        }
        lines.join("\n")
    }

    /// The SIMD128 direct convolution ([`convlab::model::direct_conv`]) against the im2col
    /// form ([`convlab::model::host_conv`]), output and input gradient, on the shapes the
    /// native test checks (`CHECKED_SHAPES`): `Ok` with the largest difference relative to the
    /// largest value, or `Err` naming the first case off by more than 1e-4 of it. `make
    /// wasm-kernels` runs it in Node.js (`CHECK=1 tools/wasm-bench.sh`).
    #[wasm_bindgen]
    pub fn check_direct_conv() -> Result<String, String> {
        use convlab::model::direct_conv::{
            CHECKED_SHAPES, Kernels, forward_with, input_grad_with, weight_grad_with,
        };
        use convlab::model::host_conv::{self, ConvGeometry};
        if !Kernels::Simd128.runs_here() {
            return Err("this build has no SIMD128 kernels".into());
        }
        let mut seed = 1u64;
        let mut random = |n: usize| -> Vec<f32> {
            (0..n)
                .map(|_| {
                    seed = seed
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    ((seed >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
                })
                .collect()
        };
        let mut worst = 0f32;
        for (batch, in_channels, in_dims, out_channels, kernel) in CHECKED_SHAPES {
            let g = ConvGeometry {
                batch,
                in_channels,
                in_dims,
                out_channels,
                kernel,
            };
            let taps = in_channels * kernel.iter().product::<usize>();
            let x = random(batch * in_channels * in_dims.iter().product::<usize>());
            let w = random(out_channels * taps);
            let b = random(out_channels);
            let go = random(batch * out_channels * g.out_dims().iter().product::<usize>());
            let im2col = host_conv::backward(&g, &x, &w, &go, true);
            let (weight_grad, bias_grad) = weight_grad_with(Kernels::Simd128, &g, &x, &go);
            let pairs = [
                (
                    "output",
                    forward_with(Kernels::Simd128, &g, &x, &w, Some(&b)),
                    host_conv::forward(&g, &x, &w, Some(&b)),
                ),
                (
                    "input gradient",
                    input_grad_with(Kernels::Simd128, &g, &w, &go),
                    im2col.input.ok_or("no input gradient")?,
                ),
                ("weight gradient", weight_grad, im2col.weight),
                ("bias gradient", bias_grad, im2col.bias),
            ];
            for (what, got, want) in pairs {
                if got.len() != want.len() {
                    return Err(format!(
                        "{what} of {g:?}: {} values, not {}",
                        got.len(),
                        want.len()
                    ));
                }
                let scale = want.iter().fold(1f32, |m, v| m.max(v.abs()));
                let diff = got
                    .iter()
                    .zip(&want)
                    .fold(0f32, |m, (a, b)| m.max((a - b).abs()));
                if got.iter().any(|v| !v.is_finite()) {
                    return Err(format!("{what} of {g:?}: values that are not finite"));
                }
                if diff > 1e-4 * scale {
                    return Err(format!(
                        "{what} of {g:?}: off by {diff} (largest value {scale})"
                    ));
                }
                worst = worst.max(diff / scale);
            }
        }
        Ok(format!(
            "SIMD128 direct convolution equals im2col on {} shapes (largest difference {worst:.1e} of the largest value)",
            CHECKED_SHAPES.len()
        ))
    }
}

fn main() {
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("wasm_bench runs on wasm32: tools/wasm-bench.sh builds and runs it in Node.js");
}
