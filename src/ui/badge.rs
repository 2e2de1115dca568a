//! The backend badge: the WebGPU adapter's name, or the CPU fallback, its kernels' build and why.

use leptos::prelude::*;

use super::state::AppState;

#[component]
pub fn BackendBadge() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <div class="badge" data-testid="backend-badge">
            {move || match state.backend.get() {
                None if state.worker_ready.get() => "Starting the compute device…".to_string(),
                None => "Loading the compute worker…".to_string(),
                // The backend and what runs it (the adapter, or the CPU kernels' build).
                Some(b) => format!("{} · {}", b.kind, b.name),
            }}
        </div>
        <Show when=move || state.backend.get().and_then(|b| b.reason).is_some()>
            <div class="badge-reason" data-testid="backend-reason">
                {move || state.backend.get().and_then(|b| b.reason).unwrap_or_default()}
            </div>
        </Show>
    }
}
