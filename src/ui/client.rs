//! The UI's handle on the worker: starts it, sends typed requests, feeds responses to the
//! state, and starts a new worker when one dies (a panic or out-of-memory aborts a release
//! worker), keeping everything on screen.

use std::cell::{Cell, RefCell};

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{MessageEvent, Worker};

use super::state::{AppState, JobStatus};
use crate::data::load::INDIAN_PINES_NAME;
use crate::messages::cifar::{CIFAR_DATA, CifarRequest};
use crate::messages::hsi::HsiRequest;
use crate::messages::{BackendChoice, Request, Response};
use crate::wire::unpack;

/// A request waiting for the worker, with its binary attachments.
type Queued = Vec<(Request, Vec<Vec<u8>>)>;

thread_local! {
    static WORKER: RefCell<Option<Worker>> = const { RefCell::new(None) };
    /// Requests made before the worker said it is ready (its wasm loads asynchronously and
    /// would drop them), sent in order once it is.
    static PENDING: RefCell<Option<Queued>> = const { RefCell::new(Some(Vec::new())) };
    /// Workers started after one died.
    static RESTARTS: Cell<u32> = const { Cell::new(0) };
    /// The worker build that runs (chosen once, by [`start`]).
    static BUILD: Cell<WorkerBuild> = const { Cell::new(WorkerBuild::Simd128) };
}

/// The two builds of the compute worker (index.html): the same models and messages; they
/// differ only in gemm's wasm micro-kernels (vendor/gemm-f32/README.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkerBuild {
    /// SIMD128: multiply, then add (every browser with WebAssembly SIMD).
    Simd128,
    /// Relaxed SIMD's fused multiply-add (`worker_relaxed`): only where the browser validates
    /// relaxed SIMD, since a module holding one such instruction does not load elsewhere.
    Relaxed,
}

impl WorkerBuild {
    /// The faster build this browser can run.
    pub fn detect() -> Self {
        let probe = js_sys::Uint8Array::from(&RELAXED_SIMD_PROBE[..]);
        if js_sys::WebAssembly::validate(&probe).unwrap_or(false) {
            Self::Relaxed
        } else {
            Self::Simd128
        }
    }

    /// Its name in the service worker's lists (sw.js, `?worker=` of its URL).
    pub fn id(self) -> &'static str {
        match self {
            Self::Simd128 => "simd128",
            Self::Relaxed => "relaxed",
        }
    }

    /// Trunk's loader shim of the build.
    fn loader(self) -> &'static str {
        match self {
            Self::Simd128 => "./worker_loader.js",
            Self::Relaxed => "./worker_relaxed_loader.js",
        }
    }
}

/// The smallest module that uses relaxed SIMD: one function returning
/// `f32x4.relaxed_madd(v128.const 0, v128.const 0, v128.const 0)`. It validates exactly where
/// the relaxed worker's module would.
#[rustfmt::skip]
const RELAXED_SIMD_PROBE: [u8; 82] = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
    0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // types: () -> v128
    0x03, 0x02, 0x01, 0x00, // functions: one, of type 0
    0x0a, 0x3d, 0x01, 0x3b, 0x00, // code: one body of 59 bytes, no locals
    0xfd, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // v128.const 0
    0xfd, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // v128.const 0
    0xfd, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // v128.const 0
    0xfd, 0x85, 0x02, // f32x4.relaxed_madd
    0x0b, // end
];

/// Starts the worker `build` (chosen once for the page's life).
pub fn start(state: AppState, backend: BackendChoice, build: WorkerBuild) {
    BUILD.with(|b| b.set(build));
    spawn(state, backend);
}

/// A worker that dies this many times is not started again (something on this machine keeps
/// killing it; the page says to reload).
const MAX_RESTARTS: u32 = 3;

/// Starts the worker (Trunk's loader shim) and wires its messages to `state`. Once it says
/// it is ready, asks for the backend and the model tables.
fn spawn(state: AppState, backend: BackendChoice) {
    let worker = match Worker::new(BUILD.with(|b| b.get()).loader()) {
        Ok(w) => w,
        Err(e) => {
            state
                .error
                .set(Some(format!("The compute worker could not start: {e:?}")));
            return;
        }
    };
    let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        let Some((text, bins)) = unpack(ev.data()) else {
            return;
        };
        match Response::from_json(&text) {
            Ok(Response::Ready) => {
                state.apply(Response::Ready, bins);
                let queued = PENDING.with(|p| p.borrow_mut().take()).unwrap_or_default();
                post(&Request::Init { backend }, Vec::new());
                post(&Request::Models, Vec::new());
                for (req, bins) in queued {
                    post(&req, bins);
                }
            }
            Ok(resp) => state.apply(resp, bins),
            Err(e) => state.error.set(Some(e)),
        }
    });
    worker.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    onmessage.forget();
    let onerror = Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(move |ev: web_sys::ErrorEvent| {
        restart(state, backend, &ev.message());
    });
    worker.set_onerror(Some(onerror.as_ref().unchecked_ref()));
    onerror.forget();
    WORKER.with(|w| *w.borrow_mut() = Some(worker));
}

/// The worker died (`why`, the browser's words): ends it, says so, and starts a new one on
/// the same backend choice. Requests sent meanwhile wait for the new worker; what the labs
/// had loaded into the old one is asked for again (the bundled scene and CIFAR-10 data, whose
/// answers keep the maps, metrics and curves on screen); what cannot be (an uploaded file) is
/// named in the message.
fn restart(state: AppState, backend: BackendChoice, why: &str) {
    if let Some(old) = WORKER.with(|w| w.borrow_mut().take()) {
        old.terminate();
    }
    state.job_status.set(JobStatus::Error);
    state.progress.set(None);
    state.worker_ready.set(false);
    let n = RESTARTS.with(|r| r.get()) + 1;
    if n > MAX_RESTARTS {
        PENDING.with(|p| *p.borrow_mut() = None);
        state.error.set(Some(format!(
            "The compute worker stopped again ({why}), {MAX_RESTARTS} times already; it is not \
             started again. What is on this page stays; reload the page to go on."
        )));
        return;
    }
    RESTARTS.with(|r| r.set(n));
    PENDING.with(|p| *p.borrow_mut() = Some(Vec::new()));
    let mut lost = Vec::new();
    match state
        .hsi
        .scene
        .with_untracked(|s| s.as_ref().map(|s| s.name == INDIAN_PINES_NAME))
    {
        Some(true) => {
            state.hsi.restoring_scene.set(true);
            send(&Request::Hsi(HsiRequest::LoadBundled));
        }
        Some(false) => {
            lost.push("the hyperspectral scene you loaded (load it again to train or map it)")
        }
        None => {}
    }
    if let Some(data) = state.cifar.data.get_untracked() {
        send(&Request::Cifar(CifarRequest::LoadBundled));
        if data.dataset == CIFAR_DATA[1] {
            send(&Request::Cifar(CifarRequest::UseCatsDogs(true)));
        } else if data.uploaded > 0 {
            lost.push("the CIFAR-10 batches you uploaded");
        }
    }
    let lost = if lost.is_empty() {
        String::new()
    } else {
        format!(" It could not keep {}.", lost.join(" or "))
    };
    state.error.set(Some(format!(
        "The compute worker stopped ({why}). A new one has started on the same backend and \
         everything on this page is kept; a run that was going must be started again.{lost}"
    )));
    spawn(state, backend);
}

/// Sends a request with binary attachments (files), transferring their buffers; queued
/// until the worker is ready.
pub fn send_with(req: &Request, bins: Vec<Vec<u8>>) {
    let queued = PENDING.with(|p| match p.borrow_mut().as_mut() {
        Some(q) => {
            q.push((req.clone(), bins.clone()));
            true
        }
        None => false,
    });
    if !queued {
        post(req, bins);
    }
}

fn post(req: &Request, bins: Vec<Vec<u8>>) {
    let (msg, transfer) = crate::wire::pack(req.to_json(), bins);
    WORKER.with(|w| {
        if let Some(worker) = w.borrow().as_ref() {
            let _ = worker.post_message_with_transfer(&msg, &transfer);
        }
    });
}

/// Sends a request to the worker (queued until it is ready; dropped if the worker never
/// started, which the error banner already says).
pub fn send(req: &Request) {
    send_with(req, Vec::new());
}
