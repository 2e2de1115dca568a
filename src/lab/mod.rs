//! The Conv lab's and the Models page walkthrough's compute on the current device. Not
//! training (that is `train`): one forward pass, timed and read back for display. Plain
//! `async` code over burn, free of web APIs, so the worker awaits it and the CLI and the
//! tests block on it.

pub mod conv;
mod error;
pub mod walk;

pub use error::LabError;
