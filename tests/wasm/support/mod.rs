//! What every test uses: the reference server and its control API, bounded waits, and a
//! transport that records what it reports.

mod recorder;
mod server;
mod wait;

pub use recorder::{json_text, Recorder};
pub use server::{control, control_send, echo_log, ws_url};
pub use wait::{sleep, wait_for_log, wait_until};

use agentwire::{ReconnectOptions, Section};

/// Reconnect options that wait exactly `ms` before every retry (no growth, no jitter).
pub fn retry_after(ms: f64) -> Section<ReconnectOptions> {
    Section::On(ReconnectOptions { initial_delay_ms: Some(ms), max_delay_ms: Some(ms), jitter: Some(0.0), ..Default::default() })
}

/// Starts a test on a clean slate: frees any transport an earlier test left behind (a failed
/// test stops at its panic, before its own clean-up), resets the server (refusals, delays,
/// silences), waits until no connection of an earlier test is open, and resets the log then:
/// a connection that was silenced reads what its client sent meanwhile once the reset lets it
/// go, and that must not show in the next test's log.
pub async fn begin() {
    recorder::free_leftovers();
    control("reset").await;
    let all_closed = |log: &server::Log| log.values().all(|endpoint| endpoint.open == 0);
    wait_for_log("every connection of earlier tests closed", all_closed).await;
    control("reset").await;
}
