//! Agent sessions (a chat on /ws/stream or a `POST /control/session` simulation): their state
//! and log lines, which /ws/agent-tracking reports. Bounded: finished sessions and log lines
//! are kept only up to a fixed count.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use serde::Serialize;

use crate::events::now_iso8601;

/// Finished sessions kept for `get_session_state` after they end.
const MAX_FINISHED_SESSIONS: usize = 256;
/// Log lines kept across all sessions.
const MAX_LOG_LINES: usize = 2_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Chat,
    Control,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Running,
    Completed,
    Cancelled,
}

#[derive(Debug, Clone, Serialize)]
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

#[derive(Debug, Clone, Serialize)]
pub struct LogLine {
    pub timestamp: String,
    pub session_id: String,
    pub agent: String,
    pub level: &'static str,
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
}

impl Sessions {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        match self.inner.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Starts a running session and returns its id (`session_<n>`).
    pub fn begin(&self, source: Source, message: &str, agent: &str, max_turns: u64) -> String {
        let n = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let session_id = format!("session_{n}");
        let now = now_iso8601();
        let state = SessionState {
            session_id: session_id.clone(),
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
        };
        self.lock().sessions.insert(session_id.clone(), state);
        session_id
    }

    /// Applies `change` to a session and stamps `updated_at`.
    pub fn update(&self, session_id: &str, change: impl FnOnce(&mut SessionState)) {
        if let Some(state) = self.lock().sessions.get_mut(session_id) {
            change(state);
            state.updated_at = now_iso8601();
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
        inner.finished.push_back(session_id.to_string());
        while inner.finished.len() > MAX_FINISHED_SESSIONS {
            if let Some(old) = inner.finished.pop_front() {
                inner.sessions.remove(&old);
            }
        }
        true
    }

    pub fn log(&self, session_id: &str, agent: &str, message: String) {
        let mut inner = self.lock();
        inner.logs.push_back(LogLine {
            timestamp: now_iso8601(),
            session_id: session_id.to_string(),
            agent: agent.to_string(),
            level: "info",
            message,
        });
        while inner.logs.len() > MAX_LOG_LINES {
            inner.logs.pop_front();
        }
    }

    /// Running sessions, oldest first.
    pub fn active(&self) -> Vec<SessionState> {
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

    pub fn get(&self, session_id: &str) -> Option<SessionState> {
        self.lock().sessions.get(session_id).cloned()
    }

    /// Log lines, oldest first, optionally of one session.
    pub fn logs(&self, session_id: Option<&str>) -> Vec<LogLine> {
        self.lock()
            .logs
            .iter()
            .filter(|line| session_id.is_none_or(|id| line.session_id == id))
            .cloned()
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

    #[test]
    fn finished_sessions_leave_the_active_list_but_stay_queryable() {
        let sessions = Sessions::default();
        let a = sessions.begin(Source::Chat, "hi", "Researcher", 3);
        let b = sessions.begin(Source::Control, "yo", "Analyst", 2);
        assert_eq!(sessions.active().len(), 2);
        assert!(sessions.finish(&a, Status::Completed));
        assert!(
            !sessions.finish(&a, Status::Cancelled),
            "first outcome wins"
        );
        let active = sessions.active();
        assert_eq!(active.len(), 1);
        assert_eq!(active[0].session_id, b);
        assert_eq!(sessions.get(&a).unwrap().status, Status::Completed);
    }

    #[test]
    fn finished_sessions_and_logs_are_bounded() {
        let sessions = Sessions::default();
        let first = sessions.begin(Source::Chat, "m", "Writer", 1);
        sessions.finish(&first, Status::Completed);
        for _ in 0..MAX_FINISHED_SESSIONS {
            let id = sessions.begin(Source::Chat, "m", "Writer", 1);
            sessions.finish(&id, Status::Completed);
        }
        assert!(sessions.get(&first).is_none());
        for i in 0..MAX_LOG_LINES + 10 {
            sessions.log("s", "a", i.to_string());
        }
        let logs = sessions.logs(None);
        assert_eq!(logs.len(), MAX_LOG_LINES);
        assert_eq!(logs[0].message, "10");
    }
}
