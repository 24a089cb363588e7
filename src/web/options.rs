//! Turning the options object of `new WebSocketTransport(options)` into the core's `Config`.
//!
//! glue.js checks keys and JS types (a `TypeError` naming the option: a typo such as
//! `heartbeat.intervalMS` must not silently fall back to a default) and flattens the object;
//! here the values become a `Config`, and the core's range checks give a `RangeError`.

use js_sys::{Array, Function};
use wasm_bindgen::{JsCast, JsValue};

use super::js;
use crate::core::config::is_subprotocol_token;
use crate::core::text::Text;
use crate::core::{Config, HeartbeatConfig, QueueConfig, ReconnectConfig, TokenSource};
use crate::prelude::*;

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

// Positions in the array readOptions (glue.js) returns.
const URL: u32 = 0;
const PROTOCOLS: u32 = 1;
const TOKEN_KIND: u32 = 2;
const TOKEN_STRING: u32 = 3;
const TOKEN_FUNCTION: u32 = 4;
const RECONNECT_ON: u32 = 5;
const INITIAL_DELAY: u32 = 6;
const MAX_DELAY: u32 = 7;
const FACTOR: u32 = 8;
const JITTER: u32 = 9;
const MAX_ATTEMPTS: u32 = 10;
const MIN_UPTIME: u32 = 11;
const HEARTBEAT_ON: u32 = 12;
const INTERVAL: u32 = 13;
const TIMEOUT: u32 = 14;
const PING_FRAME: u32 = 15;
const PONG_TYPE: u32 = 16;
const QUEUE_ON: u32 = 17;
const MAX_MESSAGES: u32 = 18;
const MAX_BYTES: u32 = 19;
const MAX_AGE: u32 = 20;
const TYPE_FIELD: u32 = 21;
const PONG_FRAME: u32 = 22;
const CONNECT_TIMEOUT: u32 = 23;
const MAX_MESSAGE_BYTES: u32 = 24;

fn out_of_range(option: &str, expected: &str) -> JsValue {
    js::range_error(&Text::new("option '").s(option).s("' must be ").s(expected).done())
}

/// `value` as an integer in `0..=max`, if it is one (`f64::fract` is not in `core`).
pub fn whole_number(value: f64, max: f64) -> Option<u64> {
    (value >= 0.0 && value <= max && value == (value as u64) as f64).then_some(value as u64)
}

struct Flat(Array);

impl Flat {
    fn value(&self, at: u32) -> JsValue {
        self.0.get(at)
    }

    /// A number the user gave, or `default` when left out.
    fn number(&self, at: u32, default: f64) -> f64 {
        self.value(at).as_f64().unwrap_or(default)
    }

    fn count(&self, at: u32, option: &str, default: usize) -> Result<usize, JsValue> {
        match self.value(at).as_f64() {
            None => Ok(default),
            Some(n) => whole_number(n, u32::MAX as f64)
                .map(|n| n as usize)
                .ok_or_else(|| out_of_range(option, "an integer >= 0")),
        }
    }

    fn flag(&self, at: u32) -> bool {
        self.value(at).is_truthy()
    }

    fn string(&self, at: u32) -> Option<String> {
        self.value(at).as_string()
    }
}

fn read_protocols(flat: &Flat) -> Result<Vec<String>, JsValue> {
    let array: Array = flat.value(PROTOCOLS).unchecked_into();
    let protocols: Vec<String> = array.iter().filter_map(|p| p.as_string()).collect();
    // The browser throws a SyntaxError at connect time for these; say so now, by name.
    for (i, protocol) in protocols.iter().enumerate() {
        if !is_subprotocol_token(protocol) {
            let problem = Text::new("option 'protocols' has '").s(protocol).s("', which is not a valid subprotocol name");
            return Err(js::range_error(&problem.done()));
        }
        if protocols[..i].contains(protocol) {
            return Err(js::range_error(&Text::new("option 'protocols' lists '").s(protocol).s("' twice").done()));
        }
    }
    Ok(protocols)
}

fn read_reconnect(flat: &Flat) -> Result<Option<ReconnectConfig>, JsValue> {
    if !flat.flag(RECONNECT_ON) {
        return Ok(None);
    }
    let d = ReconnectConfig::default();
    let max_attempts = match flat.value(MAX_ATTEMPTS).as_f64() {
        None => None,
        Some(v) if v == f64::INFINITY => None,
        Some(v) => Some(
            whole_number(v, u32::MAX as f64)
                .ok_or_else(|| out_of_range("reconnect.maxAttempts", "an integer >= 0 or Infinity"))? as u32,
        ),
    };
    Ok(Some(ReconnectConfig {
        initial_delay_ms: flat.number(INITIAL_DELAY, d.initial_delay_ms),
        max_delay_ms: flat.number(MAX_DELAY, d.max_delay_ms),
        factor: flat.number(FACTOR, d.factor),
        jitter: flat.number(JITTER, d.jitter),
        max_attempts,
        min_uptime_ms: flat.number(MIN_UPTIME, d.min_uptime_ms),
    }))
}

fn read_heartbeat(flat: &Flat) -> Option<HeartbeatConfig> {
    if !flat.flag(HEARTBEAT_ON) {
        return None;
    }
    let d = HeartbeatConfig::default();
    Some(HeartbeatConfig {
        interval_ms: flat.number(INTERVAL, d.interval_ms),
        timeout_ms: flat.number(TIMEOUT, d.timeout_ms),
        pong_type: flat.string(PONG_TYPE).unwrap_or(d.pong_type),
    })
}

fn read_queue(flat: &Flat) -> Result<QueueConfig, JsValue> {
    let d = QueueConfig::default();
    if !flat.flag(QUEUE_ON) {
        // No offline queue: sends while not connected are dropped.
        return Ok(QueueConfig { max_messages: 0, ..d });
    }
    Ok(QueueConfig {
        max_messages: flat.count(MAX_MESSAGES, "queue.maxMessages", d.max_messages)?,
        max_bytes: flat.count(MAX_BYTES, "queue.maxBytes", d.max_bytes)?,
        max_age_ms: flat.number(MAX_AGE, d.max_age_ms),
    })
}

/// Reads and checks the whole options object.
pub fn read_options(options: &JsValue) -> Result<(Config, WebOptions), JsValue> {
    let flat = Flat(js::read_options(options)?);
    let token = match flat.number(TOKEN_KIND, 0.0) as u32 {
        1 => TokenSource::Static(flat.string(TOKEN_STRING).unwrap_or_default()),
        2 => TokenSource::Dynamic,
        _ => TokenSource::None,
    };
    let type_field = flat.value(TYPE_FIELD);
    if type_field.as_string().is_some_and(|field| field.is_empty()) {
        return Err(out_of_range("typeField", "a non-empty string"));
    }
    let defaults = Config::default();
    let config = Config {
        reconnect: read_reconnect(&flat)?,
        heartbeat: read_heartbeat(&flat),
        queue: read_queue(&flat)?,
        connect_timeout_ms: flat.number(CONNECT_TIMEOUT, defaults.connect_timeout_ms),
        max_message_bytes: flat.count(MAX_MESSAGE_BYTES, "maxMessageBytes", defaults.max_message_bytes)?,
        token,
    };
    config.validate().map_err(|e| out_of_range(e.option, e.expected))?;
    let web = WebOptions {
        url: flat.string(URL).unwrap_or_default(),
        protocols: read_protocols(&flat)?,
        token_function: flat.value(TOKEN_FUNCTION).dyn_into().ok(),
        type_field,
        ping_frame: flat.value(PING_FRAME),
        pong_frame: flat.value(PONG_FRAME),
    };
    Ok((config, web))
}
