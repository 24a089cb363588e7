//! Bounded waits: a test that waits for something that never happens fails, naming it, instead
//! of hanging until the runner's overall timeout.

use gloo_timers::future::TimeoutFuture;

use super::server::{log, Log};

/// The bound on anything that should happen "soon" (debug builds on 2 busy cores).
const PATIENCE_MS: f64 = 10_000.0;
/// How often a condition is checked.
const POLL_MS: u32 = 10;

pub async fn sleep(ms: u32) {
    TimeoutFuture::new(ms).await;
}

/// Waits until `done()` holds, checking every 10 ms; fails the test after 10 s.
pub async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let started = js_sys::Date::now();
    while !done() {
        let waited = js_sys::Date::now() - started;
        assert!(waited < PATIENCE_MS, "timed out after {waited} ms waiting for {what}");
        sleep(POLL_MS).await;
    }
}

/// Waits until the server's log satisfies `done`, and returns that log; fails after 10 s.
pub async fn wait_for_log(what: &str, mut done: impl FnMut(&Log) -> bool) -> Log {
    let started = js_sys::Date::now();
    loop {
        let log = log().await;
        if done(&log) {
            return log;
        }
        let waited = js_sys::Date::now() - started;
        assert!(waited < PATIENCE_MS, "timed out after {waited} ms waiting for the log to show {what}: {log:?}");
        sleep(POLL_MS).await;
    }
}
