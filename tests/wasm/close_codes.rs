//! What the transport does when the server closes with a rejection code.

use agentwire::core::{ErrorKind, Status};
use agentwire::Options;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::support::{begin, control, echo_log, retry_after, sleep, wait_for_log, wait_until, ws_url, Recorder};

#[wasm_bindgen_test]
async fn close_4401_from_the_server_ends_in_error_with_no_further_attempts() {
    begin().await;
    // Retries would come quickly, so the wait below would see one if it were made.
    let t = Recorder::new(Options { reconnect: retry_after(50.0), ..Options::new(ws_url("/ws/echo")) });
    t.connect().await;
    wait_for_log("the connection registered", |log| log["echo"].connections == 1).await;

    assert_eq!(control("close?code=4401&reason=expired").await, 1, "connections closed");
    wait_until("status error", || t.current_status() == Status::Error).await;
    sleep(500).await;

    assert_eq!(t.current_status(), Status::Error);
    assert_eq!(t.counters().attempts, 1, "attempts made");
    assert_eq!(echo_log().await.connections, 1, "connections the server accepted");
    let last = t.statuses().pop().expect("status changes");
    assert_eq!(
        (last.status, last.previous, last.code, last.reason.as_deref()),
        (Status::Error, Status::Connected, Some(4401), Some("expired"))
    );
    assert_eq!(t.error_kinds(), [ErrorKind::Rejected]);
}
