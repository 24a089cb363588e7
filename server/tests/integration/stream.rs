//! /ws/stream: the chat protocol.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::common::*;

fn chat(message: &str) -> Value {
    json!({ "type": "chat", "payload": { "message": message } })
}

/// Events with what legitimately differs between two runs removed.
fn comparable(events: &[Value]) -> Vec<Value> {
    events
        .iter()
        .map(|e| {
            let mut e = e.clone();
            if let Value::Object(map) = &mut e {
                map.remove("timestamp");
                map.remove("session_id");
                map.remove("message_id");
            }
            e
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_streams_agent_step_tools_progress_deltas_then_completion_and_result() {
    let server = server().await;
    let mut ws = server.ws("/ws/stream?delay_ms=0&tokens_per_sec=0").await;
    send_json(&mut ws, chat("Summarise the state of WebSocket transports")).await;
    let events = events_until(&mut ws, "result").await;
    let kinds = types(&events);

    assert_eq!(kinds[0], "agent_step");
    assert_eq!(events[0]["status"], "working");
    assert!(events[0]["agent"].is_string() && events[0]["emoji"].is_string());

    // Turns: tool_call, tool_result, progress — repeated, with progress counting up.
    let deltas_at = kinds
        .iter()
        .position(|k| *k == "message_delta")
        .expect("deltas");
    let turns = &kinds[1..deltas_at];
    assert!(
        !turns.is_empty() && turns.len().is_multiple_of(3),
        "{kinds:?}"
    );
    for (i, turn) in turns.chunks(3).enumerate() {
        assert_eq!(turn, ["tool_call", "tool_result", "progress"], "{kinds:?}");
        let progress = &events[1 + i * 3 + 2];
        assert_eq!(progress["current_turn"], i as u64 + 1);
        assert_eq!(progress["max_turns"], (turns.len() / 3) as u64);
        let call = &events[1 + i * 3];
        assert!(
            call["agent"].is_string() && call["tool_name"].is_string() && call["args"].is_object()
        );
        let result = &events[1 + i * 3 + 1];
        assert_eq!(result["tool_name"], call["tool_name"]);
    }

    let n = kinds.len();
    assert_eq!(kinds[n - 2], "agent_step");
    assert_eq!(events[n - 2]["status"], "completed");
    assert_eq!(kinds[n - 1], "result");
    assert!(
        kinds[deltas_at..n - 2]
            .iter()
            .all(|k| *k == "message_delta"),
        "{kinds:?}"
    );

    // Every event: flat, timestamped, tied to the session.
    let session = events[0]["session_id"]
        .as_str()
        .expect("session_id")
        .to_string();
    for e in &events {
        assert!(
            e["timestamp"]
                .as_str()
                .is_some_and(|t| t.ends_with('Z') && t.contains('T')),
            "{e}"
        );
        assert_eq!(e["session_id"], session.as_str(), "{e}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deltas_share_one_message_id_and_concatenate_to_the_result_content() {
    let server = server().await;
    let mut ws = server.ws("/ws/stream?delay_ms=0&tokens_per_sec=0").await;
    send_json(&mut ws, chat("What changed in the last release?")).await;
    let events = events_until(&mut ws, "result").await;
    let deltas: Vec<&Value> = events
        .iter()
        .filter(|e| e["type"] == "message_delta")
        .collect();
    assert!(deltas.len() > 5);
    let id = &deltas[0]["message_id"];
    assert!(deltas.iter().all(|d| &d["message_id"] == id));
    let text: String = deltas
        .iter()
        .map(|d| d["delta"].as_str().unwrap())
        .collect();
    let result = events.last().unwrap();
    assert_eq!(result["content"], text.as_str());
    assert_eq!(&result["message_id"], id);
    let agents = result["agents_used"].as_array().expect("agents_used");
    assert_eq!(agents[0], events[0]["agent"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_message_twice_gives_the_same_events_apart_from_timestamps_and_ids() {
    let server = server().await;
    let message = "Compare NVDA and AMD for a long-term portfolio";
    let mut first = server.ws("/ws/stream?delay_ms=0&tokens_per_sec=0").await;
    send_json(&mut first, chat(message)).await;
    let a = events_until(&mut first, "result").await;
    let mut second = server.ws("/ws/stream?delay_ms=0&tokens_per_sec=0").await;
    send_json(&mut second, chat(message)).await;
    let b = events_until(&mut second, "result").await;
    assert_ne!(
        a[0]["session_id"], b[0]["session_id"],
        "each chat is its own session"
    );
    assert_eq!(comparable(&a), comparable(&b));

    let mut other = server.ws("/ws/stream?delay_ms=0&tokens_per_sec=0").await;
    send_json(&mut other, chat("Something else entirely")).await;
    let c = events_until(&mut other, "result").await;
    assert_ne!(comparable(&a), comparable(&c));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ticker_in_the_message_adds_a_chart_before_completion() {
    let server = server().await;
    let mut ws = server.ws("/ws/stream?delay_ms=0&tokens_per_sec=0").await;
    send_json(&mut ws, chat("How is AAPL doing?")).await;
    let events = events_until(&mut ws, "result").await;
    let kinds = types(&events);
    let chart_at = kinds
        .iter()
        .position(|k| *k == "chart")
        .expect("a chart event");
    assert_eq!(kinds[chart_at + 1], "agent_step");
    let chart = &events[chart_at];
    assert_eq!(chart["symbol"], "AAPL");
    assert!(chart["chart_id"].is_string());
    let url = chart["url"].as_str().unwrap();
    let svg = server.get(url).await;
    assert_eq!(svg.status, 200);
    assert_eq!(svg.header("content-type"), Some("image/svg+xml"));
    assert!(String::from_utf8_lossy(&svg.body).contains("<svg"));
    assert!(kinds.contains(&"tool_call") && events.iter().any(|e| e["tool_name"] == "stock_quote"));

    let mut plain = server.ws("/ws/stream?delay_ms=0&tokens_per_sec=0").await;
    send_json(&mut plain, chat("no tickers here")).await;
    assert!(!types(&events_until(&mut plain, "result").await).contains(&"chart"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_mid_stream_answers_cancelled_and_no_delta_of_that_chat_follows() {
    let server = server().await;
    let mut ws = server.ws("/ws/stream?delay_ms=0&tokens_per_sec=200").await;
    send_json(
        &mut ws,
        json!({ "type": "chat", "payload": { "message": "long one", "answer_tokens": 5000 } }),
    )
    .await;
    // Wait until deltas flow, then cancel while the chat is streaming.
    loop {
        if next_json(&mut ws).await["type"] == "message_delta" {
            break;
        }
    }
    send_json(&mut ws, json!({ "type": "cancel", "payload": {} })).await;
    let mut deltas_before = 0;
    let cancelled = loop {
        let e = next_json(&mut ws).await;
        match e["type"].as_str() {
            Some("message_delta") => deltas_before += 1,
            Some("cancelled") => break e,
            other => panic!("unexpected {other:?}: {e}"),
        }
    };
    assert_eq!(cancelled["success"], true);
    assert!(deltas_before < 5000);
    // Nothing more of that chat: not a delta, not a result.
    match next_seen(&mut ws, Duration::from_millis(300)).await {
        Seen::Nothing => {}
        other => panic!("after cancelled: {other:?}"),
    }
    // The connection still works.
    send_json(&mut ws, json!({ "type": "ping" })).await;
    assert_eq!(next_json(&mut ws).await["type"], "pong");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_with_nothing_running_answers_success_false() {
    let server = server().await;
    let mut ws = server.ws("/ws/stream").await;
    send_json(&mut ws, json!({ "type": "cancel", "payload": {} })).await;
    let reply = next_json(&mut ws).await;
    assert_eq!(reply["type"], "cancelled");
    assert_eq!(reply["success"], false);

    // A finished chat is not "running" either.
    send_json(&mut ws, chat("short")).await;
    events_until(&mut ws, "result").await;
    send_json(&mut ws, json!({ "type": "cancel", "payload": {} })).await;
    assert_eq!(next_json(&mut ws).await["success"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_message_answers_an_error_and_the_connection_keeps_working() {
    let server = server().await;
    let mut ws = server.ws("/ws/stream").await;
    for blank in ["", "   \n\t"] {
        send_json(&mut ws, chat(blank)).await;
        let reply = next_json(&mut ws).await;
        assert_eq!(reply["type"], "error");
        assert_eq!(reply["message"], "Empty message");
    }
    send_json(&mut ws, chat("now a real one")).await;
    assert_eq!(
        events_until(&mut ws, "result").await.last().unwrap()["type"],
        "result"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ping_answers_pong() {
    let server = server().await;
    let mut ws = server.ws("/ws/stream").await;
    send_json(&mut ws, json!({ "type": "ping" })).await;
    let pong = next_json(&mut ws).await;
    assert_eq!(pong["type"], "pong");
    assert!(pong["timestamp"].is_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_frames_get_error_replies_and_the_connection_keeps_working() {
    let server = server().await;
    let mut ws = server.ws("/ws/stream").await;
    for bad in [
        "{not json",
        "[1,2,3]",
        "42",
        "{\"payload\":{}}",
        "{\"type\":\"dance\"}",
        "{\"type\":\"chat\"}",
        "{\"type\":\"chat\",\"payload\":{\"message\":7}}",
        "{\"type\":\"chat\",\"payload\":{\"message\":\"x\",\"answer_tokens\":-3}}",
    ] {
        send_text(&mut ws, bad).await;
        let reply = next_json(&mut ws).await;
        assert_eq!(reply["type"], "error", "for {bad}: {reply}");
        assert!(reply["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    use futures_util::SinkExt;
    ws.send(tokio_tungstenite::tungstenite::Message::binary(vec![
        1u8, 2, 3,
    ]))
    .await
    .unwrap();
    assert_eq!(next_json(&mut ws).await["type"], "error");
    send_json(&mut ws, json!({ "type": "ping" })).await;
    assert_eq!(next_json(&mut ws).await["type"], "pong");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_chat_while_one_runs_supersedes_the_old_one() {
    let server = server().await;
    let mut ws = server.ws("/ws/stream?delay_ms=0&tokens_per_sec=100").await;
    send_json(
        &mut ws,
        json!({ "type": "chat", "payload": { "message": "first", "answer_tokens": 1000 } }),
    )
    .await;
    let first_session = next_json(&mut ws).await["session_id"]
        .as_str()
        .unwrap()
        .to_string();
    send_json(&mut ws, chat("second")).await;
    let events = loop {
        let e = next_json(&mut ws).await;
        if e["type"] == "cancelled" {
            assert_eq!(e["success"], true);
            assert_eq!(e["session_id"], first_session.as_str());
            assert_eq!(e["reason"], "superseded");
            break events_until(&mut ws, "result").await;
        }
        assert_eq!(
            e["session_id"],
            first_session.as_str(),
            "old chat's events only before the cancel"
        );
    };
    assert!(events
        .iter()
        .all(|e| e["session_id"] != first_session.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_per_sec_paces_the_deltas() {
    let server = server().await;
    let mut ws = server.ws("/ws/stream?delay_ms=0&tokens_per_sec=100").await;
    let started = Instant::now();
    send_json(
        &mut ws,
        json!({ "type": "chat", "payload": { "message": "pace", "answer_tokens": 30 } }),
    )
    .await;
    let events = events_until(&mut ws, "result").await;
    assert_eq!(
        events
            .iter()
            .filter(|e| e["type"] == "message_delta")
            .count(),
        30
    );
    // 30 deltas at 100/s: the last is due 290 ms after the first.
    assert!(
        started.elapsed() >= Duration::from_millis(280),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn event_delay_spaces_the_agent_events() {
    let server = server().await;
    let mut ws = server.ws("/ws/stream?delay_ms=30&tokens_per_sec=0").await;
    let started = Instant::now();
    send_json(&mut ws, chat("slowly")).await;
    let events = events_until(&mut ws, "result").await;
    let pauses = events
        .iter()
        .filter(|e| e["type"] != "message_delta")
        .count() as u32
        - 2;
    assert!(
        started.elapsed() >= Duration::from_millis(30) * pauses,
        "{:?} for {pauses} pauses",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_100000_deltas_arrives_complete_and_in_order() {
    let server = server().await;
    let mut ws = server.ws("/ws/stream?delay_ms=0&tokens_per_sec=0").await;
    send_json(
        &mut ws,
        json!({ "type": "chat", "payload": { "message": "burst", "answer_tokens": 100_000 } }),
    )
    .await;
    let mut text = String::with_capacity(1 << 20);
    let mut count = 0u64;
    let mut message_id = None;
    let result = loop {
        let e = next_json(&mut ws).await;
        match e["type"].as_str() {
            Some("message_delta") => {
                count += 1;
                text.push_str(e["delta"].as_str().unwrap());
                let id = e["message_id"].as_str().unwrap().to_string();
                assert_eq!(message_id.get_or_insert_with(|| id.clone()), &id);
            }
            Some("result") => break e,
            _ => {}
        }
    };
    assert_eq!(count, 100_000);
    // Order: the concatenation equals the server's content exactly.
    assert_eq!(result["content"].as_str().unwrap(), text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_pace_parameters_are_rejected_before_the_upgrade() {
    let server = server().await;
    for query in ["delay_ms=abc", "tokens_per_sec=-1", "delay_ms=99999999"] {
        match server.try_ws(&format!("/ws/stream?{query}")).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
                assert_eq!(resp.status(), 400, "{query}")
            }
            other => panic!(
                "{query}: expected a 400 handshake failure, got {:?}",
                other.map(|_| ())
            ),
        }
    }
}
