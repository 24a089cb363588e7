//! The few bindings js-sys and web-sys do not have in the shape the hot path needs, and the JS
//! errors the API throws.
//!
//! js-sys's `JSON::parse` and web-sys's `WebSocket::send_with_str` take a Rust `&str`: every
//! inbound frame would be copied into wasm memory and decoded out again before the browser parses
//! it, and every outbound one the same way. These bind the same functions on the JS string itself,
//! so a frame never leaves JavaScript.
//!
//! Every binding that may throw returns `Result<Option<_>, JsValue>`, never `Result<JsValue, _>`.
//! With wasm-bindgen 0.2.130's externref tables, a `catch` import whose success value is a plain
//! `JsValue` allocates a table slot for the `undefined` it gets back when the call threw, and
//! nothing frees it: one slot leaked per malformed frame or throwing listener (the browser tests
//! count them). An optional return is converted on the JS side, where `undefined` takes no slot.

use js_sys::{Function, JsString};

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `JSON.parse(text)` on a JS string (js-sys's takes `&str`, see above). `None` for `null`.
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    pub fn json_parse(text: &JsString) -> Result<Option<JsValue>, JsValue>;

    /// `JSON.stringify(value)`: a string, or `None` for values JSON cannot represent.
    #[wasm_bindgen(js_namespace = JSON, js_name = stringify, catch)]
    pub fn json_stringify(value: &JsValue) -> Result<Option<JsString>, JsValue>;

    /// A listener or callback the app gave us: a JS function whose calls may throw.
    #[wasm_bindgen(extends = Function, js_name = Function)]
    pub type Callback;

    /// `callback.call(this)` and what it returned; the error is what it threw (see above for the
    /// `Option`).
    #[wasm_bindgen(method, js_name = call, catch)]
    pub fn call0_returning(this: &Callback, context: &JsValue) -> Result<Option<JsValue>, JsValue>;

    /// `callback.call(this)`, its result left in JS; the error is what it threw.
    #[wasm_bindgen(method, js_name = call, catch)]
    pub fn call0(this: &Callback, context: &JsValue) -> Result<(), JsValue>;

    /// `callback.call(this, argument)`, its result left in JS: a listener's return value is never
    /// used, and bringing it into wasm would cost an externref slot (taken in JS, freed by a
    /// second call into wasm) on every message (issue 16).
    #[wasm_bindgen(method, js_name = call, catch)]
    pub fn call1(this: &Callback, context: &JsValue, argument: &JsValue) -> Result<(), JsValue>;

    /// web-sys's `WebSocket`, for one more binding of its `send`.
    #[wasm_bindgen(extends = web_sys::WebSocket, js_name = WebSocket)]
    pub type WebSocketExt;

    /// `socket.send(text)` with the JS string as it is (web-sys's takes `&str`, see above).
    #[wasm_bindgen(method, js_class = "WebSocket", js_name = send, catch)]
    pub fn send_text(this: &WebSocketExt, text: &JsString) -> Result<(), JsValue>;

    /// What `JSON.parse` made of a frame: any JSON value but `null`.
    pub type Parsed;

    /// `value[key]` without `Reflect.get`'s try/catch: on a JSON value other than `null` it
    /// cannot throw (a primitive or an array just has no such property).
    #[wasm_bindgen(method, structural, indexing_getter)]
    pub fn get(this: &Parsed, key: &JsString) -> JsValue;

    /// A message event's `data`: a string, or an `ArrayBuffer` or `Blob` for binary frames.
    pub type FrameData;

    /// `data.length`: a string's length in UTF-16 units, `None` for binary data (which has none),
    /// so one call tells both.
    #[wasm_bindgen(method, structural, getter)]
    pub fn length(this: &FrameData) -> Option<u32>;

    /// A `Map` from strings to small numbers.
    #[wasm_bindgen(extends = js_sys::Map, js_name = Map)]
    pub type NumberMap;

    /// `map.get(key)`: the number itself crosses, not a JS value to read it from.
    #[wasm_bindgen(method, js_name = get)]
    pub fn get(this: &NumberMap, key: &JsValue) -> Option<u32>;

    /// `queueMicrotask(callback)`, on whatever the global scope is (window, worker, Node).
    #[wasm_bindgen(js_name = queueMicrotask)]
    pub fn queue_microtask(callback: &Function);

    /// `Object.assign(target, source)`: a shallow copy that may run the source's getters, which
    /// may throw.
    #[wasm_bindgen(js_namespace = Object, js_name = assign, catch)]
    pub fn object_assign(target: &js_sys::Object, source: &JsValue) -> Result<Option<js_sys::Object>, JsValue>;

    /// `crypto.randomUUID()`; throws where there is no `crypto` or, on an insecure origin, no
    /// `randomUUID`.
    #[wasm_bindgen(js_namespace = crypto, js_name = randomUUID, catch)]
    pub fn random_uuid() -> Result<Option<String>, JsValue>;

    /// `String(value)`, for messages about thrown values that are not `Error`s.
    #[wasm_bindgen(js_name = String, catch)]
    fn js_string(value: &JsValue) -> Result<String, JsValue>;
}

/// Calls a JS function the app gave with no arguments; `Err` is what it threw.
pub fn call0(function: &Function) -> Result<(), JsValue> {
    function.unchecked_ref::<Callback>().call0(&JsValue::UNDEFINED)
}

/// Calls a JS function the app gave with no arguments for what it returns; `Err` is what it threw.
pub fn call0_returning(function: &Function) -> Result<Option<JsValue>, JsValue> {
    function.unchecked_ref::<Callback>().call0_returning(&JsValue::UNDEFINED)
}

/// Calls a JS function the app gave with `argument`; `Err` is what it threw.
pub fn call1(function: &Function, argument: &JsValue) -> Result<(), JsValue> {
    function.unchecked_ref::<Callback>().call1(&JsValue::UNDEFINED, argument)
}

/// The message of a thrown value, for error texts.
pub fn thrown_message(thrown: &JsValue) -> String {
    match thrown.dyn_ref::<js_sys::Error>() {
        Some(error) => error.message().into(),
        None => js_string(thrown).unwrap_or_else(|_| "a value that cannot be shown".into()),
    }
}

/// `typeof value`, with `null` and arrays told apart, for "got ..." in option errors.
/// `object[name]`, or `undefined` when reading it throws (for values from other tabs and from
/// IndexedDB, whose shape is not ours to trust).
#[cfg(any(feature = "share", feature = "persist"))]
pub fn property(object: &JsValue, name: &str) -> JsValue {
    js_sys::Reflect::get(object, &JsValue::from_str(name)).unwrap_or_default()
}

pub fn describe(value: &JsValue) -> String {
    if value.is_null() {
        "null".into()
    } else if js_sys::Array::is_array(value) {
        "an array".into()
    } else {
        value.js_typeof().as_string().unwrap_or_default()
    }
}

/// The errors the API throws; every message starts with "AgentWire: ".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Thrown {
    Error,
    TypeError,
    RangeError,
}

pub fn error(kind: Thrown, message: &str) -> JsValue {
    let text = ["AgentWire: ", message].concat();
    match kind {
        Thrown::Error => js_sys::Error::new(&text).into(),
        Thrown::TypeError => js_sys::TypeError::new(&text).into(),
        Thrown::RangeError => js_sys::RangeError::new(&text).into(),
    }
}

pub fn type_error(message: &str) -> JsValue {
    error(Thrown::TypeError, message)
}

pub fn range_error(message: &str) -> JsValue {
    error(Thrown::RangeError, message)
}
