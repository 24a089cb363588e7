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
use crate::redis::acks::{AckClaim, AckState, CLAIM_LAPSED};
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

/// How long a re-sent message waits for another instance's claim on its id (one lease
/// period, or less) to become `done` or lapse, in lease periods.
const CLAIM_WAIT_LEASES: u32 = 3;
/// How often it looks while it waits.
const CLAIM_POLL: Duration = Duration::from_millis(20);

/// A client message to act on. Its `ack` is sent by [`ToAct::acted`] once it has been acted on
/// (PROTOCOL.md, "acknowledged messages"), so an instance that dies in between has neither
/// acted nor acked, and the client's re-send is acted on by the next.
#[must_use = "call acted() once the message has been acted on, or abandon() if it was not"]
pub struct ToAct {
    endpoint: Endpoint,
    /// The message's id and, with Redis, this instance's claim on it; none without an id.
    id: Option<(String, Option<AckClaim>)>,
    /// The claim was made `done` with the act's own record (`Session::begin_work`).
    recorded: bool,
}

impl ToAct {
    /// A frame that carries no id (or none could be read): nothing to ack.
    pub fn unacknowledged(endpoint: Endpoint) -> ToAct {
        ToAct { endpoint, id: None, recorded: false }
    }

    /// The claim to make `done` in the same step as the act's record, if there is one; the
    /// caller says [`ToAct::recorded`] once that step succeeded.
    pub fn claim(&self) -> Option<&AckClaim> {
        self.id.as_ref().and_then(|(_, claim)| claim.as_ref())
    }

    /// The act's record made the claim `done` (see [`ToAct::claim`]).
    pub fn recorded(&mut self) {
        self.recorded = true;
    }

    /// Not acted on after all (the session closed before the work began): no ack, and the
    /// claim is left to lapse, so the client's re-send is acted on.
    pub fn abandon(mut self) {
        self.id = None;
    }

    /// Records the message as acted on (with Redis, for every instance) and acks it.
    pub async fn acted(self, conn: &Connection) -> Result<(), Gone> {
        let Some((id, claim)) = self.id else {
            return Ok(());
        };
        let app = conn.app();
        if let (Some(claim), Some(shared), false) = (&claim, &app.shared, self.recorded) {
            match shared.commit_ack(claim).await {
                Ok(true) => {}
                Ok(false) => {
                    // This instance stalled past the claim: another may act on it as well.
                    shared.report(format_args!(
                        "ack id {id:?} was acted on after its claim lapsed; closing with 1013"
                    ));
                    conn.close_now(CLAIM_LAPSED.0, CLAIM_LAPSED.1);
                    return Err(Gone);
                }
                Err(e) => {
                    // Acted on but not recorded: closing makes the client re-send it, and the
                    // claim lapsing lets another instance act on it again (at least once).
                    shared.report(format_args!(
                        "cannot record ack id {id:?}: {e}; closing with 1013"
                    ));
                    conn.close_now(REDIS_UNAVAILABLE.0, REDIS_UNAVAILABLE.1);
                    return Err(Gone);
                }
            }
        }
        app.log.processed(self.endpoint, &id);
        conn.send_text(acks::ack_frame(&id, Verdict::Act)).await
    }
}

/// Decides on a client message that carries an `id` (PROTOCOL.md, "acknowledged messages"):
/// `Some` to act on it (then [`ToAct::acted`] acks it), `None` for a repeat, which is acked
/// again with `duplicate: true` here. Messages without an `id` are acted on without an ack.
///
/// With Redis the id is claimed for this instance first; a claim of another instance (one
/// that is acting on it, or died doing so) is waited for until it is done or lapses.
pub async fn acknowledge(
    conn: &Connection,
    endpoint: Endpoint,
    value: &serde_json::Value,
) -> Result<Option<ToAct>, Gone> {
    let Some(id) = acks::message_id(value) else {
        return Ok(Some(ToAct::unacknowledged(endpoint)));
    };
    let app = conn.app();
    let claim = match &app.shared {
        None => match app.acks.check(endpoint, id, tokio::time::Instant::now()) {
            Verdict::Act => None,
            Verdict::Duplicate => return duplicate(conn, id).await,
        },
        Some(shared) => {
            let give_up = tokio::time::Instant::now() + shared.lease * CLAIM_WAIT_LEASES;
            loop {
                match shared.claim_ack(endpoint.name(), id).await {
                    Ok(AckState::Claimed(claim)) => break Some(claim),
                    Ok(AckState::Done) => return duplicate(conn, id).await,
                    Ok(AckState::ClaimedElsewhere) if tokio::time::Instant::now() < give_up => {
                        sleep(CLAIM_POLL).await;
                    }
                    outcome => {
                        // Acting without knowing could act twice, dropping it would lose it:
                        // close retryably, and the client re-sends it after its reconnection.
                        let why = match outcome {
                            Err(e) => e.to_string(),
                            _ => "another instance's claim on it stood too long".into(),
                        };
                        shared.report(format_args!(
                            "cannot check ack id {id:?}: {why}; closing with 1013"
                        ));
                        conn.close_now(REDIS_UNAVAILABLE.0, REDIS_UNAVAILABLE.1);
                        return Err(Gone);
                    }
                }
            }
        }
    };
    Ok(Some(ToAct { endpoint, id: Some((id.to_string(), claim)), recorded: false }))
}

/// Acks a message acted on before, and says not to act on it.
async fn duplicate(conn: &Connection, id: &str) -> Result<Option<ToAct>, Gone> {
    conn.send_text(acks::ack_frame(id, Verdict::Duplicate)).await?;
    Ok(None)
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
    let Some(to_act) = acknowledge(conn, endpoint, &value).await? else {
        return Ok(());
    };
    if is_ping(&value) {
        conn.send_text(pong()).await?;
    }
    to_act.acted(conn).await
}
