//! AG-UI: `POST /agui` (SSE with ids, continued with `Last-Event-ID`) and `/ws/agui` (the same
//! events over WebSocket, resumable per PROTOCOL.md).

use serde_json::{json, Value};

use crate::common::*;

fn input(thread: &str, run: &str) -> Vec<u8> {
    json!({
        "threadId": thread, "runId": run, "state": {}, "tools": [], "context": [], "forwardedProps": {},
        "messages": [{ "id": "u1", "role": "user", "content": "How is NVDA doing?" }],
    })
    .to_string()
    .into_bytes()
}

/// One SSE event: its `id` and `data` (lines joined), as EventSource reads them.
#[derive(Debug, Clone, PartialEq)]
struct Sse {
    id: Option<String>,
    data: String,
}

fn parse_sse(body: &[u8]) -> (Vec<Sse>, Option<String>) {
    let text = String::from_utf8_lossy(body);
    let (mut events, mut retry) = (Vec::new(), None);
    for block in text.split("\n\n") {
        let (mut id, mut data) = (None, Vec::new());
        for line in block.lines() {
            if let Some(v) = line.strip_prefix("id:") {
                id = Some(v.trim().to_string());
            } else if let Some(v) = line.strip_prefix("data:") {
                data.push(v.strip_prefix(' ').unwrap_or(v).to_string());
            } else if let Some(v) = line.strip_prefix("retry:") {
                retry = Some(v.trim().to_string());
            }
        }
        if !data.is_empty() {
            events.push(Sse {
                id,
                data: data.join("\n"),
            });
        }
    }
    (events, retry)
}

async fn post_agui(
    server: &TestServer,
    query: &str,
    body: &[u8],
    last_id: Option<&str>,
) -> HttpReply {
    let mut headers = vec![
        ("Content-Type", "application/json"),
        ("Accept", "text/event-stream"),
    ];
    if let Some(id) = last_id {
        headers.push(("Last-Event-ID", id));
    }
    http_with_headers(
        server.port(),
        "POST",
        &format!("/agui{query}"),
        &headers,
        body,
    )
    .await
}

fn kinds(events: &[Sse]) -> Vec<String> {
    events
        .iter()
        .map(|e| {
            serde_json::from_str::<Value>(&e.data).unwrap()["type"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_agui_streams_a_whole_run_as_sse_with_consecutive_ids() {
    let server = server().await;
    let reply = post_agui(
        &server,
        "?delay_ms=0&answer_tokens=12",
        &input("t1", "r1"),
        None,
    )
    .await;
    assert_eq!(reply.status, 200);
    assert!(reply
        .header("content-type")
        .unwrap()
        .starts_with("text/event-stream"));
    let (events, retry) = parse_sse(&reply.body);
    assert_eq!(retry.as_deref(), Some("500"));
    let ids: Vec<String> = events.iter().map(|e| e.id.clone().unwrap()).collect();
    let expected: Vec<String> = (1..=events.len()).map(|n| n.to_string()).collect();
    assert_eq!(ids, expected);
    let kinds = kinds(&events);
    assert_eq!(kinds.first().map(String::as_str), Some("RUN_STARTED"));
    assert_eq!(kinds.last().map(String::as_str), Some("RUN_FINISHED"));
    for needed in [
        "STEP_STARTED",
        "TOOL_CALL_ARGS",
        "TOOL_CALL_RESULT",
        "STATE_DELTA",
        "STEP_FINISHED",
    ] {
        assert!(kinds.iter().any(|k| k == needed), "{needed} in {kinds:?}");
    }
    assert_eq!(
        kinds
            .iter()
            .filter(|k| *k == "TEXT_MESSAGE_CONTENT")
            .count(),
        12
    );
    let first: Value = serde_json::from_str(&events[0].data).unwrap();
    assert_eq!(
        (first["threadId"].as_str(), first["runId"].as_str()),
        (Some("t1"), Some("r1"))
    );
    assert!(
        first["timestamp"].is_u64(),
        "AG-UI timestamps are integers: {first}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_stream_continues_after_last_event_id_with_nothing_lost_or_repeated() {
    let server = server().await;
    let body = input("t2", "r2");
    let (whole, _) = parse_sse(
        &post_agui(
            &server,
            "?delay_ms=0&answer_tokens=20",
            &input("t2", "whole"),
            None,
        )
        .await
        .body,
    );

    let first = parse_sse(
        &post_agui(
            &server,
            "?delay_ms=0&answer_tokens=20&drop_after=7",
            &body,
            None,
        )
        .await
        .body,
    )
    .0;
    assert_eq!(first.len(), 7, "the response ends after 7 events");
    let mut got = first.clone();
    while got.len() < whole.len() {
        let last = got.last().and_then(|e| e.id.clone());
        let more = parse_sse(
            &post_agui(&server, "?drop_after=7", &body, last.as_deref())
                .await
                .body,
        )
        .0;
        assert!(!more.is_empty(), "a continuation yields events");
        got.extend(more);
    }
    let ids: Vec<String> = got.iter().map(|e| e.id.clone().unwrap()).collect();
    let expected: Vec<String> = (1..=whole.len()).map(|n| n.to_string()).collect();
    assert_eq!(ids, expected);
    let strip = |events: &[Sse]| -> Vec<Value> {
        events
            .iter()
            .map(|e| {
                let mut v: Value = serde_json::from_str(&e.data).unwrap();
                v.as_object_mut().unwrap().remove("timestamp");
                if v["runId"].is_string() {
                    v["runId"] = json!("r");
                }
                v
            })
            .collect()
    };
    assert_eq!(strip(&got), strip(&whole), "the same run, event for event");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_agent_input_without_thread_id_is_a_400_naming_the_field() {
    let server = server().await;
    let reply = post_agui(&server, "", br#"{"runId": "r", "messages": []}"#, None).await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.json()["error"],
        "RunAgentInput: 'threadId' is missing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ws_agui_resumes_after_a_drop_with_every_event_once() {
    let server = server().await;
    let path =
        "/ws/agui?threadId=t3&runId=r3&message=NVDA&delay_ms=5&tokens_per_sec=400&answer_tokens=30";
    let mut ws = server.ws(path).await;
    send_json(
        &mut ws,
        json!({ "type": "resume", "v": 1, "session": null, "after": 0 }),
    )
    .await;
    let welcome = next_json(&mut ws).await;
    assert_eq!(welcome["type"], "welcome");
    let session = welcome["session"].as_str().unwrap().to_string();
    let mut events = Vec::new();
    for _ in 0..6 {
        events.push(next_json(&mut ws).await);
    }
    drop(ws);
    let after = events.last().unwrap()["seq"].as_u64().unwrap();
    let mut ws = server.ws(path).await;
    send_json(
        &mut ws,
        json!({ "type": "resume", "v": 1, "session": session, "after": after }),
    )
    .await;
    let welcome = next_json(&mut ws).await;
    assert_eq!(welcome["resumed"], true, "{welcome}");
    loop {
        match next_seen(&mut ws, PATIENCE).await {
            Seen::Text(text) => events.push(serde_json::from_str(&text).unwrap()),
            Seen::Close(code, _) => {
                assert_eq!(code, 1000);
                break;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    let seqs: Vec<u64> = events.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, (1..=events.len() as u64).collect::<Vec<_>>());
    assert_eq!(events.first().unwrap()["type"], "RUN_STARTED");
    assert_eq!(events.last().unwrap()["type"], "RUN_FINISHED");
    let content = events
        .iter()
        .filter(|e| e["type"] == "TEXT_MESSAGE_CONTENT")
        .count();
    assert_eq!(content, 30);
}
