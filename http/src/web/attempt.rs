//! One request of a run: the POST (gloo-net), then the body read chunk by chunk from its
//! `ReadableStream`. Everything it learns goes to the core through `report`, with the clock's
//! reading; it decides nothing. It holds the transport weakly: a freed transport's request is
//! aborted and its task ends at the next chunk.

use std::rc::Weak;

use gloo_net::http::Request;
use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, ReadableStreamDefaultReader};

use super::transport::Shared;
use agentwire::core::http_run::HttpRun;

fn now() -> f64 {
    js_sys::Date::now()
}

/// Applies `change` to the core of the transport if it is still alive, then carries out what
/// the core decided. False once the transport is gone.
fn report(shared: &Weak<Shared>, change: impl FnOnce(&mut HttpRun, f64)) -> bool {
    let Some(shared) = shared.upgrade() else { return false };
    change(&mut shared.core.borrow_mut(), now());
    Shared::drive(&shared);
    true
}

fn message(error: &JsValue) -> String {
    Reflect::get(error, &JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string())
        .unwrap_or_else(|| "network error".into())
}

pub async fn run(shared: Weak<Shared>, attempt: u64, last_event_id: Option<String>, signal: AbortSignal) {
    let request = {
        let Some(s) = shared.upgrade() else { return };
        let mut builder = Request::post(&s.url)
            .header("Accept", "text/event-stream")
            .header("Content-Type", "application/json")
            .abort_signal(Some(&signal));
        for (name, value) in &s.headers {
            builder = builder.header(name, value);
        }
        if let Some(id) = &last_event_id {
            builder = builder.header("Last-Event-ID", id);
        }
        let body = s.input.borrow().clone().unwrap_or_default();
        builder.body(body)
    };
    let request = match request {
        Ok(request) => request,
        Err(e) => {
            report(&shared, |core, now| core.handle_network_error(attempt, e.to_string(), now));
            return;
        }
    };
    let response = match request.send().await {
        Ok(response) => response,
        Err(e) => {
            report(&shared, |core, now| core.handle_network_error(attempt, e.to_string(), now));
            return;
        }
    };
    let event_stream =
        response.headers().get("content-type").is_some_and(|t| t.trim_start().starts_with("text/event-stream"));
    let status = response.status();
    if !report(&shared, |core, now| core.handle_response(attempt, status, event_stream, now)) {
        return;
    }
    let Some(body) = response.body().filter(|_| (200..300).contains(&status) && event_stream) else { return };
    let reader: ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    loop {
        let still_current = shared.upgrade().is_some_and(|s| s.core.borrow().attempt() == attempt);
        if !still_current {
            let _ = reader.cancel();
            return;
        }
        let chunk = match JsFuture::from(reader.read()).await {
            Ok(chunk) => chunk,
            Err(e) => {
                let text = message(&e);
                report(&shared, |core, now| core.handle_network_error(attempt, text, now));
                return;
            }
        };
        let done = Reflect::get(&chunk, &JsValue::from_str("done")).ok().and_then(|d| d.as_bool()).unwrap_or(true);
        if done {
            report(&shared, |core, now| core.handle_body_end(attempt, now));
            return;
        }
        let bytes = Reflect::get(&chunk, &JsValue::from_str("value"))
            .ok()
            .and_then(|v| v.dyn_into::<Uint8Array>().ok())
            .map(|v| v.to_vec())
            .unwrap_or_default();
        if !report(&shared, |core, now| core.handle_body(attempt, &bytes, now)) {
            let _ = reader.cancel();
            return;
        }
    }
}
