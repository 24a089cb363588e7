//! The frozen JS objects of a snapshot, made by small JS constructors: one call per object
//! (instead of a `Reflect.set` per field), and every object of a kind gets the same shape, which
//! JS engines read fastest. Absent values are `null`, never missing (wasm-bindgen passes `None`
//! as `undefined`, hence the `?? null`).

use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = r#"
const f = Object.freeze;
export function message(id, role, content, status, sessionId) {
  return f({ id, role, content, status, sessionId: sessionId ?? null });
}
export function agent(id, name, emoji, status, progress, message, sessionId) {
  return f({
    id, name, emoji: emoji ?? null, status, progress: progress ?? null, message: message ?? null,
    sessionId: sessionId ?? null,
  });
}
export function tool(
  id, agent, name, args, result, status, progress, message, startedAt, endedAt, durationMs, sessionId, runId, taskId,
  parentMessageId, argsText,
) {
  return f({
    id, agent: agent ?? null, name, args, result, status, progress: progress ?? null, message: message ?? null,
    startedAt: startedAt ?? null, endedAt: endedAt ?? null, durationMs: durationMs ?? null,
    sessionId: sessionId ?? null, runId: runId ?? null, taskId: taskId ?? null,
    parentMessageId: parentMessageId ?? null, argsText: argsText ?? null,
  });
}
export function progress(current, max) {
  return f({ current, max });
}
export function chart(id, url, symbol, sessionId) {
  return f({ id, url, symbol: symbol ?? null, sessionId: sessionId ?? null });
}
export function task(id, agent, title, status, startedAt, endedAt) {
  return f({
    id, agent: agent ?? null, title: title ?? null, status, startedAt: startedAt ?? null, endedAt: endedAt ?? null,
  });
}
export function run(
  id, status, outcome, message, agentCount, tasks, toolsRun, startedAt, endedAt, threadId, error, errorCode, result,
  steps,
) {
  return f({
    id, status, outcome: outcome ?? null, message: message ?? null, agentCount: agentCount ?? null, tasks,
    toolsRun: toolsRun ?? null, startedAt: startedAt ?? null, endedAt: endedAt ?? null, threadId: threadId ?? null,
    error: error ?? null, errorCode: errorCode ?? null, result, steps,
  });
}
export function activity(messageId, activityType, content) {
  return f({ messageId, activityType, content });
}
export function mission(status, crewId, seq, at) {
  return f({ status, crewId: crewId ?? null, seq: seq ?? null, at: at ?? null });
}
export function sessions(total, items) {
  return f({ total, items });
}
export function sessionLogs(sessionId, lines) {
  return f({ sessionId: sessionId ?? null, lines });
}
export function collaboration(from, to, message, sessionId, at) {
  return f({ from, to, message: message ?? null, sessionId: sessionId ?? null, at: at ?? null });
}
export function result(messageId, content, agentsUsed, sessionId) {
  return f({ messageId, content, agentsUsed, sessionId: sessionId ?? null });
}
export function error(message, at, sessionId) {
  return f({ message, at: at ?? null, sessionId: sessionId ?? null });
}
export function logEntry(seq, type, at, summary, known, malformed) {
  return f({ seq, type: type ?? null, at: at ?? null, summary, known, malformed });
}
export function logEntryWithEvent(seq, type, at, summary, known, malformed, event) {
  return f({ seq, type: type ?? null, at: at ?? null, summary, known, malformed, event });
}
export function counts(events, unknown, malformed) {
  return f({ events, unknown, malformed });
}
export function snapshot(
  messages, agents, tools, progress, charts, run, mission, sessions, sessionLogs, collaborations, result, running,
  cancelled, errors, logs, counts, state, activities,
) {
  return f({
    messages, agents, tools, progress, charts, run, mission, sessions, sessionLogs, collaborations, result, running,
    cancelled, errors, logs, counts, state, activities,
  });
}
"#)]
extern "C" {
    pub fn message(id: &str, role: &str, content: &str, status: &str, session_id: Option<&str>) -> JsValue;

    pub fn agent(
        id: &str,
        name: &str,
        emoji: Option<&str>,
        status: &str,
        progress: Option<f64>,
        message: Option<&str>,
        session_id: Option<&str>,
    ) -> JsValue;

    #[allow(clippy::too_many_arguments)]
    pub fn tool(
        id: &str,
        agent: Option<&str>,
        name: &str,
        args: &JsValue,
        result: &JsValue,
        status: &str,
        progress: Option<f64>,
        message: Option<&str>,
        started_at: Option<f64>,
        ended_at: Option<f64>,
        duration_ms: Option<f64>,
        session_id: Option<&str>,
        run_id: Option<&str>,
        task_id: Option<&str>,
        parent_message_id: Option<&str>,
        args_text: Option<&str>,
    ) -> JsValue;

    pub fn progress(current: f64, max: f64) -> JsValue;

    pub fn chart(id: &str, url: &str, symbol: Option<&str>, session_id: Option<&str>) -> JsValue;

    pub fn task(
        id: &str,
        agent: Option<&str>,
        title: Option<&str>,
        status: &str,
        started_at: Option<f64>,
        ended_at: Option<f64>,
    ) -> JsValue;

    #[allow(clippy::too_many_arguments)]
    pub fn run(
        id: &str,
        status: &str,
        outcome: Option<&str>,
        message: Option<&str>,
        agent_count: Option<f64>,
        tasks: &JsValue,
        tools_run: Option<f64>,
        started_at: Option<f64>,
        ended_at: Option<f64>,
        thread_id: Option<&str>,
        error: Option<&str>,
        error_code: Option<&str>,
        result: &JsValue,
        steps: &JsValue,
    ) -> JsValue;

    pub fn activity(message_id: &str, activity_type: &str, content: &JsValue) -> JsValue;

    pub fn mission(status: &str, crew_id: Option<&str>, seq: Option<f64>, at: Option<f64>) -> JsValue;

    pub fn sessions(total: f64, items: &JsValue) -> JsValue;

    #[wasm_bindgen(js_name = sessionLogs)]
    pub fn session_logs(session_id: Option<&str>, lines: &JsValue) -> JsValue;

    pub fn collaboration(
        from: &str,
        to: &str,
        message: Option<&str>,
        session_id: Option<&str>,
        at: Option<f64>,
    ) -> JsValue;

    pub fn result(message_id: &str, content: &str, agents_used: &JsValue, session_id: Option<&str>) -> JsValue;

    pub fn error(message: &str, at: Option<f64>, session_id: Option<&str>) -> JsValue;

    #[wasm_bindgen(js_name = logEntry)]
    pub fn log_entry(
        seq: f64,
        kind: Option<&str>,
        at: Option<f64>,
        summary: &str,
        known: bool,
        malformed: bool,
    ) -> JsValue;

    #[wasm_bindgen(js_name = logEntryWithEvent)]
    pub fn log_entry_with_event(
        seq: f64,
        kind: Option<&str>,
        at: Option<f64>,
        summary: &str,
        known: bool,
        malformed: bool,
        event: &JsValue,
    ) -> JsValue;

    pub fn counts(events: f64, unknown: f64, malformed: f64) -> JsValue;

    #[allow(clippy::too_many_arguments)]
    pub fn snapshot(
        messages: &JsValue,
        agents: &JsValue,
        tools: &JsValue,
        progress: &JsValue,
        charts: &JsValue,
        run: &JsValue,
        mission: &JsValue,
        sessions: &JsValue,
        session_logs: &JsValue,
        collaborations: &JsValue,
        result: &JsValue,
        running: bool,
        cancelled: bool,
        errors: &JsValue,
        logs: &JsValue,
        counts: &JsValue,
        state: &JsValue,
        activities: &JsValue,
    ) -> JsValue;
}
