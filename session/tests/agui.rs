//! AG-UI (`@ag-ui/core` 1.0) events, with their camelCase fields, folded into the same state as
//! the seed protocols: messages, tools, run and steps, the shared state, activities, the log.

mod support;

use std::rc::Rc;

use agentwire_session::core::json::Json as Tree;
use agentwire_session::core::log::LogType;
use agentwire_session::core::messages::{MessageStatus, Role};
use agentwire_session::core::run::{RunStatus, TaskStatus};
use agentwire_session::core::tools::ToolStatus;
use agentwire_session::core::Part;
use serde_json::{json, Value};
use support::*;

fn agui(kind: &str, fields: Value) -> Value {
    let mut event = json!({ "type": kind });
    if let (Some(out), Value::Object(fields)) = (event.as_object_mut(), fields) {
        out.extend(fields);
    }
    event
}

fn messages(s: &TestSession) -> Vec<(String, Role, String, MessageStatus)> {
    s.state().messages.list.iter().map(|(_, m)| (m.id.to_string(), m.role, m.content.clone(), m.status)).collect()
}

fn errors(s: &TestSession) -> Vec<String> {
    s.state().errors.iter().map(|(_, e)| e.message.clone()).collect()
}

fn state_of(s: &TestSession) -> Option<Tree> {
    s.state().agent_state.clone()
}

#[test]
fn text_messages_stream_with_their_roles_and_end_complete() {
    let mut s = session();
    apply(&mut s, agui("TEXT_MESSAGE_START", json!({"messageId": "m1", "role": "assistant"})));
    apply(&mut s, agui("TEXT_MESSAGE_CONTENT", json!({"messageId": "m1", "delta": "Hel"})));
    apply(&mut s, agui("TEXT_MESSAGE_CONTENT", json!({"messageId": "m1", "delta": "lo"})));
    assert_eq!(messages(&s), [("m1".into(), Role::Assistant, "Hello".into(), MessageStatus::Streaming)]);
    apply(&mut s, agui("TEXT_MESSAGE_END", json!({"messageId": "m1"})));
    apply(&mut s, agui("TEXT_MESSAGE_START", json!({"messageId": "m2", "role": "system"})));
    apply(&mut s, agui("TEXT_MESSAGE_CONTENT", json!({"messageId": "m2", "delta": "Be brief."})));
    apply(&mut s, agui("TEXT_MESSAGE_END", json!({"messageId": "m2"})));
    assert_eq!(
        messages(&s),
        [
            ("m1".into(), Role::Assistant, "Hello".into(), MessageStatus::Complete),
            ("m2".into(), Role::System, "Be brief.".into(), MessageStatus::Complete),
        ]
    );
    assert_eq!((s.state().counts.events, s.state().counts.malformed), (7, 0));
}

#[test]
fn chunks_start_a_message_continue_without_an_id_and_complete_at_the_run_end() {
    let mut s = session();
    apply(&mut s, agui("RUN_STARTED", json!({"threadId": "t", "runId": "r"})));
    apply(&mut s, agui("TEXT_MESSAGE_CHUNK", json!({"messageId": "c1", "role": "user", "delta": "Hi "})));
    apply(&mut s, agui("TEXT_MESSAGE_CHUNK", json!({"delta": "there"})));
    assert_eq!(messages(&s), [("c1".into(), Role::User, "Hi there".into(), MessageStatus::Streaming)]);
    apply(&mut s, agui("RUN_FINISHED", json!({"threadId": "t", "runId": "r"})));
    assert_eq!(messages(&s)[0].3, MessageStatus::Complete);
}

#[test]
fn reasoning_messages_are_messages_with_the_reasoning_role() {
    let mut s = session();
    apply(&mut s, agui("REASONING_START", json!({"messageId": "r0"})));
    apply(&mut s, agui("REASONING_MESSAGE_START", json!({"messageId": "r1", "role": "reasoning"})));
    apply(&mut s, agui("REASONING_MESSAGE_CONTENT", json!({"messageId": "r1", "delta": "thinking"})));
    apply(&mut s, agui("REASONING_MESSAGE_END", json!({"messageId": "r1"})));
    apply(&mut s, agui("REASONING_END", json!({"messageId": "r0"})));
    assert_eq!(messages(&s), [("r1".into(), Role::Reasoning, "thinking".into(), MessageStatus::Complete)]);
}

#[test]
fn tool_call_args_are_assembled_from_deltas_parsed_at_the_end_and_the_result_attached() {
    let mut s = session();
    apply(&mut s, agui("RUN_STARTED", json!({"threadId": "t", "runId": "r"})));
    apply(
        &mut s,
        agui(
            "TOOL_CALL_START",
            json!({"toolCallId": "call_1", "toolCallName": "get_weather", "parentMessageId": "m1", "timestamp": 1000}),
        ),
    );
    for delta in [r#"{"city":"#, r#" "Par"#, r#"is", "days": [1, 2]}"#] {
        apply(&mut s, agui("TOOL_CALL_ARGS", json!({"toolCallId": "call_1", "delta": delta})));
    }
    {
        let (_, tool) = s.state().tools.list.iter().next().unwrap();
        assert_eq!((tool.id.as_str(), tool.name.as_str()), ("call_1", "get_weather"));
        assert_eq!(tool.parent_message_id.as_deref(), Some("m1"));
        assert_eq!(tool.args_text, r#"{"city": "Paris", "days": [1, 2]}"#);
        assert_eq!(tool.parsed_args, None, "not parsed before TOOL_CALL_END");
        assert_eq!(tool.run_id.as_deref(), Some("r"));
    }
    apply(&mut s, agui("TOOL_CALL_END", json!({"toolCallId": "call_1"})));
    assert_eq!(
        s.state().tools.list.iter().next().unwrap().1.parsed_args,
        Some(tree(&json!({"city": "Paris", "days": [1, 2]})))
    );
    apply(
        &mut s,
        agui(
            "TOOL_CALL_RESULT",
            json!({"toolCallId": "call_1", "messageId": "tm1", "content": "18°C", "role": "tool", "timestamp": 1250}),
        ),
    );
    let (_, tool) = s.state().tools.list.iter().next().unwrap();
    assert_eq!(tool.status, ToolStatus::Done);
    assert_eq!(tool.result, Some(json!("18°C")));
    assert_eq!(tool.duration_ms, Some(250.0));
    assert_eq!(messages(&s), [("tm1".into(), Role::Tool, "18°C".into(), MessageStatus::Complete)]);
    assert!(errors(&s).is_empty());
}

#[test]
fn arguments_that_are_not_json_are_reported_in_errors_and_kept_as_text() {
    let mut s = session();
    apply(&mut s, agui("TOOL_CALL_START", json!({"toolCallId": "c", "toolCallName": "search"})));
    apply(&mut s, agui("TOOL_CALL_ARGS", json!({"toolCallId": "c", "delta": r#"{"q": "ru"#})));
    apply(&mut s, agui("TOOL_CALL_END", json!({"toolCallId": "c"})));
    assert_eq!(errors(&s), ["tool call c: the arguments are not JSON: unterminated string at byte 9"]);
    let (_, tool) = s.state().tools.list.iter().next().unwrap();
    assert_eq!((tool.parsed_args.clone(), tool.args_text.as_str()), (None, r#"{"q": "ru"#));
}

#[test]
fn tool_call_chunks_name_a_call_once_and_end_with_the_run() {
    let mut s = session();
    apply(&mut s, agui("RUN_STARTED", json!({"threadId": "t", "runId": "r"})));
    apply(&mut s, agui("TOOL_CALL_CHUNK", json!({"toolCallId": "k", "toolCallName": "calc", "delta": "{\"x\""})));
    apply(&mut s, agui("TOOL_CALL_CHUNK", json!({"delta": ": 1}"})));
    apply(&mut s, agui("RUN_FINISHED", json!({"threadId": "t", "runId": "r"})));
    let (_, tool) = s.state().tools.list.iter().next().unwrap();
    assert_eq!((tool.id.as_str(), tool.name.as_str()), ("k", "calc"));
    assert_eq!(tool.parsed_args, Some(tree(&json!({"x": 1}))));
    assert_eq!(tool.status, ToolStatus::Done, "the run's end ends a call that got no result");
}

#[test]
fn a_run_keeps_its_thread_id_steps_outcome_and_result() {
    let mut s = session();
    apply(&mut s, agui("RUN_STARTED", json!({"threadId": "thread_1", "runId": "run_1", "timestamp": 10})));
    assert!(s.state().running);
    apply(&mut s, agui("STEP_STARTED", json!({"stepName": "plan", "timestamp": 20})));
    apply(&mut s, agui("STEP_FINISHED", json!({"stepName": "plan", "timestamp": 30})));
    apply(&mut s, agui("STEP_STARTED", json!({"stepName": "act", "timestamp": 40})));
    apply(
        &mut s,
        agui(
            "RUN_FINISHED",
            json!({"threadId": "thread_1", "runId": "run_1", "result": {"ok": true}, "outcome": {"type": "success"}, "timestamp": 50}),
        ),
    );
    let run = s.state().run.as_ref().unwrap();
    assert_eq!((run.id.as_str(), run.thread_id.as_deref()), ("run_1", Some("thread_1")));
    assert_eq!((run.status, run.outcome.as_deref()), (RunStatus::Done, Some("success")));
    assert_eq!(run.result, Some(tree(&json!({"ok": true}))));
    assert_eq!((run.started_at, run.ended_at), (Some(10.0), Some(50.0)));
    let steps: Vec<_> = run.steps.list.iter().map(|(_, t)| (t.id.as_str(), t.status, t.ended_at)).collect();
    assert_eq!(steps, [("plan", TaskStatus::Done, Some(30.0)), ("act", TaskStatus::Done, Some(50.0))]);
    assert!(!s.state().running);
}

#[test]
fn a_run_error_is_the_runs_outcome_and_an_entry_in_errors() {
    let mut s = session();
    apply(&mut s, agui("RUN_STARTED", json!({"threadId": "t", "runId": "r"})));
    apply(&mut s, agui("TEXT_MESSAGE_START", json!({"messageId": "m"})));
    apply(&mut s, agui("RUN_ERROR", json!({"message": "model overloaded", "code": "529"})));
    let run = s.state().run.as_ref().unwrap();
    assert_eq!(
        (run.status, run.error.as_deref(), run.error_code.as_deref()),
        (RunStatus::Error, Some("model overloaded"), Some("529"))
    );
    assert_eq!(errors(&s), ["model overloaded"]);
    assert_eq!(messages(&s)[0].3, MessageStatus::Cancelled);
    assert!(!s.state().running);
}

#[test]
fn state_deltas_patch_the_snapshot_and_keep_unchanged_subtrees() {
    let mut s = session();
    apply(&mut s, agui("STATE_SNAPSHOT", json!({"snapshot": {"plan": {"steps": ["a", "b"]}, "progress": 0}})));
    let before = state_of(&s).unwrap();
    let version = s.part_version(Part::AgentState);
    apply(
        &mut s,
        agui(
            "STATE_DELTA",
            json!({"delta": [{"op": "replace", "path": "/progress", "value": 0.5}, {"op": "add", "path": "/done", "value": null}]}),
        ),
    );
    let after = state_of(&s).unwrap();
    // In insertion order, as JS keeps an object's keys (serde_json's `json!` sorts them).
    let expected =
        agentwire_session::core::json::parse(r#"{"plan": {"steps": ["a", "b"]}, "progress": 0.5, "done": null}"#);
    assert_eq!(Ok(after.clone()), expected);
    assert!(s.part_version(Part::AgentState) > version);
    let (Some(Tree::Object(plan_before)), Some(Tree::Object(plan_after))) = (before.get("plan"), after.get("plan"))
    else {
        panic!("plan")
    };
    assert!(Rc::ptr_eq(plan_before, plan_after), "the unchanged 'plan' is the same node");
}

#[test]
fn a_patch_that_does_not_apply_is_reported_and_leaves_the_state_as_it_was() {
    let mut s = session();
    apply(&mut s, agui("STATE_SNAPSHOT", json!({"snapshot": {"count": 1}})));
    let version = s.part_version(Part::AgentState);
    apply(
        &mut s,
        agui(
            "STATE_DELTA",
            json!({"delta": [{"op": "replace", "path": "/count", "value": 2}, {"op": "remove", "path": "/nope"}]}),
        ),
    );
    assert_eq!(state_of(&s), Some(tree(&json!({"count": 1}))));
    assert_eq!(s.part_version(Part::AgentState), version);
    assert_eq!(errors(&s), ["STATE_DELTA did not apply, state unchanged: operation 1 (remove /nope): path not found"]);
    apply(&mut s, agui("STATE_DELTA", json!({"delta": "not a patch"})));
    assert_eq!(s.state().counts.malformed, 1, "a delta that is not an array is a malformed event");
}

#[test]
fn a_snapshot_repeating_the_state_keeps_what_it_repeats_and_a_delta_without_a_snapshot_starts_from_an_object() {
    let mut s = session();
    apply(&mut s, agui("STATE_DELTA", json!({"delta": [{"op": "add", "path": "/a", "value": {"x": 1}}]})));
    assert_eq!(state_of(&s), Some(tree(&json!({"a": {"x": 1}}))));
    let version = s.part_version(Part::AgentState);
    apply(&mut s, agui("STATE_SNAPSHOT", json!({"snapshot": {"a": {"x": 1}}})));
    assert_eq!(s.part_version(Part::AgentState), version, "an identical snapshot changes nothing");
}

#[test]
fn a_messages_snapshot_replaces_the_messages_and_brings_its_tool_calls() {
    let mut s = session();
    apply(&mut s, agui("TEXT_MESSAGE_CHUNK", json!({"messageId": "old", "delta": "gone"})));
    apply(
        &mut s,
        agui(
            "MESSAGES_SNAPSHOT",
            json!({"messages": [
                {"id": "u1", "role": "user", "content": [{"type": "text", "text": "What's "}, {"type": "text", "text": "up?"}]},
                {"id": "a1", "role": "assistant", "toolCalls": [{"id": "tc", "type": "function", "function": {"name": "look", "arguments": "{\"at\": 1}"}}]},
                {"id": "t1", "role": "tool", "content": "seen", "toolCallId": "tc"},
            ]}),
        ),
    );
    assert_eq!(
        messages(&s),
        [
            ("u1".into(), Role::User, "What's up?".into(), MessageStatus::Complete),
            ("a1".into(), Role::Assistant, "".into(), MessageStatus::Complete),
            ("t1".into(), Role::Tool, "seen".into(), MessageStatus::Complete),
        ]
    );
    let (_, tool) = s.state().tools.list.iter().next().unwrap();
    assert_eq!((tool.id.as_str(), tool.name.as_str()), ("tc", "look"));
    assert_eq!(tool.parsed_args, Some(tree(&json!({"at": 1}))));
}

#[test]
fn activities_are_kept_by_message_id_and_patched() {
    let mut s = session();
    apply(
        &mut s,
        agui("ACTIVITY_SNAPSHOT", json!({"messageId": "p", "activityType": "PLAN", "content": {"steps": []}})),
    );
    apply(
        &mut s,
        agui(
            "ACTIVITY_DELTA",
            json!({"messageId": "p", "activityType": "PLAN", "patch": [{"op": "add", "path": "/steps/-", "value": "search"}]}),
        ),
    );
    apply(
        &mut s,
        agui("ACTIVITY_SNAPSHOT", json!({"messageId": "p", "activityType": "PLAN", "content": {}, "replace": false})),
    );
    let (_, activity) = s.state().activities.list.iter().next().unwrap();
    assert_eq!((activity.message_id.as_str(), activity.activity_type.as_str()), ("p", "PLAN"));
    assert_eq!(activity.content, tree(&json!({"steps": ["search"]})), "replace: false keeps the existing one");
}

#[test]
fn raw_and_custom_events_go_to_the_log_with_the_event() {
    let mut s = session();
    let custom = agui("CUSTOM", json!({"name": "confetti", "value": {"n": 3}}));
    let raw = agui("RAW", json!({"event": {"provider": "x"}, "source": "openai"}));
    apply(&mut s, custom.clone());
    apply(&mut s, raw.clone());
    let logs: Vec<_> =
        s.state().logs.iter().map(|(_, e)| (e.kind.clone(), e.summary.to_text(), e.event.clone(), e.known)).collect();
    assert_eq!(
        logs,
        [
            (LogType::Known(agentwire_session::core::Kind::Custom), "CUSTOM confetti".into(), Some(custom), true),
            (LogType::Known(agentwire_session::core::Kind::Raw), "RAW openai".into(), Some(raw), true),
        ]
    );
    apply(&mut s, agui("RAW", json!({"source": "openai"})));
    assert_eq!(s.state().counts.malformed, 1, "RAW needs its event");
}

#[test]
fn a_text_event_missing_its_camel_case_id_is_malformed_and_changes_no_message() {
    let mut s = session();
    apply(&mut s, agui("TEXT_MESSAGE_CONTENT", json!({"message_id": "m", "delta": "x"})));
    assert_eq!(s.state().counts.malformed, 1);
    assert!(messages(&s).is_empty());
    let (_, entry) = s.state().logs.iter().next().unwrap();
    assert_eq!(entry.summary.to_text(), "malformed 'TEXT_MESSAGE_CONTENT': 'messageId' is missing");
}
