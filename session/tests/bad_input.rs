//! Unknown types and malformed events are logged (with the event, `known: false`) and counted;
//! they change nothing else, and nothing panics.

mod support;

use agentwire_session::core::log::LogType;
use agentwire_session::core::Part;
use serde_json::{json, Value};
use support::*;

#[test]
fn an_unknown_type_is_logged_with_the_event_and_counted() {
    let mut s = session();
    let odd = event("agent_thought", 5, json!({"text": "hmm"}));
    assert!(apply(&mut s, odd.clone()), "the log and counts changed");
    let state = s.state();
    assert_eq!((state.counts.events, state.counts.unknown, state.counts.malformed), (1, 1, 0));
    let (_, entry) = state.logs.last().unwrap();
    assert_eq!(entry.kind, LogType::Other("agent_thought".into()));
    assert!(!entry.known && !entry.malformed);
    assert_eq!(entry.event.as_ref(), Some(&odd));
    assert_eq!(entry.at, Some(at(5)));
    assert_eq!(entry.summary.to_text(), "unknown type 'agent_thought'");
    for part in [Part::Messages, Part::Agents, Part::Tools, Part::Run, Part::Errors] {
        assert_eq!(s.part_version(part), 0, "{part:?} untouched");
    }
}

#[test]
fn a_known_type_with_a_missing_or_mistyped_field_is_malformed_with_its_type() {
    let cases = [
        (json!({"type": "message_delta", "message_id": "m"}), "malformed 'message_delta': 'delta' is missing"),
        (
            json!({"type": "message_delta", "message_id": "m", "delta": 5}),
            "malformed 'message_delta': 'delta' must be a string",
        ),
        (
            json!({"type": "progress", "current_turn": "1", "max_turns": 3}),
            "malformed 'progress': 'current_turn' must be a number",
        ),
        (
            json!({"type": "result", "content": "x", "agents_used": [1]}),
            "malformed 'result': 'agents_used' must be an array of strings",
        ),
        (json!({"type": "cancelled", "success": "yes"}), "malformed 'cancelled': 'success' must be a boolean"),
        (
            json!({"type": "agent_step", "agent": "A", "status": "working", "session_id": 7}),
            "malformed 'agent_step': 'session_id' must be a string",
        ),
        (
            json!({"type": "active_sessions", "data": {"total_sessions": 1}}),
            "malformed 'active_sessions': in 'data': 'sessions' is missing",
        ),
        (json!({"type": "active_sessions", "data": []}), "malformed 'active_sessions': 'data' must be an object"),
        (
            json!({"type": "signal", "payload": {"crewId": "c"}}),
            "malformed 'signal': in 'payload': 'status' is missing",
        ),
        (
            json!({"type": "agent_status", "status": "working"}),
            "malformed 'agent_status': 'agent_name' is missing (and so is 'agent_id')",
        ),
        (
            json!({"type": "session_state", "session_id": "s", "state": "gone"}),
            "malformed 'session_state': 'state' must be an object or null",
        ),
        (
            json!({"type": "tool_end", "tool": "t", "duration_s": "1s"}),
            "malformed 'tool_end': 'duration_s' must be a number",
        ),
        (json!({"type": "done", "status": "success"}), "malformed 'done': 'run_id' is missing"),
    ];
    for (bad, expected) in cases {
        let mut s = session();
        assert!(apply(&mut s, bad.clone()));
        let state = s.state();
        assert_eq!((state.counts.events, state.counts.malformed, state.counts.unknown), (1, 1, 0), "{bad}");
        let (_, entry) = state.logs.last().unwrap();
        assert_eq!(entry.summary.to_text(), expected, "{bad}");
        assert_eq!(entry.type_name(), bad["type"].as_str());
        assert!(!entry.known && entry.malformed);
        assert_eq!(entry.event.as_ref(), Some(&bad));
        assert!(state.messages.list.is_empty() && state.agents.list.is_empty() && state.tools.list.is_empty());
        assert!(state.progress.is_none() && state.run.is_none() && state.sessions.is_none() && state.mission.is_none());
    }
}

#[test]
fn values_that_are_not_typed_events_are_malformed_without_a_type() {
    let mut s = session();
    for bad in [json!("a string"), json!(42), json!(null), json!([1, 2]), json!({"kind": "x"}), json!({"type": 3})] {
        apply(&mut s, bad.clone());
        let (_, entry) = s.state().logs.last().unwrap();
        assert_eq!(entry.kind, LogType::Missing, "{bad}");
        assert!(entry.malformed);
        assert_eq!(entry.event.as_ref(), Some(&bad));
    }
    assert_eq!(s.state().counts.malformed, 6);
}

#[test]
fn an_unparseable_timestamp_is_no_time_not_a_malformed_event() {
    let mut s = session();
    apply(&mut s, json!({"type": "error", "message": "x", "timestamp": "yesterday"}));
    apply(&mut s, json!({"type": "error", "message": "y", "timestamp": 1234.5}));
    let times: Vec<_> = s.state().errors.iter().map(|(_, e)| e.at).collect();
    assert_eq!(times, [None, Some(1234.5)]);
    assert_eq!(s.state().counts.malformed, 0);
}

/// Every known type, with every field replaced by values of every JSON type in turn: whatever
/// comes, the reducer answers without panicking and every event is counted once.
#[test]
fn no_combination_of_field_values_makes_the_reducer_panic() {
    let shapes = [
        json!({"type": "agent_step", "agent": "A", "emoji": "e", "status": "working", "session_id": "s"}),
        json!({"type": "tool_call", "agent": "A", "tool_name": "t", "args": {}, "session_id": "s"}),
        json!({"type": "tool_result", "agent": "A", "tool_name": "t", "result": "r", "session_id": "s"}),
        json!({"type": "progress", "current_turn": 1, "max_turns": 2}),
        json!({"type": "message_delta", "message_id": "m", "delta": "d"}),
        json!({"type": "chart", "chart_id": "c", "url": "/u", "symbol": "S"}),
        json!({"type": "result", "message_id": "m", "content": "c", "agents_used": ["A"]}),
        json!({"type": "cancelled", "success": true, "session_id": "s", "reason": "r"}),
        json!({"type": "error", "message": "m"}),
        json!({"type": "active_sessions", "data": {"total_sessions": 1, "sessions": [{"session_id": "s"}]}}),
        json!({"type": "session_state", "session_id": "s", "state": {}}),
        json!({"type": "session_logs", "session_id": "s", "logs": []}),
        json!({"type": "agent_status", "session_id": "s", "agent_id": "a", "agent_name": "A", "status": "w", "progress": 0.5, "message": "m"}),
        json!({"type": "agent_collaboration", "session_id": "s", "from_agent": "A", "to_agent": "B", "message": "m"}),
        json!({"type": "boot", "agents": 1, "message": "m", "run_id": "r"}),
        json!({"type": "agent_start", "agent_id": "a", "agent_name": "A", "run_id": "r"}),
        json!({"type": "agent_end", "agent_id": "a", "status": "success", "run_id": "r"}),
        json!({"type": "task_start", "agent_id": "a", "task_id": "t", "title": "T", "run_id": "r"}),
        json!({"type": "task_end", "task_id": "t", "status": "success", "run_id": "r"}),
        json!({"type": "tool_start", "agent_id": "a", "task_id": "t", "tool": "x", "params": {}, "run_id": "r"}),
        json!({"type": "tool_progress", "agent_id": "a", "task_id": "t", "tool": "x", "message": "m", "progress": 0.5, "run_id": "r"}),
        json!({"type": "tool_end", "agent_id": "a", "task_id": "t", "tool": "x", "duration_s": 1.0, "exit_code": 0, "status": "success", "run_id": "r"}),
        json!({"type": "done", "status": "success", "tools_run": 1, "run_id": "r"}),
        json!({"type": "signal", "payload": {"status": "busy", "crewId": "c", "seq": 1}}),
    ];
    let replacements = [
        json!(null),
        json!(true),
        json!(-1),
        json!(1e300),
        json!(""),
        json!("x"),
        json!([]),
        json!(["x", 1]),
        json!({}),
        json!({"status": 1}),
    ];
    let mut s = session_with(50, 5);
    let mut applied = 0u64;
    for shape in &shapes {
        let keys: Vec<String> = shape.as_object().unwrap().keys().filter(|k| *k != "type").cloned().collect();
        for key in &keys {
            for replacement in &replacements {
                let mut event = shape.clone();
                event[key.as_str()] = replacement.clone();
                apply(&mut s, event);
                applied += 1;
            }
            let mut without: Value = shape.clone();
            without.as_object_mut().unwrap().remove(key);
            apply(&mut s, without);
            applied += 1;
        }
        apply(&mut s, shape.clone());
        applied += 1;
    }
    let counts = s.state().counts;
    assert_eq!(counts.events, applied);
    assert!(counts.malformed > 0 && counts.malformed < applied);
    assert_eq!(counts.unknown, 0);
    assert!(s.state().logs.len() <= 50 && s.state().messages.list.len() <= 5);
}
