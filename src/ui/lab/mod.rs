//! The Conv lab page (`conv_lab.rs`: the cost calculator, then the feature maps and the 2-D
//! against 3-D views of `conv_maps.rs` and `conv_spectral.rs`, all on the settings of
//! `conv_form.rs`) and the Models page (`models.rs`: the layer tables, then the walkthrough of
//! `walkthrough.rs`, both drawing rows with `layers.rs`). Files here import only downwards:
//! a page imports its views, the views import the shared settings and rows.

mod conv_form;
mod conv_lab;
mod conv_maps;
mod conv_spectral;
mod layers;
mod models;
mod walkthrough;

pub use conv_form::ConvForm;
pub use conv_lab::ConvLab;
pub use models::ModelsPage;

use leptos::prelude::Set;

use crate::messages::lab::LabResponse;
use crate::ui::state::AppState;

impl AppState {
    /// Applies a response of the Conv lab or the walkthrough (with its RGBA attachments).
    pub(in crate::ui) fn apply_lab(&self, resp: LabResponse, bins: Vec<Vec<u8>>) {
        match resp {
            LabResponse::ConvCost(t) => self.conv_cost.set(Some(t)),
            LabResponse::ConvMaps(info) => self.conv_maps.set(Some((info, bins))),
            LabResponse::SpectralConv(info) => self.spectral.set(Some((info, bins))),
            LabResponse::Walk(info) => self.walk.set(Some((info, bins))),
        }
    }
}
