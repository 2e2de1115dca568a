//! The UI's handle on the worker: starts it, sends typed requests, feeds responses to the
//! state.

use std::cell::RefCell;

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{MessageEvent, Worker};

use super::state::AppState;
use crate::messages::{BackendChoice, Request, Response};
use crate::wire::unpack;

/// A request waiting for the worker, with its binary attachments.
type Queued = Vec<(Request, Vec<Vec<u8>>)>;

thread_local! {
    static WORKER: RefCell<Option<Worker>> = const { RefCell::new(None) };
    /// Requests made before the worker said it is ready (its wasm loads asynchronously and
    /// would drop them), sent in order once it is.
    static PENDING: RefCell<Option<Queued>> = const { RefCell::new(Some(Vec::new())) };
}

/// Starts the worker (Trunk's loader shim) and wires its messages to `state`. Once it says
/// it is ready, asks for the backend and the model tables.
pub fn spawn(state: AppState, backend: BackendChoice) {
    let worker = match Worker::new("./worker_loader.js") {
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
        state.job_status.set("error".into());
        state
            .error
            .set(Some(format!("The compute worker failed: {}", ev.message())));
    });
    worker.set_onerror(Some(onerror.as_ref().unchecked_ref()));
    onerror.forget();
    WORKER.with(|w| *w.borrow_mut() = Some(worker));
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
