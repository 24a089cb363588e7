//! /ws/runs/{run_id}: boot, agents, tasks, tools with progress and durations, done.

mod support;

use agentwire_session::core::run::{RunStatus, TaskStatus};
use agentwire_session::core::tools::ToolStatus;
use serde_json::{json, Value};
use support::*;

/// A run as endpoints/runs.rs plays it: one agent, one task, one tool with three progress steps.
fn run_events(run_id: &str) -> Vec<Value> {
    let r = run_id;
    vec![
        event("boot", 0, json!({"agents": 1, "message": "run started", "run_id": r})),
        event("agent_start", 1, json!({"agent_id": "agent_1", "agent_name": "Planner", "run_id": r})),
        event(
            "task_start",
            2,
            json!({"agent_id": "agent_1", "task_id": "task_1_1", "title": "Step 1 of Planner's plan", "run_id": r}),
        ),
        event(
            "tool_start",
            3,
            json!({"agent_id": "agent_1", "task_id": "task_1_1", "tool": "fetch_page", "params": {"target": "item-7", "timeout_s": 30}, "run_id": r}),
        ),
        event(
            "tool_progress",
            4,
            json!({"agent_id": "agent_1", "task_id": "task_1_1", "tool": "fetch_page", "message": "downloading 1/3", "progress": 1.0 / 3.0, "run_id": r}),
        ),
        event(
            "tool_progress",
            5,
            json!({"agent_id": "agent_1", "task_id": "task_1_1", "tool": "fetch_page", "message": "downloading 2/3", "progress": 2.0 / 3.0, "run_id": r}),
        ),
        event(
            "tool_progress",
            6,
            json!({"agent_id": "agent_1", "task_id": "task_1_1", "tool": "fetch_page", "message": "downloading 3/3", "progress": 1.0, "run_id": r}),
        ),
        event(
            "tool_end",
            7,
            json!({"agent_id": "agent_1", "task_id": "task_1_1", "tool": "fetch_page", "duration_s": 0.123, "exit_code": 0, "status": "success", "run_id": r}),
        ),
        event("task_end", 8, json!({"agent_id": "agent_1", "task_id": "task_1_1", "status": "success", "run_id": r})),
        event("agent_end", 9, json!({"agent_id": "agent_1", "status": "success", "run_id": r})),
        event("done", 10, json!({"status": "success", "tools_run": 1, "run_id": r})),
    ]
}

#[test]
fn a_run_gives_tasks_tools_with_durations_and_ends_done() {
    let mut s = session();
    let events = run_events("r1");
    apply_all(&mut s, &events[..3]);
    {
        let run = s.state().run.as_ref().unwrap();
        assert_eq!(
            (run.id.as_str(), run.status, run.agent_count, run.message.as_deref()),
            ("r1", RunStatus::Running, Some(1.0), Some("run started"))
        );
        let (_, agent) = s.state().agents.list.iter().next().unwrap();
        assert_eq!(
            (agent.name.as_str(), agent.status.as_str(), agent.session_id.as_deref()),
            ("Planner", "working", None)
        );
    }
    apply_all(&mut s, &events[3..5]);
    {
        let (_, tool) = s.state().tools.list.iter().next().unwrap();
        assert_eq!(tool.id, "Planner:fetch_page:1", "a run's agent id is shown by the name agent_start gave it");
        assert_eq!((tool.status, tool.message.as_deref()), (ToolStatus::Running, Some("downloading 1/3")));
        assert_eq!(tool.progress, Some(1.0 / 3.0));
        assert_eq!((tool.run_id.as_deref(), tool.task_id.as_deref()), (Some("r1"), Some("task_1_1")));
        assert_eq!(tool.args, Some(json!({"target": "item-7", "timeout_s": 30})));
    }
    apply_all(&mut s, &events[5..]);
    let state = s.state();
    let (_, tool) = state.tools.list.iter().next().unwrap();
    assert_eq!(
        (tool.status, tool.progress, tool.message.as_deref()),
        (ToolStatus::Done, Some(1.0), Some("downloading 3/3"))
    );
    assert_eq!((tool.started_at, tool.ended_at), (Some(at(3)), Some(at(7))));
    assert_eq!(tool.duration_ms, Some(123.0), "the server's duration_s wins over the timestamps");

    let run = state.run.as_ref().unwrap();
    assert_eq!((run.status, run.outcome.as_deref(), run.tools_run), (RunStatus::Done, Some("success"), Some(1.0)));
    assert_eq!((run.started_at, run.ended_at), (Some(at(0)), Some(at(10))));
    let tasks: Vec<_> = run
        .tasks
        .iter()
        .map(|(_, t)| (t.id.as_str(), t.agent.as_deref(), t.status, t.started_at, t.ended_at))
        .collect();
    assert_eq!(tasks, [("task_1_1", Some("Planner"), TaskStatus::Done, Some(at(2)), Some(at(8)))]);
    let (_, agent) = state.agents.list.iter().next().unwrap();
    assert_eq!(agent.status, "completed");
    assert_eq!(state.counts.events, 11);
}

#[test]
fn a_failing_tool_and_task_are_marked_failed() {
    let mut s = session();
    apply(
        &mut s,
        event(
            "tool_start",
            0,
            json!({"agent_id": "agent_1", "task_id": "t", "tool": "run_python", "params": {}, "run_id": "r"}),
        ),
    );
    apply(
        &mut s,
        event(
            "tool_end",
            40,
            json!({"agent_id": "agent_1", "task_id": "t", "tool": "run_python", "exit_code": 1, "status": "error", "run_id": "r"}),
        ),
    );
    apply(&mut s, event("task_end", 41, json!({"task_id": "t", "status": "error", "run_id": "r"})));
    let (_, tool) = s.state().tools.list.iter().next().unwrap();
    assert_eq!((tool.status, tool.duration_ms), (ToolStatus::Failed, Some(40.0)), "no duration_s: ended minus started");
    let run = s.state().run.as_ref().unwrap();
    assert_eq!(run.tasks.iter().next().unwrap().1.status, TaskStatus::Failed);
    assert_eq!(run.status, RunStatus::Running);
}

#[test]
fn two_calls_of_the_same_tool_end_in_start_order() {
    let mut s = session();
    let start = |ms| event("tool_start", ms, json!({"agent_id": "agent_1", "tool": "web_search", "run_id": "r"}));
    let end = |ms, d: f64| {
        event("tool_end", ms, json!({"agent_id": "agent_1", "tool": "web_search", "duration_s": d, "run_id": "r"}))
    };
    apply_all(&mut s, &[start(0), start(1), end(2, 0.5), end(3, 0.25)]);
    let tools: Vec<_> = s.state().tools.list.iter().map(|(_, t)| (t.id.as_str(), t.duration_ms)).collect();
    assert_eq!(tools, [("agent_1:web_search:1", Some(500.0)), ("agent_1:web_search:2", Some(250.0))]);
}

#[test]
fn an_event_of_another_run_starts_that_run() {
    let mut s = session();
    apply_all(&mut s, &run_events("r1"));
    apply(&mut s, event("task_start", 20, json!({"agent_id": "agent_1", "task_id": "task_1_1", "run_id": "r2"})));
    let run = s.state().run.as_ref().unwrap();
    assert_eq!((run.id.as_str(), run.status, run.tasks.len()), ("r2", RunStatus::Running, 1));
    let (_, task) = run.tasks.iter().next().unwrap();
    assert_eq!(task.agent.as_deref(), Some("agent_1"), "r2 never named agent_1");
}

#[test]
fn run_events_without_a_run_id_are_malformed() {
    let mut s = session();
    apply(&mut s, event("boot", 0, json!({"agents": 1})));
    assert!(s.state().run.is_none());
    assert_eq!(s.state().counts.malformed, 1);
}
