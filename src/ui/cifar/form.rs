//! The CIFAR-10 lab's form: its signals (in the app's context, so they survive page
//! switches), its settings for the worker, its link rules' entry points and its two recipes.

use leptos::prelude::*;

use crate::messages::cifar::CifarSettings;
use crate::share::{Query, cifar_pairs, read_cifar};

/// The models the lab trains: URL and `<option>` value, and name.
pub const MODELS: [(&str, &str); 3] = [
    ("mobilenetv1", "MobileNetV1"),
    ("mobilenetv2", "MobileNetV2"),
    ("plaincnn", "PlainCNN"),
];

/// The lab's form; lives in the app's context so it survives page switches.
#[derive(Clone, Copy)]
pub struct CifarForm {
    pub model: RwSignal<String>,
    pub width: RwSignal<f64>,
    pub epochs: RwSignal<usize>,
    pub batch: RwSignal<usize>,
    pub lr: RwSignal<f64>,
    pub cosine: RwSignal<bool>,
    pub warmup: RwSignal<usize>,
    pub smoothing: RwSignal<f32>,
    pub wd: RwSignal<f32>,
    pub augment: RwSignal<bool>,
    pub seed: RwSignal<u64>,
    pub max_train: RwSignal<usize>,
    pub max_test: RwSignal<usize>,
    pub val_fraction: RwSignal<f64>,
    pub cats_dogs: RwSignal<bool>,
}

impl Default for CifarForm {
    fn default() -> Self {
        Self::new()
    }
}

impl CifarForm {
    pub fn new() -> Self {
        let d = CifarSettings::default();
        Self {
            model: RwSignal::new(d.model),
            width: RwSignal::new(d.width),
            epochs: RwSignal::new(d.epochs),
            batch: RwSignal::new(d.batch_size),
            lr: RwSignal::new(d.lr),
            cosine: RwSignal::new(d.cosine),
            warmup: RwSignal::new(d.warmup_epochs),
            smoothing: RwSignal::new(d.label_smoothing),
            wd: RwSignal::new(d.weight_decay),
            augment: RwSignal::new(d.augment),
            seed: RwSignal::new(d.seed),
            max_train: RwSignal::new(d.max_train),
            max_test: RwSignal::new(d.max_test),
            val_fraction: RwSignal::new(d.val_fraction),
            cats_dogs: RwSignal::new(d.cats_dogs),
        }
    }

    /// The form as a link's parameters restore it (bad values fall back with a notice). A
    /// link holds settings only: never weights or data.
    pub fn from_query(q: &mut Query) -> Self {
        let f = Self::new();
        f.set(read_cifar(q));
        f
    }

    /// The parameters of a link that reopens this view.
    pub fn to_pairs(self) -> Vec<(&'static str, String)> {
        let mut pairs = vec![("page", "cifar".to_string())];
        pairs.extend(cifar_pairs(&self.settings()));
        pairs
    }

    fn set(&self, s: CifarSettings) {
        self.model.set(s.model);
        self.width.set(s.width);
        self.epochs.set(s.epochs);
        self.batch.set(s.batch_size);
        self.lr.set(s.lr);
        self.cosine.set(s.cosine);
        self.warmup.set(s.warmup_epochs);
        self.smoothing.set(s.label_smoothing);
        self.wd.set(s.weight_decay);
        self.augment.set(s.augment);
        self.seed.set(s.seed);
        self.max_train.set(s.max_train);
        self.max_test.set(s.max_test);
        self.val_fraction.set(s.val_fraction);
        self.cats_dogs.set(s.cats_dogs);
    }

    pub fn settings(&self) -> CifarSettings {
        CifarSettings {
            model: self.model.get_untracked(),
            width: self.width.get_untracked(),
            epochs: self.epochs.get_untracked(),
            batch_size: self.batch.get_untracked(),
            lr: self.lr.get_untracked(),
            cosine: self.cosine.get_untracked(),
            warmup_epochs: self.warmup.get_untracked(),
            label_smoothing: self.smoothing.get_untracked(),
            weight_decay: self.wd.get_untracked(),
            augment: self.augment.get_untracked(),
            seed: self.seed.get_untracked(),
            max_train: self.max_train.get_untracked(),
            max_test: self.max_test.get_untracked(),
            val_fraction: self.val_fraction.get_untracked(),
            cats_dogs: self.cats_dogs.get_untracked(),
        }
    }

    /// The reference recipe (Adam 1e-3, constant, batch 128 → 32 here, crop + flip).
    pub(super) fn reference(&self) {
        self.lr.set(1e-3);
        self.cosine.set(false);
        self.warmup.set(0);
        self.smoothing.set(0.0);
        self.wd.set(0.0);
        self.augment.set(true);
        self.epochs.set(10);
    }

    /// convlab's recipe (AdamW 2e-3, warm-up + cosine, smoothing 0.1, wd 5e-4, crop + flip).
    pub(super) fn convlab(&self) {
        self.lr.set(2e-3);
        self.cosine.set(true);
        self.warmup.set(1);
        self.smoothing.set(0.1);
        self.wd.set(5e-4);
        self.augment.set(true);
        self.epochs.set(30);
    }
}
