//! `/ws/stream`: chat streaming. The client sends `chat`, `cancel` and `ping`; a chat plays
//! the deterministic agent script as flat events (`agent_step`, `tool_call`, `tool_result`,
//! `progress`, `message_delta`…, optional `chart`, `agent_step` completed, `result`).
//!
//! A chat runs in its own task so `cancel` is read while it streams. A new chat while one
//! runs cancels the old one first: the client gets `cancelled {success:true, reason:
//! "superseded"}` for the old session, then the new session's events.

use std::sync::Arc;

use axum::extract::ws::{WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use tokio::task::JoinHandle;

use super::{admit, is_ping, limits, pace, Endpoint, WsQuery};
use crate::agent_script::Script;
use crate::app::App;
use crate::connection::{Connection, Gone, Incoming};
use crate::events::{error, event, pong};
use crate::params::Params;
use crate::registry::Slot;
use crate::session_runner::{Pace, SessionRun};

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

/// The chat currently streaming on this connection.
struct RunningChat {
    session_id: String,
    task: JoinHandle<()>,
}

impl RunningChat {
    /// Stops the chat and waits until its task is gone, so nothing of it is queued after
    /// this returns. True if it was still running (i.e. really cancelled).
    async fn stop(self) -> bool {
        self.task.abort();
        matches!(self.task.await, Err(e) if e.is_cancelled())
    }
}

async fn serve(socket: WebSocket, app: Arc<App>, slot: Slot, pace: Pace) {
    let mut conn = Connection::open(socket, Endpoint::Stream, &app, slot);
    let mut chat: Option<RunningChat> = None;
    while let Some(incoming) = conn.recv().await {
        let handled = match incoming {
            Incoming::Text(text) => handle(&conn, &mut chat, pace, text.as_str()).await,
            Incoming::Binary(_) => {
                conn.send_text(error(
                    "Binary frames are not supported here; send JSON text",
                ))
                .await
            }
        };
        if handled.is_err() {
            break;
        }
    }
    if let Some(running) = chat.take() {
        running.stop().await;
    }
    conn.finish().await;
}

async fn handle(
    conn: &Connection,
    chat: &mut Option<RunningChat>,
    pace: Pace,
    text: &str,
) -> Result<(), Gone> {
    let value: Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(e) => return conn.send_text(error(&format!("Malformed JSON: {e}"))).await,
    };
    if is_ping(&value) {
        return conn.send_text(pong()).await;
    }
    let Some(kind) = value.get("type").and_then(Value::as_str) else {
        return conn
            .send_text(error("Expected a JSON object with a string \"type\""))
            .await;
    };
    match kind {
        "chat" => start_chat(conn, chat, pace, &value).await,
        "cancel" => {
            let reply = match chat.take() {
                Some(running) => {
                    let session_id = running.session_id.clone();
                    let success = running.stop().await;
                    json!({ "success": success, "session_id": session_id })
                }
                None => json!({ "success": false }),
            };
            conn.send_text(event("cancelled", reply)).await
        }
        other => {
            conn.send_text(error(&format!("Unknown message type \"{other}\"")))
                .await
        }
    }
}

async fn start_chat(
    conn: &Connection,
    chat: &mut Option<RunningChat>,
    pace: Pace,
    value: &Value,
) -> Result<(), Gone> {
    let payload = value.get("payload");
    let Some(message) = payload
        .and_then(|p| p.get("message"))
        .and_then(Value::as_str)
    else {
        return conn
            .send_text(error("chat needs payload.message (a string)"))
            .await;
    };
    if message.trim().is_empty() {
        return conn.send_text(error("Empty message")).await;
    }
    let answer_tokens = match payload.and_then(|p| p.get("answer_tokens")) {
        None | Some(Value::Null) => None,
        Some(n) => match n.as_u64() {
            Some(n) if n <= MAX_ANSWER_TOKENS => Some(n),
            _ => {
                let msg = format!(
                    "payload.answer_tokens must be an integer from 0 to {MAX_ANSWER_TOKENS}"
                );
                return conn.send_text(error(&msg)).await;
            }
        },
    };

    if let Some(previous) = chat.take() {
        let session_id = previous.session_id.clone();
        if previous.stop().await {
            let reply =
                json!({ "success": true, "session_id": session_id, "reason": "superseded" });
            conn.send_text(event("cancelled", reply)).await?;
        }
    }

    let script = Script::for_message(message, answer_tokens);
    let run = SessionRun::begin(conn.app(), message, script, pace, Some(conn.outbox()));
    let session_id = run.session_id().to_string();
    let task = tokio::spawn(async move {
        // Err(Gone) means the client left; the session records itself as cancelled.
        let _ = run.run().await;
    });
    *chat = Some(RunningChat { session_id, task });
    Ok(())
}
