//! The UI binary (Leptos, no burn): built by Trunk with `--no-default-features --features ui`.

#[cfg(target_arch = "wasm32")]
fn main() {
    convlab::ui::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the app binary only runs in the browser; build it with Trunk");
    std::process::exit(2);
}
