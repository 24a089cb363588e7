//! `/ws/stream`: chat streaming. The client sends `chat`, `cancel` and `ping`; a chat plays
//! the deterministic agent script as flat events (`agent_step`, `tool_call`, `tool_result`,
//! `progress`, `message_delta`…, optional `chart`, `agent_step` completed, `result`).
//!
//! Resumable (PROTOCOL.md): chat events and `cancelled` carry `seq` and belong to the
//! connection's session, which also owns the running chat. A client that opened with
//! `resume` keeps its chat running for the grace period after the socket drops; a client
//! that did not has its chat stopped when the socket ends, as before.
//!
//! A chat runs in its own task so `cancel` is read while it streams. A new chat while one
//! runs cancels the old one first: the client gets `cancelled {success:true, reason:
//! "superseded"}` for the old session, then the new session's events.

use std::sync::Arc;

use axum::extract::ws::{WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::{acknowledge, admit, is_ping, limits, pace, refuse_if_store_down, Endpoint, ToAct, WsQuery};
use crate::agent_script::Script;
use crate::app::App;
use crate::connection::{Connection, Gone, Incoming};
use crate::events::{error, pong, Event};
use crate::params::Params;
use crate::registry::Slot;
use crate::registry::SLOW_CONSUMER;
use crate::resume::{Forwarded, Link, Work};
use crate::session_runner::{cancelled_elsewhere, Pace, SessionRun};
use crate::takeover::WorkSpec;

/// Largest `answer_tokens` accepted: the result's `content` holds the whole answer.
pub const MAX_ANSWER_TOKENS: u64 = 1_000_000;

pub async fn handler(
    ws: WebSocketUpgrade,
    State(app): State<Arc<App>>,
    Query(query): WsQuery,
) -> Response {
    let pace = match pace(&app, &Params::new(&query)) {
        Ok(pace) => pace,
        Err(bad) => return bad.into_response(),
    };
    let slot = match admit(&app) {
        Ok(slot) => slot,
        Err(refused) => return refused.into_response(),
    };
    limits(ws, &app).on_upgrade(move |socket| serve(socket, app, slot, pace))
}

async fn serve(socket: WebSocket, app: Arc<App>, slot: Slot, pace: Pace) {
    let conn = Connection::open(socket, Endpoint::Stream, &app, slot);
    let Some(mut conn) = refuse_if_store_down(conn).await else {
        return;
    };
    let mut link = Link::open(&app, Endpoint::Stream, "");
    loop {
        // Nothing of the stream exists before the client's first frame, so no hold here:
        // the first frame decides whether the connection resumes.
        let incoming = tokio::select! {
            incoming = conn.recv() => incoming,
            outcome = link.forwarded() => {
                // Taken over or gone: the socket is already ending, recv() says so next.
                if outcome == Forwarded::FellBehind {
                    conn.close_now(SLOW_CONSUMER.0, SLOW_CONSUMER.1);
                }
                continue;
            }
        };
        let Some(incoming) = incoming else { break };
        let handled = match incoming {
            Incoming::Text(text) => handle(&conn, &mut link, pace, text.as_str()).await,
            Incoming::Binary(_) => match link.intercept(&conn, None).await {
                Ok(_) => {
                    conn.send_text(error(
                        "Binary frames are not supported here; send JSON text",
                    ))
                    .await
                }
                Err(gone) => Err(gone),
            },
        };
        if handled.is_err() {
            break;
        }
    }
    link.end().await;
    conn.finish().await;
}

async fn handle(conn: &Connection, link: &mut Link, pace: Pace, text: &str) -> Result<(), Gone> {
    let parsed = serde_json::from_str::<Value>(text);
    if link.intercept(conn, parsed.as_ref().ok()).await? {
        return Ok(());
    }
    let value = match parsed {
        Ok(value) => value,
        Err(e) => return conn.send_text(error(&format!("Malformed JSON: {e}"))).await,
    };
    let Some(mut to_act) = acknowledge(conn, Endpoint::Stream, &value).await? else {
        return Ok(());
    };
    match act(conn, link, pace, &value, &mut to_act).await {
        Ok(Acted::Yes) => to_act.acted(conn).await,
        Ok(Acted::No) => {
            to_act.abandon();
            Ok(())
        }
        // Acted on, but the reply found the socket gone: still recorded, so not acted on twice.
        Err(gone) => {
            let _ = to_act.acted(conn).await;
            Err(gone)
        }
    }
}

/// Whether a message was acted on (an error reply counts).
enum Acted {
    Yes,
    /// The chat it asked for could not begin (the session closed with 1013 or moved on).
    No,
}

/// Acts on one client message; `to_act` carries its ack claim into the chat's record.
async fn act(
    conn: &Connection,
    link: &mut Link,
    pace: Pace,
    value: &Value,
    to_act: &mut ToAct,
) -> Result<Acted, Gone> {
    if is_ping(value) {
        return conn.send_text(pong()).await.map(|()| Acted::Yes);
    }
    let Some(kind) = value.get("type").and_then(Value::as_str) else {
        return conn
            .send_text(error("Expected a JSON object with a string \"type\""))
            .await
            .map(|()| Acted::Yes);
    };
    let session = link.session();
    match kind {
        "chat" => start_chat(conn, link, pace, value, to_act).await,
        "cancel" => {
            // Wherever the chat plays (with Redis, possibly on the instance the client was on
            // before), it is stopped before `cancelled` is appended: no delta of it follows.
            let reply = match session.stop_work().await {
                Some(stopped) => {
                    if stopped.elsewhere {
                        cancelled_elsewhere(conn.app(), &stopped.label).await;
                    }
                    json!({ "success": stopped.running, "session_id": stopped.label })
                }
                None => json!({ "success": false }),
            };
            session.emit(&Event::new("cancelled", reply)).await;
            session.end_work().await;
            Ok(Acted::Yes)
        }
        other => conn
            .send_text(error(&format!("Unknown message type \"{other}\"")))
            .await
            .map(|()| Acted::Yes),
    }
}

async fn start_chat(
    conn: &Connection,
    link: &Link,
    pace: Pace,
    value: &Value,
    to_act: &mut ToAct,
) -> Result<Acted, Gone> {
    let reply_error = |message: String| async move { conn.send_text(error(&message)).await.map(|()| Acted::Yes) };
    let payload = value.get("payload");
    let Some(message) = payload
        .and_then(|p| p.get("message"))
        .and_then(Value::as_str)
    else {
        return reply_error("chat needs payload.message (a string)".into()).await;
    };
    if message.trim().is_empty() {
        return reply_error("Empty message".into()).await;
    }
    let answer_tokens = match payload.and_then(|p| p.get("answer_tokens")) {
        None | Some(Value::Null) => None,
        Some(n) => match n.as_u64() {
            Some(n) if n <= MAX_ANSWER_TOKENS => Some(n),
            _ => {
                let msg = format!(
                    "payload.answer_tokens must be an integer from 0 to {MAX_ANSWER_TOKENS}"
                );
                return reply_error(msg).await;
            }
        },
    };

    let session = link.session();
    if let Some(previous) = session.stop_work().await {
        if previous.elsewhere {
            cancelled_elsewhere(conn.app(), &previous.label).await;
        }
        if previous.running {
            let reply =
                json!({ "success": true, "session_id": previous.label, "reason": "superseded" });
            session.emit(&Event::new("cancelled", reply)).await;
        }
    }

    let script = Script::for_message(message, answer_tokens);
    let run = SessionRun::begin(conn.app(), message, script, pace, Some(session.clone())).await;
    let session_id = run.session_id().to_string();
    // With Redis, what another instance needs to continue the chat if this one dies.
    let spec = WorkSpec::chat(&session_id, message, answer_tokens, pace);
    // The message's id is made `done` in the same step as the chat is recorded: if this
    // instance dies before, the client's re-send starts it elsewhere; after, another instance
    // continues it and the re-send is only acked.
    if !session.begin_work(&spec.to_json(), to_act.claim()).await {
        return Ok(Acted::No); // the session was closed (1013) or moved on: the chat never starts
    }
    to_act.recorded();
    let handover = run.handover_flag();
    let task = tokio::spawn(run.run());
    session.replace_work(Some(
        Work::new(session_id, task).with_handover_flag(handover),
    ));
    Ok(Acted::Yes)
}
