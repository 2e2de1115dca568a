//! The lab's form (settings, view choices and the files chosen for upload); it lives in the
//! app's context so it survives page switches, and links read and write it through
//! [`crate::share::read_hsi`] and [`crate::share::hsi_pairs`].

use leptos::prelude::*;

use crate::config::HsiTrainConfig;
use crate::share::{HSI_BAND, HSI_VIEWS, HsiLink, Query, hsi_pairs, read_hsi};
use crate::ui::form::Field;

/// The lab's form state; lives in the app's context so it survives page switches.
#[derive(Clone, Copy)]
pub struct HsiForm {
    /// The training settings on the form, as the worker and links take them; inputs bind to
    /// its fields with [`field!`](crate::ui::form::field).
    pub settings: RwSignal<HsiTrainConfig>,
    pub band: RwSignal<usize>,
    pub grey: RwSignal<bool>,
    pub view_mode: RwSignal<String>,
    pub scene_file: RwSignal<Option<(String, Vec<u8>)>>,
    pub gt_file: RwSignal<Option<(String, Vec<u8>)>>,
    /// The arrays chosen as cube and ground truth (None = the first candidate).
    pub cube_var: RwSignal<Option<String>>,
    pub gt_var: RwSignal<Option<String>>,
    /// Label values of the uploaded ground truth to treat as unlabelled (e.g. `255`).
    pub unlabelled: RwSignal<String>,
    /// Renumber the uploaded ground truth's values as classes 1..K.
    pub renumber: RwSignal<bool>,
    /// Show the pretrained map as soon as the bundled scene is in (a link can ask for it).
    pub pretrained: RwSignal<bool>,
}

impl Default for HsiForm {
    fn default() -> Self {
        Self::new()
    }
}

impl HsiForm {
    pub fn new() -> Self {
        Self {
            settings: RwSignal::new(HsiTrainConfig::default()),
            band: RwSignal::new(HSI_BAND),
            grey: RwSignal::new(false),
            view_mode: RwSignal::new(HSI_VIEWS[0].into()),
            scene_file: RwSignal::new(None),
            gt_file: RwSignal::new(None),
            cube_var: RwSignal::new(None),
            gt_var: RwSignal::new(None),
            unlabelled: RwSignal::new(String::new()),
            renumber: RwSignal::new(false),
            pretrained: RwSignal::new(false),
        }
    }

    /// The form as a link's parameters restore it (bad values fall back with a notice). A
    /// link holds settings and the view only: never a scene or weights.
    pub fn from_query(q: &mut Query) -> Self {
        let f = Self::new();
        f.set(read_hsi(q));
        f
    }

    /// The parameters of a link that reopens this view.
    pub fn to_pairs(self) -> Vec<(&'static str, String)> {
        let mut pairs = vec![("page", "hyperspectral".to_string())];
        pairs.extend(hsi_pairs(&self.link()));
        pairs
    }

    fn set(&self, l: HsiLink) {
        self.settings.set(l.settings);
        self.band.set(l.band);
        self.grey.set(l.grey);
        self.view_mode.set(l.view);
        self.pretrained.set(l.pretrained);
    }

    /// The "paper variant" box: the settings' batch norm, inverted.
    pub fn paper(&self) -> Field<HsiTrainConfig, bool> {
        Field::new(self.settings, |s| !s.batch_norm, |s, v| s.batch_norm = !v)
    }

    /// The form and the view as a link holds them.
    fn link(&self) -> HsiLink {
        HsiLink {
            settings: self.settings.get_untracked(),
            band: self.band.get_untracked(),
            grey: self.grey.get_untracked(),
            view: self.view_mode.get_untracked(),
            pretrained: self.pretrained.get_untracked(),
        }
    }
}
