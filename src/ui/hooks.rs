//! Test hooks, installed only when the page is opened with `test-hooks=1`: the browser fault
//! tests call `window.convlabFault(kind)` (handled by the worker as soon as it arrives) and
//! `window.convlabStats()`, whose answer lands in `window.convlabLastStats`.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use super::client::send;
use crate::messages::Request;

/// Defines `window.convlabFault` and `window.convlabStats`.
pub fn install() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let fault = Closure::<dyn Fn(String)>::new(|kind: String| send(&Request::Fault { kind }));
    let stats = Closure::<dyn Fn()>::new(|| send(&Request::Stats));
    let _ = js_sys::Reflect::set(
        &window,
        &"convlabFault".into(),
        fault.as_ref().unchecked_ref(),
    );
    let _ = js_sys::Reflect::set(
        &window,
        &"convlabStats".into(),
        stats.as_ref().unchecked_ref(),
    );
    fault.forget();
    stats.forget();
}

/// Publishes the worker's memory figures for the tests to read.
pub fn publish_stats(wasm_bytes: f64, jobs: usize) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let o = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&o, &"wasmBytes".into(), &wasm_bytes.into());
    let _ = js_sys::Reflect::set(&o, &"jobs".into(), &(jobs as f64).into());
    let _ = js_sys::Reflect::set(&window, &"convlabLastStats".into(), &o);
}
