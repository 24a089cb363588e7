//! `/control/...`: chaos and observation over HTTP, for tests and the demo's outage buttons.
//! Every action answers JSON (`{"ok":true,"affected":<connections>}`); bad parameters get 400
//! with `{"ok":false,"error":…}`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::ws::{Message, Utf8Bytes};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use tokio::time::Instant;

use crate::agent_script::Script;
use crate::app::App;
use crate::chaos;
use crate::endpoints::runs::{is_valid_run_id, RunPlan};
use crate::endpoints::Endpoint;
use crate::params::{BadRequest, Params};
use crate::session_runner::{Pace, SessionRun};
use crate::started_runs::Started;

/// Largest `/control/send` body: room for frames well beyond a client's own limit (to test
/// it), small enough that a mistaken upload cannot exhaust memory.
pub const MAX_CONTROL_BODY_BYTES: usize = 16 << 20;
/// Longest refuse/delay/silence window accepted (10 minutes / 1 hour).
const MAX_WINDOW_MS: u64 = 600_000;
const MAX_SILENCE_MS: u64 = 3_600_000;
/// A close frame carries at most 123 bytes of reason (125-byte control frame minus the code).
const MAX_CLOSE_REASON_BYTES: usize = 123;

type Reply = Result<Json<Value>, BadRequest>;
type Q = Query<HashMap<String, String>>;

pub fn router() -> Router<Arc<App>> {
    Router::new()
        .route("/drop", post(drop))
        .route("/close", post(close))
        .route("/refuse", post(refuse))
        .route("/silence", post(silence))
        .route("/delay", post(delay))
        .route("/send", post(send))
        .route("/session", post(session))
        .route("/runs/{run_id}", post(start_run))
        .route("/reset", post(reset))
        .route("/log", get(log))
        .layer(DefaultBodyLimit::max(MAX_CONTROL_BODY_BYTES))
}

fn ok(affected: usize) -> Json<Value> {
    Json(json!({ "ok": true, "affected": affected }))
}

async fn drop(State(app): State<Arc<App>>, Query(q): Q) -> Reply {
    Params::new(&q).only(&[])?;
    let affected = chaos::drop_all(&app.registry);
    app.note(format_args!("control: drop ({affected} connections)"));
    Ok(ok(affected))
}

async fn close(State(app): State<Arc<App>>, Query(q): Q) -> Reply {
    let p = Params::new(&q);
    p.only(&["code", "reason"])?;
    let code = p.u64("code", u64::from(u16::MAX))?.unwrap_or(1000) as u16;
    // What a server may put in a close frame (RFC 6455 7.4): the registered codes except the
    // reserved 1004-1006 and 1015, plus the 3000-4999 ranges. 1001, 1011 and 1012 are exactly
    // what real servers send on restart or crash, so clients must be testable against them.
    if !((1000..=1003).contains(&code)
        || (1007..=1014).contains(&code)
        || (3000..=4999).contains(&code))
    {
        return Err(BadRequest(format!(
            "code must be 1000-1003, 1007-1014 or 3000-4999, got {code}"
        )));
    }
    let reason = p.str("reason").unwrap_or("");
    if reason.len() > MAX_CLOSE_REASON_BYTES {
        return Err(BadRequest(format!(
            "reason must be at most {MAX_CLOSE_REASON_BYTES} bytes"
        )));
    }
    let affected = chaos::close_all(&app.registry, code, reason);
    app.note(format_args!(
        "control: close {code} {reason:?} ({affected} connections)"
    ));
    Ok(ok(affected))
}

async fn refuse(State(app): State<Arc<App>>, Query(q): Q) -> Reply {
    let p = Params::new(&q);
    p.only(&["ms"])?;
    let ms = match p.u64("ms", MAX_WINDOW_MS)? {
        Some(ms) if ms > 0 => ms,
        _ => return Err(BadRequest(format!("ms is required: 1 to {MAX_WINDOW_MS}"))),
    };
    app.chaos.refuse_for(Duration::from_millis(ms));
    app.note(format_args!("control: refuse upgrades for {ms} ms"));
    Ok(Json(json!({ "ok": true, "affected": 0, "ms": ms })))
}

async fn silence(State(app): State<Arc<App>>, Query(q): Q) -> Reply {
    let p = Params::new(&q);
    p.only(&["ms"])?;
    let until = match p.u64("ms", MAX_SILENCE_MS)? {
        Some(0) => {
            return Err(BadRequest(
                "ms must be at least 1 (omit it to silence until reset)".into(),
            ))
        }
        Some(ms) => Some(Instant::now() + Duration::from_millis(ms)),
        None => None,
    };
    let affected = chaos::silence_all(&app.registry, until);
    app.note(format_args!("control: silence ({affected} connections)"));
    Ok(ok(affected))
}

async fn delay(State(app): State<Arc<App>>, Query(q): Q) -> Reply {
    let p = Params::new(&q);
    p.only(&["ms"])?;
    let Some(ms) = p.u64("ms", MAX_WINDOW_MS)? else {
        return Err(BadRequest(format!(
            "ms is required: 0 (off) to {MAX_WINDOW_MS}"
        )));
    };
    app.chaos.set_delay(Duration::from_millis(ms));
    app.note(format_args!("control: delay outbound frames by {ms} ms"));
    Ok(Json(
        json!({ "ok": true, "affected": app.registry.open_count(), "ms": ms }),
    ))
}

async fn send(State(app): State<Arc<App>>, Query(q): Q, body: Bytes) -> Reply {
    let p = Params::new(&q);
    p.only(&["binary", "endpoint"])?;
    let endpoint = match p.str("endpoint") {
        None => None,
        Some(name) => Some(Endpoint::from_name(name).ok_or_else(|| {
            BadRequest(format!(
                "endpoint must be one of {}, got {name:?}",
                Endpoint::names().join(", ")
            ))
        })?),
    };
    let msg = if p.flag("binary")? {
        Message::Binary(body)
    } else {
        let text = Utf8Bytes::try_from(body)
            .map_err(|_| BadRequest("body is not UTF-8; send it with ?binary=1".into()))?;
        Message::Text(text)
    };
    let affected = app.registry.broadcast(endpoint, &msg);
    Ok(ok(affected))
}

async fn session(State(app): State<Arc<App>>, Query(q): Q) -> Reply {
    let p = Params::new(&q);
    p.only(&["message", "delay_ms"])?;
    let message = p
        .str("message")
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .unwrap_or("Simulated agent session");
    let event_delay = p
        .u64("delay_ms", MAX_WINDOW_MS)?
        .map(Duration::from_millis)
        .unwrap_or(app.config.event_delay);
    let pace = Pace {
        event_delay,
        tokens_per_sec: 0,
    };
    let run = SessionRun::begin(
        &app,
        message,
        Script::for_message(message, None),
        pace,
        None,
    )
    .await;
    let session_id = run.session_id().to_string();
    tokio::spawn(run.run());
    app.note(format_args!("control: simulated {session_id}"));
    let watchers = app.log.open_connections(Endpoint::Tracking);
    Ok(Json(
        json!({ "ok": true, "affected": watchers, "session_id": session_id }),
    ))
}

/// Most `tool_progress` events per tool a started run may be asked for.
const MAX_PROGRESS_EVENTS: u64 = 10_000;

/// `POST /control/runs/{run_id}?delay_ms=N&progress_events=M`: plays run `run_id` here, into
/// the run's stream; `/ws/runs/{run_id}` on any instance (sharing `--redis`) shows it from its
/// start. 409 if that run id is already started, 503 while Redis is unreachable.
async fn start_run(
    State(app): State<Arc<App>>,
    Path(run_id): Path<String>,
    Query(q): Q,
) -> Result<Json<Value>, Response> {
    let p = Params::new(&q);
    p.only(&["delay_ms", "progress_events"])
        .map_err(IntoResponse::into_response)?;
    if !is_valid_run_id(&run_id) {
        return Err(BadRequest(format!(
            "run id {run_id:?}: use 1-64 letters, digits, '-', '_' or '.'"
        ))
        .into_response());
    }
    let event_delay = p
        .u64("delay_ms", MAX_WINDOW_MS)
        .map_err(IntoResponse::into_response)?
        .map(Duration::from_millis)
        .unwrap_or(app.config.event_delay);
    let plan = match p
        .u64("progress_events", MAX_PROGRESS_EVENTS)
        .map_err(IntoResponse::into_response)?
    {
        None => RunPlan::Scripted,
        Some(0) => {
            return Err(BadRequest(format!(
                "progress_events must be 1 to {MAX_PROGRESS_EVENTS}"
            ))
            .into_response())
        }
        Some(m) => RunPlan::ProgressEvents(m),
    };
    let pace = Pace {
        event_delay,
        tokens_per_sec: 0,
    };
    let refusal = |status: StatusCode, error: String| {
        (status, Json(json!({ "ok": false, "error": error }))).into_response()
    };
    if app.store_down() {
        return Err(refusal(
            StatusCode::SERVICE_UNAVAILABLE,
            "redis unavailable: the run could not be stored".into(),
        ));
    }
    match app.runs.start(&app, &run_id, pace, plan).await {
        Ok(Started::Now) => {
            app.note(format_args!("control: started run {run_id}"));
            Ok(Json(json!({ "ok": true, "affected": 0, "run_id": run_id })))
        }
        Ok(Started::Already) => Err(refusal(
            StatusCode::CONFLICT,
            format!("run {run_id} is already started"),
        )),
        Err(e) => Err(refusal(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("redis unavailable: {e}"),
        )),
    }
}

async fn reset(State(app): State<Arc<App>>, Query(q): Q) -> Reply {
    Params::new(&q).only(&[])?;
    app.chaos.reset();
    let affected = chaos::unsilence_all(&app.registry);
    app.log.reset();
    app.note(format_args!("control: reset"));
    Ok(ok(affected))
}

/// `GET /control/log`: this instance's log (event_log.rs). With `--redis`, each endpoint also
/// has `processed_everywhere`: the ids every instance acted on, in the order they were recorded
/// (the last 10,000), which outlives any one instance; `null` while Redis is unreachable.
async fn log(State(app): State<Arc<App>>, Query(q): Q) -> Reply {
    Params::new(&q).only(&[])?;
    let mut log = app.log.snapshot();
    if let Some(shared) = &app.shared {
        for endpoint in Endpoint::ALL {
            let everywhere = match shared.processed(endpoint.name()).await {
                Ok(ids) => json!(ids),
                Err(e) => {
                    shared.report(format_args!("cannot read the processed ids: {e}"));
                    Value::Null
                }
            };
            log[endpoint.name()]["processed_everywhere"] = everywhere;
        }
    }
    Ok(Json(log))
}
