//! The CIFAR-10 lab's page: its introduction, progress and status, then the data
//! (`data.rs`), the training form and live run (`train.rs`), the comparison of runs
//! (`compare.rs`) and the last run's results (`results.rs`).

use leptos::prelude::*;

use super::compare::CifarCompare;
use super::data::CifarData;
use super::form::CifarForm;
use super::results::CifarResults;
use super::train::CifarTrain;
use crate::messages::Request;
use crate::messages::cifar::CifarRequest;
use crate::ui::client::send;
use crate::ui::state::{AppState, JobStatus};
use crate::ui::url::CopyLink;
use crate::ui::widgets::ProgressBar;

#[component]
pub fn CifarLab() -> impl IntoView {
    let state = expect_context::<AppState>();
    let cs = state.cifar;
    let form = expect_context::<CifarForm>();
    // Lazy-load the bundled subset and the shipped runs the first time the lab opens.
    if cs.data.get_untracked().is_none() {
        state.job_status.set(JobStatus::Running);
        send(&Request::Cifar(CifarRequest::LoadBundled));
        // A link may ask for the cats and dogs photos.
        if form.cats_dogs.get_untracked() {
            send(&Request::Cifar(CifarRequest::UseCatsDogs(true)));
        }
    }
    if cs.missing.get_untracked().is_none() {
        send(&Request::Cifar(CifarRequest::Pretrained));
    }

    let link_pairs = Callback::new(move |()| form.to_pairs());

    view! {
        <section data-testid="cifar">
            <h2>"CIFAR-10 lab"</h2>
            <CopyLink pairs=link_pairs />
            <p>
                "Train a plain CNN and two MobileNets on 32×32 photos of ten classes and compare them. "
                "MobileNetV1 replaces each 3×3 convolution of the plain CNN by a depthwise 3×3 "
                "convolution plus a 1×1 pointwise one: about 8–9× fewer multiply-adds and parameters. "
                "MobileNetV2 adds inverted residual blocks with linear bottlenecks."
            </p>
            <ProgressBar />
            <p data-testid="cifar-status">
                "Status: " {move || format!("{} {}", state.job.get(), state.job_status.get())}
            </p>

            <CifarData />
            <CifarTrain />
            <CifarCompare />
            <CifarResults />
        </section>
    }
}
