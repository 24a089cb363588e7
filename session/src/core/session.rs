//! The reducer: one event in, the state updated, the versions of what changed advanced, one
//! log line written.
//!
//! Versions: every call that changes something takes the next number (`stamp`) and writes it
//! into the version of each part and item it touched. Numbers only grow and are never reused
//! (not even by `reset`), so "same version" means "same content" for a reader's cache.

use crate::prelude::*;

use super::agents::AgentUpdate;
use super::event::{parse, Parsed};
use super::fields::EventFields;
use super::log::{LogEntry, LogType, Summary};
use super::run::Run;
use super::state::{Limits, Part, State};
use super::text::Text;

pub struct Session<V> {
    limits: Limits,
    pub(in crate::core) state: State<V>,
    parts: [u64; Part::COUNT],
    /// The stamp of the last change.
    version: u64,
    /// The stamp the call under way writes (`version + 1`).
    pub(in crate::core) stamp: u64,
    user_messages: u64,
}

impl<V: Clone> Session<V> {
    pub fn new(limits: Limits) -> Self {
        Session { limits, state: State::new(limits), parts: [0; Part::COUNT], version: 0, stamp: 1, user_messages: 0 }
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    pub fn state(&self) -> &State<V> {
        &self.state
    }

    /// Changes with every change of the state.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// The stamp of the last change to `part`.
    pub fn part_version(&self, part: Part) -> u64 {
        self.parts[part as usize]
    }

    fn begin(&mut self) {
        self.stamp = self.version + 1;
    }

    pub(in crate::core) fn mark(&mut self, part: Part) {
        self.parts[part as usize] = self.stamp;
    }

    pub(in crate::core) fn mark_if(&mut self, part: Part, changed: bool) {
        if changed {
            self.mark(part);
        }
    }

    /// Ends a call: true if it changed anything.
    fn end(&mut self) -> bool {
        let changed = self.parts.contains(&self.stamp);
        if changed {
            self.version = self.stamp;
        }
        changed
    }

    /// Parses and applies one event. True if the state changed (every event but a heartbeat
    /// changes at least the counts).
    pub fn apply<F: EventFields<Value = V>>(&mut self, fields: &F) -> bool {
        let parsed = parse(fields);
        self.apply_parsed(parsed, || fields.whole())
    }

    /// Applies a parsed event; `whole` gives the raw event for the log of unknown and malformed
    /// ones (so parsing, which may run JS getters, can happen before the state is borrowed).
    pub fn apply_parsed(&mut self, parsed: Parsed<V>, whole: impl FnOnce() -> V) -> bool {
        self.begin();
        match parsed {
            Parsed::Ignored => {}
            Parsed::Event(envelope) => {
                let kind = envelope.kind;
                let at = envelope.at;
                let (summary, event) = self.reduce(envelope);
                self.log(LogType::Known(kind), at, summary, event, false);
            }
            Parsed::Unknown { kind, at } => {
                self.state.counts.unknown += 1;
                let summary = Summary::Text(Text::new("unknown type '").s(&kind).s("'").done());
                self.log(LogType::Other(kind), at, summary, Some(whole()), false);
            }
            Parsed::Malformed { kind, at, problem } => {
                self.state.counts.malformed += 1;
                let (kind, summary) = match kind {
                    Some(kind) => {
                        let summary = Text::new("malformed '").s(&kind).s("': ").s(&problem).done();
                        (LogType::Other(kind), summary)
                    }
                    None => (LogType::Missing, Text::new("malformed event: ").s(&problem).done()),
                };
                self.log(kind, at, Summary::Text(summary), Some(whole()), true);
            }
        }
        self.end()
    }

    fn log(&mut self, kind: LogType, at: Option<f64>, summary: Summary, event: Option<V>, malformed: bool) {
        let counts = &mut self.state.counts;
        counts.events += 1;
        let seq = counts.events;
        self.mark(Part::Counts);
        if self.state.logs.limit() > 0 {
            let known = matches!(kind, LogType::Known(_));
            let version = self.stamp;
            self.state.logs.push(LogEntry { seq, kind, at, summary, known, malformed, event, version });
            self.mark(Part::Logs);
        }
    }

    /// The user's own chat message (the server does not echo it); returns its id (`user_<n>`).
    pub fn add_user_message(&mut self, text: &str) -> String {
        self.begin();
        self.user_messages += 1;
        let id = Text::new("user_").n(self.user_messages).done();
        self.state.messages.add_user(&id, text, self.stamp);
        self.mark(Part::Messages);
        self.end();
        id
    }

    /// Back to the initial state (limits kept); every part gets a new version.
    pub fn reset(&mut self) {
        self.begin();
        self.state = State::new(self.limits);
        self.parts = [self.stamp; Part::COUNT];
        self.end();
    }

    pub(in crate::core) fn set_running(&mut self, running: bool) {
        if self.state.running != running {
            self.state.running = running;
            self.mark(Part::Flags);
        }
    }

    pub(in crate::core) fn set_cancelled(&mut self, cancelled: bool) {
        if self.state.cancelled != cancelled {
            self.state.cancelled = cancelled;
            self.mark(Part::Flags);
        }
    }

    /// The run `run_id`, started when it is not the current one.
    pub(in crate::core) fn run_for(&mut self, run_id: &str, at: Option<f64>) -> &mut Run {
        if self.state.run.as_ref().is_none_or(|run| run.id != run_id) {
            self.state.run = Some(Run::new(run_id, at));
            self.mark(Part::Run);
        }
        // Just ensured.
        self.state.run.get_or_insert_with(|| Run::new(run_id, at))
    }

    /// An agent id of a run event as a name (its run's `agent_start` named it).
    pub(in crate::core) fn run_agent_name(&self, run_id: Option<&str>, agent_id: &str) -> String {
        match &self.state.run {
            Some(run) if run_id.is_none_or(|id| id == run.id) => run.agent_name(agent_id).into(),
            _ => agent_id.into(),
        }
    }

    pub(in crate::core) fn update_agent(&mut self, name: &str, update: AgentUpdate) {
        let changed = self.state.agents.update(name, update, self.stamp);
        self.mark_if(Part::Agents, changed);
    }
}

#[cfg(test)]
mod tests {
    use crate::core::event::Kind;

    #[test]
    fn kinds_round_trip_through_their_names() {
        for name in ["message_delta", "agent_step", "signal", "tool_end", "done", "TEXT_MESSAGE_CONTENT", "STATE_DELTA"]
        {
            assert_eq!(Kind::from_name(name).map(Kind::name), Some(name));
        }
        assert_eq!(Kind::from_name("ping"), None);
        for (i, kind) in Kind::ALL.iter().enumerate() {
            assert_eq!(*kind as usize, i, "{}", kind.name());
        }
    }
}
