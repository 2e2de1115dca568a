//! Small form pieces shared by the labs: number and checkbox inputs bound to a signal or to
//! one field of a settings struct ([`Field`], made by [`field!`]), and the files
//! of a file input.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// What a form input reads and writes: a signal of its own, or a [`Field`] of a struct.
pub trait Bind<T>: Copy + Send + Sync + 'static {
    /// The value, tracked.
    fn read(&self) -> T;
    fn write(&self, value: T);
}

impl<T: Clone + Send + Sync + 'static> Bind<T> for RwSignal<T> {
    fn read(&self) -> T {
        self.get()
    }
    fn write(&self, value: T) {
        self.set(value)
    }
}

/// One field of a settings struct held in one signal: reading it tracks the struct, writing
/// it updates the struct in place. A lab's form keeps its settings as the one struct the
/// worker and links take (`HsiTrainConfig`, `CifarTrainConfig`), not a signal per field.
pub struct Field<S: Send + Sync + 'static, T> {
    store: RwSignal<S>,
    get: fn(&S) -> T,
    set: fn(&mut S, T),
}

impl<S: Send + Sync + 'static, T> Clone for Field<S, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S: Send + Sync + 'static, T> Copy for Field<S, T> {}

impl<S: Send + Sync + 'static, T> Field<S, T> {
    /// The field `get` reads and `set` writes (for a plain field, [`field!`]).
    pub fn new(store: RwSignal<S>, get: fn(&S) -> T, set: fn(&mut S, T)) -> Self {
        Self { store, get, set }
    }

    /// The value, tracked.
    pub fn get(&self) -> T {
        self.store.with(self.get)
    }

    pub fn set(&self, value: T) {
        self.store.update(|s| (self.set)(s, value));
    }
}

impl<S: Send + Sync + 'static, T: 'static> Bind<T> for Field<S, T> {
    fn read(&self) -> T {
        self.get()
    }
    fn write(&self, value: T) {
        self.set(value)
    }
}

/// The [`Field`] `name` of the struct in the signal `store`: `field!(form.settings, epochs)`.
macro_rules! field {
    ($store:expr, $name:ident) => {
        $crate::ui::form::Field::new($store, |s| s.$name, |s, v| s.$name = v)
    };
}
pub(crate) use field;

/// A labelled number input bound to `value` (unparsable text leaves it unchanged).
pub fn num_input<T: std::str::FromStr + ToString + 'static>(
    label: &'static str,
    testid: &'static str,
    value: impl Bind<T>,
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
                prop:value=move || value.read().to_string()
                on:change=move |ev| {
                    if let Ok(v) = event_target_value(&ev).parse::<T>() {
                        value.write(v);
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
    value: impl Bind<bool>,
) -> impl IntoView {
    view! {
        <label>
            <input
                type="checkbox"
                data-testid=testid
                prop:checked=move || value.read()
                on:change=move |ev| {
                    if let Some(t) = ev
                        .target()
                        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
                    {
                        value.write(t.checked());
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
