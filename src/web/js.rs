//! JavaScript functions the glue calls, bound directly so that a payload never has to be copied
//! into Rust (`js_sys::JSON::parse` would take a Rust `&str`).
//!
//! Globals are looked up on `globalThis`, so the transport also runs in workers.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = r#"
export function utf8Length(text) {
  // Each UTF-16 unit is 1 byte below U+0080, 2 below U+0800, 3 otherwise; a surrogate pair
  // (two units) is 4 bytes, so each surrogate unit counts 2.
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0x80) bytes += (unit >= 0x800 && (unit < 0xd800 || unit > 0xdfff)) ? 2 : 1;
  }
  return bytes;
}
export function isPromiseLike(value) {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof value.then === 'function';
}
"#)]
extern "C" {
    /// Exact UTF-8 byte length of a JS string, without copying it.
    #[wasm_bindgen(js_name = utf8Length)]
    pub fn utf8_length(text: &JsValue) -> usize;

    #[wasm_bindgen(js_name = isPromiseLike)]
    pub fn is_promise_like(value: &JsValue) -> bool;
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
