//! The class legend.

use leptos::prelude::*;

use crate::ui::state::AppState;
use crate::viz;

/// Class legend with colours and pixel counts.
#[component]
pub fn Legend() -> impl IntoView {
    let state = expect_context::<AppState>();
    let hs = state.hsi;
    view! {
        <ul class="legend" data-testid="legend">
            {move || hs.scene.get().map(|s| {
                s.class_names.iter().enumerate().map(|(i, n)| {
                    let [r, g, b] = viz::palette::class_colour(i + 1);
                    let count = s.class_counts.get(i + 1).copied().unwrap_or(0);
                    view! {
                        <li>
                            <span class="swatch" style=format!("background:rgb({r},{g},{b})")></span>
                            {format!("{} {n} ({count})", i + 1)}
                        </li>
                    }
                }).collect_view()
            })}
        </ul>
    }
}
