//! What `/ws/agent-tracking` reports besides agent statuses: the sessions the server runs
//! (`active_sessions`, `session_state`), log lines (`session_logs`) and hand-overs between
//! agents (`agent_collaboration`). Session objects and log lines are kept as the server sent
//! them (JS values), not copied.

use crate::prelude::*;

use super::event::SessionItem;

/// Sessions listed at most (the server's list beyond it is cut, `total` still says how many).
pub const MAX_SESSION_ITEMS: usize = 500;

/// The sessions the server reported: `active_sessions` replaces the list; `session_state`
/// updates one entry (adds it when new, removes it when the server does not know it).
#[derive(Debug, Clone, PartialEq)]
pub struct SessionList<V> {
    pub total: f64,
    pub items: Vec<SessionItem<V>>,
}

impl<V> SessionList<V> {
    pub fn new(total: f64, mut items: Vec<SessionItem<V>>) -> Self {
        items.truncate(MAX_SESSION_ITEMS);
        SessionList { total, items }
    }

    /// `state: None` removes the session. Returns whether the session was listed before.
    pub fn set_state(&mut self, session_id: &str, state: Option<V>) -> bool {
        let index = self.items.iter().position(|item| item.session_id.as_deref() == Some(session_id));
        let listed = index.is_some();
        match (index, state) {
            (Some(i), Some(value)) => self.items[i].value = value,
            (Some(i), None) => {
                self.items.remove(i);
            }
            (None, Some(value)) if self.items.len() < MAX_SESSION_ITEMS => {
                self.items.push(SessionItem { session_id: Some(session_id.into()), value });
            }
            (None, _) => {}
        }
        self.total = self.items.len() as f64;
        listed
    }
}

/// The answer to the last `get_session_logs`.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionLogs<V> {
    pub session_id: Option<String>,
    pub lines: Option<V>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Collaboration {
    pub from: String,
    pub to: String,
    pub message: Option<String>,
    pub session_id: Option<String>,
    pub at: Option<f64>,
    pub version: u64,
}
