//! JavaScript functions the glue calls: the browser's, bound directly so a payload never has to
//! be copied into Rust (`js_sys::JSON::parse` would take a Rust `&str`), and our own in
//! `glue.js`, which assembles objects and flattens options in one crossing instead of one per
//! property.
//!
//! Globals are looked up on `globalThis`, so the transport also runs in workers.

use js_sys::Array;

use crate::prelude::*;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    /// Exact UTF-8 byte length of a JS string, without copying it.
    #[wasm_bindgen(js_name = utf8Length)]
    pub fn utf8_length(text: &JsValue) -> usize;

    #[wasm_bindgen(js_name = isPromiseLike)]
    pub fn is_promise_like(value: &JsValue) -> bool;

    #[wasm_bindgen(js_name = statusName)]
    pub fn status_name(status: u32) -> JsValue;

    /// Type-checks the options (throwing a TypeError naming the option) and flattens them.
    #[wasm_bindgen(js_name = readOptions, catch)]
    pub fn read_options(options: &JsValue) -> Result<Array, JsValue>;

    #[wasm_bindgen(js_name = statusEvent)]
    pub fn status_event(status: u32, previous: u32, attempt: u32, delay_ms: Option<f64>, code: Option<u16>, reason: Option<String>) -> JsValue;

    #[wasm_bindgen(js_name = errorEvent)]
    #[allow(clippy::too_many_arguments)]
    pub fn error_event(
        kind: u32,
        message: &str,
        size: Option<f64>,
        limit: Option<f64>,
        count: Option<f64>,
        code: Option<u16>,
        attempt: Option<u32>,
        payload: Option<JsValue>,
    ) -> JsValue;

    #[wasm_bindgen(js_name = snapshotObject)]
    #[allow(clippy::too_many_arguments)]
    pub fn snapshot_object(
        status: u32,
        attempt: u32,
        queued: f64,
        latency_ms: Option<f64>,
        error_kind: Option<u32>,
        error_message: Option<String>,
        close_code: Option<u16>,
        close_reason: Option<String>,
        delay_ms: Option<f64>,
        next_retry_at: Option<f64>,
        connected_at: Option<f64>,
        online: bool,
        url: &str,
    ) -> JsValue;

    #[wasm_bindgen(js_name = statsObject)]
    pub fn stats_object(values: &[f64]) -> JsValue;

    #[wasm_bindgen(js_name = resourcesObject)]
    pub fn resources_object(values: &[f64]) -> JsValue;
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    pub fn performance_now() -> f64;

    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    pub fn json_parse(text: &JsValue) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_name = setTimeout)]
    pub fn set_timeout(handler: &js_sys::Function, delay_ms: f64) -> JsValue;

    #[wasm_bindgen(js_name = clearTimeout)]
    pub fn clear_timeout(handle: &JsValue);

    #[wasm_bindgen(js_name = queueMicrotask)]
    pub fn queue_microtask(callback: &js_sys::Function);
}

/// Milliseconds of the monotonic clock the core runs on.
pub fn now() -> f64 {
    performance_now()
}

/// What to add to a core instant to get Unix epoch milliseconds (for fields apps display).
pub fn epoch_offset() -> f64 {
    js_sys::Date::now() - performance_now()
}
