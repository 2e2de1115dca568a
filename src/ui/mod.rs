//! The Leptos user interface. It holds no burn: every tensor op happens in the worker, and
//! the UI only draws what it receives. One component per file.

mod about;
mod app;
mod badge;
mod canvas;
mod cifar;
mod client;
mod device_check;
mod download;
mod export;
mod form;
mod home;
mod hooks;
mod hsi;
mod job_indicator;
mod lab;
mod presenter;
mod runs;
mod smoke;
mod state;
mod url;
mod widgets;

pub use app::App;

/// Entry point of the UI binary.
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}

/// Registers `sw.js` (offline use after a first visit) where the browser offers service
/// workers; without them the app simply needs the network. Its URL names the worker `build`
/// the page runs, the one of the two it caches for offline use.
fn register_service_worker(build: client::WorkerBuild) {
    use wasm_bindgen::JsCast;
    let Some(w) = web_sys::window() else { return };
    let Ok(sw) = js_sys::Reflect::get(&w.navigator(), &"serviceWorker".into()) else {
        return;
    };
    if sw.is_undefined() {
        return;
    }
    let Some(register) = js_sys::Reflect::get(&sw, &"register".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
    else {
        return;
    };
    if let Ok(p) = register.call1(&sw, &format!("./sw.js?worker={}", build.id()).into()) {
        // No reactive owner is needed: wasm-bindgen's executor runs the promise.
        wasm_bindgen_futures::spawn_local(async move {
            // A refusal (private mode, an odd origin) only means no offline use.
            let _ = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(p)).await;
        });
    }
}
