//! The Web Worker binary again, built with the `relaxed-simd` feature (Trunk's
//! `worker_relaxed`): the same worker, its matrix products with relaxed SIMD's fused
//! multiply-add. The page loads it where the browser validates relaxed SIMD.

#[cfg(target_arch = "wasm32")]
fn main() {
    convlab::worker::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the worker binary only runs in the browser; build it with Trunk");
    std::process::exit(2);
}
