//! `/ws/agent-tracking/{client_id}`: status of running agent sessions.
//!
//! On connect: `active_sessions {data:{total_sessions, sessions}}`. Answers
//! `get_session_state {session_id}` with `session_state {session_id, state}` (state null when
//! unknown) and `get_session_logs {session_id?}` with `session_logs {logs}`. Receives the
//! `agent_status` / `agent_collaboration` broadcasts of every running session. When the client
//! has been silent for `ping_after`, sends `{type:'ping'}` and expects `{type:'pong'}` within
//! the pong timeout, else closes with 1011 "pong timeout".
//!
//! Resumable (PROTOCOL.md): the feed (`active_sessions`, `session_state`, `session_logs`,
//! `agent_status`, `agent_collaboration`) carries `seq` and is replayed after a drop; the
//! heartbeat (`ping`, `pong`) and `error`s are about the socket and carry none.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use tokio::time::{sleep, sleep_until, Instant};

use super::{
    acknowledge, admit, is_ping, limits, millis_param, refuse_if_store_down, Endpoint, ToAct,
    WsQuery,
};
use crate::app::App;
use crate::connection::{Connection, Gone, Incoming};
use crate::events::{error, event, pong, Event};
use crate::params::Params;
use crate::registry::{Slot, SLOW_CONSUMER};
use crate::resume::{Forwarded, Link, HELLO_WAIT};

pub async fn handler(
    ws: WebSocketUpgrade,
    State(app): State<Arc<App>>,
    Path(client_id): Path<String>,
    Query(query): WsQuery,
) -> Response {
    let ping_after = match millis_param(
        &Params::new(&query),
        "ping_after_ms",
        app.config.tracking_ping_after,
    ) {
        Ok(d) => d,
        Err(bad) => return bad.into_response(),
    };
    let slot = match admit(&app) {
        Ok(slot) => slot,
        Err(refused) => return refused.into_response(),
    };
    limits(ws, &app).on_upgrade(move |socket| serve(socket, app, slot, client_id, ping_after))
}

/// `^client_\d+_[a-z0-9]+$`, checked by hand (no regex dependency for one pattern).
pub fn is_valid_client_id(id: &str) -> bool {
    let Some((digits, suffix)) = id
        .strip_prefix("client_")
        .and_then(|rest| rest.split_once('_'))
    else {
        return false;
    };
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !suffix.is_empty()
        && suffix
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

async fn serve(
    socket: WebSocket,
    app: Arc<App>,
    slot: Slot,
    client_id: String,
    ping_after: Duration,
) {
    let conn = Connection::open(socket, Endpoint::Tracking, &app, slot);
    if !is_valid_client_id(&client_id) {
        // Accept, then close: a browser only learns the reason through a close frame.
        conn.close(1008, "invalid client id").await;
        conn.finish().await;
        return;
    }
    let Some(mut conn) = refuse_if_store_down(conn).await else {
        return;
    };
    let mut link = Link::open(&app, Endpoint::Tracking, &client_id);
    // The first event of a fresh feed; a resumed feed already had its own.
    link.session().offer(&active_sessions(&app).await).await;
    heartbeat_loop(&mut conn, &mut link, &app, ping_after).await;
    link.end().await;
    conn.finish().await;
}

/// A reply to a client frame: a stream event (sequenced, replayed after a drop) or a frame
/// about this connection (pong, error: not sequenced).
enum Reply {
    Event(Event),
    Direct(String),
}

async fn heartbeat_loop(conn: &mut Connection, link: &mut Link, app: &App, ping_after: Duration) {
    let pong_timeout = app.config.tracking_pong_timeout;
    let mut last_heard = Instant::now();
    // When a ping is outstanding: the deadline for its pong.
    let mut pong_due: Option<Instant> = None;
    let hold = sleep(HELLO_WAIT);
    tokio::pin!(hold);
    loop {
        let deadline = pong_due.unwrap_or(last_heard + ping_after);
        tokio::select! {
            _ = &mut hold, if link.is_undecided() => {
                link.start_plain(conn);
                // The client's silence counts from its first event, not from the hold.
                last_heard = Instant::now();
            }
            outcome = link.forwarded() => {
                // Taken over or gone: the socket is already ending, recv() says so next.
                if outcome == Forwarded::FellBehind {
                    conn.close_now(SLOW_CONSUMER.0, SLOW_CONSUMER.1);
                }
            }
            incoming = conn.recv() => {
                let Some(incoming) = incoming else { return };
                last_heard = Instant::now();
                let (reply, to_act) = match incoming {
                    Incoming::Text(text) => match answer(conn, link, app, text.as_str(), &mut pong_due).await {
                        Ok(Some((reply, to_act))) => (reply, Some(to_act)),
                        Ok(None) => (None, None),
                        Err(Gone) => return,
                    },
                    Incoming::Binary(_) => {
                        if link.intercept(conn, None).await.is_err() {
                            return;
                        }
                        (Some(Reply::Direct(error("Binary frames are not supported here; send JSON text"))), None)
                    }
                };
                let sent = match reply {
                    Some(Reply::Event(event)) => {
                        link.session().offer(&event).await;
                        Ok(())
                    }
                    Some(Reply::Direct(frame)) => conn.send_text(frame).await,
                    None => Ok(()),
                };
                // Acked once answered: a reply is only a read, so an instance dying after the
                // answer and before the record answers the re-send again (at least once).
                let acked = match to_act {
                    Some(to_act) => to_act.acted(conn).await,
                    None => Ok(()),
                };
                if sent.is_err() || acked.is_err() {
                    return;
                }
            }
            // No ping while the feed is held for a `resume`: it would arrive before the
            // feed's first event (and the client is not silent yet, it has had nothing).
            _ = sleep_until(deadline), if !link.is_undecided() => {
                if conn.is_silenced() {
                    // A silenced connection is frozen: its heartbeat restarts afterwards.
                    conn.wait_unsilenced().await;
                    last_heard = Instant::now();
                    pong_due = pong_due.map(|_| Instant::now() + pong_timeout);
                    continue;
                }
                if pong_due.is_some() {
                    conn.close_now(1011, "pong timeout");
                    continue; // recv() now returns None
                }
                // The heartbeat is about this socket, not the feed: not sequenced.
                if conn.send_text(event("ping", json!({}))).await.is_err() {
                    return;
                }
                pong_due = Some(Instant::now() + pong_timeout);
            }
        }
    }
}

async fn active_sessions(app: &App) -> Event {
    let sessions = app.sessions.active().await;
    Event::new(
        "active_sessions",
        json!({ "data": { "total_sessions": sessions.len(), "sessions": sessions } }),
    )
}

/// The reply to one client frame, if any, and the message to ack once it is sent; `None` for
/// a frame with neither (the resume handshake, a repeated id). A `pong` settles the
/// outstanding ping.
async fn answer(
    conn: &Connection,
    link: &mut Link,
    app: &App,
    text: &str,
    pong_due: &mut Option<Instant>,
) -> Result<Option<(Option<Reply>, ToAct)>, Gone> {
    let parsed = serde_json::from_str::<Value>(text);
    if link.intercept(conn, parsed.as_ref().ok()).await? {
        return Ok(None);
    }
    let value = match parsed {
        Ok(value) => value,
        Err(e) => {
            let reply = Some(Reply::Direct(error(&format!("Malformed JSON: {e}"))));
            return Ok(Some((reply, ToAct::unacknowledged(Endpoint::Tracking))));
        }
    };
    let Some(to_act) = acknowledge(conn, Endpoint::Tracking, &value).await? else {
        return Ok(None);
    };
    Ok(Some((reply_to(app, &value, pong_due).await, to_act)))
}

/// The reply to a parsed client message.
async fn reply_to(app: &App, value: &Value, pong_due: &mut Option<Instant>) -> Option<Reply> {
    if is_ping(value) {
        return Some(Reply::Direct(pong()));
    }
    let Some(kind) = value.get("type").and_then(Value::as_str) else {
        return Some(Reply::Direct(error(
            "Expected a JSON object with a string \"type\"",
        )));
    };
    // Accept the session id flat or inside `payload`, as clients send either.
    let session_id = value
        .get("session_id")
        .or_else(|| value.get("payload").and_then(|p| p.get("session_id")))
        .and_then(Value::as_str);
    match kind {
        "pong" => {
            *pong_due = None;
            None
        }
        "get_session_state" => {
            let Some(session_id) = session_id else {
                return Some(Reply::Direct(error(
                    "get_session_state needs session_id",
                )));
            };
            let state = app.sessions.get(session_id).await;
            Some(Reply::Event(Event::new(
                "session_state",
                json!({ "session_id": session_id, "state": state }),
            )))
        }
        "get_session_logs" => {
            let logs = app.sessions.logs(session_id).await;
            Some(Reply::Event(Event::new(
                "session_logs",
                json!({ "session_id": session_id, "logs": logs }),
            )))
        }
        "get_active_sessions" => Some(Reply::Event(active_sessions(app).await)),
        other => Some(Reply::Direct(error(&format!(
            "Unknown message type \"{other}\""
        )))),
    }
}

#[cfg(test)]
mod tests {
    use super::is_valid_client_id;

    #[test]
    fn client_ids_follow_the_tracking_pattern() {
        for good in [
            "client_1_a",
            "client_1732000000_x7k2p9",
            "client_007_abc123",
        ] {
            assert!(is_valid_client_id(good), "{good}");
        }
        for bad in [
            "",
            "client_",
            "client__abc",
            "client_12_",
            "client_12_ABC",
            "client_1a_b",
            "client_1_a_b",
            "user_1_a",
            "client_1_a-b",
        ] {
            assert!(!is_valid_client_id(bad), "{bad}");
        }
    }
}
