//! PNG pictures of what is on screen, made by the browser: an SVG chart is serialised, loaded
//! as an image and drawn on a canvas at twice its size; the classification map and the
//! feature-map grid are composed on a canvas from their RGBA panels, with titles, legend and
//! caption. `canvas.toBlob` writes the PNG, which downloads under the button's file name.

use std::future::Future;

use leptos::prelude::Set;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{Clamped, JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

use super::download::download_blob;
use super::state::AppState;

/// Pixels of the PNG per unit of the SVG chart.
const SCALE: f64 = 2.0;

fn words(e: &JsValue) -> String {
    js_sys::Reflect::get(e, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .unwrap_or_else(|| format!("{e:?}"))
}

fn document() -> Result<web_sys::Document, String> {
    web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| "no document".to_string())
}

/// A new canvas `w × h` with a white background, and its 2-D context.
fn canvas(w: u32, h: u32) -> Result<(HtmlCanvasElement, CanvasRenderingContext2d), String> {
    let c: HtmlCanvasElement = document()?
        .create_element("canvas")
        .map_err(|e| words(&e))?
        .dyn_into()
        .map_err(|_| "no canvas")?;
    c.set_width(w.max(1));
    c.set_height(h.max(1));
    let ctx: CanvasRenderingContext2d = c
        .get_context("2d")
        .map_err(|e| words(&e))?
        .ok_or("the browser gave no 2-D canvas")?
        .dyn_into()
        .map_err(|_| "no 2-D context")?;
    ctx.set_fill_style_str("#fff");
    ctx.fill_rect(0.0, 0.0, f64::from(w), f64::from(h));
    Ok((c, ctx))
}

/// The canvas as a PNG file (`canvas.toBlob`).
async fn png_of(canvas: &HtmlCanvasElement) -> Result<web_sys::Blob, String> {
    let c = canvas.clone();
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        let done = Closure::once_into_js(move |blob: JsValue| {
            let _ = resolve.call1(&JsValue::NULL, &blob);
        });
        if let Err(e) = c.to_blob_with_type(done.unchecked_ref(), "image/png") {
            let _ = reject.call1(&JsValue::NULL, &e);
        }
    });
    JsFuture::from(promise)
        .await
        .map_err(|e| words(&e))?
        .dyn_into::<web_sys::Blob>()
        .map_err(|_| "the browser could not write the PNG".into())
}

/// Makes a PNG in the background and downloads it as `name`; a failure shows in the page's
/// error banner.
pub fn save_png(
    state: AppState,
    name: &'static str,
    png: impl Future<Output = Result<web_sys::Blob, String>> + 'static,
) {
    leptos::task::spawn_local(async move {
        match png.await {
            Ok(blob) => download_blob(name, &blob),
            Err(e) => state.error.set(Some(format!("Could not make {name}: {e}"))),
        }
    });
}

/// The `(width, height)` of an SVG's `viewBox`.
fn view_box(svg: &web_sys::Element) -> Result<(f64, f64), String> {
    let vb = svg
        .get_attribute("viewBox")
        .ok_or("the chart has no viewBox")?;
    let v: Vec<f64> = vb
        .split_whitespace()
        .filter_map(|s| s.parse().ok())
        .collect();
    match v[..] {
        [_, _, w, h] if w > 0.0 && h > 0.0 => Ok((w, h)),
        _ => Err(format!("the chart's viewBox {vb:?} has no size")),
    }
}

/// The SVG chart `data-testid=testid` on the page as a PNG twice its size, on white.
pub async fn svg_png(testid: &str) -> Result<web_sys::Blob, String> {
    let svg = document()?
        .query_selector(&format!("svg[data-testid=\"{testid}\"]"))
        .map_err(|e| words(&e))?
        .ok_or_else(|| format!("the chart {testid} is not on the page"))?;
    let (w, h) = view_box(&svg)?;
    let (pw, ph) = ((w * SCALE).ceil() as u32, (h * SCALE).ceil() as u32);
    // A copy with its size in pixels: an SVG image is drawn at the size it declares.
    let copy: web_sys::Element = svg
        .clone_node_with_deep(true)
        .map_err(|e| words(&e))?
        .dyn_into()
        .map_err(|_| "the chart did not copy")?;
    copy.set_attribute("width", &pw.to_string())
        .map_err(|e| words(&e))?;
    copy.set_attribute("height", &ph.to_string())
        .map_err(|e| words(&e))?;
    let text = web_sys::XmlSerializer::new()
        .and_then(|s| s.serialize_to_string(&copy))
        .map_err(|e| words(&e))?;
    let parts = js_sys::Array::of1(&JsValue::from_str(&text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type("image/svg+xml;charset=utf-8");
    let blob =
        web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts).map_err(|e| words(&e))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|e| words(&e))?;
    let img = web_sys::HtmlImageElement::new().map_err(|e| words(&e))?;
    img.set_src(&url);
    let loaded = JsFuture::from(img.decode()).await;
    let _ = web_sys::Url::revoke_object_url(&url);
    loaded.map_err(|e| format!("the chart did not load as an image: {}", words(&e)))?;
    let (c, ctx) = canvas(pw, ph)?;
    ctx.draw_image_with_html_image_element_and_dw_and_dh(
        &img,
        0.0,
        0.0,
        f64::from(pw),
        f64::from(ph),
    )
    .map_err(|e| words(&e))?;
    png_of(&c).await
}

/// One RGBA picture of a [`Composition`], under its title.
pub struct Panel {
    pub title: String,
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
}

/// Panels in a grid, enlarged with crisp pixels, under a title, with a legend of colour
/// swatches and a caption under them.
pub struct Composition {
    pub title: String,
    pub panels: Vec<Panel>,
    /// Panels per row.
    pub columns: usize,
    /// Each panel is shown `scale` times its size, and at least `min_side` pixels on its
    /// longer side (small kernels are enlarged more).
    pub scale: u32,
    pub min_side: u32,
    pub legend: Vec<(String, [u8; 3])>,
    pub caption: Vec<String>,
}

const MARGIN: f64 = 16.0;
const GAP: f64 = 12.0;
const LINE: f64 = 18.0;
const TEXT_FONT: &str = "13px sans-serif";
const TITLE_FONT: &str = "bold 16px sans-serif";
const PANEL_FONT: &str = "12px sans-serif";

fn measure(ctx: &CanvasRenderingContext2d, font: &str, text: &str) -> f64 {
    ctx.set_font(font);
    ctx.measure_text(text).map(|m| m.width()).unwrap_or(0.0)
}

impl Panel {
    fn scale(&self, c: &Composition) -> u32 {
        let side = self.width.max(self.height).max(1);
        c.scale.max(1).max(c.min_side / side)
    }
}

/// Draws a composition on a new canvas and writes it as a PNG.
pub async fn composition_png(c: Composition) -> Result<web_sys::Blob, String> {
    // Measure first, on a scratch canvas (resizing a canvas resets its context).
    let (_, m) = canvas(1, 1)?;
    let cols = c.columns.clamp(1, c.panels.len().max(1));
    let cell_w = c
        .panels
        .iter()
        .map(|p| f64::from(p.width * p.scale(&c)).max(measure(&m, PANEL_FONT, &p.title)))
        .fold(0.0, f64::max);
    let cell_h = LINE
        + c.panels
            .iter()
            .map(|p| f64::from(p.height * p.scale(&c)))
            .fold(0.0, f64::max);
    let rows = c.panels.len().div_ceil(cols);
    let grid_w = cols as f64 * cell_w + (cols as f64 - 1.0) * GAP;
    let grid_h = rows as f64 * cell_h + (rows.max(1) as f64 - 1.0) * GAP;
    let legend_w = c
        .legend
        .iter()
        .map(|(n, _)| 20.0 + measure(&m, TEXT_FONT, n) + 18.0)
        .fold(0.0, f64::max);
    let mut width = grid_w.max(measure(&m, TITLE_FONT, &c.title));
    for line in &c.caption {
        width = width.max(measure(&m, TEXT_FONT, line));
    }
    let legend_cols = if legend_w > 0.0 {
        ((width / legend_w).floor() as usize).clamp(1, c.legend.len().max(1))
    } else {
        1
    };
    let legend_rows = c.legend.len().div_ceil(legend_cols);
    let title_h = if c.title.is_empty() { 0.0 } else { 26.0 };
    let legend_top = MARGIN + title_h + grid_h + GAP;
    let caption_top =
        legend_top + LINE * legend_rows as f64 + if legend_rows > 0 { GAP / 2.0 } else { 0.0 };
    let height = caption_top + LINE * c.caption.len() as f64 + MARGIN;
    let (canvas_w, canvas_h) = ((width + 2.0 * MARGIN).ceil() as u32, height.ceil() as u32);

    let (out, ctx) = canvas(canvas_w, canvas_h)?;
    ctx.set_text_baseline("top");
    ctx.set_fill_style_str("#1b1f24");
    ctx.set_font(TITLE_FONT);
    ctx.fill_text(&c.title, MARGIN, MARGIN)
        .map_err(|e| words(&e))?;
    ctx.set_image_smoothing_enabled(false);
    for (i, p) in c.panels.iter().enumerate() {
        let x = MARGIN + (i % cols) as f64 * (cell_w + GAP);
        let y = MARGIN + title_h + (i / cols) as f64 * (cell_h + GAP);
        ctx.set_fill_style_str("#1b1f24");
        ctx.set_font(PANEL_FONT);
        ctx.fill_text(&p.title, x, y).map_err(|e| words(&e))?;
        if p.rgba.len() != (p.width * p.height * 4) as usize || p.width == 0 {
            continue;
        }
        // The panel at its own size on a scratch canvas, then drawn enlarged without smoothing.
        let (tile, tctx) = canvas(p.width, p.height)?;
        let data = web_sys::ImageData::new_with_u8_clamped_array_and_sh(
            Clamped(&p.rgba),
            p.width,
            p.height,
        )
        .map_err(|e| words(&e))?;
        tctx.put_image_data(&data, 0.0, 0.0)
            .map_err(|e| words(&e))?;
        let s = f64::from(p.scale(&c));
        let (w, h) = (f64::from(p.width) * s, f64::from(p.height) * s);
        ctx.draw_image_with_html_canvas_element_and_dw_and_dh(&tile, x, y + LINE, w, h)
            .map_err(|e| words(&e))?;
        ctx.set_stroke_style_str("#c6ccd4");
        ctx.stroke_rect(x - 0.5, y + LINE - 0.5, w + 1.0, h + 1.0);
    }
    ctx.set_font(TEXT_FONT);
    for (i, (name, [r, g, b])) in c.legend.iter().enumerate() {
        let x = MARGIN + (i % legend_cols) as f64 * legend_w;
        let y = legend_top + (i / legend_cols) as f64 * LINE;
        ctx.set_fill_style_str(&format!("rgb({r},{g},{b})"));
        ctx.fill_rect(x, y + 1.0, 14.0, 14.0);
        ctx.set_fill_style_str("#1b1f24");
        ctx.fill_text(name, x + 20.0, y + 1.0)
            .map_err(|e| words(&e))?;
    }
    ctx.set_fill_style_str("#444");
    for (i, line) in c.caption.iter().enumerate() {
        ctx.fill_text(line, MARGIN, caption_top + LINE * i as f64)
            .map_err(|e| words(&e))?;
    }
    png_of(&out).await
}
