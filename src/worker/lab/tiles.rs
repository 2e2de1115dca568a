//! RGBA tiles of a Conv lab or walkthrough response: the images travel as binary
//! attachments, their ids and sizes in the message.

use crate::messages::lab::TileMeta;
use crate::viz::diverging_to_rgba;

/// The largest finite |value| (a shared colour scale).
pub fn abs_max(v: &[f32]) -> f32 {
    v.iter()
        .filter(|x| x.is_finite())
        .fold(0f32, |m, x| m.max(x.abs()))
}

/// Collects RGBA tiles and their metadata for one response.
#[derive(Default)]
pub struct Tiles {
    pub meta: Vec<TileMeta>,
    pub bins: Vec<Vec<u8>>,
}

impl Tiles {
    pub fn push(&mut self, id: String, values: &[f32], w: usize, h: usize, scale: f32) {
        let img = diverging_to_rgba(values, w as u32, h as u32, scale.max(1e-12));
        self.push_rgba(id, img.width, img.height, img.pixels);
    }
    pub fn push_rgba(&mut self, id: String, width: u32, height: u32, rgba: Vec<u8>) {
        self.meta.push(TileMeta { id, width, height });
        self.bins.push(rgba);
    }
    /// Each map of a `[n, h, w]` block, with one shared scale.
    pub fn maps(&mut self, prefix: &str, values: &[f32], w: usize, h: usize, scale: f32) {
        for (i, m) in values.chunks_exact(w * h).enumerate() {
            self.push(format!("{prefix}-{i}"), m, w, h, scale);
        }
    }
}
