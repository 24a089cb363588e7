//! Bindings for calling into the app's JS. As in the transport crate (src/web/js.rs there): a
//! `catch` binding returns `Result<Option<_>, _>`, because wasm-bindgen 0.2.130 leaks an
//! externref slot per caught exception when the success value is a plain `JsValue`.

use js_sys::{Function, JsString};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = r#"
// The event JSON, or null if it is not a JSON object with a string type in `typeKey` (no
// exception crosses into Rust). The type is returned beside it.
export function parseEvent(text, typeKey) {
  let value;
  try { value = JSON.parse(text); } catch { return null; }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const type = value[typeKey];
  return typeof type === 'string' ? [value, type] : null;
}
export function statusEvent(status, attempt) {
  return Object.freeze({ status, attempt });
}
export function errorEvent(kind, message) {
  return Object.freeze({ kind, message });
}
export function snapshot(status, attempt, lastEventId, delivered, runId, threadId) {
  return Object.freeze({ status, attempt, lastEventId: lastEventId ?? null, delivered, runId: runId ?? null, threadId: threadId ?? null });
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = parseEvent)]
    pub fn parse_event(text: &str, type_key: &JsString) -> Option<js_sys::Array>;
    #[wasm_bindgen(js_name = statusEvent)]
    pub fn status_event(status: &str, attempt: f64) -> JsValue;
    #[wasm_bindgen(js_name = errorEvent)]
    pub fn error_event(kind: &str, message: &str) -> JsValue;
    pub fn snapshot(
        status: &str,
        attempt: f64,
        last_event_id: Option<String>,
        delivered: f64,
        run_id: Option<String>,
        thread_id: Option<String>,
    ) -> JsValue;
}

// Globals, not the snippet's (an extern block with `inline_js` imports everything from it).
#[wasm_bindgen]
extern "C" {
    /// A listener the app gave us: a JS function whose calls may throw.
    #[wasm_bindgen(extends = Function, js_name = Function)]
    #[derive(Clone, PartialEq)]
    pub type Callback;

    #[wasm_bindgen(method, js_name = call, catch)]
    pub fn call0(this: &Callback, context: &JsValue) -> Result<Option<JsValue>, JsValue>;

    #[wasm_bindgen(method, js_name = call, catch)]
    pub fn call1(this: &Callback, context: &JsValue, argument: &JsValue) -> Result<Option<JsValue>, JsValue>;

    #[wasm_bindgen(js_name = queueMicrotask)]
    pub fn queue_microtask(callback: &Function);

    #[wasm_bindgen(js_namespace = JSON, js_name = stringify, catch)]
    pub fn json_stringify(value: &JsValue) -> Result<Option<JsString>, JsValue>;
}

pub fn type_error(message: &str) -> JsValue {
    js_sys::TypeError::new(&format!("HttpAgentTransport: {message}")).into()
}
