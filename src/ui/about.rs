//! About: what convlab is, and the credits and licences of its data.

use leptos::prelude::*;

#[component]
pub fn About() -> impl IntoView {
    view! {
        <section data-testid="about">
            <h2>"About convlab"</h2>
            <p>
                "convlab is a CNN lab that runs entirely in your browser: Rust compiled to WebAssembly, "
                "a Leptos interface, and burn models on your own GPU through WebGPU, with a CPU fallback. "
                "No server does any work; nothing you load leaves your machine."
            </p>
            <h3>"Data credits"</h3>
            <ul>
                <li>
                    <b>"Indian Pines"</b>
                    " — AVIRIS scene over the Indian Pine Test Site 3, 12 June 1992. Baumgardner, M. F., Biehl, L. L., "
                    "Landgrebe, D. A. (2015). 220 Band AVIRIS Hyperspectral Image Data Set: June 12, 1992 Indian Pine "
                    "Test Site 3. Purdue University Research Repository, doi:10.4231/R7RX991C. Licence: CC BY 3.0. "
                    "The 200-band corrected cube and 16-class ground truth as distributed by the Grupo de Inteligencia "
                    "Computacional (GIC), University of the Basque Country (UPV/EHU), \u{201c}Hyperspectral Remote Sensing "
                    "Scenes\u{201d}; this copy of the cube from the TensorLy package (BSD-3-Clause code)."
                </li>
                <li>
                    <b>"CIFAR-10"</b>
                    " — Krizhevsky, A. (2009). Learning Multiple Layers of Features from Tiny Images. University "
                    "of Toronto; https://www.cs.toronto.edu/~kriz/cifar.html. The bundled subset is the first 4,000 "
                    "training images (of data_batch_1) and the first 1,000 test images (of test_batch), from the PNG "
                    "batches of Karpathy\u{2019}s ConvNetJS CIFAR-10 demo (MIT-licensed code), repacked losslessly."
                </li>
                <li>
                    <b>"Cats and dogs"</b>
                    " — Kaggle \u{201c}Dogs vs. Cats\u{201d} (2013), images from the Asirra CAPTCHA (Elson, Douceur, "
                    "Howell, Saul, \u{201c}Asirra\u{201d}, CCS 2007), originally from Petfinder.com. Teaching and research use only."
                </li>
            </ul>
            <h3>"Models"</h3>
            <p>
                "MobileNetV1 (Howard et al. 2017), MobileNetV2 (Sandler et al. 2018), HybridSN (Roy, Krishna, Dubey, "
                "Chaudhuri, IEEE GRSL 2019)."
            </p>
            <h3>"Software"</h3>
            <p>"burn (MIT/Apache-2.0), Leptos (MIT), wgpu (MIT/Apache-2.0), zune-jpeg (MIT/Apache-2.0/Zlib)."</p>
        </section>
    }
}
