//! The reducer: one event in, the state updated, the versions of what changed advanced, one
//! log line written.
//!
//! Versions: every call that changes something takes the next number (`stamp`) and writes it
//! into the version of each part and item it touched. Numbers only grow and are never reused
//! (not even by `reset`), so "same version" means "same content" for a reader's cache.

use alloc::rc::Rc;

use crate::prelude::*;

use super::agents::AgentUpdate;
use super::event::{parse, Envelope, Event, Parsed};
use super::fields::EventFields;
use super::log::{LogEntry, LogType, Summary};
use super::messages::Completion;
use super::run::{is_success, Run, RunStatus};
use super::state::{ErrorEntry, Limits, Mission, Part, Progress, ResultInfo, State};
use super::text::Text;
use super::tools::{ToolContext, ToolEnding};
use super::tracking::{Collaboration, SessionList, SessionLogs};

pub struct Session<V> {
    limits: Limits,
    state: State<V>,
    parts: [u64; Part::COUNT],
    /// The stamp of the last change.
    version: u64,
    /// The stamp the call under way writes (`version + 1`).
    stamp: u64,
    user_messages: u64,
}

/// A number for summaries without float formatting (which would add kilobytes to the wasm).
fn whole(value: f64) -> i64 {
    if value.is_finite() {
        (if value < 0.0 { value - 0.5 } else { value + 0.5 }) as i64
    } else {
        0
    }
}

fn percent(fraction: f64) -> i64 {
    whole(fraction * 100.0)
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

    fn mark(&mut self, part: Part) {
        self.parts[part as usize] = self.stamp;
    }

    fn mark_if(&mut self, part: Part, changed: bool) {
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
                let summary = self.reduce(envelope);
                self.log(LogType::Known(kind), at, summary, None, false);
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

    fn set_running(&mut self, running: bool) {
        if self.state.running != running {
            self.state.running = running;
            self.mark(Part::Flags);
        }
    }

    fn set_cancelled(&mut self, cancelled: bool) {
        if self.state.cancelled != cancelled {
            self.state.cancelled = cancelled;
            self.mark(Part::Flags);
        }
    }

    /// The run `run_id`, started when it is not the current one.
    fn run_for(&mut self, run_id: &str, at: Option<f64>) -> &mut Run {
        if self.state.run.as_ref().is_none_or(|run| run.id != run_id) {
            self.state.run = Some(Run::new(run_id, at));
            self.mark(Part::Run);
        }
        // Just ensured.
        self.state.run.get_or_insert_with(|| Run::new(run_id, at))
    }

    /// An agent id of a run event as a name (its run's `agent_start` named it).
    fn run_agent_name(&self, run_id: Option<&str>, agent_id: &str) -> String {
        match &self.state.run {
            Some(run) if run_id.is_none_or(|id| id == run.id) => run.agent_name(agent_id).into(),
            _ => agent_id.into(),
        }
    }

    fn update_agent(&mut self, name: &str, update: AgentUpdate) {
        let changed = self.state.agents.update(name, update, self.stamp);
        self.mark_if(Part::Agents, changed);
    }

    /// Applies a well-formed event; returns its log summary.
    fn reduce(&mut self, envelope: Envelope<V>) -> Summary {
        let Envelope { kind: _, at, session_id, run_id, event } = envelope;
        let stamp = self.stamp;
        let text = match event {
            Event::MessageDelta { message_id, delta } => {
                let id: Rc<str> = self.state.messages.append_delta(&message_id, &delta, session_id, stamp);
                self.mark(Part::Messages);
                return Summary::Delta { message_id: id, chars: delta.chars().count() };
            }
            Event::Result { message_id, content, agents_used } => {
                let (id, completion) =
                    self.state.messages.complete(message_id.as_deref(), &content, session_id.clone(), stamp);
                self.mark(Part::Messages);
                let mut text = Text::new(&id).s(": ").n(content.chars().count() as u64).s(" chars");
                if !agents_used.is_empty() {
                    text = text.s(" by ").s(&agents_used.join(", "));
                }
                if let Completion::Replaced { streamed } = completion {
                    text = text
                        .s("; the streamed text (")
                        .n(streamed as u64)
                        .s(" bytes) differed, the result's content was kept");
                }
                let text = text.done();
                self.state.result =
                    Some(ResultInfo { message_id: id.as_ref().into(), content, agents_used, session_id });
                self.mark(Part::Result);
                self.set_running(false);
                text
            }
            Event::AgentStep { agent, emoji, status } => {
                let text = Text::new(&agent).s(": ").s(&status).done();
                if status == "working" {
                    if self.state.chat_session != session_id {
                        self.state.chat_session = session_id.clone();
                        if self.state.progress.take().is_some() {
                            self.mark(Part::Progress);
                        }
                    }
                    self.set_running(true);
                    self.set_cancelled(false);
                }
                let update =
                    AgentUpdate { emoji, status: Some(status), session_id: Some(session_id), ..AgentUpdate::default() };
                self.update_agent(&agent, update);
                text
            }
            Event::ToolCall { agent, tool, args } => {
                let context = ToolContext { at, session_id, ..ToolContext::default() };
                let id = self.state.tools.start(agent.as_deref(), &tool, args, &context, stamp);
                let text =
                    Text::new(agent.as_deref().unwrap_or("an agent")).s(" calls ").s(&tool).s(" (").s(id).s(")").done();
                self.mark(Part::Tools);
                text
            }
            Event::ToolResult { agent, tool, result } => {
                let context = ToolContext { at, session_id, ..ToolContext::default() };
                let ending = ToolEnding { result, failed: false, duration_s: None };
                let ended = self.state.tools.finish(agent.as_deref(), &tool, ending, &context, stamp);
                let text = match ended {
                    Some(call) => tool_ended_text(&call.id, call.status.as_str(), call.duration_ms),
                    None => Text::new(&tool).s(" returned").done(),
                };
                self.mark(Part::Tools);
                text
            }
            Event::Progress { current, max } => {
                let progress = Some(Progress { current, max });
                if self.state.progress != progress {
                    self.state.progress = progress;
                    self.mark(Part::Progress);
                }
                Text::new("turn ").i(whole(current)).s(" of ").i(whole(max)).done()
            }
            Event::Chart { id, url, symbol } => {
                let text = Text::new("chart ").s(symbol.as_deref().unwrap_or(&id)).s(": ").s(&url).done();
                let changed = self.state.charts.upsert(id, url, symbol, session_id, stamp);
                self.mark_if(Part::Charts, changed);
                text
            }
            Event::Cancelled { success, reason } => {
                if success == Some(false) {
                    return Summary::Text("nothing to cancel".into());
                }
                let session = session_id.as_deref();
                let messages = self.state.messages.cancel_streaming(session, stamp) > 0;
                self.mark_if(Part::Messages, messages);
                let tools = self.state.tools.cancel_running(session, at, stamp);
                self.mark_if(Part::Tools, tools);
                let agents = self.state.agents.stop_working(session, "cancelled", stamp);
                self.mark_if(Part::Agents, agents);
                // A chat superseded by a newer one: the newer one is already under way.
                let superseded = reason.as_deref() == Some("superseded");
                if !superseded {
                    self.set_running(false);
                    self.set_cancelled(true);
                }
                let text = Text::new(session.unwrap_or("the chat")).s(" cancelled");
                match reason {
                    Some(reason) => text.s(" (").s(&reason).s(")").done(),
                    None => text.done(),
                }
            }
            Event::Error { message } => {
                self.state.errors.push(ErrorEntry { message: message.clone(), at, session_id, version: stamp });
                self.mark(Part::Errors);
                self.set_running(false);
                message
            }
            Event::ActiveSessions { total, sessions } => {
                let text = Text::new("").i(whole(total)).s(" active sessions").done();
                self.state.sessions = Some(SessionList::new(total, sessions));
                self.mark(Part::Sessions);
                text
            }
            Event::SessionState { session_id, state } => {
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
            Event::SessionLogs { logs } => {
                let text = Text::new("log lines of ").s(session_id.as_deref().unwrap_or("all sessions")).done();
                self.state.session_logs = Some(SessionLogs { session_id, lines: logs });
                self.mark(Part::SessionLogs);
                text
            }
            Event::AgentStatus { agent_id, agent_name, status, progress, message } => {
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
            Event::AgentCollaboration { from, to, message } => {
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
            Event::Boot { agents, message } => {
                let id = run_id.unwrap_or_default();
                let mut run = Run::new(&id, at);
                run.agent_count = agents;
                run.message = message;
                self.state.run = Some(run);
                self.mark(Part::Run);
                match agents {
                    Some(agents) => Text::new("run ").s(&id).s(" started with ").i(whole(agents)).s(" agents").done(),
                    None => Text::new("run ").s(&id).s(" started").done(),
                }
            }
            Event::AgentStart { agent_id, agent_name } => {
                let name = agent_name.unwrap_or_else(|| agent_id.clone());
                self.run_for(&run_id.unwrap_or_default(), at).name_agent(&agent_id, &name);
                let update =
                    AgentUpdate { status: Some("working".into()), session_id: Some(None), ..AgentUpdate::default() };
                self.update_agent(&name, update);
                Text::new(&name).s(" (").s(&agent_id).s(") started").done()
            }
            Event::AgentEnd { agent_id, status } => {
                let run_id = run_id.unwrap_or_default();
                self.run_for(&run_id, at);
                let name = self.run_agent_name(Some(&run_id), &agent_id);
                let text = Text::new(&name).s(" ended: ").s(status.as_deref().unwrap_or("done")).done();
                let status =
                    if is_success(status.as_deref()) { "completed".into() } else { status.unwrap_or_default() };
                let update = AgentUpdate { status: Some(status), session_id: Some(None), ..AgentUpdate::default() };
                self.update_agent(&name, update);
                text
            }
            Event::TaskStart { task_id, agent_id, title } => {
                let run_id = run_id.unwrap_or_default();
                self.run_for(&run_id, at);
                let agent = agent_id.map(|id| self.run_agent_name(Some(&run_id), &id));
                let text = Text::new("task ").s(&task_id).s(" started: ").s(title.as_deref().unwrap_or("")).done();
                if let Some(run) = self.state.run.as_mut() {
                    run.start_task(&task_id, agent, title, at, stamp);
                }
                self.mark(Part::Run);
                text
            }
            Event::TaskEnd { task_id, status } => {
                let run_id = run_id.unwrap_or_default();
                self.run_for(&run_id, at).end_task(&task_id, status.as_deref(), at, stamp);
                self.mark(Part::Run);
                Text::new("task ").s(&task_id).s(" ended: ").s(status.as_deref().unwrap_or("done")).done()
            }
            Event::ToolStart { agent_id, task_id, tool, params } => {
                if let Some(id) = &run_id {
                    self.run_for(id, at);
                }
                let agent = agent_id.map(|id| self.run_agent_name(run_id.as_deref(), &id));
                let context = ToolContext { at, session_id, run_id, task_id };
                let id = self.state.tools.start(agent.as_deref(), &tool, params, &context, stamp);
                let text = Text::new(id).s(" started").done();
                self.mark(Part::Tools);
                text
            }
            Event::ToolProgress { agent_id, task_id, tool, progress, message } => {
                if let Some(id) = &run_id {
                    self.run_for(id, at);
                }
                let agent = agent_id.map(|id| self.run_agent_name(run_id.as_deref(), &id));
                let context = ToolContext { at, session_id, run_id, task_id };
                let call = self.state.tools.progress(agent.as_deref(), &tool, progress, message, &context, stamp);
                let mut text = Text::new(call.map_or(tool.as_str(), |call| call.id.as_str()));
                if let Some(progress) = progress {
                    text = text.s(" ").i(percent(progress)).s("%");
                }
                if let Some(message) = call.and_then(|call| call.message.as_deref()) {
                    text = text.s(": ").s(message);
                }
                let text = text.done();
                self.mark(Part::Tools);
                text
            }
            Event::ToolEnd { agent_id, task_id, tool, duration_s, exit_code, status } => {
                if let Some(id) = &run_id {
                    self.run_for(id, at);
                }
                let agent = agent_id.map(|id| self.run_agent_name(run_id.as_deref(), &id));
                let failed = !is_success(status.as_deref()) || exit_code.is_some_and(|code| code != 0.0);
                let context = ToolContext { at, session_id, run_id, task_id };
                let ending = ToolEnding { result: None, failed, duration_s };
                let text = match self.state.tools.finish(agent.as_deref(), &tool, ending, &context, stamp) {
                    Some(call) => tool_ended_text(&call.id, call.status.as_str(), call.duration_ms),
                    None => Text::new(&tool).s(" ended").done(),
                };
                self.mark(Part::Tools);
                text
            }
            Event::Done { status, tools_run } => {
                let run_id = run_id.unwrap_or_default();
                let run = self.run_for(&run_id, at);
                run.status = RunStatus::Done;
                run.outcome = status;
                run.tools_run = tools_run;
                run.ended_at = at;
                let text =
                    Text::new("run ").s(&run_id).s(" done: ").s(run.outcome.as_deref().unwrap_or("no status")).done();
                self.mark(Part::Run);
                text
            }
            Event::Signal { status, crew_id, seq } => {
                let text = Text::new(crew_id.as_deref().unwrap_or("mission")).s(": ").s(&status).done();
                let mission = Some(Mission { status, crew_id, seq, at });
                if self.state.mission != mission {
                    self.state.mission = mission;
                    self.mark(Part::Mission);
                }
                text
            }
        };
        Summary::Text(text)
    }
}

fn tool_ended_text(id: &str, status: &str, duration_ms: Option<f64>) -> String {
    match duration_ms {
        Some(ms) => Text::new(id).s(" ").s(status).s(" in ").i(whole(ms)).s(" ms").done(),
        None => Text::new(id).s(" ").s(status).done(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::event::Kind;

    #[test]
    fn whole_numbers_round_half_away_from_zero_and_ignore_non_finite() {
        assert_eq!(whole(2.5), 3);
        assert_eq!(whole(-2.5), -3);
        assert_eq!(whole(f64::NAN), 0);
        assert_eq!(percent(0.333), 33);
    }

    #[test]
    fn kinds_round_trip_through_their_names() {
        for name in ["message_delta", "agent_step", "signal", "tool_end", "done"] {
            assert_eq!(Kind::from_name(name).map(Kind::name), Some(name));
        }
        assert_eq!(Kind::from_name("ping"), None);
        for (i, kind) in Kind::ALL.iter().enumerate() {
            assert_eq!(*kind as usize, i, "{}", kind.name());
        }
    }
}
