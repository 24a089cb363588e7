//! CORS on the control API: pages served from another origin (the wasm test suite's runner,
//! the benchmark's cross-origin-isolated pages) drive `/control/...` with fetch, which needs
//! `Access-Control-Allow-Origin` on the reply and an answered preflight. So does `POST /agui`,
//! which AG-UI frontends call from their own origin. Nothing else is cross-origin.

use crate::common::*;

/// Where the wasm suite's page comes from: wasm-bindgen-test-runner's own port.
const PAGE_ORIGIN: &str = "http://127.0.0.1:9";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_control_api_answers_cross_origin_requests_with_allow_origin() {
    let server = server().await;
    let origin = [("Origin", PAGE_ORIGIN)];
    let port = server.port();
    let reset = http_with_headers(port, "POST", "/control/reset", &origin, b"").await;
    assert_eq!(reset.status, 200);
    assert_eq!(reset.header("access-control-allow-origin"), Some("*"));
    let sent = http_with_headers(
        port,
        "POST",
        "/control/send?endpoint=echo",
        &origin,
        b"not json",
    )
    .await;
    assert_eq!(
        (sent.status, sent.json()["ok"].as_bool()),
        (200, Some(true))
    );
    assert_eq!(sent.header("access-control-allow-origin"), Some("*"));
    let log = http_with_headers(port, "GET", "/control/log", &origin, b"").await;
    assert_eq!(log.status, 200);
    assert_eq!(log.header("access-control-allow-origin"), Some("*"));
    // A refused request is readable cross-origin too, so the page sees why.
    let bad = http_with_headers(port, "POST", "/control/close?code=1", &origin, b"").await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.header("access-control-allow-origin"), Some("*"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_control_api_answers_a_preflight_for_post_with_a_content_type() {
    let server = server().await;
    let preflight = [
        ("Origin", PAGE_ORIGIN),
        ("Access-Control-Request-Method", "POST"),
        ("Access-Control-Request-Headers", "content-type"),
    ];
    let reply = http_with_headers(
        server.port(),
        "OPTIONS",
        "/control/send?endpoint=echo",
        &preflight,
        b"",
    )
    .await;
    assert_eq!(reply.status, 204);
    assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
    let methods = reply
        .header("access-control-allow-methods")
        .unwrap_or_default();
    assert!(
        methods.split(',').any(|m| m.trim() == "POST"),
        "allowed methods: {methods:?}"
    );
    let headers = reply
        .header("access-control-allow-headers")
        .unwrap_or_default()
        .to_ascii_lowercase();
    assert!(
        headers.split(',').any(|h| h.trim() == "content-type"),
        "allowed headers: {headers:?}"
    );
    // A preflight does nothing: the log saw no frame sent and nothing reset.
    assert_eq!(
        server.log().await["echo"]["received"],
        serde_json::json!([])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routes_outside_the_control_api_are_not_cross_origin() {
    let server = server().await;
    let origin = [("Origin", PAGE_ORIGIN)];
    let chart = http_with_headers(server.port(), "GET", "/charts/NVDA.svg", &origin, b"").await;
    assert_eq!(chart.status, 200);
    assert_eq!(chart.header("access-control-allow-origin"), None);
    let preflight = [
        ("Origin", PAGE_ORIGIN),
        ("Access-Control-Request-Method", "GET"),
    ];
    let ws = http_with_headers(server.port(), "OPTIONS", "/ws/echo", &preflight, b"").await;
    assert_eq!(
        ws.header("access-control-allow-origin"),
        None,
        "status {}",
        ws.status
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_agui_answers_a_cross_origin_run_and_the_preflight_of_a_continued_stream() {
    let server = server().await;
    // A continued stream sends Last-Event-ID, which is not a CORS-safelisted header.
    let preflight = [
        ("Origin", PAGE_ORIGIN),
        ("Access-Control-Request-Method", "POST"),
        ("Access-Control-Request-Headers", "content-type,last-event-id"),
    ];
    let reply = http_with_headers(server.port(), "OPTIONS", "/agui", &preflight, b"").await;
    assert_eq!(reply.status, 204);
    assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
    let headers = reply
        .header("access-control-allow-headers")
        .unwrap_or_default()
        .to_ascii_lowercase();
    for wanted in ["content-type", "last-event-id"] {
        assert!(
            headers.split(',').any(|h| h.trim() == wanted),
            "{wanted} is not among the allowed headers: {headers:?}"
        );
    }
    let body = br#"{"threadId":"t","runId":"r","messages":[]}"#;
    let run = http_with_headers(
        server.port(),
        "POST",
        "/agui?delay_ms=0&answer_tokens=2",
        &[("Origin", PAGE_ORIGIN), ("Content-Type", "application/json")],
        body,
    )
    .await;
    assert_eq!(run.status, 200);
    assert_eq!(run.header("access-control-allow-origin"), Some("*"));
}
