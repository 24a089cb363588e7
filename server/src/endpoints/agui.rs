//! AG-UI (`@ag-ui/core` 1.0): the simulated agent's run (see `agui_script`) over HTTP/SSE, as
//! AG-UI's `HttpAgent` expects it, and over WebSocket.
//!
//! - `POST /agui` with a `RunAgentInput` body answers `text/event-stream`: a `retry:` hint, then
//!   one `id: <n>` + `data: <event JSON>` per event, ids from 1. The run plays on in the server
//!   (`agui_runs`), so a request for the same `threadId`/`runId` with `Last-Event-ID: n`
//!   continues after event `n`. `?drop_after=N` ends each response after N events (a
//!   mid-run drop, for tests); `?delay_ms`, `?tokens_per_sec`, `?answer_tokens` as elsewhere.
//! - `/ws/agui?threadId=&runId=&message=`: the same events as text frames, each with `seq`,
//!   resumable per PROTOCOL.md (as /ws/runs), then a clean close (1000 "run complete").

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::ws::{WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use tokio::time::{sleep, sleep_until, Instant};

use super::{admit, limits, pace, refuse_if_store_down, serve_one_way, Endpoint, WsQuery};
use crate::agui_runs::AguiRun;
use crate::agui_script::{events, parse_input, RunInput};
use crate::app::App;
use crate::connection::Connection;
use crate::events::Event;
use crate::params::{BadRequest, Params};
use crate::registry::Slot;
use crate::resume::{Link, Session, Work};
use crate::session_runner::Pace;

/// The reconnection delay suggested to SSE clients (`retry:`), in milliseconds.
pub const RETRY_MS: u64 = 500;
const MAX_ANSWER_TOKENS: u64 = 1_000_000;
const MAX_DROP_AFTER: u64 = 1_000_000;

fn bad_request(message: String) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "ok": false, "error": message })),
    )
        .into_response()
}

/// Waits before each event as the other endpoints do: text deltas on a fixed schedule of
/// `tokens_per_sec`, everything else `event_delay` apart.
struct Pacer {
    pace: Pace,
    first: bool,
    tokens: u64,
    tokens_started: Option<Instant>,
}

impl Pacer {
    fn new(pace: Pace) -> Pacer {
        Pacer {
            pace,
            first: true,
            tokens: 0,
            tokens_started: None,
        }
    }

    async fn wait(&mut self, kind: &str) {
        if kind == "TEXT_MESSAGE_CONTENT" {
            let start = *self.tokens_started.get_or_insert_with(Instant::now);
            let offset = self
                .tokens
                .saturating_mul(1_000_000_000)
                .checked_div(self.pace.tokens_per_sec);
            self.tokens += 1;
            if let Some(offset) = offset {
                sleep_until(start + Duration::from_nanos(offset)).await;
            }
        } else if !self.first && !self.pace.event_delay.is_zero() {
            sleep(self.pace.event_delay).await;
        }
        self.first = false;
    }
}

fn script(input: &RunInput, params: &Params<'_>) -> Result<Vec<(&'static str, Value)>, BadRequest> {
    let answer_tokens = params.u64("answer_tokens", MAX_ANSWER_TOKENS)?;
    Ok(events(input, answer_tokens))
}

// ---- POST /agui ----

pub async fn http_handler(
    State(app): State<Arc<App>>,
    Query(query): WsQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = Params::new(&query);
    let (pace, drop_after) = match (
        pace(&app, &params),
        params.u64("drop_after", MAX_DROP_AFTER),
    ) {
        (Ok(pace), Ok(drop_after)) => (pace, drop_after),
        (Err(bad), _) | (_, Err(bad)) => return bad.into_response(),
    };
    let input = match serde_json::from_slice::<Value>(&body) {
        Ok(value) => match parse_input(&value) {
            Ok(input) => input,
            Err(problem) => return bad_request(format!("RunAgentInput: {problem}")),
        },
        Err(e) => return bad_request(format!("RunAgentInput: not JSON: {e}")),
    };
    let last_event_id = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<usize>().ok());
    let existing = last_event_id.and_then(|_| app.agui_runs.find(&input.thread_id, &input.run_id));
    let (run, after) = match existing {
        Some(run) => (run, last_event_id.unwrap_or(0)),
        None => {
            let script = match script(&input, &params) {
                Ok(script) => script,
                Err(bad) => return bad.into_response(),
            };
            let run = app
                .agui_runs
                .start(&input.thread_id, &input.run_id, move |run| {
                    play_into_log(script, run, pace)
                });
            (run, 0)
        }
    };
    app.note(format_args!(
        "POST /agui thread {} run {} after {after}",
        input.thread_id, input.run_id
    ));
    let cursor = Cursor {
        run,
        after,
        pending: VecDeque::new(),
        left: drop_after,
        hinted: false,
    };
    let stream = futures_util::stream::unfold(cursor, next_sse);
    Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(10)))
        .into_response()
}

async fn play_into_log(script: Vec<(&'static str, Value)>, run: Arc<AguiRun>, pace: Pace) {
    let mut pacer = Pacer::new(pace);
    for (kind, fields) in script {
        pacer.wait(kind).await;
        run.push(Event::agui(kind, fields).text());
    }
    run.finish();
}

struct Cursor {
    run: Arc<AguiRun>,
    /// The id of the last event sent.
    after: usize,
    pending: VecDeque<Arc<str>>,
    /// Events this response may still send (`drop_after`).
    left: Option<u64>,
    hinted: bool,
}

async fn next_sse(mut c: Cursor) -> Option<(Result<SseEvent, Infallible>, Cursor)> {
    if !c.hinted {
        c.hinted = true;
        let hint = SseEvent::default()
            .comment("AgentWire reference server: AG-UI over SSE")
            .retry(Duration::from_millis(RETRY_MS));
        return Some((Ok(hint), c));
    }
    if c.left == Some(0) {
        return None;
    }
    if c.pending.is_empty() {
        c.pending.extend(c.run.after(c.after).await?);
    }
    let data = c.pending.pop_front()?;
    c.after += 1;
    if let Some(left) = &mut c.left {
        *left -= 1;
    }
    let event = SseEvent::default().id(c.after.to_string()).data(&*data);
    Some((Ok(event), c))
}

// ---- /ws/agui ----

pub async fn ws_handler(
    ws: WebSocketUpgrade,
    State(app): State<Arc<App>>,
    Query(query): WsQuery,
) -> Response {
    let params = Params::new(&query);
    let pace = match pace(&app, &params) {
        Ok(pace) => pace,
        Err(bad) => return bad.into_response(),
    };
    let text = |name: &str, default: &str| params.str(name).unwrap_or(default).to_string();
    let input = RunInput {
        thread_id: text("threadId", "thread"),
        run_id: text("runId", "run"),
        message: text("message", ""),
    };
    let script = match script(&input, &params) {
        Ok(script) => script,
        Err(bad) => return bad.into_response(),
    };
    let slot = match admit(&app) {
        Ok(slot) => slot,
        Err(refused) => return refused.into_response(),
    };
    limits(ws, &app).on_upgrade(move |socket| serve(socket, app, slot, input, script, pace))
}

async fn serve(
    socket: WebSocket,
    app: Arc<App>,
    slot: Slot,
    input: RunInput,
    script: Vec<(&'static str, Value)>,
    pace: Pace,
) {
    let conn = Connection::open(socket, Endpoint::Agui, &app, slot);
    let Some(conn) = refuse_if_store_down(conn).await else {
        return;
    };
    // As /ws/runs: the run belongs to the session, and keeps playing through a drop.
    let link = Link::open(&app, Endpoint::Agui, &input.run_id);
    let session = link.session().clone();
    let task = tokio::spawn(play_into_session(script, session.clone(), pace));
    session.replace_work(Some(Work::new(input.run_id.clone(), task)));
    drop(session);

    serve_one_way(conn, link, Endpoint::Agui).await;
}

async fn play_into_session(script: Vec<(&'static str, Value)>, session: Arc<Session>, pace: Pace) {
    let mut pacer = Pacer::new(pace);
    for (kind, fields) in script {
        pacer.wait(kind).await;
        session.emit(&Event::agui(kind, fields)).await;
        session.caught_up().await;
    }
    session.finish().await;
}
