//! The Web Worker: owns the burn `Device`, the models and the loaded data. It receives
//! [`Request`]s as JSON strings and posts [`Response`]s back. Jobs run in two queues, each
//! one job at a time: training, maps and data loading in the main queue, and the quick lab
//! requests (conv lab, layer walkthrough, model tables, stats) in a second one, so a
//! walkthrough answers while a training run goes (the two interleave at every await).
//! Pause/resume/stop are handled as soon as they arrive (between two steps of the job).

mod cifar;
mod error;
mod fetch;
mod hsi;
mod lab;
mod picture;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use burn::tensor::Device;
use futures_channel::mpsc;
use futures_util::StreamExt;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use crate::messages::cifar::CifarResponse;
use crate::messages::hsi::HsiResponse;
use crate::messages::{BackendChoice, Job, LayerRow, ModelTable, Request, Response};
use crate::model::ModelKind;
use crate::train::{Control, Event, Host};
use crate::wire::unpack;

pub(crate) use error::WorkerError;

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// Posts a response to the UI.
pub fn post(resp: &Response) {
    // A failed post means the page is gone; nothing to tell.
    let _ = scope().post_message(&JsValue::from_str(&resp.to_json()));
}

/// Posts a response with binary attachments (buffers transferred).
pub fn post_with(resp: &Response, bins: Vec<Vec<u8>>) {
    let (msg, transfer) = crate::wire::pack(resp.to_json(), bins);
    let _ = scope().post_message_with_transfer(&msg, &transfer);
}

/// Resolves after `ms` milliseconds (0: after the event loop has run once).
pub async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        let _ = scope().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = JsFuture::from(promise).await;
}

fn now_ms() -> f64 {
    js_sys::Reflect::get(&js_sys::global(), &"performance".into())
        .ok()
        .and_then(|p| p.dyn_into::<web_sys::Performance>().ok())
        .map(|p| p.now())
        .unwrap_or(0.0)
}

/// Shared control state, written by `onmessage`, read by the running job.
#[derive(Default)]
struct Controls {
    paused: Cell<bool>,
    stop: Cell<bool>,
    /// Backend requests received and not yet handled: lab requests wait for them, so they
    /// run on the device that was asked for before them.
    pending_inits: Cell<usize>,
}

/// A [`Host`] that forwards events to the UI as responses tagged with the job's name.
pub(crate) struct WorkerHost {
    pub(crate) job: Job,
    controls: Rc<Controls>,
    /// Keep the weights of each completed epoch (training jobs set this).
    pub(crate) keep_checkpoints: bool,
    /// The last completed epoch and its weights file, when kept.
    pub(crate) checkpoint: Option<(usize, Vec<u8>)>,
}

impl WorkerHost {
    fn new(job: Job, controls: &Rc<Controls>) -> Self {
        Self {
            job,
            controls: controls.clone(),
            keep_checkpoints: false,
            checkpoint: None,
        }
    }
}

impl Host for WorkerHost {
    fn emit(&mut self, event: Event) {
        let resp = match event {
            Event::Loss { step, loss } => Response::Loss {
                job: self.job,
                step,
                loss,
            },
            Event::Progress {
                done,
                total,
                rate,
                eta_s,
            } => Response::Progress {
                job: self.job,
                done,
                total,
                rate,
                eta_s: if eta_s.is_finite() { eta_s } else { -1.0 },
            },
            // Each lab's epochs go to its own page.
            Event::Epoch(m) if self.job == Job::Cifar => Response::Cifar(CifarResponse::Epoch(m)),
            Event::Epoch(m) => Response::Hsi(HsiResponse::Epoch(m)),
            Event::MapRows { row0, rows, labels } => {
                Response::Hsi(HsiResponse::MapRows { row0, rows, labels })
            }
            Event::Checkpoint { epoch, weights } => {
                self.checkpoint = Some((epoch, weights));
                return;
            }
        };
        post(&resp);
    }
    fn control(&self) -> Control {
        if self.controls.stop.get() {
            Control::Stop
        } else if self.controls.paused.get() {
            Control::Pause
        } else {
            Control::Run
        }
    }
    fn now_ms(&self) -> f64 {
        now_ms()
    }
    async fn yield_now(&self) {
        sleep_ms(0).await
    }
    async fn pause_tick(&self) {
        sleep_ms(50).await
    }
    fn wants_checkpoints(&self) -> bool {
        self.keep_checkpoints
    }
}

/// The worker's host seen through a filter: the events `keep` accepts go to the UI, the
/// others are dropped; controls and time are the worker's. Labs wrap it to add events of
/// their own (CIFAR-10's epochs) or to keep a map's rows off the lab's map (the split
/// comparison).
pub(crate) struct Filtered<'a> {
    pub(crate) host: &'a mut WorkerHost,
    pub(crate) keep: fn(&Event) -> bool,
}

impl Host for Filtered<'_> {
    fn emit(&mut self, event: Event) {
        if (self.keep)(&event) {
            self.host.emit(event);
        }
    }
    fn control(&self) -> Control {
        self.host.control()
    }
    fn now_ms(&self) -> f64 {
        self.host.now_ms()
    }
    async fn yield_now(&self) {
        self.host.yield_now().await
    }
    async fn pause_tick(&self) {
        self.host.pause_tick().await
    }
}

#[derive(Default)]
struct State {
    device: Option<Device>,
    hsi: hsi::HsiState,
    lab: lab::LabState,
    cifar: cifar::CifarState,
    /// The backend in words ("WebGPU", "CPU (WebAssembly)"), for run records.
    backend: String,
    /// Jobs handled so far (for [`Response::Stats`]).
    jobs: usize,
}

/// Entry point of the worker binary.
pub fn start() {
    console_error_panic_hook::set_once();
    let controls = Rc::new(Controls::default());
    let (tx, mut rx) = mpsc::unbounded::<(Request, Vec<Vec<u8>>)>();

    let (lab_tx, mut lab_rx) = mpsc::unbounded::<(Request, Vec<Vec<u8>>)>();

    let ctl = controls.clone();
    let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        let Some((text, bins)) = unpack(ev.data()) else {
            post(&Response::Error {
                job: Job::Worker,
                message: "the worker received a malformed message".into(),
            });
            return;
        };
        match Request::from_json(&text) {
            Ok(Request::Pause) => ctl.paused.set(true),
            Ok(Request::Resume) => ctl.paused.set(false),
            Ok(Request::Stop) => {
                ctl.stop.set(true);
                ctl.paused.set(false);
            }
            Ok(Request::Fault { kind }) => inject_fault(&kind),
            Ok(req) if is_quick(&req) => {
                let _ = lab_tx.unbounded_send((req, bins));
            }
            Ok(req) => {
                if matches!(req, Request::Init { .. }) {
                    ctl.pending_inits.set(ctl.pending_inits.get() + 1);
                }
                let _ = tx.unbounded_send((req, bins));
            }
            Err(message) => post(&Response::Error {
                job: Job::Worker,
                message,
            }),
        }
    });
    scope().set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    onmessage.forget();

    let state = Rc::new(RefCell::new(State::default()));
    let (st, ctl) = (state.clone(), controls.clone());
    let watched = state.clone();
    wasm_bindgen_futures::spawn_local(async move {
        post(&Response::Ready);
        while let Some((req, bins)) = rx.next().await {
            let init = matches!(req, Request::Init { .. });
            ctl.stop.set(false);
            ctl.paused.set(false);
            st.borrow_mut().jobs += 1;
            switch_to_cpu_if_lost(&st);
            handle(&st, &ctl, req, bins).await;
            if init {
                ctl.pending_inits.set(ctl.pending_inits.get() - 1);
            }
            switch_to_cpu_if_lost(&st);
        }
    });
    wasm_bindgen_futures::spawn_local(async move {
        while let Some((req, bins)) = lab_rx.next().await {
            while controls.pending_inits.get() > 0 {
                sleep_ms(20).await;
            }
            state.borrow_mut().jobs += 1;
            switch_to_cpu_if_lost(&state);
            handle(&state, &controls, req, bins).await;
            switch_to_cpu_if_lost(&state);
        }
    });
    wasm_bindgen_futures::spawn_local(async move {
        loop {
            sleep_ms(500).await;
            switch_to_cpu_if_lost(&watched);
        }
    });
}

/// Requests of the second queue: short, and touching neither the training controls nor the
/// hyperspectral and CIFAR-10 labs' state, so they may run beside a training job.
fn is_quick(req: &Request) -> bool {
    matches!(req, Request::Lab(_) | Request::Models | Request::Stats)
}

/// Runs one lab's request with the lab's state taken out of `state` (so the other queue can
/// borrow the rest meanwhile) and put back after it. A device lost meanwhile (noticed by the
/// other queue) took the lab's models with it: `on_loss` says what of the taken state is put
/// back then (`None`: the fresh state the switch to the CPU left). A failure is posted as
/// `job`'s error, a lost device named as such (`what` the request stopped).
async fn run_lab<S: Default>(
    state: &RefCell<State>,
    slot: fn(&mut State) -> &mut S,
    on_loss: fn(S) -> Option<S>,
    job: Job,
    what: &str,
    work: impl AsyncFnOnce(&mut S, &Device, &str) -> Result<(), WorkerError>,
) {
    let device = current_device(state);
    let backend = state.borrow().backend.clone();
    let mut lab = std::mem::take(slot(&mut state.borrow_mut()));
    let result = work(&mut lab, &device, &backend).await;
    let kept = if state.borrow().backend == backend {
        Some(lab)
    } else {
        on_loss(lab)
    };
    if let Some(lab) = kept {
        *slot(&mut state.borrow_mut()) = lab;
    }
    if let Err(error) = result {
        post(&Response::Error {
            job,
            message: name_device_loss(error, &backend, what).await,
        });
    }
}

async fn handle(state: &RefCell<State>, controls: &Rc<Controls>, req: Request, bins: Vec<Vec<u8>>) {
    if let Request::Lab(req) = req {
        let work = async move |ls: &mut lab::LabState, device: &Device, _: &str| {
            lab::handle(ls, device, req, bins).await
        };
        let what = "the Conv lab's request";
        return run_lab(state, |s| &mut s.lab, |_| None, Job::Lab, what, work).await;
    }
    if let Request::Hsi(req) = req {
        // The hyperspectral lab keeps its data and the CPU copy of its last checkpoint.
        let on_loss = |mut hs: hsi::HsiState| {
            hs.forget_device_models();
            Some(hs)
        };
        let work = async move |hs: &mut hsi::HsiState, device: &Device, backend: &str| {
            let mut host = WorkerHost::new(Job::Hsi, controls);
            hsi::handle(hs, &mut host, device, backend, req, bins).await
        };
        let what = "the hyperspectral lab's job";
        return run_lab(state, |s| &mut s.hsi, on_loss, Job::Hsi, what, work).await;
    }
    if let Request::Cifar(req) = req {
        let work = async move |cs: &mut cifar::CifarState, device: &Device, backend: &str| {
            let mut host = WorkerHost::new(Job::Cifar, controls);
            cifar::handle(cs, &mut host, device, backend, req, bins).await
        };
        let what = "the CIFAR-10 lab's job";
        return run_lab(state, |s| &mut s.cifar, |_| None, Job::Cifar, what, work).await;
    }
    match req {
        Request::Init { backend } => {
            let (device, resp) = init_device(backend).await;
            state.borrow_mut().device = Some(device);
            if let Response::Backend { kind, .. } = &resp {
                state.borrow_mut().backend = kind.clone();
            }
            post(&resp);
        }
        Request::Stats => {
            let wasm_bytes = wasm_bindgen::memory()
                .dyn_into::<js_sys::WebAssembly::Memory>()
                .map(|m| {
                    m.buffer()
                        .unchecked_into::<js_sys::ArrayBuffer>()
                        .byte_length() as f64
                })
                .unwrap_or(0.0);
            let jobs = state.borrow().jobs;
            post(&Response::Stats { wasm_bytes, jobs });
        }
        Request::Models => {
            let device = current_device(state);
            let tables = ModelKind::ALL
                .iter()
                .map(|k| table(k.summary(&device)))
                .collect();
            post(&Response::Models(tables));
        }
        Request::Smoke {
            model,
            steps,
            batch,
        } => {
            let device = current_device(state);
            let job = Job::Smoke;
            let mut host = WorkerHost::new(job, controls);
            match crate::train::smoke::smoke_run(&mut host, &device, model, steps, batch).await {
                Ok(losses) => post(&Response::Done {
                    job,
                    stopped: losses.len() < steps,
                }),
                Err(e) => post(&Response::Error {
                    job,
                    message: e.to_string(),
                }),
            }
        }
        Request::DeviceCheck { cases, map } => {
            let device = current_device(state);
            let backend = state.borrow().backend.clone();
            let mut host = WorkerHost::new(Job::Check, controls);
            let job = Job::Check;
            match device_check(&mut host, &device, backend, &cases, map).await {
                Ok(Some(report)) => {
                    post(&Response::Check(report));
                    post(&Response::Done {
                        job,
                        stopped: false,
                    });
                }
                Ok(None) => post(&Response::Done { job, stopped: true }),
                Err(e) => post(&Response::Error {
                    job,
                    message: e.to_string(),
                }),
            }
        }
        _ => {}
    }
}

/// Timed steps per case of the device check: three, so that the median leaves out one slow
/// step (with two, their mean; in headless Chromium one round in four or five then read
/// HybridSN's training 25 % below the others).
const CHECK_STEPS: usize = 3;

/// Times each case (the median of [`CHECK_STEPS`] steps after a warm-up) and estimates the
/// map; `None` when stopped.
async fn device_check(
    host: &mut WorkerHost,
    device: &Device,
    backend: String,
    cases: &[crate::messages::CheckCase],
    map: Option<[usize; 2]>,
) -> Result<Option<crate::messages::CheckReport>, WorkerError> {
    use crate::train::bench::{BenchCase, map_seconds, throughput};
    let total = cases.len() + usize::from(map.is_some());
    let meter = crate::train::Meter::new(host.now_ms(), total);
    let mut rows = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        if crate::train::should_stop(host).await {
            return Ok(None);
        }
        let bench = BenchCase {
            model: case.model,
            width: case.width,
            batch: case.batch,
        };
        let t = throughput(host, device, bench, CHECK_STEPS).await?;
        rows.push(crate::messages::CheckRow {
            case: case.clone(),
            train_per_s: t.train_per_s,
            infer_per_s: t.infer_per_s,
        });
        host.emit(meter.event(host.now_ms(), i + 1));
    }
    let map = match map {
        Some([h, w]) => {
            if crate::train::should_stop(host).await {
                return Ok(None);
            }
            let secs = map_seconds(host, device, h, w).await?;
            host.emit(meter.event(host.now_ms(), total));
            Some(([h, w], secs))
        }
        None => None,
    };
    Ok(Some(crate::messages::CheckReport { backend, rows, map }))
}

fn current_device(state: &RefCell<State>) -> Device {
    state.borrow().device.clone().unwrap_or_else(Device::flex)
}

pub(crate) fn table(s: crate::model::ModelSummary) -> ModelTable {
    ModelTable {
        model: s.model,
        input: s.input,
        params: s.params,
        macs: s.macs,
        layers: s
            .layers
            .into_iter()
            .map(|l| LayerRow {
                name: l.name,
                kind: l.kind,
                output: l.output,
                params: l.params,
                macs: l.macs,
            })
            .collect(),
    }
}

pub(crate) const CPU: &str = "CPU (WebAssembly)";

/// The CPU backend and the build of its matrix products' kernels.
const FLEX_NAME: &str = if cfg!(feature = "relaxed-simd") {
    "burn Flex backend, relaxed SIMD (fused multiply-add)"
} else {
    "burn Flex backend, SIMD128"
};

fn cpu(reason: String) -> (Device, Response) {
    (
        Device::flex(),
        Response::Backend {
            kind: CPU.into(),
            name: FLEX_NAME.into(),
            reason: Some(reason),
        },
    )
}

/// Picks WebGPU when the browser has an adapter, else the CPU, and says why.
async fn init_device(choice: BackendChoice) -> (Device, Response) {
    if choice == BackendChoice::Cpu {
        return cpu("the CPU backend was requested (?backend=cpu)".into());
    }
    let navigator = js_sys::Reflect::get(&js_sys::global(), &"navigator".into()).ok();
    let gpu = navigator.and_then(|n| js_sys::Reflect::get(&n, &"gpu".into()).ok());
    let Some(gpu) = gpu.filter(|g| !g.is_undefined() && !g.is_null()) else {
        return cpu("this browser offers no WebGPU (navigator.gpu is missing)".into());
    };
    let adapter = match request_adapter(&gpu).await {
        Ok(Some(a)) => a,
        Ok(None) => {
            return cpu("WebGPU found no adapter (requestAdapter() returned null)".into());
        }
        Err(e) => return cpu(format!("WebGPU refused an adapter: {e}")),
    };
    let name = adapter_name(&adapter);
    watch_gpu_device();
    match Device::wgpu_options().init_async().await {
        Ok(device) => (
            device,
            Response::Backend {
                kind: "WebGPU".into(),
                name,
                reason: None,
            },
        ),
        Err(e) => cpu(format!("the WebGPU device could not be created: {e}")),
    }
}

/// Wraps `GPUAdapter.requestDevice` so the worker holds the device burn's wgpu creates:
/// its `lost` promise records why it went (read by [`gpu_lost`]), and the `device-lost`
/// fault hook can destroy it.
fn watch_gpu_device() {
    let src = "const A = self.GPUAdapter && self.GPUAdapter.prototype;\
        if (A && !A.__convlabWatched) {\
          const request = A.requestDevice;\
          A.requestDevice = async function (...args) {\
            const d = await request.apply(this, args);\
            self.__convlabGpuDevice = d;\
            self.__convlabLost = undefined;\
            d.lost.then((info) => {\
              if (self.__convlabGpuDevice === d) {\
                self.__convlabLost = (info.reason || 'unknown') + (info.message ? ': ' + info.message : '');\
              }\
            });\
            return d;\
          };\
          A.__convlabWatched = true;\
        }";
    if let Err(e) = js_sys::Function::new_no_args(src).call0(&JsValue::UNDEFINED) {
        web_sys::console::warn_1(&e);
    }
}

/// Why the WebGPU device was lost, after a request failed on it: a destroyed device fails
/// the next read-back ("the staging buffer could not be mapped") before its `lost` promise
/// settles, so this waits up to a second for that promise (not at all on the CPU).
pub(crate) async fn loss_behind_error(gpu: bool) -> Option<String> {
    let mut lost = gpu_lost();
    for _ in 0..20 {
        if lost.is_some() || !gpu {
            break;
        }
        sleep_ms(50).await;
        lost = gpu_lost();
    }
    lost
}

/// The words of a failed lab request: the one place its [`WorkerError`] becomes the message
/// of the error response. A request that failed on WebGPU because the device was lost says
/// so.
async fn name_device_loss(error: WorkerError, backend: &str, what: &str) -> String {
    let message = error.to_string();
    if backend == CPU || message.starts_with("The WebGPU device was lost") {
        return message;
    }
    match loss_behind_error(true).await {
        Some(why) => format!(
            "The WebGPU device was lost ({why}), which stopped {what}. The lab continues on \
             the CPU: start it again to run it there."
        ),
        None => message,
    }
}

/// Why the WebGPU device was lost, once it has been.
pub(crate) fn gpu_lost() -> Option<String> {
    js_sys::Reflect::get(&js_sys::global(), &"__convlabLost".into())
        .ok()
        .and_then(|v| v.as_string())
}

/// Test hooks, run as soon as the message arrives (the job keeps running).
fn inject_fault(kind: &str) {
    match kind {
        "device-lost" => {
            let device = js_sys::Reflect::get(&js_sys::global(), &"__convlabGpuDevice".into())
                .unwrap_or(JsValue::UNDEFINED);
            let destroy = js_sys::Reflect::get(&device, &"destroy".into())
                .ok()
                .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
            match destroy {
                Some(f) => {
                    let _ = f.call0(&device);
                }
                None => post(&Response::Error {
                    job: Job::Worker,
                    message: "There is no WebGPU device to lose: the CPU backend is in use.".into(),
                }),
            }
        }
        // A release worker aborts on a panic, as on an out-of-memory or a wgpu error: the UI
        // must start a new one and keep its state (tests/browser/restart.test.mjs).
        "panic" => panic!("a deliberate panic from the test hook"),
        other => post(&Response::Error {
            job: Job::Worker,
            message: format!("Unknown fault '{other}'."),
        }),
    }
}

/// After a lost WebGPU device the worker carries on with the CPU backend. The other labs'
/// models and data lived on the lost device, so they are dropped (they reload on demand);
/// the hyperspectral lab keeps the CPU copy of its last checkpoint.
/// Runs before and after every request, and every half second while idle (a device lost
/// with no job running switches at once, and the badge says so). A job that holds the state
/// is left alone: the check after it switches.
fn switch_to_cpu_if_lost(state: &RefCell<State>) {
    let Some(why) = gpu_lost() else { return };
    let Ok(mut st) = state.try_borrow_mut() else {
        return;
    };
    if st.backend == CPU {
        return;
    }
    st.device = Some(Device::flex());
    st.backend = CPU.into();
    st.lab = Default::default();
    st.cifar = Default::default();
    st.hsi.forget_device_models();
    post(&Response::Backend {
        kind: CPU.into(),
        name: FLEX_NAME.into(),
        reason: Some(format!(
            "the WebGPU device was lost ({why}); the lab switched to the CPU"
        )),
    });
}

async fn request_adapter(gpu: &JsValue) -> Result<Option<JsValue>, WorkerError> {
    let f = js_sys::Reflect::get(gpu, &"requestAdapter".into())
        .map_err(|_| "requestAdapter is missing".to_string())?
        .dyn_into::<js_sys::Function>()
        .map_err(|_| "requestAdapter is not a function".to_string())?;
    let promise = f
        .call0(gpu)
        .map_err(|e| format!("{e:?}"))?
        .dyn_into::<js_sys::Promise>()
        .map_err(|_| "requestAdapter did not return a promise".to_string())?;
    let adapter = JsFuture::from(promise)
        .await
        .map_err(|e| format!("{e:?}"))?;
    Ok((!adapter.is_null() && !adapter.is_undefined()).then_some(adapter))
}

fn adapter_name(adapter: &JsValue) -> String {
    let info = js_sys::Reflect::get(adapter, &"info".into()).unwrap_or(JsValue::UNDEFINED);
    let field = |k: &str| {
        js_sys::Reflect::get(&info, &k.into())
            .ok()
            .and_then(|v| v.as_string())
            .filter(|s| !s.is_empty())
    };
    let parts: Vec<String> = ["description", "vendor", "architecture", "device"]
        .iter()
        .filter_map(|k| field(k))
        .collect();
    if parts.is_empty() {
        "WebGPU adapter".into()
    } else {
        parts.join(" ")
    }
}
