//! The Web Worker binary again (`worker.rs`), built by Trunk with the `relaxed-simd` feature as
//! `worker_relaxed`: the same worker, its matrix products with relaxed SIMD's fused
//! multiply-add. The page loads it where the browser validates relaxed SIMD.

#[path = "worker.rs"]
mod worker;

fn main() {
    worker::main();
}
