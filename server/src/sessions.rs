//! Agent sessions (a chat on /ws/stream or a `POST /control/session` simulation): their state
//! and log lines, which /ws/agent-tracking reports. Bounded: finished sessions and log lines
//! are kept only up to a fixed count.
//!
//! With Redis (`--redis`) the registry is shared by every instance: the instance running a
//! session keeps its copy here and writes every change through (`redis::agents`), and the
//! reads (`active`, `get`, `logs`) ask Redis, so a tracking client sees every instance's
//! sessions.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use serde::{Deserialize, Serialize};

use crate::events::now_iso8601;
use crate::redis::RedisBackend;

/// Finished sessions kept for `get_session_state` after they end.
const MAX_FINISHED_SESSIONS: usize = 256;
/// Log lines kept across all sessions.
pub const MAX_LOG_LINES: usize = 2_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Chat,
    Control,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Running,
    Completed,
    Cancelled,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionState {
    pub session_id: String,
    pub source: Source,
    pub status: Status,
    pub message: String,
    pub agent: String,
    pub agents_used: Vec<String>,
    pub current_turn: u64,
    pub max_turns: u64,
    pub progress: f64,
    pub started_at: String,
    pub updated_at: String,
}

impl SessionState {
    /// A session that starts running now.
    fn starting(
        session_id: &str,
        source: Source,
        message: &str,
        agent: &str,
        max_turns: u64,
    ) -> SessionState {
        let now = now_iso8601();
        SessionState {
            session_id: session_id.to_string(),
            source,
            status: Status::Running,
            message: message.to_string(),
            agent: agent.to_string(),
            agents_used: vec![agent.to_string()],
            current_turn: 0,
            max_turns,
            progress: 0.0,
            started_at: now.clone(),
            updated_at: now,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LogLine {
    pub timestamp: String,
    pub session_id: String,
    pub agent: String,
    pub level: String,
    pub message: String,
}

#[derive(Default)]
struct Inner {
    sessions: HashMap<String, SessionState>,
    /// Ids of sessions that ended, oldest first, to evict beyond `MAX_FINISHED_SESSIONS`.
    finished: VecDeque<String>,
    logs: VecDeque<LogLine>,
}

#[derive(Default)]
pub struct Sessions {
    inner: Mutex<Inner>,
    next_id: AtomicU64,
    /// The shared registry, when the server runs on Redis.
    shared: Option<Arc<RedisBackend>>,
}

impl Sessions {
    /// A registry shared through `redis` (or this process's own, with `None`).
    pub fn new(shared: Option<Arc<RedisBackend>>) -> Sessions {
        Sessions {
            shared,
            ..Sessions::default()
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        match self.inner.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Starts a running session and returns its id (`session_<n>`; with Redis, `n` is
    /// unique across instances).
    pub async fn begin(
        &self,
        source: Source,
        message: &str,
        agent: &str,
        max_turns: u64,
    ) -> String {
        let local_n = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let n = match &self.shared {
            None => local_n,
            Some(shared) => match shared.next_agent_number().await {
                Ok(n) => n,
                Err(e) => {
                    // The session still runs here; only other instances will not see it.
                    shared.report(format_args!("cannot number an agent session: {e}"));
                    local_n
                }
            },
        };
        let session_id = format!("session_{n}");
        let state = SessionState::starting(&session_id, source, message, agent, max_turns);
        self.share(&state);
        self.lock().sessions.insert(session_id.clone(), state);
        session_id
    }

    /// Continues here a running session that another instance started (it died, this one
    /// took its chat over): its state comes from the shared registry (a fresh running state
    /// if it lapsed there), and this instance updates it from now on.
    pub async fn adopt(
        &self,
        session_id: &str,
        source: Source,
        message: &str,
        agent: &str,
        max_turns: u64,
    ) {
        let shared_state = match &self.shared {
            Some(shared) => shared.agent(session_id).await.unwrap_or_else(|e| {
                shared.report(format_args!("cannot read agent session {session_id}: {e}"));
                None
            }),
            None => None,
        };
        let state = match shared_state.filter(|s| s.status == Status::Running) {
            Some(state) => state,
            None => {
                let state = SessionState::starting(session_id, source, message, agent, max_turns);
                self.share(&state);
                state
            }
        };
        self.lock().sessions.insert(session_id.to_string(), state);
    }

    fn share(&self, state: &SessionState) {
        if let Some(shared) = &self.shared {
            shared.save_agent(state, session_number(&state.session_id));
        }
    }

    /// Applies `change` to a session and stamps `updated_at`.
    pub fn update(&self, session_id: &str, change: impl FnOnce(&mut SessionState)) {
        if let Some(state) = self.lock().sessions.get_mut(session_id) {
            change(state);
            state.updated_at = now_iso8601();
            self.share(state);
        }
    }

    /// Marks a running session finished; later calls do not change the outcome.
    pub fn finish(&self, session_id: &str, status: Status) -> bool {
        let mut inner = self.lock();
        let Some(state) = inner.sessions.get_mut(session_id) else {
            return false;
        };
        if state.status != Status::Running {
            return false;
        }
        state.status = status;
        if status == Status::Completed {
            state.progress = 1.0;
        }
        state.updated_at = now_iso8601();
        self.share(state);
        inner.finished.push_back(session_id.to_string());
        while inner.finished.len() > MAX_FINISHED_SESSIONS {
            if let Some(old) = inner.finished.pop_front() {
                inner.sessions.remove(&old);
            }
        }
        true
    }

    pub fn log(&self, session_id: &str, agent: &str, message: String) {
        let line = LogLine {
            timestamp: now_iso8601(),
            session_id: session_id.to_string(),
            agent: agent.to_string(),
            level: "info".to_string(),
            message,
        };
        if let Some(shared) = &self.shared {
            shared.save_agent_log(&line, MAX_LOG_LINES);
        }
        let mut inner = self.lock();
        inner.logs.push_back(line);
        while inner.logs.len() > MAX_LOG_LINES {
            inner.logs.pop_front();
        }
    }

    /// Running sessions (of every instance, with Redis), oldest first.
    pub async fn active(&self) -> Vec<SessionState> {
        if let Some(shared) = &self.shared {
            match shared.running_agents().await {
                Ok(running) => return running,
                Err(e) => shared.report(format_args!("cannot list agent sessions: {e}")),
            }
        }
        self.active_here()
    }

    fn active_here(&self) -> Vec<SessionState> {
        let mut active: Vec<SessionState> = self
            .lock()
            .sessions
            .values()
            .filter(|s| s.status == Status::Running)
            .cloned()
            .collect();
        active.sort_by_key(|s| session_number(&s.session_id));
        active
    }

    /// A session's state (of any instance, with Redis).
    pub async fn get(&self, session_id: &str) -> Option<SessionState> {
        if let Some(shared) = &self.shared {
            match shared.agent(session_id).await {
                Ok(state) => return state,
                Err(e) => shared.report(format_args!("cannot read agent session: {e}")),
            }
        }
        self.get_here(session_id)
    }

    /// A session this instance runs (or ran).
    pub fn get_here(&self, session_id: &str) -> Option<SessionState> {
        self.lock().sessions.get(session_id).cloned()
    }

    /// Log lines, oldest first, optionally of one session (of every instance, with Redis).
    pub async fn logs(&self, session_id: Option<&str>) -> Vec<LogLine> {
        let all = match &self.shared {
            None => None,
            Some(shared) => match shared.agent_logs().await {
                Ok(lines) => Some(lines),
                Err(e) => {
                    shared.report(format_args!("cannot read agent logs: {e}"));
                    None
                }
            },
        };
        let all = all.unwrap_or_else(|| self.lock().logs.iter().cloned().collect());
        all.into_iter()
            .filter(|line| session_id.is_none_or(|id| line.session_id == id))
            .collect()
    }
}

fn session_number(id: &str) -> u64 {
    id.rsplit('_')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn finished_sessions_leave_the_active_list_but_stay_queryable() {
        let sessions = Sessions::default();
        let a = sessions.begin(Source::Chat, "hi", "Researcher", 3).await;
        let b = sessions.begin(Source::Control, "yo", "Analyst", 2).await;
        assert_eq!(sessions.active().await.len(), 2);
        assert!(sessions.finish(&a, Status::Completed));
        assert!(
            !sessions.finish(&a, Status::Cancelled),
            "first outcome wins"
        );
        let active = sessions.active().await;
        assert_eq!(active.len(), 1);
        assert_eq!(active[0].session_id, b);
        assert_eq!(sessions.get(&a).await.unwrap().status, Status::Completed);
    }

    #[tokio::test]
    async fn finished_sessions_and_logs_are_bounded() {
        let sessions = Sessions::default();
        let first = sessions.begin(Source::Chat, "m", "Writer", 1).await;
        sessions.finish(&first, Status::Completed);
        for _ in 0..MAX_FINISHED_SESSIONS {
            let id = sessions.begin(Source::Chat, "m", "Writer", 1).await;
            sessions.finish(&id, Status::Completed);
        }
        assert!(sessions.get(&first).await.is_none());
        for i in 0..MAX_LOG_LINES + 10 {
            sessions.log("s", "a", i.to_string());
        }
        let logs = sessions.logs(None).await;
        assert_eq!(logs.len(), MAX_LOG_LINES);
        assert_eq!(logs[0].message, "10");
    }
}
