//! convlab: a CNN lab that runs in the browser.
//!
//! Dependencies point down only: `ui` → (messages) → `worker` → `lab` → `train` → `model` /
//! `data`; `viz` turns arrays into pixels. `model`, `train`, `lab` need burn (`ml` feature);
//! `data` and `viz` are plain Rust so the UI and the worker can both use them.

/// Each lab's run settings, one serde type each (no burn).
pub mod config;
/// Convolution cost arithmetic (params, MACs, shapes) shared by the UI, worker and CLI.
pub mod cost;
pub mod data;
pub mod viz;

#[cfg(feature = "ml")]
pub mod model;
#[cfg(feature = "ml")]
pub mod train;

#[cfg(feature = "ml")]
pub mod lab;

/// Links that restore a view: strict URL parameters.
pub mod share;

/// Typed messages between the UI and the worker (no burn, no web APIs).
pub mod messages;

/// `postMessage` packing shared by the UI and the worker.
#[cfg(target_arch = "wasm32")]
pub mod wire;

#[cfg(all(target_arch = "wasm32", feature = "ml"))]
pub mod worker;

#[cfg(all(target_arch = "wasm32", feature = "ui"))]
pub mod ui;
