//! `new AgentSession(options)`: `{ maxLogEntries = 500, maxMessages = 200, typeField = 'type' }`. An unknown key or
//! a wrong type is a `TypeError` naming the option (a typo must not silently fall back to a
//! default), a value out of range a `RangeError`.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use crate::core::text::Text;
use crate::core::Limits;
use crate::prelude::*;

const KNOWN: &[&str] = &["maxLogEntries", "maxMessages", "typeField"];

/// What the options say.
pub struct SessionOptions {
    pub limits: Limits,
    /// The field events carry their type in (the transport's `typeField`).
    pub type_field: String,
}

pub fn type_error(message: &str) -> JsValue {
    js_sys::TypeError::new(&Text::new("AgentSession: ").s(message).done()).into()
}

fn range_error(message: &str) -> JsValue {
    js_sys::RangeError::new(&Text::new("AgentSession: ").s(message).done()).into()
}

fn describe(value: &JsValue) -> String {
    if value.is_null() {
        "null".into()
    } else if Array::is_array(value) {
        "an array".into()
    } else {
        value.js_typeof().as_string().unwrap_or_default()
    }
}

/// An integer option in `min..=u32::MAX`; `None` when not given.
fn count(object: &Object, key: &str, min: u32) -> Result<Option<usize>, JsValue> {
    let value = Reflect::get(object, &JsValue::from_str(key))?;
    if value.is_undefined() {
        return Ok(None);
    }
    let Some(n) = value.as_f64() else {
        return Err(type_error(
            &Text::new("option '").s(key).s("' must be a number, got ").s(&describe(&value)).done(),
        ));
    };
    if !(n >= f64::from(min) && n <= f64::from(u32::MAX) && n == (n as u32) as f64) {
        let message = Text::new("option '")
            .s(key)
            .s("' must be an integer from ")
            .n(u64::from(min))
            .s(" to ")
            .n(u64::from(u32::MAX));
        return Err(range_error(&message.done()));
    }
    Ok(Some(n as usize))
}

pub fn read_options(options: &JsValue) -> Result<SessionOptions, JsValue> {
    let mut limits = Limits::default();
    let mut type_field = String::from("type");
    if options.is_undefined() || options.is_null() {
        return Ok(SessionOptions { limits, type_field });
    }
    if !options.is_object() || Array::is_array(options) {
        return Err(type_error(&Text::new("options must be an object, got ").s(&describe(options)).done()));
    }
    let object: &Object = options.unchecked_ref();
    for key in Object::keys(object).iter() {
        let key = key.as_string().unwrap_or_default();
        if !KNOWN.contains(&key.as_str()) {
            return Err(type_error(
                &Text::new("unknown option '").s(&key).s("' (known: ").s(&KNOWN.join(", ")).s(")").done(),
            ));
        }
    }
    if let Some(n) = count(object, "maxLogEntries", 0)? {
        limits.max_log_entries = n;
    }
    if let Some(n) = count(object, "maxMessages", 1)? {
        limits.max_messages = n;
    }
    let value = Reflect::get(object, &JsValue::from_str("typeField"))?;
    if !value.is_undefined() {
        match value.as_string() {
            Some(name) if !name.is_empty() => type_field = name,
            _ => {
                return Err(type_error(
                    &Text::new("option 'typeField' must be a non-empty string, got ").s(&describe(&value)).done(),
                ))
            }
        }
    }
    Ok(SessionOptions { limits, type_field })
}
