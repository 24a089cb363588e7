//! A fake clock and a recording embedder for driving the sans-IO core in tests.
#![allow(dead_code)]

use agentwire::core::{Action, AckKey, AttemptId, Config, Connection, ErrorEvent, ErrorKind, Millis, Route, SendOutcome, Status, StatusChange, Welcome};

/// Drives a `Connection<String>` the way the web layer does, recording what it is told to do.
pub struct Harness {
    pub conn: Connection<String>,
    pub now: Millis,
    /// Every action, in order, since the last `take_actions`.
    pub actions: Vec<Action<String>>,
    /// The attempt of the socket the embedder holds, if any.
    pub socket: Option<AttemptId>,
    pub sent: Vec<String>,
}

impl Harness {
    pub fn new(config: Config) -> Self {
        Self::with_seed(config, 1)
    }

    pub fn with_seed(config: Config, seed: u64) -> Self {
        let conn = Connection::new(config, seed).expect("valid config");
        Self { conn, now: 0.0, actions: Vec::new(), socket: None, sent: Vec::new() }
    }

    /// Drains the core's actions, applying the socket-level ones to the fake socket.
    pub fn pump(&mut self) {
        while let Some(action) = self.conn.poll_action() {
            match &action {
                Action::OpenSocket { attempt, .. } => self.socket = Some(*attempt),
                Action::CloseSocket { .. } => self.socket = None,
                Action::SendFrame(frame) => self.sent.push(frame.clone()),
                Action::SendPing => self.sent.push("<ping>".into()),
                Action::SendPong => self.sent.push("<pong>".into()),
                Action::SendResume { session, after } => {
                    self.sent.push(format!("<resume {} {after}>", session.as_deref().unwrap_or("null")))
                }
                _ => {}
            }
            self.actions.push(action);
        }
    }

    pub fn take_actions(&mut self) -> Vec<Action<String>> {
        std::mem::take(&mut self.actions)
    }

    pub fn connect(&mut self) {
        self.conn.connect(self.now);
        self.pump();
    }

    pub fn open(&mut self) {
        let attempt = self.socket.expect("a socket to open");
        self.conn.handle_open(attempt, self.now);
        self.pump();
    }

    /// The server (or network) closes the current socket.
    pub fn close(&mut self, code: u16) {
        let attempt = self.socket.take().expect("a socket to close");
        self.conn.handle_close(attempt, code, "test", self.now);
        self.pump();
    }

    pub fn send(&mut self, text: &str) -> SendOutcome {
        let outcome = self.conn.send(text.to_owned(), text.len(), self.now);
        self.pump();
        outcome
    }

    /// An inbound message of `message_type`, as the web layer reports a parsed JSON frame.
    pub fn receive(&mut self, message_type: &str) -> Route {
        let text = format!("{{\"type\":\"{message_type}\"}}");
        self.conn.handle_text_frame(text.len(), || text.len(), self.now);
        let route = self.conn.handle_message_type(message_type, self.now);
        self.pump();
        route
    }

    /// An inbound event of type `message_delta`, with `seq` if given, reported the way the web
    /// layer does: its type first, then (on a sequenced connection) its `seq`.
    pub fn receive_event(&mut self, seq: Option<u64>) -> Route {
        self.receive_event_with_seq_value(seq.map(|s| s as f64))
    }

    /// Like `receive_event`, with the `seq` as the number JS would read (NaN: not a number).
    pub fn receive_event_with_seq_value(&mut self, seq: Option<f64>) -> Route {
        let text = "{\"type\":\"message_delta\"}";
        self.conn.handle_text_frame(text.len(), || text.len(), self.now);
        let mut route = self.conn.handle_message_type("message_delta", self.now);
        if route == Route::Dispatch && self.conn.tracks_sequence() {
            route = self.conn.handle_event_seq(seq);
        }
        self.pump();
        route
    }

    /// The server's `welcome`; panics unless the core routes it as one.
    pub fn welcome(&mut self, session: Option<&str>, resumed: bool, reason: Option<&str>) {
        let text = "{\"type\":\"welcome\"}";
        self.conn.handle_text_frame(text.len(), || text.len(), self.now);
        assert_eq!(self.conn.handle_message_type("welcome", self.now), Route::Welcome);
        let welcome = Welcome { session: session.map(str::to_owned), resumed, reason: reason.map(str::to_owned) };
        self.conn.handle_welcome(welcome, self.now);
        self.pump();
    }

    /// An inbound `ack` for `id`: how it was routed (the core's first answer, then `handle_ack`'s).
    pub fn ack(&mut self, id: &str) -> Route {
        let text = format!("{{\"type\":\"ack\",\"id\":\"{id}\"}}");
        self.conn.handle_text_frame(text.len(), || text.len(), self.now);
        let mut route = self.conn.handle_message_type("ack", self.now);
        if route == Route::Ack {
            route = self.conn.handle_ack(Some(id), &text);
        }
        self.pump();
        route
    }

    /// `sendWithAck(text)` with idempotency id `id`.
    pub fn send_with_ack(&mut self, text: &str, id: &str, timeout_ms: Millis) -> AckKey {
        let key = self.conn.send_with_ack(text.to_owned(), id.to_owned(), text.len(), timeout_ms, self.now);
        self.pump();
        key
    }

    /// The keys of the acknowledged messages, in order, with the ack each got.
    pub fn acked(&self) -> Vec<(AckKey, String)> {
        self.actions.iter().filter_map(|a| if let Action::Acked { key, ack } = a { Some((*key, ack.clone())) } else { None }).collect()
    }

    /// The keys of the messages that failed, in order, with why.
    pub fn ack_failures(&self) -> Vec<(AckKey, ErrorKind)> {
        self.actions.iter().filter_map(|a| if let Action::AckFailed { key, kind, .. } = a { Some((*key, *kind)) } else { None }).collect()
    }

    /// `queue.persist`: what the core asked to store since the last `take_actions`, in order:
    /// (persist key, frame, ack id).
    pub fn stores(&self) -> Vec<(u64, String, Option<String>)> {
        self.actions
            .iter()
            .filter_map(|a| if let Action::Store { key, frame, ack_id, .. } = a { Some((*key, frame.clone(), ack_id.clone())) } else { None })
            .collect()
    }

    /// `queue.persist`: the persist keys the core asked to forget since the last `take_actions`.
    pub fn forgets(&self) -> Vec<u64> {
        self.actions.iter().filter_map(|a| if let Action::Forget { key } = a { Some(*key) } else { None }).collect()
    }

    pub fn error_events(&self) -> Vec<ErrorEvent<String>> {
        self.actions.iter().filter_map(|a| if let Action::Error(e) = a { Some(e.clone()) } else { None }).collect()
    }

    /// Moves the clock to `t` firing every timer deadline on the way, like a real timer would.
    pub fn advance_to(&mut self, t: Millis) {
        while let Some(deadline) = self.conn.poll_timeout() {
            if deadline > t {
                break;
            }
            self.now = self.now.max(deadline);
            self.conn.handle_timeout(self.now);
            self.pump();
        }
        self.now = t;
    }

    pub fn advance_by(&mut self, ms: Millis) {
        self.advance_to(self.now + ms);
    }

    /// Jumps the clock without firing timers (a throttled background tab), then checks once.
    pub fn jump_and_check(&mut self, t: Millis) {
        self.now = t;
        self.conn.handle_timeout(self.now);
        self.pump();
    }

    /// Waits out the pending retry delay; returns how long it was.
    pub fn wait_for_retry(&mut self) -> Millis {
        let retry_at = self.conn.snapshot().next_retry_at.expect("a retry to be scheduled");
        let waited = retry_at - self.now;
        self.advance_to(retry_at);
        assert!(self.socket.is_some() || self.fetching(), "the retry should have started an attempt");
        waited
    }

    /// The core asked for a token or a URL (a function's answer comes before the socket).
    fn fetching(&self) -> bool {
        self.actions.iter().any(|a| matches!(a, Action::FetchToken { .. } | Action::FetchUrl { .. }))
    }

    /// The URLs of every socket opened since the last `take_actions`, in order.
    pub fn opened_urls(&self) -> Vec<String> {
        self.actions.iter().filter_map(|a| if let Action::OpenSocket { url, .. } = a { Some(url.clone()) } else { None }).collect()
    }

    /// The attempts the url function was asked for, in order.
    pub fn url_requests(&self) -> Vec<AttemptId> {
        self.actions.iter().filter_map(|a| if let Action::FetchUrl { attempt } = a { Some(*attempt) } else { None }).collect()
    }

    pub fn status(&self) -> Status {
        self.conn.status()
    }

    pub fn status_changes(&self) -> Vec<StatusChange> {
        self.actions
            .iter()
            .filter_map(|a| if let Action::Status(s) = a { Some(s.clone()) } else { None })
            .collect()
    }

    pub fn statuses(&self) -> Vec<Status> {
        self.status_changes().into_iter().map(|s| s.status).collect()
    }

    pub fn errors(&self) -> Vec<ErrorKind> {
        self.actions
            .iter()
            .filter_map(|a| if let Action::Error(e) = a { Some(e.kind) } else { None })
            .collect()
    }

    pub fn opens(&self) -> usize {
        self.actions.iter().filter(|a| matches!(a, Action::OpenSocket { .. })).count()
    }
}

/// Settings with `queue.persist` on and no jitter.
pub fn persist_config() -> Config {
    let mut config = config_without_jitter();
    config.queue.persist = true;
    config
}

/// Settings with the resume protocol on and no jitter.
pub fn resume_config() -> Config {
    Config { resume: true, ..config_without_jitter() }
}

/// Settings with no jitter, so delays are exact.
pub fn config_without_jitter() -> Config {
    let mut config = Config::default();
    if let Some(r) = config.reconnect.as_mut() {
        r.jitter = 0.0;
    }
    config
}
