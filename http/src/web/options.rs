//! `new HttpAgentTransport(url, { typeField, headers, reconnect, maxLineBytes })`. An unknown key
//! or a wrong type is a `TypeError` naming it (a typo must not silently fall back to a default).

use agentwire::core::ReconnectConfig;
use js_sys::{Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use super::js::type_error;

/// The transport's options; JS passes them as an object (`read_options`), Rust as this struct.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Where events carry their type (AG-UI's: `type`).
    pub type_field: String,
    /// Extra request headers (e.g. `Authorization`).
    pub headers: Vec<(String, String)>,
    /// Backoff between attempts; a server's `retry:` replaces the first delay.
    pub reconnect: ReconnectConfig,
    /// Longest SSE line kept (longer ones are cut).
    pub max_line_bytes: usize,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            type_field: "type".into(),
            headers: Vec::new(),
            reconnect: ReconnectConfig::default(),
            max_line_bytes: 10 * 1024 * 1024,
        }
    }
}

const KNOWN: &[&str] = &["typeField", "headers", "reconnect", "maxLineBytes"];
const KNOWN_RECONNECT: &[&str] = &["initialDelayMs", "maxDelayMs", "factor", "jitter", "maxAttempts"];

fn keys(object: &Object, known: &[&str], what: &str) -> Result<(), JsValue> {
    for key in Object::keys(object).iter() {
        let key = key.as_string().unwrap_or_default();
        if !known.contains(&key.as_str()) {
            return Err(type_error(&format!("unknown {what} '{key}' (known: {})", known.join(", "))));
        }
    }
    Ok(())
}

fn object_of(value: &JsValue, what: &str) -> Result<Option<Object>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    if !value.is_object() || js_sys::Array::is_array(value) {
        return Err(type_error(&format!("{what} must be an object")));
    }
    Ok(Some(value.clone().unchecked_into()))
}

fn number(object: &Object, key: &str, min: f64) -> Result<Option<f64>, JsValue> {
    let value = Reflect::get(object, &JsValue::from_str(key))?;
    if value.is_undefined() {
        return Ok(None);
    }
    match value.as_f64() {
        Some(n) if n.is_finite() && n >= min => Ok(Some(n)),
        _ => Err(type_error(&format!("option '{key}' must be a number of at least {min}"))),
    }
}

pub fn read_options(options: &JsValue) -> Result<HttpOptions, JsValue> {
    let mut out = HttpOptions::default();
    let Some(object) = object_of(options, "options")? else { return Ok(out) };
    keys(&object, KNOWN, "option")?;
    let type_field = Reflect::get(&object, &JsValue::from_str("typeField"))?;
    if !type_field.is_undefined() {
        match type_field.as_string() {
            Some(name) if !name.is_empty() => out.type_field = name,
            _ => return Err(type_error("option 'typeField' must be a non-empty string")),
        }
    }
    if let Some(headers) = object_of(&Reflect::get(&object, &JsValue::from_str("headers"))?, "option 'headers'")? {
        for key in Object::keys(&headers).iter() {
            let value = Reflect::get(&headers, &key)?;
            match (key.as_string(), value.as_string()) {
                (Some(name), Some(value)) => out.headers.push((name, value)),
                _ => return Err(type_error("option 'headers' must map names to strings")),
            }
        }
    }
    if let Some(reconnect) = object_of(&Reflect::get(&object, &JsValue::from_str("reconnect"))?, "option 'reconnect'")?
    {
        keys(&reconnect, KNOWN_RECONNECT, "reconnect option")?;
        let r = &mut out.reconnect;
        if let Some(n) = number(&reconnect, "initialDelayMs", 0.0)? {
            r.initial_delay_ms = n;
        }
        if let Some(n) = number(&reconnect, "maxDelayMs", 0.0)? {
            r.max_delay_ms = n;
        }
        if let Some(n) = number(&reconnect, "factor", 1.0)? {
            r.factor = n;
        }
        if let Some(n) = number(&reconnect, "jitter", 0.0)? {
            if n > 1.0 {
                return Err(type_error("option 'jitter' must be from 0 to 1"));
            }
            r.jitter = n;
        }
        if let Some(n) = number(&reconnect, "maxAttempts", 0.0)? {
            r.max_attempts = Some(n as u32);
        }
    }
    if let Some(n) = number(&object, "maxLineBytes", 1.0)? {
        out.max_line_bytes = n as usize;
    }
    Ok(out)
}
