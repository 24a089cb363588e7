//! Bounds (maxLogEntries, maxMessages), reset, and the version bookkeeping the JS snapshot's
//! structural sharing rests on: which event moves which part's version, and which items'.

mod support;

use agentwire_session::core::{Part, Session};
use serde_json::{json, Value};
use support::*;

fn delta(message_id: &str, text: &str) -> Value {
    json!({"type": "message_delta", "message_id": message_id, "delta": text, "session_id": "s"})
}

fn versions(s: &Session<Value>) -> Vec<(Part, u64)> {
    Part::ALL.iter().map(|&part| (part, s.part_version(part))).collect()
}

/// The parts whose version moved between two readings.
fn moved(before: &[(Part, u64)], after: &[(Part, u64)]) -> Vec<Part> {
    before.iter().zip(after).filter(|(b, a)| b.1 != a.1).map(|(b, _)| b.0).collect()
}

#[test]
fn the_log_keeps_the_newest_entries_and_numbers_every_event() {
    let mut s = session_with(3, 200);
    for i in 0..10 {
        apply(&mut s, delta("m", &i.to_string()));
    }
    let seqs: Vec<u64> = s.state().logs.iter().map(|(_, e)| e.seq).collect();
    assert_eq!(seqs, [8, 9, 10]);
    assert_eq!(s.state().logs.last().unwrap().1.summary.to_text(), "m: +1 chars");
    assert_eq!(s.state().counts.events, 10);
}

#[test]
fn a_log_limit_of_zero_keeps_no_entries_but_still_counts() {
    let mut s = session_with(0, 200);
    apply(&mut s, delta("m", "x"));
    apply(&mut s, json!({"type": "mystery"}));
    assert!(s.state().logs.is_empty());
    assert_eq!((s.state().counts.events, s.state().counts.unknown), (2, 1));
    assert_eq!(s.part_version(Part::Logs), 0);
}

#[test]
fn the_oldest_messages_are_dropped_beyond_max_messages() {
    let mut s = session_with(500, 2);
    s.add_user_message("first");
    apply(&mut s, delta("a", "A"));
    s.add_user_message("second");
    apply(&mut s, delta("a", "A2"));
    let ids: Vec<String> = s.state().messages.list.iter().map(|(_, m)| m.id.to_string()).collect();
    assert_eq!(ids, ["a", "user_2"]);
    assert_eq!(s.state().messages.list.iter().next().unwrap().1.content, "AA2");
}

#[test]
fn reset_empties_everything_and_gives_every_part_a_new_version() {
    let mut s = session();
    apply_all(&mut s, &chat_events("session_1", &[("Researcher", "web_search")], &["hi"], Some("TSLA")));
    apply(&mut s, json!({"type": "mystery"}));
    let before = versions(&s);
    s.reset();
    let state = s.state();
    assert!(
        state.messages.list.is_empty()
            && state.agents.list.is_empty()
            && state.tools.list.is_empty()
            && state.charts.list.is_empty()
    );
    assert!(state.logs.is_empty() && state.errors.is_empty() && state.result.is_none() && state.progress.is_none());
    assert_eq!((state.counts.events, state.counts.unknown), (0, 0));
    assert!(!state.running && !state.cancelled);
    assert_eq!(moved(&before, &versions(&s)), Part::ALL.to_vec());
    // User message ids keep counting, so no id is reused for a different message.
    s.add_user_message("one");
    assert_eq!(s.add_user_message("two"), "user_2");
    s.reset();
    assert_eq!(s.add_user_message("three"), "user_3");
}

#[test]
fn a_delta_moves_only_messages_logs_and_counts_and_only_its_message() {
    let mut s = session();
    apply_all(&mut s, &chat_events("session_1", &[("Researcher", "web_search")], &["done"], None));
    s.add_user_message("next");
    apply(
        &mut s,
        event("agent_step", 0, json!({"agent": "Researcher", "status": "working", "session_id": "session_2"})),
    );
    apply(&mut s, delta("msg_session_2", "Hel"));
    let before = versions(&s);
    let message_versions: Vec<u64> = s.state().messages.list.iter().map(|(_, m)| m.version).collect();
    let version = s.version();

    assert!(apply(&mut s, delta("msg_session_2", "lo")));
    assert_eq!(moved(&before, &versions(&s)), [Part::Messages, Part::Logs, Part::Counts]);
    let after: Vec<u64> = s.state().messages.list.iter().map(|(_, m)| m.version).collect();
    assert_eq!(after[..2], message_versions[..2], "the other messages keep their versions");
    assert!(after[2] > message_versions[2]);
    assert!(s.version() > version);
}

#[test]
fn each_event_moves_the_parts_it_changes() {
    let cases: Vec<(Value, Vec<Part>)> = vec![
        (
            json!({"type": "agent_step", "agent": "A", "status": "working", "session_id": "s"}),
            vec![Part::Agents, Part::Flags],
        ),
        (json!({"type": "tool_call", "agent": "A", "tool_name": "t", "session_id": "s"}), vec![Part::Tools]),
        (json!({"type": "progress", "current_turn": 1, "max_turns": 2}), vec![Part::Progress]),
        (json!({"type": "chart", "chart_id": "c", "url": "/u"}), vec![Part::Charts]),
        (json!({"type": "result", "message_id": "m", "content": "c"}), vec![Part::Messages, Part::Result, Part::Flags]),
        (json!({"type": "error", "message": "e"}), vec![Part::Errors]),
        (json!({"type": "active_sessions", "data": {"total_sessions": 0, "sessions": []}}), vec![Part::Sessions]),
        (json!({"type": "session_logs", "logs": []}), vec![Part::SessionLogs]),
        (json!({"type": "agent_collaboration", "from_agent": "A", "to_agent": "B"}), vec![Part::Collaborations]),
        (json!({"type": "boot", "run_id": "r"}), vec![Part::Run]),
        (json!({"type": "signal", "payload": {"status": "busy"}}), vec![Part::Mission]),
        (json!({"type": "mystery"}), vec![]),
    ];
    for (event, expected) in cases {
        let mut s = session();
        // A chat under way, so `result` has something to end.
        apply(&mut s, json!({"type": "agent_step", "agent": "Z", "status": "working", "session_id": "z"}));
        let before = versions(&s);
        apply(&mut s, event.clone());
        let mut expected = expected;
        if event["type"] == "agent_step" {
            expected.retain(|p| *p != Part::Flags); // already running
        }
        if event["type"] == "error" {
            expected.push(Part::Flags); // ends the chat under way
        }
        expected.extend([Part::Logs, Part::Counts]);
        let mut got = moved(&before, &versions(&s));
        got.sort_by_key(|p| *p as usize);
        expected.sort_by_key(|p| *p as usize);
        assert_eq!(got, expected, "{event}");
    }
}

#[test]
fn an_agent_status_that_repeats_itself_moves_no_agent_version() {
    let mut s = session();
    let status =
        json!({"type": "agent_status", "agent_name": "A", "status": "working", "progress": 0.5, "session_id": "s"});
    apply(&mut s, status.clone());
    let agents = s.part_version(Part::Agents);
    apply(&mut s, status);
    assert_eq!(s.part_version(Part::Agents), agents);
}

#[test]
fn versions_only_grow_and_a_call_that_changes_nothing_keeps_the_version() {
    let mut s = session();
    assert_eq!(s.version(), 0);
    apply(&mut s, delta("m", "a"));
    let v1 = s.version();
    assert!(!apply(&mut s, json!({"type": "ping"})));
    assert_eq!(s.version(), v1);
    s.reset();
    let v2 = s.version();
    assert!(v2 > v1);
    apply(&mut s, delta("m", "b"));
    assert!(s.version() > v2);
    let message = s.state().messages.list.iter().next().unwrap().1;
    assert!(message.version > v1, "an item made after a reset never shows an old version");
}
