//! The worker's error: what a request failed on, typed, until [`super::run_lab`] (or the
//! request's own arm in [`super::handle`]) turns it into the words of the error response.
//!
//! The labs' errors keep their own types ([`TrainError`], [`LabError`], [`DataError`]) up to
//! here, with their words unchanged; the worker's own cases are the few below, and
//! [`WorkerError::Message`] holds the worker's other refusals, already in words.

use thiserror::Error;

use crate::data::DataError;
use crate::data::picture::PictureError;
use crate::lab::LabError;
use crate::train::TrainError;

/// Everything a worker request can fail on.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum WorkerError {
    /// Training, evaluation, a map or a weights file failed.
    #[error(transparent)]
    Train(#[from] TrainError),

    /// The Conv lab's or the walkthrough's compute failed.
    #[error(transparent)]
    Lab(#[from] LabError),

    /// Data could not be read or prepared.
    #[error(transparent)]
    Data(#[from] DataError),

    /// A picture could not be read.
    #[error(transparent)]
    Picture(#[from] PictureError),

    /// A failure that belongs to a named file (an upload, a shipped file): the file's name,
    /// then what went wrong with it.
    #[error("{file}: {error}")]
    InFile {
        /// The file's name (or URL).
        file: String,
        /// What went wrong with it.
        error: Box<WorkerError>,
    },

    /// A request that needs an uploaded file came without one.
    #[error("No file was uploaded.")]
    NoUpload,

    /// A hyperspectral request that needs a scene came before one was loaded.
    #[error("Load a scene first.")]
    NoScene,

    /// The worker's other refusals and failures, in words (downloads, missing state, settings
    /// that do not go together).
    #[error("{0}")]
    Message(String),
}

impl WorkerError {
    /// `error`, said to be about `file`.
    pub fn in_file(file: impl Into<String>, error: impl Into<WorkerError>) -> Self {
        WorkerError::InFile {
            file: file.into(),
            error: Box::new(error.into()),
        }
    }
}

impl From<String> for WorkerError {
    fn from(message: String) -> Self {
        WorkerError::Message(message)
    }
}

impl From<&str> for WorkerError {
    fn from(message: &str) -> Self {
        WorkerError::Message(message.to_string())
    }
}
