//! Errors the transport reports to `onError` listeners. None of them stops the transport unless
//! its status says so.

use crate::prelude::*;
/// What went wrong. [`ErrorKind::as_str`] is the `kind` JavaScript and the types see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// An inbound text frame that is not a JSON object with a string type field.
    Parse,
    /// An inbound frame longer than `maxMessageBytes`.
    TooLarge,
    /// An inbound binary frame (the protocol is JSON text).
    Binary,
    /// A listener threw; the other listeners still ran.
    Listener,
    /// The offline queue was full; its oldest message was dropped.
    QueueOverflow,
    /// Queued messages older than `queue.maxAgeMs` were discarded instead of sent.
    QueueExpired,
    /// A message could not be turned into a frame (e.g. `JSON.stringify` threw).
    Serialize,
    /// An attempt did not open within `connectTimeoutMs`.
    ConnectTimeout,
    /// An attempt failed before the socket opened.
    ConnectionFailed,
    /// No sign of life after a heartbeat ping: the connection was dead and is replaced.
    HeartbeatTimeout,
    /// The server rejected us (4401, 4403 or 1008).
    Rejected,
    /// `reconnect.maxAttempts` attempts failed in a row; the transport gave up.
    MaxAttempts,
    /// The token function threw, rejected, or returned something that is not a usable token.
    Token,
    /// The url function threw, rejected, or returned something that is not a ws:// or wss://
    /// URL; the attempt failed and is retried with backoff.
    Url,
    /// Events were missed (resume protocol): the server skipped sequence numbers (`expected`,
    /// `received`), or could not resume the session and started a fresh one (`expected` only).
    Gap,
    /// A `sendWithAck` promise: no ack arrived within its `timeoutMs`. The message may or may
    /// not have been acted on; re-sending it with the same id is safe.
    AckTimeout,
    /// A `sendWithAck` promise: the transport stopped (`disconnect()`, a final close, or it gave
    /// up) before the ack arrived.
    Disconnected,
    /// A `sendWithAck` promise: the transport was freed before the ack arrived.
    Freed,
    /// `queue.persist`: IndexedDB is unavailable or failed (private mode, blocked, quota); the
    /// transport carries on, without keeping its queue across reloads from then on.
    Persist,
}

impl ErrorKind {
    /// Every kind, in declaration order.
    pub const ALL: [ErrorKind; 19] = [
        ErrorKind::Parse,
        ErrorKind::TooLarge,
        ErrorKind::Binary,
        ErrorKind::Listener,
        ErrorKind::QueueOverflow,
        ErrorKind::QueueExpired,
        ErrorKind::Serialize,
        ErrorKind::ConnectTimeout,
        ErrorKind::ConnectionFailed,
        ErrorKind::HeartbeatTimeout,
        ErrorKind::Rejected,
        ErrorKind::MaxAttempts,
        ErrorKind::Token,
        ErrorKind::Url,
        ErrorKind::Gap,
        ErrorKind::AckTimeout,
        ErrorKind::Disconnected,
        ErrorKind::Freed,
        ErrorKind::Persist,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Parse => "parse",
            ErrorKind::TooLarge => "too_large",
            ErrorKind::Binary => "binary",
            ErrorKind::Listener => "listener",
            ErrorKind::QueueOverflow => "queue_overflow",
            ErrorKind::QueueExpired => "queue_expired",
            ErrorKind::Serialize => "serialize",
            ErrorKind::ConnectTimeout => "connect_timeout",
            ErrorKind::ConnectionFailed => "connection_failed",
            ErrorKind::HeartbeatTimeout => "heartbeat_timeout",
            ErrorKind::Rejected => "rejected",
            ErrorKind::MaxAttempts => "max_attempts",
            ErrorKind::Token => "token",
            ErrorKind::Url => "url",
            ErrorKind::Gap => "gap",
            ErrorKind::AckTimeout => "ack_timeout",
            ErrorKind::Disconnected => "disconnected",
            ErrorKind::Freed => "freed",
            ErrorKind::Persist => "persist",
        }
    }
}

/// Numbers that come with some errors, named for the JS object they end up in.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ErrorFields {
    /// Size in bytes of the offending frame or message.
    pub size: Option<usize>,
    /// The limit it exceeded.
    pub limit: Option<usize>,
    /// How many messages were dropped or discarded.
    pub count: Option<usize>,
    pub code: Option<u16>,
    pub attempt: Option<u32>,
    /// For a gap: the sequence number the transport expected next.
    pub expected: Option<u64>,
    /// For a gap: the sequence number that arrived instead.
    pub received: Option<u64>,
}

/// An error for `onError`. `payload` carries an embedder value along (the dropped message, the
/// exception a listener threw), untouched by the core.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorEvent<P> {
    pub kind: ErrorKind,
    pub message: String,
    pub fields: ErrorFields,
    pub payload: Option<P>,
}
