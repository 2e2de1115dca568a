//! The Leptos user interface. It holds no burn: every tensor op happens in the worker, and
//! the UI only draws what it receives. One component per file.

mod about;
mod app;
mod badge;
mod canvas;
mod cifar;
mod cifar_compare;
mod cifar_results;
mod cifar_state;
mod client;
mod download;
mod hyperspectral;
mod models;
mod smoke;
mod state;

pub use app::App;

/// Entry point of the UI binary.
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}
