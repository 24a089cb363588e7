//! /ws/echo and /ws/bench.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn echo_returns_text_and_binary_frames_unchanged_and_in_order() {
    let server = server().await;
    let mut ws = server.ws("/ws/echo").await;
    let texts = [
        "first",
        "{\"type\":\"x\"}",
        "not json at all",
        "",
        "ünïcödé ✓",
    ];
    for t in texts {
        send_text(&mut ws, t).await;
    }
    ws.send(Message::binary(vec![0u8, 255, 7])).await.unwrap();
    for t in texts {
        match next_seen(&mut ws, PATIENCE).await {
            Seen::Text(got) => assert_eq!(got, t),
            other => panic!("expected {t:?}, saw {other:?}"),
        }
    }
    match next_seen(&mut ws, PATIENCE).await {
        Seen::Binary(got) => assert_eq!(got, vec![0u8, 255, 7]),
        other => panic!("expected binary, saw {other:?}"),
    }
    // Nothing else: echo answers nothing of its own.
    assert!(matches!(
        next_seen(&mut ws, Duration::from_millis(150)).await,
        Seen::Nothing
    ));
}

async fn bench(server: &TestServer, start: Value) -> (Vec<Value>, Vec<usize>, Value) {
    let mut ws = server.ws("/ws/bench").await;
    send_json(&mut ws, start).await;
    let mut events = Vec::new();
    let mut sizes = Vec::new();
    loop {
        let Some(Ok(Message::Text(text))) = ws.next().await else {
            panic!("bench stream broke")
        };
        let e: Value = serde_json::from_str(&text).unwrap();
        if e["type"] == "bench_done" {
            return (events, sizes, e);
        }
        sizes.push(text.len());
        events.push(e);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_sends_the_requested_progress_events_in_order_then_done() {
    let server = server().await;
    let (events, sizes, done) = bench(
        &server,
        json!({ "type": "start", "count": 5000, "kind": "progress", "interval_ms": 0 }),
    )
    .await;
    assert_eq!(done["count"], 5000);
    assert_eq!(events.len(), 5000);
    let mut last_ts = 0.0;
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e["type"], "tool_progress");
        assert_eq!(e["seq"], i as u64);
        let ts = e["ts"].as_f64().unwrap();
        assert!(
            ts >= last_ts && ts > 1.6e12,
            "ts in epoch ms, non-decreasing"
        );
        last_ts = ts;
        assert!(e["tool"].is_string() && e["message"].is_string());
        assert!((0.0..1.0).contains(&e["progress"].as_f64().unwrap()));
    }
    assert!(
        sizes.iter().all(|s| (140..=160).contains(s)),
        "about 150 bytes each"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_delta_events_concatenate_to_derivable_text() {
    let server = server().await;
    let (events, _, done) = bench(
        &server,
        json!({ "type": "start", "count": 3000, "kind": "delta" }),
    )
    .await;
    assert_eq!(done["count"], 3000);
    let text: String = events
        .iter()
        .map(|e| e["delta"].as_str().unwrap())
        .collect();
    let expected: String = (0..3000).map(|i| format!("w{i} ")).collect();
    assert_eq!(text, expected);
    assert!(events
        .iter()
        .all(|e| e["message_id"] == "bench" && e["type"] == "message_delta"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_interval_paces_events_on_a_fixed_schedule() {
    let server = server().await;
    let started = Instant::now();
    let (events, _, _) = bench(
        &server,
        json!({ "type": "start", "count": 11, "kind": "progress", "interval_ms": 25 }),
    )
    .await;
    assert_eq!(events.len(), 11);
    // Event i is due at i × 25 ms: the last at 250 ms, without drift.
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(245), "{elapsed:?}");
    let first = events[0]["ts"].as_f64().unwrap();
    let last = events[10]["ts"].as_f64().unwrap();
    assert!(
        (last - first) >= 245.0 && (last - first) < 400.0,
        "{}",
        last - first
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_answers_a_malformed_start_with_an_error() {
    let server = server().await;
    let mut ws = server.ws("/ws/bench").await;
    send_text(&mut ws, "{\"type\":\"start\",\"count\":\"many\"}").await;
    assert_eq!(next_json(&mut ws).await["type"], "error");
    send_json(
        &mut ws,
        json!({ "type": "start", "count": 2, "kind": "delta" }),
    )
    .await;
    assert_eq!(next_json(&mut ws).await["seq"], 0);
}
