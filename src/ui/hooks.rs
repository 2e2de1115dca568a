//! Test hooks, installed only when the page is opened with `test-hooks=1`: the browser fault
//! tests call `window.convlabFault(kind)` (handled by the worker as soon as it arrives) and
//! `window.convlabStats()`, whose answer lands in `window.convlabLastStats`.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::messages::Request;

/// Defines `window.convlabFault` and `window.convlabStats`, which post their requests with
/// `send` (the client's; passed in, so that the client and the state store, which publishes
/// the answers here, need not import each other through this file).
pub fn install(send: fn(&Request)) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let fault = Closure::<dyn Fn(String)>::new(move |kind: String| send(&Request::Fault { kind }));
    let stats = Closure::<dyn Fn()>::new(move || send(&Request::Stats));
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
