//! /ws/agent-tracking/{client_id}: session status, logs, broadcasts and the heartbeat.

use std::time::{Duration, Instant};

use agentwire_server::agent_script::Script;
use serde_json::json;

use crate::common::*;

const CLIENT: &str = "/ws/agent-tracking/client_1732000000_abc123";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_client_id_is_closed_with_1008() {
    let server = server().await;
    for bad in ["someone", "client_12_ABC", "client__x", "client_1_a-b"] {
        let mut ws = server.ws(&format!("/ws/agent-tracking/{bad}")).await;
        let (code, reason) = expect_close(&mut ws).await;
        assert_eq!(code, 1008, "{bad}");
        assert!(!reason.is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connecting_lists_the_active_sessions() {
    let server = server().await;
    let mut empty = server.ws(CLIENT).await;
    let first = next_json(&mut empty).await;
    assert_eq!(first["type"], "active_sessions");
    assert_eq!(first["data"]["total_sessions"], 0);

    // A slow simulated session stays active for a while.
    let started = server
        .control("/control/session?message=watch%20me&delay_ms=500")
        .await;
    let session_id = started["session_id"].as_str().unwrap();
    let mut ws = server.ws(CLIENT).await;
    let listed = next_json(&mut ws).await;
    assert_eq!(listed["type"], "active_sessions");
    assert_eq!(listed["data"]["total_sessions"], 1);
    let session = &listed["data"]["sessions"][0];
    assert_eq!(session["session_id"], session_id);
    assert_eq!(session["status"], "running");
    assert_eq!(session["message"], "watch me");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_state_and_logs_are_answered() {
    let server = server().await;
    let mut stream = server.ws("/ws/stream?delay_ms=0&tokens_per_sec=0").await;
    send_json(
        &mut stream,
        json!({ "type": "chat", "payload": { "message": "log this" } }),
    )
    .await;
    let events = events_until(&mut stream, "result").await;
    let session_id = events[0]["session_id"].as_str().unwrap();

    let mut ws = server.ws(CLIENT).await;
    assert_eq!(next_json(&mut ws).await["type"], "active_sessions");
    send_json(
        &mut ws,
        json!({ "type": "get_session_state", "session_id": session_id }),
    )
    .await;
    let state = next_json(&mut ws).await;
    assert_eq!(state["type"], "session_state");
    assert_eq!(state["session_id"], session_id);
    assert_eq!(state["state"]["status"], "completed");
    assert_eq!(state["state"]["progress"], 1.0);
    assert_eq!(state["state"]["source"], "chat");

    send_json(
        &mut ws,
        json!({ "type": "get_session_state", "session_id": "session_999999" }),
    )
    .await;
    let unknown = next_json(&mut ws).await;
    assert_eq!(unknown["type"], "session_state");
    assert!(unknown["state"].is_null());

    send_json(
        &mut ws,
        json!({ "type": "get_session_logs", "session_id": session_id }),
    )
    .await;
    let logs = next_json(&mut ws).await;
    assert_eq!(logs["type"], "session_logs");
    let lines = logs["logs"].as_array().unwrap();
    assert!(lines.len() >= 3);
    assert!(lines.iter().all(|l| l["session_id"] == session_id
        && l["message"].is_string()
        && l["timestamp"].is_string()));

    send_json(&mut ws, json!({ "type": "get_session_logs" })).await;
    let all = next_json(&mut ws).await;
    assert!(all["logs"].as_array().unwrap().len() >= lines.len());

    send_text(&mut ws, "garbage").await;
    assert_eq!(next_json(&mut ws).await["type"], "error");
}

/// A message whose script hands work from one agent to another.
fn message_with_handoff() -> (String, String, String) {
    (0..100)
        .map(|i| format!("Plan step {i} of the migration"))
        .find_map(|m| {
            let script = Script::for_message(&m, None);
            let mut previous = script.lead.name;
            for turn in &script.turns {
                if turn.agent.name != previous {
                    return Some((m.clone(), previous.to_string(), turn.agent.name.to_string()));
                }
                previous = turn.agent.name;
            }
            None
        })
        .expect("some script hands over")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn running_sessions_broadcast_agent_status_and_collaboration() {
    let server = server().await;
    let mut ws = server.ws(CLIENT).await;
    assert_eq!(next_json(&mut ws).await["type"], "active_sessions");
    server.wait_open("tracking", 1).await;

    let (message, from, to) = message_with_handoff();
    let mut stream = server.ws("/ws/stream?delay_ms=0&tokens_per_sec=0").await;
    send_json(
        &mut stream,
        json!({ "type": "chat", "payload": { "message": message } }),
    )
    .await;
    let session_id = events_until(&mut stream, "result").await[0]["session_id"]
        .as_str()
        .unwrap()
        .to_string();

    let mut collaborations = Vec::new();
    let mut statuses = 0;
    loop {
        let e = next_json(&mut ws).await;
        assert_eq!(e["session_id"], session_id.as_str(), "{e}");
        assert!(e["timestamp"].is_string());
        match e["type"].as_str() {
            Some("agent_status") => {
                statuses += 1;
                assert!(
                    e["agent_id"].is_string()
                        && e["agent_name"].is_string()
                        && e["message"].is_string()
                );
                let progress = e["progress"].as_f64().unwrap();
                assert!((0.0..=1.0).contains(&progress));
                if e["status"] == "completed" {
                    assert_eq!(progress, 1.0);
                    break;
                }
                assert_eq!(e["status"], "working");
            }
            Some("agent_collaboration") => {
                assert!(e["message"].is_string());
                collaborations.push((
                    e["from_agent"].as_str().unwrap().to_string(),
                    e["to_agent"].as_str().unwrap().to_string(),
                ));
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(statuses >= 3);
    assert_eq!(collaborations.first(), Some(&(from, to)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_chat_is_reported_as_cancelled() {
    let server = server().await;
    let mut ws = server.ws(CLIENT).await;
    assert_eq!(next_json(&mut ws).await["type"], "active_sessions");
    server.wait_open("tracking", 1).await;
    let mut stream = server.ws("/ws/stream?delay_ms=0&tokens_per_sec=50").await;
    send_json(
        &mut stream,
        json!({ "type": "chat", "payload": { "message": "stop me", "answer_tokens": 1000 } }),
    )
    .await;
    let session_id = next_json(&mut stream).await["session_id"]
        .as_str()
        .unwrap()
        .to_string();
    send_json(&mut stream, json!({ "type": "cancel", "payload": {} })).await;
    loop {
        let e = next_json(&mut ws).await;
        if e["type"] == "agent_status" && e["status"] == "cancelled" {
            assert_eq!(e["session_id"], session_id.as_str());
            break;
        }
    }
    send_json(
        &mut ws,
        json!({ "type": "get_session_state", "session_id": session_id }),
    )
    .await;
    assert_eq!(next_json(&mut ws).await["state"]["status"], "cancelled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_pings_a_silent_client_and_a_pong_keeps_it_open() {
    let server = server_with(|c| c.tracking_pong_timeout = Duration::from_millis(300)).await;
    let mut ws = server.ws(&format!("{CLIENT}?ping_after_ms=150")).await;
    assert_eq!(next_json(&mut ws).await["type"], "active_sessions");
    for _ in 0..3 {
        let started = Instant::now();
        let ping = next_json(&mut ws).await;
        assert_eq!(ping["type"], "ping");
        assert!(ping["timestamp"].is_string());
        assert!(
            started.elapsed() >= Duration::from_millis(100),
            "pinged only after silence"
        );
        send_json(&mut ws, json!({ "type": "pong" })).await;
    }
    // Three rounds outlived the 300 ms pong timeout: the pongs kept it open.
    send_json(&mut ws, json!({ "type": "get_session_logs" })).await;
    loop {
        match next_json(&mut ws).await["type"].as_str() {
            Some("session_logs") => break,
            Some("ping") => send_json(&mut ws, json!({ "type": "pong" })).await,
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_pong_after_a_ping_closes_with_1011() {
    let server = server_with(|c| c.tracking_pong_timeout = Duration::from_millis(200)).await;
    let mut ws = server.ws(&format!("{CLIENT}?ping_after_ms=100")).await;
    assert_eq!(next_json(&mut ws).await["type"], "active_sessions");
    let started = Instant::now();
    assert_eq!(next_json(&mut ws).await["type"], "ping");
    // Other traffic does not count as a pong.
    send_json(&mut ws, json!({ "type": "get_session_logs" })).await;
    assert_eq!(next_json(&mut ws).await["type"], "session_logs");
    let (code, reason) = expect_close(&mut ws).await;
    assert_eq!((code, reason.as_str()), (1011, "pong timeout"));
    assert!(
        started.elapsed() >= Duration::from_millis(180),
        "{:?}",
        started.elapsed()
    );
}
