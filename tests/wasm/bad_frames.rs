//! A malformed frame from the server is reported and skipped; the stream goes on.

use agentwire::core::{ErrorKind, Status};
use agentwire::Options;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::support::{begin, control_send, wait_for_log, wait_until, ws_url, Recorder};

#[wasm_bindgen_test]
async fn a_malformed_frame_is_reported_as_parse_and_the_next_valid_frame_is_delivered() {
    begin().await;
    let t = Recorder::new(Options::new(ws_url("/ws/echo")));
    t.connect().await;
    wait_for_log("the connection registered", |log| log["echo"].connections == 1).await;

    assert_eq!(control_send("send?endpoint=echo", "not json").await, 1, "connections sent to");
    assert_eq!(control_send("send?endpoint=echo", r#"{"type":"ok","n":1}"#).await, 1, "connections sent to");
    wait_until("the valid frame", || t.message_count() == 1).await;

    assert_eq!(t.messages(), [r#"{"type":"ok","n":1}"#]);
    let errors = t.errors();
    assert_eq!(t.error_kinds(), [ErrorKind::Parse]);
    let payload = errors[0].payload.as_ref().and_then(|frame| frame.as_string());
    assert_eq!(payload.as_deref(), Some("not json"), "the error carries the frame");
    assert_eq!(t.snapshot().last_error.map(|(kind, _)| kind), Some(ErrorKind::Parse));
    assert_eq!(t.current_status(), Status::Connected);
    assert_eq!(t.counters().messages_in, 2, "both frames counted");
}
