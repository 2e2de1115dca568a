//! Classroom mode: large type and high contrast for a projector, keyboard shortcuts, and
//! full-screen views.
//!
//! Shortcuts (ignored while typing in a field): `p` presenter mode on/off, `→`/`n` next page,
//! `←` previous page, `s` start or stop training on the current lab (the buttons marked
//! `data-shortcut="start"`/`"stop"`), `f` full screen for the page's main figure (marked
//! `data-fullscreen`), `?` this help.

use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::state::{AppState, Page};

/// Asks the browser to show `el` full screen (through Reflect: no extra web-sys feature).
pub fn fullscreen(el: &web_sys::Element) {
    if let Ok(f) = js_sys::Reflect::get(el, &"requestFullscreen".into())
        && let Ok(f) = f.dyn_into::<js_sys::Function>()
        && let Ok(p) = f.call0(el)
        && let Ok(p) = p.dyn_into::<js_sys::Promise>()
    {
        leptos::task::spawn_local(async move {
            // Refused without a user gesture or in some embeds: the view simply stays.
            let _ = wasm_bindgen_futures::JsFuture::from(p).await;
        });
    }
}

/// Clicks the first enabled element matching `selector`; false when there is none.
fn click_first(selector: &str) -> bool {
    let el = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| {
            d.query_selector(&format!("{selector}:not([disabled])"))
                .ok()
                .flatten()
        })
        .and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok());
    match el {
        Some(el) => {
            el.click();
            true
        }
        None => false,
    }
}

fn set_body_class(on: bool) {
    if let Some(body) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.body())
    {
        let _ = if on {
            body.class_list().add_1("presenter")
        } else {
            body.class_list().remove_1("presenter")
        };
    }
}

/// The presenter toggle (in the header) and the keyboard shortcuts.
#[component]
pub fn PresenterToggle() -> impl IntoView {
    let state = expect_context::<AppState>();
    Effect::new(move |_| set_body_class(state.presenter.get()));
    let help = RwSignal::new(false);
    let handle = window_event_listener(ev::keydown, move |e: web_sys::KeyboardEvent| {
        let typing = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA"));
        if typing || e.ctrl_key() || e.meta_key() || e.alt_key() {
            return;
        }
        let step = |d: isize| {
            let all = Page::ALL;
            let i = all
                .iter()
                .position(|p| *p == state.page.get_untracked())
                .unwrap_or(0) as isize;
            let n = all.len() as isize;
            state.page.set(all[((i + d).rem_euclid(n)) as usize]);
        };
        match e.key().as_str() {
            "p" => state.presenter.update(|p| *p = !*p),
            "n" | "ArrowRight" => step(1),
            "ArrowLeft" => step(-1),
            "s" => {
                if !click_first("[data-shortcut=stop]") {
                    click_first("[data-shortcut=start]");
                }
            }
            "f" => {
                if let Some(el) = web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.query_selector("[data-fullscreen]").ok().flatten())
                {
                    fullscreen(&el);
                }
            }
            "?" => help.update(|h| *h = !*h),
            _ => return,
        }
        e.prevent_default();
    });
    on_cleanup(move || handle.remove());
    view! {
        <button class="presenter-toggle" data-testid="presenter" aria-pressed=move || state.presenter.get().to_string()
            title="Presenter mode: large type and high contrast (key p; ? for all shortcuts)"
            on:click=move |_| state.presenter.update(|p| *p = !*p)>
            {move || if state.presenter.get() { "Presenter: on" } else { "Presenter" }}
        </button>
        <Show when=move || help.get()>
            <div class="shortcuts" data-testid="shortcuts" role="dialog">
                <b>"Keyboard shortcuts"</b>
                <ul>
                    <li><kbd>"p"</kbd>" presenter mode on/off"</li>
                    <li><kbd>"→"</kbd>" / "<kbd>"n"</kbd>" next page, "<kbd>"←"</kbd>" previous page"</li>
                    <li><kbd>"s"</kbd>" start or stop training on this lab"</li>
                    <li><kbd>"f"</kbd>" full screen for this page's main figure"</li>
                    <li><kbd>"?"</kbd>" this help"</li>
                </ul>
                <button on:click=move |_| help.set(false)>"Close"</button>
            </div>
        </Show>
    }
}
