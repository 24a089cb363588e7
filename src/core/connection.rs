//! The connection state machine: one transport's whole life, without I/O.
//!
//! The embedder reports what happened (`connect`, `send`, `handle_open`, `handle_close`,
//! `handle_text_frame`, `handle_timeout`, ...) with the current time, then drains
//! [`Connection::poll_action`] and arms one timer for [`Connection::poll_timeout`].
//!
//! Phases and the status each shows:
//!
//! ```text
//!  Idle ──connect──▶ [FetchingUrl ──url──▶] [FetchingToken ──token──▶] Opening ──open──▶ Open
//!   (idle)            (connecting / reconnecting)                          (connected; with
//!                                                                           `resume`, once
//!                                                                           `welcome` arrives)
//!                         │ fail, timeout                │ fail, timeout  │ close ≠ 1000,
//!                         ▼                              ▼                ▼ heartbeat dead
//!                       Waiting (reconnecting) ──retry_at / online──▶ (the next attempt)
//!
//! Each fetch is there only when its option is a function. Every retry moves a `url` list on to
//! its next URL (`urls.rs`).
//!  Stopped: disconnected (disconnect(), close 1000) or error (rejected, max attempts)
//! ```
//!
//! With `resume` on (PROTOCOL.md), an open socket first carries `resume`; the status stays
//! connecting/reconnecting until the server's `welcome` (or, without one, `connectTimeoutMs`),
//! and only then do held and queued messages go out. Messages sent with an ack wait in the
//! offline queue, within its bounds, until their `ack` arrives: sent again, in their original
//! order, on every connection, and settled (`Acked`, `AckFailed`) through actions.
//!
//! With `queue.persist` on, every message the queue holds is also kept in storage by the
//! embedder: `Store` when it enters the queue, `Forget` when it leaves it (sent, acknowledged,
//! failed, expired, evicted or discarded; the queue records which, `queue.rs`). A later
//! transport hands what storage holds to [`Connection::restore`], which puts it back first.

use crate::prelude::*;

use super::backoff::jittered_delay;
use super::close_policy::{classify_close, CloseVerdict, ABNORMAL_CLOSURE, NORMAL_CLOSURE};
use super::config::{is_subprotocol_token, Config, ConfigError, TokenSource};
use super::urls::{is_websocket_url, UrlRotation};
use super::errors::{ErrorEvent, ErrorFields, ErrorKind};
use super::heartbeat::{Heartbeat, HeartbeatDue};
use super::queue::{Enqueued, OfflineQueue};
use super::resume::{uuid_v4, AckHold, AckKey, Outbound, Welcome, ACK_TYPE, WELCOME_TYPE};
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
    /// Call the url function; report with [`Connection::handle_url`].
    FetchUrl { attempt: AttemptId },
    /// Call the token function; report with [`Connection::handle_token`].
    FetchToken { attempt: AttemptId },
    /// Open a socket to `url`, offering `["token", token]` as subprotocols when a token is
    /// given. Report its events with this attempt id.
    OpenSocket { attempt: AttemptId, url: String, token: Option<String> },
    /// Close the current socket and stop listening to it: the core has already moved on, so its
    /// close event must not be reported.
    CloseSocket { code: u16, reason: String },
    /// Send one message on the open socket.
    SendFrame(P),
    /// Send the configured heartbeat ping.
    SendPing,
    /// Answer a server's ping.
    SendPong,
    /// Send the resume protocol's `resume` frame, asking to continue `session` after `after`.
    SendResume { session: Option<String>, after: u64 },
    /// The `ack` for a `send_with_ack` message arrived: settle its promise with `ack`.
    Acked { key: AckKey, ack: P },
    /// A `send_with_ack` message will not be acknowledged: reject its promise.
    AckFailed { key: AckKey, kind: ErrorKind, message: String },
    /// `queue.persist`: keep this held message in storage under `key` (its ack id and timeout
    /// too, for an acknowledged one), before the call that held it returns.
    Store { key: u64, frame: P, ack_id: Option<String>, timeout_ms: Option<Millis> },
    /// `queue.persist`: the message stored under `key` left the queue; delete its copy.
    Forget { key: u64 },
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
    /// Handled by the transport (heartbeat traffic), or a replay already delivered: nobody hears it.
    Consumed,
    /// The resume protocol's `welcome`: read it and report it with [`Connection::handle_welcome`].
    Welcome,
    /// An `ack`: read its id and report it with [`Connection::handle_ack`].
    Ack,
}

/// Where the current connection stands in the resume protocol.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Stream {
    /// Resume is off, or the server never answered `resume`: events are delivered as they come.
    Unsequenced,
    /// `resume` sent; the connection is established once `welcome` arrives, or at `deadline`.
    /// `withheld`: sequenced events came meanwhile and were left for the replay after `welcome`.
    AwaitingWelcome { deadline: Millis, withheld: bool },
    /// `welcome` arrived: events carrying `seq` are delivered once and in order.
    Sequenced,
}

#[derive(Debug)]
enum Phase {
    Idle,
    FetchingUrl { attempt: AttemptId, deadline: Millis },
    FetchingToken { attempt: AttemptId, url: String, deadline: Millis },
    Opening { attempt: AttemptId, deadline: Millis },
    Open { attempt: AttemptId, opened_at: Millis, heartbeat: Option<Heartbeat>, stream: Stream },
    Waiting { retry_at: Millis },
    /// Disconnected or error (the status tells which); only `connect()` leaves it.
    Stopped,
}

/// A message a previous transport stored (`Action::Store`) and the embedder read back, for
/// [`Connection::restore`].
#[derive(Debug, Clone, PartialEq)]
pub struct Restored<P> {
    pub frame: P,
    /// Its size on the wire, in UTF-8 bytes.
    pub bytes: usize,
    /// The idempotency id of an acknowledged message (`None`: a plain `send`).
    pub ack_id: Option<String>,
    /// An acknowledged message's `timeoutMs` (`None`: the default).
    pub timeout_ms: Option<Millis>,
    /// How long ago it was first queued, by the embedder's wall clock.
    pub age_ms: Millis,
}

/// The reply to a server-sent ping, and the type that marks one.
pub const SERVER_PING_TYPE: &str = "ping";

#[derive(Debug)]
pub struct Connection<P> {
    config: Config,
    rng: SplitMix64,
    phase: Phase,
    /// Messages waiting to be sent, and messages sent with an ack and not yet acknowledged.
    queue: OfflineQueue<Outbound<P>>,
    /// Of the queue: how many wait for an ack, and the earliest of their deadlines (recounted
    /// whenever the queue changes, so the per-frame checks read two fields).
    held_for_ack: usize,
    next_ack_deadline: Option<Millis>,
    last_ack_key: u64,
    /// The last persist key handed out (`Action::Store`, `restore`).
    last_store_key: u64,
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
    urls: UrlRotation,
}

impl<P: Clone> Connection<P> {
    /// A transport in `idle`, with jitter drawn from `seed`.
    pub fn new(config: Config, seed: u64) -> Result<Self, ConfigError> {
        config.validate()?;
        let urls = UrlRotation::default();
        let snapshot = Snapshot { url: urls.current(&config.urls).map(str::to_owned), ..Snapshot::default() };
        Ok(Self {
            queue: OfflineQueue::new(config.queue.clone()),
            held_for_ack: 0,
            next_ack_deadline: None,
            last_ack_key: 0,
            last_store_key: 0,
            config,
            rng: SplitMix64::new(seed),
            phase: Phase::Idle,
            actions: Vec::new(),
            snapshot,
            snapshot_version: 0,
            snapshot_dirty: false,
            stats: Stats::default(),
            last_attempt_id: 0,
            streak: 0,
            recovering: false,
            auth_retry_used: false,
            urls,
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

    /// Closes on purpose: no reconnect until `connect()`. Queued messages are discarded, and
    /// messages waiting for an ack fail with `disconnected`.
    pub fn disconnect(&mut self, code: u16, reason: &str, now: Millis) {
        self.stop_on_purpose(code, reason, ErrorKind::Disconnected, now);
    }

    /// The embedder is going away (`free()`): like `disconnect`, but messages waiting for an ack
    /// fail with `freed`.
    pub fn free(&mut self, now: Millis) {
        self.stop_on_purpose(NORMAL_CLOSURE, "transport freed", ErrorKind::Freed, now);
    }

    fn stop_on_purpose(&mut self, code: u16, reason: &str, held_fail_as: ErrorKind, now: Millis) {
        let _ = now;
        match self.phase {
            Phase::Stopped => return,
            Phase::Opening { .. } | Phase::Open { .. } => {
                self.actions.push(Action::CloseSocket { code, reason: reason.to_owned() });
            }
            Phase::Idle | Phase::FetchingUrl { .. } | Phase::FetchingToken { .. } | Phase::Waiting { .. } => {}
        }
        self.phase = Phase::Stopped;
        self.discard_queue(held_fail_as);
        self.set_status(Status::Disconnected, Some(code), Some(reason.to_owned()));
    }

    /// Sends now when open, queues while (re)connecting or idle, drops once stopped.
    ///
    /// `utf8_bytes` is the frame's size as it goes on the wire: the queue's byte bound and
    /// `bytesOut` both count it, whether the frame goes out now or from the queue later.
    pub fn send(&mut self, message: P, utf8_bytes: usize, now: Millis) -> SendOutcome {
        if self.is_established() {
            self.push_frame(message, utf8_bytes);
            SendOutcome::Sent
        } else if matches!(self.phase, Phase::Stopped) {
            self.stats.dropped += 1;
            SendOutcome::Dropped
        } else if self.hold(Outbound { frame: message, ack: None }, utf8_bytes, now) {
            SendOutcome::Queued
        } else {
            SendOutcome::Dropped
        }
    }

    /// Sends `message`, which carries the idempotency id `id`, and holds it until its `ack`
    /// arrives ([`Action::Acked`]) or it fails ([`Action::AckFailed`]: `timeout_ms` passed, the
    /// transport stopped, or the queue's bounds dropped it). Held messages count toward the
    /// queue's bounds (not toward its age bound: `timeout_ms` is theirs) and are sent again on
    /// every connection, in their original order, before anything newer.
    pub fn send_with_ack(&mut self, message: P, id: String, utf8_bytes: usize, timeout_ms: Millis, now: Millis) -> AckKey {
        self.last_ack_key += 1;
        let key = AckKey(self.last_ack_key);
        if matches!(self.phase, Phase::Stopped) {
            self.stats.dropped += 1;
            let message = "the transport is stopped (connect() first); not sent".to_owned();
            self.actions.push(Action::AckFailed { key, kind: ErrorKind::Disconnected, message });
            return key;
        }
        let in_flight = self.is_established();
        let copy = in_flight.then(|| message.clone());
        let hold = AckHold { key, id, deadline: now + timeout_ms, timeout_ms, in_flight, restored: false };
        if self.hold(Outbound { frame: message, ack: Some(hold) }, utf8_bytes, now) {
            if let Some(message) = copy {
                self.push_frame(message, utf8_bytes);
            }
        }
        key
    }

    /// A fresh idempotency id (a random version-4 UUID), for embedders without a better source.
    pub fn generate_message_id(&mut self) -> String {
        uuid_v4(|| self.rng.next_u64())
    }

    /// Puts back what a previous transport stored (`queue.persist`), oldest first, before
    /// anything queued since: each keeps its idempotency id and its age (`age_ms`), so
    /// `queue.maxAgeMs` and an acknowledged message's `timeoutMs` run from when it was first
    /// queued. They are in storage already, so no `Store`; the answer is the persist key each
    /// got, in order (a later `Forget` names them). The queue's bounds apply (the oldest are
    /// dropped, `queue_overflow`); acknowledged ones past their deadline fail now, plain ones past
    /// `queue.maxAgeMs` are discarded when the connection opens (`queue_expired`). Nobody holds
    /// a promise for a restored message: its failure is an error event of its kind.
    pub fn restore(&mut self, items: Vec<Restored<P>>, now: Millis) -> Vec<u64> {
        let mut keys = Vec::with_capacity(items.len());
        let mut entries = Vec::with_capacity(items.len());
        for item in items {
            self.last_store_key += 1;
            keys.push(self.last_store_key);
            let enqueued_at = now - item.age_ms;
            let ack = item.ack_id.map(|id| {
                self.last_ack_key += 1;
                let timeout_ms = item.timeout_ms.unwrap_or(super::config::DEFAULT_ACK_TIMEOUT_MS);
                AckHold { key: AckKey(self.last_ack_key), id, deadline: enqueued_at + timeout_ms, timeout_ms, in_flight: false, restored: true }
            });
            entries.push((Outbound { frame: item.frame, ack }, item.bytes, enqueued_at, Some(self.last_store_key)));
        }
        let evicted = self.queue.push_front_in_order(entries);
        self.report_evicted(evicted);
        self.queue_changed();
        self.expire_acks(now);
        if self.is_established() {
            self.send_held(now);
        }
        keys
    }

    /// An error the embedder detected (a frame that is not JSON, a listener that threw, ...).
    pub fn report_error(&mut self, kind: ErrorKind, message: String, fields: ErrorFields, payload: Option<P>) {
        self.stats.errors += 1;
        let last = (kind, message.clone());
        self.update_snapshot(|s| s.last_error = Some(last));
        self.actions.push(Action::Error(ErrorEvent { kind, message, fields, payload }));
    }

    // ---- what the socket, the token function, the timer and the browser report -----------------

    /// What the url function (`Action::FetchUrl`) gave for `attempt`: the URL, or why not.
    pub fn handle_url(&mut self, attempt: AttemptId, url: Result<String, String>, now: Millis) {
        let Phase::FetchingUrl { attempt: current, deadline } = self.phase else { return };
        if current != attempt {
            return;
        }
        match url {
            Ok(url) if is_websocket_url(&url) => self.open_or_fetch_token(attempt, url, deadline),
            Ok(url) => {
                let message = Text::new("the url function returned '").s(&url).s("', expected a ws:// or wss:// URL").done();
                self.report_error(ErrorKind::Url, message, ErrorFields::default(), None);
                self.fail_attempt(now, None, None);
            }
            Err(message) => {
                self.report_error(ErrorKind::Url, Text::new("the url function failed: ").s(&message).done(), ErrorFields::default(), None);
                self.fail_attempt(now, None, None);
            }
        }
    }

    pub fn handle_token(&mut self, attempt: AttemptId, token: Result<String, String>, now: Millis) {
        let Phase::FetchingToken { attempt: current, deadline, .. } = self.phase else { return };
        if current != attempt {
            return;
        }
        match token {
            Ok(token) if is_subprotocol_token(&token) => {
                let Phase::FetchingToken { url, .. } = core::mem::replace(&mut self.phase, Phase::Opening { attempt, deadline }) else { return };
                self.actions.push(Action::OpenSocket { attempt, url, token: Some(token) });
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
        let stream = if self.config.resume {
            // First, before anything held or queued: the server answers it before any event.
            let (session, after) = (self.snapshot.session_id.clone(), self.snapshot.last_seq);
            self.actions.push(Action::SendResume { session, after });
            Stream::AwaitingWelcome { deadline: now + self.config.connect_timeout_ms, withheld: false }
        } else {
            Stream::Unsequenced
        };
        self.phase = Phase::Open { attempt, opened_at: now, heartbeat, stream };
        if stream == Stream::Unsequenced {
            self.establish(false, now);
        }
    }

    /// The server's `welcome` (resume protocol). Outside the handshake (a repeat, or a server
    /// sending it unasked) it changes nothing.
    ///
    /// A session the server could not resume is a gap: reported, then the fresh session is
    /// taken, so the app can refetch its state. A welcome without a session is reported and the
    /// connection goes on as with a server that does not speak the protocol.
    pub fn handle_welcome(&mut self, welcome: Welcome, now: Millis) {
        let Phase::Open { stream, .. } = &mut self.phase else { return };
        if !matches!(stream, Stream::AwaitingWelcome { .. }) {
            return;
        }
        let Some(session) = welcome.session else {
            *stream = Stream::Unsequenced;
            let message = "a 'welcome' frame without a string 'session'; continuing without resume".to_owned();
            self.report_error(ErrorKind::Parse, message, ErrorFields::default(), None);
            self.establish(false, now);
            return;
        };
        *stream = Stream::Sequenced;
        let asked = self.snapshot.session_id.as_deref();
        let resumed = welcome.resumed && asked == Some(session.as_str());
        if !resumed {
            if let Some(asked) = asked {
                let expected = self.snapshot.last_seq + 1;
                let reason = welcome.reason.as_deref().unwrap_or("no reason given");
                let message = Text::new("the server could not resume session '")
                    .s(asked)
                    .s("' (")
                    .s(reason)
                    .s("): events after seq ")
                    .n(expected - 1)
                    .s(" are lost; continuing in a fresh session")
                    .done();
                let fields = ErrorFields { expected: Some(expected), ..ErrorFields::default() };
                self.report_error(ErrorKind::Gap, message, fields, None);
            }
            self.update_snapshot(|s| {
                s.session_id = Some(session);
                s.last_seq = 0;
            });
        }
        self.establish(resumed, now);
    }

    /// An `ack` frame for the message with idempotency id `id`. Consumed when it settles a held
    /// message, and with resume on (a repeated or late ack is the protocol's, not the app's);
    /// otherwise it is one of the app's own messages.
    pub fn handle_ack(&mut self, id: Option<&str>, ack: &P) -> Route {
        let held = id.and_then(|id| self.queue.remove_first(|m| m.ack.as_ref().is_some_and(|hold| hold.id == id)));
        match held.and_then(|m| m.ack) {
            Some(hold) => {
                self.actions.push(Action::Acked { key: hold.key, ack: ack.clone() });
                self.queue_changed();
                Route::Consumed
            }
            None if self.config.resume => Route::Consumed,
            None => Route::Dispatch,
        }
    }

    /// Whether the embedder must read each dispatched event's `seq` and report it with
    /// [`handle_event_seq`](Self::handle_event_seq): on a connection waiting for `welcome` or
    /// whose server sent it, so without resume the per-message path reads nothing more.
    pub fn tracks_sequence(&self) -> bool {
        matches!(self.phase, Phase::Open { stream: Stream::Sequenced | Stream::AwaitingWelcome { .. }, .. })
    }

    /// The `seq` of an event about to be dispatched (`None`: it has none; a value that is not a
    /// number: NaN). Delivers each sequence number once and in order: a replay at or below the
    /// last delivered one is dropped, a jump past the next one is reported as a gap and
    /// delivered. A `seq` that is not a positive integer is reported and the event delivered
    /// as it is.
    pub fn handle_event_seq(&mut self, seq: Option<f64>) -> Route {
        let Some(seq) = seq else { return Route::Dispatch };
        if !self.tracks_sequence() {
            return Route::Dispatch;
        }
        // A server that got `resume` late (after it began streaming as to a plain client) sends
        // these again after its `welcome`, from where the client asked: delivering them now
        // would deliver them twice (PROTOCOL.md, "The handshake").
        if let Phase::Open { stream: Stream::AwaitingWelcome { withheld, .. }, .. } = &mut self.phase {
            *withheld = true;
            return Route::Consumed;
        }
        const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;
        if !(seq >= 1.0 && seq <= MAX_SAFE_INTEGER && seq.fract() == 0.0) {
            let message = "an event's 'seq' is not a positive integer; delivered without sequencing".to_owned();
            self.report_error(ErrorKind::Parse, message, ErrorFields::default(), None);
            return Route::Dispatch;
        }
        let seq = seq as u64;
        let last = self.snapshot.last_seq;
        if seq <= last {
            return Route::Consumed;
        }
        if seq > last + 1 {
            let fields = ErrorFields { expected: Some(last + 1), received: Some(seq), ..ErrorFields::default() };
            let message = Text::new("events ").n(last + 1).s(" to ").n(seq - 1).s(" never arrived (the server skipped them)").done();
            self.report_error(ErrorKind::Gap, message, fields, None);
        }
        // Per event: set directly rather than through `update_snapshot`, which clones the snapshot.
        self.snapshot.last_seq = seq;
        self.snapshot_version += 1;
        self.snapshot_dirty = true;
        Route::Dispatch
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
            Phase::Open { attempt: current, opened_at, stream, .. } if current == attempt => {
                self.record_close(code, reason);
                self.forget_streak_if_stable(opened_at, now);
                let mut verdict = classify_close(code);
                // The server finished a stream (a run ends with 1000) before it read our late
                // `resume`, so it sent that stream as to a plain client and we withheld it: only a
                // resumption gets those events, so this close is retried, not taken as the end.
                if verdict == CloseVerdict::Done && matches!(stream, Stream::AwaitingWelcome { withheld: true, .. }) {
                    verdict = CloseVerdict::Retry;
                }
                match verdict {
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

    /// Routes a parsed message by its type: heartbeat replies stay inside the transport, and so
    /// do the resume protocol's `welcome` and `ack` (with resume on, or while a message waits
    /// for its ack).
    pub fn handle_message_type(&mut self, message_type: &str, now: Millis) -> Route {
        if self.config.resume || self.held_for_ack > 0 {
            if message_type == ACK_TYPE {
                return Route::Ack;
            }
            if self.config.resume && message_type == WELCOME_TYPE {
                return Route::Welcome;
            }
        }
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
        self.expire_acks(now);
        match &mut self.phase {
            Phase::FetchingUrl { deadline, .. } | Phase::FetchingToken { deadline, .. } | Phase::Opening { deadline, .. } if now >= *deadline => {
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
            Phase::Open { heartbeat, opened_at, stream, .. } => {
                let opened_at = *opened_at;
                let welcome_overdue = matches!(*stream, Stream::AwaitingWelcome { deadline, .. } if now >= deadline);
                let due = heartbeat.as_mut().map_or(HeartbeatDue::Nothing, |hb| hb.poll(now));
                if welcome_overdue {
                    // No answer to `resume`: a server that does not speak the protocol.
                    *stream = Stream::Unsequenced;
                    self.establish(false, now);
                }
                match due {
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
        let phase = match &self.phase {
            Phase::FetchingUrl { deadline, .. } | Phase::FetchingToken { deadline, .. } | Phase::Opening { deadline, .. } => Some(*deadline),
            Phase::Waiting { retry_at } => Some(*retry_at),
            Phase::Open { heartbeat, stream, .. } => {
                let welcome = if let Stream::AwaitingWelcome { deadline, .. } = stream { Some(*deadline) } else { None };
                earliest(heartbeat.as_ref().map(Heartbeat::deadline), welcome)
            }
            _ => None,
        };
        earliest(phase, self.next_ack_deadline)
    }

    // ---- shared tabs (`share`, core/share.rs decides who leads) ----------------------------------

    /// What the snapshot says about sharing: set by the embedder as the group changes.
    pub fn set_sharing(&mut self, shared: bool, leader: bool, tabs: usize) {
        self.update_snapshot(|s| {
            s.shared = shared;
            s.leader = leader;
            s.tabs = tabs;
        });
    }

    /// A follower tab: the leader's snapshot becomes this one's, but for what is the tab's own
    /// (where its listeners are in the stream, and its place in the group). A status change is
    /// announced as the leader's was.
    pub fn mirror(&mut self, leader: Snapshot) {
        let before = self.snapshot.clone();
        let previous = before.status;
        self.snapshot = Snapshot {
            session_id: before.session_id.clone(),
            last_seq: before.last_seq,
            shared: before.shared,
            leader: before.leader,
            ..leader
        };
        self.snapshot_edited(before);
        let status = self.snapshot.status;
        if status != previous {
            let (attempt, delay_ms, resumed) = (self.snapshot.attempt, self.snapshot.delay_ms, self.snapshot.resumed);
            let (code, reason) = match status {
                Status::Connected => (None, None),
                _ => (self.snapshot.last_close_code, self.snapshot.last_close_reason.clone()),
            };
            let delay_ms = if status == Status::Reconnecting { delay_ms } else { None };
            self.actions.push(Action::Status(StatusChange { status, previous, attempt, delay_ms, code, reason, resumed }));
        }
    }

    /// A follower tab: whether to deliver an event the leader relayed, from stream `session`
    /// with `seq` (`None`: not sequenced, always delivered). Each seq is delivered once: after a
    /// handover the new leader's replay repeats what some tabs already have.
    pub fn accept_relayed(&mut self, session: Option<&str>, seq: Option<u64>) -> bool {
        let (Some(session), Some(seq)) = (session, seq) else { return true };
        if self.snapshot.session_id.as_deref() != Some(session) {
            self.snapshot.session_id = Some(session.to_owned());
            self.snapshot.last_seq = 0;
        }
        if seq <= self.snapshot.last_seq {
            return false;
        }
        self.snapshot.last_seq = seq;
        self.snapshot_version += 1;
        self.snapshot_dirty = true;
        true
    }

    /// This tab now leads: it opens the socket, continuing the stream after the last event its
    /// listeners got (the snapshot's session and seq), and shows `reconnecting` if the group
    /// was connected.
    pub fn take_over(&mut self, now: Millis) {
        if !matches!(self.phase, Phase::Idle | Phase::Stopped) {
            return;
        }
        self.streak = 0;
        self.auth_retry_used = false;
        self.recovering = self.snapshot.status != Status::Idle;
        self.start_attempt(now);
    }

    /// This tab no longer leads: the socket closes without a status of its own (the new
    /// leader's is mirrored), and what the queue held is handed back to be sent through the
    /// new leader, none of it failed.
    pub fn step_down(&mut self, now: Millis) -> Vec<Outbound<P>> {
        let _ = now;
        if matches!(self.phase, Phase::Opening { .. } | Phase::Open { .. }) {
            self.actions.push(Action::CloseSocket { code: NORMAL_CLOSURE, reason: "another tab holds the connection".into() });
        }
        self.phase = Phase::Idle;
        let mut held = Vec::new();
        self.queue.retain(|message, _, _| {
            held.push(message.clone());
            false
        });
        self.queue_changed();
        held
    }

    // ---- internals ------------------------------------------------------------------------------

    fn start_attempt(&mut self, now: Millis) {
        self.last_attempt_id += 1;
        let attempt = AttemptId(self.last_attempt_id);
        let deadline = now + self.config.connect_timeout_ms;
        self.stats.attempts += 1;
        match self.urls.current(&self.config.urls) {
            Some(url) => self.open_or_fetch_token(attempt, url.to_owned(), deadline),
            None => {
                self.phase = Phase::FetchingUrl { attempt, deadline };
                self.actions.push(Action::FetchUrl { attempt });
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

    /// The attempt has its URL: open, or first ask for a token.
    fn open_or_fetch_token(&mut self, attempt: AttemptId, url: String, deadline: Millis) {
        self.update_snapshot(|s| s.url = Some(url.clone()));
        match &self.config.token {
            TokenSource::Dynamic => {
                self.phase = Phase::FetchingToken { attempt, url, deadline };
                self.actions.push(Action::FetchToken { attempt });
            }
            TokenSource::Static(token) => {
                let token = Some(token.clone());
                self.phase = Phase::Opening { attempt, deadline };
                self.actions.push(Action::OpenSocket { attempt, url, token });
            }
            TokenSource::None => {
                self.phase = Phase::Opening { attempt, deadline };
                self.actions.push(Action::OpenSocket { attempt, url, token: None });
            }
        }
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
            self.discard_queue(ErrorKind::Disconnected);
            let status = if was_open { Status::Disconnected } else { Status::Error };
            self.set_status(status, code, reason);
            return;
        };
        self.streak = self.streak.saturating_add(1);
        if let Some(max) = reconnect.max_attempts {
            if self.streak > max {
                self.phase = Phase::Stopped;
                self.discard_queue(ErrorKind::Disconnected);
                let fields = ErrorFields { attempt: Some(max), ..ErrorFields::default() };
                let message = Text::new("gave up after ").n(max.into()).s(" failed reconnection attempts (reconnect.maxAttempts)").done();
                self.report_error(ErrorKind::MaxAttempts, message, fields, None);
                self.set_status(Status::Error, code, reason);
                return;
            }
        }
        let delay = jittered_delay(reconnect, self.streak, &mut self.rng);
        let retry_at = now + delay;
        self.urls.advance(&self.config.urls);
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
        self.discard_queue(ErrorKind::Disconnected);
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
        self.unsend_held();
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

    /// Open, and past the resume handshake if there is one: sends go out now.
    fn is_established(&self) -> bool {
        matches!(self.phase, Phase::Open { stream, .. } if !matches!(stream, Stream::AwaitingWelcome { .. }))
    }

    /// The connection is usable: held and queued messages go out first, in order, so they
    /// precede anything sent later (and the `connected` status listeners hear).
    fn establish(&mut self, resumed: bool, now: Millis) {
        if self.recovering {
            self.stats.reconnects += 1;
        }
        self.recovering = false;
        self.send_held(now);
        self.update_snapshot(|s| {
            s.attempt = 0;
            s.next_retry_at = None;
            s.delay_ms = None;
            s.connected_at = Some(now);
            s.resumed = resumed;
        });
        self.set_status(Status::Connected, None, None);
    }

    /// Stores a message in the queue; false if it was refused. What the bounds drop is
    /// reported (`queue_overflow`), and a dropped message waiting for an ack fails with it.
    fn hold(&mut self, message: Outbound<P>, bytes: usize, now: Millis) -> bool {
        let record = self.config.queue.persist.then(|| {
            self.last_store_key += 1;
            let ack = message.ack.as_ref().map(|hold| (hold.id.clone(), hold.timeout_ms));
            (self.last_store_key, message.frame.clone(), ack)
        });
        let key = record.as_ref().map(|(key, ..)| *key);
        let stored = match self.queue.push(message, bytes, now, key) {
            Enqueued::Stored { evicted } => {
                if let Some((key, frame, ack)) = record {
                    let (ack_id, timeout_ms) = ack.map_or((None, None), |(id, timeout)| (Some(id), Some(timeout)));
                    self.actions.push(Action::Store { key, frame, ack_id, timeout_ms });
                }
                self.report_evicted(evicted);
                true
            }
            Enqueued::Refused(message) => {
                self.stats.dropped += 1;
                let limit = self.config.queue.max_bytes;
                let text = if self.config.queue.max_messages > 0 {
                    Text::new("message of ").n(bytes as u64).s(" bytes exceeds queue.maxBytes (").n(limit as u64).s("); dropped").done()
                } else {
                    "the offline queue is off (queue: false), so nothing can be held until acknowledged; dropped".to_owned()
                };
                if let Some(hold) = message.ack {
                    self.actions.push(Action::AckFailed { key: hold.key, kind: ErrorKind::QueueOverflow, message: text });
                } else if self.config.queue.max_messages > 0 {
                    // A disabled queue drops plain sends by design; the return value says so.
                    let fields = ErrorFields { size: Some(bytes), limit: Some(limit), count: Some(1), ..ErrorFields::default() };
                    self.report_error(ErrorKind::QueueOverflow, text, fields, Some(message.frame));
                }
                false
            }
        };
        self.queue_changed();
        stored
    }

    /// What the queue's bounds dropped: reported (`queue_overflow`), and a message waiting for
    /// an ack fails with it (a restored one has no promise: the error event is all).
    fn report_evicted(&mut self, evicted: Vec<Outbound<P>>) {
        if evicted.is_empty() {
            return;
        }
        let limits = &self.config.queue;
        let text = Text::new("offline queue full (queue.maxMessages ")
            .n(limits.max_messages as u64)
            .s(", queue.maxBytes ")
            .n(limits.max_bytes as u64)
            .s("); dropped its oldest message")
            .done();
        for old in evicted {
            self.stats.dropped += 1;
            let fields = ErrorFields { count: Some(1), ..ErrorFields::default() };
            self.report_error(ErrorKind::QueueOverflow, text.clone(), fields, Some(old.frame));
            if let Some(hold) = old.ack.filter(|hold| !hold.restored) {
                self.actions.push(Action::AckFailed { key: hold.key, kind: ErrorKind::QueueOverflow, message: text.clone() });
            }
        }
    }

    /// A held message will not be acknowledged: its promise is rejected, or, restored from
    /// storage, an error event of the same kind says so.
    fn fail_held(&mut self, hold: AckHold, frame: Option<P>, kind: ErrorKind, message: String) {
        if hold.restored {
            self.report_error(kind, message, ErrorFields::default(), frame);
        } else {
            self.actions.push(Action::AckFailed { key: hold.key, kind, message });
        }
    }

    /// Sends what the queue holds, in order: queued messages leave it (those older than
    /// queue.maxAgeMs are discarded instead), messages waiting for an ack stay until it comes.
    fn send_held(&mut self, now: Millis) {
        let max_age = self.config.queue.max_age_ms;
        let mut expired = 0;
        let mut frames = Vec::new();
        self.queue.retain(|message, bytes, enqueued_at| match &mut message.ack {
            Some(hold) => {
                // Already in flight only when restored onto an open connection.
                if !hold.in_flight {
                    hold.in_flight = true;
                    frames.push((message.frame.clone(), bytes));
                }
                true
            }
            None => {
                if now - enqueued_at > max_age {
                    expired += 1;
                } else {
                    frames.push((message.frame.clone(), bytes));
                }
                false
            }
        });
        if expired > 0 {
            self.stats.dropped += expired as u64;
            let max_age = max_age as u64;
            let fields = ErrorFields { count: Some(expired), ..ErrorFields::default() };
            let message = Text::new("").n(expired as u64).s(" queued message(s) older than queue.maxAgeMs (").n(max_age).s(" ms) discarded").done();
            self.report_error(ErrorKind::QueueExpired, message, fields, None);
        }
        for (frame, bytes) in frames {
            self.push_frame(frame, bytes);
        }
        self.queue_changed();
    }

    /// The socket is gone: what was sent on it and not acknowledged must be sent again.
    fn unsend_held(&mut self) {
        if self.held_for_ack == 0 {
            return;
        }
        self.queue.retain(|message, _, _| {
            if let Some(hold) = &mut message.ack {
                hold.in_flight = false;
            }
            true
        });
        self.queue_changed();
    }

    /// Fails every held message whose deadline has passed.
    fn expire_acks(&mut self, now: Millis) {
        if self.next_ack_deadline.map_or(true, |deadline| now < deadline) {
            return;
        }
        let mut expired = Vec::new();
        self.queue.retain(|message, _, _| match &message.ack {
            Some(hold) if now >= hold.deadline => {
                expired.push((hold.clone(), hold.restored.then(|| message.frame.clone())));
                false
            }
            _ => true,
        });
        for (hold, frame) in expired {
            let message = Text::new("no ack within timeoutMs (").n(hold.timeout_ms as u64).s(" ms)").done();
            self.fail_held(hold, frame, ErrorKind::AckTimeout, message);
        }
        self.queue_changed();
    }

    /// Everything held is dropped; messages waiting for an ack fail with `held_fail_as`.
    fn discard_queue(&mut self, held_fail_as: ErrorKind) {
        let mut failed = Vec::new();
        let mut dropped = 0u64;
        self.queue.retain(|message, _, _| {
            dropped += 1;
            if let Some(hold) = &message.ack {
                failed.push((hold.clone(), hold.restored.then(|| message.frame.clone())));
            }
            false
        });
        self.stats.dropped += dropped;
        let text = if held_fail_as == ErrorKind::Freed {
            "the transport was freed before the ack arrived"
        } else {
            "the transport stopped before the ack arrived"
        };
        for (hold, frame) in failed {
            self.fail_held(hold, frame, held_fail_as, text.to_owned());
        }
        self.queue_changed();
        self.update_snapshot(|s| {
            s.next_retry_at = None;
            s.connected_at = None;
        });
    }

    /// Recounts what the per-frame and per-timer checks read, and the snapshot's `queued`
    /// (messages not sent on the current socket).
    fn queue_changed(&mut self) {
        for key in self.queue.take_removed() {
            self.actions.push(Action::Forget { key });
        }
        let (mut held, mut next_deadline, mut waiting) = (0, None, 0);
        for (message, _) in self.queue.iter() {
            match &message.ack {
                Some(hold) => {
                    held += 1;
                    next_deadline = earliest(next_deadline, Some(hold.deadline));
                    waiting += usize::from(!hold.in_flight);
                }
                None => waiting += 1,
            }
        }
        self.held_for_ack = held;
        self.next_ack_deadline = next_deadline;
        self.update_snapshot(|s| s.queued = waiting);
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
        if status != Status::Connected {
            self.update_snapshot(|s| s.resumed = false);
        }
        let delay_ms = if status == Status::Reconnecting { self.snapshot.delay_ms } else { None };
        let attempt = self.snapshot.attempt;
        let resumed = self.snapshot.resumed;
        self.actions.push(Action::Status(StatusChange { status, previous, attempt, delay_ms, code, reason, resumed }));
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

/// The earlier of two optional instants.
fn earliest(a: Option<Millis>, b: Option<Millis>) -> Option<Millis> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, None) => a,
        (None, b) => b,
    }
}
