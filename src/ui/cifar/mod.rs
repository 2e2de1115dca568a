//! The CIFAR-10 lab: `page.rs` (the page, composing the views below), `data.rs` (the data
//! set, its counts and uploads), `form.rs` (the form's signals and recipes, with its link
//! rules in `crate::share`), `train.rs` (the controls, the loss curve and the epoch table), `compare.rs` (the table of runs and their curves),
//! `results.rs` (per-class accuracy, confusion matrix and example images of the last run) and
//! `state.rs` (the lab's signals, written by the worker's `CifarResponse`s). Files here import
//! only downwards: the page imports its views, the views the state.

mod compare;
mod data;
mod form;
mod page;
mod results;
mod state;
mod train;

pub use form::CifarForm;
pub use page::CifarLab;
pub use state::CifarSignals;
