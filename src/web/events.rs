//! The JS objects handed to listeners and returned by `getSnapshot()` and `stats()`.
//! Field names are the public API (camelCase); absent values are `null`, never missing.

use js_sys::{Object, Reflect};
use wasm_bindgen::JsValue;

use crate::core::errors::ErrorFields;
use crate::core::{ErrorEvent, Snapshot, Stats, StatusChange};

fn set(object: &Object, key: &str, value: JsValue) {
    let _ = Reflect::set(object, &JsValue::from_str(key), &value);
}

fn opt_number<T: Into<f64>>(value: Option<T>) -> JsValue {
    value.map_or(JsValue::NULL, |v| JsValue::from_f64(v.into()))
}

/// Rounds a (positive) epoch time to whole milliseconds, like `Date.now()`; `f64::round` is not
/// in `core`.
fn whole_ms(epoch_ms: f64) -> f64 {
    (epoch_ms + 0.5) as u64 as f64
}

fn opt_string(value: Option<&str>) -> JsValue {
    value.map_or(JsValue::NULL, JsValue::from_str)
}

pub fn status_event(change: &StatusChange) -> JsValue {
    let o = Object::new();
    set(&o, "status", JsValue::from_str(change.status.as_str()));
    set(&o, "previous", JsValue::from_str(change.previous.as_str()));
    set(&o, "attempt", JsValue::from_f64(change.attempt.into()));
    set(&o, "delayMs", opt_number(change.delay_ms));
    set(&o, "code", opt_number(change.code));
    set(&o, "reason", opt_string(change.reason.as_deref()));
    o.into()
}

fn set_fields(o: &Object, fields: &ErrorFields) {
    let optional = [
        ("size", fields.size.map(|v| v as f64)),
        ("limit", fields.limit.map(|v| v as f64)),
        ("count", fields.count.map(|v| v as f64)),
        ("code", fields.code.map(f64::from)),
        ("attempt", fields.attempt.map(f64::from)),
    ];
    for (key, value) in optional {
        if let Some(value) = value {
            set(o, key, JsValue::from_f64(value));
        }
    }
}

/// `{ kind, message, ...fields }`, plus the error's payload under the name its kind gives it:
/// `error` (what a listener threw), `data` (the raw frame that did not parse), `dropped` (the
/// message that overflowed the queue).
pub fn error_event(event: &ErrorEvent<JsValue>) -> JsValue {
    use crate::core::ErrorKind::*;
    let o = Object::new();
    set(&o, "kind", JsValue::from_str(event.kind.as_str()));
    set(&o, "message", JsValue::from_str(&event.message));
    set_fields(&o, &event.fields);
    if let Some(payload) = &event.payload {
        let key = match event.kind {
            Listener | Token | Serialize => "error",
            Parse => "data",
            QueueOverflow => "dropped",
            _ => "detail",
        };
        set(&o, key, payload.clone());
    }
    o.into()
}

/// A frozen snapshot object: apps must not (and cannot) mutate what React compares by identity.
pub fn snapshot_object(snapshot: &Snapshot, epoch_offset: f64, url: &str) -> JsValue {
    let o = Object::new();
    set(&o, "status", JsValue::from_str(snapshot.status.as_str()));
    set(&o, "attempt", JsValue::from_f64(snapshot.attempt.into()));
    set(&o, "queued", JsValue::from_f64(snapshot.queued as f64));
    set(&o, "latencyMs", opt_number(snapshot.latency_ms));
    let last_error = match &snapshot.last_error {
        Some((kind, message)) => {
            let e = Object::new();
            set(&e, "kind", JsValue::from_str(kind.as_str()));
            set(&e, "message", JsValue::from_str(message));
            Object::freeze(&e).into()
        }
        None => JsValue::NULL,
    };
    set(&o, "lastError", last_error);
    set(&o, "lastCloseCode", opt_number(snapshot.last_close_code));
    set(&o, "lastCloseReason", opt_string(snapshot.last_close_reason.as_deref()));
    set(&o, "delayMs", opt_number(snapshot.delay_ms));
    set(&o, "nextRetryAt", opt_number(snapshot.next_retry_at.map(|t| whole_ms(t + epoch_offset))));
    set(&o, "connectedAt", opt_number(snapshot.connected_at.map(|t| whole_ms(t + epoch_offset))));
    set(&o, "online", JsValue::from_bool(snapshot.online));
    set(&o, "url", JsValue::from_str(url));
    Object::freeze(&o).into()
}

pub fn stats_object(stats: &Stats, queued: usize) -> JsValue {
    let o = Object::new();
    let counters = [
        ("messagesIn", stats.messages_in),
        ("messagesOut", stats.messages_out),
        ("bytesIn", stats.bytes_in),
        ("bytesOut", stats.bytes_out),
        ("attempts", stats.attempts),
        ("reconnects", stats.reconnects),
        ("dropped", stats.dropped),
        ("errors", stats.errors),
        ("pingsSent", stats.pings_sent),
        ("pongsReceived", stats.pongs_received),
        ("queued", queued as u64),
    ];
    for (key, value) in counters {
        set(&o, key, JsValue::from_f64(value as f64));
    }
    o.into()
}
