//! Several real `agentwire-server` processes sharing one real `redis-server` (each test starts
//! its own Redis on a free loopback port, without persistence): runs, chats, acks and the
//! tracking registry across instances, a kill -9 of an instance, and Redis itself going away
//! and coming back. Needs `redis-server` on PATH (the tests fail, saying so, without it).

use std::collections::HashSet;
use std::time::Duration;

use futures_util::SinkExt;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

use crate::common::*;

/// Opens the resume handshake on a fresh connection; returns the welcome.
async fn hello(ws: &mut Ws, session: Option<&str>, after: u64) -> Value {
    send_json(
        ws,
        json!({"type":"resume","v":1,"session":session,"after":after}),
    )
    .await;
    let welcome = next_json(ws).await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    welcome
}

fn seq(event: &Value) -> u64 {
    event["seq"]
        .as_u64()
        .unwrap_or_else(|| panic!("no seq: {event}"))
}

/// Sequenced events until `stop` says so (inclusive).
async fn sequenced_until(ws: &mut Ws, stop: impl Fn(&Value) -> bool) -> Vec<Value> {
    let mut events = Vec::new();
    loop {
        let event = next_json(ws).await;
        if event.get("seq").is_none() {
            continue; // acks, pongs: not part of the stream
        }
        let done = stop(&event);
        events.push(event);
        if done {
            return events;
        }
    }
}

/// Asserts seqs `1..=n` exactly once each and in order.
fn assert_complete_and_ordered(events: &[Value]) {
    let seqs: Vec<u64> = events.iter().map(seq).collect();
    let expected: Vec<u64> = (1..=seqs.len() as u64).collect();
    let unique: HashSet<u64> = seqs.iter().copied().collect();
    assert_eq!(unique.len(), seqs.len(), "duplicated seqs: {seqs:?}");
    assert_eq!(seqs, expected, "lost or reordered events");
}

async fn start_run(instance: &Instance, path: &str) {
    let reply = instance.post(path).await;
    assert_eq!(
        reply.status,
        200,
        "{path}: {}",
        String::from_utf8_lossy(&reply.body)
    );
}

#[tokio::test]
async fn run_started_on_one_instance_reaches_a_client_on_another() {
    let (_redis, a, b) = two_instances(&[]);
    start_run(&b, "/control/runs/shared-1?delay_ms=5&progress_events=2").await;

    let mut ws = a.ws("/ws/runs/shared-1").await;
    let events = sequenced_until(&mut ws, |e| e["type"] == "done").await;
    assert_eq!(expect_close(&mut ws).await.0, 1000);

    assert_eq!(events[0]["type"], "boot");
    assert!(events.iter().all(|e| e["run_id"] == "shared-1"));
    assert_complete_and_ordered(&events);
    let tools = count_type(&events, "tool_start");
    let progress = count_type(&events, "tool_progress");
    assert!(tools > 0);
    assert_eq!(progress, 2 * tools, "progress_events=2 per tool");

    // Started once: a second start of the same run id, on either instance, is refused.
    assert_eq!(a.post("/control/runs/shared-1").await.status, 409);
    assert_eq!(b.post("/control/runs/shared-1").await.status, 409);
}

#[tokio::test]
async fn client_resumes_on_another_instance_after_kill_9() {
    let (_redis, mut a, b) = two_instances(&[]);
    // Long enough (~60 events, 25 ms apart) to kill A mid-run.
    start_run(&b, "/control/runs/killed-1?delay_ms=25&progress_events=10").await;

    let mut ws = a.ws("/ws/runs/killed-1").await;
    let welcome = hello(&mut ws, None, 0).await;
    let session = welcome["session"].as_str().unwrap().to_string();
    let mut events = sequenced_until(&mut ws, |e| seq(e) >= 8).await;
    let last = seq(events.last().unwrap());
    a.kill_9();
    drop(ws);

    let mut ws = b.ws("/ws/runs/killed-1").await;
    let welcome = hello(&mut ws, Some(&session), last).await;
    assert_eq!(welcome["resumed"], true, "{welcome}");
    assert_eq!(welcome["session"], session.as_str());
    events.extend(sequenced_until(&mut ws, |e| e["type"] == "done").await);
    assert_eq!(expect_close(&mut ws).await, (1000, "run complete".into()));

    assert_eq!(events[0]["type"], "boot");
    assert_complete_and_ordered(&events);
}

#[tokio::test]
async fn chat_resumes_on_another_instance() {
    let (_redis, a, b) = two_instances(&[]);

    // Paced so the chat is still streaming when its socket drops.
    let mut ws = a.ws("/ws/stream?tokens_per_sec=100&delay_ms=5").await;
    let session = hello(&mut ws, None, 0).await["session"]
        .as_str()
        .unwrap()
        .to_string();
    send_json(
        &mut ws,
        json!({"type":"chat","id":"c-1","payload":{"message":"Compare NVDA and AMD","answer_tokens":60}}),
    )
    .await;
    let mut events = sequenced_until(&mut ws, |e| e["type"] == "message_delta").await;
    let last = seq(events.last().unwrap());
    drop(ws); // an abrupt drop: the chat keeps running on A for the grace period

    let mut ws = b.ws("/ws/stream").await;
    let welcome = hello(&mut ws, Some(&session), last).await;
    assert_eq!(welcome["resumed"], true, "{welcome}");
    events.extend(sequenced_until(&mut ws, |e| e["type"] == "result").await);

    assert_complete_and_ordered(&events);
    let deltas: String = events
        .iter()
        .filter(|e| e["type"] == "message_delta")
        .map(|e| e["delta"].as_str().unwrap())
        .collect();
    let result = events.last().unwrap();
    assert_eq!(
        result["content"].as_str().unwrap(),
        deltas,
        "every delta arrived once"
    );
}

#[tokio::test]
async fn ack_ids_are_deduplicated_across_instances() {
    let (_redis, a, b) = two_instances(&[]);

    let mut on_a = a.ws("/ws/stream").await;
    send_json(&mut on_a, json!({"type":"ping","id":"m-1"})).await;
    assert_eq!(next_json(&mut on_a).await["type"], "pong", "acted on");
    assert_eq!(next_json(&mut on_a).await, json!({"type":"ack","id":"m-1"}), "then acked");

    // The client re-sends it to another instance (its first one's ack was lost, say).
    let mut on_b = b.ws("/ws/stream").await;
    send_json(&mut on_b, json!({"type":"ping","id":"m-1"})).await;
    assert_eq!(
        next_json(&mut on_b).await,
        json!({"type":"ack","id":"m-1","duplicate":true})
    );
    send_json(&mut on_b, json!({"type":"ping"})).await;
    assert_eq!(
        next_json(&mut on_b).await["type"],
        "pong",
        "the duplicate was not acted on: the next frame answers the plain ping"
    );
    assert!(matches!(
        next_seen(&mut on_b, Duration::from_millis(100)).await,
        Seen::Nothing
    ));

    let processed = |log: Value| log["stream"]["processed"].clone();
    assert_eq!(
        processed(a.get("/control/log").await.json()),
        json!(["m-1"])
    );
    assert_eq!(processed(b.get("/control/log").await.json()), json!([]));
}

/// An instance that claimed a message id and died before acting on it leaves a claim (as
/// redis/acks.rs writes it) that lapses with the lease.
fn claim_left_by_a_dead_instance(redis: &RedisServer, id: &str, lapses_in_ms: u64) {
    let key = format!("agentwire:ack:stream:{id}");
    let reply = redis.command(&["SET", &key, "claim:dead-instance:1", "PX", &lapses_in_ms.to_string()]);
    assert_eq!(reply, "+OK");
}

#[tokio::test]
async fn a_message_claimed_by_an_instance_that_died_before_acting_is_acted_on_by_the_next() {
    let (redis, a, b) = two_instances(&["--lease-ms", "300"]);
    claim_left_by_a_dead_instance(&redis, "m-lost", 300);

    // The client's re-send reaches b while the dead instance's claim stands: b waits for it to
    // lapse, then acts and acks (not as a duplicate: nobody acted on it).
    let mut ws = b.ws("/ws/stream").await;
    let sent = std::time::Instant::now();
    send_json(&mut ws, json!({"type":"ping","id":"m-lost"})).await;
    assert_eq!(next_json(&mut ws).await["type"], "pong", "acted on before the ack");
    assert_eq!(next_json(&mut ws).await, json!({"type":"ack","id":"m-lost"}));
    assert!(sent.elapsed() >= Duration::from_millis(200), "waited for the claim: {:?}", sent.elapsed());

    // Recorded once, for every instance: a's log shows what b did.
    let everywhere = |log: Value| log["stream"]["processed_everywhere"].clone();
    assert_eq!(everywhere(a.get("/control/log").await.json()), json!(["m-lost"]));
    let mut on_a = a.ws("/ws/stream").await;
    send_json(&mut on_a, json!({"type":"ping","id":"m-lost"})).await;
    assert_eq!(next_json(&mut on_a).await, json!({"type":"ack","id":"m-lost","duplicate":true}));
}

#[tokio::test]
async fn a_re_send_that_meets_a_live_claim_is_acked_as_a_duplicate_once_that_instance_acted() {
    let (redis, _a, b) = two_instances(&["--lease-ms", "2000"]);
    claim_left_by_a_dead_instance(&redis, "m-busy", 2000);
    let mut ws = b.ws("/ws/stream").await;
    send_json(&mut ws, json!({"type":"ping","id":"m-busy"})).await;
    assert!(matches!(next_seen(&mut ws, Duration::from_millis(150)).await, Seen::Nothing), "waits on the claim");
    // The claiming instance acts and marks it done (what its commit script writes).
    assert_eq!(redis.command(&["SET", "agentwire:ack:stream:m-busy", "done", "PX", "60000"]), "+OK");
    assert_eq!(
        next_json(&mut ws).await,
        json!({"type":"ack","id":"m-busy","duplicate":true}),
        "not acted on a second time"
    );
}

#[tokio::test]
async fn a_chat_re_sent_after_its_instance_was_killed_is_continued_not_restarted() {
    let (_redis, mut a, b) = two_instances(&["--lease-ms", "400"]);
    // chat_until_delta sends the chat with id c-1; a delta has played, so it was recorded.
    let (ws, session, mut events) = chat_until_delta(&a, 60, 2).await;
    a.kill_9();
    drop(ws);

    // The client had no ack yet (say): it resumes on b and re-sends c-1. b continues the chat
    // a recorded, and only acks the re-send.
    let mut ws = b.ws("/ws/stream").await;
    let last = seq(events.last().unwrap());
    let welcome = hello(&mut ws, Some(&session), last).await;
    assert_eq!(welcome["resumed"], true, "{welcome}");
    send_json(
        &mut ws,
        json!({"type":"chat","id":"c-1","payload":{"message":"Compare NVDA and AMD","answer_tokens":60}}),
    )
    .await;
    let mut acks = Vec::new();
    loop {
        let frame = next_json(&mut ws).await;
        if frame["type"] == "ack" {
            acks.push(frame);
        } else if frame.get("seq").is_some() {
            let is_result = frame["type"] == "result";
            events.push(frame);
            if is_result {
                break;
            }
        }
    }
    assert_eq!(acks, vec![json!({"type":"ack","id":"c-1","duplicate":true})]);
    assert_whole_answer(&events, 60);
    let everywhere = b.get("/control/log").await.json()["stream"]["processed_everywhere"].clone();
    assert_eq!(everywhere, json!(["c-1"]), "recorded once, by the instance that died");
}

#[tokio::test]
async fn tracking_registry_is_shared_between_instances() {
    let (_redis, a, b) = two_instances(&[]);

    // A tracking client on A first, so it also gets B's broadcasts live.
    let mut tracker = a.ws("/ws/agent-tracking/client_1_a").await;
    let first = sequenced_until(&mut tracker, |_| true).await;
    assert_eq!(first[0]["type"], "active_sessions");

    let reply = b.post("/control/session?delay_ms=100&message=shared").await;
    assert_eq!(reply.status, 200);
    let session_id = reply.json()["session_id"].as_str().unwrap().to_string();

    // B's broadcasts reach A's tracking feed.
    let status = sequenced_until(&mut tracker, |e| {
        e["type"] == "agent_status" && e["session_id"] == session_id.as_str()
    })
    .await;
    assert_eq!(status.last().unwrap()["status"], "working");

    // A's answers come from the shared registry.
    send_json(
        &mut tracker,
        json!({"type":"get_session_state","session_id":session_id}),
    )
    .await;
    let state = sequenced_until(&mut tracker, |e| e["type"] == "session_state").await;
    let state = &state.last().unwrap()["state"];
    assert_eq!(state["session_id"], session_id.as_str(), "{state}");
    assert_eq!(state["source"], "control");
    assert_eq!(state["message"], "shared");

    // A new feed on A lists B's running session.
    let mut second = a.ws("/ws/agent-tracking/client_2_b").await;
    let listed = sequenced_until(&mut second, |_| true).await;
    let sessions = &listed[0]["data"]["sessions"];
    assert!(
        sessions
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["session_id"] == session_id.as_str()),
        "{sessions}"
    );
}

/// Connects to `/ws/stream` and opens a fresh resumable session, retrying (bounded) while
/// the instance still refuses with a retryable close.
async fn fresh_session_when_ready(instance: &Instance) -> (Ws, String) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let mut ws = instance.ws("/ws/stream").await;
        send_json(
            &mut ws,
            json!({"type":"resume","v":1,"session":null,"after":0}),
        )
        .await;
        match next_seen(&mut ws, PATIENCE).await {
            Seen::Text(text) => {
                let welcome: Value = serde_json::from_str(&text).unwrap();
                assert_eq!(welcome["type"], "welcome", "{welcome}");
                return (ws, welcome["session"].as_str().unwrap().to_string());
            }
            Seen::Close(code, _) => assert!(matches!(code, 1012 | 1013), "close {code}"),
            other => panic!("neither welcome nor a retryable close: {other:?}"),
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "instance never accepted again after Redis returned"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn redis_restart_closes_with_retryable_code_and_recovers() {
    let mut redis = RedisServer::start();
    let port = redis.port;
    let a = Instance::start(&redis, &[]);
    let b = Instance::start(&redis, &[]);

    let (mut chat, _) = fresh_session_when_ready(&a).await;
    let mut run = b.ws("/ws/runs/idle?delay_ms=1000").await;
    next_json(&mut run).await; // boot: the run is live

    redis.kill();
    for ws in [&mut chat, &mut run] {
        let (code, reason) = expect_close(ws).await;
        assert!(matches!(code, 1012 | 1013), "close {code} {reason:?}");
    }
    // While Redis is down, new resumable connections are refused retryably too.
    let mut refused = a.ws("/ws/stream").await;
    let (code, _) = expect_close(&mut refused).await;
    assert_eq!(code, 1013);
    assert!(a.stderr().contains("connection lost"), "{}", a.stderr());

    let _redis = RedisServer::start_on(port);
    let (mut ws, session) = fresh_session_when_ready(&a).await;
    fresh_session_when_ready(&b).await;
    assert!(a.stderr().contains("reachable again"), "{}", a.stderr());

    // A stream written after the restart resumes on the other instance.
    send_json(
        &mut ws,
        json!({"type":"chat","payload":{"message":"after the restart","answer_tokens":20}}),
    )
    .await;
    let mut events = sequenced_until(&mut ws, |e| e["type"] == "tool_call").await;
    let last = seq(events.last().unwrap());
    ws.close(None).await.ok();
    drop(ws);
    let mut ws = b.ws("/ws/stream").await;
    let welcome = hello(&mut ws, Some(&session), last).await;
    assert_eq!(welcome["resumed"], true, "{welcome}");
    events.extend(sequenced_until(&mut ws, |e| e["type"] == "result").await);
    assert_complete_and_ordered(&events);
    let _ = ws.send(Message::Close(None)).await;
}

#[tokio::test]
async fn the_count_bound_is_the_streams_maxlen_and_a_resume_before_it_is_evicted() {
    let bound = ["--resume-max-events", "5"];
    let (_redis, a, b) = two_instances(&bound);
    // Paced, so a viewer attached from the start keeps up with a 5-event window.
    start_run(&b, "/control/runs/long-1?progress_events=3&delay_ms=5").await;
    // A first viewer, to know the run is over (its stream holds only its last entries).
    let mut first = a.ws("/ws/runs/long-1").await;
    hello(&mut first, None, 0).await;
    sequenced_until(&mut first, |e| e["type"] == "done").await;

    // A fresh viewer starts at the oldest event still held (its client sees a gap, as the
    // protocol says), continues to `done` and gets the clean close.
    let mut ws = a.ws("/ws/runs/long-1").await;
    let session = hello(&mut ws, None, 0).await["session"]
        .as_str()
        .unwrap()
        .to_string();
    let events = sequenced_until(&mut ws, |e| e["type"] == "done").await;
    assert_eq!(expect_close(&mut ws).await.0, 1000);
    let seqs: Vec<u64> = events.iter().map(seq).collect();
    let oldest = seqs[0];
    assert!(oldest > 1, "the start was trimmed: {seqs:?}");
    assert!(seqs.len() <= 5, "MAXLEN 5: {seqs:?}");
    assert_eq!(
        seqs,
        (oldest..oldest + seqs.len() as u64).collect::<Vec<_>>()
    );

    // On the other instance: a position whose next event was trimmed is evicted, one still
    // held resumes.
    let mut ws = b.ws("/ws/runs/long-1").await;
    let welcome = hello(&mut ws, Some(&session), 1).await;
    assert_eq!(welcome["resumed"], false, "{welcome}");
    assert_eq!(welcome["reason"], "evicted");
    let mut ws = b.ws("/ws/runs/long-1").await;
    let welcome = hello(&mut ws, Some(&session), oldest).await;
    assert_eq!(welcome["resumed"], true, "{welcome}");
    let rest = sequenced_until(&mut ws, |e| e["type"] == "done").await;
    assert_eq!(rest.iter().map(seq).collect::<Vec<_>>(), seqs[1..].to_vec());
    assert_eq!(expect_close(&mut ws).await.0, 1000);
}

#[tokio::test]
async fn a_subscriber_cut_by_redis_is_remade_and_nothing_is_lost() {
    let (redis, a, b) = two_instances(&[]);
    start_run(&b, "/control/runs/cut-1?delay_ms=20&progress_events=6").await;
    let mut ws = a.ws("/ws/runs/cut-1").await;
    hello(&mut ws, None, 0).await;
    let mut events = sequenced_until(&mut ws, |e| seq(e) >= 5).await;

    // Redis drops every subscriber (as it does to one past its output buffer limit) but
    // stays up: the instances re-subscribe and re-read; the socket is not closed.
    let killed = redis.command(&["CLIENT", "KILL", "TYPE", "pubsub"]);
    assert!(killed.starts_with(':'), "CLIENT KILL answered {killed}");
    events.extend(sequenced_until(&mut ws, |e| e["type"] == "done").await);
    assert_eq!(expect_close(&mut ws).await.0, 1000);
    assert_complete_and_ordered(&events);
    assert!(a.stderr().contains("re-made"), "{}", a.stderr());
}

#[tokio::test]
async fn a_resume_on_another_instance_drops_the_sessions_socket_there() {
    let (_redis, a, b) = two_instances(&[]);
    start_run(&b, "/control/runs/moved-1?delay_ms=20&progress_events=6").await;
    let mut old = a.ws("/ws/runs/moved-1").await;
    let session = hello(&mut old, None, 0).await["session"]
        .as_str()
        .unwrap()
        .to_string();
    let events = sequenced_until(&mut old, |e| seq(e) >= 3).await;

    // The client thinks its socket on A is dead (half-open) and resumes on B.
    let mut new = b.ws("/ws/runs/moved-1").await;
    let welcome = hello(&mut new, Some(&session), seq(events.last().unwrap())).await;
    assert_eq!(welcome["resumed"], true, "{welcome}");
    // A drops its socket of the session: no close frame, the TCP connection just ends.
    loop {
        match next_seen(&mut old, PATIENCE).await {
            Seen::Text(_) => continue, // what A sent before it learnt of the takeover
            Seen::Ended(_) => break,
            other => panic!("expected the old socket to be dropped, saw {other:?}"),
        }
    }
    let rest = sequenced_until(&mut new, |e| e["type"] == "done").await;
    assert_eq!(seq(&rest[0]), seq(events.last().unwrap()) + 1);
}

/// The deltas of a chat's events, concatenated.
fn answer_of(events: &[Value]) -> String {
    events
        .iter()
        .filter(|e| e["type"] == "message_delta")
        .map(|e| e["delta"].as_str().unwrap())
        .collect()
}

/// Starts a paced chat on `instance` over a resumable session; returns the socket, the
/// session id, and the events up to and including the chat's `deltas`-th `message_delta`.
async fn chat_until_delta(
    instance: &Instance,
    answer_tokens: u64,
    deltas: usize,
) -> (Ws, String, Vec<Value>) {
    let mut ws = instance.ws("/ws/stream?tokens_per_sec=40&delay_ms=5").await;
    let session = hello(&mut ws, None, 0).await["session"]
        .as_str()
        .unwrap()
        .to_string();
    send_json(
        &mut ws,
        json!({"type":"chat","id":"c-1","payload":{"message":"Compare NVDA and AMD","answer_tokens":answer_tokens}}),
    )
    .await;
    let mut events = Vec::new();
    for _ in 0..deltas {
        events.extend(sequenced_until(&mut ws, |e| e["type"] == "message_delta").await);
    }
    (ws, session, events)
}

/// Asserts a chat's events: every seq once and in order through `result`, whose content is
/// exactly the concatenated deltas (`answer_tokens` of them).
fn assert_whole_answer(events: &[Value], answer_tokens: usize) {
    assert_complete_and_ordered(events);
    let result = events.last().unwrap();
    assert_eq!(result["type"], "result", "{result}");
    let deltas = events
        .iter()
        .filter(|e| e["type"] == "message_delta")
        .count();
    assert_eq!(deltas, answer_tokens, "every delta once");
    assert_eq!(result["content"].as_str().unwrap(), answer_of(events));
}

#[tokio::test]
async fn a_chat_whose_instance_is_killed_is_finished_by_the_instance_the_client_resumed_on() {
    let (_redis, mut a, b) = two_instances(&[]);
    // 60 deltas at 40/s: A dies a few deltas into the answer.
    let (ws, session, mut events) = chat_until_delta(&a, 60, 5).await;
    let last = seq(events.last().unwrap());
    a.kill_9();
    drop(ws);

    let mut ws = b.ws("/ws/stream").await;
    let welcome = hello(&mut ws, Some(&session), last).await;
    assert_eq!(welcome["resumed"], true, "{welcome}");
    events.extend(sequenced_until(&mut ws, |e| e["type"] == "result").await);

    assert_whole_answer(&events, 60);
    assert!(b.stderr().contains("took over"), "{}", b.stderr());
}

#[tokio::test]
async fn a_run_whose_instance_is_killed_is_finished_by_the_instance_the_client_resumed_on() {
    let (_redis, mut a, b) = two_instances(&[]);
    let mut ws = a.ws("/ws/runs/plain-1?delay_ms=40").await;
    let session = hello(&mut ws, None, 0).await["session"]
        .as_str()
        .unwrap()
        .to_string();
    let mut events = sequenced_until(&mut ws, |e| seq(e) >= 4).await;
    a.kill_9();
    drop(ws);

    let mut ws = b.ws("/ws/runs/plain-1").await;
    let welcome = hello(&mut ws, Some(&session), 4).await;
    assert_eq!(welcome["resumed"], true, "{welcome}");
    events.extend(sequenced_until(&mut ws, |e| e["type"] == "done").await);
    assert_eq!(expect_close(&mut ws).await, (1000, "run complete".into()));

    assert_eq!(events[0]["type"], "boot");
    assert_complete_and_ordered(&events);
    let ends = count_type(&events, "tool_end");
    assert_eq!(
        events.last().unwrap()["tools_run"],
        ends as u64,
        "the same run: done counts the tools the events show"
    );
    assert!(b.stderr().contains("took over"), "{}", b.stderr());
}

#[tokio::test]
async fn a_started_run_survives_the_death_of_the_instance_that_got_the_post() {
    let (_redis, mut a, b) = two_instances(&[]);
    start_run(&a, "/control/runs/posted-1?delay_ms=25&progress_events=10").await;
    // The viewer on B stays connected throughout: B itself notices the stall.
    let mut ws = b.ws("/ws/runs/posted-1").await;
    hello(&mut ws, None, 0).await;
    let mut events = sequenced_until(&mut ws, |e| seq(e) >= 8).await;
    a.kill_9();
    events.extend(sequenced_until(&mut ws, |e| e["type"] == "done").await);
    assert_eq!(expect_close(&mut ws).await, (1000, "run complete".into()));

    assert_eq!(events[0]["type"], "boot");
    assert_complete_and_ordered(&events);
    let progress = count_type(&events, "tool_progress");
    let tools = count_type(&events, "tool_start");
    assert_eq!(
        progress,
        10 * tools,
        "progress_events=10 per tool, as posted"
    );
    assert!(
        b.stderr().contains("took over run:posted-1"),
        "{}",
        b.stderr()
    );
}

#[tokio::test]
async fn a_paused_owner_that_comes_back_cannot_append_to_the_chat_it_lost() {
    let lease = ["--lease-ms", "400"];
    let (_redis, a, b) = two_instances(&lease);
    let (ws, session, mut events) = chat_until_delta(&a, 80, 3).await;
    let last = seq(events.last().unwrap());
    // Frozen mid-answer: it stops renewing its lease, but believes it still plays the chat.
    a.stop();
    drop(ws);

    let mut ws = b.ws("/ws/stream").await;
    let welcome = hello(&mut ws, Some(&session), last).await;
    assert_eq!(welcome["resumed"], true, "{welcome}");
    events.extend(sequenced_until(&mut ws, |e| seq(e) >= last + 5).await);
    b.wait_stderr("took over").await;

    // A runs on: its next append (or renewal) finds the lease taken and is refused.
    a.cont();
    a.wait_stderr("lost the lease").await;
    events.extend(sequenced_until(&mut ws, |e| e["type"] == "result").await);
    assert_whole_answer(&events, 80);
}

/// A Redis and two backends on it (as two instances hold them), with leases of `lease`, for
/// tests of the scripts themselves.
async fn two_backends(
    lease: Duration,
) -> (
    RedisServer,
    std::sync::Arc<agentwire_server::redis::RedisBackend>,
    std::sync::Arc<agentwire_server::redis::RedisBackend>,
) {
    use agentwire_server::redis::RedisBackend;
    let redis = RedisServer::start();
    let config = agentwire_server::Config {
        lease,
        ..test_config()
    };
    let one = RedisBackend::connect(&redis.url(), &config).await.unwrap();
    let other = RedisBackend::connect(&redis.url(), &config).await.unwrap();
    (redis, one, other)
}

#[tokio::test]
async fn an_ack_claim_is_made_done_with_the_work_it_begins_and_a_lapsed_one_begins_nothing() {
    use agentwire_server::redis::acks::AckState;
    use agentwire_server::redis::leases::{ClaimMode, WorkBegun};

    let (_redis, one, other) = two_backends(Duration::from_millis(200)).await;
    let spec = r#"{"kind":"chat","label":"session_1"}"#;

    let AckState::Claimed(claim) = one.claim_ack("stream", "c-1").await.unwrap() else {
        panic!("a new id is claimed");
    };
    assert_eq!(other.claim_ack("stream", "c-1").await.unwrap(), AckState::ClaimedElsewhere);
    let lease = one.claim("s-1", ClaimMode::Steal).await.unwrap().unwrap();
    assert_eq!(
        one.begin_work("s-1", &lease.token, spec, Some(&claim)).await.unwrap(),
        WorkBegun::Base(0)
    );
    assert_eq!(other.claim_ack("stream", "c-1").await.unwrap(), AckState::Done, "done with the work's record");
    assert_eq!(other.processed("stream").await.unwrap(), vec!["c-1".to_string()]);

    // A claim that lapsed (its instance stalled past the lease) and was taken by another
    // instance begins nothing: that instance acts on the message instead.
    let AckState::Claimed(stale) = one.claim_ack("stream", "c-2").await.unwrap() else {
        panic!("a new id is claimed");
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let AckState::Claimed(fresh) = other.claim_ack("stream", "c-2").await.unwrap() else {
        panic!("a lapsed claim is claimed again");
    };
    let lease = one.claim("s-1", ClaimMode::Steal).await.unwrap().unwrap();
    assert_eq!(
        one.begin_work("s-1", &lease.token, spec, Some(&stale)).await.unwrap(),
        WorkBegun::ClaimLapsed
    );
    assert!(!one.commit_ack(&stale).await.unwrap());
    assert!(other.commit_ack(&fresh).await.unwrap());
    assert_eq!(one.processed("stream").await.unwrap(), vec!["c-1".to_string(), "c-2".to_string()]);
}

#[tokio::test]
async fn a_stale_lease_holder_cannot_append_finish_or_renew_once_another_instance_claimed_it() {
    use agentwire_server::events::Event;
    use agentwire_server::redis::leases::{ClaimMode, WorkBegun};
    use agentwire_server::redis::streams::Entry;

    let (_redis, old, new) = two_backends(Duration::from_millis(300)).await;
    let (stream, spec) = ("s-fenced", r#"{"kind":"chat","label":"session_1"}"#);
    let event = Event::new("tick", json!({}));

    let first = old.claim(stream, ClaimMode::Steal).await.unwrap().unwrap();
    assert_eq!(
        old.begin_work(stream, &first.token, spec, None).await.unwrap(),
        WorkBegun::Base(0)
    );
    assert_eq!(
        old.append(stream, &event, Some(first.token.as_str()), false)
            .await
            .unwrap(),
        Some(1)
    );
    assert!(old.renew(stream, &first.token).await.unwrap());
    // While the lease stands, nobody claims it as lapsed.
    assert_eq!(new.claim(stream, ClaimMode::Lapsed).await.unwrap(), None);

    // The holder stops renewing (paused, partitioned): the lease lapses and is claimed.
    tokio::time::sleep(Duration::from_millis(450)).await;
    let second = new
        .claim(stream, ClaimMode::Lapsed)
        .await
        .unwrap()
        .expect("a lapsed lease with work left is claimed");
    assert_ne!(second.token, first.token);
    assert_eq!((second.last, second.base), (1, 0));
    assert_eq!(second.work.as_deref(), Some(spec));

    // The old holder comes back: nothing it writes is accepted.
    assert_eq!(
        old.append(stream, &event, Some(first.token.as_str()), false)
            .await
            .unwrap(),
        None
    );
    assert!(!old
        .finish(stream, Some(first.token.as_str()))
        .await
        .unwrap());
    assert!(!old.renew(stream, &first.token).await.unwrap());
    assert!(!old.end_work(stream, &first.token, true).await.unwrap());
    assert_eq!(
        new.append(stream, &event, Some(second.token.as_str()), false)
            .await
            .unwrap(),
        Some(2)
    );

    // A steal (a client acting on its session elsewhere) fences the holder at once.
    let third = old.claim(stream, ClaimMode::Steal).await.unwrap().unwrap();
    assert_eq!(third.last, 2);
    assert_eq!(
        new.append(stream, &event, Some(second.token.as_str()), false)
            .await
            .unwrap(),
        None
    );
    assert!(old
        .finish(stream, Some(third.token.as_str()))
        .await
        .unwrap());
    assert_eq!(
        new.claim(stream, ClaimMode::Lapsed).await.unwrap(),
        None,
        "finished: its work and lease are gone, nothing is left to continue"
    );

    let entries = new.read_after(stream, 0, 10).await.unwrap();
    assert_eq!(
        entries
            .iter()
            .map(|e| match e {
                Entry::Event { seq, .. } => (*seq, 0),
                Entry::Finished { after } => (*after, 1),
            })
            .collect::<Vec<_>>(),
        vec![(1, 0), (2, 0), (2, 1)],
        "exactly the holders' events, then the finish mark"
    );
}

#[tokio::test]
async fn a_chat_sent_right_after_a_result_played_elsewhere_supersedes_nothing() {
    let (_redis, a, b) = two_instances(&[]);
    // A plays the chat; the client moves to B mid-answer and gets the rest from there.
    let (ws, session, events) = chat_until_delta(&a, 20, 2).await;
    drop(ws);
    let mut ws = b.ws("/ws/stream").await;
    let welcome = hello(&mut ws, Some(&session), seq(events.last().unwrap())).await;
    assert_eq!(welcome["resumed"], true, "{welcome}");
    let rest = sequenced_until(&mut ws, |e| e["type"] == "result").await;

    // The next chat, on B, the moment the result is in: the chat on A is over (its work ended
    // with its result), so nothing is cancelled and the new chat starts at once.
    send_json(
        &mut ws,
        json!({"type":"chat","id":"c-2","payload":{"message":"And AMD?","answer_tokens":3}}),
    )
    .await;
    let next = sequenced_until(&mut ws, |_| true).await;
    assert_eq!(next[0]["type"], "agent_step", "{}", next[0]);
    assert_eq!(seq(&next[0]), seq(rest.last().unwrap()) + 1);
    let second = sequenced_until(&mut ws, |e| e["type"] == "result").await;
    assert!(
        second.iter().all(|e| e["type"] != "cancelled"),
        "{second:?}"
    );
}

#[tokio::test]
async fn a_cancel_on_another_instance_stops_the_chat_there_before_cancelled_and_marks_it_cancelled()
{
    let (_redis, a, b) = two_instances(&[]);
    // A long answer on A (200 deltas at 40/s); the client moves to B mid-answer.
    let (ws, session, events) = chat_until_delta(&a, 200, 2).await;
    drop(ws);
    let mut ws = b.ws("/ws/stream").await;
    let welcome = hello(&mut ws, Some(&session), seq(events.last().unwrap())).await;
    assert_eq!(welcome["resumed"], true, "{welcome}");
    let agent_session = events[0]["session_id"].as_str().unwrap().to_string();

    send_json(&mut ws, json!({"type":"cancel","id":"x-1","payload":{}})).await;
    let until_cancelled = sequenced_until(&mut ws, |e| e["type"] == "cancelled").await;
    let cancelled = until_cancelled.last().unwrap();
    assert_eq!(cancelled["success"], true, "{cancelled}");
    assert_eq!(cancelled["session_id"], agent_session.as_str());
    // A, still playing it, is fenced out: nothing of the chat follows `cancelled`.
    loop {
        match next_seen(&mut ws, Duration::from_millis(400)).await {
            Seen::Nothing => break,
            Seen::Text(text) => {
                let frame: Value = serde_json::from_str(&text).unwrap();
                assert!(frame.get("seq").is_none(), "after cancelled: {frame}");
            }
            other => panic!("the socket ended: {other:?}"),
        }
    }
    a.wait_stderr("lost the lease").await;

    // The shared registry, asked on either instance, says cancelled.
    let mut tracker = a.ws("/ws/agent-tracking/client_1_cancel").await;
    sequenced_until(&mut tracker, |e| e["type"] == "active_sessions").await;
    send_json(
        &mut tracker,
        json!({"type":"get_session_state","session_id":agent_session}),
    )
    .await;
    let state = sequenced_until(&mut tracker, |e| e["type"] == "session_state").await;
    assert_eq!(state.last().unwrap()["state"]["status"], "cancelled");
}
