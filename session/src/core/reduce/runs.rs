//! `/ws/runs/{run_id}`: a run's boot, agents, tasks, tools and end.

use super::{percent, tool_ended_text, whole, Context};
use crate::core::agents::AgentUpdate;
use crate::core::event::RunEvent;
use crate::core::log::Summary;
use crate::core::run::{is_success, Run, RunStatus};
use crate::core::session::Session;
use crate::core::state::Part;
use crate::core::text::Text;
use crate::core::tools::{ToolContext, ToolEnding};

impl<V: Clone> Session<V> {
    pub(super) fn reduce_run(&mut self, event: RunEvent<V>, context: Context) -> Summary {
        let Context { at, session_id, run_id, stamp } = context;
        let text = match event {
            RunEvent::Boot { agents, message } => {
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
            RunEvent::AgentStart { agent_id, agent_name } => {
                let name = agent_name.unwrap_or_else(|| agent_id.clone());
                self.run_for(&run_id.unwrap_or_default(), at).name_agent(&agent_id, &name);
                let update =
                    AgentUpdate { status: Some("working".into()), session_id: Some(None), ..AgentUpdate::default() };
                self.update_agent(&name, update);
                Text::new(&name).s(" (").s(&agent_id).s(") started").done()
            }
            RunEvent::AgentEnd { agent_id, status } => {
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
            RunEvent::TaskStart { task_id, agent_id, title } => {
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
            RunEvent::TaskEnd { task_id, status } => {
                let run_id = run_id.unwrap_or_default();
                self.run_for(&run_id, at).end_task(&task_id, status.as_deref(), at, stamp);
                self.mark(Part::Run);
                Text::new("task ").s(&task_id).s(" ended: ").s(status.as_deref().unwrap_or("done")).done()
            }
            RunEvent::ToolStart { agent_id, task_id, tool, params } => {
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
            RunEvent::ToolProgress { agent_id, task_id, tool, progress, message } => {
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
            RunEvent::ToolEnd { agent_id, task_id, tool, duration_s, exit_code, status } => {
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
            RunEvent::Done { status, tools_run } => {
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
        };
        Summary::Text(text)
    }
}
