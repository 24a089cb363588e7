//! JavaScript functions the glue calls: the browser's, bound directly so a payload never has to
//! be copied into Rust (`js_sys::JSON::parse` would take a Rust `&str`), and our own in
//! `glue.js`, which assembles objects and flattens options in one crossing instead of one per
//! property. Every import costs module bytes, so the list is kept short.
//!
//! Globals are looked up on `globalThis`, so the transport also runs in workers.

use js_sys::{Array, Function};
use wasm_bindgen::prelude::*;

use crate::prelude::*;

#[wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    /// Exact UTF-8 byte length of a JS string, without copying it.
    #[wasm_bindgen(js_name = utf8Length)]
    pub fn utf8_length(text: &JsValue) -> usize;

    /// The inbound frame (see glue.js and inbound.rs): one call per message in the common case.
    #[wasm_bindgen(js_name = readFrame)]
    pub fn read_frame(event: &JsValue, type_field: &JsValue, quick_limit: f64) -> f64;

    #[wasm_bindgen(js_name = parseFrame)]
    pub fn parse_frame(type_field: &JsValue) -> f64;

    #[wasm_bindgen(js_name = frameUtf8Length)]
    pub fn frame_utf8_length() -> usize;

    #[wasm_bindgen(js_name = typeName)]
    pub fn type_name(id: u32) -> String;

    #[wasm_bindgen(js_name = frameTypeText)]
    pub fn frame_type_text() -> String;

    #[wasm_bindgen(js_name = frameMessage)]
    pub fn frame_message() -> JsValue;

    /// `[problem, data]`.
    #[wasm_bindgen(js_name = frameProblem)]
    pub fn frame_problem() -> Array;

    #[wasm_bindgen(js_name = thrownMessage)]
    pub fn thrown_message(thrown: &JsValue) -> String;

    /// An `Error` (0), `TypeError` (1) or `RangeError` (2) whose message starts "AgentWire: ".
    #[wasm_bindgen(js_name = makeError)]
    pub fn make_error(kind: u32, message: &str) -> JsValue;

    /// `[promise, resolve, reject]`.
    pub fn deferred() -> Array;

    /// Calls the token function in a microtask; `report` gets `[attempt, ok, token or problem]`.
    #[wasm_bindgen(js_name = fetchToken)]
    pub fn fetch_token(token_function: &Function, attempt: f64, report: &Function);

    #[wasm_bindgen(js_name = epochOffset)]
    pub fn epoch_offset() -> f64;

    /// `performance.now()` (through glue.js, which keeps the `performance` object at hand).
    pub fn now() -> f64;

    #[wasm_bindgen(js_name = randomSeed)]
    pub fn random_seed() -> f64;

    /// `[detach, count]`.
    #[wasm_bindgen(js_name = attachSignals)]
    pub fn attach_signals(on_online: &Function, on_offline: &Function, on_visible: &Function) -> Array;

    #[wasm_bindgen(js_name = isOnline)]
    pub fn is_online() -> bool;

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

    #[wasm_bindgen(js_namespace = JSON, js_name = stringify, catch)]
    pub fn json_stringify(value: &JsValue) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_name = setTimeout)]
    pub fn set_timeout(handler: &Function, delay_ms: f64) -> JsValue;

    #[wasm_bindgen(js_name = clearTimeout)]
    pub fn clear_timeout(handle: &JsValue);

    #[wasm_bindgen(js_name = queueMicrotask)]
    pub fn queue_microtask(callback: &Function);

    #[wasm_bindgen(js_namespace = console, js_name = error)]
    pub fn console_error(message: &str, detail: &JsValue);
}

/// A TypeError "AgentWire: <message>".
pub fn type_error(message: &str) -> JsValue {
    make_error(1, message)
}

/// A RangeError "AgentWire: <message>".
pub fn range_error(message: &str) -> JsValue {
    make_error(2, message)
}
