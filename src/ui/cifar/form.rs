//! The CIFAR-10 lab's form: its signals (in the app's context, so they survive page
//! switches), its settings for the worker, its link rules' entry points and its two recipes.

use leptos::prelude::*;

use crate::config::{CifarTrainConfig, LrSchedule, ModelKind};
use crate::share::{CifarLink, Query, cifar_pairs, read_cifar};

/// The lab's form; lives in the app's context so it survives page switches.
#[derive(Clone, Copy)]
pub struct CifarForm {
    pub model: RwSignal<ModelKind>,
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
        let CifarLink {
            config: d,
            cats_dogs,
        } = CifarLink::default();
        Self {
            model: RwSignal::new(d.model),
            width: RwSignal::new(d.width),
            epochs: RwSignal::new(d.epochs),
            batch: RwSignal::new(d.batch_size),
            lr: RwSignal::new(d.lr),
            cosine: RwSignal::new(d.schedule == LrSchedule::Cosine),
            warmup: RwSignal::new(d.warmup_epochs),
            smoothing: RwSignal::new(d.label_smoothing),
            wd: RwSignal::new(d.weight_decay),
            augment: RwSignal::new(d.augment()),
            seed: RwSignal::new(d.seed),
            max_train: RwSignal::new(d.max_train),
            max_test: RwSignal::new(d.max_test),
            val_fraction: RwSignal::new(d.val_fraction),
            cats_dogs: RwSignal::new(cats_dogs),
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
        pairs.extend(cifar_pairs(&self.link()));
        pairs
    }

    fn set(&self, l: CifarLink) {
        let s = l.config;
        self.model.set(s.model);
        self.width.set(s.width);
        self.batch.set(s.batch_size);
        self.seed.set(s.seed);
        self.max_train.set(s.max_train);
        self.max_test.set(s.max_test);
        self.val_fraction.set(s.val_fraction);
        self.cats_dogs.set(l.cats_dogs);
        self.set_recipe(&s);
    }

    /// The form's training settings and data set, as a link and the worker take them.
    pub fn link(&self) -> CifarLink {
        let augment = self.augment.get_untracked();
        CifarLink {
            config: CifarTrainConfig {
                model: self.model.get_untracked(),
                width: self.width.get_untracked(),
                epochs: self.epochs.get_untracked(),
                batch_size: self.batch.get_untracked(),
                lr: self.lr.get_untracked(),
                schedule: LrSchedule::cosine(self.cosine.get_untracked()),
                warmup_epochs: self.warmup.get_untracked(),
                label_smoothing: self.smoothing.get_untracked(),
                weight_decay: self.wd.get_untracked(),
                crop: augment,
                flip: augment,
                seed: self.seed.get_untracked(),
                max_train: self.max_train.get_untracked(),
                max_test: self.max_test.get_untracked(),
                val_fraction: self.val_fraction.get_untracked(),
                ..CifarTrainConfig::lab()
            },
            cats_dogs: self.cats_dogs.get_untracked(),
        }
    }

    /// The recipe part of `r` (optimiser, schedule, regularisation, augmentation, epochs);
    /// model, width, batch and data stay as they are.
    fn set_recipe(&self, r: &CifarTrainConfig) {
        self.epochs.set(r.epochs);
        self.lr.set(r.lr);
        self.cosine.set(r.schedule == LrSchedule::Cosine);
        self.warmup.set(r.warmup_epochs);
        self.smoothing.set(r.label_smoothing);
        self.wd.set(r.weight_decay);
        self.augment.set(r.augment());
    }

    /// The reference recipe ([`CifarTrainConfig::reference`]: Adam 1e-3, constant,
    /// crop + flip, 10 epochs; the batch stays the form's).
    pub(super) fn reference(&self) {
        self.set_recipe(&CifarTrainConfig::reference(self.model.get_untracked()));
    }

    /// convlab's recipe ([`CifarTrainConfig::recipe`]: AdamW 2e-3, warm-up + cosine, smoothing
    /// 0.1, wd 5e-4, crop + flip, 30 epochs; the batch stays the form's).
    pub(super) fn convlab(&self) {
        self.set_recipe(&CifarTrainConfig::recipe(self.model.get_untracked()));
    }
}
