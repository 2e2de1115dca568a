//! The CIFAR-10 lab: `page.rs` (the form, the controls and the epoch table, with the form's
//! link rules in `crate::share`), `compare.rs` (the table of runs and their curves),
//! `results.rs` (per-class accuracy, confusion matrix and example images of the last run) and
//! `state.rs` (the lab's signals, written by the worker's `CifarResponse`s). Files here import
//! only downwards: the page imports its views, the views the state.

mod compare;
mod page;
mod results;
mod state;

pub use page::{CifarForm, CifarLab};
pub use state::CifarSignals;
