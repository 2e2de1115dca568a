//! Fetching bundled files (data, weights) from the app's own origin, with progress.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::{Response, post, scope};
use crate::messages::Job;
use crate::worker::WorkerError;

/// Fetches `url` (relative to the app) and reports progress as job `job`, except for
/// [`Job::Lab`]: the conv lab's and walkthrough's fetches run beside training runs whose
/// progress bar they must not take over (and their pages show none).
pub async fn fetch_bytes(url: &str, job: Job) -> Result<Vec<u8>, WorkerError> {
    let resp = JsFuture::from(scope().fetch_with_str(url))
        .await
        .map_err(|e| format!("could not fetch {url}: {e:?}"))?
        .dyn_into::<web_sys::Response>()
        .map_err(|_| format!("could not fetch {url}"))?;
    if !resp.ok() {
        return Err(WorkerError::Message(format!(
            "could not fetch {url}: HTTP {}",
            resp.status()
        )));
    }
    keep_for_offline(url, &resp);
    let total = resp
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0);
    let Some(body) = resp.body() else {
        let buf = JsFuture::from(resp.array_buffer().map_err(|e| format!("{e:?}"))?)
            .await
            .map_err(|e| format!("{e:?}"))?;
        return Ok(js_sys::Uint8Array::new(&buf).to_vec());
    };
    let reader = body
        .get_reader()
        .dyn_into::<web_sys::ReadableStreamDefaultReader>()
        .map_err(|_| "the download stream has no reader".to_string())?;
    let mut out = Vec::with_capacity(total);
    let start = js_sys::Date::now();
    loop {
        let chunk = JsFuture::from(reader.read())
            .await
            .map_err(|e| format!("the download of {url} broke off: {e:?}"))?;
        let done = js_sys::Reflect::get(&chunk, &"done".into())
            .map(|v| v.is_truthy())
            .unwrap_or(true);
        if done {
            break;
        }
        let value = js_sys::Reflect::get(&chunk, &"value".into()).map_err(|e| format!("{e:?}"))?;
        out.extend(js_sys::Uint8Array::new(&value).to_vec());
        let secs = ((js_sys::Date::now() - start) / 1000.0).max(1e-3);
        let rate = out.len() as f64 / secs;
        if job == Job::Lab {
            continue;
        }
        post(&Response::Progress {
            job,
            done: out.len(),
            total: total.max(out.len()),
            rate,
            eta_s: if total > out.len() {
                (total - out.len()) as f64 / rate
            } else {
                0.0
            },
        });
    }
    Ok(out)
}

/// The cache the service worker (`sw.js`) keeps data and weights in across builds.
const DATA_CACHE: &str = "convlab-data";

/// Puts a copy of a bundled data or weights file (`./public/…`) in the offline cache. On a
/// first visit this worker starts before the service worker controls it, so its downloads
/// would not pass through it; this keeps the labs a visitor opened usable offline all the
/// same. Best effort: without the Cache API (or with storage refused) nothing happens.
fn keep_for_offline(url: &str, resp: &web_sys::Response) {
    use js_sys::{Function, Promise, Reflect};
    if !url.contains("/public/") {
        return;
    }
    let Ok(copy) = resp.clone() else { return };
    let Ok(caches) = Reflect::get(&js_sys::global(), &"caches".into()) else {
        return;
    };
    let Some(open) = Reflect::get(&caches, &"open".into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
    else {
        return;
    };
    let Ok(opened) = open.call1(&caches, &DATA_CACHE.into()) else {
        return;
    };
    let url = url.to_string();
    wasm_bindgen_futures::spawn_local(async move {
        let Ok(cache) = JsFuture::from(Promise::from(opened)).await else {
            return;
        };
        let Some(put) = Reflect::get(&cache, &"put".into())
            .ok()
            .and_then(|f| f.dyn_into::<Function>().ok())
        else {
            return;
        };
        if let Ok(p) = put.call2(&cache, &url.into(), &copy) {
            let _ = JsFuture::from(Promise::from(p)).await;
        }
    });
}
