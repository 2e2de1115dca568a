//! Pictures decoded by the browser (`createImageBitmap`, drawn on an `OffscreenCanvas`), so
//! the worker carries no PNG or JPEG decoder of its own. The file's header is read first
//! ([`picture_header`]): a file that is not a PNG or JPEG, or declares more than
//! `MAX_SIDE` pixels a side, is refused before anything of its size is allocated.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, ColorSpaceConversion, ImageBitmap, ImageBitmapOptions, OffscreenCanvas,
    OffscreenCanvasRenderingContext2d, PremultiplyAlpha, WorkerGlobalScope,
};

use crate::data::picture::{Picture, PictureError, from_rgba, picture_header};

/// Decodes a PNG or JPEG file into RGB (alpha dropped; no colour management, as the native
/// decoders; a JPEG's EXIF orientation is applied, as browsers show photos).
pub async fn decode_picture(name: &str, bytes: &[u8]) -> Result<Picture, PictureError> {
    let (format, _, _) = picture_header(name, bytes)?;
    let failed = |why: String| format.error(name, why);
    let words = |e: wasm_bindgen::JsValue| {
        e.dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .or_else(|| e.as_string())
            .unwrap_or_else(|| "the browser could not decode it".into())
    };
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let blob = Blob::new_with_u8_array_sequence(&parts).map_err(|e| failed(words(e)))?;
    let options = ImageBitmapOptions::new();
    options.set_color_space_conversion(ColorSpaceConversion::None);
    options.set_premultiply_alpha(PremultiplyAlpha::None);
    let scope: WorkerGlobalScope = js_sys::global().unchecked_into();
    let promise = scope
        .create_image_bitmap_with_blob_and_image_bitmap_options(&blob, &options)
        .map_err(|e| failed(words(e)))?;
    let bitmap: ImageBitmap = JsFuture::from(promise)
        .await
        .map_err(|e| failed(format!("the browser could not decode it ({})", words(e))))?
        .unchecked_into();
    let (w, h) = (bitmap.width(), bitmap.height());
    let pixels = (|| {
        let canvas = OffscreenCanvas::new(w, h)?;
        let ctx: OffscreenCanvasRenderingContext2d = canvas
            .get_context("2d")?
            .ok_or_else(|| js_sys::Error::new("no 2d context"))?
            .unchecked_into();
        ctx.draw_image_with_image_bitmap(&bitmap, 0.0, 0.0)?;
        Ok::<_, wasm_bindgen::JsValue>(ctx.get_image_data(0.0, 0.0, w as f64, h as f64)?.data())
    })();
    bitmap.close();
    let pixels = pixels.map_err(|e| failed(words(e)))?;
    from_rgba(w as usize, h as usize, &pixels)
        .ok_or_else(|| failed("the browser gave a wrong number of pixels".into()))
}
