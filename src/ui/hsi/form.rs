//! The lab's form (settings, view choices and the files chosen for upload); it lives in the
//! app's context so it survives page switches, and links read and write it through
//! [`crate::share::read_hsi`] and [`crate::share::hsi_pairs`].

use leptos::prelude::*;

use crate::config::HsiTrainConfig;
use crate::data::Guard;
use crate::share::{HSI_BAND, HSI_VIEWS, HsiLink, Query, hsi_pairs, read_hsi};

/// The lab's form state; lives in the app's context so it survives page switches.
#[derive(Clone, Copy)]
pub struct HsiForm {
    pub pca: RwSignal<usize>,
    pub patch: RwSignal<usize>,
    pub fraction: RwSignal<f64>,
    pub seed: RwSignal<u64>,
    pub spatial: RwSignal<bool>,
    pub guard: RwSignal<Guard>,
    pub val_fraction: RwSignal<f64>,
    pub epochs: RwSignal<usize>,
    pub batch: RwSignal<usize>,
    pub lr: RwSignal<f64>,
    pub paper: RwSignal<bool>,
    pub max_train: RwSignal<usize>,
    /// Random flips and 90° rotations of the training patches.
    pub augment: RwSignal<bool>,
    /// Classes with fewer training pixels are repeated up to this many per epoch (0 = off).
    pub min_per_class: RwSignal<usize>,
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
        let d = HsiTrainConfig::default();
        Self {
            pca: RwSignal::new(d.pca),
            patch: RwSignal::new(d.patch),
            fraction: RwSignal::new(d.train_fraction),
            seed: RwSignal::new(d.seed),
            spatial: RwSignal::new(d.spatial),
            guard: RwSignal::new(d.guard),
            val_fraction: RwSignal::new(d.val_fraction),
            epochs: RwSignal::new(d.epochs),
            batch: RwSignal::new(d.batch_size),
            lr: RwSignal::new(d.lr),
            paper: RwSignal::new(!d.batch_norm),
            max_train: RwSignal::new(d.max_train),
            augment: RwSignal::new(d.augment),
            min_per_class: RwSignal::new(d.min_per_class),
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
        let s = l.settings;
        self.pca.set(s.pca);
        self.patch.set(s.patch);
        self.fraction.set(s.train_fraction);
        self.seed.set(s.seed);
        self.spatial.set(s.spatial);
        self.guard.set(s.guard);
        self.val_fraction.set(s.val_fraction);
        self.epochs.set(s.epochs);
        self.batch.set(s.batch_size);
        self.lr.set(s.lr);
        self.paper.set(!s.batch_norm);
        self.max_train.set(s.max_train);
        self.augment.set(s.augment);
        self.min_per_class.set(s.min_per_class);
        self.band.set(l.band);
        self.grey.set(l.grey);
        self.view_mode.set(l.view);
        self.pretrained.set(l.pretrained);
    }

    /// The training settings on the form (validated every epoch, a fresh run).
    pub fn settings(&self) -> HsiTrainConfig {
        HsiTrainConfig {
            pca: self.pca.get_untracked(),
            patch: self.patch.get_untracked(),
            train_fraction: self.fraction.get_untracked(),
            val_fraction: self.val_fraction.get_untracked(),
            spatial: self.spatial.get_untracked(),
            guard: self.guard.get_untracked(),
            seed: self.seed.get_untracked(),
            epochs: self.epochs.get_untracked(),
            batch_size: self.batch.get_untracked(),
            lr: self.lr.get_untracked(),
            batch_norm: !self.paper.get_untracked(),
            max_train: self.max_train.get_untracked(),
            val_every: 1,
            augment: self.augment.get_untracked(),
            min_per_class: self.min_per_class.get_untracked(),
            ..HsiTrainConfig::default()
        }
    }

    /// The form and the view as a link holds them.
    fn link(&self) -> HsiLink {
        HsiLink {
            settings: self.settings(),
            band: self.band.get_untracked(),
            grey: self.grey.get_untracked(),
            view: self.view_mode.get_untracked(),
            pretrained: self.pretrained.get_untracked(),
        }
    }
}
