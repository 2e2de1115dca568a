//! The app shell: navigation, backend badge, error banner, and the current page.

use leptos::prelude::*;

use super::about::About;
use super::badge::BackendBadge;
use super::cifar::{CifarForm, CifarLab};
use super::client;
use super::hyperspectral::{HsiForm, HyperspectralLab};
use super::models::ModelsPage;
use super::smoke::SmokePanel;
use super::state::{AppState, Page};
use crate::messages::BackendChoice;

fn query_param(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    let params = web_sys::UrlSearchParams::new_with_str(&search).ok()?;
    params.get(name)
}

#[component]
pub fn App() -> impl IntoView {
    let page = query_param("page")
        .and_then(|p| Page::from_id(&p))
        .unwrap_or(Page::Home);
    let state = AppState::new(page);
    provide_context(state);
    provide_context(HsiForm::new());
    provide_context(CifarForm::new());
    let backend = match query_param("backend").as_deref() {
        Some("cpu") => BackendChoice::Cpu,
        _ => BackendChoice::Auto,
    };
    client::spawn(state, backend);

    let nav = Page::ALL
        .into_iter()
        .map(|p| {
            let current = move || state.page.get() == p;
            view! {
                <button
                    class="nav"
                    class:active=current
                    data-testid=format!("nav-{}", p.id())
                    on:click=move |_| state.page.set(p)
                >
                    {p.title()}
                </button>
            }
        })
        .collect_view();

    view! {
        <header>
            <h1>"convlab"</h1>
            <nav>{nav}</nav>
            <BackendBadge />
        </header>
        <Show when=move || state.error.get().is_some()>
            <div class="error" data-testid="error" role="alert">
                {move || state.error.get().unwrap_or_default()}
                <button on:click=move |_| state.error.set(None)>"Dismiss"</button>
            </div>
        </Show>
        <main>
            {move || match state.page.get() {
                Page::Home => view! { <SmokePanel /> }.into_any(),
                Page::Hyperspectral => view! { <HyperspectralLab /> }.into_any(),
                Page::Cifar => view! { <CifarLab /> }.into_any(),
                Page::Models => view! { <ModelsPage /> }.into_any(),
                Page::About => view! { <About /> }.into_any(),
            }}
        </main>
    }
}
