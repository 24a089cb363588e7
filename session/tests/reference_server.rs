//! The reducer fed by the real reference server (in-process, 127.0.0.1, port 0): every frame
//! of each endpoint, exactly as sent, applied in order.

mod support;

use std::time::Duration;

use agentwire_server::agent_script::Script;
use agentwire_server::endpoints::mission::signal_payload;
use agentwire_server::session_runner::{Pace, SessionRun};
use agentwire_server::{start, Config, ServerHandle};
use agentwire_session::core::messages::{MessageStatus, Role};
use agentwire_session::core::run::{RunStatus, TaskStatus};
use agentwire_session::core::tools::ToolStatus;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use support::*;
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{connect_async, MaybeTlsStream, WebSocketStream};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

const PATIENCE: Duration = Duration::from_secs(10);

async fn server() -> ServerHandle {
    let config = Config { event_delay: Duration::ZERO, tokens_per_sec: 0, quiet: true, ..Config::default() };
    start(config).await.expect("server starts on an ephemeral port")
}

fn url(server: &ServerHandle, path: &str) -> String {
    format!("ws://127.0.0.1:{}{path}", server.port())
}

async fn connect(server: &ServerHandle, path: &str) -> Ws {
    timeout(PATIENCE, connect_async(url(server, path))).await.expect("connect in time").expect("connect").0
}

/// The next text frame as JSON; `None` once the server closed.
async fn next_event(ws: &mut Ws) -> Option<Value> {
    loop {
        match timeout(PATIENCE, ws.next()).await.expect("a frame in time") {
            Some(Ok(Message::Text(text))) => return Some(serde_json::from_str(&text).expect("JSON")),
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return None,
            Some(Ok(_)) => continue,
        }
    }
}

/// Frames until (and including) the first whose `type` is `last`.
async fn events_until(ws: &mut Ws, last: &str) -> Vec<Value> {
    let mut events = Vec::new();
    while let Some(event) = next_event(ws).await {
        let done = event["type"] == last;
        events.push(event);
        if done {
            return events;
        }
    }
    panic!("the stream ended before '{last}': {:?}", events.last());
}

async fn send(ws: &mut Ws, value: Value) {
    ws.send(Message::text(value.to_string())).await.expect("send");
}

fn count(events: &[Value], kind: &str) -> usize {
    events.iter().filter(|e| e["type"] == kind).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streamed_chat_assembles_exactly_the_results_content() {
    let server = server().await;
    let mut ws = connect(&server, "/ws/stream?delay_ms=0&tokens_per_sec=0").await;
    send(
        &mut ws,
        json!({"type": "chat", "payload": {"message": "How is NVDA doing this quarter?", "answer_tokens": 2000}}),
    )
    .await;
    let events = events_until(&mut ws, "result").await;

    let mut s = session();
    s.add_user_message("How is NVDA doing this quarter?");
    assert!(apply_all(&mut s, &events));
    let state = s.state();
    let result = events.last().unwrap();
    assert_eq!(count(&events, "message_delta"), 2000);

    let messages: Vec<_> = state.messages.list.iter().map(|(_, m)| m).collect();
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0].role, Role::User);
    let answer = messages[1];
    assert_eq!(&*answer.id, result["message_id"].as_str().unwrap());
    assert_eq!(answer.content, result["content"].as_str().unwrap(), "deltas assemble the exact result content");
    assert_eq!(answer.status, MessageStatus::Complete);
    assert_eq!(answer.session_id.as_deref(), result["session_id"].as_str());
    assert!(!state.logs.iter().any(|(_, e)| e.summary.to_text().contains("differed")));

    let tool_calls = count(&events, "tool_call");
    assert_eq!(state.tools.list.len(), tool_calls);
    assert!(state
        .tools
        .list
        .iter()
        .all(|(_, t)| t.status == ToolStatus::Done && t.duration_ms.is_some_and(|d| d >= 0.0)));
    let progress = state.progress.unwrap();
    assert_eq!((progress.current, progress.max), (tool_calls as f64, tool_calls as f64));
    assert_eq!(state.charts.list.iter().next().unwrap().1.symbol.as_deref(), Some("NVDA"));
    let agents_used: Vec<&str> =
        result["agents_used"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
    assert_eq!(state.result.as_ref().unwrap().agents_used, agents_used);
    assert!(!state.running);
    assert_eq!(state.counts.events, events.len() as u64);
    assert_eq!((state.counts.unknown, state.counts.malformed), (0, 0));
    assert!(state.logs.iter().all(|(_, e)| e.at.is_some()), "every server timestamp parses");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_cancelled_mid_stream_ends_cancelled() {
    let server = server().await;
    let mut ws = connect(&server, "/ws/stream?delay_ms=0&tokens_per_sec=200").await;
    send(&mut ws, json!({"type": "chat", "payload": {"message": "Write a long essay", "answer_tokens": 100000}})).await;
    let mut events = events_until(&mut ws, "message_delta").await;
    send(&mut ws, json!({"type": "cancel", "payload": {}})).await;
    events.extend(events_until(&mut ws, "cancelled").await);

    let mut s = session();
    apply_all(&mut s, &events);
    let state = s.state();
    assert!(state.cancelled && !state.running);
    let (_, answer) = state.messages.list.iter().next().unwrap();
    assert_eq!(answer.status, MessageStatus::Cancelled);
    let streamed: String =
        events.iter().filter(|e| e["type"] == "message_delta").map(|e| e["delta"].as_str().unwrap()).collect();
    assert_eq!(answer.content, streamed);
    assert!(state.result.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_ends_done_with_every_tool_timed() {
    let server = server().await;
    let mut ws = connect(&server, "/ws/runs/r1?delay_ms=0").await;
    let mut events = Vec::new();
    while let Some(event) = next_event(&mut ws).await {
        events.push(event);
    }
    assert_eq!(events.last().unwrap()["type"], "done");

    let mut s = session();
    apply_all(&mut s, &events);
    let state = s.state();
    let run = state.run.as_ref().unwrap();
    assert_eq!((run.id.as_str(), run.status, run.outcome.as_deref()), ("r1", RunStatus::Done, Some("success")));
    assert_eq!(run.tasks.len(), count(&events, "task_start"));
    assert!(run.tasks.iter().all(|(_, t)| t.status == TaskStatus::Done && t.agent.is_some()));
    assert_eq!(run.tools_run, Some(state.tools.list.len() as f64));
    let ends: Vec<f64> =
        events.iter().filter(|e| e["type"] == "tool_end").map(|e| e["duration_s"].as_f64().unwrap() * 1000.0).collect();
    let durations: Vec<f64> = state.tools.list.iter().map(|(_, t)| t.duration_ms.unwrap()).collect();
    assert_eq!(durations, ends);
    assert!(state
        .tools
        .list
        .iter()
        .all(|(_, t)| t.status == ToolStatus::Done && t.progress == Some(1.0) && t.run_id.as_deref() == Some("r1")));
    let agent_names: Vec<&str> =
        events.iter().filter(|e| e["type"] == "agent_start").map(|e| e["agent_name"].as_str().unwrap()).collect();
    let agents: Vec<(&str, &str)> =
        state.agents.list.iter().map(|(_, a)| (a.name.as_str(), a.status.as_str())).collect();
    assert_eq!(agents, agent_names.iter().map(|n| (*n, "completed")).collect::<Vec<_>>());
    assert_eq!((state.counts.events, state.counts.malformed, state.counts.unknown), (events.len() as u64, 0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mission_signals_show_the_latest_status() {
    let server = server().await;
    let mut request = url(&server, "/ws/mission?interval_ms=20").into_client_request().unwrap();
    request.headers_mut().insert("Sec-WebSocket-Protocol", HeaderValue::from_static("token, demo-token"));
    let (mut ws, _) = timeout(PATIENCE, connect_async(request)).await.unwrap().expect("handshake");
    let mut s = session();
    for _ in 0..3 {
        let signal = next_event(&mut ws).await.expect("a signal");
        apply(&mut s, signal);
    }
    let mission = s.state().mission.as_ref().unwrap();
    let expected = signal_payload(2);
    assert_eq!(mission.status, expected["status"].as_str().unwrap());
    assert_eq!(mission.crew_id.as_deref(), expected["crewId"].as_str());
    assert_eq!(mission.seq, Some(2.0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tracking_reports_sessions_agents_collaborations_and_logs() {
    let server = server().await;
    let mut ws = connect(&server, "/ws/agent-tracking/client_1_abc").await;
    let mut events = vec![next_event(&mut ws).await.unwrap()];
    assert_eq!(events[0]["type"], "active_sessions");

    // What POST /control/session does, without an HTTP client.
    let message = "Compare the three options and plan the next step";
    let script = Script::for_message(message, None);
    let lead = script.lead.name;
    let run =
        SessionRun::begin(server.app(), message, script, Pace { event_delay: Duration::ZERO, tokens_per_sec: 0 }, None).await;
    let session_id = run.session_id().to_string();
    tokio::spawn(run.run());
    loop {
        let event = next_event(&mut ws).await.unwrap();
        let last = event["type"] == "agent_status" && event["status"] == "completed";
        events.push(event);
        if last {
            break;
        }
    }
    send(&mut ws, json!({"type": "get_session_state", "session_id": session_id})).await;
    events.push(next_event(&mut ws).await.unwrap());
    send(&mut ws, json!({"type": "get_session_logs", "session_id": session_id})).await;
    events.push(next_event(&mut ws).await.unwrap());

    let mut s = session();
    apply_all(&mut s, &events);
    let state = s.state();
    let agent = state.agents.list.iter().map(|(_, a)| a).find(|a| a.name == lead).expect("the lead agent");
    assert_eq!(
        (agent.status.as_str(), agent.progress, agent.session_id.as_deref()),
        ("completed", Some(1.0), Some(session_id.as_str()))
    );
    assert_eq!(state.collaborations.len(), count(&events, "agent_collaboration"));
    let sessions = state.sessions.as_ref().unwrap();
    let item = sessions
        .items
        .iter()
        .find(|i| i.session_id.as_deref() == Some(session_id.as_str()))
        .expect("session_state added it");
    assert_eq!(item.value["status"], "completed");
    let logs = state.session_logs.as_ref().unwrap();
    assert!(logs.lines.as_ref().unwrap().as_array().unwrap().len() >= 2);
    assert_eq!((state.counts.malformed, state.counts.unknown), (0, 0));
}
