//! The Rust API of `WebSocketTransport` in a real browser (headless Chromium, run by
//! wasm-bindgen-test-runner) against the reference server on 127.0.0.1: the behaviours the JS
//! browser suite (tests/browser) proves from JavaScript, proved from Rust.
//!
//! Run it with `bash scripts/wasm-test.sh`: it starts the server and passes its address in
//! `AGENTWIRE_TEST_SERVER` at compile time. The tests run one after another in one page; each
//! starts with [`support::begin`] (the server reset, no connection of an earlier test left).

#![cfg(target_arch = "wasm32")]

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod support;

mod acknowledged_sends;
mod bad_frames;
mod close_codes;
mod echo;
mod heartbeat;
mod reconnect;
mod typed_messages;
