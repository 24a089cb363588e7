//! Reconnection after the server drops the connection, and the offline queue meanwhile.

use agentwire::core::{SendOutcome, Status};
use agentwire::Options;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::support::{begin, control, echo_log, retry_after, wait_for_log, wait_until, ws_url, Recorder};

#[wasm_bindgen_test]
async fn a_dropped_connection_is_replaced_and_messages_sent_meanwhile_are_queued_and_flushed_in_order() {
    begin().await;
    // A wait before the retry long enough to send in while reconnecting.
    let t = Recorder::new(Options { reconnect: retry_after(300.0), ..Options::new(ws_url("/ws/echo")) });
    t.connect().await;
    assert_eq!(t.send_text(r#"{"type":"before"}"#), SendOutcome::Sent);
    wait_until("the first echo", || t.message_count() == 1).await;

    wait_for_log("the connection registered", |log| log["echo"].connections == 1).await;
    assert_eq!(control("drop").await, 1, "connections dropped");
    wait_until("status reconnecting", || t.current_status() == Status::Reconnecting).await;
    let outcomes: Vec<_> = ["q1", "q2", "q3"]
        .iter()
        .map(|q| t.send_text(&format!(r#"{{"type":"queued","q":"{q}"}}"#)))
        .collect();
    assert_eq!(outcomes, [SendOutcome::Queued; 3]);
    assert_eq!(t.snapshot().queued, 3);

    wait_until("reconnected", || t.current_status() == Status::Connected).await;
    assert_eq!(t.send_text(r#"{"type":"after"}"#), SendOutcome::Sent);
    wait_until("all five echoes", || t.message_count() == 5).await;

    let expected = [
        r#"{"type":"before"}"#,
        r#"{"type":"queued","q":"q1"}"#,
        r#"{"type":"queued","q":"q2"}"#,
        r#"{"type":"queued","q":"q3"}"#,
        r#"{"type":"after"}"#,
    ];
    assert_eq!(t.messages(), expected, "echoes, in the order sent");
    let log = echo_log().await;
    assert_eq!(log.received, expected, "what the server received, in order");
    assert_eq!(log.connections, 2);

    let statuses = t.statuses();
    let dropped = statuses.iter().find(|change| change.status == Status::Reconnecting).expect("a change to reconnecting");
    assert_eq!(
        (dropped.previous, dropped.code, dropped.attempt, dropped.delay_ms),
        (Status::Connected, Some(1006), 1, Some(300.0)),
        "the change to reconnecting: previous, code (1006: no close frame), attempt, delay"
    );
    assert_eq!(statuses.last().map(|change| change.status), Some(Status::Connected));
    assert_eq!(t.snapshot().queued, 0);
    assert_eq!(t.counters().reconnects, 1);
}
