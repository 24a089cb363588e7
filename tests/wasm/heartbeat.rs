//! Dead-connection detection against a real half-open peer: the server stops reading and
//! writing but keeps the TCP connection open, so the browser never sees a close.

use agentwire::core::{ErrorKind, Status};
use agentwire::{HeartbeatOptions, Options, Section};
use wasm_bindgen_test::wasm_bindgen_test;

use crate::support::{begin, control, echo_log, retry_after, wait_for_log, wait_until, ws_url, Recorder};

const INTERVAL_MS: f64 = 300.0;
const TIMEOUT_MS: f64 = 300.0;

#[wasm_bindgen_test]
async fn a_silent_server_is_noticed_by_the_heartbeat_and_the_connection_replaced() {
    begin().await;
    let heartbeat = HeartbeatOptions { interval_ms: Some(INTERVAL_MS), timeout_ms: Some(TIMEOUT_MS), ..Default::default() };
    let t = Recorder::new(Options {
        heartbeat: Section::On(heartbeat),
        reconnect: retry_after(50.0),
        ..Options::new(ws_url("/ws/echo"))
    });
    t.connect().await;
    wait_for_log("the connection registered", |log| log["echo"].connections == 1).await;

    assert_eq!(control("silence").await, 1, "connections silenced");
    let silenced_at = js_sys::Date::now();
    wait_until("a heartbeat_timeout error", || t.error_kinds().contains(&ErrorKind::HeartbeatTimeout)).await;
    let noticed_after = js_sys::Date::now() - silenced_at;
    wait_until("connected again", || t.current_status() == Status::Connected && t.counters().reconnects == 1).await;

    // A ping goes out after at most INTERVAL_MS without a frame, and death is declared
    // TIMEOUT_MS after it: never sooner than that, and not much later than both.
    assert!(noticed_after >= TIMEOUT_MS - 20.0, "noticed {noticed_after} ms after the silence");
    assert!(noticed_after < INTERVAL_MS + TIMEOUT_MS + 2_000.0, "noticed {noticed_after} ms after the silence");
    let statuses = t.status_sequence();
    assert_eq!(statuses[..3], [Status::Connecting, Status::Connected, Status::Reconnecting]);
    assert_eq!(statuses.last(), Some(&Status::Connected));
    let counters = t.counters();
    assert!(counters.pings_sent >= 1, "pings sent: {}", counters.pings_sent);
    assert_eq!((counters.attempts, counters.reconnects), (2, 1));
    assert_eq!(echo_log().await.connections, 2, "connections the server accepted");
}
