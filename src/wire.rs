//! How typed messages travel through `postMessage`, on both sides: a JSON string alone, or
//! `[json, ArrayBuffer…]` with the buffers transferred (not copied) for binary attachments.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

/// The message and its transfer list for `postMessage`.
pub fn pack(json: String, bins: Vec<Vec<u8>>) -> (JsValue, js_sys::Array) {
    let transfer = js_sys::Array::new();
    if bins.is_empty() {
        return (JsValue::from_str(&json), transfer);
    }
    let arr = js_sys::Array::new();
    arr.push(&JsValue::from_str(&json));
    for b in bins {
        let buffer = js_sys::Uint8Array::from(b.as_slice()).buffer();
        transfer.push(&buffer);
        arr.push(&buffer);
    }
    (arr.into(), transfer)
}

/// Splits a received message into its JSON text and binary attachments.
pub fn unpack(data: JsValue) -> Option<(String, Vec<Vec<u8>>)> {
    if let Some(text) = data.as_string() {
        return Some((text, Vec::new()));
    }
    let arr = data.dyn_into::<js_sys::Array>().ok()?;
    let text = arr.get(0).as_string()?;
    let bins = (1..arr.length())
        .map(|i| js_sys::Uint8Array::new(&arr.get(i)).to_vec())
        .collect();
    Some((text, bins))
}
