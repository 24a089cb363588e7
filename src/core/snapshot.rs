//! The observable state of a transport: its status and the snapshot UIs render.

use crate::prelude::*;
use super::errors::ErrorKind;
use super::Millis;

/// Where a transport stands. [`Status::as_str`] is the name JavaScript and the types see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Created; `connect()` not called yet.
    Idle,
    /// The first attempt after `connect()` is under way.
    Connecting,
    Connected,
    /// The connection failed or dropped; waiting for, or making, another attempt.
    Reconnecting,
    /// Closed on purpose: by `disconnect()` or by the server with 1000. No reconnect.
    Disconnected,
    /// Given up: rejected credentials or too many failed attempts. No reconnect.
    Error,
}

impl Status {
    /// Every status, in the order of the lifecycle.
    pub const ALL: [Status; 6] =
        [Status::Idle, Status::Connecting, Status::Connected, Status::Reconnecting, Status::Disconnected, Status::Error];

    /// Connecting, connected or trying again: a state that ends only through the network or
    /// through `disconnect()`.
    pub fn is_live(self) -> bool {
        matches!(self, Status::Connecting | Status::Connected | Status::Reconnecting)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Idle => "idle",
            Status::Connecting => "connecting",
            Status::Connected => "connected",
            Status::Reconnecting => "reconnecting",
            Status::Disconnected => "disconnected",
            Status::Error => "error",
        }
    }
}

/// One status transition, as delivered to `onStatus` listeners.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusChange {
    pub status: Status,
    pub previous: Status,
    /// The reconnection attempt waited for or under way (1-based); 0 when none.
    pub attempt: u32,
    /// The backoff wait before that attempt, when one was scheduled.
    pub delay_ms: Option<Millis>,
    /// Close code and reason of the socket whose end caused this change, if any.
    pub code: Option<u16>,
    pub reason: Option<String>,
    /// The connection continued the previous session (resume protocol): nothing was missed.
    /// Only a `connected` change can carry `true`.
    pub resumed: bool,
}

/// Everything a connection badge needs. Replaced (never mutated in place) when a field changes,
/// so the JS side can hand out the same object until then.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub status: Status,
    pub attempt: u32,
    /// When the next attempt starts (same clock as `now`), while waiting for one.
    pub next_retry_at: Option<Millis>,
    pub delay_ms: Option<Millis>,
    pub queued: usize,
    /// Round trip of the last answered heartbeat ping.
    pub latency_ms: Option<Millis>,
    pub last_error: Option<(ErrorKind, String)>,
    pub last_close_code: Option<u16>,
    pub last_close_reason: Option<String>,
    /// The browser's `online`/`offline` signal.
    pub online: bool,
    pub connected_at: Option<Millis>,
    /// The resume session the server gave in its last `welcome` (resume protocol), if any.
    pub session_id: Option<String>,
    /// The `seq` of the last event handed to listeners in that session; 0 before the first.
    pub last_seq: u64,
    /// The current connection continued the session; false while not connected.
    pub resumed: bool,
    /// The URL of the current or latest attempt (the `url` option's choice); `None` before the
    /// first.
    pub url: Option<String>,
    /// The connection is shared with the origin's other tabs (`share`); false without it, or
    /// where the browser lacks Web Locks or BroadcastChannel.
    pub shared: bool,
    /// This tab holds the socket: always, unless it shares one another tab holds.
    pub leader: bool,
    /// How many tabs use the connection (1 unless shared).
    pub tabs: usize,
}

impl Default for Snapshot {
    fn default() -> Self {
        Self {
            status: Status::Idle,
            attempt: 0,
            next_retry_at: None,
            delay_ms: None,
            queued: 0,
            latency_ms: None,
            last_error: None,
            last_close_code: None,
            last_close_reason: None,
            online: true,
            connected_at: None,
            session_id: None,
            last_seq: 0,
            resumed: false,
            url: None,
            shared: false,
            leader: true,
            tabs: 1,
        }
    }
}
