//! /ws/stream: a chat's events folded into messages, agents, tools, progress, charts, result.

mod support;

use agentwire_session::core::messages::{MessageStatus, Role};
use agentwire_session::core::tools::ToolStatus;
use serde_json::json;
use support::*;

#[test]
fn a_whole_chat_assembles_the_answer_and_completes_it() {
    let mut s = session();
    let events = chat_events(
        "session_1",
        &[("Researcher", "web_search"), ("Analyst", "run_python")],
        &["The ", "answer ", "is 42."],
        Some("NVDA"),
    );
    assert!(apply_all(&mut s, &events));
    let state = s.state();

    let messages: Vec<_> = state.messages.list.iter().map(|(_, m)| m).collect();
    assert_eq!(messages.len(), 1);
    assert_eq!(&*messages[0].id, "msg_session_1");
    assert_eq!(messages[0].role, Role::Assistant);
    assert_eq!(messages[0].content, "The answer is 42.");
    assert_eq!(messages[0].status, MessageStatus::Complete);
    assert_eq!(messages[0].session_id.as_deref(), Some("session_1"));

    let result = state.result.as_ref().expect("result");
    assert_eq!(result.content, "The answer is 42.");
    assert_eq!(result.agents_used, ["Researcher", "Analyst"]);
    assert_eq!(result.message_id, "msg_session_1");
    assert!(!state.running, "a result ends the chat");
    assert!(!state.cancelled);

    let progress = state.progress.expect("progress");
    assert_eq!((progress.current, progress.max), (2.0, 2.0));

    let agent = state.agents.list.iter().map(|(_, a)| a).next().unwrap();
    assert_eq!(
        (agent.name.as_str(), agent.emoji.as_deref(), agent.status.as_str()),
        ("Researcher", Some("🔎"), "completed")
    );

    let chart = state.charts.list.iter().map(|(_, c)| c).next().unwrap();
    assert_eq!(
        (chart.id.as_str(), chart.url.as_str(), chart.symbol.as_deref()),
        ("chart_NVDA_0000abcd", "/charts/NVDA.svg", Some("NVDA"))
    );

    assert_eq!(state.counts.events, events.len() as u64);
    assert_eq!((state.counts.unknown, state.counts.malformed), (0, 0));
    assert!(state.logs.iter().all(|(_, entry)| entry.known && entry.event.is_none()));
}

#[test]
fn tool_calls_end_with_their_results_and_durations_from_the_timestamps() {
    let mut s = session();
    apply(
        &mut s,
        event(
            "tool_call",
            100,
            json!({"agent": "Researcher", "tool_name": "web_search", "args": {"query": "rust"}, "session_id": "s"}),
        ),
    );
    {
        let (_, tool) = s.state().tools.list.iter().next().unwrap();
        assert_eq!(tool.id, "Researcher:web_search:1");
        assert_eq!(tool.status, ToolStatus::Running);
        assert_eq!(tool.args, Some(json!({"query": "rust"})), "args kept as the value sent");
        assert_eq!((tool.started_at, tool.ended_at, tool.duration_ms), (Some(at(100)), None, None));
    }
    apply(
        &mut s,
        event(
            "tool_result",
            350,
            json!({"agent": "Researcher", "tool_name": "web_search", "result": "7 results", "session_id": "s"}),
        ),
    );
    let (_, tool) = s.state().tools.list.iter().next().unwrap();
    assert_eq!(tool.status, ToolStatus::Done);
    assert_eq!(tool.result, Some(json!("7 results")));
    assert_eq!((tool.ended_at, tool.duration_ms), (Some(at(350)), Some(250.0)));
}

#[test]
fn a_result_whose_content_differs_from_the_deltas_wins_and_the_mismatch_is_logged() {
    let mut s = session();
    apply(&mut s, event("message_delta", 1, json!({"message_id": "m1", "delta": "Hello wor", "session_id": "s"})));
    apply(
        &mut s,
        event(
            "result",
            2,
            json!({"message_id": "m1", "content": "Hello world", "agents_used": ["Writer"], "session_id": "s"}),
        ),
    );
    let (_, message) = s.state().messages.list.iter().next().unwrap();
    assert_eq!((message.content.as_str(), message.status), ("Hello world", MessageStatus::Complete));
    let (_, entry) = s.state().logs.last().unwrap();
    let summary = entry.summary.to_text();
    assert!(summary.contains("differed"), "{summary}");
    assert!(entry.known);
}

#[test]
fn a_result_without_deltas_creates_the_complete_message() {
    let mut s = session();
    apply(&mut s, event("result", 1, json!({"message_id": "m9", "content": "", "agents_used": [], "session_id": "s"})));
    let (_, message) = s.state().messages.list.iter().next().unwrap();
    assert_eq!((&*message.id, message.content.as_str(), message.status), ("m9", "", MessageStatus::Complete));
}

#[test]
fn cancel_mid_stream_marks_the_message_tools_and_agents_and_ends_running() {
    let mut s = session();
    apply(
        &mut s,
        event(
            "agent_step",
            0,
            json!({"agent": "Coder", "emoji": "💻", "status": "working", "session_id": "session_7"}),
        ),
    );
    apply(
        &mut s,
        event(
            "tool_call",
            10,
            json!({"agent": "Coder", "tool_name": "run_python", "args": {}, "session_id": "session_7"}),
        ),
    );
    apply(
        &mut s,
        event(
            "message_delta",
            20,
            json!({"message_id": "msg_session_7", "delta": "Partial", "session_id": "session_7"}),
        ),
    );
    assert!(s.state().running);
    apply(&mut s, event("cancelled", 30, json!({"success": true, "session_id": "session_7"})));
    let state = s.state();
    assert!(!state.running);
    assert!(state.cancelled);
    let (_, message) = state.messages.list.iter().next().unwrap();
    assert_eq!((message.content.as_str(), message.status), ("Partial", MessageStatus::Cancelled));
    let (_, tool) = state.tools.list.iter().next().unwrap();
    assert_eq!(
        (tool.status, tool.message.as_deref(), tool.duration_ms),
        (ToolStatus::Failed, Some("cancelled"), Some(20.0))
    );
    let (_, agent) = state.agents.list.iter().next().unwrap();
    assert_eq!(agent.status, "cancelled");

    // The next chat starts afresh.
    apply(
        &mut s,
        event(
            "agent_step",
            40,
            json!({"agent": "Coder", "emoji": "💻", "status": "working", "session_id": "session_8"}),
        ),
    );
    assert!(s.state().running);
    assert!(!s.state().cancelled);
}

#[test]
fn a_tool_result_after_a_cancel_does_not_resurrect_the_cancelled_call() {
    let mut s = session();
    apply(&mut s, event("tool_call", 0, json!({"agent": "A", "tool_name": "t", "session_id": "s1"})));
    apply(&mut s, event("cancelled", 5, json!({"success": true, "session_id": "s1"})));
    apply(&mut s, event("tool_call", 10, json!({"agent": "A", "tool_name": "t", "session_id": "s2"})));
    apply(&mut s, event("tool_result", 30, json!({"agent": "A", "tool_name": "t", "result": 1, "session_id": "s2"})));
    let tools: Vec<_> = s.state().tools.list.iter().map(|(_, t)| (t.id.as_str(), t.status, t.duration_ms)).collect();
    assert_eq!(tools, [("A:t:1", ToolStatus::Failed, Some(5.0)), ("A:t:2", ToolStatus::Done, Some(20.0))]);
}

#[test]
fn a_cancel_without_a_session_id_stops_chats_but_not_runs() {
    let mut s = session();
    apply(&mut s, event("agent_start", 0, json!({"agent_id": "agent_1", "agent_name": "Planner", "run_id": "r"})));
    apply(&mut s, event("tool_start", 1, json!({"agent_id": "agent_1", "tool": "web_search", "run_id": "r"})));
    apply(&mut s, event("agent_step", 2, json!({"agent": "Writer", "status": "working", "session_id": "s1"})));
    apply(&mut s, event("tool_call", 3, json!({"agent": "Writer", "tool_name": "fetch_page", "session_id": "s1"})));
    apply(&mut s, event("cancelled", 4, json!({"success": true})));
    let agents: Vec<_> = s.state().agents.list.iter().map(|(_, a)| (a.name.as_str(), a.status.as_str())).collect();
    assert_eq!(agents, [("Planner", "working"), ("Writer", "cancelled")]);
    let tools: Vec<_> = s.state().tools.list.iter().map(|(_, t)| (t.id.as_str(), t.status)).collect();
    assert_eq!(tools, [("Planner:web_search:1", ToolStatus::Running), ("Writer:fetch_page:2", ToolStatus::Failed)]);
    assert!(s.state().cancelled && !s.state().running);
}

#[test]
fn a_superseded_chat_is_cancelled_without_stopping_the_new_one() {
    let mut s = session();
    apply(&mut s, event("agent_step", 0, json!({"agent": "Writer", "status": "working", "session_id": "old"})));
    apply(&mut s, event("message_delta", 1, json!({"message_id": "msg_old", "delta": "a", "session_id": "old"})));
    apply(&mut s, event("cancelled", 2, json!({"success": true, "session_id": "old", "reason": "superseded"})));
    let state = s.state();
    assert!(state.running, "the newer chat is already under way");
    assert!(!state.cancelled);
    assert_eq!(state.messages.list.iter().next().unwrap().1.status, MessageStatus::Cancelled);
}

#[test]
fn a_cancel_with_nothing_to_cancel_changes_only_counts_and_log() {
    let mut s = session();
    apply(&mut s, event("agent_step", 0, json!({"agent": "Writer", "status": "working", "session_id": "x"})));
    apply(&mut s, event("cancelled", 1, json!({"success": false})));
    assert!(s.state().running);
    assert!(!s.state().cancelled);
    assert_eq!(s.state().logs.last().unwrap().1.summary.to_text(), "nothing to cancel");
}

#[test]
fn an_error_is_recorded_with_its_time_and_ends_running() {
    let mut s = session();
    apply(&mut s, event("agent_step", 0, json!({"agent": "Writer", "status": "working", "session_id": "x"})));
    apply(&mut s, event("error", 5, json!({"message": "Empty message"})));
    let state = s.state();
    assert!(!state.running);
    let errors: Vec<_> = state.errors.iter().map(|(_, e)| (e.message.as_str(), e.at)).collect();
    assert_eq!(errors, [("Empty message", Some(at(5)))]);
}

#[test]
fn deltas_of_a_new_chat_start_a_new_message_and_progress_starts_over() {
    let mut s = session();
    apply_all(&mut s, &chat_events("session_1", &[("Researcher", "web_search")], &["one"], None));
    let id = s.add_user_message("and again?");
    assert_eq!(id, "user_1");
    apply(
        &mut s,
        event("agent_step", 0, json!({"agent": "Researcher", "status": "working", "session_id": "session_2"})),
    );
    assert_eq!(s.state().progress, None, "a new chat has no progress yet");
    apply_all(&mut s, &chat_events("session_2", &[("Researcher", "web_search")], &["two"], None));
    let messages: Vec<_> = s.state().messages.list.iter().map(|(_, m)| (&*m.id, m.role, m.content.as_str())).collect();
    assert_eq!(
        messages,
        [
            ("msg_session_1", Role::Assistant, "one"),
            ("user_1", Role::User, "and again?"),
            ("msg_session_2", Role::Assistant, "two")
        ]
    );
}

#[test]
fn the_same_chart_twice_is_one_entry() {
    let mut s = session();
    apply_all(&mut s, &chat_events("session_1", &[], &["x"], Some("AAPL")));
    let before = s.part_version(agentwire_session::core::Part::Charts);
    apply_all(&mut s, &chat_events("session_1", &[], &["x"], Some("AAPL")));
    assert_eq!(s.state().charts.list.len(), 1);
    assert_eq!(s.part_version(agentwire_session::core::Part::Charts), before, "an identical chart changes nothing");
}
