//! AG-UI (`@ag-ui/core` 1.0): text and reasoning messages, tool calls by id with arguments
//! streamed as JSON text, runs with their steps, the shared state (snapshot and JSON Patch),
//! activities; `RAW` and `CUSTOM` go to the log with the event.

use crate::prelude::*;

use super::Context;
use crate::core::agui_event::AguiEvent;
use crate::core::event::Kind;
use crate::core::json::Json;
use crate::core::json_patch;
use crate::core::log::Summary;
use crate::core::messages::{MessageStatus, Role};
use crate::core::run::{Run, RunStatus, TaskStatus};
use crate::core::session::Session;
use crate::core::state::{ErrorEntry, Part};
use crate::core::text::Text;
use crate::core::tools::{ToolContext, ToolStatus};

/// A role that is not AG-UI's is shown as the assistant's (the text is what matters).
fn role(name: Option<&str>) -> Role {
    name.and_then(Role::from_name).unwrap_or(Role::Assistant)
}

impl<V: Clone> Session<V> {
    pub(super) fn reduce_agui(&mut self, kind: Kind, event: AguiEvent<V>, context: Context) -> (Summary, Option<V>) {
        let Context { at, stamp, .. } = context;
        let text = match event {
            AguiEvent::TextContent { message_id, delta, role: r } => {
                let id = self.state.messages.append_delta_as(&message_id, role(r.as_deref()), &delta, None, stamp);
                self.mark(Part::Messages);
                return (Summary::Delta { message_id: id, chars: delta.chars().count() }, None);
            }
            AguiEvent::TextStart { message_id, role: r } => {
                let role = role(r.as_deref());
                self.state.messages.start(&message_id, role, stamp);
                self.mark(Part::Messages);
                Text::new(&message_id).s(" started (").s(role.as_str()).s(")").done()
            }
            AguiEvent::TextEnd { message_id } => {
                let known = self.state.messages.end(&message_id, stamp);
                self.mark_if(Part::Messages, known);
                if known {
                    Text::new(&message_id).s(" ended").done()
                } else {
                    Text::new(&message_id).s(" ended, never started").done()
                }
            }
            AguiEvent::TextChunk { message_id, role: r, delta } => {
                let Some(id) = message_id.or_else(|| self.state.messages.last_target_id().map(|id| String::from(&*id)))
                else {
                    return (Summary::Text("a chunk without a message id, and no message before it".into()), None);
                };
                let delta = delta.unwrap_or_default();
                let id = self.state.messages.append_delta_as(&id, role(r.as_deref()), &delta, None, stamp);
                self.mark(Part::Messages);
                return (Summary::Delta { message_id: id, chars: delta.chars().count() }, None);
            }
            AguiEvent::ToolStart { id, name, parent_message_id } => {
                let context = self.tool_context(at);
                if let Some(tool) = self.state.tools.call(&id, Some(&name), &context, stamp) {
                    tool.parent_message_id = parent_message_id;
                }
                self.mark(Part::Tools);
                Text::new(&id).s(" calls ").s(&name).done()
            }
            AguiEvent::ToolArgs { id, delta } => {
                let context = self.tool_context(at);
                if let Some(tool) = self.state.tools.call(&id, None, &context, stamp) {
                    tool.args_text.push_str(&delta);
                }
                self.mark(Part::Tools);
                Text::new(&id).s(": +").n(delta.chars().count() as u64).s(" chars of arguments").done()
            }
            AguiEvent::ToolChunk { id, name, parent_message_id, delta } => {
                let context = self.tool_context(at);
                let Some(tool) = self.state.tools.chunk_call(id.as_deref(), name.as_deref(), &context, stamp) else {
                    return (Summary::Text("a chunk without a tool call id, and no call before it".into()), None);
                };
                if parent_message_id.is_some() {
                    tool.parent_message_id = parent_message_id;
                }
                tool.args_text.push_str(delta.as_deref().unwrap_or(""));
                let text =
                    Text::new(&tool.id).s(": +").n(delta.map_or(0, |d| d.chars().count()) as u64).s(" chars").done();
                self.mark(Part::Tools);
                text
            }
            AguiEvent::ToolEnd { id } => {
                let context = self.tool_context(at);
                let closed = self.state.tools.call(&id, None, &context, stamp).map(|tool| tool.close_args(stamp));
                self.mark(Part::Tools);
                match closed {
                    Some(Err(problem)) => self.report_args(&id, &problem, at),
                    _ => Text::new(&id).s(" arguments complete").done(),
                }
            }
            AguiEvent::ToolResult { id, message_id, content, content_text } => {
                let context = self.tool_context(at);
                let mut problem = None;
                if let Some(tool) = self.state.tools.call(&id, None, &context, stamp) {
                    if tool.args_open {
                        problem = tool.close_args(stamp).err();
                    }
                    tool.result = content;
                    tool.end(ToolStatus::Done, at, stamp);
                }
                self.mark(Part::Tools);
                self.state.messages.add_complete(&message_id, Role::Tool, content_text.as_deref().unwrap_or(""), stamp);
                self.mark(Part::Messages);
                match problem {
                    Some(problem) => self.report_args(&id, &problem, at),
                    None => Text::new(&id).s(" returned").done(),
                }
            }
            AguiEvent::StateSnapshot { snapshot } => {
                let snapshot = match &self.state.agent_state {
                    Some(old) => snapshot.sharing_with(old),
                    None => snapshot,
                };
                self.set_agent_state(snapshot);
                "state snapshot".into()
            }
            AguiEvent::StateDelta { patch } => {
                let base = self.state.agent_state.clone().unwrap_or_else(Json::empty_object);
                match json_patch::apply(&base, &patch) {
                    Ok(state) => {
                        self.set_agent_state(state);
                        Text::new("state patched: ").n(patch.len() as u64).s(" operations").done()
                    }
                    Err(problem) => {
                        self.report(Text::new("STATE_DELTA did not apply, state unchanged: ").s(&problem).done(), at)
                    }
                }
            }
            AguiEvent::MessagesSnapshot { messages } => {
                let count = messages.len();
                let context = self.tool_context(at);
                let mut problems = Vec::new();
                for message in &messages {
                    for call in &message.tool_calls {
                        if let Some(tool) = self.state.tools.call(&call.id, Some(&call.name), &context, stamp) {
                            tool.parent_message_id = Some(call.parent_message_id.clone());
                            tool.args_text.clone_from(&call.arguments);
                            if let Err(problem) = tool.close_args(stamp) {
                                problems.push((call.id.clone(), problem));
                            }
                        }
                        self.mark(Part::Tools);
                    }
                }
                let list = messages.into_iter().map(|m| (m.id, role(Some(&m.role)), m.content));
                self.state.messages.replace_all(list, stamp);
                self.mark(Part::Messages);
                for (id, problem) in problems {
                    self.report_args(&id, &problem, at);
                }
                Text::new("").n(count as u64).s(" messages").done()
            }
            AguiEvent::ActivitySnapshot { message_id, activity_type, content, replace } => {
                let changed =
                    self.state.activities.snapshot(&message_id, activity_type, content, replace != Some(false), stamp);
                self.mark_if(Part::Activities, changed);
                Text::new("activity ").s(&message_id).done()
            }
            AguiEvent::ActivityDelta { message_id, activity_type, patch } => {
                match self.state.activities.patch(&message_id, activity_type, &patch, stamp) {
                    Ok(()) => {
                        self.mark(Part::Activities);
                        Text::new("activity ").s(&message_id).s(" patched").done()
                    }
                    Err(problem) => self.report(
                        Text::new("ACTIVITY_DELTA of ").s(&message_id).s(" did not apply: ").s(&problem).done(),
                        at,
                    ),
                }
            }
            AguiEvent::Reasoning { message_id, started } => {
                Text::new("reasoning ").s(&message_id).s(if started { " started" } else { " ended" }).done()
            }
            AguiEvent::RunStarted { thread_id, run_id } => {
                let mut run = Run::new(&run_id, at);
                run.thread_id = Some(thread_id.clone());
                self.state.run = Some(run);
                self.mark(Part::Run);
                self.set_running(true);
                self.set_cancelled(false);
                Text::new("run ").s(&run_id).s(" of thread ").s(&thread_id).s(" started").done()
            }
            AguiEvent::RunFinished { thread_id, run_id, result, outcome } => {
                let outcome = outcome.unwrap_or_else(|| "success".into());
                let run = self.run_for(&run_id, at);
                run.thread_id = Some(thread_id);
                run.status = RunStatus::Done;
                run.outcome = Some(outcome.clone());
                run.result = result;
                run.ended_at = at;
                run.steps.end_running(TaskStatus::Done, at, stamp);
                self.mark(Part::Run);
                self.end_run_parts(&run_id, ToolStatus::Done, MessageStatus::Complete, at);
                self.set_running(false);
                self.set_cancelled(outcome == "cancelled");
                Text::new("run ").s(&run_id).s(" finished: ").s(&outcome).done()
            }
            AguiEvent::RunError { message, code } => {
                let run = self.current_run(at);
                run.status = RunStatus::Error;
                run.error = Some(message.clone());
                run.error_code = code;
                run.ended_at = at;
                run.steps.end_running(TaskStatus::Failed, at, stamp);
                let run_id = run.id.clone();
                self.mark(Part::Run);
                self.end_run_parts(&run_id, ToolStatus::Failed, MessageStatus::Cancelled, at);
                self.set_running(false);
                self.report(message, at)
            }
            AguiEvent::StepStarted { name } => {
                self.current_run(at).steps.start(&name, at, stamp);
                self.mark(Part::Run);
                Text::new("step ").s(&name).s(" started").done()
            }
            AguiEvent::StepFinished { name } => {
                self.current_run(at).steps.end(&name, TaskStatus::Done, at, stamp);
                self.mark(Part::Run);
                Text::new("step ").s(&name).s(" finished").done()
            }
            AguiEvent::Logged { label, event } => {
                let text = match label {
                    Some(label) => Text::new(kind.name()).s(" ").s(&label).done(),
                    None => kind.name().into(),
                };
                return (Summary::Text(text), Some(event));
            }
        };
        (Summary::Text(text), None)
    }

    /// AG-UI tool calls belong to the run under way.
    fn tool_context(&self, at: Option<f64>) -> ToolContext {
        ToolContext { at, run_id: self.state.run.as_ref().map(|run| run.id.clone()), ..ToolContext::default() }
    }

    /// The run under way; steps before any `RUN_STARTED` start one without an id.
    fn current_run(&mut self, at: Option<f64>) -> &mut Run {
        if self.state.run.is_none() {
            self.mark(Part::Run);
        }
        self.state.run.get_or_insert_with(|| Run::new("", at))
    }

    fn set_agent_state(&mut self, state: Json) {
        if self.state.agent_state.as_ref() != Some(&state) {
            self.state.agent_state = Some(state);
            self.mark(Part::AgentState);
        }
    }

    /// A run's end ends what it left open: arguments never ended (chunks have no end), calls
    /// without a result, messages still streaming.
    fn end_run_parts(&mut self, run_id: &str, tools: ToolStatus, messages: MessageStatus, at: Option<f64>) {
        let stamp = self.stamp;
        let problems = self.state.tools.close_args_of_run(run_id, stamp);
        let ended = self.state.tools.end_calls_of_run(run_id, tools, at, stamp);
        self.mark_if(Part::Tools, ended || !problems.is_empty());
        for (id, problem) in problems {
            self.report_args(&id, &problem, at);
        }
        let changed = self.state.messages.end_streaming(messages, stamp) > 0;
        self.mark_if(Part::Messages, changed);
    }

    /// An entry in `errors`; returns its text for the log.
    fn report(&mut self, message: String, at: Option<f64>) -> String {
        let entry = ErrorEntry { message: message.clone(), at, session_id: None, version: self.stamp };
        self.state.errors.push(entry);
        self.mark(Part::Errors);
        message
    }

    fn report_args(&mut self, id: &str, problem: &str, at: Option<f64>) -> String {
        self.report(Text::new("tool call ").s(id).s(": the arguments are not JSON: ").s(problem).done(), at)
    }
}
