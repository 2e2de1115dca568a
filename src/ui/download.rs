//! Saving bytes or a blob as a file (PNG, weights, CSV) through a temporary object URL.

use wasm_bindgen::JsCast;

/// Offers `bytes` to the visitor as a download named `name`.
pub fn download(name: &str, bytes: &[u8], mime: &str) {
    let parts = js_sys::Array::new();
    parts.push(&js_sys::Uint8Array::from(bytes).buffer());
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    if let Ok(blob) = web_sys::Blob::new_with_buffer_source_sequence_and_options(&parts, &opts) {
        download_blob(name, &blob);
    }
}

/// Offers a blob (a PNG the browser made, for example) as a download named `name`.
pub fn download_blob(name: &str, blob: &web_sys::Blob) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(blob) else {
        return;
    };
    if let Ok(a) = document.create_element("a")
        && let Ok(a) = a.dyn_into::<web_sys::HtmlAnchorElement>()
    {
        a.set_href(&url);
        a.set_download(name);
        a.click();
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

/// Reads a chosen file's bytes, refusing one beyond [`crate::data::budget::MAX_UPLOAD_BYTES`]
/// first.
pub async fn read_file(file: &web_sys::File) -> Result<Vec<u8>, String> {
    // The upload budget, checked on the file's length before it is read (and copied) whole.
    crate::data::budget::check_upload(&file.name(), file.size() as u64)
        .map_err(|e| e.to_string())?;
    let buf = wasm_bindgen_futures::JsFuture::from(file.array_buffer())
        .await
        .map_err(|e| format!("could not read {}: {e:?}", file.name()))?;
    Ok(js_sys::Uint8Array::new(&buf).to_vec())
}
