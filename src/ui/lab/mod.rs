//! The Conv lab page (`conv_lab.rs`: the cost calculator, then the feature maps and the 2-D
//! against 3-D views of `conv_maps.rs` and `conv_spectral.rs`, all on the settings of
//! `conv_form.rs`) and the Models page (`models.rs`: the layer tables, then the walkthrough of
//! `walkthrough.rs`, both drawing rows with `layers.rs`). Files here import only downwards:
//! a page imports its views, the views import the shared settings and rows. Their signals
//! are [`LabSignals`] (`state.rs`), kept in `AppState` as `lab`.

mod conv_form;
mod conv_lab;
mod conv_maps;
mod conv_spectral;
mod layers;
mod models;
mod state;
mod walkthrough;

pub use conv_form::ConvForm;
pub use conv_lab::ConvLab;
pub use models::ModelsPage;
pub use state::LabSignals;
