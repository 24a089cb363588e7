//! The WebSocket endpoints, one file each, and what every upgrade has in common: admission
//! (chaos refuse window, connection cap) and inbound size limits.

pub mod agui;
pub mod bench;
pub mod echo;
pub mod mission;
pub mod runs;
pub mod stream;
pub mod tracking;

use std::collections::HashMap;
use std::time::Duration;

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::acks::{self, Verdict};
use crate::app::App;
use crate::connection::{Connection, Gone, Incoming};
use crate::events::pong;
use crate::params::{BadRequest, Params};
use crate::redis::REDIS_UNAVAILABLE;
use crate::registry::Slot;
use crate::registry::SLOW_CONSUMER;
use crate::resume::{Forwarded, Link, HELLO_WAIT};
use crate::session_runner::Pace;
use tokio::time::sleep;

/// Query parameters of an upgrade request.
pub type WsQuery = Query<HashMap<String, String>>;

/// Longest per-connection pause accepted in query parameters (1 minute).
const MAX_PARAM_MS: u64 = 60_000;
const MAX_TOKENS_PER_SEC: u64 = 1_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Stream,
    Tracking,
    Runs,
    Mission,
    Echo,
    Bench,
    /// `/ws/agui` (`POST /agui` is plain HTTP).
    Agui,
}

impl Endpoint {
    pub const ALL: [Endpoint; 7] = [
        Endpoint::Stream,
        Endpoint::Tracking,
        Endpoint::Runs,
        Endpoint::Mission,
        Endpoint::Echo,
        Endpoint::Bench,
        Endpoint::Agui,
    ];

    /// The name used in `/control/log` and `/control/send?endpoint=`.
    pub fn name(self) -> &'static str {
        match self {
            Endpoint::Stream => "stream",
            Endpoint::Tracking => "tracking",
            Endpoint::Runs => "runs",
            Endpoint::Mission => "mission",
            Endpoint::Echo => "echo",
            Endpoint::Bench => "bench",
            Endpoint::Agui => "agui",
        }
    }

    pub fn from_name(name: &str) -> Option<Endpoint> {
        Endpoint::ALL.into_iter().find(|e| e.name() == name)
    }

    pub fn names() -> Vec<&'static str> {
        Endpoint::ALL.iter().map(|e| e.name()).collect()
    }
}

/// An upgrade the server will not take: answered with 503, so the browser's handshake fails.
#[derive(Debug)]
pub struct Refused(&'static str);

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "ok": false, "error": self.0 })),
        )
            .into_response()
    }
}

/// Admits an upgrade: refused during a chaos refuse window, when the server is full, or
/// while it shuts down. The slot is released when the connection (or failed upgrade) ends.
pub fn admit(app: &App) -> Result<Slot, Refused> {
    if app.chaos.refusing() {
        return Err(Refused("refusing connections (POST /control/refuse)"));
    }
    app.registry
        .try_reserve_slot()
        .ok_or(Refused("too many connections (or shutting down)"))
}

/// Bounds inbound messages and frames: a bigger one closes the connection with 1009 before
/// its payload is buffered.
pub fn limits(ws: WebSocketUpgrade, app: &App) -> WebSocketUpgrade {
    let max = app.config.max_message_bytes;
    ws.max_message_size(max).max_frame_size(max)
}

/// `?delay_ms=N&tokens_per_sec=N`, defaulting to the CLI values.
pub fn pace(app: &App, params: &Params<'_>) -> Result<Pace, BadRequest> {
    let event_delay = params
        .u64("delay_ms", MAX_PARAM_MS)?
        .map(Duration::from_millis)
        .unwrap_or(app.config.event_delay);
    let tokens_per_sec = params
        .u64("tokens_per_sec", MAX_TOKENS_PER_SEC)?
        .unwrap_or(app.config.tokens_per_sec);
    Ok(Pace {
        event_delay,
        tokens_per_sec,
    })
}

/// A positive duration in milliseconds from the query, or `default`.
pub fn millis_param(
    params: &Params<'_>,
    name: &str,
    default: Duration,
) -> Result<Duration, BadRequest> {
    match params.u64(name, MAX_PARAM_MS * 10)? {
        None => Ok(default),
        Some(0) => Err(BadRequest(format!("{name} must be at least 1"))),
        Some(ms) => Ok(Duration::from_millis(ms)),
    }
}

/// Whether a parsed client frame is `{"type":"ping"}`: every JSON endpoint answers `pong`.
pub fn is_ping(value: &serde_json::Value) -> bool {
    value.get("type").and_then(serde_json::Value::as_str) == Some("ping")
}

/// Acks a client message that carries an `id` (PROTOCOL.md, "acknowledged messages") and
/// returns whether to act on it: a repeat is acked again with `duplicate: true` and ignored.
/// A new id is acted on even if its ack finds the socket gone (`Err` only for a repeat).
/// Messages without an `id` are acted on without an ack, as before.
pub async fn acknowledge(
    conn: &Connection,
    endpoint: Endpoint,
    value: &serde_json::Value,
) -> Result<bool, Gone> {
    let Some(id) = acks::message_id(value) else {
        return Ok(true);
    };
    let app = conn.app();
    let verdict = match &app.shared {
        None => app.acks.check(endpoint, id, tokio::time::Instant::now()),
        // Shared by every instance, so a message re-sent to another one is not acted on twice.
        Some(shared) => match shared.check_ack(endpoint.name(), id).await {
            Ok(verdict) => verdict,
            Err(e) => {
                // Acting without knowing could act twice, dropping it would lose it: close
                // retryably, and the client re-sends it after its reconnection.
                shared.report(format_args!(
                    "cannot check ack id {id:?}: {e}; closing with 1013"
                ));
                conn.close_now(REDIS_UNAVAILABLE.0, REDIS_UNAVAILABLE.1);
                return Err(Gone);
            }
        },
    };
    if verdict == Verdict::Act {
        app.log.processed(endpoint, id);
    }
    let acked = conn.send_text(acks::ack_frame(id, verdict)).await;
    if verdict == Verdict::Act {
        // Its id is recorded as acted on (here and, with Redis, for every instance), so the
        // client's re-send after this socket's end will only be acked: act on it now, even if
        // the ack could not be sent, or it would be lost. Replies go through the session.
        return Ok(true);
    }
    acked.map(|()| false)
}

/// A resumable connection while Redis is unreachable: closed at once with 1013 "redis
/// unavailable" (retryable; a browser only learns a reason through a close frame). Hands the
/// connection back when it can be served.
pub async fn refuse_if_store_down(conn: Connection) -> Option<Connection> {
    if !conn.app().store_down() {
        return Some(conn);
    }
    conn.close(REDIS_UNAVAILABLE.0, REDIS_UNAVAILABLE.1).await;
    conn.finish().await;
    None
}

/// The connection loop of a one-way resumable endpoint (/ws/runs, /ws/agui) once its work is
/// playing into `link`'s session: the handshake window, forwarding until the work is complete
/// (close 1000 "run complete"), and client frames (besides the handshake, only pings are
/// answered and messages with an `id` acked).
pub async fn serve_one_way(mut conn: Connection, mut link: Link, endpoint: Endpoint) {
    let hold = sleep(HELLO_WAIT);
    tokio::pin!(hold);
    loop {
        tokio::select! {
            _ = &mut hold, if link.is_undecided() => link.start_plain(&conn),
            outcome = link.forwarded() => match outcome {
                Forwarded::Complete => {
                    conn.close(1000, "run complete").await;
                    break;
                }
                Forwarded::FellBehind => conn.close_now(SLOW_CONSUMER.0, SLOW_CONSUMER.1),
                // The socket is already ending: recv() says so next.
                Forwarded::TakenOver | Forwarded::Gone => {}
            },
            incoming = conn.recv() => match incoming {
                None => break,
                Some(Incoming::Text(text)) => {
                    if answer_one_way(&conn, &mut link, endpoint, text.as_str()).await.is_err() {
                        break;
                    }
                }
                Some(Incoming::Binary(_)) => {
                    if link.intercept(&conn, None).await.is_err() {
                        break;
                    }
                }
            },
        }
    }
    link.end().await;
    conn.finish().await;
}

async fn answer_one_way(
    conn: &Connection,
    link: &mut Link,
    endpoint: Endpoint,
    text: &str,
) -> Result<(), Gone> {
    let parsed = serde_json::from_str::<serde_json::Value>(text).ok();
    if link.intercept(conn, parsed.as_ref()).await? {
        return Ok(());
    }
    let Some(value) = parsed else { return Ok(()) };
    if acknowledge(conn, endpoint, &value).await? && is_ping(&value) {
        conn.send_text(pong()).await?;
    }
    Ok(())
}
