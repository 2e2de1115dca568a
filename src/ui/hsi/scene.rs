//! The lab's scene: what is loaded, and loading another (Indian Pines again, or the
//! visitor's files, with the choice of the arrays in them).

use leptos::prelude::*;

use super::form::HsiForm;
use super::{busy, start_job};
use crate::messages::Request;
use crate::messages::hsi::HsiRequest;
use crate::ui::client::{send, send_with};
use crate::ui::download::read_file;
use crate::ui::form::{check_input, files_of};
use crate::ui::state::AppState;

/// The scene summary and the upload form.
#[component]
pub fn SceneLoader() -> impl IntoView {
    let state = expect_context::<AppState>();
    let hs = state.hsi;
    let HsiForm {
        scene_file,
        gt_file,
        cube_var,
        gt_var,
        unlabelled,
        renumber,
        ..
    } = expect_context::<HsiForm>();
    let busy = move || busy(state);
    let start_job = move || start_job(state);

    // Asks the worker which arrays the chosen files hold (after a file changed).
    let inspect = move || {
        cube_var.set(None);
        gt_var.set(None);
        hs.arrays.set(None);
        let (names, bins): (Vec<String>, Vec<Vec<u8>>) = [scene_file, gt_file]
            .iter()
            .filter_map(|s| s.get_untracked())
            .unzip();
        if !names.is_empty() {
            send_with(&Request::Hsi(HsiRequest::InspectFiles { names }), bins);
        }
    };
    // Reads a chosen file into `slot`, then inspects the files; an emptied input clears its
    // slot, so a file chosen before does not go with the next upload.
    let pick_file = move |slot: RwSignal<Option<(String, Vec<u8>)>>| {
        move |ev: leptos::ev::Event| {
            let Some(f) = files_of(&ev).into_iter().next() else {
                slot.set(None);
                inspect();
                return;
            };
            leptos::task::spawn_local(async move {
                match read_file(&f).await {
                    Ok(b) => {
                        slot.set(Some((f.name(), b)));
                        inspect();
                    }
                    Err(e) => state.error.set(Some(e)),
                }
            });
        }
    };
    // The arrays offered as cube (from the scene file) and ground truth (from the
    // ground-truth file when one is chosen, else the scene file).
    let choices = move || {
        let files = hs.arrays.get()?;
        let scene_name = scene_file.with(|f| f.as_ref().map(|f| f.0.clone()))?;
        let gt_name = gt_file.with(|f| f.as_ref().map(|f| f.0.clone()));
        let scene = files.iter().find(|f| f.file == scene_name)?;
        let gt_src = gt_name
            .and_then(|g| files.iter().find(|f| f.file == g))
            .unwrap_or(scene);
        Some((
            scene.cubes.clone(),
            gt_src.gts.clone(),
            scene.arrays.clone(),
        ))
    };
    view! {
        <h3>"Scene"</h3>
        {move || hs.scene.get().map(|s| view! {
            <p data-testid="scene-summary">
                {format!(
                    "{}: {}×{} pixels, {} bands, {} classes, {} labelled pixels{}",
                    s.name, s.height, s.width, s.bands, s.num_classes,
                    s.class_counts.iter().skip(1).sum::<usize>(),
                    if s.label_map.is_empty() { String::new() } else { format!(" ({})", s.label_map) }
                )}
            </p>
        })}
        <div class="controls">
            <label>
                "Your scene (.mat or .npy) "
                <input type="file" accept=".mat,.npy" data-testid="upload-scene"
                    on:change=pick_file(scene_file) />
            </label>
            <label>
                "Ground truth (optional) "
                <input type="file" accept=".mat,.npy" data-testid="upload-gt"
                    on:change=pick_file(gt_file) />
            </label>
            <label title="A ground-truth value that marks pixels without data (255 is common): \
                          its pixels become unlabelled instead of a class">
                "No-data labels "
                <input type="text" size="6" placeholder="e.g. 255" data-testid="upload-unlabelled"
                    prop:value=move || unlabelled.get()
                    on:change=move |ev| unlabelled.set(event_target_value(&ev)) />
            </label>
            {check_input("Renumber classes 1..K", "upload-renumber", renumber)}
            <button data-testid="upload-load" disabled=move || scene_file.get().is_none() || busy()
                on:click=move |_| {
                    let Some((name, bytes)) = scene_file.get_untracked() else { return };
                    let labels = match label_choice(&unlabelled.get_untracked(), renumber.get_untracked()) {
                        Ok(l) => l,
                        Err(e) => {
                            state.error.set(Some(e));
                            return;
                        }
                    };
                    let mut names = vec![name];
                    let mut bins = vec![bytes];
                    if let Some((n, b)) = gt_file.get_untracked() {
                        names.push(n);
                        bins.push(b);
                    }
                    state.error.set(None);
                    send_with(
                        &Request::Hsi(HsiRequest::Upload {
                            names,
                            cube_var: cube_var.get_untracked(),
                            gt_var: gt_var.get_untracked(),
                            labels,
                        }),
                        bins,
                    );
                }>"Load my scene"</button>
            <button data-testid="load-bundled" disabled=busy
                on:click=move |_| { start_job(); send(&Request::Hsi(HsiRequest::LoadBundled)); }>"Reload Indian Pines"</button>
        </div>
        {move || choices().map(|(cubes, gts, arrays)| view! {
            <div class="controls" data-testid="array-chooser">
                <label>
                    "Cube "
                    <select data-testid="cube-choice"
                        on:change=move |ev| cube_var.set(Some(event_target_value(&ev)))>
                        {cubes.into_iter().map(|n| view! { <option value=n.clone()>{n.clone()}</option> }).collect_view()}
                    </select>
                </label>
                <label>
                    "Ground truth "
                    <select data-testid="gt-choice"
                        on:change=move |ev| gt_var.set(Some(event_target_value(&ev)))>
                        {gts.into_iter().map(|n| view! { <option value=n.clone()>{n.clone()}</option> }).collect_view()}
                    </select>
                </label>
                <details>
                    <summary>{format!("{} arrays in the file", arrays.len())}</summary>
                    <ul data-testid="array-list">
                        {arrays.into_iter().map(|a| view! { <li><code>{a}</code></li> }).collect_view()}
                    </ul>
                </details>
            </div>
        })}
        <p class="note">
            "MATLAB files must be saved as v5/v7 (not v7.3); .npy in C or Fortran order, integer or float. "
            "The first 3-D array is the cube; a 2-D integer array of the same size is the ground truth."
        </p>
    }
}

/// The label choice of the upload form: comma-separated no-data values and the renumber box.
fn label_choice(unlabelled: &str, renumber: bool) -> Result<crate::data::LabelChoice, String> {
    let unlabelled = unlabelled
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| {
            v.parse::<u32>().map_err(|_| {
                format!(
                    "No-data labels: “{v}” is not a label value (whole numbers, comma-separated)"
                )
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(crate::data::LabelChoice {
        unlabelled,
        renumber,
    })
}
