//! The simulated agent as AG-UI (`@ag-ui/core` 1.0) events: the same script as /ws/stream
//! (`agent_script`), derived from the last user message of a `RunAgentInput`, so a run is
//! deterministic (timestamps aside) and tests can compare two runs event by event.
//!
//! `RUN_STARTED`, a `STATE_SNAPSHOT`, then per turn a step (`STEP_STARTED` … `STEP_FINISHED`)
//! holding one tool call (`TOOL_CALL_START`, its arguments as JSON text in `TOOL_CALL_ARGS`
//! deltas, `TOOL_CALL_END`, `TOOL_CALL_RESULT`) and a `STATE_DELTA` (JSON Patch) of the
//! progress; then the answer (`TEXT_MESSAGE_START`, a `TEXT_MESSAGE_CONTENT` per token,
//! `TEXT_MESSAGE_END`) and `RUN_FINISHED`.

use serde_json::{json, Value};

use crate::agent_script::Script;

/// What the simulated agent reads of a `RunAgentInput`.
#[derive(Debug, Clone, PartialEq)]
pub struct RunInput {
    pub thread_id: String,
    pub run_id: String,
    /// The last user message's text (string content, or its text parts joined).
    pub message: String,
}

/// Reads a `RunAgentInput` (`threadId`, `runId` and `messages` required, as in `@ag-ui/core`;
/// `tools`, `state`, `context`, `forwardedProps` accepted and unused).
pub fn parse_input(body: &Value) -> Result<RunInput, String> {
    let text = |key: &str| match body.get(key) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        Some(_) => Err(format!("'{key}' must be a non-empty string")),
        None => Err(format!("'{key}' is missing")),
    };
    let thread_id = text("threadId")?;
    let run_id = text("runId")?;
    let messages = body
        .get("messages")
        .and_then(Value::as_array)
        .ok_or("'messages' must be an array")?;
    let message = messages
        .iter()
        .rev()
        .find(|m| m.get("role").and_then(Value::as_str) == Some("user"))
        .map(|m| match m.get("content") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Array(parts)) => parts
                .iter()
                .filter_map(|p| p.get("text").and_then(Value::as_str))
                .collect(),
            _ => String::new(),
        })
        .unwrap_or_default();
    Ok(RunInput {
        thread_id,
        run_id,
        message,
    })
}

/// `text` in `parts` pieces of about equal length (on char boundaries), as a model streams
/// a tool call's arguments.
fn pieces(text: &str, parts: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let size = chars.len().div_ceil(parts.max(1)).max(1);
    chars.chunks(size).map(|c| c.iter().collect()).collect()
}

/// The run's events, in order: `(type, fields)`.
pub fn events(input: &RunInput, answer_tokens: Option<u64>) -> Vec<(&'static str, Value)> {
    let script = Script::for_message(&input.message, answer_tokens);
    let (thread, run) = (input.thread_id.as_str(), input.run_id.as_str());
    let tag = format!("{:08x}", script.fingerprint as u32);
    let turns = script.turns.len();
    let mut out: Vec<(&'static str, Value)> = vec![
        ("RUN_STARTED", json!({ "threadId": thread, "runId": run })),
        (
            "STATE_SNAPSHOT",
            json!({ "snapshot": { "progress": 0, "turns": turns, "agents": [], "ticker": script.ticker } }),
        ),
    ];
    for (i, turn) in script.turns.iter().enumerate() {
        let call = format!("call_{tag}_{}", i + 1);
        out.push(("STEP_STARTED", json!({ "stepName": turn.agent.name })));
        out.push((
            "TOOL_CALL_START",
            json!({ "toolCallId": call, "toolCallName": turn.tool, "parentMessageId": format!("tools_{tag}_{}", i + 1) }),
        ));
        for delta in pieces(&turn.args.to_string(), 3) {
            out.push((
                "TOOL_CALL_ARGS",
                json!({ "toolCallId": call, "delta": delta }),
            ));
        }
        out.push(("TOOL_CALL_END", json!({ "toolCallId": call })));
        out.push((
            "TOOL_CALL_RESULT",
            json!({ "messageId": format!("result_{tag}_{}", i + 1), "toolCallId": call, "content": turn.result, "role": "tool" }),
        ));
        let progress = (i + 1) as f64 / turns as f64;
        out.push((
            "STATE_DELTA",
            json!({ "delta": [
                { "op": "replace", "path": "/progress", "value": progress },
                { "op": "add", "path": "/agents/-", "value": turn.agent.name },
            ] }),
        ));
        out.push(("STEP_FINISHED", json!({ "stepName": turn.agent.name })));
    }
    let message_id = format!("msg_{tag}");
    out.push((
        "TEXT_MESSAGE_START",
        json!({ "messageId": message_id, "role": "assistant" }),
    ));
    for i in 0..script.answer_len() {
        out.push((
            "TEXT_MESSAGE_CONTENT",
            json!({ "messageId": message_id, "delta": script.answer_token(i) }),
        ));
    }
    out.push(("TEXT_MESSAGE_END", json!({ "messageId": message_id })));
    out.push((
        "RUN_FINISHED",
        json!({ "threadId": thread, "runId": run, "result": { "agentsUsed": script.agents_used() } }),
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(message: &str) -> RunInput {
        parse_input(&json!({
            "threadId": "t1", "runId": "r1", "tools": [], "state": {},
            "messages": [{ "id": "u1", "role": "user", "content": message }],
        }))
        .unwrap()
    }

    #[test]
    fn a_run_input_needs_thread_and_run_ids_and_messages() {
        assert_eq!(input("hi").message, "hi");
        assert_eq!(
            parse_input(&json!({ "runId": "r", "messages": [] })).unwrap_err(),
            "'threadId' is missing"
        );
        assert_eq!(
            parse_input(&json!({ "threadId": "t", "runId": "r" })).unwrap_err(),
            "'messages' must be an array"
        );
        let parts = json!({ "threadId": "t", "runId": "r", "messages": [
            { "id": "u", "role": "user", "content": [{ "type": "text", "text": "NVDA " }, { "type": "text", "text": "now" }] },
        ] });
        assert_eq!(parse_input(&parts).unwrap().message, "NVDA now");
    }

    #[test]
    fn tool_arguments_stream_as_json_text_and_the_run_ends_finished() {
        let events = events(&input("How is NVDA doing?"), Some(5));
        assert_eq!(events.first().map(|e| e.0), Some("RUN_STARTED"));
        assert_eq!(events.last().map(|e| e.0), Some("RUN_FINISHED"));
        let args: String = events
            .iter()
            .take_while(|e| e.0 != "TOOL_CALL_END")
            .filter(|e| e.0 == "TOOL_CALL_ARGS")
            .map(|e| e.1["delta"].as_str().unwrap().to_string())
            .collect();
        assert!(serde_json::from_str::<Value>(&args).unwrap().is_object());
        let content = events
            .iter()
            .filter(|e| e.0 == "TEXT_MESSAGE_CONTENT")
            .count();
        assert_eq!(content, 5);
        assert_eq!(
            events,
            super::events(&input("How is NVDA doing?"), Some(5)),
            "deterministic"
        );
    }
}
