//! Run configurations: each lab's training settings as one plain serde type, used by the
//! lab's form, the worker's messages, the CLI, training itself and the weights' headers. No
//! burn here (the UI wasm has none), so the types derive serde instead of burn's `Config`;
//! each default is written once, in the type's `Default`.

use serde::{Deserialize, Serialize};

use crate::data::{Guard, VALIDATION_FRACTION};

/// `with_<field>` builders, as burn's `Config` derive writes them.
macro_rules! setters {
    ($t:ident { $($with:ident $field:ident: $ty:ty),* $(,)? }) => {
        impl $t {
            $(
                #[must_use]
                pub fn $with(mut self, $field: $ty) -> Self {
                    self.$field = $field;
                    self
                }
            )*
        }
    };
}

/// Preprocessing and training settings of a hyperspectral run. Fields a serialised form
/// leaves out (settings from before they existed) take their defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HsiTrainConfig {
    /// PCA components kept.
    pub pca: usize,
    /// Patch size (odd).
    pub patch: usize,
    /// Fraction of each class's labelled pixels used for training (validation included).
    pub train_fraction: f64,
    /// Share of each class's training pixels held out for validation: what runs and epochs
    /// are compared on, never the test pixels (0 = no validation set).
    pub val_fraction: f64,
    /// Spatially disjoint train/test blocks instead of a random split.
    pub spatial: bool,
    /// The spatial split's guard band between training blocks and test pixels.
    pub guard: Guard,
    pub seed: u64,
    pub epochs: usize,
    pub batch_size: usize,
    pub lr: f64,
    /// Cosine decay of the learning rate to 5 % of `lr` over the run (false = constant).
    pub cosine: bool,
    /// Batch norm after each conv (teaching variant); false = the paper's HybridSN.
    pub batch_norm: bool,
    /// Use at most this many training pixels (0 = all): for quick demos and tests.
    pub max_train: usize,
    /// Evaluate test OA every this many epochs (0 = only at the end, the default: per-epoch
    /// test scores invite choosing an epoch by them, and each costs a whole-scene map).
    /// Shown only: nothing is chosen by it.
    pub eval_every: usize,
    /// Evaluate validation OA every this many epochs (0 = only at the end; patch by patch on
    /// the validation pixels, far cheaper than a test evaluation's whole-scene map).
    pub val_every: usize,
    /// Random flips and 90° rotations of the training patches.
    pub augment: bool,
    /// Label smoothing ε of the cross-entropy (0 = plain cross-entropy).
    pub label_smoothing: f32,
    /// Class balancing: each class with fewer training pixels than this has them repeated
    /// up to this many per epoch (0 = off; see [`oversample_small_classes`]).
    pub min_per_class: usize,
}

impl Default for HsiTrainConfig {
    fn default() -> Self {
        Self {
            pca: 30,
            patch: 25,
            train_fraction: 0.1,
            val_fraction: VALIDATION_FRACTION,
            spatial: false,
            guard: Guard::NoSharedInput,
            seed: 0,
            epochs: 20,
            batch_size: 32,
            lr: 1e-3,
            cosine: true,
            batch_norm: true,
            max_train: 0,
            eval_every: 0,
            val_every: 1,
            augment: false,
            label_smoothing: 0.0,
            min_per_class: 0,
        }
    }
}

setters!(HsiTrainConfig {
    with_pca pca: usize,
    with_patch patch: usize,
    with_train_fraction train_fraction: f64,
    with_val_fraction val_fraction: f64,
    with_spatial spatial: bool,
    with_guard guard: Guard,
    with_seed seed: u64,
    with_epochs epochs: usize,
    with_batch_size batch_size: usize,
    with_lr lr: f64,
    with_cosine cosine: bool,
    with_batch_norm batch_norm: bool,
    with_max_train max_train: usize,
    with_eval_every eval_every: usize,
    with_val_every val_every: usize,
    with_augment augment: bool,
    with_label_smoothing label_smoothing: f32,
    with_min_per_class min_per_class: usize,
});

impl HsiTrainConfig {
    /// The defaults (the CLI's and the lab's).
    pub fn new() -> Self {
        Self::default()
    }

    /// The split these settings give, in words: kind, guard, fractions and seed.
    pub fn split_name(&self) -> String {
        format!("{}, seed {}", self.split_settings(), self.seed)
    }

    /// The split's kind, guard and fractions in words (without the seed).
    pub fn split_settings(&self) -> String {
        let kind = if self.spatial {
            format!(
                "spatial blocks, {}-pixel guard ({})",
                self.guard.pixels(self.patch),
                self.guard.describe()
            )
        } else {
            "random stratified (the paper's protocol; test patches overlap training patches)"
                .to_string()
        };
        let train = if self.spatial {
            "of the labelled pixels in training blocks"
        } else {
            "of each class for training"
        };
        format!(
            "{kind}, {} % {train}, {} % of those held out for validation",
            100.0 * self.train_fraction,
            100.0 * self.val_fraction,
        )
    }

    /// Whether `other` gives the same PCA, padding and split (train, validation and test).
    pub fn same_split(&self, other: &HsiTrainConfig) -> bool {
        self.pca == other.pca
            && self.patch == other.patch
            && self.train_fraction == other.train_fraction
            && self.val_fraction == other.val_fraction
            && self.spatial == other.spatial
            && (!self.spatial || self.guard == other.guard)
            && self.seed == other.seed
    }

    /// Settings that files written before they existed were trained with: no validation set,
    /// and the spatial split's narrow guard.
    pub fn legacy_settings() -> serde_json::Value {
        serde_json::json!({ "val_fraction": 0.0, "guard": Guard::LabelsApart })
    }
}

/// The models convlab knows, by name (used in messages, URLs and the CLI).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash)]
pub enum ModelKind {
    PlainCnn,
    MobileNetV1,
    MobileNetV2,
    HybridSn,
}

impl ModelKind {
    pub const ALL: [ModelKind; 4] = [
        ModelKind::PlainCnn,
        ModelKind::MobileNetV1,
        ModelKind::MobileNetV2,
        ModelKind::HybridSn,
    ];

    /// Display name.
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::PlainCnn => "PlainCNN",
            ModelKind::MobileNetV1 => "MobileNetV1",
            ModelKind::MobileNetV2 => "MobileNetV2",
            ModelKind::HybridSn => "HybridSN",
        }
    }

    /// Lower-case identifier for the CLI and URLs.
    pub fn id(self) -> &'static str {
        match self {
            ModelKind::PlainCnn => "plaincnn",
            ModelKind::MobileNetV1 => "mobilenetv1",
            ModelKind::MobileNetV2 => "mobilenetv2",
            ModelKind::HybridSn => "hybridsn",
        }
    }

    pub fn from_id(id: &str) -> Option<ModelKind> {
        ModelKind::ALL
            .into_iter()
            .find(|k| k.id() == id.to_ascii_lowercase())
    }
}

/// Learning-rate schedule over the run (after the warm-up).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LrSchedule {
    /// The same learning rate throughout.
    Constant,
    /// Cosine decay from `lr` to 0 at the last step.
    Cosine,
}

impl LrSchedule {
    /// Cosine decay when `on`, else constant (the lab's checkbox).
    pub fn cosine(on: bool) -> Self {
        if on { Self::Cosine } else { Self::Constant }
    }
}

/// Model and recipe of a CIFAR-10 run. Fields a serialised form leaves out take their
/// defaults (the issue's reference recipe for MobileNetV1 at width 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CifarTrainConfig {
    pub model: ModelKind,
    /// Width multiplier (channel counts × width).
    pub width: f64,
    pub epochs: usize,
    pub batch_size: usize,
    pub lr: f64,
    pub schedule: LrSchedule,
    /// Linear warm-up from lr/10 over this many epochs (0 = none).
    pub warmup_epochs: usize,
    /// Label smoothing ε (0 = plain cross-entropy).
    pub label_smoothing: f32,
    /// Decoupled (AdamW) weight decay; 0 = plain Adam.
    pub weight_decay: f32,
    /// Random crop of the 4-pixel zero-padded image.
    pub crop: bool,
    /// Random horizontal flip.
    pub flip: bool,
    pub seed: u64,
    /// Use at most this many training images (0 = all).
    pub max_train: usize,
    /// Evaluate at most this many test images (0 = all).
    pub max_test: usize,
    /// Share of each class's training images held out for validation (0 = none): the per-epoch
    /// accuracy is measured on them, never on the test images.
    pub val_fraction: f64,
    /// Validation accuracy every this many epochs (0 = only after the last one).
    pub val_every: usize,
}

impl Default for CifarTrainConfig {
    fn default() -> Self {
        Self {
            model: ModelKind::MobileNetV1,
            width: 1.0,
            epochs: 10,
            batch_size: 128,
            lr: 1e-3,
            schedule: LrSchedule::Constant,
            warmup_epochs: 0,
            label_smoothing: 0.0,
            weight_decay: 0.0,
            crop: false,
            flip: false,
            seed: 0,
            max_train: 0,
            max_test: 0,
            val_fraction: VALIDATION_FRACTION,
            val_every: 1,
        }
    }
}

setters!(CifarTrainConfig {
    with_model model: ModelKind,
    with_width width: f64,
    with_epochs epochs: usize,
    with_batch_size batch_size: usize,
    with_lr lr: f64,
    with_schedule schedule: LrSchedule,
    with_warmup_epochs warmup_epochs: usize,
    with_label_smoothing label_smoothing: f32,
    with_weight_decay weight_decay: f32,
    with_crop crop: bool,
    with_flip flip: bool,
    with_seed seed: u64,
    with_max_train max_train: usize,
    with_max_test max_test: usize,
    with_val_fraction val_fraction: f64,
    with_val_every val_every: usize,
});

impl CifarTrainConfig {
    /// The defaults: the issue's reference recipe's optimiser for MobileNetV1 at width 1,
    /// without augmentation.
    pub fn new() -> Self {
        Self::default()
    }

    /// The issue's reference recipe: Adam 1e-3, batch 128, crop + flip, constant rate.
    pub fn reference(model: ModelKind) -> Self {
        Self::new()
            .with_model(model)
            .with_crop(true)
            .with_flip(true)
    }

    /// convlab's default recipe: AdamW 2e-3 (weight decay 5e-4), 1 warm-up epoch then cosine
    /// decay, label smoothing 0.1, crop + flip, batch 64, 30 epochs.
    pub fn recipe(model: ModelKind) -> Self {
        Self::new()
            .with_model(model)
            .with_epochs(30)
            .with_batch_size(64)
            .with_lr(2e-3)
            .with_schedule(LrSchedule::Cosine)
            .with_warmup_epochs(1)
            .with_label_smoothing(0.1)
            .with_weight_decay(5e-4)
            .with_crop(true)
            .with_flip(true)
    }

    /// The CIFAR-10 lab's default run: convlab's recipe for MobileNetV1 at width 0.5, 10
    /// epochs, batch 32 (which keeps the largest unfolded convolution input well under
    /// WebGPU's 128 MiB storage binding for every model at width ≤ 1).
    pub fn lab() -> Self {
        Self::recipe(ModelKind::MobileNetV1)
            .with_width(0.5)
            .with_epochs(10)
            .with_batch_size(32)
    }

    /// Whether the training images are augmented (random crop and flip, on or off together in
    /// the lab).
    pub fn augment(&self) -> bool {
        self.crop && self.flip
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_a_serialised_form_leaves_out_take_their_defaults() {
        // Weights headers, links and old saved messages hold older or partial forms.
        let h: HsiTrainConfig = serde_json::from_str(r#"{"epochs":3,"spatial":true}"#).unwrap();
        assert_eq!(h, HsiTrainConfig::new().with_epochs(3).with_spatial(true));
        let c: CifarTrainConfig = serde_json::from_str(r#"{"model":"PlainCnn"}"#).unwrap();
        assert_eq!(c, CifarTrainConfig::new().with_model(ModelKind::PlainCnn));
        for cfg in [
            CifarTrainConfig::lab(),
            CifarTrainConfig::recipe(ModelKind::MobileNetV2),
        ] {
            let json = serde_json::to_string(&cfg).unwrap();
            assert_eq!(
                serde_json::from_str::<CifarTrainConfig>(&json).unwrap(),
                cfg
            );
        }
    }

    #[test]
    fn the_labs_cifar_run_is_convlabs_recipe_made_small() {
        let lab = CifarTrainConfig::lab();
        assert_eq!(
            lab,
            CifarTrainConfig {
                width: 0.5,
                epochs: 10,
                batch_size: 32,
                ..CifarTrainConfig::recipe(ModelKind::MobileNetV1)
            }
        );
        assert!(lab.augment() && lab.schedule == LrSchedule::Cosine);
        assert!(!CifarTrainConfig::new().augment());
    }
}
