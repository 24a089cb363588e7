//! `send_with_ack` and resume from Rust, against the reference server's /ws/stream.

use agentwire::core::Status;
use agentwire::{Options, Section};
use serde::Serialize;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::support::{begin, control, json_text, retry_after, wait_for_log, wait_until, ws_url, Recorder};

#[derive(Serialize)]
struct Cancel {
    r#type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'static str>,
    payload: Empty,
}

#[derive(Serialize)]
struct Empty {}

fn cancel(id: Option<&'static str>) -> Cancel {
    Cancel { r#type: "cancel", id, payload: Empty {} }
}

fn string_field(value: &JsValue, name: &str) -> Option<String> {
    js_sys::Reflect::get(value, &name.into()).ok().and_then(|field| field.as_string())
}

#[wasm_bindgen_test]
async fn send_with_ack_resolves_with_the_servers_ack_across_a_resumed_drop() {
    begin().await;
    let options = Options { resume: Some(true), heartbeat: Section::Off, reconnect: retry_after(50.0), ..Options::new(ws_url("/ws/stream")) };
    let t = Recorder::new(options);
    t.connect().await;
    let session = t.snapshot().session_id.expect("the server's welcome named a session");

    let ack = t.send_with_ack(&cancel(Some("rust-1")), None).await.expect("acknowledged");
    assert_eq!((string_field(&ack, "type").as_deref(), string_field(&ack, "id").as_deref()), (Some("ack"), Some("rust-1")), "{}", json_text(&ack));

    // Sent (not awaited yet) just before a drop: its ack comes before the drop or, through the
    // re-send, after the reconnect; the future resolves either way, and the server acts once.
    let generated = t.send_with_ack(&cancel(None), Some(10_000.0));
    control("drop").await;
    let ack = generated.await.expect("acknowledged");
    let id = string_field(&ack, "id").expect("an id");
    assert_eq!(id.len(), 36, "a generated UUID: {id}");
    wait_until("connected again", || t.current_status() == Status::Connected).await;

    let log = wait_for_log("both ids processed", |log| log["stream"].processed.len() == 2).await;
    assert_eq!(log["stream"].processed, ["rust-1".to_owned(), id], "each acted on once, in order");
    let snapshot = t.snapshot();
    assert_eq!(snapshot.session_id.as_deref(), Some(session.as_str()));
    assert!(t.errors().iter().all(|e| e.kind != agentwire::core::ErrorKind::Gap), "nothing missed");
}

#[wasm_bindgen_test]
async fn send_with_ack_fails_with_freed_when_the_transport_is_freed_first() {
    begin().await;
    let t = Recorder::new(Options::new(ws_url("/ws/stream")));
    let pending = t.send_with_ack(&cancel(Some("never")), None);
    t.free();
    let error = pending.await.expect_err("freed before any ack");
    assert_eq!(string_field(&error, "kind").as_deref(), Some("freed"));
}
