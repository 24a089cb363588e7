//! A round trip through the reference server's echo endpoint.

use agentwire::core::{SendOutcome, Status};
use agentwire::Options;
use serde::Serialize;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::support::{begin, echo_log, wait_until, Recorder};

#[derive(Serialize)]
struct Hello {
    r#type: &'static str,
    n: u32,
    nested: Nested,
}

#[derive(Serialize)]
struct Nested {
    ok: bool,
}

#[wasm_bindgen_test]
async fn connects_sends_a_json_object_and_a_string_and_receives_both_back() {
    begin().await;
    let t = Recorder::new(Options::new(crate::support::ws_url("/ws/echo")));
    assert_eq!(t.current_status(), Status::Idle);
    t.connect().await;
    assert_eq!(t.current_status(), Status::Connected);

    let hello = Hello { r#type: "hello", n: 1, nested: Nested { ok: true } };
    assert_eq!(t.send_json(&hello), SendOutcome::Sent);
    assert_eq!(t.send_text(r#"{"type":"raw","text":"é€😀"}"#), SendOutcome::Sent);
    wait_until("both echoes", || t.message_count() == 2).await;

    let sent = [r#"{"type":"hello","n":1,"nested":{"ok":true}}"#, r#"{"type":"raw","text":"é€😀"}"#];
    assert_eq!(t.messages(), sent);
    assert_eq!(echo_log().await.received, sent, "what the server received");
    let counters = t.counters();
    assert_eq!((counters.messages_in, counters.messages_out, counters.attempts), (2, 2, 1));
    assert_eq!(t.status_sequence(), [Status::Connecting, Status::Connected]);
    assert_eq!(t.error_kinds(), []);

    t.free();
    assert_eq!(t.current_status(), Status::Disconnected);
    assert_eq!(t.send_text(r#"{"type":"late"}"#), SendOutcome::Dropped, "a freed transport sends nothing");
}
