//! The Web Worker binary (built by Trunk as `data-type="worker"`).

#[cfg(target_arch = "wasm32")]
pub(crate) fn main() {
    convlab::worker::start();
}

#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn main() {
    eprintln!("the worker binary only runs in the browser; build it with Trunk");
    std::process::exit(2);
}
