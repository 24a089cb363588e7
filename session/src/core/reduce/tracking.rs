//! `/ws/agent-tracking`: the active sessions, a session's state and logs, agent status and
//! collaboration.

use crate::prelude::*;

use super::{percent, whole, Context};
use crate::core::agents::AgentUpdate;
use crate::core::event::TrackingEvent;
use crate::core::log::Summary;
use crate::core::session::Session;
use crate::core::state::Part;
use crate::core::text::Text;
use crate::core::tracking::{Collaboration, SessionList, SessionLogs};

impl<V: Clone> Session<V> {
    pub(super) fn reduce_tracking(&mut self, event: TrackingEvent<V>, context: Context) -> Summary {
        let Context { at, session_id, stamp, .. } = context;
        let text = match event {
            TrackingEvent::ActiveSessions { total, sessions } => {
                let text = Text::new("").i(whole(total)).s(" active sessions").done();
                self.state.sessions = Some(SessionList::new(total, sessions));
                self.mark(Part::Sessions);
                text
            }
            TrackingEvent::SessionState { session_id, state } => {
                let known = state.is_some();
                self.state
                    .sessions
                    .get_or_insert_with(|| SessionList::new(0.0, Vec::new()))
                    .set_state(&session_id, state);
                self.mark(Part::Sessions);
                if known {
                    Text::new("state of ").s(&session_id).done()
                } else {
                    Text::new(&session_id).s(" is unknown to the server").done()
                }
            }
            TrackingEvent::SessionLogs { logs } => {
                let text = Text::new("log lines of ").s(session_id.as_deref().unwrap_or("all sessions")).done();
                self.state.session_logs = Some(SessionLogs { session_id, lines: logs });
                self.mark(Part::SessionLogs);
                text
            }
            TrackingEvent::AgentStatus { agent_id, agent_name, status, progress, message } => {
                let name = agent_name.or(agent_id).unwrap_or_default();
                let mut text = Text::new(&name).s(": ").s(&status);
                if let Some(progress) = progress {
                    text = text.s(" ").i(percent(progress)).s("%");
                }
                if let Some(message) = &message {
                    text = text.s(" (").s(message).s(")");
                }
                let text = text.done();
                let update = AgentUpdate {
                    status: Some(status),
                    progress,
                    message,
                    session_id: Some(session_id),
                    ..AgentUpdate::default()
                };
                self.update_agent(&name, update);
                text
            }
            TrackingEvent::AgentCollaboration { from, to, message } => {
                let mut text = Text::new(&from).s(" → ").s(&to);
                if let Some(message) = &message {
                    text = text.s(": ").s(message);
                }
                let text = text.done();
                let entry = Collaboration { from, to, message, session_id, at, version: stamp };
                self.state.collaborations.push(entry);
                self.mark(Part::Collaborations);
                text
            }
        };
        Summary::Text(text)
    }
}
