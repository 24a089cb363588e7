//! The Rust API of `HttpAgentTransport` in headless Chromium (wasm-bindgen-test-runner) against
//! the reference server's `POST /agui` on 127.0.0.1. Run by `bash scripts/wasm-test.sh`, which
//! starts the server and passes its address in `AGENTWIRE_TEST_SERVER` at compile time.

#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;

use agentwire_http::{HttpAgentTransport, HttpOptions, HttpStatusEvent, ReconnectConfig};
use serde::Serialize;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

// The WebSocket suite's server address and bounded waits (tests/wasm/support), shared. At the
// crate root, so that wait.rs's `super::server` finds server.rs.
#[allow(dead_code)]
#[path = "../../tests/wasm/support/server.rs"]
mod server;
#[allow(dead_code)]
#[path = "../../tests/wasm/support/wait.rs"]
mod wait;
use wait::wait_until;

/// AG-UI's `RunAgentInput`, as a Rust app would write it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RunAgentInput<'a> {
    thread_id: &'a str,
    run_id: &'a str,
    messages: Vec<Message<'a>>,
    tools: Vec<()>,
    state: serde_json::Value,
}

#[derive(Serialize)]
struct Message<'a> {
    id: &'a str,
    role: &'a str,
    content: &'a str,
}

fn agui_url(query: &str) -> String {
    format!("{}/agui?{query}", server::ws_url("").replacen("ws://", "http://", 1).trim_end_matches('/'))
}

fn input<'a>(run_id: &'a str) -> RunAgentInput<'a> {
    RunAgentInput {
        thread_id: "rust-thread",
        run_id,
        messages: vec![Message { id: "u1", role: "user", content: "How is NVDA doing?" }],
        tools: Vec::new(),
        state: serde_json::json!({}),
    }
}

fn fast_retries() -> HttpOptions {
    HttpOptions {
        reconnect: ReconnectConfig { initial_delay_ms: 20.0, max_delay_ms: 50.0, jitter: 0.0, ..ReconnectConfig::default() },
        ..HttpOptions::default()
    }
}

fn text(value: &JsValue, key: &str) -> String {
    js_sys::Reflect::get(value, &key.into()).ok().and_then(|v| v.as_string()).unwrap_or_default()
}

/// Runs `run_id` to its end; the event types in order and the statuses.
async fn run_to_end(query: &str, run_id: &str) -> (Vec<String>, Vec<HttpStatusEvent>) {
    let transport = HttpAgentTransport::with_options(&agui_url(query), fast_retries());
    let types = Rc::new(RefCell::new(Vec::new()));
    let statuses = Rc::new(RefCell::new(Vec::new()));
    let seen = types.clone();
    let _events = transport.on_message("*", move |event| seen.borrow_mut().push(text(event, "type")));
    let seen = statuses.clone();
    let _statuses = transport.on_status_change(move |event| seen.borrow_mut().push(event.clone()));
    transport.start(&input(run_id)).expect("a serialisable RunAgentInput");
    wait_until("the run to finish", || statuses.borrow().last().is_some_and(|s| s.status == "finished")).await;
    let types = types.borrow().clone();
    let statuses = statuses.borrow().clone();
    (types, statuses)
}

#[wasm_bindgen_test]
async fn a_serde_run_input_streams_the_run_to_rust_listeners_and_a_dropped_stream_loses_nothing() {
    let (whole, statuses) = run_to_end("delay_ms=0&answer_tokens=30", "rust-whole").await;
    assert_eq!(whole.first().map(String::as_str), Some("RUN_STARTED"));
    assert_eq!(whole.last().map(String::as_str), Some("RUN_FINISHED"));
    let names: Vec<&str> = statuses.iter().map(|s| s.status.as_str()).collect();
    assert_eq!(names, ["connecting", "connected", "finished"]);

    // The same run cut every 15 events: continued with Last-Event-ID, the same events once each.
    let (dropped, statuses) = run_to_end("delay_ms=0&answer_tokens=30&drop_after=15", "rust-dropped").await;
    assert_eq!(dropped, whole);
    let reconnects = statuses.iter().filter(|s| s.status == "reconnecting").count();
    assert_eq!(reconnects, whole.len().div_ceil(15) - 1);
    assert_eq!(statuses.last().map(|s| s.attempt), Some(reconnects as u32 + 1));
}

#[wasm_bindgen_test]
async fn a_dropped_listener_handle_stops_its_listener_and_the_others_keep_theirs() {
    let transport = HttpAgentTransport::with_options(&agui_url("delay_ms=5&answer_tokens=40"), fast_retries());
    let (kept, removed) = (Rc::new(RefCell::new(0)), Rc::new(RefCell::new(0)));
    let count = kept.clone();
    let _kept = transport.on_message("TEXT_MESSAGE_CONTENT", move |_| *count.borrow_mut() += 1);
    let count = removed.clone();
    let handle = Rc::new(RefCell::new(Some(transport.on_message("TEXT_MESSAGE_CONTENT", move |_| *count.borrow_mut() += 1))));
    let finished = Rc::new(RefCell::new(false));
    let done = finished.clone();
    let _status = transport.on_status_change(move |event| *done.borrow_mut() |= event.status == "finished");
    transport.start(&input("rust-handles")).expect("a serialisable RunAgentInput");

    wait_until("five text deltas", || *kept.borrow() >= 5).await;
    handle.borrow_mut().take();
    let at_drop = *removed.borrow();
    wait_until("the run to finish", || *finished.borrow()).await;
    assert!(*kept.borrow() >= 40, "the kept listener saw {} deltas", kept.borrow());
    assert_eq!(*removed.borrow(), at_drop, "the dropped listener ran after its handle was dropped");
    assert!(at_drop >= 4);
}
