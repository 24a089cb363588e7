//! The JS objects handed to listeners and returned by `getSnapshot()` and `stats()`, assembled
//! by glue.js from positional values (field names are the public API; absent values are null).

use wasm_bindgen::JsValue;

use super::js;
use crate::core::{ErrorEvent, Snapshot, Stats, StatusChange};

pub fn status_event(change: &StatusChange) -> JsValue {
    js::status_event(
        change.status.index(),
        change.previous.index(),
        change.attempt,
        change.delay_ms,
        change.code,
        change.reason.clone(),
    )
}

pub fn error_event(event: &ErrorEvent<JsValue>) -> JsValue {
    let f = &event.fields;
    js::error_event(
        event.kind.index(),
        &event.message,
        f.size.map(|v| v as f64),
        f.limit.map(|v| v as f64),
        f.count.map(|v| v as f64),
        f.code,
        f.attempt,
        event.payload.clone(),
    )
}

/// A frozen snapshot object: apps must not (and cannot) mutate what React compares by identity.
pub fn snapshot_object(snapshot: &Snapshot, epoch_offset: f64, url: &str) -> JsValue {
    let (error_kind, error_message) = match &snapshot.last_error {
        Some((kind, message)) => (Some(kind.index()), Some(message.clone())),
        None => (None, None),
    };
    js::snapshot_object(
        snapshot.status.index(),
        snapshot.attempt,
        snapshot.queued as f64,
        snapshot.latency_ms,
        error_kind,
        error_message,
        snapshot.last_close_code,
        snapshot.last_close_reason.clone(),
        snapshot.delay_ms,
        snapshot.next_retry_at.map(|t| t + epoch_offset),
        snapshot.connected_at.map(|t| t + epoch_offset),
        snapshot.online,
        url,
    )
}

pub fn stats_object(stats: &Stats, queued: usize) -> JsValue {
    js::stats_object(&[
        stats.messages_in as f64,
        stats.messages_out as f64,
        stats.bytes_in as f64,
        stats.bytes_out as f64,
        stats.attempts as f64,
        stats.reconnects as f64,
        stats.dropped as f64,
        stats.errors as f64,
        stats.pings_sent as f64,
        stats.pongs_received as f64,
        queued as f64,
    ])
}
