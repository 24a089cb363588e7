//! Reading the options object a user passes to `new WebSocketTransport(options)`.
//!
//! Unknown keys and wrong types throw a `TypeError` naming the option (a typo such as
//! `heartbeat.intervalMS` must not silently fall back to a default); values out of range throw a
//! `RangeError` from the core's checks.

use crate::prelude::*;
use js_sys::{Array, Function, JsString, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use crate::core::config::is_subprotocol_token;
use crate::core::{Config, HeartbeatConfig, QueueConfig, ReconnectConfig, TokenSource};

/// What the glue itself needs besides the core's config.
pub struct WebOptions {
    pub url: String,
    pub protocols: Vec<String>,
    pub token_function: Option<Function>,
    /// The property that holds a message's type, as a JS string (read from every message).
    pub type_field: JsValue,
    /// The heartbeat ping, serialised once.
    pub ping_frame: JsValue,
    /// The answer to a server's ping: `{"<typeField>":"pong"}`.
    pub pong_frame: JsValue,
}

pub enum OptionsError {
    Type(String),
    Range(String),
}

impl OptionsError {
    pub fn into_js(self) -> JsValue {
        match self {
            OptionsError::Type(m) => js_sys::TypeError::new(&format!("AgentWire: {m}")).into(),
            OptionsError::Range(m) => js_sys::RangeError::new(&format!("AgentWire: {m}")).into(),
        }
    }
}

type Result<T> = core::result::Result<T, OptionsError>;

const TOP_LEVEL: &[&str] = &[
    "url", "protocols", "token", "reconnect", "heartbeat", "queue", "typeField", "connectTimeoutMs", "maxMessageBytes",
];
const RECONNECT: &[&str] = &["initialDelayMs", "maxDelayMs", "factor", "jitter", "maxAttempts", "minUptimeMs"];
const HEARTBEAT: &[&str] = &["intervalMs", "timeoutMs", "ping", "pongType"];
const QUEUE: &[&str] = &["maxMessages", "maxBytes", "maxAgeMs"];

fn describe(value: &JsValue) -> String {
    if value.is_null() {
        "null".into()
    } else if Array::is_array(value) {
        "an array".into()
    } else {
        value.js_typeof().as_string().unwrap_or_default()
    }
}

fn wrong_type(option: &str, expected: &str, got: &JsValue) -> OptionsError {
    OptionsError::Type(format!("option '{option}' must be {expected}, got {}", describe(got)))
}

/// A plain object, checked for keys outside `known`.
fn read_object(value: &JsValue, option: &str, known: &[&str]) -> Result<Object> {
    if !value.is_object() || Array::is_array(value) || value.is_function() {
        return Err(wrong_type(option, "an object", value));
    }
    let object: Object = value.clone().unchecked_into();
    for key in Object::keys(&object).iter() {
        let key = key.as_string().unwrap_or_default();
        if !known.contains(&key.as_str()) {
            let path = if option == "options" { key } else { format!("{option}.{key}") };
            return Err(OptionsError::Type(format!("unknown option '{path}' (known: {})", known.join(", "))));
        }
    }
    Ok(object)
}

fn get(object: &Object, key: &str) -> JsValue {
    Reflect::get(object, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// `None` for undefined (use the default); otherwise the number, or a TypeError.
fn number(object: &Object, key: &str, path: &str) -> Result<Option<f64>> {
    let value = get(object, key);
    if value.is_undefined() {
        return Ok(None);
    }
    value.as_f64().map(Some).ok_or_else(|| wrong_type(path, "a number", &value))
}

/// `value` as an integer in `0..=max`, if it is one (`f64::fract` is not in `core`).
pub fn whole_number(value: f64, max: f64) -> Option<u64> {
    (value >= 0.0 && value <= max && value == (value as u64) as f64).then_some(value as u64)
}

fn count(object: &Object, key: &str, path: &str) -> Result<Option<usize>> {
    match number(object, key, path)? {
        None => Ok(None),
        Some(n) => match whole_number(n, u32::MAX as f64) {
            Some(n) => Ok(Some(n as usize)),
            None => Err(OptionsError::Range(format!("option '{path}' must be an integer >= 0"))),
        },
    }
}

fn string(object: &Object, key: &str, path: &str) -> Result<Option<String>> {
    let value = get(object, key);
    if value.is_undefined() {
        return Ok(None);
    }
    value.as_string().map(Some).ok_or_else(|| wrong_type(path, "a string", &value))
}

/// `false` switches a section off; `undefined` or `true` keeps its defaults.
fn section<'a>(value: &'a JsValue, option: &str) -> Result<Option<Option<&'a JsValue>>> {
    if value.is_undefined() || *value == JsValue::TRUE {
        Ok(Some(None))
    } else if *value == JsValue::FALSE {
        Ok(None)
    } else if value.is_object() {
        Ok(Some(Some(value)))
    } else {
        Err(wrong_type(option, "an object or false", value))
    }
}

fn read_reconnect(value: &JsValue) -> Result<Option<ReconnectConfig>> {
    let Some(given) = section(value, "reconnect")? else { return Ok(None) };
    let mut config = ReconnectConfig::default();
    let Some(given) = given else { return Ok(Some(config)) };
    let o = read_object(given, "reconnect", RECONNECT)?;
    if let Some(v) = number(&o, "initialDelayMs", "reconnect.initialDelayMs")? {
        config.initial_delay_ms = v;
    }
    if let Some(v) = number(&o, "maxDelayMs", "reconnect.maxDelayMs")? {
        config.max_delay_ms = v;
    }
    if let Some(v) = number(&o, "factor", "reconnect.factor")? {
        config.factor = v;
    }
    if let Some(v) = number(&o, "jitter", "reconnect.jitter")? {
        config.jitter = v;
    }
    if let Some(v) = number(&o, "minUptimeMs", "reconnect.minUptimeMs")? {
        config.min_uptime_ms = v;
    }
    config.max_attempts = match number(&o, "maxAttempts", "reconnect.maxAttempts")? {
        None => None,
        Some(v) if v == f64::INFINITY => None,
        Some(v) if whole_number(v, u32::MAX as f64).is_some() => Some(v as u32),
        Some(_) => return Err(OptionsError::Range("option 'reconnect.maxAttempts' must be an integer >= 0 or Infinity".into())),
    };
    Ok(Some(config))
}

fn read_heartbeat(value: &JsValue) -> Result<(Option<HeartbeatConfig>, JsValue)> {
    let default_ping = JsValue::from_str(r#"{"type":"ping"}"#);
    let Some(given) = section(value, "heartbeat")? else { return Ok((None, default_ping)) };
    let mut config = HeartbeatConfig::default();
    let Some(given) = given else { return Ok((Some(config), default_ping)) };
    let o = read_object(given, "heartbeat", HEARTBEAT)?;
    if let Some(v) = number(&o, "intervalMs", "heartbeat.intervalMs")? {
        config.interval_ms = v;
    }
    if let Some(v) = number(&o, "timeoutMs", "heartbeat.timeoutMs")? {
        config.timeout_ms = v;
    }
    if let Some(v) = string(&o, "pongType", "heartbeat.pongType")? {
        config.pong_type = v;
    }
    let ping = get(&o, "ping");
    let ping_frame = if ping.is_undefined() {
        default_ping
    } else if ping.is_string() {
        ping
    } else {
        match js_sys::JSON::stringify(&ping) {
            Ok(text) if !ping.is_function() && !ping.is_symbol() => text.into(),
            _ => return Err(wrong_type("heartbeat.ping", "a string or a JSON-serialisable value", &ping)),
        }
    };
    Ok((Some(config), ping_frame))
}

fn read_queue(value: &JsValue) -> Result<QueueConfig> {
    let mut config = QueueConfig::default();
    if *value == JsValue::FALSE {
        // No offline queue: sends while not connected are dropped.
        config.max_messages = 0;
        return Ok(config);
    }
    if value.is_undefined() {
        return Ok(config);
    }
    let o = read_object(value, "queue", QUEUE)?;
    if let Some(v) = count(&o, "maxMessages", "queue.maxMessages")? {
        config.max_messages = v;
    }
    if let Some(v) = count(&o, "maxBytes", "queue.maxBytes")? {
        config.max_bytes = v;
    }
    if let Some(v) = number(&o, "maxAgeMs", "queue.maxAgeMs")? {
        config.max_age_ms = v;
    }
    Ok(config)
}

fn read_url(o: &Object) -> Result<String> {
    let value = get(o, "url");
    if value.is_undefined() {
        return Err(OptionsError::Type("option 'url' is required (a ws: or wss: URL)".into()));
    }
    let url = value.as_string().ok_or_else(|| wrong_type("url", "a string", &value))?;
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("ws://") || lower.starts_with("wss://")) {
        return Err(OptionsError::Type(format!("option 'url' must start with ws:// or wss://, got '{url}'")));
    }
    Ok(url)
}

fn read_protocols(o: &Object) -> Result<Vec<String>> {
    let value = get(o, "protocols");
    if value.is_undefined() {
        return Ok(Vec::new());
    }
    let protocols = if let Some(single) = value.as_string() {
        Vec::from([single])
    } else if Array::is_array(&value) {
        let array: Array = value.unchecked_into();
        array
            .iter()
            .map(|p| p.as_string().ok_or_else(|| wrong_type("protocols[]", "a string", &p)))
            .collect::<Result<Vec<String>>>()?
    } else {
        return Err(wrong_type("protocols", "an array of strings", &value));
    };
    // The browser throws a SyntaxError at connect time for these; say so now, by name.
    for (i, protocol) in protocols.iter().enumerate() {
        if !is_subprotocol_token(protocol) {
            return Err(OptionsError::Range(format!("option 'protocols' has '{protocol}', which is not a valid subprotocol name")));
        }
        if protocols[..i].contains(protocol) {
            return Err(OptionsError::Range(format!("option 'protocols' lists '{protocol}' twice")));
        }
    }
    Ok(protocols)
}

fn read_token(o: &Object) -> Result<(TokenSource, Option<Function>)> {
    let value = get(o, "token");
    if value.is_undefined() || value.is_null() {
        Ok((TokenSource::None, None))
    } else if let Some(token) = value.as_string() {
        Ok((TokenSource::Static(token), None))
    } else if value.is_function() {
        Ok((TokenSource::Dynamic, Some(value.unchecked_into())))
    } else {
        Err(wrong_type("token", "a string or a function returning a string or a Promise of one", &value))
    }
}

/// Reads and checks the whole options object.
pub fn read_options(options: &JsValue) -> Result<(Config, WebOptions)> {
    if options.is_undefined() {
        return Err(OptionsError::Type("an options object with at least 'url' is required".into()));
    }
    let o = read_object(options, "options", TOP_LEVEL)?;
    let url = read_url(&o)?;
    let protocols = read_protocols(&o)?;
    let (token, token_function) = read_token(&o)?;
    let reconnect = read_reconnect(&get(&o, "reconnect"))?;
    let (heartbeat, ping_frame) = read_heartbeat(&get(&o, "heartbeat"))?;
    let queue = read_queue(&get(&o, "queue"))?;
    let type_field = string(&o, "typeField", "typeField")?.unwrap_or_else(|| "type".into());
    if type_field.is_empty() {
        return Err(OptionsError::Range("option 'typeField' must be a non-empty string".into()));
    }
    let mut config = Config { reconnect, heartbeat, queue, token, ..Config::default() };
    if let Some(v) = number(&o, "connectTimeoutMs", "connectTimeoutMs")? {
        config.connect_timeout_ms = v;
    }
    if let Some(v) = count(&o, "maxMessageBytes", "maxMessageBytes")? {
        config.max_message_bytes = v;
    }
    config.validate().map_err(|e| OptionsError::Range(e.to_string()))?;

    let pong = Object::new();
    let _ = Reflect::set(&pong, &JsValue::from_str(&type_field), &JsValue::from_str("pong"));
    let pong_frame: JsValue = js_sys::JSON::stringify(&pong).map(JsString::into).unwrap_or(JsValue::UNDEFINED);
    let web = WebOptions {
        url,
        protocols,
        token_function,
        type_field: JsValue::from_str(&type_field),
        ping_frame,
        pong_frame,
    };
    Ok((config, web))
}
