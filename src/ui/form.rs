//! Small form pieces shared by the labs: number and checkbox inputs bound to signals, and
//! the files of a file input.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// A labelled number input bound to `value` (unparsable text leaves it unchanged).
pub fn num_input<T: std::str::FromStr + ToString + Copy + Send + Sync + 'static>(
    label: &'static str,
    testid: &'static str,
    value: RwSignal<T>,
    step: &'static str,
) -> impl IntoView {
    view! {
        <label>
            {label}
            " "
            <input
                type="number"
                step=step
                data-testid=testid
                prop:value=move || value.get().to_string()
                on:change=move |ev| {
                    if let Ok(v) = event_target_value(&ev).parse::<T>() {
                        value.set(v);
                    }
                }
            />
        </label>
    }
}

/// A labelled checkbox bound to `value`.
pub fn check_input(
    label: &'static str,
    testid: &'static str,
    value: RwSignal<bool>,
) -> impl IntoView {
    view! {
        <label>
            <input
                type="checkbox"
                data-testid=testid
                prop:checked=move || value.get()
                on:change=move |ev| {
                    if let Some(t) = ev
                        .target()
                        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
                    {
                        value.set(t.checked());
                    }
                }
            />
            " "
            {label}
        </label>
    }
}

/// The files chosen in the input that fired `ev`.
pub fn files_of(ev: &leptos::ev::Event) -> Vec<web_sys::File> {
    let Some(input) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
    else {
        return Vec::new();
    };
    let Some(list) = input.files() else {
        return Vec::new();
    };
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}
