//! A model's layer rows as the Models page's tables and the walkthrough draw them.

use leptos::prelude::*;

use crate::cost::thousands;
use crate::messages::LayerRow;

/// A layer row's cells after its name: kind, output, parameters, MACs and share (with a bar).
pub fn layer_cells(l: LayerRow, total_macs: f64) -> impl IntoView {
    let share = 100.0 * l.macs as f64 / total_macs;
    view! {
        <td>{l.kind}</td>
        <td>{shape(&l.output)}</td>
        <td>{thousands(l.params as u64)}</td>
        <td>{thousands(l.macs)}</td>
        <td>
            <span class="share" style=format!("width:{:.0}px", share * 1.5)></span>
            {format!(" {share:.1} %")}
        </td>
    }
}

pub fn shape(s: &[usize]) -> String {
    s.iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("×")
}
