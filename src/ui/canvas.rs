//! A canvas that shows an RGBA image, scaled up with crisp pixels.

use leptos::html::Canvas;
use leptos::prelude::*;
use wasm_bindgen::{Clamped, JsCast};

/// Tile `id` of a worker response whose RGBA attachments `bins` come in `tiles` order, as
/// `(width, height, rgba)` for [`ImageCanvas`].
pub fn find_tile(
    tiles: &[crate::messages::lab::TileMeta],
    bins: &[Vec<u8>],
    id: &str,
) -> Option<(u32, u32, Vec<u8>)> {
    let i = tiles.iter().position(|t| t.id == id)?;
    Some((tiles[i].width, tiles[i].height, bins.get(i)?.clone()))
}

/// Draws `width × height` RGBA `pixels` into `canvas`.
pub fn paint(canvas: &web_sys::HtmlCanvasElement, width: u32, height: u32, pixels: &[u8]) {
    if pixels.len() != (width * height * 4) as usize || width == 0 {
        return;
    }
    canvas.set_width(width);
    canvas.set_height(height);
    let Some(ctx) = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok())
    else {
        return;
    };
    if let Ok(img) =
        web_sys::ImageData::new_with_u8_clamped_array_and_sh(Clamped(pixels), width, height)
    {
        let _ = ctx.put_image_data(&img, 0.0, 0.0);
    }
}

/// The image pixel (of `pixels` along one axis) under a click `offset` CSS pixels into a
/// canvas shown `shown` CSS pixels wide (or high).
fn picked(offset: i32, shown: i32, pixels: u32) -> usize {
    let shown = shown.max(1) as f64;
    let i = (offset.max(0) as f64 * pixels as f64 / shown).floor() as u32;
    i.min(pixels.saturating_sub(1)) as usize
}

/// A canvas bound to a signal of `(width, height, rgba)`; `on_pick` receives the clicked
/// image pixel `(row, col)`.
#[component]
pub fn ImageCanvas(
    image: Signal<Option<(u32, u32, Vec<u8>)>>,
    #[prop(into)] testid: String,
    #[prop(default = 3)] scale: u32,
    #[prop(optional)] on_pick: Option<Callback<(usize, usize)>>,
) -> impl IntoView {
    let node = NodeRef::<Canvas>::new();
    Effect::new(move |_| {
        if let (Some(c), Some((w, h, px))) = (node.get(), image.get()) {
            paint(&c, w, h, &px);
            let style = format!("width:{}px;height:{}px", w * scale, h * scale);
            let _ = c.set_attribute("style", &style);
        }
    });
    view! {
        <canvas
            class="pixels"
            node_ref=node
            data-testid=testid
            on:click=move |ev| {
                if let (Some(cb), Some((w, h, _)), Some(c)) = (on_pick, image.get_untracked(), node.get_untracked()) {
                    // Through the size the canvas is shown at (CSS may have shrunk it to fit a
                    // phone), not the drawing scale.
                    let col = picked(ev.offset_x(), c.client_width(), w);
                    let row = picked(ev.offset_y(), c.client_height(), h);
                    cb.run((row, col));
                }
            }
        ></canvas>
    }
}
