//! The resume protocol (PROTOCOL.md) on /ws/stream, /ws/runs and /ws/agent-tracking: seq,
//! the resume/welcome handshake, replay after a drop, the bounds, the grace period and acks.

use std::time::Duration;

use serde_json::{json, Value};

use crate::common::*;

const TRACKER: &str = "/ws/agent-tracking/client_1_resume";

fn resume(session: Option<&str>, after: u64) -> Value {
    json!({ "type": "resume", "v": 1, "session": session, "after": after })
}

/// Opens `path` and resumes: returns the socket and the welcome.
async fn resumed(
    server: &TestServer,
    path: &str,
    session: Option<&str>,
    after: u64,
) -> (Ws, Value) {
    let mut ws = server.ws(path).await;
    send_json(&mut ws, resume(session, after)).await;
    let welcome = next_json(&mut ws).await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    assert_eq!(welcome["v"], 1);
    assert!(welcome.get("seq").is_none(), "the welcome is not sequenced");
    (ws, welcome)
}

fn session_of(welcome: &Value) -> String {
    welcome["session"]
        .as_str()
        .expect("a session id")
        .to_string()
}

fn seq(event: &Value) -> u64 {
    event["seq"]
        .as_u64()
        .unwrap_or_else(|| panic!("no seq: {event}"))
}

/// Everything the socket still yields after a drop, until it ends.
async fn drain(ws: &mut Ws) -> Vec<Value> {
    let mut events = Vec::new();
    loop {
        match next_seen(ws, PATIENCE).await {
            Seen::Text(text) => events.push(serde_json::from_str(&text).expect("JSON")),
            Seen::Close(..) | Seen::Ended(_) => return events,
            other => panic!("while draining: {other:?}"),
        }
    }
}

/// Sequenced events only (acks and other connection frames have no seq).
fn sequenced(events: Vec<Value>) -> Vec<Value> {
    events
        .into_iter()
        .filter(|e| e.get("seq").is_some())
        .collect()
}

fn assert_contiguous(events: &[Value], first: u64) {
    for (i, e) in events.iter().enumerate() {
        assert_eq!(seq(e), first + i as u64, "gap or duplicate at {i}: {e}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_dropped_mid_answer_resumes_with_the_rest_and_no_gap_or_duplicate() {
    let server = server().await;
    let path = "/ws/stream?delay_ms=0&tokens_per_sec=400";
    let (mut ws, welcome) = resumed(&server, path, None, 0).await;
    assert_eq!(welcome["resumed"], false);
    assert_eq!(welcome["after"], 0);
    assert!(
        welcome.get("reason").is_none(),
        "nothing was asked for, so no reason"
    );
    let session = session_of(&welcome);

    send_json(
        &mut ws,
        json!({ "type": "chat", "id": "c-1", "payload": { "message": "resume me", "answer_tokens": 400 } }),
    )
    .await;
    assert_eq!(
        next_json(&mut ws).await,
        json!({ "type": "ack", "id": "c-1" })
    );
    let mut before = Vec::new();
    while before
        .iter()
        .filter(|e: &&Value| e["type"] == "message_delta")
        .count()
        < 20
    {
        before.push(next_json(&mut ws).await);
    }
    server.control("/control/drop").await;
    before.extend(drain(&mut ws).await);
    let before = sequenced(before);
    assert_contiguous(&before, 1);
    let last = seq(before.last().unwrap());
    assert_ne!(
        before.last().unwrap()["type"],
        "result",
        "the drop came mid-answer"
    );

    // The chat keeps running without a socket; the resume gets everything after `last`.
    let (mut again, welcome) = resumed(&server, path, Some(&session), last).await;
    assert_eq!(
        welcome,
        json!({ "type": "welcome", "v": 1, "session": session, "resumed": true, "after": last })
    );
    let after = events_until(&mut again, "result").await;
    assert_contiguous(&after, last + 1);

    let all: Vec<Value> = before.into_iter().chain(after).collect();
    let text: String = all
        .iter()
        .filter(|e| e["type"] == "message_delta")
        .map(|e| e["delta"].as_str().unwrap())
        .collect();
    assert_eq!(all.last().unwrap()["content"], text.as_str());
    assert_eq!(
        all.iter().filter(|e| e["type"] == "message_delta").count(),
        400
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resumed_run_continues_after_the_last_event_instead_of_replaying_from_boot() {
    let server = server().await;
    let path = "/ws/runs/run-resume?delay_ms=20";
    let (mut ws, welcome) = resumed(&server, path, None, 0).await;
    let session = session_of(&welcome);
    let mut before = vec![
        next_json(&mut ws).await,
        next_json(&mut ws).await,
        next_json(&mut ws).await,
    ];
    assert_eq!(before[0]["type"], "boot");
    server.control("/control/drop").await;
    before.extend(drain(&mut ws).await);
    assert_contiguous(&before, 1);
    let last = seq(before.last().unwrap());

    let (mut again, welcome) = resumed(&server, path, Some(&session), last).await;
    assert_eq!(welcome["resumed"], true);
    let mut after = Vec::new();
    let code = loop {
        match next_seen(&mut again, PATIENCE).await {
            Seen::Text(text) => after.push(serde_json::from_str::<Value>(&text).unwrap()),
            Seen::Close(code, _) => break code,
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(code, 1000, "the resumed run still ends with run complete");
    assert_ne!(after[0]["type"], "boot");
    assert_contiguous(&after, last + 1);
    assert_eq!(after.last().unwrap()["type"], "done");

    // Together: exactly the run a client without resume sees.
    let mut plain = server.ws("/ws/runs/run-resume?delay_ms=0").await;
    let whole = events_until(&mut plain, "done").await;
    let kinds = |events: &[Value]| -> Vec<String> {
        events
            .iter()
            .map(|e| e["type"].as_str().unwrap().to_string())
            .collect()
    };
    let resumed_kinds: Vec<String> = kinds(&before).into_iter().chain(kinds(&after)).collect();
    assert_eq!(resumed_kinds, kinds(&whole));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_resumes_gets_the_stream_as_before_plus_seq() {
    let server = server().await;
    let mut ws = server.ws("/ws/stream?delay_ms=0&tokens_per_sec=0").await;
    send_json(
        &mut ws,
        json!({ "type": "chat", "payload": { "message": "plain" } }),
    )
    .await;
    let events = events_until(&mut ws, "result").await;
    assert_ne!(events[0]["type"], "welcome");
    assert_contiguous(&events, 1);
    let mut run = server.ws("/ws/runs/plain-run?delay_ms=0").await;
    let run_events = events_until(&mut run, "done").await;
    assert_eq!(run_events[0]["type"], "boot");
    assert_contiguous(&run_events, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_session_starts_fresh_with_reason_unknown() {
    let server = server().await;
    let (_ws, welcome) = resumed(&server, "/ws/stream", Some("s-from-another-life"), 41).await;
    assert_eq!(welcome["resumed"], false);
    assert_eq!(welcome["reason"], "unknown");
    assert_eq!(welcome["after"], 0);
    assert_ne!(welcome["session"], "s-from-another-life");

    // A session of another endpoint (or another run id) is not this URL's either.
    let (_run, run_welcome) = resumed(&server, "/ws/runs/a?delay_ms=0", None, 0).await;
    let (_other, welcome) = resumed(
        &server,
        "/ws/runs/b?delay_ms=0",
        Some(&session_of(&run_welcome)),
        0,
    )
    .await;
    assert_eq!(welcome["reason"], "unknown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_protocol_version_is_answered_unsupported() {
    let server = server().await;
    let mut ws = server.ws("/ws/stream").await;
    send_json(
        &mut ws,
        json!({ "type": "resume", "v": 2, "session": null, "after": 0 }),
    )
    .await;
    let welcome = next_json(&mut ws).await;
    assert_eq!(welcome["resumed"], false);
    assert_eq!(welcome["reason"], "unsupported");
    // Resume is only a first frame; later it is an error and the connection goes on.
    send_json(&mut ws, resume(None, 0)).await;
    assert_eq!(next_json(&mut ws).await["type"], "error");
    send_json(&mut ws, json!({ "type": "ping" })).await;
    assert_eq!(next_json(&mut ws).await["type"], "pong");
}

/// A finished chat of `tokens` deltas on a resumable session; returns the session id and the
/// last seq, with the socket closed by the client.
async fn finished_chat(server: &TestServer, tokens: u64) -> (String, u64) {
    let (mut ws, welcome) =
        resumed(server, "/ws/stream?delay_ms=0&tokens_per_sec=0", None, 0).await;
    send_json(
        &mut ws,
        json!({ "type": "chat", "payload": { "message": "bounded", "answer_tokens": tokens } }),
    )
    .await;
    let events = events_until(&mut ws, "result").await;
    ws.close(None).await.unwrap();
    (session_of(&welcome), seq(events.last().unwrap()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resume_behind_the_count_bound_is_refused_as_evicted() {
    let server = server_with(|c| c.resume_max_events = 10).await;
    let (session, last) = finished_chat(&server, 50).await;
    let path = "/ws/stream?delay_ms=0&tokens_per_sec=0";
    let (_ws, welcome) = resumed(&server, path, Some(&session), 1).await;
    assert_eq!(welcome["resumed"], false);
    assert_eq!(welcome["reason"], "evicted");
    assert_ne!(welcome["session"], session.as_str(), "a fresh session");
    // Within the bound the same session still resumes (the refused attempt did not end it).
    let (mut ws, welcome) = resumed(&server, path, Some(&session), last - 10).await;
    assert_eq!(welcome["resumed"], true);
    let replayed = events_until(&mut ws, "result").await;
    assert_contiguous(&replayed, last - 9);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resume_behind_the_byte_bound_is_refused_as_evicted() {
    let server = server_with(|c| c.resume_max_bytes = 4096).await;
    let (session, _) = finished_chat(&server, 100).await;
    let (_ws, welcome) = resumed(&server, "/ws/stream", Some(&session), 0).await;
    assert_eq!(welcome["reason"], "evicted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resume_behind_the_age_bound_is_refused_as_expired() {
    let server = server_with(|c| c.resume_max_age = Duration::from_millis(200)).await;
    let (session, last) = finished_chat(&server, 5).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let (_ws, welcome) = resumed(&server, "/ws/stream", Some(&session), 0).await;
    assert_eq!(welcome["resumed"], false);
    assert_eq!(welcome["reason"], "expired");
    // Nothing is owed after the last event, so that position still resumes.
    let (_ws, welcome) = resumed(&server, "/ws/stream", Some(&session), last).await;
    assert_eq!(welcome["resumed"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_session_is_discarded_after_the_grace_period() {
    let server = server_with(|c| c.resume_grace = Duration::from_millis(300)).await;
    let (session, last) = finished_chat(&server, 5).await;
    server.wait_open("stream", 0).await;
    assert_eq!(
        server.handle.app().resume.len(),
        1,
        "kept while in its grace period"
    );
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(server.handle.app().resume.len(), 0, "discarded after it");
    let (_ws, welcome) = resumed(&server, "/ws/stream", Some(&session), last).await;
    assert_eq!(welcome["resumed"], false);
    assert_eq!(welcome["reason"], "expired");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_whose_client_never_resumed_ends_with_its_socket() {
    let server = server().await;
    let mut ws = server.ws("/ws/stream?delay_ms=0&tokens_per_sec=0").await;
    send_json(&mut ws, json!({ "type": "ping" })).await;
    assert_eq!(next_json(&mut ws).await["type"], "pong");
    assert_eq!(server.handle.app().resume.len(), 1);
    ws.close(None).await.unwrap();
    server.wait_open("stream", 0).await;
    assert_eq!(server.handle.app().resume.len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resume_takes_the_session_over_from_a_half_open_socket() {
    let server = server().await;
    let path = "/ws/stream?delay_ms=0&tokens_per_sec=300";
    let (mut old, welcome) = resumed(&server, path, None, 0).await;
    let session = session_of(&welcome);
    send_json(
        &mut old,
        json!({ "type": "chat", "payload": { "message": "half open", "answer_tokens": 300 } }),
    )
    .await;
    let mut before = vec![next_json(&mut old).await, next_json(&mut old).await];
    // The old socket goes silent (half-open); the client gives up on it and resumes.
    server.control("/control/silence").await;
    while let Seen::Text(text) = next_seen(&mut old, Duration::from_millis(200)).await {
        before.push(serde_json::from_str(&text).unwrap());
    }
    let last = seq(before.last().unwrap());
    let (mut new, welcome) = resumed(&server, path, Some(&session), last).await;
    assert_eq!(welcome["resumed"], true);
    let after = events_until(&mut new, "result").await;
    assert_contiguous(&after, last + 1);
    // The silenced socket was dropped by the takeover, not left holding a slot.
    server.wait_open("stream", 1).await;
    server.control("/control/reset").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tracking_feed_resumes_with_the_broadcasts_sent_while_it_was_away() {
    let server = server().await;
    let (mut ws, welcome) = resumed(&server, TRACKER, None, 0).await;
    let session = session_of(&welcome);
    let first = next_json(&mut ws).await;
    assert_eq!(
        (first["type"].as_str(), seq(&first)),
        (Some("active_sessions"), 1)
    );
    ws.close(None).await.unwrap();
    server.wait_open("tracking", 0).await;

    // A session runs to the end while nobody is connected.
    let sim = server.control("/control/session?delay_ms=0").await;
    let sim_id = sim["session_id"].as_str().unwrap().to_string();
    tokio::time::sleep(Duration::from_millis(300)).await;

    let (mut again, welcome) = resumed(&server, TRACKER, Some(&session), 1).await;
    assert_eq!(welcome["resumed"], true);
    let mut missed = Vec::new();
    loop {
        let e = next_json(&mut again).await;
        let done = e["type"] == "agent_status" && e["status"] == "completed";
        missed.push(e);
        if done {
            break;
        }
    }
    assert_contiguous(&missed, 2);
    assert!(missed.iter().all(|e| e["session_id"] == sim_id.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_with_an_id_are_acked_acted_on_once_and_listed_as_processed() {
    let server = server().await;
    let (mut ws, _) = resumed(&server, "/ws/stream?delay_ms=0&tokens_per_sec=0", None, 0).await;
    let chat = json!({ "type": "chat", "id": "m-1", "payload": { "message": "once" } });
    send_json(&mut ws, chat.clone()).await;
    assert_eq!(
        next_json(&mut ws).await,
        json!({ "type": "ack", "id": "m-1" })
    );
    let events = events_until(&mut ws, "result").await;
    // The repeat (say, re-sent after a reconnect) is acked again and not acted on.
    send_json(&mut ws, chat).await;
    assert_eq!(
        next_json(&mut ws).await,
        json!({ "type": "ack", "id": "m-1", "duplicate": true })
    );
    send_json(&mut ws, json!({ "type": "ping", "id": "m-2" })).await;
    assert_eq!(
        next_json(&mut ws).await["type"],
        "pong",
        "no second chat in between"
    );
    assert_eq!(
        next_json(&mut ws).await,
        json!({ "type": "ack", "id": "m-2" }),
        "acked once acted on"
    );
    assert_eq!(
        server
            .handle
            .app()
            .sessions
            .get(events[0]["session_id"].as_str().unwrap())
            .await
            .map(|s| s.message),
        Some("once".to_string())
    );

    let mut tracker = server.ws(TRACKER).await;
    assert_eq!(next_json(&mut tracker).await["type"], "active_sessions");
    for _ in 0..2 {
        send_json(
            &mut tracker,
            json!({ "type": "get_session_logs", "id": "t-1" }),
        )
        .await;
    }
    // Acks are about the connection and the logs part of the feed: no order between them.
    let mut replies = Vec::new();
    for _ in 0..3 {
        replies.push(next_json(&mut tracker).await);
    }
    let acks: Vec<&Value> = replies.iter().filter(|r| r["type"] == "ack").collect();
    assert_eq!(acks.len(), 2, "{replies:?}");
    assert_eq!(acks.iter().filter(|a| a["duplicate"] == true).count(), 1);
    assert_eq!(
        replies
            .iter()
            .filter(|r| r["type"] == "session_logs")
            .count(),
        1
    );
    assert!(matches!(
        next_seen(&mut tracker, Duration::from_millis(200)).await,
        Seen::Nothing
    ));

    let log = server.log().await;
    assert_eq!(log["stream"]["processed"], json!(["m-1", "m-2"]));
    assert_eq!(log["tracking"]["processed"], json!(["t-1"]));
    assert_eq!(log["runs"]["processed"], json!([]));
    server.control("/control/reset").await;
    assert_eq!(server.log().await["stream"]["processed"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_acked_messages_across_drops_are_processed_once_each_in_order() {
    let server = server().await;
    let path = "/ws/stream?delay_ms=0&tokens_per_sec=0";
    let (mut ws, _) = resumed(&server, path, None, 0).await;
    let mut acked = 0;
    for i in 0..100 {
        let ping = json!({ "type": "ping", "id": format!("p-{i:03}") });
        send_json(&mut ws, ping).await;
        if i % 25 == 24 {
            // The drop loses our view of the last ack: re-send everything not seen acked.
            server.control("/control/drop").await;
            let seen = drain(&mut ws).await;
            acked += seen.iter().filter(|e| e["type"] == "ack").count();
            ws = resumed(&server, path, None, 0).await.0;
            for j in acked..=i {
                send_json(
                    &mut ws,
                    json!({ "type": "ping", "id": format!("p-{j:03}") }),
                )
                .await;
            }
        }
    }
    let expected: Vec<String> = (0..100).map(|i| format!("p-{i:03}")).collect();
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let processed = server.log().await["stream"]["processed"].clone();
        if processed == json!(expected) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "processed: {processed}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
