//! The CIFAR-10 lab's form: its signals (in the app's context, so they survive page
//! switches), its settings for the worker, its link rules' entry points and its two recipes.

use leptos::prelude::*;

use crate::config::{CifarTrainConfig, LrSchedule, ModelKind};
use crate::share::{CifarLink, Query, cifar_pairs, read_cifar};
use crate::ui::form::Field;

/// The lab's form; lives in the app's context so it survives page switches.
#[derive(Clone, Copy)]
pub struct CifarForm {
    /// The training settings on the form, as the worker and links take them; inputs bind to
    /// its fields with [`field!`](crate::ui::form::field).
    pub config: RwSignal<CifarTrainConfig>,
    /// Train on the cats and dogs photos instead of CIFAR-10.
    pub cats_dogs: RwSignal<bool>,
}

impl Default for CifarForm {
    fn default() -> Self {
        Self::new()
    }
}

impl CifarForm {
    pub fn new() -> Self {
        Self::from_link(CifarLink::default())
    }

    /// The form as a link's parameters restore it (bad values fall back with a notice). A
    /// link holds settings only: never weights or data.
    pub fn from_query(q: &mut Query) -> Self {
        Self::from_link(read_cifar(q))
    }

    fn from_link(CifarLink { config, cats_dogs }: CifarLink) -> Self {
        Self {
            config: RwSignal::new(config),
            cats_dogs: RwSignal::new(cats_dogs),
        }
    }

    /// The parameters of a link that reopens this view.
    pub fn to_pairs(self) -> Vec<(&'static str, String)> {
        let mut pairs = vec![("page", "cifar".to_string())];
        pairs.extend(cifar_pairs(&self.link()));
        pairs
    }

    /// The form's training settings and data set, as a link and the worker take them.
    pub fn link(&self) -> CifarLink {
        CifarLink {
            config: self.config.get_untracked(),
            cats_dogs: self.cats_dogs.get_untracked(),
        }
    }

    /// The "cosine schedule" box.
    pub fn cosine(&self) -> Field<CifarTrainConfig, bool> {
        Field::new(
            self.config,
            |c| c.schedule == LrSchedule::Cosine,
            |c, v| c.schedule = LrSchedule::cosine(v),
        )
    }

    /// The "augment" box: random crops and flips together.
    pub fn augment(&self) -> Field<CifarTrainConfig, bool> {
        Field::new(self.config, CifarTrainConfig::augment, |c, v| {
            c.crop = v;
            c.flip = v;
        })
    }

    fn model(&self) -> ModelKind {
        self.config.with_untracked(|c| c.model)
    }

    /// The recipe part of `r` (optimiser, schedule, regularisation, augmentation, epochs);
    /// model, width, batch and data stay as they are.
    fn set_recipe(&self, r: &CifarTrainConfig) {
        self.config.update(|c| {
            c.epochs = r.epochs;
            c.lr = r.lr;
            c.schedule = r.schedule;
            c.warmup_epochs = r.warmup_epochs;
            c.label_smoothing = r.label_smoothing;
            c.weight_decay = r.weight_decay;
            c.crop = r.augment();
            c.flip = r.augment();
        });
    }

    /// The reference recipe ([`CifarTrainConfig::reference`]: Adam 1e-3, constant,
    /// crop + flip, 10 epochs; the batch stays the form's).
    pub(super) fn reference(&self) {
        self.set_recipe(&CifarTrainConfig::reference(self.model()));
    }

    /// convlab's recipe ([`CifarTrainConfig::recipe`]: AdamW 2e-3, warm-up + cosine, smoothing
    /// 0.1, wd 5e-4, crop + flip, 30 epochs; the batch stays the form's).
    pub(super) fn convlab(&self) {
        self.set_recipe(&CifarTrainConfig::recipe(self.model()));
    }
}
