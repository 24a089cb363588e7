//! `/ws/runs/{run_id}`: one run's events, then a clean close (1000 "run complete").
//!
//! Resumable (PROTOCOL.md): every run event carries `seq`. A client that resumes continues
//! after the last event it got instead of seeing the run again from `boot`; the run keeps
//! playing for the grace period while no socket is attached.
//!
//! `boot`, then per agent `agent_start`, per task `task_start`, per tool `tool_start {tool,
//! params}`, several `tool_progress {tool, message, progress}` (progress up to 1),
//! `tool_end {tool, duration_s, exit_code, status}`, then `task_end`, `agent_end`, and finally
//! `done`. Every event carries `run_id`; the plan is derived from the run id (deterministic).

use std::sync::Arc;

use axum::extract::ws::{WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use tokio::time::{sleep, Instant};

use super::{admit, limits, pace, refuse_if_store_down, serve_one_way, Endpoint, WsQuery};
use crate::agent_script::{fnv1a, mix, AGENTS};
use crate::app::App;
use crate::connection::Connection;
use crate::events::Event;
use crate::params::Params;
use crate::redis::REDIS_UNAVAILABLE;
use crate::registry::Slot;
use crate::resume::{Link, Session, Work};
use crate::session_runner::Pace;
use crate::takeover::WorkSpec;

const TOOLS: [(&str, &str); 4] = [
    ("web_search", "searching"),
    ("fetch_page", "downloading"),
    ("run_python", "executing"),
    ("write_file", "writing"),
];

pub async fn handler(
    ws: WebSocketUpgrade,
    State(app): State<Arc<App>>,
    Path(run_id): Path<String>,
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
    limits(ws, &app).on_upgrade(move |socket| serve(socket, app, slot, run_id, pace))
}

/// 1-64 characters of letters, digits, `-`, `_`, `.`.
pub fn is_valid_run_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

async fn serve(socket: WebSocket, app: Arc<App>, slot: Slot, run_id: String, pace: Pace) {
    let conn = Connection::open(socket, Endpoint::Runs, &app, slot);
    if !is_valid_run_id(&run_id) {
        conn.close(1008, "invalid run id").await;
        conn.finish().await;
        return;
    }
    let Some(conn) = refuse_if_store_down(conn).await else {
        return;
    };
    let started = match app.runs.source(&app, &run_id).await {
        Ok(started) => started,
        Err(e) => {
            if let Some(shared) = &app.shared {
                shared.report(format_args!("cannot look up run {run_id}: {e}"));
            }
            conn.close(REDIS_UNAVAILABLE.0, REDIS_UNAVAILABLE.1).await;
            conn.finish().await;
            return;
        }
    };
    let link = match started {
        // Started with POST /control/runs/{run_id} (on any instance): show that run.
        Some(source) => Link::open_following(&app, Endpoint::Runs, &run_id, source),
        None => {
            // The run belongs to the session, not the socket: it keeps playing through a
            // drop, and a resumed connection continues after the last event it was sent
            // (with Redis, on any instance: the spec lets another one continue it).
            let link = Link::open(&app, Endpoint::Runs, &run_id);
            let session = link.session().clone();
            let spec = WorkSpec::run(&run_id, pace, RunPlan::Scripted, false);
            if session.begin_work(&spec.to_json(), None).await {
                let task = tokio::spawn(play(
                    run_id.clone(),
                    session.clone(),
                    pace,
                    RunPlan::Scripted,
                    0,
                ));
                session.replace_work(Some(Work::new(run_id, task)));
            }
            link
        }
    };
    serve_one_way(conn, link, Endpoint::Runs).await;
}

/// How many `tool_progress` events each tool emits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunPlan {
    /// 3 to 5, derived from the run id (what /ws/runs has always played).
    Scripted,
    /// Exactly this many (`POST /control/runs/{id}?progress_events=M`).
    ProgressEvents(u64),
}

struct Emitter {
    session: Arc<Session>,
    run_id: String,
    pace: Pace,
    first: bool,
    /// Events still to skip: another instance played them before this one took over.
    skip: u64,
    /// An event could not be appended (with Redis: another instance holds the stream's
    /// lease now and plays the run): the rest is not this instance's to play.
    stopped: bool,
}

impl Emitter {
    async fn emit(&mut self, kind: &str, mut fields: Value) {
        if self.stopped {
            return;
        }
        if self.skip > 0 {
            self.skip -= 1;
            return;
        }
        if !self.first && !self.pace.event_delay.is_zero() {
            sleep(self.pace.event_delay).await;
        }
        self.first = false;
        if let Value::Object(map) = &mut fields {
            map.insert("run_id".into(), Value::from(self.run_id.as_str()));
        }
        if self.session.emit(&Event::new(kind, fields)).await == 0 {
            self.stopped = true;
            return;
        }
        self.session.caught_up().await;
    }
}

/// Plays run `run_id` into `session`, from `boot` to `done`, then marks it finished. A
/// continuation (with Redis, after a takeover) skips the first `skip` events: the plan is
/// derived from the run id alone, so the rest is the same run.
pub async fn play(run_id: String, session: Arc<Session>, pace: Pace, plan: RunPlan, skip: u64) {
    let seed = fnv1a(run_id.as_bytes());
    let agent_count = 1 + mix(seed) % 2;
    let mut out = Emitter {
        session: session.clone(),
        run_id,
        pace,
        first: true,
        skip,
        stopped: false,
    };
    let mut tool_runs = 0u64;
    out.emit(
        "boot",
        json!({ "agents": agent_count, "message": "run started" }),
    )
    .await;

    for a in 0..agent_count {
        let agent = &AGENTS[((mix(seed ^ 0xa) + a) % AGENTS.len() as u64) as usize];
        let agent_id = format!("agent_{}", a + 1);
        out.emit(
            "agent_start",
            json!({ "agent_id": agent_id, "agent_name": agent.name }),
        )
        .await;
        let task_count = 1 + mix(seed.wrapping_add(0x10 + a)) % 2;
        for t in 0..task_count {
            let task_id = format!("task_{}_{}", a + 1, t + 1);
            let h = mix(seed.wrapping_add(0x100 + a * 16 + t));
            let title = format!("Step {} of {}'s plan", t + 1, agent.name);
            out.emit(
                "task_start",
                json!({ "agent_id": agent_id, "task_id": task_id, "title": title }),
            )
            .await;
            for k in 0..1 + h % 2 {
                let (tool, verb) = TOOLS[((h >> (8 + 4 * k)) % TOOLS.len() as u64) as usize];
                let params =
                    json!({ "target": format!("item-{}", (h >> 16) % 1000 + k), "timeout_s": 30 });
                let started = Instant::now();
                out.emit("tool_start", json!({ "agent_id": agent_id, "task_id": task_id, "tool": tool, "params": params })).await;
                let steps = match plan {
                    RunPlan::Scripted => 3 + (h >> (20 + k)) % 3,
                    RunPlan::ProgressEvents(m) => m,
                };
                for s in 1..=steps {
                    let progress = s as f64 / steps as f64;
                    let message = format!("{verb} {s}/{steps}");
                    out.emit("tool_progress", json!({ "agent_id": agent_id, "task_id": task_id, "tool": tool, "message": message, "progress": progress })).await;
                }
                let duration_s = (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0;
                out.emit("tool_end", json!({ "agent_id": agent_id, "task_id": task_id, "tool": tool, "duration_s": duration_s, "exit_code": 0, "status": "success" })).await;
                tool_runs += 1;
            }
            out.emit(
                "task_end",
                json!({ "agent_id": agent_id, "task_id": task_id, "status": "success" }),
            )
            .await;
        }
        out.emit(
            "agent_end",
            json!({ "agent_id": agent_id, "status": "success" }),
        )
        .await;
    }
    out.emit(
        "done",
        json!({ "status": "success", "tools_run": tool_runs }),
    )
    .await;
    session.finish().await;
}

#[cfg(test)]
mod tests {
    use super::is_valid_run_id;

    #[test]
    fn run_ids_are_short_url_safe_names() {
        assert!(is_valid_run_id("run-42_a.b"));
        assert!(!is_valid_run_id(""));
        assert!(!is_valid_run_id(&"x".repeat(65)));
        assert!(!is_valid_run_id("a b"));
    }
}
