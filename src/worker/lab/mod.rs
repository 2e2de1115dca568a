//! The worker's Conv lab and walkthrough requests ([`LabRequest`]), answered on the second
//! queue beside a running training job: the cost table from burn modules, feature maps of a
//! picture, 2-D against 3-D convolution on an Indian Pines slab (`conv.rs`), and one layer of
//! a model for one input (`walk.rs`). Both draw on the same fetched pictures and shipped
//! weights (`assets.rs`) and answer with RGBA tiles (`tiles.rs`). A failed request (a bad
//! upload, say) leaves what was loaded untouched.

mod assets;
mod conv;
mod tiles;
mod walk;

use burn::tensor::Device;

use crate::messages::lab::LabRequest;
use crate::worker::WorkerError;

/// What the Conv lab and the walkthrough keep between requests (all of it on the device of
/// the moment, or fetched: dropped when the device is lost).
#[derive(Default)]
pub struct LabState {
    assets: assets::Assets,
    conv: conv::ConvState,
    /// The walkthrough's model.
    walk: Option<walk::Loaded>,
}

pub async fn handle(
    st: &mut LabState,
    device: &Device,
    req: LabRequest,
    bins: Vec<Vec<u8>>,
) -> Result<(), WorkerError> {
    match req {
        LabRequest::ConvCost(spec) => conv::cost(device, &spec),
        LabRequest::ConvMaps(s) => conv::maps(&mut st.assets, &mut st.conv, device, s, bins).await,
        LabRequest::SpectralConv { depth } => conv::spectral(&mut st.conv, device, depth).await,
        LabRequest::Walk(s) => walk::handle(&mut st.assets, &mut st.walk, device, s).await,
    }
}
