//! The Conv lab's settings, shared by its three views (calculator, feature maps, 2-D against
//! 3-D): they live in the app's context so they survive page switches, and a link restores
//! them.

use leptos::prelude::*;

use crate::cost::ConvSpec;
use crate::data::picture::sample_list;
use crate::messages::lab::KernelChoice;
use crate::share::{Query, conv_spec_pairs, read_conv_spec};

/// The lab's settings (calculator, feature maps, 2-D against 3-D); lives in the app's
/// context so it survives page switches, and a link restores it.
#[derive(Clone, Copy)]
pub struct ConvForm {
    pub spec: RwSignal<ConvSpec>,
    /// The feature maps' picture: a bundled sample id (`cifar-3`, `catdog-1`) or `upload`.
    pub sample: RwSignal<String>,
    pub maps_out: RwSignal<usize>,
    pub kernels: RwSignal<KernelChoice>,
    pub maps_seed: RwSignal<u64>,
    /// Kernel depth of the 3-D convolution.
    pub depth: RwSignal<usize>,
}

/// Most output channels of the feature maps.
pub const MAX_MAPS_OUT: usize = 64;
/// Deepest 3-D kernel (the slab's bands).
pub const MAX_DEPTH: usize = 200;

impl Default for ConvForm {
    fn default() -> Self {
        Self::new()
    }
}

impl ConvForm {
    pub fn new() -> Self {
        Self {
            spec: RwSignal::new(ConvSpec::default()),
            sample: RwSignal::new("cifar-0".into()),
            maps_out: RwSignal::new(8),
            kernels: RwSignal::new(KernelChoice::default()),
            maps_seed: RwSignal::new(0),
            depth: RwSignal::new(7),
        }
    }

    /// The lab as a link's parameters restore it (bad values fall back with a notice; a
    /// calculator setting that fails the calculator's own checks restores its defaults).
    pub fn from_query(q: &mut Query) -> Self {
        let f = Self::new();
        f.spec.set(read_conv_spec(q));
        let ids: Vec<String> = sample_list().into_iter().map(|(id, _)| id).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        f.sample.set(q.choice("img", &ids, "cifar-0"));
        f.maps_out.set(q.int("maps_out", 8, 1, MAX_MAPS_OUT));
        let names = KernelChoice::ALL.map(KernelChoice::name);
        let name = q.choice("kernels", &names, KernelChoice::default().name());
        f.kernels
            .set(KernelChoice::from_name(&name).unwrap_or_default());
        f.maps_seed.set(q.int64("maps_seed", 0, 0, u64::MAX));
        f.depth.set(q.int("depth", 7, 1, MAX_DEPTH));
        f
    }

    /// The parameters of a link that reopens this view (an uploaded picture stays behind:
    /// a link never carries data, so it reopens on the first bundled sample).
    pub fn to_pairs(self) -> Vec<(&'static str, String)> {
        let mut pairs = vec![("page", "conv".to_string())];
        pairs.extend(conv_spec_pairs(&self.spec.get_untracked()));
        let sample = self.sample.get_untracked();
        if sample != "upload" {
            pairs.push(("img", sample));
        }
        pairs.extend([
            ("maps_out", self.maps_out.get_untracked().to_string()),
            ("kernels", self.kernels.get_untracked().name().to_string()),
            ("maps_seed", self.maps_seed.get_untracked().to_string()),
            ("depth", self.depth.get_untracked().to_string()),
        ]);
        pairs
    }
}
