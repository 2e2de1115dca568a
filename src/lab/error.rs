//! The one error type of the labs' compute (the Conv lab and the layer walkthrough).
//!
//! As with [`crate::train::TrainError`], whose read-back failures it carries, every message
//! is written for a person and keeps the words the app showed before the errors were typed;
//! it becomes words only at the edge (the worker's error response, the CLI's message).

use thiserror::Error;

use crate::train::TrainError;

/// Everything that can go wrong in one of the labs' forward passes.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum LabError {
    /// Trained first-layer weights of the wrong size.
    #[error("the trained first layer must be [n, 3, 3, 3] with n ≤ {max}; got {weights} weights")]
    TrainedLayerSize {
        /// The most output channels the lab shows.
        max: usize,
        /// The number of weights given.
        weights: usize,
    },

    /// A weights file that cannot be read (the words of [`crate::data::weights_file`]).
    #[error("{0}")]
    WeightsFile(String),

    /// A weights file without the first convolution the Conv lab shows.
    #[error("the weights file has no first convolution (stem.conv.weight)")]
    NoFirstConv,

    /// A first convolution that is not 3×3 kernels on RGB.
    #[error("the first convolution is {0:?}, not [n, 3, 3, 3] (3×3 kernels on RGB)")]
    FirstConvShape(Vec<usize>),

    /// A number of output channels outside what the lab shows.
    #[error("the number of output channels must be between 1 and {max}")]
    OutChannels {
        /// The most output channels the lab shows.
        max: usize,
    },

    /// A picture that is not `[3, h, w]` with `h, w ≥ 1`.
    #[error("the picture must have 3 channels")]
    NotThreeChannels,

    /// A window of the scene that does not fit it.
    #[error("a {side}×{side} window at ({row0}, {col0}) does not fit the {height}×{width} scene")]
    WindowOutside {
        /// The window's side.
        side: usize,
        /// Its first row.
        row0: usize,
        /// Its first column.
        col0: usize,
        /// The scene's rows.
        height: usize,
        /// The scene's columns.
        width: usize,
    },

    /// A spectral kernel depth outside 1 ..= bands.
    #[error("the kernel depth must be between 1 and the number of bands ({bands})")]
    KernelDepth {
        /// The slab's bands.
        bands: usize,
    },

    /// A layer name the model does not have.
    #[error("this model has no layer '{0}'")]
    NoLayer(String),

    /// Reading the results back (or another step shared with training) failed.
    #[error(transparent)]
    Train(#[from] TrainError),
}

/// The edge: code that still speaks in strings (the worker's responses, the CLI) takes the
/// error's words with `?`.
impl From<LabError> for String {
    fn from(e: LabError) -> Self {
        e.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lab_errors_read_as_before() {
        let e = LabError::WindowOutside {
            side: 16,
            row0: 140,
            col0: 0,
            height: 145,
            width: 145,
        };
        assert_eq!(
            e.to_string(),
            "a 16×16 window at (140, 0) does not fit the 145×145 scene"
        );
        assert_eq!(
            LabError::TrainedLayerSize {
                max: 32,
                weights: 26
            }
            .to_string(),
            "the trained first layer must be [n, 3, 3, 3] with n ≤ 32; got 26 weights"
        );
        // A read-back failure keeps training's words.
        let read = TrainError::ReadBack {
            what: "the feature maps".into(),
            detail: "lost".into(),
        };
        assert_eq!(
            LabError::from(read).to_string(),
            "reading the feature maps back failed: lost"
        );
    }
}
