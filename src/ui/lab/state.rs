//! The Conv lab's and the Models page's signals, written by the worker's [`LabResponse`]s
//! (and the model tables of `Response::Models`).

use leptos::prelude::*;

use crate::cost::CostTable;
use crate::messages::ModelTable;
use crate::messages::lab::{ConvMapsInfo, LabResponse, SpectralInfo, WalkInfo};

/// All Conv lab and Models page signals (`Copy`, kept in [`crate::ui::state::AppState`] as
/// `lab`).
#[derive(Clone, Copy)]
pub struct LabSignals {
    /// Models page: the layer tables of the real burn modules.
    pub models: RwSignal<Vec<ModelTable>>,
    /// Conv lab: the cost table from the worker's burn modules.
    pub conv_cost: RwSignal<Option<CostTable>>,
    /// Conv lab: the latest feature maps and their RGBA tiles.
    pub conv_maps: RwSignal<Option<(ConvMapsInfo, Vec<Vec<u8>>)>>,
    /// Conv lab: the latest 2-D against 3-D outputs and their RGBA tiles.
    pub spectral: RwSignal<Option<(SpectralInfo, Vec<Vec<u8>>)>>,
    /// Models page walkthrough: the latest layer table and view with its RGBA tiles.
    pub walk: RwSignal<Option<(WalkInfo, Vec<Vec<u8>>)>>,
}

impl LabSignals {
    pub fn new() -> Self {
        Self {
            models: RwSignal::new(Vec::new()),
            conv_cost: RwSignal::new(None),
            conv_maps: RwSignal::new(None),
            spectral: RwSignal::new(None),
            walk: RwSignal::new(None),
        }
    }

    /// Applies a response of the Conv lab or the walkthrough (with its RGBA attachments).
    pub fn apply(&self, resp: LabResponse, bins: Vec<Vec<u8>>) {
        match resp {
            LabResponse::ConvCost(t) => self.conv_cost.set(Some(t)),
            LabResponse::ConvMaps(info) => self.conv_maps.set(Some((info, bins))),
            LabResponse::SpectralConv(info) => self.spectral.set(Some((info, bins))),
            LabResponse::Walk(info) => self.walk.set(Some((info, bins))),
        }
    }
}

impl Default for LabSignals {
    fn default() -> Self {
        Self::new()
    }
}
