//! The CIFAR-10 lab's data: the bundled subset's counts, the switch to the cats and dogs
//! photos and the upload of CIFAR-10 binary batches.

use leptos::prelude::*;

use super::form::CifarForm;
use crate::data::CIFAR10_CLASSES;
use crate::messages::Request;
use crate::messages::cifar::CifarRequest;
use crate::ui::client::{send, send_with};
use crate::ui::download::read_file;
use crate::ui::form::files_of;
use crate::ui::state::{AppState, JobStatus};

#[component]
pub fn CifarData() -> impl IntoView {
    let state = expect_context::<AppState>();
    let cs = state.cifar;
    let form = expect_context::<CifarForm>();
    let busy = move || state.job_status.get().is_active();

    let on_upload = move |ev: leptos::ev::Event| {
        let files = files_of(&ev);
        if files.is_empty() {
            return;
        }
        state.error.set(None);
        leptos::task::spawn_local(async move {
            let mut names = Vec::new();
            let mut bins = Vec::new();
            for f in files {
                match read_file(&f).await {
                    Ok(b) => {
                        names.push(f.name());
                        bins.push(b);
                    }
                    Err(e) => {
                        state.error.set(Some(e));
                        return;
                    }
                }
            }
            send_with(&Request::Cifar(CifarRequest::Upload { names }), bins);
        });
    };

    view! {
        <h3>"Data"</h3>
        {move || match cs.data.get() {
            None => view! { <p data-testid="cifar-data-loading">"Loading the bundled subset…"</p> }.into_any(),
            Some(d) => view! {
                <p data-testid="cifar-data" data-train=d.train.to_string() data-test=d.test.to_string()
                    data-dataset=d.dataset.clone()>
                    {if d.dataset == "cats-dogs" {
                        format!("{} training photos · {} test photos (cats and dogs)", d.train, d.test)
                    } else {
                        format!(
                            "{} training images ({} uploaded) · {} test images (CIFAR-10 test batch, first 1,000)",
                            d.train, d.uploaded, d.test
                        )
                    }}
                </p>
                <p data-testid="cifar-data-note">{d.note.clone()}</p>
                <p class="counts" data-testid="cifar-counts">
                    {CIFAR10_CLASSES
                        .iter()
                        .zip(d.train_counts.iter())
                        .filter(|(_, n)| d.dataset != "cats-dogs" || **n > 0)
                        .map(|(c, n)| format!("{c} {n}"))
                        .collect::<Vec<_>>()
                        .join(" · ")}
                </p>
            }.into_any(),
        }}
        <label>
            "Data set "
            <select data-testid="cifar-dataset" disabled=busy on:change=move |ev| {
                state.error.set(None);
                state.job_status.set(JobStatus::Running);
                let on = event_target_value(&ev) == "cats-dogs";
                form.cats_dogs.set(on);
                send(&Request::Cifar(CifarRequest::UseCatsDogs(on)));
            }>
                <option value="cifar10" selected=move || !form.cats_dogs.get()>
                    "CIFAR-10 subset (4,000 + 1,000 images, 10 classes)"
                </option>
                <option value="cats-dogs" selected=move || form.cats_dogs.get()>
                    "Cats and dogs (400 photos, resized to 32×32 here)"
                </option>
            </select>
        </label>
        <p class="note">
            "Cats and dogs is the seed's second experiment: 200 + 200 photos of varied sizes from Kaggle's "
            "Dogs vs. Cats (Asirra, Elson et al. 2007; research use), decoded and resized in the worker. "
            "Their labels are CIFAR-10's cat and dog, so the same models and metrics apply; a model trained "
            "on them answers with one of those two after a few steps."
        </p>
        <label>
            "Add CIFAR-10 binary batches (data_batch_1.bin … test_batch.bin) to the training images "
            <input type="file" accept=".bin" multiple data-testid="cifar-upload"
                disabled=busy on:change=on_upload />
        </label>

    }
}
