//! `/ws/stream`: a chat's agent steps, tool calls and results, progress, streamed answer,
//! charts, result, cancellation and errors.

use alloc::rc::Rc;

use super::{tool_ended_text, whole, Context};
use crate::core::agents::AgentUpdate;
use crate::core::event::ChatEvent;
use crate::core::log::Summary;
use crate::core::messages::Completion;
use crate::core::session::Session;
use crate::core::state::{ErrorEntry, Part, Progress, ResultInfo};
use crate::core::text::Text;
use crate::core::tools::{ToolContext, ToolEnding};

impl<V: Clone> Session<V> {
    pub(super) fn reduce_chat(&mut self, event: ChatEvent<V>, context: Context) -> Summary {
        let Context { at, session_id, stamp, .. } = context;
        let text = match event {
            ChatEvent::MessageDelta { message_id, delta } => {
                let id: Rc<str> = self.state.messages.append_delta(&message_id, &delta, session_id, stamp);
                self.mark(Part::Messages);
                return Summary::Delta { message_id: id, chars: delta.chars().count() };
            }
            ChatEvent::Result { message_id, content, agents_used } => {
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
            ChatEvent::AgentStep { agent, emoji, status } => {
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
            ChatEvent::ToolCall { agent, tool, args } => {
                let context = ToolContext { at, session_id, ..ToolContext::default() };
                let id = self.state.tools.start(agent.as_deref(), &tool, args, &context, stamp);
                let text =
                    Text::new(agent.as_deref().unwrap_or("an agent")).s(" calls ").s(&tool).s(" (").s(id).s(")").done();
                self.mark(Part::Tools);
                text
            }
            ChatEvent::ToolResult { agent, tool, result } => {
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
            ChatEvent::Progress { current, max } => {
                let progress = Some(Progress { current, max });
                if self.state.progress != progress {
                    self.state.progress = progress;
                    self.mark(Part::Progress);
                }
                Text::new("turn ").i(whole(current)).s(" of ").i(whole(max)).done()
            }
            ChatEvent::Chart { id, url, symbol } => {
                let text = Text::new("chart ").s(symbol.as_deref().unwrap_or(&id)).s(": ").s(&url).done();
                let changed = self.state.charts.upsert(id, url, symbol, session_id, stamp);
                self.mark_if(Part::Charts, changed);
                text
            }
            ChatEvent::Cancelled { success, reason } => {
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
            ChatEvent::Error { message } => {
                self.state.errors.push(ErrorEntry { message: message.clone(), at, session_id, version: stamp });
                self.mark(Part::Errors);
                self.set_running(false);
                message
            }
        };
        Summary::Text(text)
    }
}
