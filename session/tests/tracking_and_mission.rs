//! /ws/agent-tracking (sessions, agent statuses, collaborations, logs) and /ws/mission signals.

mod support;

use serde_json::json;
use support::*;

fn session_object(id: &str, status: &str) -> serde_json::Value {
    json!({
        "session_id": id, "source": "chat", "status": status, "message": "hi", "agent": "Researcher",
        "agents_used": ["Researcher"], "current_turn": 0, "max_turns": 3, "progress": 0.0,
        "started_at": ts(0), "updated_at": ts(0),
    })
}

#[test]
fn active_sessions_lists_the_servers_objects_and_session_state_updates_them() {
    let mut s = session();
    let one = session_object("session_1", "running");
    let two = session_object("session_2", "running");
    apply(&mut s, event("active_sessions", 0, json!({"data": {"total_sessions": 2, "sessions": [one, two]}})));
    {
        let sessions = s.state().sessions.as_ref().unwrap();
        assert_eq!(sessions.total, 2.0);
        assert_eq!(sessions.items.iter().map(|i| &i.value).collect::<Vec<_>>(), [&one, &two], "kept as sent");
    }
    let done = session_object("session_1", "completed");
    apply(&mut s, event("session_state", 1, json!({"session_id": "session_1", "state": done})));
    apply(&mut s, event("session_state", 2, json!({"session_id": "session_2", "state": null})));
    apply(&mut s, event("session_state", 3, json!({"session_id": "session_9", "state": null})));
    let sessions = s.state().sessions.as_ref().unwrap();
    assert_eq!(sessions.items.iter().map(|i| &i.value).collect::<Vec<_>>(), [&done]);
    assert_eq!(sessions.total, 1.0);
    assert_eq!(s.state().logs.last().unwrap().1.summary.to_text(), "session_9 is unknown to the server");
}

#[test]
fn agent_status_broadcasts_update_the_agent_by_name() {
    let mut s = session();
    let status = |ms, progress: f64, message: &str| {
        event(
            "agent_status",
            ms,
            json!({"session_id": "session_3", "agent_id": "analyst", "agent_name": "Analyst", "status": "working", "progress": progress, "message": message}),
        )
    };
    apply(&mut s, status(0, 0.0, "Working on the request"));
    apply(&mut s, status(1, 0.5, "Calling run_python"));
    let agents: Vec<_> = s.state().agents.list.iter().map(|(_, a)| a.clone()).collect();
    assert_eq!(agents.len(), 1);
    assert_eq!(
        (
            agents[0].id.as_str(),
            agents[0].status.as_str(),
            agents[0].progress,
            agents[0].message.as_deref(),
            agents[0].session_id.as_deref()
        ),
        ("Analyst", "working", Some(0.5), Some("Calling run_python"), Some("session_3"))
    );
    assert_eq!(s.state().logs.last().unwrap().1.summary.to_text(), "Analyst: working 50% (Calling run_python)");
}

#[test]
fn collaborations_and_session_logs_are_kept() {
    let mut s = session();
    apply(
        &mut s,
        event(
            "agent_collaboration",
            5,
            json!({"session_id": "s", "from_agent": "Researcher", "to_agent": "Analyst", "message": "Handing over to Analyst for run_python"}),
        ),
    );
    let lines = json!([{"timestamp": ts(0), "session_id": "s", "agent": "Researcher", "level": "info", "message": "Started: hi"}]);
    apply(&mut s, event("session_logs", 6, json!({"session_id": "s", "logs": lines})));
    let state = s.state();
    let (_, c) = state.collaborations.iter().next().unwrap();
    assert_eq!(
        (c.from.as_str(), c.to.as_str(), c.message.as_deref(), c.at),
        ("Researcher", "Analyst", Some("Handing over to Analyst for run_python"), Some(at(5)))
    );
    let logs = state.session_logs.as_ref().unwrap();
    assert_eq!((logs.session_id.as_deref(), logs.lines.as_ref()), (Some("s"), Some(&lines)));
}

#[test]
fn mission_signals_keep_the_latest_and_an_identical_one_changes_only_the_time() {
    let mut s = session();
    let signal = |ms, seq: u64, status: &str| {
        event("signal", ms, json!({"payload": {"status": status, "crewId": "crew-alpha", "seq": seq}}))
    };
    apply(&mut s, signal(0, 0, "available"));
    apply(&mut s, signal(2000, 1, "busy"));
    let mission = s.state().mission.as_ref().unwrap();
    assert_eq!(
        (mission.status.as_str(), mission.crew_id.as_deref(), mission.seq, mission.at),
        ("busy", Some("crew-alpha"), Some(1.0), Some(at(2000)))
    );
    assert_eq!(s.state().logs.last().unwrap().1.summary.to_text(), "crew-alpha: busy");
}

#[test]
fn heartbeats_are_neither_counted_nor_logged() {
    let mut s = session();
    assert!(!apply(&mut s, json!({"type": "ping"})));
    assert!(!apply(&mut s, event("pong", 0, json!({}))));
    assert_eq!(s.state().counts.events, 0);
    assert!(s.state().logs.is_empty());
    assert_eq!(s.version(), 0);
}
