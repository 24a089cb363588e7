//! The reference server (agentwire-server, started by scripts/wasm-test.sh) and its control
//! API (server/README.md, "Control API"), over gloo-net's fetch.
//!
//! The test page is served by wasm-bindgen-test-runner on a port of its own, so these requests
//! are cross-origin: the server answers `/control/...` with `Access-Control-Allow-Origin: *`.

use std::collections::HashMap;

use gloo_net::http::{Request, RequestBuilder};
use serde::Deserialize;

/// `http://127.0.0.1:<port>`, fixed when the suite is compiled.
const SERVER: &str = env!(
    "AGENTWIRE_TEST_SERVER",
    "set AGENTWIRE_TEST_SERVER=http://127.0.0.1:<port> of a running agentwire-server when building \
     the wasm test suite; scripts/wasm-test.sh does"
);

/// The server's `ws://` URL for `path` (e.g. `/ws/echo`).
pub fn ws_url(path: &str) -> String {
    let Some(authority) = SERVER.strip_prefix("http://") else {
        panic!("AGENTWIRE_TEST_SERVER must be an http:// URL, got {SERVER:?}");
    };
    format!("ws://{}{path}", authority.trim_end_matches('/'))
}

/// `{"ok":true,"affected":N}`, or `{"ok":false,"error":…}` with HTTP 400.
#[derive(Deserialize)]
struct Reply {
    ok: bool,
    #[serde(default)]
    affected: u64,
}

/// One endpoint's entry in `GET /control/log`.
#[derive(Debug, Deserialize)]
pub struct EndpointLog {
    /// Connections accepted since the last reset.
    pub connections: u64,
    /// Connections open now (a reset does not clear it).
    pub open: u64,
    /// The frames received since the last reset, as text.
    pub received: Vec<String>,
    /// The ids of the acknowledged client messages the server acted on, in order.
    #[serde(default)]
    pub processed: Vec<String>,
}

/// `GET /control/log`: each endpoint's (`stream`, `echo`, ...) log.
pub type Log = HashMap<String, EndpointLog>;

/// `POST /control/<action>` (`drop`, `close?code=4401`, ...); returns how many connections it
/// affected. Fails the test unless the server answers `ok`.
pub async fn control(action: &str) -> u64 {
    post(action, Request::post(&control_url(action))).await
}

/// `POST /control/<action>` with `body` (for `send?endpoint=echo`: the frame to send).
pub async fn control_send(action: &str, body: &str) -> u64 {
    let request = Request::post(&control_url(action)).body(body).unwrap_or_else(|e| panic!("POST {action}: {e}"));
    let response = request.send().await.unwrap_or_else(|e| panic!("POST /control/{action}: {e}"));
    reply(action, response).await
}

async fn post(action: &str, request: RequestBuilder) -> u64 {
    let response = request.send().await.unwrap_or_else(|e| panic!("POST /control/{action}: {e}"));
    reply(action, response).await
}

async fn reply(action: &str, response: gloo_net::http::Response) -> u64 {
    let status = response.status();
    let text = response.text().await.unwrap_or_else(|e| panic!("POST /control/{action}: reading the reply: {e}"));
    let reply: Reply = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("POST /control/{action}: HTTP {status}, not a reply ({e}): {text}"));
    assert!(status == 200 && reply.ok, "POST /control/{action}: HTTP {status} {text}");
    reply.affected
}

/// `GET /control/log`.
pub async fn log() -> Log {
    let response = Request::get(&control_url("log")).send().await.unwrap_or_else(|e| panic!("GET /control/log: {e}"));
    assert_eq!(response.status(), 200, "GET /control/log");
    let text = response.text().await.unwrap_or_else(|e| panic!("GET /control/log: reading the reply: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("GET /control/log: not a log ({e}): {text}"))
}

/// The `/ws/echo` entry of the log.
pub async fn echo_log() -> EndpointLog {
    log().await.remove("echo").expect("the log has an 'echo' entry")
}

fn control_url(action: &str) -> String {
    format!("{}/control/{action}", SERVER.trim_end_matches('/'))
}
