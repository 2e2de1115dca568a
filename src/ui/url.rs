//! The page's URL as shared state: read once at start (strictly, see [`crate::share`]) and
//! written back by "Copy link".

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::share::{Query, page_id, to_query, with_page};

/// The query of the URL the page was opened with.
pub fn query() -> Query {
    Query::parse(&search())
}

/// The full link for these parameters (this page's address with a new query).
pub fn link(pairs: &[(&str, String)]) -> String {
    let loc = web_sys::window().map(|w| w.location());
    let origin = loc
        .as_ref()
        .and_then(|l| l.origin().ok())
        .unwrap_or_default();
    let path = loc.and_then(|l| l.pathname().ok()).unwrap_or_default();
    format!("{origin}{path}{}", to_query(pairs))
}

fn search() -> String {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default()
}

/// Calls `history.<method>(null, "", url)` (through Reflect: no extra web-sys feature).
fn history(method: &str, url: &str) {
    let Some(w) = web_sys::window() else { return };
    if let Ok(history) = js_sys::Reflect::get(&w, &"history".into())
        && let Ok(f) = js_sys::Reflect::get(&history, &method.into())
        && let Ok(f) = f.dyn_into::<js_sys::Function>()
    {
        let _ = f.call3(&history, &JsValue::NULL, &"".into(), &url.into());
    }
}

/// Shows page `id` in the address bar (a new history entry, other parameters kept), unless
/// it already does; `replace`: rewrite the current entry instead (the first page shown).
pub fn show_page(id: &str, replace: bool) {
    let search = search();
    if page_id(&search) == id {
        return;
    }
    let path = web_sys::window()
        .and_then(|w| w.location().pathname().ok())
        .unwrap_or_default();
    let url = format!("{path}{}", with_page(&search, id));
    history(if replace { "replaceState" } else { "pushState" }, &url);
}

/// Calls `f` with the page id of the address after each Back or Forward.
pub fn on_history_move(f: impl Fn(String) + 'static) {
    let Some(w) = web_sys::window() else { return };
    let cb = Closure::<dyn Fn()>::new(move || f(page_id(&search())));
    let _ = w.add_event_listener_with_callback("popstate", cb.as_ref().unchecked_ref());
    // The listener lives as long as the page.
    cb.forget();
}

/// Puts the link in the address bar (without reloading) and on the clipboard. Returns the
/// link; the clipboard may refuse (no permission), which the caller shows.
pub fn copy_link(pairs: &[(&str, String)]) -> (String, js_sys::Promise) {
    let url = link(pairs);
    history("replaceState", &url);
    if let Some(w) = web_sys::window() {
        let promise = w.navigator().clipboard().write_text(&url);
        return (url, promise);
    }
    (url.clone(), js_sys::Promise::resolve(&JsValue::UNDEFINED))
}

/// A "Copy link" button and the link it made (shown, so it can be copied by hand too).
#[component]
pub fn CopyLink(pairs: Callback<(), Vec<(&'static str, String)>>) -> impl IntoView {
    let state = expect_context::<super::state::AppState>();
    let made = RwSignal::new(None::<(String, bool)>);
    let click = move |_| {
        let mut pairs = pairs.run(());
        // Every lab's link carries presenter mode when it is on.
        if state.presenter.get_untracked() {
            pairs.push(("presenter", "1".into()));
        }
        let (url, promise) = copy_link(&pairs);
        made.set(Some((url.clone(), false)));
        leptos::task::spawn_local(async move {
            let copied = wasm_bindgen_futures::JsFuture::from(promise).await.is_ok();
            made.set(Some((url, copied)));
        });
    };
    view! {
        <span class="copy-link">
            <button data-testid="copy-link" on:click=click>"Copy link"</button>
            {move || made.get().map(|(url, copied)| view! {
                <input readonly size="48" data-testid="share-link" prop:value=url />
                <span class="note">{if copied { " copied" } else { " (select and copy)" }}</span>
            })}
        </span>
    }
}
