//! `on_json`: messages deserialised into the listener's own serde type.

use std::cell::RefCell;
use std::rc::Rc;

use agentwire::core::{ErrorKind, Status};
use agentwire::Options;
use serde::Deserialize;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::support::{begin, control_send, json_text, wait_for_log, wait_until, ws_url, Recorder};

/// The reference protocol's `progress` event (server/README.md).
#[derive(Debug, PartialEq, Deserialize)]
struct Progress {
    current_turn: u32,
    max_turns: u32,
    #[serde(default)]
    session_id: Option<String>,
}

/// A connected transport with an `on_json::<Progress>("progress", ..)` listener recording into
/// the returned list, and the listener's handle (dropping it removes the listener).
async fn connected_with_progress_listener() -> (Recorder, Rc<RefCell<Vec<Progress>>>, agentwire::ListenerHandle) {
    let t = Recorder::new(Options::new(ws_url("/ws/echo")));
    let received = Rc::new(RefCell::new(Vec::new()));
    let listening = t.on_json("progress", {
        let received = received.clone();
        move |progress: Progress| received.borrow_mut().push(progress)
    });
    t.connect().await;
    wait_for_log("the connection registered", |log| log["echo"].connections == 1).await;
    (t, received, listening)
}

async fn server_sends(frame: &str) {
    assert_eq!(control_send("send?endpoint=echo", frame).await, 1, "connections sent to");
}

#[wasm_bindgen_test]
async fn on_json_delivers_each_message_of_its_type_as_a_rust_struct() {
    begin().await;
    let (t, received, _listening) = connected_with_progress_listener().await;

    server_sends(r#"{"type":"progress","current_turn":1,"max_turns":3,"session_id":"s-1"}"#).await;
    server_sends(r#"{"type":"result","content":"not for this listener"}"#).await;
    server_sends(r#"{"type":"progress","current_turn":2,"max_turns":3}"#).await;
    wait_until("three messages", || t.message_count() == 3).await;

    assert_eq!(
        *received.borrow(),
        [
            Progress { current_turn: 1, max_turns: 3, session_id: Some("s-1".into()) },
            Progress { current_turn: 2, max_turns: 3, session_id: None },
        ]
    );
    assert_eq!(t.error_kinds(), []);
}

#[wasm_bindgen_test]
async fn a_message_that_does_not_fit_the_struct_is_reported_as_parse_and_delivery_goes_on() {
    begin().await;
    let (t, received, _listening) = connected_with_progress_listener().await;

    server_sends(r#"{"type":"progress","current_turn":1,"max_turns":3}"#).await;
    let misfit = r#"{"type":"progress","current_turn":"two","max_turns":3}"#;
    server_sends(misfit).await;
    server_sends(r#"{"type":"progress","current_turn":3,"max_turns":3}"#).await;
    wait_until("three messages", || t.message_count() == 3).await;
    // Error events come from a microtask after the message's own event.
    wait_until("an error event", || !t.errors().is_empty()).await;

    let turns: Vec<u32> = received.borrow().iter().map(|progress| progress.current_turn).collect();
    assert_eq!(turns, [1, 3], "the messages that fit, in order");
    let errors = t.errors();
    assert_eq!(t.error_kinds(), [ErrorKind::Parse]);
    assert!(errors[0].message.contains("'progress'"), "the error names the type: {}", errors[0].message);
    let payload = errors[0].payload.as_ref().map(json_text);
    assert_eq!(payload.as_deref(), Some(misfit), "the error carries the message");
    assert_eq!(t.messages().len(), 3, "the '*' listener still got every message");
    assert_eq!(t.current_status(), Status::Connected);
}
