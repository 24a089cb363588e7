//! /control/...: every chaos and observation action against real connections.

use std::time::{Duration, Instant};

use futures_util::SinkExt;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use crate::common::*;

async fn echo_roundtrip(ws: &mut Ws, text: &str) -> Duration {
    let started = Instant::now();
    send_text(ws, text).await;
    match next_seen(ws, PATIENCE).await {
        Seen::Text(got) => assert_eq!(got, text),
        other => panic!("expected the echo of {text:?}, saw {other:?}"),
    }
    started.elapsed()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drop_cuts_every_connection_without_a_close_frame() {
    let server = server().await;
    let mut a = server.ws("/ws/echo").await;
    let mut b = server.ws("/ws/stream").await;
    server.wait_open("stream", 1).await;
    let reply = server.control("/control/drop").await;
    assert_eq!(reply["affected"], 2);
    for ws in [&mut a, &mut b] {
        match next_seen(ws, PATIENCE).await {
            Seen::Ended(_) => {}
            other => panic!("expected an abrupt end (1006), saw {other:?}"),
        }
    }
    server.wait_open("echo", 0).await;
    // New connections are fine.
    let mut again = server.ws("/ws/echo").await;
    echo_roundtrip(&mut again, "after drop").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_sends_the_requested_code_and_reason() {
    let server = server().await;
    let mut a = server.ws("/ws/echo").await;
    let mut b = server.ws("/ws/runs/r1?delay_ms=1000").await;
    server.wait_open("runs", 1).await;
    let reply = server
        .control("/control/close?code=4000&reason=maintenance%20window")
        .await;
    assert_eq!(reply["affected"], 2);
    assert_eq!(
        expect_close(&mut a).await,
        (4000, "maintenance window".to_string())
    );
    assert_eq!(
        expect_close(&mut b).await,
        (4000, "maintenance window".to_string())
    );
    server.wait_open("echo", 0).await;

    let mut c = server.ws("/ws/echo").await;
    server.control("/control/close").await;
    assert_eq!(expect_close(&mut c).await.0, 1000, "code defaults to 1000");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_rejects_codes_a_server_may_not_send() {
    let server = server().await;
    for query in [
        "code=999",
        "code=1004",
        "code=1005",
        "code=1006",
        "code=1015",
        "code=2999",
        "code=5000",
        "code=x",
        "code=70000",
    ] {
        let reply = server.post(&format!("/control/close?{query}"), b"").await;
        assert_eq!(reply.status, 400, "{query}");
        let body = reply.json();
        assert_eq!(body["ok"], false);
        assert!(body["error"].is_string());
    }
    let long = "r".repeat(124);
    assert_eq!(
        server
            .post(&format!("/control/close?code=4000&reason={long}"), b"")
            .await
            .status,
        400
    );
    for good in [
        "code=1000",
        "code=1001",
        "code=1011",
        "code=1012",
        "code=3000",
        "code=4999",
    ] {
        assert_eq!(
            server
                .post(&format!("/control/close?{good}"), b"")
                .await
                .status,
            200,
            "{good}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refuse_answers_upgrades_with_503_until_the_window_ends() {
    let server = server().await;
    let mut existing = server.ws("/ws/echo").await;
    let started = Instant::now();
    server.control("/control/refuse?ms=300").await;
    match server.try_ws("/ws/echo").await {
        Err(WsError::Http(resp)) => assert_eq!(resp.status(), 503),
        other => panic!("expected 503, got {:?}", other.map(|_| ())),
    }
    // HTTP keeps working, and so do existing connections.
    assert_eq!(server.get("/healthz").await.status, 200);
    assert_eq!(server.get("/control/log").await.status, 200);
    echo_roundtrip(&mut existing, "still here").await;

    tokio::time::sleep(
        Duration::from_millis(300).saturating_sub(started.elapsed()) + Duration::from_millis(50),
    )
    .await;
    let mut later = server
        .try_ws("/ws/echo")
        .await
        .expect("accepted after the window");
    echo_roundtrip(&mut later, "back").await;

    assert_eq!(
        server.post("/control/refuse", b"").await.status,
        400,
        "ms is required"
    );
    assert_eq!(server.post("/control/refuse?ms=0", b"").await.status, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silence_stops_reads_and_writes_but_keeps_the_socket_open() {
    let server = server().await;
    let mut ws = server.ws("/ws/echo").await;
    echo_roundtrip(&mut ws, "before").await;
    server.control("/control/reset").await; // forget "before" in the log
    let reply = server.control("/control/silence").await;
    assert_eq!(reply["affected"], 1);

    send_text(&mut ws, "into the void").await;
    server.control("/control/send").await; // an empty broadcast frame: queued, not written
    match next_seen(&mut ws, Duration::from_millis(400)).await {
        Seen::Nothing => {}
        other => panic!("a silenced connection must not write: {other:?}"),
    }
    let log = server.log().await;
    assert_eq!(
        log["echo"]["received"],
        json!([]),
        "a silenced connection must not read"
    );
    assert_eq!(log["echo"]["open"], 1, "the socket stays open");

    // Connections opened afterwards behave normally.
    let mut fresh = server.ws("/ws/echo").await;
    echo_roundtrip(&mut fresh, "fresh").await;

    // Ending the silence delivers what waited on both sides: the socket was open all along.
    server.control("/control/reset").await;
    let mut seen = Vec::new();
    for _ in 0..2 {
        match next_seen(&mut ws, PATIENCE).await {
            Seen::Text(t) => seen.push(t),
            other => panic!("after reset: {other:?}"),
        }
    }
    seen.sort();
    assert_eq!(seen, ["", "into the void"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silence_with_ms_ends_by_itself() {
    let server = server().await;
    let mut ws = server.ws("/ws/echo").await;
    // The client's handshake can finish before the server registers the connection (on a
    // loaded machine): a silence sent in between would affect nothing.
    server.wait_open("echo", 1).await;
    let started = Instant::now();
    let reply = server.control("/control/silence?ms=250").await;
    assert_eq!(reply["affected"], 1);
    send_text(&mut ws, "later").await;
    match next_seen(&mut ws, PATIENCE).await {
        Seen::Text(t) => assert_eq!(t, "later"),
        other => panic!("{other:?}"),
    }
    assert!(
        started.elapsed() >= Duration::from_millis(240),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delay_makes_frames_arrive_late_by_at_least_the_delay() {
    let server = server().await;
    let mut ws = server.ws("/ws/echo").await;
    let reply = server.control("/control/delay?ms=250").await;
    assert_eq!(reply["affected"], 1);
    let rtt = echo_roundtrip(&mut ws, "slow").await;
    assert!(rtt >= Duration::from_millis(250), "{rtt:?}");

    // It applies to every endpoint, including frames generated by the bench writer.
    let mut bench = server.ws("/ws/bench").await;
    let started = Instant::now();
    send_json(
        &mut bench,
        json!({ "type": "start", "count": 1, "kind": "delta" }),
    )
    .await;
    assert_eq!(next_json(&mut bench).await["seq"], 0);
    assert!(started.elapsed() >= Duration::from_millis(250));

    server.control("/control/delay?ms=0").await;
    let rtt = echo_roundtrip(&mut ws, "fast").await;
    assert!(rtt < Duration::from_millis(250), "{rtt:?}");
    assert_eq!(
        server.post("/control/delay", b"").await.status,
        400,
        "ms is required"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_delivers_raw_text_and_binary_frames_unmodified() {
    let server = server().await;
    let mut echo = server.ws("/ws/echo").await;
    let mut stream = server.ws("/ws/stream").await;
    server.wait_open("stream", 1).await;

    for raw in [
        "{\"type\":\"agent_status\",",
        "[1,2,3]",
        "\"just a string\"",
        "{\"no_type\":true}",
        "",
    ] {
        let reply = server.post("/control/send", raw.as_bytes()).await;
        assert_eq!(reply.json()["affected"], 2);
        for ws in [&mut echo, &mut stream] {
            match next_seen(ws, PATIENCE).await {
                Seen::Text(t) => assert_eq!(t, raw),
                other => panic!("expected {raw:?}, saw {other:?}"),
            }
        }
    }

    let bytes: Vec<u8> = (0..=255u8).collect();
    assert_eq!(
        server.post("/control/send?binary=1", &bytes).await.json()["affected"],
        2
    );
    for ws in [&mut echo, &mut stream] {
        match next_seen(ws, PATIENCE).await {
            Seen::Binary(b) => assert_eq!(b, bytes),
            other => panic!("{other:?}"),
        }
    }

    // Restricted to one endpoint.
    assert_eq!(
        server
            .post("/control/send?endpoint=stream", b"only stream")
            .await
            .json()["affected"],
        1
    );
    assert!(matches!(next_seen(&mut stream, PATIENCE).await, Seen::Text(t) if t == "only stream"));
    assert!(matches!(
        next_seen(&mut echo, Duration::from_millis(200)).await,
        Seen::Nothing
    ));

    // A huge frame arrives intact.
    let huge = "x".repeat(3 << 20);
    assert_eq!(
        server
            .post("/control/send?endpoint=echo", huge.as_bytes())
            .await
            .json()["affected"],
        1
    );
    assert!(matches!(next_seen(&mut echo, PATIENCE).await, Seen::Text(t) if t == huge));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_rejects_non_utf8_text_unknown_endpoints_and_oversize_bodies() {
    let server = server().await;
    let reply = server.post("/control/send", &[0xff, 0xfe]).await;
    assert_eq!(reply.status, 400);
    assert!(reply.json()["error"].as_str().unwrap().contains("binary=1"));
    let reply = server.post("/control/send?endpoint=nowhere", b"x").await;
    assert_eq!(reply.status, 400);
    assert!(reply.json()["error"].as_str().unwrap().contains("stream"));
    let too_big = vec![b'x'; agentwire_server::control::MAX_CONTROL_BODY_BYTES + 1];
    assert_eq!(server.post("/control/send", &too_big).await.status, 413);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_records_frames_and_connection_counts_and_reset_clears_it() {
    let server = server().await;
    let mut a = server.ws("/ws/echo").await;
    send_text(&mut a, "one").await;
    a.send(Message::binary(vec![1u8; 5])).await.unwrap();
    send_text(&mut a, "two").await;
    for _ in 0..3 {
        next_seen(&mut a, PATIENCE).await;
    }
    let mut b = server.ws("/ws/stream").await;
    send_json(&mut b, json!({ "type": "ping" })).await;
    next_json(&mut b).await;

    let log = server.log().await;
    for endpoint in ["stream", "tracking", "runs", "mission", "echo", "bench"] {
        assert!(log[endpoint].is_object(), "{endpoint} in {log}");
        assert_eq!(log[endpoint]["truncated"], 0);
    }
    assert_eq!(log["echo"]["connections"], 1);
    assert_eq!(log["echo"]["open"], 1);
    assert_eq!(
        log["echo"]["received"],
        json!(["one", "{\"binary\":5}", "two"])
    );
    assert_eq!(log["stream"]["received"], json!(["{\"type\":\"ping\"}"]));
    assert_eq!(log["bench"]["connections"], 0);

    a.close(None).await.unwrap();
    server.wait_open("echo", 0).await;
    assert_eq!(
        server.log().await["echo"]["connections"],
        1,
        "accepted so far, not open now"
    );

    server.control("/control/reset").await;
    let log = server.log().await;
    assert_eq!(log["echo"]["connections"], 0);
    assert_eq!(log["echo"]["received"], json!([]));
    assert_eq!(
        log["stream"]["open"], 1,
        "open connections are still open after a reset"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_clears_refuse_delay_and_silence() {
    let server = server().await;
    let mut ws = server.ws("/ws/echo").await;
    server.control("/control/delay?ms=400").await;
    server.control("/control/silence").await;
    server.control("/control/refuse?ms=60000").await;
    let reply = server.control("/control/reset").await;
    assert_eq!(reply["affected"], 1, "one connection un-silenced");
    let rtt = echo_roundtrip(&mut ws, "normal again").await;
    assert!(rtt < Duration::from_millis(400), "{rtt:?}");
    let mut fresh = server.try_ws("/ws/echo").await.expect("no longer refusing");
    echo_roundtrip(&mut fresh, "hi").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_starts_a_simulated_session_that_tracking_sees() {
    let server = server().await;
    let mut tracking = server.ws("/ws/agent-tracking/client_1_x").await;
    assert_eq!(next_json(&mut tracking).await["type"], "active_sessions");
    server.wait_open("tracking", 1).await;
    let reply = server
        .control("/control/session?message=deploy%20the%20fleet&delay_ms=0")
        .await;
    let session_id = reply["session_id"]
        .as_str()
        .expect("session_id")
        .to_string();
    assert!(session_id.starts_with("session_"));
    loop {
        let e: Value = next_json(&mut tracking).await;
        assert_eq!(e["session_id"], session_id.as_str());
        if e["type"] == "agent_status" && e["status"] == "completed" {
            break;
        }
    }
    send_json(
        &mut tracking,
        json!({ "type": "get_session_state", "session_id": session_id }),
    )
    .await;
    let state = next_json(&mut tracking).await;
    assert_eq!(state["state"]["source"], "control");
    assert_eq!(state["state"]["message"], "deploy the fleet");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_control_parameters_and_routes_are_rejected() {
    let server = server().await;
    let reply = server.post("/control/drop?everything=1", b"").await;
    assert_eq!(reply.status, 400);
    assert!(reply.json()["error"]
        .as_str()
        .unwrap()
        .contains("everything"));
    assert_eq!(
        server.post("/control/delay?ms=10&typo=1", b"").await.status,
        400
    );
    assert_eq!(server.post("/control/silence?ms=-5", b"").await.status, 400);
    assert_eq!(server.post("/control/nothing", b"").await.status, 404);
    assert_eq!(server.get("/control/drop").await.status, 405);
    let health = server.get("/healthz").await;
    assert_eq!((health.status, health.body.as_slice()), (200, &b"ok"[..]));
}
