//! Plays an agent script in time: chat events to the chat client (if any), and state, log
//! lines and `agent_status` / `agent_collaboration` broadcasts for /ws/agent-tracking.
//!
//! A chat can also be continued from the middle (with Redis, on the instance that took over
//! the stream of one whose instance died): the script is deterministic given the message, so
//! playing it again while skipping the first events, their pauses and their side effects
//! yields exactly the events that were still missing.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::time::{sleep, sleep_until, Instant};

use crate::agent_script::{Agent, Script, AGENTS};
use crate::app::App;
use crate::endpoints::Endpoint;
use crate::events::Event;
use crate::resume::Session;
use crate::sessions::{Source, Status};

/// How fast a session plays.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    /// Between agent events (steps, tool calls, results, progress, chart).
    pub event_delay: Duration,
    /// `message_delta`s per second; 0 = as fast as the client reads.
    pub tokens_per_sec: u64,
}

/// Marks the session cancelled and tells tracking clients if the run ends early: aborted by
/// `cancel`, replaced by a newer chat, or its chat client went away.
struct Outcome {
    app: Arc<App>,
    session_id: String,
    lead: &'static Agent,
    completed: bool,
    /// Set when the chat stopped here because another instance took it over: it goes on
    /// there, so it is not cancelled.
    handed_over: Arc<AtomicBool>,
}

impl Drop for Outcome {
    fn drop(&mut self) {
        if self.completed || self.handed_over.load(Ordering::SeqCst) {
            return;
        }
        mark_cancelled(&self.app, &self.session_id, self.lead);
    }
}

/// The agent session ends cancelled (once): its state, a log line, and tracking clients told.
fn mark_cancelled(app: &App, session_id: &str, lead: &Agent) {
    if !app.sessions.finish(session_id, Status::Cancelled) {
        return;
    }
    app.sessions
        .log(session_id, lead.name, "Session cancelled".into());
    broadcast_status(app, session_id, lead, "cancelled", None, "Cancelled");
}

/// A chat that played on another instance was stopped from this one (a `cancel`, or a newer
/// chat, sent here): that instance's copy stops as handed over, so this one marks the agent
/// session cancelled, as the instance playing it would have.
pub async fn cancelled_elsewhere(app: &App, session_id: &str) {
    let Some(state) = app.sessions.get(session_id).await else {
        return;
    };
    let Some(lead) = AGENTS.iter().find(|a| a.name == state.agent) else {
        return;
    };
    if state.status != Status::Running {
        return;
    }
    app.sessions
        .adopt(
            session_id,
            state.source,
            &state.message,
            lead.name,
            state.max_turns,
        )
        .await;
    mark_cancelled(app, session_id, lead);
}

pub struct SessionRun {
    app: Arc<App>,
    script: Script,
    message: String,
    pace: Pace,
    /// Where chat events go (the /ws/stream connection's resumable session); `None` for
    /// sessions started by `POST /control/session`.
    chat: Option<Arc<Session>>,
    outcome: Outcome,
    /// Chat events still to skip: those another instance already played (a continuation).
    skip: AtomicU64,
    /// The session was started elsewhere: its registry state is taken over first.
    adopt: bool,
}

impl SessionRun {
    /// Registers the session (it is listed as active from now on) without starting it.
    pub async fn begin(
        app: &Arc<App>,
        message: &str,
        script: Script,
        pace: Pace,
        chat: Option<Arc<Session>>,
    ) -> SessionRun {
        let source = if chat.is_some() {
            Source::Chat
        } else {
            Source::Control
        };
        let session_id = app
            .sessions
            .begin(source, message, script.lead.name, script.max_turns())
            .await;
        SessionRun::new(app, session_id, message, script, pace, chat, 0, false)
    }

    /// A chat another instance started as agent session `session_id` and played up to (not
    /// including) its event `skip + 1`: continued here from that event, with the same script
    /// and pace.
    pub fn continuing(
        app: &Arc<App>,
        session_id: String,
        message: &str,
        script: Script,
        pace: Pace,
        chat: Arc<Session>,
        skip: u64,
    ) -> SessionRun {
        SessionRun::new(
            app,
            session_id,
            message,
            script,
            pace,
            Some(chat),
            skip,
            true,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn new(
        app: &Arc<App>,
        session_id: String,
        message: &str,
        script: Script,
        pace: Pace,
        chat: Option<Arc<Session>>,
        skip: u64,
        adopt: bool,
    ) -> SessionRun {
        let outcome = Outcome {
            app: app.clone(),
            session_id,
            lead: script.lead,
            completed: false,
            handed_over: Arc::new(AtomicBool::new(false)),
        };
        SessionRun {
            app: app.clone(),
            script,
            message: message.to_string(),
            pace,
            chat,
            outcome,
            skip: AtomicU64::new(skip),
            adopt,
        }
    }

    /// The flag the chat's [`Work`](crate::resume::Work) sets when it is handed over.
    pub fn handover_flag(&self) -> Arc<AtomicBool> {
        self.outcome.handed_over.clone()
    }

    pub fn session_id(&self) -> &str {
        &self.outcome.session_id
    }

    /// Plays the whole script. It ends early only by being aborted (`cancel`, a newer chat,
    /// or the chat's session ending), which marks the session cancelled.
    pub async fn run(mut self) {
        let lead = self.script.lead;
        let max_turns = self.script.max_turns();
        let id = self.session_id().to_string();
        if self.adopt {
            self.app
                .sessions
                .adopt(&id, Source::Chat, &self.message, lead.name, max_turns)
                .await;
        }

        self.chat(
            "agent_step",
            json!({ "agent": lead.name, "emoji": lead.emoji, "status": "working" }),
        )
        .await;
        self.log(lead, format!("Started: {}", self.message.trim()));
        self.broadcast_status(&id, lead, "working", Some(0.0), "Working on the request");

        let mut previous = lead;
        for (i, turn) in self.script.turns.iter().enumerate() {
            let current_turn = i as u64 + 1;
            self.pause().await;
            if !std::ptr::eq(turn.agent, previous) {
                let note = format!("Handing over to {} for {}", turn.agent.name, turn.tool);
                self.broadcast(
                    "agent_collaboration",
                    json!({
                        "session_id": id, "from_agent": previous.name, "to_agent": turn.agent.name, "message": note,
                    }),
                );
                self.log(previous, note);
                previous = turn.agent;
            }
            let progress = (current_turn - 1) as f64 / max_turns as f64;
            self.broadcast_status(
                &id,
                turn.agent,
                "working",
                Some(progress),
                &format!("Calling {}", turn.tool),
            );
            self.log(
                turn.agent,
                format!("Calling {} with {}", turn.tool, turn.args),
            );
            self.chat(
                "tool_call",
                json!({ "agent": turn.agent.name, "tool_name": turn.tool, "args": turn.args }),
            )
            .await;

            self.pause().await;
            self.chat(
                "tool_result",
                json!({ "agent": turn.agent.name, "tool_name": turn.tool, "result": turn.result }),
            )
            .await;
            self.log(
                turn.agent,
                format!("{} returned: {}", turn.tool, turn.result),
            );

            self.pause().await;
            self.chat(
                "progress",
                json!({ "current_turn": current_turn, "max_turns": max_turns }),
            )
            .await;
            self.app.sessions.update(&id, |s| {
                s.current_turn = current_turn;
                s.progress = current_turn as f64 / max_turns as f64;
                if !s.agents_used.iter().any(|a| a == turn.agent.name) {
                    s.agents_used.push(turn.agent.name.to_string());
                }
            });
        }

        self.pause().await;
        self.broadcast_status(&id, lead, "working", Some(1.0), "Writing the answer");
        let message_id = format!("msg_{id}");
        let content = self.stream_answer(&message_id).await;

        if let Some(symbol) = self.script.ticker {
            self.pause().await;
            let chart_id = format!("chart_{symbol}_{:08x}", self.script.fingerprint as u32);
            let url = format!("/charts/{symbol}.svg");
            self.chat(
                "chart",
                json!({ "chart_id": chart_id, "url": url, "symbol": symbol }),
            )
            .await;
        }

        self.pause().await;
        self.chat(
            "agent_step",
            json!({ "agent": lead.name, "emoji": lead.emoji, "status": "completed" }),
        )
        .await;
        let agents_used = self.script.agents_used();
        self.answer(
            json!({ "message_id": message_id, "content": content, "agents_used": agents_used }),
        )
        .await;

        self.outcome.completed = true;
        self.app.sessions.finish(&id, Status::Completed);
        self.log(lead, "Completed".to_string());
        self.broadcast_status(&id, lead, "completed", Some(1.0), "Answer ready");
    }

    /// Streams the answer as `message_delta`s paced by `tokens_per_sec` on a fixed schedule
    /// (no drift); returns the full text. Each event waits while the client is a window
    /// behind (the reader's pace), but not while no socket is attached.
    async fn stream_answer(&self, message_id: &str) -> String {
        let count = self.script.answer_len();
        let mut content = String::new();
        if self.chat.is_none() {
            // Nobody reads deltas of a simulated session; only the time it takes matters.
            for i in 0..count {
                content.push_str(&self.script.answer_token(i));
            }
            self.pause().await;
            return content;
        }
        let tps = self.pace.tokens_per_sec;
        // When the first delta played here was due, and which one it was (a continuation
        // skips those played elsewhere).
        let mut paced_from: Option<(Instant, u64)> = None;
        for i in 0..count {
            if !self.skipping() {
                let (start, first) = *paced_from.get_or_insert_with(|| (Instant::now(), i));
                // Delta i is due at start + (i - first)/tps (0 = unpaced).
                if let Some(offset) = (i - first).saturating_mul(1_000_000_000).checked_div(tps) {
                    sleep_until(start + Duration::from_nanos(offset)).await;
                }
            }
            let delta = self.script.answer_token(i);
            content.push_str(&delta);
            self.chat(
                "message_delta",
                json!({ "message_id": message_id, "delta": delta }),
            )
            .await;
        }
        content
    }

    /// Whether events are still being skipped (played elsewhere before a takeover): their
    /// pauses, log lines and broadcasts were that instance's.
    fn skipping(&self) -> bool {
        self.skip.load(Ordering::Relaxed) > 0
    }

    async fn chat(&self, kind: &str, mut fields: Value) {
        let Some(session) = &self.chat else {
            return;
        };
        if self.skipping() {
            self.skip.fetch_sub(1, Ordering::Relaxed);
            return;
        }
        if let Value::Object(map) = &mut fields {
            map.insert("session_id".into(), Value::from(self.session_id()));
        }
        session.emit(&Event::new(kind, fields)).await;
        session.caught_up().await;
    }

    /// The chat's last event, `result`, which ends its work (with Redis, in the same step:
    /// nobody is to continue it, and the stream's lease is free); the work then leaves the
    /// session, so a chat sent next finds nothing running.
    async fn answer(&self, mut fields: Value) {
        let Some(session) = &self.chat else {
            return;
        };
        if self.skipping() {
            // Already in the stream (another instance got this far): only the end is left.
            self.skip.fetch_sub(1, Ordering::Relaxed);
            session.end_work().await;
        } else {
            if let Value::Object(map) = &mut fields {
                map.insert("session_id".into(), Value::from(self.session_id()));
            }
            session.emit_last(&Event::new("result", fields)).await;
        }
        session.work_answered(self.session_id());
    }

    async fn pause(&self) {
        if !self.skipping() && !self.pace.event_delay.is_zero() {
            sleep(self.pace.event_delay).await;
        }
    }

    fn log(&self, agent: &Agent, message: String) {
        if self.skipping() {
            return;
        }
        self.app
            .sessions
            .log(self.session_id(), agent.name, message);
    }
}

impl SessionRun {
    fn broadcast(&self, kind: &str, fields: Value) {
        if !self.skipping() {
            broadcast(&self.app, kind, fields);
        }
    }

    fn broadcast_status(
        &self,
        session_id: &str,
        agent: &Agent,
        status: &str,
        progress: Option<f64>,
        message: &str,
    ) {
        if !self.skipping() {
            broadcast_status(&self.app, session_id, agent, status, progress, message);
        }
    }
}

/// To every tracking session (each numbers it with its own seq), including those in their
/// grace period, so a resuming tracking client misses nothing. With Redis: those of every
/// instance.
fn broadcast(app: &App, kind: &str, fields: Value) {
    app.resume
        .broadcast(Endpoint::Tracking, &Event::new(kind, fields));
}

fn broadcast_status(
    app: &App,
    session_id: &str,
    agent: &Agent,
    status: &str,
    progress: Option<f64>,
    message: &str,
) {
    let progress = progress
        .or_else(|| app.sessions.get_here(session_id).map(|s| s.progress))
        .unwrap_or(0.0);
    broadcast(
        app,
        "agent_status",
        json!({
            "session_id": session_id,
            "agent_id": agent.id,
            "agent_name": agent.name,
            "status": status,
            "progress": progress,
            "message": message,
        }),
    );
}
