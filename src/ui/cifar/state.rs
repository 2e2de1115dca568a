//! The CIFAR-10 lab's signals, written by the worker's [`CifarResponse`]s.

use leptos::prelude::*;

use crate::messages::cifar::{
    CifarDataInfo, CifarResponse, CifarResult, CifarRunRow, EpochMetrics, RunSource,
};

/// All CIFAR-10 lab signals (`Copy`, kept in [`crate::ui::state::AppState`]).
#[derive(Clone, Copy)]
pub struct CifarSignals {
    pub data: RwSignal<Option<CifarDataInfo>>,
    /// Epochs of the current run.
    pub epochs: RwSignal<Vec<EpochMetrics>>,
    /// The comparison table: shipped rows first, then finished runs in order.
    pub runs: RwSignal<Vec<CifarRunRow>>,
    /// Models without shipped weights (None until the list arrived).
    pub missing: RwSignal<Option<Vec<String>>>,
    /// The last finished run's evaluation.
    pub result: RwSignal<Option<CifarResult>>,
    /// Run ids whose curves are overlaid.
    pub selected: RwSignal<Vec<String>>,
}

impl CifarSignals {
    pub fn new() -> Self {
        Self {
            data: RwSignal::new(None),
            epochs: RwSignal::new(Vec::new()),
            runs: RwSignal::new(Vec::new()),
            missing: RwSignal::new(None),
            result: RwSignal::new(None),
            selected: RwSignal::new(Vec::new()),
        }
    }

    pub fn apply(&self, r: CifarResponse) {
        match r {
            CifarResponse::Data(d) => self.data.set(Some(d)),
            CifarResponse::Epoch(e) => self.epochs.update(|v| {
                v.retain(|x| x.epoch != e.epoch);
                v.push(e);
            }),
            CifarResponse::Pretrained { rows, missing } => {
                self.runs.update(|v| {
                    v.retain(|r| r.source != RunSource::Pretrained);
                    let mine = std::mem::take(v);
                    *v = rows;
                    v.extend(mine);
                });
                self.missing.set(Some(missing));
            }
            CifarResponse::Result(res) => {
                let id = res.run.id.clone();
                self.runs.update(|v| v.push(res.run.clone()));
                self.selected.update(|s| {
                    if !s.contains(&id) {
                        s.push(id)
                    }
                });
                self.result.set(Some(res));
            }
        }
    }
}

impl Default for CifarSignals {
    fn default() -> Self {
        Self::new()
    }
}
