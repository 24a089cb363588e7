//! Reading one inbound text frame: its exact size when the core asks, and the message in it.

use js_sys::JsString;
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

/// A text frame's length in UTF-16 units, or `None` for a binary frame.
pub fn text_length(data: &JsValue) -> Option<u32> {
    data.unchecked_ref::<js::FrameData>().length()
}

/// What `JSON.parse` makes of a frame, and the value of its type field (whatever JSON value that
/// is, or `undefined`): two calls into JS. The caller checks the type is a string (a lookup of
/// the known types does that for free), and asks [`not_a_message`] why when it is not.
pub fn parse(text: &JsString, type_field: &JsString) -> Result<(JsValue, JsValue), String> {
    let parsed = js::json_parse(text).map_err(|thrown| not_json(&thrown))?;
    let Some(message) = parsed else { return Err(NOT_AN_OBJECT.into()) };
    let message_type = message.unchecked_ref::<js::Parsed>().get(type_field);
    Ok((message, message_type))
}

/// Why a frame is not a message: `JSON.parse` threw `thrown`.
pub fn not_json(thrown: &JsValue) -> String {
    ["the frame is not JSON (", &js::thrown_message(thrown), ")"].concat()
}

pub const NOT_AN_OBJECT: &str = "the frame is JSON but not an object";

/// Why an object whose type field is not a string is not a message.
pub fn no_type_field(type_field: &JsString) -> String {
    ["the message has no string '", &String::from(type_field), "' field"].concat()
}

/// Why a parsed frame whose type field is not a string is not a message.
pub fn not_a_message(message: &JsValue, type_field: &JsString) -> String {
    if !message.is_object() || js_sys::Array::is_array(message) {
        NOT_AN_OBJECT.into()
    } else {
        no_type_field(type_field)
    }
}

/// Byte length of a binary frame (`ArrayBuffer`, or a `Blob` where `binaryType` says so).
pub fn binary_length(data: &JsValue) -> usize {
    ["byteLength", "size"]
        .iter()
        .find_map(|key| js_sys::Reflect::get(data, &JsValue::from_str(key)).ok().and_then(|v| v.as_f64()))
        .unwrap_or(0.0) as usize
}
