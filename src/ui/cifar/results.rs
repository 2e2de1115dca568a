//! After a CIFAR-10 run: per-class accuracy, the confusion matrix, and test images with
//! their top-3 predictions (misclassified first).

use leptos::prelude::*;

use crate::data::CIFAR10_CLASSES;
use crate::ui::canvas::ImageCanvas;
use crate::ui::export::{save_png, svg_png};
use crate::ui::state::AppState;
use crate::ui::widgets::ConfusionMatrix;

fn class(c: u8) -> &'static str {
    CIFAR10_CLASSES.get(c as usize).copied().unwrap_or("?")
}

#[component]
pub fn CifarResults() -> impl IntoView {
    let state = expect_context::<AppState>();
    let cs = state.cifar;
    view! {
        {move || cs.result.get().map(|r| view! {
            <h3>"Last run"</h3>
            <p data-testid="cifar-accuracy" data-acc=r.run.accuracy.to_string()>
                {format!(
                    "{} ×{}: test accuracy {:.2} % on {} images after {} epoch(s), {}",
                    r.run.model.name(), r.run.width, 100.0 * r.run.accuracy,
                    r.confusion.iter().sum::<u64>(), r.run.epochs, r.run.backend
                )}
            </p>
            <div class="cifar-row">
                <table data-testid="cifar-per-class">
                    <thead><tr><th>"class"</th><th>"accuracy"</th></tr></thead>
                    <tbody>
                        {r.per_class.iter().enumerate().map(|(c, a)| view! {
                            <tr>
                                <td>{class(c as u8)}</td>
                                <td>{a.map(|a| format!("{:.1} %", 100.0 * a)).unwrap_or_else(|| "–".into())}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                <figure>
                    <ConfusionMatrix counts=r.confusion.clone() n=10
                        labels=CIFAR10_CLASSES.iter().map(|c| c.to_string()).collect()
                        testid="cifar-confusion"
                        title=format!(
                            "CIFAR-10 confusion · {} ×{} · test accuracy {:.2} % · {} epoch(s) · {}",
                            r.run.model.name(), r.run.width, 100.0 * r.run.accuracy, r.run.epochs, r.run.backend
                        )
                        caption=vec!["rows: true class, columns: predicted".into()] />
                    <figcaption>"Confusion matrix (rows: true class, columns: predicted)"</figcaption>
                    <button data-testid="cifar-confusion-png"
                        on:click=move |_| save_png(state, "convlab-cifar-confusion.png", svg_png("cifar-confusion"))>"Confusion (PNG)"</button>
                </figure>
            </div>
            <h4>"Test images and top-3 predictions (misclassified first)"</h4>
            <div class="grid" data-testid="cifar-examples">
                {r.examples.iter().map(|e| {
                    let img = Signal::derive({
                        let px = e.rgba.clone();
                        move || Some((32, 32, px.clone()))
                    });
                    let wrong = e.top3[0] != e.label;
                    view! {
                        <figure class="example" class:wrong=wrong data-testid="cifar-example"
                            data-wrong=wrong.to_string() data-label=class(e.label)>
                            <ImageCanvas image=img testid="cifar-example-img" scale=2 />
                            <figcaption>
                                <b>{class(e.label)}</b>
                                {e.top3.iter().zip(e.prob.iter()).map(|(c, p)| view! {
                                    <br />{format!("{} {:.0} %", class(*c), 100.0 * p)}
                                }).collect_view()}
                            </figcaption>
                        </figure>
                    }
                }).collect_view()}
            </div>
        })}
    }
}
