//! Reading one inbound text frame: its exact size when the core asks, and the message in it.

use js_sys::{JsString, Object};
use wasm_bindgen::{JsCast, JsValue};

use super::js;
use crate::prelude::*;

/// Exact UTF-8 byte length of a JS string. Short strings are copied out and measured; long
/// ones are measured by the browser (a `Blob` of the string), so a huge frame never grows wasm
/// memory, which does not shrink back.
pub fn utf8_length(text: &JsString) -> usize {
    const COPY_AT_MOST: u32 = 64 * 1024;
    if text.length() <= COPY_AT_MOST {
        return String::from(text).len();
    }
    let parts = js_sys::Array::of1(text);
    web_sys::Blob::new_with_str_sequence(&parts).map_or(0, |blob| blob.size() as usize)
}

/// The message in a frame and its type, or why the frame is not a message (not JSON, not an
/// object, no string type field). The common case costs three calls into JS: parse, the type
/// field, its `typeof`; the rest is asked only of frames that fail.
pub fn parse(text: &JsString, type_field: &JsString) -> Result<(Object, JsString), String> {
    let parsed = js::json_parse(text).map_err(|thrown| ["the frame is not JSON (", &js::thrown_message(&thrown), ")"].concat())?;
    let Some(message) = parsed.filter(JsValue::is_object) else {
        return Err("the frame is JSON but not an object".into());
    };
    // An array has no named property, so it fails here too.
    if let Ok(message_type) = message.unchecked_ref::<js::ObjectExt>().get(type_field).dyn_into::<JsString>() {
        return Ok((message.unchecked_into(), message_type));
    }
    if js_sys::Array::is_array(&message) {
        return Err("the frame is JSON but not an object".into());
    }
    Err(["the message has no string '", &String::from(type_field), "' field"].concat())
}

/// Byte length of a binary frame (`ArrayBuffer`, or a `Blob` where `binaryType` says so).
pub fn binary_length(data: &JsValue) -> usize {
    ["byteLength", "size"]
        .iter()
        .find_map(|key| js_sys::Reflect::get(data, &JsValue::from_str(key)).ok().and_then(|v| v.as_f64()))
        .unwrap_or(0.0) as usize
}
