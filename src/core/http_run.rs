//! The HTTP transport's decisions for one AG-UI run (`POST` a `RunAgentInput`, read the
//! `text/event-stream` answer), sans-IO like [`Connection`](super::Connection): the embedder
//! reports what happened with `handle_*(…, now)` and carries out [`HttpAction`]s.
//!
//! - A response that ends (or a network error) before the run's last event (`RUN_FINISHED`
//!   or `RUN_ERROR`) is a drop: the request is made again after the backoff (with jitter, as
//!   the WebSocket transport's; a server `retry:` replaces the first delay), with
//!   `Last-Event-ID` when the server sent ids.
//! - Events whose numeric id is not above the last one delivered are dropped, so a server that
//!   replays more than asked for cannot make the app see an event twice.
//! - 4xx answers (but 408 and 429) are final (`rejected`); 5xx, 408, 429 and network errors are
//!   retried until `max_attempts` failures in a row (`max_attempts`). An attempt that delivered
//!   an event starts the count over.

use alloc::collections::VecDeque;

use super::backoff::jittered_delay;
use super::config::ReconnectConfig;
use super::errors::ErrorKind;
use super::rng::SplitMix64;
use super::sse::{SseItem, SseParser};
use super::Millis;
use crate::prelude::*;

/// The AG-UI event types after which a run's stream is complete.
pub const TERMINAL_TYPES: [&str; 2] = ["RUN_FINISHED", "RUN_ERROR"];

pub fn is_terminal_type(kind: &str) -> bool {
    TERMINAL_TYPES.contains(&kind)
}

/// Where a run stands (the transport's `status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunPhase {
    Idle,
    /// A request is out (the first or a reconnection).
    Connecting,
    /// The response is streaming.
    Open,
    /// Waiting for the next attempt.
    Reconnecting,
    /// The run's last event arrived.
    Finished,
    /// Given up, rejected or stopped.
    Closed,
}

impl RunPhase {
    /// The `status` JavaScript sees.
    pub const fn as_str(self) -> &'static str {
        match self {
            RunPhase::Idle => "idle",
            RunPhase::Connecting => "connecting",
            RunPhase::Open => "connected",
            RunPhase::Reconnecting => "reconnecting",
            RunPhase::Finished => "finished",
            RunPhase::Closed => "closed",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum HttpAction {
    /// Make the request (attempt number `attempt`), with `Last-Event-ID` when given.
    Fetch {
        attempt: u64,
        last_event_id: Option<String>,
    },
    /// Cancel the request or response of `attempt` (an AbortController).
    Abort {
        attempt: u64,
    },
    /// An event's `data`, for the app's listeners. `id` is the SSE id.
    Deliver {
        data: String,
        id: Option<String>,
    },
    Error {
        kind: ErrorKind,
        message: String,
    },
    Phase(RunPhase),
}

pub struct HttpRun {
    config: ReconnectConfig,
    rng: SplitMix64,
    parser: SseParser,
    phase: RunPhase,
    /// The current request's number (replies to older ones are ignored).
    attempt: u64,
    /// Failures in a row.
    failures: u32,
    /// The server's `retry:` hint.
    retry_hint: Option<Millis>,
    next_attempt_at: Option<Millis>,
    /// The highest numeric id delivered.
    last_delivered: Option<u64>,
    delivered_this_attempt: bool,
    actions: VecDeque<HttpAction>,
}

impl HttpRun {
    pub fn new(config: ReconnectConfig, seed: u64, max_line_bytes: usize) -> HttpRun {
        HttpRun {
            config,
            rng: SplitMix64::new(seed),
            parser: SseParser::new(max_line_bytes),
            phase: RunPhase::Idle,
            attempt: 0,
            failures: 0,
            retry_hint: None,
            next_attempt_at: None,
            last_delivered: None,
            delivered_this_attempt: false,
            actions: VecDeque::new(),
        }
    }

    pub fn phase(&self) -> RunPhase {
        self.phase
    }

    pub fn attempt(&self) -> u64 {
        self.attempt
    }

    pub fn last_event_id(&self) -> Option<&str> {
        self.parser.last_event_id()
    }

    pub fn poll_action(&mut self) -> Option<HttpAction> {
        self.actions.pop_front()
    }

    /// When `handle_timeout` is due (the next attempt).
    pub fn poll_timeout(&self) -> Option<Millis> {
        self.next_attempt_at
    }

    fn set_phase(&mut self, phase: RunPhase) {
        if self.phase != phase {
            self.phase = phase;
            self.actions.push_back(HttpAction::Phase(phase));
        }
    }

    fn fetch(&mut self) {
        self.attempt += 1;
        self.delivered_this_attempt = false;
        self.next_attempt_at = None;
        self.parser.end_of_stream();
        let last_event_id = self.parser.last_event_id().map(String::from);
        self.set_phase(RunPhase::Connecting);
        self.actions.push_back(HttpAction::Fetch { attempt: self.attempt, last_event_id });
    }

    /// Starts the run (again, from scratch, if one was under way: its request is aborted).
    pub fn handle_start(&mut self, _now: Millis) {
        if matches!(self.phase, RunPhase::Connecting | RunPhase::Open) {
            self.actions.push_back(HttpAction::Abort { attempt: self.attempt });
        }
        let (config, max) = (self.config.clone(), self.parser.max_line_bytes());
        *self = HttpRun {
            attempt: self.attempt,
            actions: core::mem::take(&mut self.actions),
            ..HttpRun::new(config, self.rng.next_u64(), max)
        };
        self.fetch();
    }

    /// The app stops the run: the request is aborted, nothing more is delivered.
    pub fn handle_stop(&mut self) {
        if matches!(self.phase, RunPhase::Connecting | RunPhase::Open) {
            self.actions.push_back(HttpAction::Abort { attempt: self.attempt });
        }
        self.next_attempt_at = None;
        self.set_phase(RunPhase::Closed);
    }

    fn current(&self, attempt: u64) -> bool {
        attempt == self.attempt && matches!(self.phase, RunPhase::Connecting | RunPhase::Open)
    }

    /// The response's status line arrived (`event_stream`: its content type is
    /// `text/event-stream`).
    pub fn handle_response(&mut self, attempt: u64, status: u16, event_stream: bool, now: Millis) {
        if !self.current(attempt) {
            return;
        }
        if (200..300).contains(&status) && event_stream {
            self.set_phase(RunPhase::Open);
        } else if (200..300).contains(&status) {
            self.fail(ErrorKind::Rejected, String::from("the response is not text/event-stream"), true, now);
        } else {
            let retried = status >= 500 || status == 408 || status == 429;
            let message = crate::core::text::Text::new("HTTP ").n(u64::from(status)).done();
            self.fail(if retried { ErrorKind::ConnectionFailed } else { ErrorKind::Rejected }, message, !retried, now);
        }
    }

    /// Bytes of the body.
    pub fn handle_body(&mut self, attempt: u64, bytes: &[u8], _now: Millis) {
        if !self.current(attempt) {
            return;
        }
        let mut items = Vec::new();
        self.parser.feed(bytes, &mut items);
        for item in items {
            match item {
                SseItem::Event(event) => {
                    let numeric = event.id.as_deref().and_then(|id| id.parse::<u64>().ok());
                    if let (Some(id), Some(last)) = (numeric, self.last_delivered) {
                        if id <= last {
                            continue;
                        }
                    }
                    if numeric.is_some() {
                        self.last_delivered = numeric;
                    }
                    if !self.delivered_this_attempt {
                        self.delivered_this_attempt = true;
                        self.failures = 0;
                    }
                    self.actions.push_back(HttpAction::Deliver { data: event.data, id: event.id });
                }
                SseItem::Retry(ms) => self.retry_hint = Some(ms as Millis),
                SseItem::Comment(_) => {}
            }
        }
    }

    /// The embedder read the type of a delivered event: a terminal one completes the run
    /// (the rest of the response is not needed).
    pub fn handle_delivered_type(&mut self, kind: &str) {
        if is_terminal_type(kind) && self.phase != RunPhase::Closed {
            self.actions.push_back(HttpAction::Abort { attempt: self.attempt });
            self.next_attempt_at = None;
            self.set_phase(RunPhase::Finished);
        }
    }

    /// The body ended. Before the run's last event: a drop.
    pub fn handle_body_end(&mut self, attempt: u64, now: Millis) {
        if self.current(attempt) {
            self.fail(
                ErrorKind::ConnectionFailed,
                String::from("the stream ended before the run finished"),
                false,
                now,
            );
        }
    }

    /// The request or the body failed (network error, CORS, an aborted read).
    pub fn handle_network_error(&mut self, attempt: u64, message: String, now: Millis) {
        if self.current(attempt) {
            self.fail(ErrorKind::ConnectionFailed, message, false, now);
        }
    }

    fn fail(&mut self, kind: ErrorKind, message: String, last: bool, now: Millis) {
        self.actions.push_back(HttpAction::Abort { attempt: self.attempt });
        self.actions.push_back(HttpAction::Error { kind, message });
        if last {
            self.set_phase(RunPhase::Closed);
            return;
        }
        self.failures += 1;
        if self.config.max_attempts.is_some_and(|max| self.failures > max) {
            let message =
                crate::core::text::Text::new("gave up after ").n(u64::from(self.failures)).s(" attempts").done();
            self.actions.push_back(HttpAction::Error { kind: ErrorKind::MaxAttempts, message });
            self.set_phase(RunPhase::Closed);
            return;
        }
        let delay = match (self.failures, self.retry_hint) {
            (1, Some(hint)) => hint,
            _ => jittered_delay(&self.config, self.failures, &mut self.rng),
        };
        self.next_attempt_at = Some(now + delay);
        self.set_phase(RunPhase::Reconnecting);
    }

    pub fn handle_timeout(&mut self, now: Millis) {
        if self.next_attempt_at.is_some_and(|at| now >= at) && self.phase == RunPhase::Reconnecting {
            self.fetch();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run() -> HttpRun {
        let config = ReconnectConfig {
            initial_delay_ms: 100.0,
            jitter: 0.0,
            max_attempts: Some(2),
            ..ReconnectConfig::default()
        };
        HttpRun::new(config, 7, 0)
    }

    fn drain(run: &mut HttpRun) -> Vec<HttpAction> {
        core::iter::from_fn(|| run.poll_action()).collect()
    }

    fn delivered(actions: &[HttpAction]) -> Vec<String> {
        actions
            .iter()
            .filter_map(|a| if let HttpAction::Deliver { data, .. } = a { Some(data.clone()) } else { None })
            .collect()
    }

    #[test]
    fn a_drop_mid_run_reconnects_after_the_retry_hint_with_last_event_id_and_delivers_each_event_once() {
        let mut r = run();
        r.handle_start(0.0);
        assert_eq!(
            drain(&mut r),
            [HttpAction::Phase(RunPhase::Connecting), HttpAction::Fetch { attempt: 1, last_event_id: None }]
        );
        r.handle_response(1, 200, true, 5.0);
        r.handle_body(1, b"retry: 250\nid: 1\ndata: a\n\nid: 2\ndata: b\n\nid: 3\nda", 6.0);
        r.handle_body_end(1, 10.0);
        let actions = drain(&mut r);
        assert_eq!(delivered(&actions), ["a", "b"]);
        assert_eq!(r.phase(), RunPhase::Reconnecting);
        assert_eq!(r.poll_timeout(), Some(260.0), "the server's retry: replaces the first delay");
        r.handle_timeout(259.0);
        assert!(drain(&mut r).is_empty());
        r.handle_timeout(260.0);
        assert!(drain(&mut r).contains(&HttpAction::Fetch { attempt: 2, last_event_id: Some("2".into()) }));
        // The server replays one event too many: it is not delivered again.
        r.handle_response(2, 200, true, 270.0);
        r.handle_body(2, b"id: 2\ndata: b\n\nid: 3\ndata: c\n\n", 271.0);
        assert_eq!(delivered(&drain(&mut r)), ["c"]);
        r.handle_delivered_type("RUN_FINISHED");
        assert_eq!(drain(&mut r), [HttpAction::Abort { attempt: 2 }, HttpAction::Phase(RunPhase::Finished)]);
        r.handle_body_end(2, 280.0);
        assert!(drain(&mut r).is_empty(), "the end of a finished run's body is no drop");
    }

    #[test]
    fn client_errors_are_final_and_server_errors_back_off_until_max_attempts() {
        let mut r = run();
        r.handle_start(0.0);
        r.handle_response(1, 401, true, 1.0);
        let actions = drain(&mut r);
        assert!(actions.contains(&HttpAction::Error { kind: ErrorKind::Rejected, message: "HTTP 401".into() }));
        assert_eq!(r.phase(), RunPhase::Closed);

        let mut r = run();
        r.handle_start(0.0);
        r.handle_response(1, 503, true, 0.0);
        assert_eq!(r.poll_timeout(), Some(100.0));
        r.handle_timeout(100.0);
        r.handle_network_error(2, "offline".into(), 100.0);
        assert_eq!(r.poll_timeout(), Some(300.0), "exponential: 200 ms more");
        r.handle_timeout(300.0);
        r.handle_response(3, 502, true, 300.0);
        let actions = drain(&mut r);
        assert!(actions.iter().any(|a| matches!(a, HttpAction::Error { kind: ErrorKind::MaxAttempts, .. })));
        assert_eq!(r.phase(), RunPhase::Closed);
    }

    #[test]
    fn replies_to_an_aborted_attempt_are_ignored_and_stop_ends_the_run() {
        let mut r = run();
        r.handle_start(0.0);
        r.handle_start(1.0);
        let actions = drain(&mut r);
        assert!(
            actions.contains(&HttpAction::Abort { attempt: 1 })
                && actions.contains(&HttpAction::Fetch { attempt: 2, last_event_id: None })
        );
        r.handle_response(1, 200, true, 2.0);
        r.handle_body(1, b"data: stale\n\n", 2.0);
        assert!(delivered(&drain(&mut r)).is_empty());
        r.handle_stop();
        assert_eq!(drain(&mut r), [HttpAction::Abort { attempt: 2 }, HttpAction::Phase(RunPhase::Closed)]);
        r.handle_body_end(2, 3.0);
        assert!(drain(&mut r).is_empty());
    }
}
