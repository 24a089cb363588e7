//! Bounds: inbound size, connection count, per-client outbound queue.

use std::time::Duration;

use tokio_tungstenite::tungstenite::Error as WsError;

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversize_inbound_frame_closes_with_1009() {
    let server = server_with(|c| c.max_message_bytes = 4096).await;
    let mut ws = server.ws("/ws/echo").await;
    send_text(&mut ws, &"a".repeat(4096)).await;
    assert!(
        matches!(next_seen(&mut ws, PATIENCE).await, Seen::Text(t) if t.len() == 4096),
        "at the limit is fine"
    );
    send_text(&mut ws, &"a".repeat(40_000)).await;
    let (code, _) = expect_close(&mut ws).await;
    assert_eq!(code, 1009);
    server.wait_open("echo", 0).await;
    // The oversize frame was not logged; the server is fine.
    assert_eq!(
        server.log().await["echo"]["received"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let mut again = server.ws("/ws/echo").await;
    send_text(&mut again, "ok").await;
    assert!(matches!(next_seen(&mut again, PATIENCE).await, Seen::Text(t) if t == "ok"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_maximum_get_503() {
    let server = server_with(|c| c.max_connections = 2).await;
    let mut a = server.ws("/ws/echo").await;
    let _b = server.ws("/ws/stream").await;
    match server.try_ws("/ws/echo").await {
        Err(WsError::Http(resp)) => assert_eq!(resp.status(), 503),
        other => panic!("expected 503, got {:?}", other.map(|_| ())),
    }
    assert_eq!(
        server.get("/healthz").await.status,
        200,
        "HTTP is not counted"
    );
    a.close(None).await.unwrap();
    server.wait_open("echo", 0).await;
    let _c = server
        .try_ws("/ws/echo")
        .await
        .expect("a freed slot is reusable");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_consumer_is_disconnected_instead_of_queueing_without_bound() {
    let server = server_with(|c| c.max_outbound_frames = 8).await;
    let mut slow = server.ws("/ws/agent-tracking/client_1_slow").await;
    assert_eq!(next_json(&mut slow).await["type"], "active_sessions");
    let mut reader = server.ws("/ws/agent-tracking/client_2_fast").await;
    assert_eq!(next_json(&mut reader).await["type"], "active_sessions");
    server.wait_open("tracking", 2).await;

    // `slow` never reads again. Broadcast 64 KiB frames until it is cut off.
    let frame = "y".repeat(64 << 10);
    let mut sent = 0;
    loop {
        let affected = server
            .post("/control/send?endpoint=tracking", frame.as_bytes())
            .await
            .json()["affected"]
            .as_u64()
            .unwrap();
        // The reader keeps up.
        assert!(
            matches!(next_seen(&mut reader, PATIENCE).await, Seen::Text(t) if t.len() == frame.len())
        );
        sent += 1;
        if affected == 1 {
            break;
        }
        assert!(sent < 2000, "the slow consumer was never disconnected");
    }
    server.wait_open("tracking", 1).await;
    // What `slow` sees: the frames that fit in buffers, then the end (a 1013 close frame if
    // it still fit, else an abrupt close).
    loop {
        match next_seen(&mut slow, PATIENCE).await {
            Seen::Text(_) => continue,
            Seen::Close(code, reason) => {
                assert_eq!((code, reason.as_str()), (1013, "slow consumer"));
                break;
            }
            Seen::Ended(_) => break,
            other => panic!("{other:?}"),
        }
    }
    assert!(matches!(
        next_seen(&mut reader, Duration::from_millis(50)).await,
        Seen::Nothing
    ));
}
