//! Visualisation: arrays → RGBA pixels → PNG, in plain Rust.
//!
//! What is built for the browser (wasm32) works the same there as natively: no threads, no
//! filesystem, no panics on any input. The pieces:
//!
//! * [`image`]: the [`Rgba`] raster (8-bit RGBA, row-major) with simple drawing primitives.
//! * [`colormap`]: scalar arrays → colours ([`Colormap`]: grey, viridis, magma, a diverging
//!   blue–white–red), robust percentile ranges and false-colour composites.
//! * [`palette`]: class colours for label maps and error views.
//! * [`axis`]: the data range and tick labels of both line charts (the page's and the CLI's).
//! * `font` (native only): a built-in 5×7 bitmap font (ASCII 32–126 plus `·`, `×`, `°`).
//! * `png` (native only): PNG encoding and decoding through the `png` crate, with the size
//!   cap (the worker has the browser decode pictures; the page encodes its own PNGs).
//! * `figure` and `chart` (native only, for the CLI's pictures): side-by-side maps with
//!   titles, legend and caption, feature-map grids, confusion-matrix heatmaps, line charts.
//!
//! Sizes are capped at [`MAX_PIXELS`]: constructors clamp, the PNG decoder refuses larger images.

// The raster figures (line charts, grids, heatmaps and their bitmap font) are the CLI's only:
// in the browser the page draws its own pictures (`ui::export`), so neither wasm file has them.
pub mod axis;
#[cfg(not(target_arch = "wasm32"))]
pub mod chart;
pub mod colormap;
#[cfg(not(target_arch = "wasm32"))]
pub mod figure;
#[cfg(not(target_arch = "wasm32"))]
pub mod font;
pub mod image;
pub mod palette;
#[cfg(not(target_arch = "wasm32"))]
pub mod png;

pub use colormap::{Colormap, array_to_rgba, diverging_to_rgba, false_colour, robust_range};
#[cfg(not(target_arch = "wasm32"))]
pub use figure::{grid_figure, heatmap, map_figure};
#[cfg(not(target_arch = "wasm32"))]
pub use font::{draw_text, text_height, text_width};
pub use image::Rgba;
pub use palette::{class_colour, error_view, labels_to_rgba};
#[cfg(not(target_arch = "wasm32"))]
pub use png::{decode_png, encode_png};

/// The largest image (width × height, in pixels) this module creates or decodes: 64 Mpixel
/// (2²⁶ pixels, 256 MiB of RGBA). [`Rgba::new`] clamps to it and the PNG decoder refuses
/// anything larger before allocating.
pub const MAX_PIXELS: u64 = 1 << 26;

/// Errors of the visualisation layer (all carry a human-readable message).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VizError {
    /// The requested or declared image size is zero or larger than [`MAX_PIXELS`].
    #[error("image size {width}×{height} is not allowed (zero, or more than {max} pixels)")]
    BadSize {
        /// Requested width in pixels.
        width: u64,
        /// Requested height in pixels.
        height: u64,
        /// The cap ([`MAX_PIXELS`]).
        max: u64,
    },
    /// A pixel buffer does not have `width × height × 4` bytes.
    #[error("pixel buffer has {got} bytes but a {width}×{height} RGBA image needs {expected}")]
    BufferLength {
        /// Image width.
        width: u32,
        /// Image height.
        height: u32,
        /// Bytes required.
        expected: u64,
        /// Bytes supplied.
        got: usize,
    },
    /// The input is not a PNG file (wrong signature).
    #[error("not a PNG file (bad signature)")]
    NotPng,
    /// The PNG data ends before the image is complete.
    #[error("PNG is truncated: {0}")]
    Truncated(String),
    /// The PNG data is malformed.
    #[error("PNG is corrupt: {0}")]
    Corrupt(String),
    /// A valid PNG that uses a feature this decoder does not implement.
    #[error("unsupported PNG: {0}")]
    Unsupported(String),
}
