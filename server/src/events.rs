//! Server → client events: flat JSON objects `{"type": …, <fields>, "timestamp": "<ISO-8601>"}`.
//!
//! Clients dispatch on `type`, so every field sits directly on the object (no `data` envelope
//! except where a protocol we mirror has one, e.g. `active_sessions.data`).

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Map, Value};

/// Serialises one event: `type` first, then `fields` (must be a JSON object), then `timestamp`.
pub fn event(kind: &str, fields: Value) -> String {
    Event::new(kind, fields).text
}

/// An event of a resumable stream, serialised once and numbered per session: a broadcast
/// reaches every tracking session with that session's own `seq`.
#[derive(Debug, Clone)]
pub struct Event {
    text: String,
    /// Where `seq` goes: right after `"type":"…"`, so `type` stays first.
    type_end: usize,
}

impl Event {
    pub fn new(kind: &str, fields: Value) -> Event {
        Event::build(kind, fields, &Value::from(now_iso8601()))
    }

    /// An AG-UI event: its `timestamp` is an integer, Unix epoch milliseconds (`@ag-ui/core`).
    pub fn agui(kind: &str, fields: Value) -> Event {
        let millis = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis() as u64;
        Event::build(kind, fields, &Value::from(millis))
    }

    fn build(kind: &str, fields: Value, timestamp: &Value) -> Event {
        let mut text = String::with_capacity(128);
        text.push_str("{\"type\":");
        push_json(&mut text, &Value::from(kind));
        let type_end = text.len();
        if let Value::Object(map) = fields {
            push_fields(&mut text, &map);
        }
        text.push_str(",\"timestamp\":");
        push_json(&mut text, timestamp);
        text.push('}');
        Event { text, type_end }
    }

    /// The frame without `seq` (an SSE event's `data`: there `id:` numbers it).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The frame without `seq` and where `seq` goes, for a store that numbers it itself
    /// (Redis's append script splices `,"seq":N` in at that offset, as `with_seq` does).
    pub fn parts(&self) -> (&str, usize) {
        (&self.text, self.type_end)
    }

    /// The frame with `"seq":<seq>` after the type.
    pub fn with_seq(&self, seq: u64) -> String {
        let mut out = String::with_capacity(self.text.len() + 24);
        out.push_str(&self.text[..self.type_end]);
        let _ = write!(out, ",\"seq\":{seq}");
        out.push_str(&self.text[self.type_end..]);
        out
    }
}

fn push_fields(out: &mut String, map: &Map<String, Value>) {
    for (key, value) in map {
        // Owned by the envelope. `seq` too: on the resumable endpoints it is the session's
        // sequence number (PROTOCOL.md), so no event's own field may take that name.
        if key == "type" || key == "timestamp" || key == "seq" {
            continue;
        }
        out.push(',');
        push_json(out, &Value::from(key.as_str()));
        out.push(':');
        push_json(out, value);
    }
}

fn push_json(out: &mut String, value: &Value) {
    // Serialising a Value into a String cannot fail (no I/O, keys are strings).
    out.push_str(&value.to_string());
}

/// `{"type":"error","message":…}`: the answer to a frame the server could not use.
pub fn error(message: &str) -> String {
    event("error", json!({ "message": message }))
}

/// `{"type":"pong"}` with a timestamp.
pub fn pong() -> String {
    event("pong", json!({}))
}

/// The current time as `2025-01-31T12:34:56.789Z` (UTC, millisecond precision).
pub fn now_iso8601() -> String {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    iso8601_from_unix_millis(since_epoch.as_millis() as i64)
}

/// The current time as Unix epoch milliseconds with microsecond precision (bench `ts`).
pub fn now_unix_millis_f64() -> f64 {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    since_epoch.as_micros() as f64 / 1000.0
}

/// Formats Unix epoch milliseconds as ISO-8601 UTC without pulling in a date crate
/// (civil-from-days, Howard Hinnant's algorithm).
pub fn iso8601_from_unix_millis(millis: i64) -> String {
    let secs = millis.div_euclid(1000);
    let ms = millis.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (h, m, s) = (sod / 3600, (sod % 3600) / 60, sod % 60);

    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);

    let mut out = String::with_capacity(24);
    let _ = write!(
        out,
        "{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{ms:03}Z"
    );
    out
}

/// Reads back what [`iso8601_from_unix_millis`] writes (`YYYY-MM-DDTHH:MM:SS.mmmZ`), for
/// clients that measure how late an event arrived (days-from-civil, Howard Hinnant's).
pub fn unix_millis_from_iso8601(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 24
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[19] != b'.'
        || b[23] != b'Z'
    {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<i64> { text.get(from..to)?.parse().ok() };
    let (year, month, day) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (h, m, s, ms) = (num(11, 13)?, num(14, 16)?, num(17, 19)?, num(20, 23)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || h > 23 || m > 59 || s > 60 {
        return None;
    }
    let y = year - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 86_400) + h * 3600 + m * 60 + s) * 1000 + ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso8601_reads_back_what_it_writes() {
        for millis in [0, 951_782_400_123, 1_735_689_599_999, 1_800_000_000_456] {
            let text = iso8601_from_unix_millis(millis);
            assert_eq!(unix_millis_from_iso8601(&text), Some(millis), "{text}");
        }
        assert_eq!(unix_millis_from_iso8601("2024-13-01T00:00:00.000Z"), None);
        assert_eq!(unix_millis_from_iso8601("yesterday"), None);
    }

    #[test]
    fn iso8601_formats_known_instants() {
        assert_eq!(iso8601_from_unix_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            iso8601_from_unix_millis(951_782_400_123),
            "2000-02-29T00:00:00.123Z"
        );
        assert_eq!(
            iso8601_from_unix_millis(1_735_689_599_999),
            "2024-12-31T23:59:59.999Z"
        );
    }

    #[test]
    fn a_sequenced_event_has_seq_right_after_its_type() {
        let e = Event::new("message_delta", json!({"delta": "Hel", "seq": 99}));
        let text = e.with_seq(42);
        assert!(
            text.starts_with("{\"type\":\"message_delta\",\"seq\":42,\"delta\":\"Hel\""),
            "{text}"
        );
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["seq"], 42, "the envelope's seq, not a field's");
    }

    #[test]
    fn event_is_flat_with_type_first_and_timestamp() {
        let text = event(
            "tool_call",
            json!({"agent": "Researcher", "type": "ignored"}),
        );
        assert!(text.starts_with("{\"type\":\"tool_call\",\"agent\":\"Researcher\""));
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["type"], "tool_call");
        assert_eq!(value["timestamp"].as_str().unwrap().len(), 24);
    }
}
