//! The agents seen so far, one entry per agent name, with the latest status any endpoint
//! reported: `agent_step` (chat), `agent_status` (tracking), `agent_start`/`agent_end` (runs).
//!
//! Keyed by name because that is what all three endpoints share (tracking's `agent_id` is
//! `researcher`, a run's is `agent_1`, the chat gives only the name). An update that changes
//! nothing keeps the entry's version, so a UI row showing it does not re-render.

use crate::prelude::*;

use super::bounded::Bounded;
use super::index::Index;

#[derive(Debug, Clone, PartialEq)]
pub struct Agent {
    /// The agent's name, also its key.
    pub id: String,
    pub name: String,
    pub emoji: Option<String>,
    /// The server's word: 'working', 'completed', 'cancelled', ...
    pub status: String,
    /// 0..1, when an event gave one.
    pub progress: Option<f64>,
    pub message: Option<String>,
    pub session_id: Option<String>,
    pub version: u64,
}

/// What one event says about an agent; `None` leaves a field as it was.
#[derive(Debug, Default)]
pub struct AgentUpdate {
    pub emoji: Option<String>,
    pub status: Option<String>,
    pub progress: Option<f64>,
    pub message: Option<String>,
    /// `Some(None)`: the event belongs to no chat session (a run).
    pub session_id: Option<Option<String>>,
}

#[derive(Debug, Clone)]
pub struct Agents {
    pub list: Bounded<Agent>,
    index: Index,
}

impl Agents {
    pub fn new(limit: usize) -> Self {
        Agents { list: Bounded::new(limit), index: Index::default() }
    }

    /// Applies `update` to agent `name`, creating it (status 'idle') when first seen. True if
    /// anything changed.
    pub fn update(&mut self, name: &str, update: AgentUpdate, version: u64) -> bool {
        let (seq, created) = match self.index.get(name) {
            Some(seq) => (seq, false),
            None => {
                let (seq, evicted) = self.list.push(Agent {
                    id: name.into(),
                    name: name.into(),
                    emoji: None,
                    status: "idle".into(),
                    progress: None,
                    message: None,
                    session_id: None,
                    version,
                });
                if let Some(old) = evicted {
                    self.index.remove(&old.id);
                }
                self.index.insert(name, seq);
                (seq, true)
            }
        };
        let Some(agent) = self.list.get_mut(seq) else { return false };
        let mut changed = created;
        if let Some(emoji) = update.emoji.filter(|e| agent.emoji.as_ref() != Some(e)) {
            agent.emoji = Some(emoji);
            changed = true;
        }
        if let Some(status) = update.status.filter(|s| *s != agent.status) {
            agent.status = status;
            changed = true;
        }
        if let Some(progress) = update.progress.filter(|p| agent.progress != Some(*p)) {
            agent.progress = Some(progress);
            changed = true;
        }
        if let Some(message) = update.message.filter(|m| agent.message.as_ref() != Some(m)) {
            agent.message = Some(message);
            changed = true;
        }
        if let Some(session_id) = update.session_id.filter(|s| *s != agent.session_id) {
            agent.session_id = session_id;
            changed = true;
        }
        if changed {
            agent.version = version;
        }
        changed
    }

    /// Chat agents still 'working' become `status`: those of `session_id`, or without one,
    /// those of any chat (run agents have no session). True if any changed.
    pub fn stop_working(&mut self, session_id: Option<&str>, status: &str, version: u64) -> bool {
        let mut changed = false;
        for (_, agent) in self.list.iter_mut() {
            let in_session = match session_id {
                Some(id) => agent.session_id.as_deref() == Some(id),
                None => agent.session_id.is_some(),
            };
            if agent.status == "working" && in_session {
                agent.status = status.into();
                agent.version = version;
                changed = true;
            }
        }
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_update_that_changes_nothing_keeps_the_version() {
        let mut agents = Agents::new(10);
        let working = || AgentUpdate { status: Some("working".into()), ..AgentUpdate::default() };
        assert!(agents.update("Researcher", working(), 1));
        assert!(!agents.update("Researcher", working(), 2));
        assert_eq!(agents.list.get(0).unwrap().version, 1);
        assert!(agents.update("Researcher", AgentUpdate { progress: Some(0.5), ..AgentUpdate::default() }, 3));
        assert_eq!(agents.list.get(0).unwrap().version, 3);
    }
}
