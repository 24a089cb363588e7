//! The snapshot JS reads: frozen objects built from the core's state, reusing every object
//! whose part or item version did not move. Between changes the same snapshot object is
//! returned; after one `message_delta`, only `messages` (and in it the one message), `logs` and
//! `counts` are new.

use js_sys::Array;
use wasm_bindgen::JsValue;

use super::cache::{ItemCache, PartCache};
use super::json_value::JsonObjects;
use super::objects;
use crate::core::log::LogEntry;
use crate::core::{Part, Session};

#[derive(Default)]
pub struct View {
    /// The session version the last snapshot shows, and the snapshot.
    built: Option<(u64, JsValue)>,
    parts: [PartCache; Part::COUNT],
    messages: ItemCache,
    agents: ItemCache,
    tools: ItemCache,
    charts: ItemCache,
    tasks: ItemCache,
    collaborations: ItemCache,
    errors: ItemCache,
    logs: ItemCache,
    steps: ItemCache,
    activities: ItemCache,
    /// The JS objects of the JSON the core holds (state, activities, AG-UI tool arguments, run
    /// results), by node.
    json: JsonObjects,
}

fn or_null(value: &Option<JsValue>) -> JsValue {
    value.clone().unwrap_or(JsValue::NULL)
}

fn log_object(entry: &LogEntry<JsValue>) -> JsValue {
    let summary = entry.summary.to_text();
    let seq = entry.seq as f64;
    match &entry.event {
        Some(event) => objects::log_entry_with_event(
            seq,
            entry.type_name(),
            entry.at,
            &summary,
            entry.known,
            entry.malformed,
            event,
        ),
        None => objects::log_entry(seq, entry.type_name(), entry.at, &summary, entry.known, entry.malformed),
    }
}

impl View {
    pub fn snapshot(&mut self, session: &Session<JsValue>) -> JsValue {
        if let Some((version, snapshot)) = &self.built {
            if *version == session.version() {
                return snapshot.clone();
            }
        }
        let state = session.state();
        let version = |part: Part| session.part_version(part);
        let View {
            parts,
            messages,
            agents,
            tools,
            charts,
            tasks,
            collaborations,
            errors,
            logs,
            steps,
            activities,
            json,
            ..
        } = self;
        // In `Part` order.
        let [p_messages, p_agents, p_tools, p_progress, p_charts, p_run, p_mission, p_sessions, p_session_logs, p_collaborations, p_result, _flags, p_errors, p_logs, p_counts, p_state, p_activities] =
            parts;
        let json_before = (p_tools.version(), p_run.version(), p_state.version(), p_activities.version());

        let messages = p_messages.get(version(Part::Messages), || {
            let items = state.messages.list.iter().map(|(seq, m)| (seq, m.version, m));
            messages.array(items, |m| {
                objects::message(&m.id, m.role.as_str(), &m.content, m.status.as_str(), m.session_id.as_deref())
            })
        });
        let agents = p_agents.get(version(Part::Agents), || {
            let items = state.agents.list.iter().map(|(seq, a)| (seq, a.version, a));
            agents.array(items, |a| {
                objects::agent(
                    &a.id,
                    &a.name,
                    a.emoji.as_deref(),
                    &a.status,
                    a.progress,
                    a.message.as_deref(),
                    a.session_id.as_deref(),
                )
            })
        });
        let tools = p_tools.get(version(Part::Tools), || {
            let items = state.tools.list.iter().map(|(seq, t)| (seq, t.version, t));
            tools.array(items, |t| {
                objects::tool(
                    &t.id,
                    t.agent.as_deref(),
                    &t.name,
                    &match &t.parsed_args {
                        Some(args) => json.get(args),
                        None => or_null(&t.args),
                    },
                    &or_null(&t.result),
                    t.status.as_str(),
                    t.progress,
                    t.message.as_deref(),
                    t.started_at,
                    t.ended_at,
                    t.duration_ms,
                    t.session_id.as_deref(),
                    t.run_id.as_deref(),
                    t.task_id.as_deref(),
                    t.parent_message_id.as_deref(),
                    t.call_id.as_ref().map(|_| t.args_text.as_str()),
                )
            })
        });
        let progress = p_progress.get(version(Part::Progress), || match &state.progress {
            Some(p) => objects::progress(p.current, p.max),
            None => JsValue::NULL,
        });
        let charts = p_charts.get(version(Part::Charts), || {
            let items = state.charts.list.iter().map(|(seq, c)| (seq, c.version, c));
            charts.array(items, |c| objects::chart(&c.id, &c.url, c.symbol.as_deref(), c.session_id.as_deref()))
        });
        let run = p_run.get(version(Part::Run), || match &state.run {
            Some(run) => {
                let items = run.tasks.iter().map(|(seq, t)| (seq, t.version, t));
                let task_list = tasks.array(items, |t| {
                    objects::task(
                        &t.id,
                        t.agent.as_deref(),
                        t.title.as_deref(),
                        t.status.as_str(),
                        t.started_at,
                        t.ended_at,
                    )
                });
                objects::run(
                    &run.id,
                    run.status.as_str(),
                    run.outcome.as_deref(),
                    run.message.as_deref(),
                    run.agent_count,
                    &task_list,
                    run.tools_run,
                    run.started_at,
                    run.ended_at,
                    run.thread_id.as_deref(),
                    run.error.as_deref(),
                    run.error_code.as_deref(),
                    &run.result.as_ref().map_or(JsValue::NULL, |result| json.get(result)),
                    &steps.array(run.steps.list.iter().map(|(seq, t)| (seq, t.version, t)), |t| {
                        objects::task(&t.id, None, None, t.status.as_str(), t.started_at, t.ended_at)
                    }),
                )
            }
            None => JsValue::NULL,
        });
        let mission = p_mission.get(version(Part::Mission), || match &state.mission {
            Some(m) => objects::mission(&m.status, m.crew_id.as_deref(), m.seq, m.at),
            None => JsValue::NULL,
        });
        let sessions = p_sessions.get(version(Part::Sessions), || match &state.sessions {
            Some(list) => {
                let items = Array::new_with_length(list.items.len() as u32);
                for (i, item) in list.items.iter().enumerate() {
                    items.set(i as u32, item.value.clone());
                }
                objects::sessions(list.total, &js_sys::Object::freeze(&items))
            }
            None => JsValue::NULL,
        });
        let session_logs = p_session_logs.get(version(Part::SessionLogs), || match &state.session_logs {
            Some(logs) => objects::session_logs(logs.session_id.as_deref(), &or_null(&logs.lines)),
            None => JsValue::NULL,
        });
        let collaborations = p_collaborations.get(version(Part::Collaborations), || {
            let items = state.collaborations.iter().map(|(seq, c)| (seq, c.version, c));
            collaborations.array(items, |c| {
                objects::collaboration(&c.from, &c.to, c.message.as_deref(), c.session_id.as_deref(), c.at)
            })
        });
        let result = p_result.get(version(Part::Result), || match &state.result {
            Some(r) => {
                let agents_used = Array::new();
                for agent in &r.agents_used {
                    agents_used.push(&JsValue::from_str(agent));
                }
                objects::result(
                    &r.message_id,
                    &r.content,
                    &js_sys::Object::freeze(&agents_used),
                    r.session_id.as_deref(),
                )
            }
            None => JsValue::NULL,
        });
        let errors = p_errors.get(version(Part::Errors), || {
            let items = state.errors.iter().map(|(seq, e)| (seq, e.version, e));
            errors.array(items, |e| objects::error(&e.message, e.at, e.session_id.as_deref()))
        });
        let logs = p_logs.get(version(Part::Logs), || {
            let items = state.logs.iter().map(|(seq, entry)| (seq, entry.version, entry));
            logs.array(items, log_object)
        });
        let counts = p_counts.get(version(Part::Counts), || {
            let c = state.counts;
            objects::counts(c.events as f64, c.unknown as f64, c.malformed as f64)
        });

        let agent_state = p_state.get(version(Part::AgentState), || match &state.agent_state {
            Some(agent_state) => json.get(agent_state),
            None => JsValue::NULL,
        });
        let activity_list = p_activities.get(version(Part::Activities), || {
            let items = state.activities.list.iter().map(|(seq, a)| (seq, a.version, a));
            activities.array(items, |a| objects::activity(&a.message_id, &a.activity_type, &json.get(&a.content)))
        });
        if json_before != (p_tools.version(), p_run.version(), p_state.version(), p_activities.version()) {
            json.prune();
        }

        let snapshot = objects::snapshot(
            &messages,
            &agents,
            &tools,
            &progress,
            &charts,
            &run,
            &mission,
            &sessions,
            &session_logs,
            &collaborations,
            &result,
            state.running,
            state.cancelled,
            &errors,
            &logs,
            &counts,
            &agent_state,
            &activity_list,
        );
        self.built = Some((session.version(), snapshot.clone()));
        snapshot
    }
}
