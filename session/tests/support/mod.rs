//! Test support: the core's `EventFields` over `serde_json::Value` (what the JS glue does over
//! JS objects), and helpers that build events with the exact shapes the reference server sends
//! (see server/src/session_runner.rs, endpoints/runs.rs, endpoints/mission.rs, tracking.rs).
#![allow(dead_code)]

use std::rc::Rc;

use agentwire_session::core::json::Json as Tree;
use agentwire_session::core::{EventFields, Field, Key, Limits, Session};
use serde_json::{json, Value};

/// One event (or nested object) as JSON.
pub struct Json<'a>(pub &'a Value);

fn field(value: &Value, key: Key) -> Option<&Value> {
    value.get(key.name()).filter(|v| !v.is_null())
}

fn classify<'a, T>(value: &'a Value, key: Key, convert: impl FnOnce(&'a Value) -> Option<T>) -> Field<T> {
    match field(value, key) {
        None => Field::Absent,
        Some(v) => convert(v).map_or(Field::Wrong, Field::Present),
    }
}

impl<'a> EventFields for Json<'a> {
    type Value = Value;

    fn is_object(&self) -> bool {
        self.0.is_object() || self.0.is_array()
    }

    fn text(&self, key: Key) -> Field<String> {
        classify(self.0, key, |v| v.as_str().map(str::to_string))
    }

    fn number(&self, key: Key) -> Field<f64> {
        classify(self.0, key, Value::as_f64)
    }

    fn flag(&self, key: Key) -> Field<bool> {
        classify(self.0, key, Value::as_bool)
    }

    fn value(&self, key: Key) -> Option<Value> {
        field(self.0, key).cloned()
    }

    fn object(&self, key: Key) -> Field<Self> {
        classify(self.0, key, |v| v.is_object().then_some(Json(v)))
    }

    fn list(&self, key: Key) -> Field<Vec<Self>> {
        classify(self.0, key, |v| v.as_array().map(|items| items.iter().map(Json).collect()))
    }

    fn json(&self, key: Key) -> Field<Tree> {
        match self.0.get(key.name()) {
            None => Field::Absent,
            Some(value) => Field::Present(tree(value)),
        }
    }

    fn as_text(&self) -> Option<String> {
        self.0.as_str().map(str::to_string)
    }

    fn whole(&self) -> Value {
        self.0.clone()
    }
}

/// A serde_json value as the reducer's own JSON tree (what the JS glue does over JS values).
pub fn tree(value: &Value) -> Tree {
    match value {
        Value::Null => Tree::Null,
        Value::Bool(b) => Tree::Bool(*b),
        Value::Number(n) => Tree::Number(n.as_f64().unwrap_or(0.0)),
        Value::String(s) => Tree::String(Rc::from(s.as_str())),
        Value::Array(items) => Tree::Array(Rc::new(items.iter().map(tree).collect())),
        Value::Object(members) => {
            Tree::Object(Rc::new(members.iter().map(|(k, v)| (Rc::from(k.as_str()), tree(v))).collect()))
        }
    }
}

pub type TestSession = Session<Value>;

pub fn session() -> TestSession {
    Session::new(Limits::default())
}

pub fn session_with(max_log_entries: usize, max_messages: usize) -> TestSession {
    Session::new(Limits { max_log_entries, max_messages })
}

pub fn apply(session: &mut TestSession, event: Value) -> bool {
    session.apply(&Json(&event))
}

pub fn apply_all(session: &mut TestSession, events: &[Value]) -> bool {
    events.iter().fold(false, |changed, event| apply(session, event.clone()) | changed)
}

/// `2025-01-31T12:00:00.000Z` plus `ms`, as the server formats timestamps.
pub fn ts(ms: u64) -> String {
    let base = 1_738_324_800_000u64; // 2025-01-31T12:00:00.000Z
    agentwire_server::events::iso8601_from_unix_millis((base + ms) as i64)
}

pub fn at(ms: u64) -> f64 {
    (1_738_324_800_000u64 + ms) as f64
}

/// A flat server event: `type`, the fields, `timestamp` (ms after the base instant).
pub fn event(kind: &str, ms: u64, fields: Value) -> Value {
    let mut event = json!({ "type": kind });
    if let (Some(out), Value::Object(fields)) = (event.as_object_mut(), fields) {
        out.extend(fields);
        out.insert("timestamp".into(), Value::from(ts(ms)));
    }
    event
}

/// A chat's events as /ws/stream sends them (session_runner.rs), with one turn per tool and
/// the answer in `deltas`.
pub fn chat_events(session_id: &str, tools: &[(&str, &str)], deltas: &[&str], chart: Option<&str>) -> Vec<Value> {
    let s = session_id;
    let mut t = 0;
    let mut tick = || {
        t += 10;
        t
    };
    let mut events = vec![event(
        "agent_step",
        tick(),
        json!({"agent": "Researcher", "emoji": "🔎", "status": "working", "session_id": s}),
    )];
    for (i, (agent, tool)) in tools.iter().enumerate() {
        events.push(event(
            "tool_call",
            tick(),
            json!({"agent": agent, "tool_name": tool, "args": {"query": "q", "max_results": 5}, "session_id": s}),
        ));
        events.push(event(
            "tool_result",
            tick(),
            json!({"agent": agent, "tool_name": tool, "result": format!("{tool} result"), "session_id": s}),
        ));
        events.push(event(
            "progress",
            tick(),
            json!({"current_turn": i + 1, "max_turns": tools.len(), "session_id": s}),
        ));
    }
    let message_id = format!("msg_{s}");
    for delta in deltas {
        events.push(event("message_delta", tick(), json!({"message_id": message_id, "delta": delta, "session_id": s})));
    }
    if let Some(symbol) = chart {
        events.push(event("chart", tick(), json!({"chart_id": format!("chart_{symbol}_0000abcd"), "url": format!("/charts/{symbol}.svg"), "symbol": symbol, "session_id": s})));
    }
    events.push(event(
        "agent_step",
        tick(),
        json!({"agent": "Researcher", "emoji": "🔎", "status": "completed", "session_id": s}),
    ));
    let content: String = deltas.concat();
    events.push(event("result", tick(), json!({"message_id": message_id, "content": content, "agents_used": ["Researcher", "Analyst"], "session_id": s})));
    events
}
