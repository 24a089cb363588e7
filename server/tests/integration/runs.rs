//! /ws/runs/{run_id}: a run's lifecycle events, then a clean close.

use serde_json::Value;

use crate::common::*;

async fn run_events(server: &TestServer, run_id: &str) -> (Vec<Value>, u16) {
    let mut ws = server.ws(&format!("/ws/runs/{run_id}?delay_ms=0")).await;
    let mut events = Vec::new();
    loop {
        match next_seen(&mut ws, PATIENCE).await {
            Seen::Text(text) => events.push(serde_json::from_str(&text).expect("JSON event")),
            Seen::Close(code, _) => return (events, code),
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_streams_its_events_in_order_then_closes_with_1000() {
    let server = server().await;
    let (events, code) = run_events(&server, "run-42").await;
    assert_eq!(code, 1000);
    let kinds = types(&events);
    assert_eq!(kinds.first(), Some(&"boot"));
    assert_eq!(kinds.last(), Some(&"done"));
    for e in &events {
        assert_eq!(e["run_id"], "run-42");
        assert!(e["timestamp"].is_string());
    }

    // Nesting: agent ⊃ task ⊃ tool, each started before it ends, progress rising to 1.
    let mut open: Vec<&str> = Vec::new();
    let mut progress = 0.0;
    let mut tools = 0;
    for (kind, e) in kinds.iter().zip(&events) {
        match *kind {
            "boot" | "done" => assert!(open.is_empty()),
            "agent_start" | "task_start" | "tool_start" => {
                let expected_parent = match *kind {
                    "agent_start" => None,
                    "task_start" => Some("agent"),
                    _ => Some("task"),
                };
                assert_eq!(open.last().copied(), expected_parent, "{kinds:?}");
                open.push(&kind[..kind.len() - "_start".len()]);
                if *kind == "tool_start" {
                    assert!(e["tool"].is_string() && e["params"].is_object());
                    progress = 0.0;
                }
            }
            "tool_progress" => {
                assert_eq!(open.last(), Some(&"tool"));
                let p = e["progress"].as_f64().unwrap();
                assert!(p > progress && p <= 1.0, "{p} after {progress}");
                progress = p;
                assert!(e["message"].is_string());
            }
            "tool_end" | "task_end" | "agent_end" => {
                assert_eq!(
                    open.pop(),
                    Some(&kind[..kind.len() - "_end".len()]),
                    "{kinds:?}"
                );
                if *kind == "tool_end" {
                    tools += 1;
                    assert_eq!(progress, 1.0);
                    assert_eq!(e["exit_code"], 0);
                    assert_eq!(e["status"], "success");
                    assert!(e["duration_s"].as_f64().is_some_and(|d| d >= 0.0));
                }
            }
            other => panic!("unexpected event {other}"),
        }
    }
    assert!(tools >= 1);
    assert!(open.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_run_id_replays_the_same_plan() {
    let server = server().await;
    let strip = |events: Vec<Value>| -> Vec<(String, Value)> {
        events
            .into_iter()
            .map(|e| (e["type"].as_str().unwrap().to_string(), e["tool"].clone()))
            .collect()
    };
    let (a, _) = run_events(&server, "abc").await;
    let (b, _) = run_events(&server, "abc").await;
    assert_eq!(strip(a), strip(b));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_run_id_is_closed_with_1008() {
    let server = server().await;
    let mut ws = server.ws("/ws/runs/bad%20id").await;
    assert_eq!(expect_close(&mut ws).await.0, 1008);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_started_over_control_is_shown_from_its_start_to_every_viewer_in_memory() {
    let server = server().await;
    let reply = server
        .post("/control/runs/started-1?delay_ms=20&progress_events=3", b"")
        .await;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(reply.json()["run_id"], "started-1");
    assert_eq!(
        server.post("/control/runs/started-1", b"").await.status,
        409,
        "a run id is started once"
    );
    assert_eq!(server.post("/control/runs/bad%20id", b"").await.status, 400);
    assert_eq!(
        server
            .post("/control/runs/r?progress_events=0", b"")
            .await
            .status,
        400
    );

    // Two viewers joining while it plays both see it from boot, seq for seq: one run, not a
    // run of their own each.
    let (first, code) = run_events(&server, "started-1").await;
    assert_eq!(code, 1000);
    let (second, code) = run_events(&server, "started-1").await;
    assert_eq!(code, 1000);
    assert_eq!(first, second, "the same stream, timestamps included");
    let kinds = types(&first);
    assert_eq!(kinds.first(), Some(&"boot"));
    assert_eq!(kinds.last(), Some(&"done"));
    let seqs: Vec<u64> = first.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, (1..=first.len() as u64).collect::<Vec<_>>());
    let tools = kinds.iter().filter(|k| **k == "tool_start").count();
    let progress = kinds.iter().filter(|k| **k == "tool_progress").count();
    assert_eq!(progress, 3 * tools);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_joining_a_started_run_past_its_count_bound_starts_at_the_oldest_held_event() {
    let server = server_with(|c| c.resume_max_events = 4).await;
    // Paced, so a viewer attached from the start keeps up with a 4-event window.
    let reply = server
        .post("/control/runs/long-mem?progress_events=3&delay_ms=5", b"")
        .await;
    assert_eq!(reply.status, 200);
    // A first viewer (resuming: attached at once) to know the run is over.
    let mut first = server.ws("/ws/runs/long-mem").await;
    send_json(
        &mut first,
        serde_json::json!({"type":"resume","v":1,"session":null,"after":0}),
    )
    .await;
    assert_eq!(events_until(&mut first, "done").await[0]["type"], "welcome");
    let (events, code) = run_events(&server, "long-mem").await;
    assert_eq!(code, 1000);
    let seqs: Vec<u64> = events.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs.len(), 4, "{seqs:?}");
    assert!(seqs[0] > 1);
    assert_eq!(seqs, (seqs[0]..seqs[0] + 4).collect::<Vec<_>>());
    assert_eq!(events.last().unwrap()["type"], "done");
}
