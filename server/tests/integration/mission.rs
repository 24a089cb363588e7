//! /ws/mission: token auth through the subprotocol pair and the signal stream.

use std::time::{Duration, Instant};

use agentwire_server::endpoints::mission::signal_payload;
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

use crate::common::*;

async fn connect_with_protocols(
    server: &TestServer,
    path: &str,
    protocols: Option<&str>,
) -> (Ws, Option<String>) {
    let mut request = server.url(path).into_client_request().unwrap();
    if let Some(protocols) = protocols {
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            HeaderValue::from_str(protocols).unwrap(),
        );
    }
    let (ws, response) = connect_async(request).await.expect("handshake completes");
    let selected = response
        .headers()
        .get("Sec-WebSocket-Protocol")
        .map(|v| v.to_str().unwrap().to_string());
    (ws, selected)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_token_is_closed_with_4401() {
    let server = server().await;
    let (mut ws, selected) = connect_with_protocols(&server, "/ws/mission", None).await;
    assert_eq!(selected, None);
    assert_eq!(
        expect_close(&mut ws).await,
        (4401, "unauthorized".to_string())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_token_is_closed_with_4401() {
    let server = server().await;
    let (mut ws, selected) =
        connect_with_protocols(&server, "/ws/mission", Some("token, wrong-token")).await;
    assert_eq!(selected.as_deref(), Some("token"));
    assert_eq!(
        expect_close(&mut ws).await,
        (4401, "unauthorized".to_string())
    );

    // Marker without a value.
    let (mut ws, _) = connect_with_protocols(&server, "/ws/mission", Some("token")).await;
    assert_eq!(expect_close(&mut ws).await.0, 4401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_good_token_selects_the_token_subprotocol_and_streams_signals() {
    let server = server().await;
    let (mut ws, selected) = connect_with_protocols(
        &server,
        "/ws/mission?interval_ms=60",
        Some("token, demo-token"),
    )
    .await;
    assert_eq!(selected.as_deref(), Some("token"));
    let started = Instant::now();
    for seq in 0..5u64 {
        let signal = next_json(&mut ws).await;
        assert_eq!(signal["type"], "signal");
        assert!(signal["timestamp"].is_string());
        assert_eq!(signal["payload"], signal_payload(seq));
        let status = signal["payload"]["status"].as_str().unwrap();
        assert!(["available", "busy", "offline"].contains(&status));
        assert!(signal["payload"]["crewId"].is_string());
    }
    // First at once, then every 60 ms.
    assert!(
        started.elapsed() >= Duration::from_millis(4 * 60 - 20),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configured_tokens_replace_the_demo_default() {
    let server = server_with(|c| c.tokens = vec!["s3cret".into(), "other".into()]).await;
    let (mut ws, _) =
        connect_with_protocols(&server, "/ws/mission", Some("token, demo-token")).await;
    assert_eq!(expect_close(&mut ws).await.0, 4401);
    let (mut ws, _) =
        connect_with_protocols(&server, "/ws/mission?interval_ms=10", Some("token, other")).await;
    assert_eq!(next_json(&mut ws).await["type"], "signal");
}
