//! The connection state machine: one transport's whole life, without I/O.
//!
//! The embedder reports what happened (`connect`, `send`, `handle_open`, `handle_close`,
//! `handle_text_frame`, `handle_timeout`, ...) with the current time, then drains
//! [`Connection::poll_action`] and arms one timer for [`Connection::poll_timeout`].
//!
//! Phases and the status each shows:
//!
//! ```text
//!  Idle ──connect──▶ FetchingToken ──token──▶ Opening ──open──▶ Open
//!   (idle)            (connecting / reconnecting)               (connected)
//!                         │ fail, timeout        │ fail, timeout  │ close ≠ 1000, heartbeat dead
//!                         ▼                      ▼                ▼
//!                       Waiting (reconnecting) ──retry_at / online──▶ FetchingToken | Opening
//!  Stopped: disconnected (disconnect(), close 1000) or error (rejected, max attempts)
//! ```

use crate::prelude::*;

use super::backoff::jittered_delay;
use super::close_policy::{classify_close, CloseVerdict, ABNORMAL_CLOSURE, NORMAL_CLOSURE};
use super::config::{is_subprotocol_token, Config, ConfigError, TokenSource};
use super::errors::{ErrorEvent, ErrorFields, ErrorKind};
use super::heartbeat::{Heartbeat, HeartbeatDue};
use super::queue::{Enqueued, OfflineQueue};
use super::rng::SplitMix64;
use super::snapshot::{Snapshot, Status, StatusChange};
use super::stats::Stats;
use super::text::Text;
use super::utf8::{check_utf16_length, units_always_within, SizeCheck};
use super::Millis;

/// Identifies one connection attempt, so late answers for an abandoned attempt (a token that
/// resolves after `disconnect()`, events of a retired socket) are recognised and ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptId(pub u64);

/// What the embedder must do, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Action<P> {
    /// Call the token function; report with [`Connection::handle_token`].
    FetchToken { attempt: AttemptId },
    /// Open a socket, offering `["token", token]` as subprotocols when a token is given. Report
    /// its events with this attempt id.
    OpenSocket { attempt: AttemptId, token: Option<String> },
    /// Close the current socket and stop listening to it: the core has already moved on, so its
    /// close event must not be reported.
    CloseSocket { code: u16, reason: String },
    /// Send one message on the open socket.
    SendFrame(P),
    /// Send the configured heartbeat ping.
    SendPing,
    /// Answer a server's ping.
    SendPong,
    /// Tell `onStatus` listeners.
    Status(StatusChange),
    /// Tell `onError` listeners.
    Error(ErrorEvent<P>),
    /// The snapshot changed: tell subscribers. Coalesced: at most one per drain, after the rest.
    SnapshotChanged,
}

/// The answer to `send`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendOutcome {
    Sent,
    Queued,
    Dropped,
}

impl SendOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            SendOutcome::Sent => "sent",
            SendOutcome::Queued => "queued",
            SendOutcome::Dropped => "dropped",
        }
    }
}

/// Whether an inbound text frame may be parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameVerdict {
    Parse,
    /// Over `maxMessageBytes`: reported, not parsed.
    TooLarge,
    /// Not from the current open socket.
    Ignore,
}

/// Where a parsed message goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// To the listeners of its type, then `'*'`.
    Dispatch,
    /// Heartbeat traffic, handled by the transport.
    Consumed,
}

#[derive(Debug)]
enum Phase {
    Idle,
    FetchingToken { attempt: AttemptId, deadline: Millis },
    Opening { attempt: AttemptId, deadline: Millis },
    Open { attempt: AttemptId, opened_at: Millis, heartbeat: Option<Heartbeat> },
    Waiting { retry_at: Millis },
    /// Disconnected or error (the status tells which); only `connect()` leaves it.
    Stopped,
}

/// The reply to a server-sent ping, and the type that marks one.
pub const SERVER_PING_TYPE: &str = "ping";

#[derive(Debug)]
pub struct Connection<P> {
    config: Config,
    rng: SplitMix64,
    phase: Phase,
    queue: OfflineQueue<P>,
    /// Pending actions, oldest first. A handful at a time, so a Vec (front removal shifts a
    /// few elements) is cheaper in module size than a second VecDeque instantiation.
    actions: Vec<Action<P>>,
    snapshot: Snapshot,
    snapshot_version: u64,
    snapshot_dirty: bool,
    stats: Stats,
    last_attempt_id: u64,
    /// Failures in a row since the last stable connection: a failed attempt, or a connection
    /// that closed before `minUptimeMs`. Drives the backoff and `maxAttempts`.
    streak: u32,
    /// Something failed or dropped since the last `connect()` and no connection has opened
    /// since: attempts show as `reconnecting` rather than `connecting`.
    recovering: bool,
    /// The one retry a rejected connection earns with a refreshed token has been spent.
    auth_retry_used: bool,
}

impl<P> Connection<P> {
    /// A transport in `idle`, with jitter drawn from `seed`.
    pub fn new(config: Config, seed: u64) -> Result<Self, ConfigError> {
        config.validate()?;
        Ok(Self {
            queue: OfflineQueue::new(config.queue.clone()),
            config,
            rng: SplitMix64::new(seed),
            phase: Phase::Idle,
            actions: Vec::new(),
            snapshot: Snapshot::default(),
            snapshot_version: 0,
            snapshot_dirty: false,
            stats: Stats::default(),
            last_attempt_id: 0,
            streak: 0,
            recovering: false,
            auth_retry_used: false,
        })
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn status(&self) -> Status {
        self.snapshot.status
    }

    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    /// Increases whenever the snapshot changes; equal versions mean equal snapshots.
    pub fn snapshot_version(&self) -> u64 {
        self.snapshot_version
    }

    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    // ---- what the application does ------------------------------------------------------------

    /// Starts connecting; does nothing while already connecting, connected or reconnecting.
    pub fn connect(&mut self, now: Millis) {
        if !matches!(self.phase, Phase::Idle | Phase::Stopped) {
            return;
        }
        self.streak = 0;
        self.recovering = false;
        self.auth_retry_used = false;
        self.start_attempt(now);
    }

    /// Closes on purpose: no reconnect until `connect()`. Queued messages are discarded.
    pub fn disconnect(&mut self, code: u16, reason: &str, now: Millis) {
        let _ = now;
        match self.phase {
            Phase::Stopped => return,
            Phase::Opening { .. } | Phase::Open { .. } => {
                self.actions.push(Action::CloseSocket { code, reason: reason.to_owned() });
            }
            Phase::Idle | Phase::FetchingToken { .. } | Phase::Waiting { .. } => {}
        }
        self.phase = Phase::Stopped;
        self.discard_queue();
        self.set_status(Status::Disconnected, Some(code), Some(reason.to_owned()));
    }

    /// Sends now when open, queues while (re)connecting or idle, drops once stopped.
    ///
    /// `utf8_bytes` is the frame's size as it goes on the wire: the queue's byte bound and
    /// `bytesOut` both count it, whether the frame goes out now or from the queue later.
    pub fn send(&mut self, message: P, utf8_bytes: usize, now: Millis) -> SendOutcome {
        match self.phase {
            Phase::Open { .. } => {
                self.push_frame(message, utf8_bytes);
                SendOutcome::Sent
            }
            Phase::Stopped => {
                self.stats.dropped += 1;
                SendOutcome::Dropped
            }
            Phase::Idle | Phase::FetchingToken { .. } | Phase::Opening { .. } | Phase::Waiting { .. } => {
                self.enqueue(message, utf8_bytes, now)
            }
        }
    }

    /// An error the embedder detected (a frame that is not JSON, a listener that threw, ...).
    pub fn report_error(&mut self, kind: ErrorKind, message: String, fields: ErrorFields, payload: Option<P>) {
        self.stats.errors += 1;
        let last = (kind, message.clone());
        self.update_snapshot(|s| s.last_error = Some(last));
        self.actions.push(Action::Error(ErrorEvent { kind, message, fields, payload }));
    }

    // ---- what the socket, the token function, the timer and the browser report -----------------

    pub fn handle_token(&mut self, attempt: AttemptId, token: Result<String, String>, now: Millis) {
        let Phase::FetchingToken { attempt: current, deadline } = self.phase else { return };
        if current != attempt {
            return;
        }
        match token {
            Ok(token) if is_subprotocol_token(&token) => {
                self.phase = Phase::Opening { attempt, deadline };
                self.actions.push(Action::OpenSocket { attempt, token: Some(token) });
            }
            Ok(_) => {
                let message = "the token function returned an empty string or characters a subprotocol cannot carry".to_owned();
                self.report_error(ErrorKind::Token, message, ErrorFields::default(), None);
                self.fail_attempt(now, None, None);
            }
            Err(message) => {
                self.report_error(ErrorKind::Token, Text::new("the token function failed: ").s(&message).done(), ErrorFields::default(), None);
                self.fail_attempt(now, None, None);
            }
        }
    }

    pub fn handle_open(&mut self, attempt: AttemptId, now: Millis) {
        let Phase::Opening { attempt: current, .. } = self.phase else { return };
        if current != attempt {
            return;
        }
        let heartbeat = self.config.heartbeat.as_ref().map(|h| Heartbeat::start(h, now));
        self.phase = Phase::Open { attempt, opened_at: now, heartbeat };
        if self.recovering {
            self.stats.reconnects += 1;
        }
        self.recovering = false;
        self.flush_queue(now);
        self.update_snapshot(|s| {
            s.attempt = 0;
            s.next_retry_at = None;
            s.delay_ms = None;
            s.connected_at = Some(now);
        });
        self.set_status(Status::Connected, None, None);
    }

    /// The socket of `attempt` closed (or failed to open) with `code`.
    pub fn handle_close(&mut self, attempt: AttemptId, code: u16, reason: &str, now: Millis) {
        match self.phase {
            Phase::Opening { attempt: current, .. } if current == attempt => {
                self.record_close(code, reason);
                let fields = ErrorFields { code: Some(code), attempt: Some(self.streak + 1), ..ErrorFields::default() };
                let message = Text::new("the connection could not be opened (code ").n(code.into()).s(")").done();
                self.report_error(ErrorKind::ConnectionFailed, message, fields, None);
                self.fail_attempt(now, Some(code), Some(reason.to_owned()));
            }
            Phase::Open { attempt: current, opened_at, .. } if current == attempt => {
                self.record_close(code, reason);
                self.forget_streak_if_stable(opened_at, now);
                match classify_close(code) {
                    CloseVerdict::Done => {
                        self.phase = Phase::Stopped;
                        self.set_status(Status::Disconnected, Some(code), Some(reason.to_owned()));
                    }
                    CloseVerdict::Rejected => self.handle_rejection(code, reason, now),
                    CloseVerdict::Retry => {
                        self.recovering = true;
                        self.schedule_retry(now, Some(code), Some(reason.to_owned()), true);
                    }
                }
            }
            _ => {}
        }
    }

    /// An inbound text frame of `utf16_units` (its JS length). `exact_utf8_bytes` is called only
    /// when the length alone cannot settle the size check.
    pub fn handle_text_frame(
        &mut self,
        utf16_units: usize,
        exact_utf8_bytes: impl FnOnce() -> usize,
        now: Millis,
    ) -> FrameVerdict {
        let Phase::Open { heartbeat, .. } = &mut self.phase else { return FrameVerdict::Ignore };
        if let Some(hb) = heartbeat {
            hb.on_inbound(now);
        }
        self.stats.messages_in += 1;
        // Exact for ASCII (most JSON); a lower bound otherwise. Counting exactly would cost a
        // pass over every frame.
        self.stats.bytes_in += utf16_units as u64;
        let limit = self.config.max_message_bytes;
        let size = match check_utf16_length(utf16_units, limit) {
            SizeCheck::Within => return FrameVerdict::Parse,
            SizeCheck::Over => exact_utf8_bytes(),
            SizeCheck::NeedsExactCount => match exact_utf8_bytes() {
                bytes if bytes <= limit => return FrameVerdict::Parse,
                bytes => bytes,
            },
        };
        let fields = ErrorFields { size: Some(size), limit: Some(limit), ..ErrorFields::default() };
        let message = Text::new("inbound frame of ").n(size as u64).s(" bytes exceeds maxMessageBytes (").n(limit as u64).s("); skipped").done();
        self.report_error(ErrorKind::TooLarge, message, fields, None);
        FrameVerdict::TooLarge
    }

    /// Text frames up to this many UTF-16 units are within `maxMessageBytes` whatever they
    /// contain, so the embedder may parse them before reporting them with `handle_text_frame`.
    pub fn quick_parse_limit(&self) -> usize {
        units_always_within(self.config.max_message_bytes)
    }

    /// An inbound binary frame: a sign of life, but not part of the JSON protocol.
    pub fn handle_binary_frame(&mut self, bytes: usize, now: Millis) {
        let Phase::Open { heartbeat, .. } = &mut self.phase else { return };
        if let Some(hb) = heartbeat {
            hb.on_inbound(now);
        }
        self.stats.messages_in += 1;
        self.stats.bytes_in += bytes as u64;
        let fields = ErrorFields { size: Some(bytes), ..ErrorFields::default() };
        let message = Text::new("binary frame of ").n(bytes as u64).s(" bytes received; only JSON text frames are understood").done();
        self.report_error(ErrorKind::Binary, message, fields, None);
    }

    /// Routes a parsed message by its type: heartbeat replies stay inside the transport.
    pub fn handle_message_type(&mut self, message_type: &str, now: Millis) -> Route {
        let Phase::Open { heartbeat: Some(hb), .. } = &mut self.phase else { return Route::Dispatch };
        let Some(heartbeat) = &self.config.heartbeat else { return Route::Dispatch };
        if message_type == heartbeat.pong_type {
            self.stats.pongs_received += 1;
            if let Some(latency) = hb.on_pong(now) {
                self.update_snapshot(|s| s.latency_ms = Some(latency));
            }
            Route::Consumed
        } else if message_type == SERVER_PING_TYPE {
            self.actions.push(Action::SendPong);
            Route::Consumed
        } else {
            Route::Dispatch
        }
    }

    /// Checks every deadline against `now`. Call when the timer fires, and at once when a hidden
    /// tab becomes visible: background tabs throttle timers, so deadlines may have passed long ago.
    pub fn handle_timeout(&mut self, now: Millis) {
        match &mut self.phase {
            Phase::FetchingToken { deadline, .. } | Phase::Opening { deadline, .. } if now >= *deadline => {
                if matches!(self.phase, Phase::Opening { .. }) {
                    self.actions.push(Action::CloseSocket { code: NORMAL_CLOSURE, reason: "connect timeout".into() });
                }
                // Whole milliseconds: formatting an f64 would pull float printing into the wasm module.
                let timeout = self.config.connect_timeout_ms as u64;
                let fields = ErrorFields { attempt: Some(self.streak + 1), ..ErrorFields::default() };
                let message = Text::new("no connection within connectTimeoutMs (").n(timeout).s(" ms)").done();
                self.report_error(ErrorKind::ConnectTimeout, message, fields, None);
                self.fail_attempt(now, None, Some("connect timeout".into()));
            }
            Phase::Waiting { retry_at } if now >= *retry_at => self.start_attempt(now),
            Phase::Open { heartbeat: Some(hb), opened_at, .. } => {
                let opened_at = *opened_at;
                match hb.poll(now) {
                    HeartbeatDue::Nothing => {}
                    HeartbeatDue::SendPing => {
                        self.stats.pings_sent += 1;
                        self.actions.push(Action::SendPing);
                    }
                    HeartbeatDue::Dead => self.handle_dead_connection(opened_at, now),
                }
            }
            _ => {}
        }
    }

    /// The browser is back online: a waiting retry starts now instead of after its backoff.
    pub fn handle_online(&mut self, now: Millis) {
        self.update_snapshot(|s| s.online = true);
        if matches!(self.phase, Phase::Waiting { .. }) {
            self.start_attempt(now);
        }
    }

    pub fn handle_offline(&mut self, _now: Millis) {
        self.update_snapshot(|s| s.online = false);
    }

    // ---- what the embedder asks -----------------------------------------------------------------

    pub fn poll_action(&mut self) -> Option<Action<P>> {
        if !self.actions.is_empty() {
            return Some(self.actions.remove(0));
        }
        if core::mem::take(&mut self.snapshot_dirty) {
            return Some(Action::SnapshotChanged);
        }
        None
    }

    /// When `handle_timeout` next has work, if ever.
    pub fn poll_timeout(&self) -> Option<Millis> {
        match &self.phase {
            Phase::FetchingToken { deadline, .. } | Phase::Opening { deadline, .. } => Some(*deadline),
            Phase::Waiting { retry_at } => Some(*retry_at),
            Phase::Open { heartbeat: Some(hb), .. } => Some(hb.deadline()),
            _ => None,
        }
    }

    // ---- internals ------------------------------------------------------------------------------

    fn start_attempt(&mut self, now: Millis) {
        self.last_attempt_id += 1;
        let attempt = AttemptId(self.last_attempt_id);
        let deadline = now + self.config.connect_timeout_ms;
        self.stats.attempts += 1;
        match &self.config.token {
            TokenSource::Dynamic => {
                self.phase = Phase::FetchingToken { attempt, deadline };
                self.actions.push(Action::FetchToken { attempt });
            }
            TokenSource::Static(token) => {
                let token = Some(token.clone());
                self.phase = Phase::Opening { attempt, deadline };
                self.actions.push(Action::OpenSocket { attempt, token });
            }
            TokenSource::None => {
                self.phase = Phase::Opening { attempt, deadline };
                self.actions.push(Action::OpenSocket { attempt, token: None });
            }
        }
        let attempt_number = if self.recovering { self.streak } else { 0 };
        self.update_snapshot(|s| {
            s.attempt = attempt_number;
            s.next_retry_at = None;
        });
        let status = if self.recovering { Status::Reconnecting } else { Status::Connecting };
        self.set_status(status, None, None);
    }

    /// An attempt ended without a usable connection.
    fn fail_attempt(&mut self, now: Millis, code: Option<u16>, reason: Option<String>) {
        self.recovering = true;
        self.schedule_retry(now, code, reason, false);
    }

    /// Waits for the next attempt, or gives up when reconnecting is off or the attempts are spent.
    fn schedule_retry(&mut self, now: Millis, code: Option<u16>, reason: Option<String>, was_open: bool) {
        let Some(reconnect) = &self.config.reconnect else {
            // Reconnecting is off: a connection that was open ends quietly, a failed attempt is
            // a failure the app must see.
            self.phase = Phase::Stopped;
            self.discard_queue();
            let status = if was_open { Status::Disconnected } else { Status::Error };
            self.set_status(status, code, reason);
            return;
        };
        self.streak = self.streak.saturating_add(1);
        if let Some(max) = reconnect.max_attempts {
            if self.streak > max {
                self.phase = Phase::Stopped;
                self.discard_queue();
                let fields = ErrorFields { attempt: Some(max), ..ErrorFields::default() };
                let message = Text::new("gave up after ").n(max.into()).s(" failed reconnection attempts (reconnect.maxAttempts)").done();
                self.report_error(ErrorKind::MaxAttempts, message, fields, None);
                self.set_status(Status::Error, code, reason);
                return;
            }
        }
        let delay = jittered_delay(reconnect, self.streak, &mut self.rng);
        let retry_at = now + delay;
        self.phase = Phase::Waiting { retry_at };
        let attempt = self.streak;
        self.update_snapshot(|s| {
            s.attempt = attempt;
            s.delay_ms = Some(delay);
            s.next_retry_at = Some(retry_at);
            s.connected_at = None;
        });
        // Announce every scheduled retry, not only the first: a badge shows "retry 3 in 4 s".
        self.emit_status(Status::Reconnecting, code, reason);
    }

    fn handle_rejection(&mut self, code: u16, reason: &str, now: Millis) {
        if self.config.token == TokenSource::Dynamic && !self.auth_retry_used {
            // The token may have expired: fetch a fresh one and try once more, right away.
            self.auth_retry_used = true;
            self.recovering = true;
            self.streak = self.streak.saturating_add(1);
            self.update_snapshot(|s| {
                s.delay_ms = Some(0.0);
                s.connected_at = None;
            });
            self.start_attempt(now);
            return;
        }
        self.phase = Phase::Stopped;
        self.discard_queue();
        let fields = ErrorFields { code: Some(code), ..ErrorFields::default() };
        let message = Text::new("the server rejected the connection (code ").n(code.into()).s(if reason.is_empty() { "" } else { ": " }).s(reason).s(")").done();
        self.report_error(ErrorKind::Rejected, message, fields, None);
        self.set_status(Status::Error, Some(code), Some(reason.to_owned()));
    }

    fn handle_dead_connection(&mut self, opened_at: Millis, now: Millis) {
        let reason = "heartbeat timeout";
        self.actions.push(Action::CloseSocket { code: 4000, reason: reason.into() });
        let timeout = self.config.heartbeat.as_ref().map_or(0, |h| h.timeout_ms as u64);
        let message = Text::new("no answer within heartbeat.timeoutMs (").n(timeout).s(" ms) after a ping; reconnecting").done();
        self.report_error(ErrorKind::HeartbeatTimeout, message, ErrorFields::default(), None);
        // The browser would report the missing close frame as 1006; so do we.
        self.record_close(ABNORMAL_CLOSURE, reason);
        self.forget_streak_if_stable(opened_at, now);
        self.recovering = true;
        self.schedule_retry(now, Some(ABNORMAL_CLOSURE), Some(reason.into()), true);
    }

    /// A connection that stayed up `minUptimeMs` proves the server healthy: its end starts a
    /// fresh count instead of continuing the backoff of an earlier outage.
    fn forget_streak_if_stable(&mut self, opened_at: Millis, now: Millis) {
        let min_uptime = self.config.reconnect.as_ref().map_or(0.0, |r| r.min_uptime_ms);
        if now - opened_at >= min_uptime {
            self.streak = 0;
            self.auth_retry_used = false;
        }
    }

    fn record_close(&mut self, code: u16, reason: &str) {
        let reason = reason.to_owned();
        self.update_snapshot(|s| {
            s.last_close_code = Some(code);
            s.last_close_reason = Some(reason);
            s.connected_at = None;
        });
    }

    fn push_frame(&mut self, message: P, bytes: usize) {
        self.stats.messages_out += 1;
        self.stats.bytes_out += bytes as u64;
        self.actions.push(Action::SendFrame(message));
    }

    fn enqueue(&mut self, message: P, bytes: usize, now: Millis) -> SendOutcome {
        let outcome = match self.queue.push(message, bytes, now) {
            Enqueued::Stored { evicted } => {
                let limits = &self.config.queue;
                let message = Text::new("offline queue full (queue.maxMessages ")
                    .n(limits.max_messages as u64)
                    .s(", queue.maxBytes ")
                    .n(limits.max_bytes as u64)
                    .s("); dropped its oldest message")
                    .done();
                for old in evicted {
                    self.stats.dropped += 1;
                    let fields = ErrorFields { count: Some(1), ..ErrorFields::default() };
                    self.report_error(ErrorKind::QueueOverflow, message.clone(), fields, Some(old));
                }
                SendOutcome::Queued
            }
            Enqueued::Refused(message) => {
                self.stats.dropped += 1;
                // A disabled queue (maxMessages 0) drops by design; the return value says so.
                if self.config.queue.max_messages > 0 {
                    let limit = self.config.queue.max_bytes;
                    let fields = ErrorFields { size: Some(bytes), limit: Some(limit), count: Some(1), ..ErrorFields::default() };
                    let text = Text::new("message of ").n(bytes as u64).s(" bytes exceeds queue.maxBytes (").n(limit as u64).s("); dropped").done();
                    self.report_error(ErrorKind::QueueOverflow, text, fields, Some(message));
                }
                SendOutcome::Dropped
            }
        };
        let queued = self.queue.len();
        self.update_snapshot(|s| s.queued = queued);
        outcome
    }

    /// On open: everything queued goes out first, in order, so it precedes anything sent later.
    fn flush_queue(&mut self, now: Millis) {
        let (fresh, expired) = self.queue.drain_fresh(now);
        if expired > 0 {
            self.stats.dropped += expired as u64;
            let max_age = self.config.queue.max_age_ms as u64;
            let fields = ErrorFields { count: Some(expired), ..ErrorFields::default() };
            let message = Text::new("").n(expired as u64).s(" queued message(s) older than queue.maxAgeMs (").n(max_age).s(" ms) discarded").done();
            self.report_error(ErrorKind::QueueExpired, message, fields, None);
        }
        for (message, bytes) in fresh {
            self.push_frame(message, bytes);
        }
        self.update_snapshot(|s| s.queued = 0);
    }

    fn discard_queue(&mut self) {
        self.stats.dropped += self.queue.clear() as u64;
        self.update_snapshot(|s| {
            s.queued = 0;
            s.next_retry_at = None;
            s.connected_at = None;
        });
    }

    /// Moves to `status`, telling listeners only when it actually changes.
    fn set_status(&mut self, status: Status, code: Option<u16>, reason: Option<String>) {
        if status != self.snapshot.status {
            self.emit_status(status, code, reason);
        }
    }

    fn emit_status(&mut self, status: Status, code: Option<u16>, reason: Option<String>) {
        let previous = self.snapshot.status;
        self.update_snapshot(|s| s.status = status);
        let delay_ms = if status == Status::Reconnecting { self.snapshot.delay_ms } else { None };
        let attempt = self.snapshot.attempt;
        self.actions.push(Action::Status(StatusChange { status, previous, attempt, delay_ms, code, reason }));
    }

    fn update_snapshot(&mut self, edit: impl FnOnce(&mut Snapshot)) {
        let before = self.snapshot.clone();
        edit(&mut self.snapshot);
        self.snapshot_edited(before);
    }

    /// Kept out of the generic `update_snapshot` so the comparison exists once in the wasm
    /// module, not once per edit.
    #[inline(never)]
    fn snapshot_edited(&mut self, before: Snapshot) {
        if self.snapshot != before {
            self.snapshot_version += 1;
            self.snapshot_dirty = true;
        }
    }
}
