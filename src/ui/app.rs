//! The app shell: navigation, backend badge, error banner, and the current page.

use leptos::prelude::*;

use super::about::About;
use super::badge::BackendBadge;
use super::cifar::{CifarForm, CifarLab};
use super::client;
use super::home::Home;
use super::hsi::{HsiForm, HyperspectralLab};
use super::job_indicator::JobIndicator;
use super::lab::{ConvForm, ConvLab, ModelsPage};
use super::presenter::PresenterToggle;
use super::runs::RunsPage;
use super::smoke::SmokePanel;
use super::state::{AppState, Page};
use super::url;
use crate::messages::BackendChoice;

#[component]
pub fn App() -> impl IntoView {
    // The link's parameters, read strictly: a bad value falls back with a notice.
    let mut q = url::query();
    let ids: Vec<&str> = Page::ALL.iter().map(|p| p.id()).collect();
    let page =
        Page::from_id(&q.choice("page", &ids, crate::share::HOME_PAGE)).unwrap_or(Page::Home);
    let backend = match q.choice("backend", &["auto", "cpu"], "auto").as_str() {
        "cpu" => BackendChoice::Cpu,
        _ => BackendChoice::Auto,
    };
    // The worker build: the fastest this browser runs, or SIMD128 when the link asks.
    let simd128 = client::WorkerBuild::Simd128;
    let build = match q.choice("worker", &["auto", simd128.id()], "auto") {
        id if id == simd128.id() => simd128,
        _ => client::WorkerBuild::detect(),
    };
    let hsi = HsiForm::from_query(&mut q);
    let conv = ConvForm::from_query(&mut q);
    let cifar = CifarForm::from_query(&mut q);
    let state = AppState::new(page);
    state.presenter.set(q.flag("presenter", false));
    if q.flag("test-hooks", false) {
        super::hooks::install(super::client::send);
    }
    state.notices.set(q.notices);
    provide_context(state);
    provide_context(hsi);
    provide_context(conv);
    provide_context(cifar);
    super::register_service_worker(build);
    client::start(state, backend, build);

    // Each page is a URL: moving between pages adds a history entry (the first page shown
    // only rewrites its own, dropping a page name that was ignored), and Back and Forward
    // move between them.
    let first = StoredValue::new(true);
    Effect::new(move |_| {
        let id = state.page.get().id();
        url::show_page(id, first.get_value());
        first.set_value(false);
    });
    url::on_history_move(move |id| state.page.set(Page::from_id(&id).unwrap_or(Page::Home)));

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
            <PresenterToggle />
            <JobIndicator />
            <BackendBadge />
        </header>
        <Show when=move || state.error.get().is_some()>
            <div class="error" data-testid="error" role="alert">
                {move || state.error.get().unwrap_or_default()}
                <button on:click=move |_| state.error.set(None)>"Dismiss"</button>
            </div>
        </Show>
        <Show when=move || !state.notices.get().is_empty()>
            <div class="notice" data-testid="url-notice" role="status">
                {move || state.notices.get().join(" ")}
                <button on:click=move |_| state.notices.set(Vec::new())>"Dismiss"</button>
            </div>
        </Show>
        <main>
            {move || match state.page.get() {
                Page::Home => view! { <Home /> }.into_any(),
                Page::Bench => view! { <SmokePanel /> }.into_any(),
                Page::Hyperspectral => view! { <HyperspectralLab /> }.into_any(),
                Page::ConvLab => view! { <ConvLab /> }.into_any(),
                Page::Cifar => view! { <CifarLab /> }.into_any(),
                Page::Models => view! { <ModelsPage /> }.into_any(),
                Page::Runs => view! { <RunsPage /> }.into_any(),
                Page::About => view! { <About /> }.into_any(),
            }}
        </main>
    }
}
