//! The home page: the three labs, each with a picture of what it shows and what a class
//! learns there, a path for a 45-minute lesson, and the device check ("will this machine
//! do?"). The pictures are drawn from the shipped files by `convlab pictures`.

use leptos::prelude::*;

use super::device_check::DeviceCheck;
use super::state::{AppState, Page};

/// One lab on the home page.
struct Card {
    page: Page,
    picture: &'static str,
    alt: &'static str,
    lesson: &'static str,
}

const CARDS: [Card; 3] = [
    Card {
        page: Page::ConvLab,
        picture: "./public/home/conv.png",
        alt: "A CIFAR-10 ship and eight feature maps of a trained first layer",
        lesson: "Why a depthwise-separable convolution costs a fraction of a standard one: \
                 count the parameters and multiply-adds, then see the feature maps each makes.",
    },
    Card {
        page: Page::Cifar,
        picture: "./public/home/cifar.png",
        alt: "Test accuracy per epoch of PlainCNN, MobileNetV1 and MobileNetV2 on CIFAR-10",
        lesson: "Train a plain CNN, MobileNetV1 and MobileNetV2 on the same images and compare \
                 accuracy, size and speed: a small model is not always a worse one.",
    },
    Card {
        page: Page::Hyperspectral,
        picture: "./public/home/hyperspectral.png",
        alt: "HybridSN's classification map of the Indian Pines scene",
        lesson: "Classify every pixel of a 200-band image with HybridSN, read OA, AA and Kappa, \
                 and see how a score depends on how training and test pixels were split.",
    },
];

#[component]
pub fn Home() -> impl IntoView {
    let state = expect_context::<AppState>();
    let cards = CARDS
        .iter()
        .map(|c| {
            let page = c.page;
            view! {
                <article class="card" data-testid=format!("home-card-{}", page.id())>
                    <img src=c.picture alt=c.alt />
                    <h3>{page.title()}</h3>
                    <p>{c.lesson}</p>
                    <button data-testid=format!("home-open-{}", page.id())
                        on:click=move |_| state.page.set(page)>
                        {format!("Open the {}", page.title())}
                    </button>
                </article>
            }
        })
        .collect_view();
    view! {
        <section data-testid="home">
            <h2>"A CNN lab in your browser"</h2>
            <p>
                "convlab trains and runs convolutional networks in this page, on your GPU (WebGPU) or "
                "your CPU. Nothing is sent anywhere: the models, the data and the training all stay on "
                "this machine, and after a first visit the labs you opened work offline."
            </p>
            <div class="cards">{cards}</div>
            <h3>"Start here: a 45-minute lesson"</h3>
            <ol class="lesson" data-testid="lesson">
                <li>
                    <b>"5 min · "</b>"Run the device check below: it tells you how long each lab's "
                    "training takes on this machine."
                </li>
                <li>
                    <b>"10 min · "</b>
                    <PageLink page=Page::ConvLab text="Conv lab" />
                    ": set 32 input and 64 output channels and compare the cost of a standard and a "
                    "depthwise-separable layer; then look at the feature maps."
                </li>
                <li>
                    <b>"15 min · "</b>
                    <PageLink page=Page::Cifar text="CIFAR-10 lab" />
                    ": load the pretrained models, compare them, and start a short training run of "
                    "the one the class thinks will win."
                </li>
                <li>
                    <b>"15 min · "</b>
                    <PageLink page=Page::Hyperspectral text="Hyperspectral lab" />
                    ": load the pretrained HybridSN, render the whole map, click a pixel to see its "
                    "spectrum, and discuss what the scores mean."
                </li>
            </ol>
            <p class="note">
                "Developers: the "
                <PageLink page=Page::Bench text="lab bench" />
                " runs a few training steps of a model on random images."
            </p>
        </section>
        <DeviceCheck />
    }
}

/// A link to another page of the app (a real link: it opens in a new tab too).
#[component]
fn PageLink(page: Page, text: &'static str) -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <a
            href=crate::share::with_page("", page.id())
            on:click=move |ev| {
                ev.prevent_default();
                state.page.set(page);
            }
        >
            {text}
        </a>
    }
}
