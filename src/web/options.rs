//! The options of `new WebSocketTransport(options)`: the one place their names and types live.
//!
//! [`Options`] is a serde struct. From JavaScript it is read with serde-wasm-bindgen (and
//! serde_path_to_error, so an error names the option's whole path); from Rust it is built
//! directly. Either way [`Options::settings`] then turns it into the core's `Config` and the
//! browser layer's own settings, checking ranges. So a wrong *type* is a `TypeError` naming the
//! option (a typo such as `heartbeat.intervalMS` must not silently fall back to a default), and a
//! value out of *range* is a `RangeError` naming it. Every default is the core's
//! (`Config::default()`): one set of defaults for both APIs.

use std::marker::PhantomData;

use js_sys::Function;
use serde::de::value::MapAccessDeserializer;
use serde::de::{self, Deserializer, MapAccess, Unexpected, Visitor};
use serde::Deserialize;
use wasm_bindgen::{JsCast, JsValue};

use super::js;
use crate::core::config::is_subprotocol_token;
use crate::core::urls::is_websocket_url;
use crate::core::{Config, TokenSource, UrlSource};
use crate::prelude::*;

/// Everything `new WebSocketTransport(options)` accepts; every field but `url` is optional.
/// The README's API table describes each option and its default.
///
/// ```no_run
/// # #[cfg(target_arch = "wasm32")] {
/// use agentwire::{Options, ReconnectOptions, Section};
/// let options = Options {
///     reconnect: Section::On(ReconnectOptions { initial_delay_ms: Some(250.0), ..Default::default() }),
///     heartbeat: Section::Off,
///     ..Options::new("wss://agents.example.com/ws/stream")
/// };
/// # }
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Options {
    /// A `ws:` or `wss:` URL; several, tried in turn; or a function asked before every attempt.
    pub url: Url,
    /// Extra subprotocols (a single string is one subprotocol).
    #[serde(default)]
    pub protocols: Protocols,
    /// Sent as the subprotocols `["token", <token>]`.
    #[serde(default)]
    pub token: Option<Token>,
    #[serde(default)]
    pub reconnect: Section<ReconnectOptions>,
    #[serde(default)]
    pub heartbeat: Section<HeartbeatOptions>,
    #[serde(default)]
    pub queue: Section<QueueOptions>,
    /// The field that names a message's type. Default `"type"`.
    #[serde(default)]
    pub type_field: Option<String>,
    #[serde(default)]
    pub connect_timeout_ms: Option<f64>,
    #[serde(default)]
    pub max_message_bytes: Option<f64>,
    /// Speak the resume protocol (PROTOCOL.md). Default `false`.
    #[serde(default)]
    pub resume: Option<bool>,
    /// The field that carries a `sendWithAck` message's idempotency id. Default `"id"`.
    #[serde(default)]
    pub ack_id_field: Option<String>,
    /// Share one socket between the tabs of an origin that use the same URL and name
    /// (`true` is the name `"default"`). Only in the full build (`agentwire/full`).
    #[serde(default)]
    pub share: Named,
}

impl Options {
    /// The defaults for every option, connecting to `url` (a URL, or a `Vec` of URLs tried in
    /// turn).
    pub fn new(url: impl Into<Url>) -> Self {
        Self { url: url.into(), ..Self::default() }
    }
}

/// A section of options that can be switched off (`reconnect: false`). Left out, or `true`, it
/// is on with its defaults.
#[derive(Debug, Clone)]
pub enum Section<T> {
    On(T),
    Off,
}

impl<T: Default> Default for Section<T> {
    fn default() -> Self {
        Section::On(T::default())
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReconnectOptions {
    pub initial_delay_ms: Option<f64>,
    pub max_delay_ms: Option<f64>,
    pub factor: Option<f64>,
    pub jitter: Option<f64>,
    /// `f64::INFINITY` (the default) never gives up.
    pub max_attempts: Option<f64>,
    pub min_uptime_ms: Option<f64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HeartbeatOptions {
    pub interval_ms: Option<f64>,
    pub timeout_ms: Option<f64>,
    /// What to send: a string as it is, any other value as JSON. Default `{"type":"ping"}`.
    #[serde(default, deserialize_with = "preserved")]
    pub ping: JsValue,
    pub pong_type: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QueueOptions {
    pub max_messages: Option<f64>,
    pub max_bytes: Option<f64>,
    pub max_age_ms: Option<f64>,
    /// Keep unsent and unacknowledged messages in IndexedDB across reloads (`true` is the name
    /// `"default"`). Only in the full build (`agentwire/full`).
    #[serde(default)]
    pub persist: Named,
}

/// An opt-in feature that takes a name: `true` or `{}` (the name `"default"`), `{ name }`, or off
/// (`false`, left out).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Named {
    #[default]
    Off,
    On(String),
}

impl Named {
    pub const DEFAULT_NAME: &'static str = "default";

    pub fn name(&self) -> Option<&str> {
        match self {
            Named::Off => None,
            Named::On(name) => Some(name),
        }
    }
}

/// The `url` option.
#[derive(Debug, Clone)]
pub enum Url {
    One(String),
    /// Tried in turn: every retry moves on to the next (failover between server instances).
    List(Vec<String>),
    /// Called before every attempt; returns the URL, or a Promise of it. From Rust, make one
    /// with `Closure::<dyn Fn() -> JsValue>::new(..).into_js_value().unchecked_into()`.
    Function(Function),
}

impl Default for Url {
    fn default() -> Self {
        Url::One(String::new())
    }
}

impl From<&str> for Url {
    fn from(url: &str) -> Self {
        Url::One(url.to_owned())
    }
}

impl From<String> for Url {
    fn from(url: String) -> Self {
        Url::One(url)
    }
}

impl From<Vec<String>> for Url {
    fn from(urls: Vec<String>) -> Self {
        Url::List(urls)
    }
}

/// The `token` option.
#[derive(Debug, Clone)]
pub enum Token {
    Static(String),
    /// Called before every attempt; returns the token, or a Promise of it. From Rust, make one
    /// with `Closure::<dyn Fn() -> JsValue>::new(..).into_js_value().unchecked_into()`.
    Function(Function),
}

/// The `protocols` option: a list of subprotocols, or one as a string.
#[derive(Debug, Clone, Default)]
pub struct Protocols(pub Vec<String>);

// ---- reading the options from JavaScript ----------------------------------------------------------

/// Why options were refused, and which JS error says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionsError {
    pub kind: OptionsErrorKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionsErrorKind {
    /// Unknown option, wrong type, missing `url`: a `TypeError` in JS.
    Type,
    /// A value out of range: a `RangeError` in JS.
    Range,
}

impl OptionsError {
    fn type_error(message: String) -> Self {
        Self { kind: OptionsErrorKind::Type, message }
    }

    fn range_error(message: String) -> Self {
        Self { kind: OptionsErrorKind::Range, message }
    }

    /// The JS error to throw.
    pub fn to_js(&self) -> JsValue {
        match self.kind {
            OptionsErrorKind::Type => js::type_error(&self.message),
            OptionsErrorKind::Range => js::range_error(&self.message),
        }
    }
}

impl core::fmt::Display for OptionsError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for OptionsError {}

impl Options {
    /// Reads a JS options object.
    pub fn from_js(value: &JsValue) -> Result<Self, OptionsError> {
        if value.is_undefined() {
            return Err(OptionsError::type_error("an options object with at least 'url' is required".into()));
        }
        if !value.is_object() || js_sys::Array::is_array(value) {
            return Err(OptionsError::type_error(["option 'options' must be an object, got ", &js::describe(value)].concat()));
        }
        read::<Options>(value).map_err(|serde_message| type_error_at(value, &serde_message))
    }
}

/// Reads a `T` from a JS object, or says why not in serde's words.
///
/// Read as a map (`Object.entries`): serde-wasm-bindgen reads a struct by looking up its known
/// fields, so `deny_unknown_fields` would never see an unknown key.
fn read<T: for<'de> Deserialize<'de>>(value: &JsValue) -> Result<T, String> {
    AsMap::<T>::deserialize(serde_wasm_bindgen::Deserializer::from(value.clone()))
        .map(|AsMap(options)| options)
        .map_err(|error| message_of(error.into()))
}

fn message_of(error: JsValue) -> String {
    error.dyn_ref::<js_sys::Error>().map_or_else(|| js::thrown_message(&error), |e| e.message().into())
}

/// Turns serde's message into ours, naming the option's whole path. serde words its messages
/// one way per kind (`serde::de::Error`'s provided methods): "unknown field `x`, expected ...",
/// "missing field `x`", "invalid type: ..., expected <what the visitor expects>".
///
/// serde's messages do not say *where* in the object the error is, and tracking the path while
/// reading (serde_path_to_error) doubles the code serde generates, in a module whose size is
/// budgeted. Errors are rare, so the path is found afterwards instead: [`find_culprit`] reads
/// pruned copies of the options until it has the smallest part that still fails.
fn type_error_at(options: &JsValue, serde_message: &str) -> OptionsError {
    let (path, value) = find_culprit(options);
    let message = if let Some(rest) = serde_message.strip_prefix("unknown field ") {
        // The culprit is the unknown key itself.
        let known = rest.split_once(", ").map_or("", |(_, known)| known);
        ["unknown option '", &path, "' (", known, ")"].concat()
    } else if serde_message.starts_with("missing field `url`") || value.is_undefined() && path == "url" {
        "option 'url' is required (a ws: or wss: URL)".into()
    } else if let Some((_, expected)) = serde_message.split_once(", expected ") {
        // serde's primitive visitors name Rust types; ours say what a JS user must give.
        let expected = if expected == "f64" { "a number" } else { expected };
        let path = if path.is_empty() { "options".into() } else { path };
        ["option '", &path, "' must be ", expected, ", got ", &js::describe(&value)].concat()
    } else {
        ["option '", &path, "': ", serde_message].concat()
    };
    OptionsError::type_error(message)
}

/// The path (`heartbeat.intervalMs`, `protocols[]`) of the smallest part of `options` that
/// still fails to read on its own, and its value. An object is narrowed to one entry at a time
/// (with `url` kept, as it is required), an array to one element. (Only `protocols` is an array,
/// and only of strings, so an array is never an ancestor in [`rebuild`].)
fn find_culprit(options: &JsValue) -> (String, JsValue) {
    let mut path = String::new();
    let mut keys: Vec<JsValue> = Vec::new();
    let mut value = options.clone();
    loop {
        // Below the top level: if the object (or array) fails even when emptied, it is the
        // culprit itself (a wrong type), not something inside it.
        if !keys.is_empty() {
            let emptied: JsValue = if js_sys::Array::is_array(&value) { js_sys::Array::new().into() } else { js_sys::Object::new().into() };
            if read::<Options>(&rebuild(options, &keys, &emptied)).is_err() {
                return (path, value);
            }
        }
        let narrower = if js_sys::Array::is_array(&value) {
            js_sys::Array::from(&value).iter().map(|item| (JsValue::from(0), js_sys::Array::of1(&item).into())).collect::<Vec<_>>()
        } else if value.is_object() {
            let entries = js_sys::Object::entries(value.unchecked_ref());
            entries
                .iter()
                .map(|entry| {
                    let entry: js_sys::Array = entry.unchecked_into();
                    let alone = js_sys::Object::new();
                    let _ = js_sys::Reflect::set(&alone, &entry.get(0), &entry.get(1));
                    (entry.get(0), alone.into())
                })
                .collect()
        } else {
            Vec::new()
        };
        let culprit = narrower.into_iter().find(|(_, alone)| read::<Options>(&rebuild(options, &keys, alone)).is_err());
        let Some((key, alone)) = culprit else { return (path, value) };
        let child = js_sys::Reflect::get(&alone, &key).unwrap_or_default();
        match key.as_string() {
            Some(name) if !js_sys::Array::is_array(&value) => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(&name);
            }
            _ => path.push_str("[]"),
        }
        keys.push(key);
        value = child;
        if !value.is_object() {
            return (path, value);
        }
    }
}

/// A copy of `options` in which the part at `keys` is replaced by `part`: the ancestors keep only
/// the branch leading to it, and the top level keeps `url` (required) when it is a string.
fn rebuild(options: &JsValue, keys: &[JsValue], part: &JsValue) -> JsValue {
    let mut value = part.clone();
    for depth in (0..keys.len()).rev() {
        let parent = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&parent, &keys[depth], &value);
        value = parent.into();
    }
    let url = js_sys::Reflect::get(options, &"url".into()).unwrap_or_default();
    let has_url = js_sys::Reflect::has(&value, &"url".into()).unwrap_or(false);
    if url.is_string() && !has_url && value.is_object() && !js_sys::Array::is_array(&value) {
        let _ = js_sys::Reflect::set(&value, &"url".into(), &url);
    }
    value
}

/// A struct read as a map (see [`read`]).
struct AsMap<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for AsMap<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for MapVisitor<T> {
            type Value = T;
            fn expecting(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<M: MapAccess<'de>>(self, map: M) -> Result<T, M::Error> {
                T::deserialize(MapAccessDeserializer::new(map))
            }
        }
        deserializer.deserialize_map(MapVisitor(PhantomData)).map(AsMap)
    }
}

/// Each of these is read from the value as JS holds it (`serde_wasm_bindgen::preserve`: one
/// copy of serde's machinery for all of them), then looked at directly.
fn preserved<'de, D: Deserializer<'de>>(deserializer: D) -> Result<JsValue, D::Error> {
    serde_wasm_bindgen::preserve::deserialize(deserializer)
}

impl<'de, T: for<'a> Deserialize<'a> + Default> Deserialize<'de> for Section<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = preserved(deserializer)?;
        match value.as_bool() {
            Some(false) => Ok(Section::Off),
            Some(true) => Ok(Section::default()),
            None if value.is_undefined() || value.is_null() => Ok(Section::default()),
            None if value.is_object() && !js_sys::Array::is_array(&value) => read::<T>(&value).map(Section::On).map_err(de::Error::custom),
            None => Err(de::Error::invalid_type(Unexpected::Other("a JS value"), &"an object or false")),
        }
    }
}

impl<'de> Deserialize<'de> for Named {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct WithName {
            #[serde(default)]
            name: Option<String>,
        }
        let value = preserved(deserializer)?;
        match value.as_bool() {
            Some(false) => Ok(Named::Off),
            Some(true) => Ok(Named::On(Named::DEFAULT_NAME.into())),
            None if value.is_undefined() || value.is_null() => Ok(Named::Off),
            None if value.is_object() && !js_sys::Array::is_array(&value) => {
                read::<WithName>(&value).map(|w| Named::On(w.name.unwrap_or_else(|| Named::DEFAULT_NAME.into()))).map_err(de::Error::custom)
            }
            None => Err(de::Error::invalid_type(Unexpected::Other("a JS value"), &"true, false or { name: string }")),
        }
    }
}

impl<'de> Deserialize<'de> for Protocols {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = preserved(deserializer)?;
        if let Some(protocol) = value.as_string() {
            return Ok(Protocols(vec![protocol]));
        }
        if value.is_undefined() || value.is_null() {
            return Ok(Protocols::default());
        }
        if !js_sys::Array::is_array(&value) {
            return Err(de::Error::invalid_type(Unexpected::Other("a JS value"), &"an array of strings"));
        }
        js_sys::Array::from(&value)
            .iter()
            .map(|protocol| protocol.as_string().ok_or_else(|| de::Error::invalid_type(Unexpected::Other("a JS value"), &"a string")))
            .collect::<Result<_, _>>()
            .map(Protocols)
    }
}

impl<'de> Deserialize<'de> for Url {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = preserved(deserializer)?;
        if let Some(url) = value.as_string() {
            return Ok(Url::One(url));
        }
        if value.is_function() {
            return Ok(Url::Function(value.unchecked_into()));
        }
        if js_sys::Array::is_array(&value) {
            let urls: Option<Vec<String>> = js_sys::Array::from(&value).iter().map(|url| url.as_string()).collect();
            if let Some(urls) = urls {
                return Ok(Url::List(urls));
            }
        }
        Err(de::Error::invalid_type(
            Unexpected::Other("a JS value"),
            &"a ws:// or wss:// URL, an array of them, or a function returning one (or a Promise of one)",
        ))
    }
}

impl<'de> Deserialize<'de> for Token {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = preserved(deserializer)?;
        if let Some(token) = value.as_string() {
            Ok(Token::Static(token))
        } else if value.is_function() {
            Ok(Token::Function(value.unchecked_into()))
        } else {
            Err(de::Error::invalid_type(
                Unexpected::Other("a JS value"),
                &"a string or a function returning a string or a Promise of one",
            ))
        }
    }
}

// ---- checking ranges ----------------------------------------------------------------------------

/// What the browser layer needs besides the core's `Config`.
#[derive(Debug, Clone)]
pub struct WebSettings {
    pub protocols: Vec<String>,
    pub url_function: Option<Function>,
    pub token_function: Option<Function>,
    pub type_field: String,
    /// The heartbeat ping as the frame to send.
    pub ping_frame: String,
    /// The reply to a server's ping: `{"<typeField>":"pong"}`.
    pub pong_frame: String,
    pub ack_id_field: String,
    /// `share`'s name, if the tabs share a socket.
    pub share: Option<String>,
    /// `queue.persist`'s name, if the queue is kept in IndexedDB.
    pub persist: Option<String>,
}

/// A feature the full build has and this one does not: a `TypeError` that says where it is.
fn needs_full_build(option: &str, enabled_in_this_build: bool, value: &Named) -> Result<Option<String>, OptionsError> {
    match value.name() {
        None => Ok(None),
        Some("") => Err(out_of_range(&[option, ".name"].concat(), "a non-empty string")),
        Some(_) if !enabled_in_this_build => Err(OptionsError::type_error(
            ["option '", option, "' needs the full build: import { WebSocketTransport } from 'agentwire/full'"].concat(),
        )),
        Some(name) => Ok(Some(name.to_owned())),
    }
}

pub(super) fn out_of_range(option: &str, expected: &str) -> OptionsError {
    OptionsError::range_error(["option '", option, "' must be ", expected].concat())
}

/// `value` as an integer in `0..=max`, if it is one.
pub fn whole_number(value: f64, max: f64) -> Option<u64> {
    (value >= 0.0 && value <= max && value.fract() == 0.0).then_some(value as u64)
}

fn count(value: Option<f64>, option: &str, default: usize) -> Result<usize, OptionsError> {
    match value {
        None => Ok(default),
        Some(n) => whole_number(n, u32::MAX as f64).map(|n| n as usize).ok_or_else(|| out_of_range(option, "an integer >= 0")),
    }
}

impl Options {
    /// The core's config and the browser layer's settings; a `TypeError` for a URL that is not
    /// `ws:` or `wss:`, a `RangeError` naming the first value out of range. Starts from the
    /// core's defaults and overwrites what was given.
    pub fn settings(&self) -> Result<(Config, WebSettings), OptionsError> {
        let (urls, url_function) = match &self.url {
            Url::One(url) => (UrlSource::List(vec![url.clone()]), None),
            Url::List(urls) if urls.is_empty() => {
                return Err(OptionsError::type_error("option 'url' must not be an empty array".into()));
            }
            Url::List(urls) => (UrlSource::List(urls.clone()), None),
            Url::Function(function) => (UrlSource::Dynamic, Some(function.clone())),
        };
        if let UrlSource::List(urls) = &urls {
            if let Some(url) = urls.iter().find(|url| !is_websocket_url(url)) {
                return Err(OptionsError::type_error(["option 'url' must start with ws:// or wss://, got '", url, "'"].concat()));
            }
        }
        let protocols = &self.protocols.0;
        for (i, protocol) in protocols.iter().enumerate() {
            if !is_subprotocol_token(protocol) {
                return Err(OptionsError::range_error(
                    ["option 'protocols' has '", protocol, "', which is not a valid subprotocol name"].concat(),
                ));
            }
            if protocols[..i].contains(protocol) {
                return Err(OptionsError::range_error(["option 'protocols' lists '", protocol, "' twice"].concat()));
            }
        }
        let type_field = self.type_field.clone().unwrap_or_else(|| "type".into());
        if type_field.is_empty() {
            return Err(out_of_range("typeField", "a non-empty string"));
        }

        let ack_id_field = self.ack_id_field.clone().unwrap_or_else(|| "id".into());
        if ack_id_field.is_empty() {
            return Err(out_of_range("ackIdField", "a non-empty string"));
        }

        let mut config = Config::default();
        config.resume = self.resume.unwrap_or(config.resume);
        match (&self.reconnect, &mut config.reconnect) {
            (Section::On(given), Some(r)) => {
                r.initial_delay_ms = given.initial_delay_ms.unwrap_or(r.initial_delay_ms);
                r.max_delay_ms = given.max_delay_ms.unwrap_or(r.max_delay_ms);
                r.factor = given.factor.unwrap_or(r.factor);
                r.jitter = given.jitter.unwrap_or(r.jitter);
                r.min_uptime_ms = given.min_uptime_ms.unwrap_or(r.min_uptime_ms);
                r.max_attempts = match given.max_attempts {
                    Some(v) if v != f64::INFINITY => Some(
                        whole_number(v, u32::MAX as f64)
                            .ok_or_else(|| out_of_range("reconnect.maxAttempts", "an integer >= 0 or Infinity"))? as u32,
                    ),
                    _ => None,
                };
            }
            _ => config.reconnect = None,
        }
        let mut ping_frame = String::from("{\"type\":\"ping\"}");
        match (&self.heartbeat, &mut config.heartbeat) {
            (Section::On(given), Some(h)) => {
                h.interval_ms = given.interval_ms.unwrap_or(h.interval_ms);
                h.timeout_ms = given.timeout_ms.unwrap_or(h.timeout_ms);
                if let Some(pong_type) = &given.pong_type {
                    h.pong_type = pong_type.clone();
                }
                if let Some(text) = given.ping.as_string() {
                    ping_frame = text;
                } else if !given.ping.is_undefined() {
                    ping_frame = js::json_stringify(&given.ping).ok().flatten().map(String::from).ok_or_else(|| {
                        let got = js::describe(&given.ping);
                        OptionsError::type_error(["option 'heartbeat.ping' must be a string or a JSON-serialisable value, got ", &got].concat())
                    })?;
                }
            }
            _ => config.heartbeat = None,
        }
        let share = needs_full_build("share", cfg!(feature = "share"), &self.share)?;
        let mut persist = None;
        let q = &mut config.queue;
        match &self.queue {
            Section::On(given) => {
                persist = needs_full_build("queue.persist", cfg!(feature = "persist"), &given.persist)?;
                q.max_messages = count(given.max_messages, "queue.maxMessages", q.max_messages)?;
                q.max_bytes = count(given.max_bytes, "queue.maxBytes", q.max_bytes)?;
                q.max_age_ms = given.max_age_ms.unwrap_or(q.max_age_ms);
                q.persist = persist.is_some();
            }
            // No offline queue: sends while not connected are dropped.
            Section::Off => q.max_messages = 0,
        }
        let token_function = match &self.token {
            None => None,
            Some(Token::Static(token)) => {
                config.token = TokenSource::Static(token.clone());
                None
            }
            Some(Token::Function(function)) => {
                config.token = TokenSource::Dynamic;
                Some(function.clone())
            }
        };
        config.urls = urls;
        config.connect_timeout_ms = self.connect_timeout_ms.unwrap_or(config.connect_timeout_ms);
        config.max_message_bytes = count(self.max_message_bytes, "maxMessageBytes", config.max_message_bytes)?;
        config.validate().map_err(|e| out_of_range(e.option, e.expected))?;
        let pong_frame = ["{", &js::json_stringify(&JsValue::from_str(&type_field)).ok().flatten().map(String::from).unwrap_or_default(), ":\"pong\"}"].concat();
        let web = WebSettings { protocols: protocols.clone(), url_function, token_function, type_field, ping_frame, pong_frame, ack_id_field, share, persist };
        Ok((config, web))
    }
}
