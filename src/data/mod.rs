//! The plain-Rust data layer: file readers (NumPy `.npy`, MATLAB v5/v7 `.mat`, CIFAR-10
//! binary batches), scene checks, a compact container for shipping Indian Pines, PCA,
//! train/test splits, patch extraction and accuracy metrics.
//!
//! Nothing here touches the filesystem, threads or the network: functions take bytes or
//! slices and return values, so the same code runs natively and in wasm. Parsers never panic
//! on any input and never allocate from an unchecked header field: sizes are checked against
//! the bytes present and against the documented caps (`MAX_*` constants) first.

pub mod array;
pub mod budget;
pub mod cats_dogs;
pub mod cifar;
pub mod cifar_pack;
pub mod error;
pub mod labels;
pub mod load;
pub mod mat;
pub mod metrics;
pub mod npy;
pub mod packed;
pub mod patches;
pub mod pca;
pub mod picture;
pub mod rng;
pub mod scene;
pub mod split;
pub mod weights_file;

pub use array::{DType, NdArray, Values};
pub use cifar::{
    Augment, CIFAR_IMAGE, CIFAR_MEAN, CIFAR_RECORD, CIFAR_STD, CIFAR10_CLASSES, CifarSet,
    batch_f32, read_cifar_bin,
};
pub use cifar_pack::{CifarBundle, pack_cifar, unpack_cifar};
pub use error::DataError;
pub use labels::{LabelChoice, LabelMap};
pub use mat::{MatContents, read_mat, read_mat_detailed};
pub use metrics::{Confusion, EpochMetrics, Evaluation};
pub use npy::{read_npy, write_npy};
pub use packed::{fnv1a64, pack_scene, unpack_scene};
pub use patches::PaddedCube;
pub use pca::Pca;
pub use rng::Rng;
pub use scene::{INDIAN_PINES_CLASSES, Scene, SceneId, class_counts, pick_arrays, read_arrays};
pub use split::{
    Guard, Split, VALIDATION_FRACTION, hold_out_validation, oversample_small_classes,
    spatial_split, stratified_split,
};
