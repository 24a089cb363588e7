//! The values the transport hands to JavaScript: the snapshot, status and error events, and
//! `stats()`. Serde structs written out by serde-wasm-bindgen as plain objects; their field
//! names are the public API (see agentwire.d.ts). None of them is on the per-message path: the
//! snapshot is built once per change, the events once per notification.

use serde::{Serialize, Serializer};
use wasm_bindgen::JsValue;

use super::clock;
use crate::core::errors::ErrorFields;
use crate::core::{ErrorEvent, ErrorKind, Snapshot, Stats, Status, StatusChange};

impl Serialize for Status {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl Serialize for ErrorKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Absent values as `null`, objects as plain objects.
const NULLS: serde_wasm_bindgen::Serializer = serde_wasm_bindgen::Serializer::json_compatible();
/// For error events, whose absent fields are left out rather than null.
const PLAIN: serde_wasm_bindgen::Serializer = serde_wasm_bindgen::Serializer::new();

fn write(value: &impl Serialize, serializer: &serde_wasm_bindgen::Serializer) -> JsValue {
    // Only numbers, strings, booleans and nulls: nothing here can fail to serialise.
    value.serialize(serializer).unwrap_or_default()
}

/// The snapshot's fields, as JavaScript sees them. Generic over the strings so that the same
/// struct writes the snapshot (borrowing) and, with `share`, reads a leader tab's (owning).
#[derive(Serialize)]
#[cfg_attr(feature = "share", derive(serde::Deserialize))]
#[serde(rename_all = "camelCase")]
struct SnapshotView<S> {
    status: Status,
    attempt: u32,
    queued: usize,
    latency_ms: Option<f64>,
    last_error: Option<LastError<S>>,
    last_close_code: Option<u16>,
    last_close_reason: Option<S>,
    delay_ms: Option<f64>,
    next_retry_at: Option<f64>,
    connected_at: Option<f64>,
    online: bool,
    url: Option<S>,
    session_id: Option<S>,
    last_seq: u64,
    resumed: bool,
    shared: bool,
    leader: bool,
    tabs: usize,
}

#[derive(Serialize)]
#[cfg_attr(feature = "share", derive(serde::Deserialize))]
struct LastError<S> {
    kind: ErrorKind,
    message: S,
}

/// The snapshot as `getSnapshot()` returns it: frozen (React compares it by identity, so it must
/// not change under its feet), with times in epoch milliseconds.
pub fn snapshot_object(snapshot: &Snapshot) -> JsValue {
    let view = SnapshotView {
        status: snapshot.status,
        attempt: snapshot.attempt,
        queued: snapshot.queued,
        latency_ms: snapshot.latency_ms,
        last_error: snapshot.last_error.as_ref().map(|(kind, message)| LastError { kind: *kind, message: message.as_str() }),
        last_close_code: snapshot.last_close_code,
        last_close_reason: snapshot.last_close_reason.as_deref(),
        delay_ms: snapshot.delay_ms,
        next_retry_at: snapshot.next_retry_at.map(|t| clock::to_epoch(t)),
        connected_at: snapshot.connected_at.map(|t| clock::to_epoch(t)),
        online: snapshot.online,
        url: snapshot.url.as_deref(),
        session_id: snapshot.session_id.as_deref(),
        last_seq: snapshot.last_seq,
        resumed: snapshot.resumed,
        shared: snapshot.shared,
        leader: snapshot.leader,
        tabs: snapshot.tabs,
    };
    let object = write(&view, &NULLS);
    if let Ok(last_error) = js_sys::Reflect::get(&object, &"lastError".into()) {
        if last_error.is_object() {
            js_sys::Object::freeze(&last_error.into());
        }
    }
    js_sys::Object::freeze(&object.into()).into()
}

/// A snapshot another tab wrote with [`snapshot_object`] (`share`), or `None` if it is not one.
#[cfg(feature = "share")]
pub fn read_snapshot(value: &JsValue) -> Option<Snapshot> {
    let view: SnapshotView<String> = serde_wasm_bindgen::from_value(value.clone()).ok()?;
    Some(Snapshot {
        status: view.status,
        attempt: view.attempt,
        next_retry_at: view.next_retry_at.map(clock::from_epoch),
        delay_ms: view.delay_ms,
        queued: view.queued,
        latency_ms: view.latency_ms,
        last_error: view.last_error.map(|e| (e.kind, e.message)),
        last_close_code: view.last_close_code,
        last_close_reason: view.last_close_reason,
        online: view.online,
        connected_at: view.connected_at.map(clock::from_epoch),
        session_id: view.session_id,
        last_seq: view.last_seq,
        resumed: view.resumed,
        url: view.url,
        shared: view.shared,
        leader: view.leader,
        tabs: view.tabs,
    })
}

#[cfg(feature = "share")]
impl<'de> serde::Deserialize<'de> for Status {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Status::ALL.into_iter().find(|s| s.as_str() == name).ok_or_else(|| serde::de::Error::custom("unknown status"))
    }
}

#[cfg(feature = "share")]
impl<'de> serde::Deserialize<'de> for ErrorKind {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        ErrorKind::ALL.into_iter().find(|k| k.as_str() == name).ok_or_else(|| serde::de::Error::custom("unknown error kind"))
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StatusView<'a> {
    status: Status,
    previous: Status,
    attempt: u32,
    delay_ms: Option<f64>,
    code: Option<u16>,
    reason: Option<&'a str>,
    resumed: bool,
}

pub fn status_event(change: &StatusChange) -> JsValue {
    let view = StatusView {
        status: change.status,
        previous: change.previous,
        attempt: change.attempt,
        delay_ms: change.delay_ms,
        code: change.code,
        reason: change.reason.as_deref(),
        resumed: change.resumed,
    };
    write(&view, &NULLS)
}

#[derive(Serialize)]
struct ErrorView<'a> {
    kind: ErrorKind,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    size: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    limit: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    count: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    attempt: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expected: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    received: Option<u64>,
}

/// An `onError` event. A carried JS value goes under the key its kind documents
/// (`TransportError` in agentwire.d.ts).
pub fn error_event(error: &ErrorEvent<JsValue>) -> JsValue {
    let ErrorFields { size, limit, count, code, attempt, expected, received } = error.fields;
    let view = ErrorView { kind: error.kind, message: &error.message, size, limit, count, code, attempt, expected, received };
    let object = write(&view, &PLAIN);
    if let Some(payload) = &error.payload {
        let key = match error.kind {
            ErrorKind::Listener | ErrorKind::Token | ErrorKind::Serialize => "error",
            ErrorKind::Parse => "data",
            ErrorKind::QueueOverflow => "dropped",
            _ => "detail",
        };
        let _ = js_sys::Reflect::set(&object, &key.into(), payload);
    }
    object
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StatsView {
    messages_in: u64,
    messages_out: u64,
    bytes_in: u64,
    bytes_out: u64,
    attempts: u64,
    reconnects: u64,
    dropped: u64,
    errors: u64,
    pings_sent: u64,
    pongs_received: u64,
    queued: usize,
}

pub fn stats_object(stats: &Stats, queued: usize) -> JsValue {
    let view = StatsView {
        messages_in: stats.messages_in,
        messages_out: stats.messages_out,
        bytes_in: stats.bytes_in,
        bytes_out: stats.bytes_out,
        attempts: stats.attempts,
        reconnects: stats.reconnects,
        dropped: stats.dropped,
        errors: stats.errors,
        pings_sent: stats.pings_sent,
        pongs_received: stats.pongs_received,
        queued,
    };
    write(&view, &NULLS)
}
