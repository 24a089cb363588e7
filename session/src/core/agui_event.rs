//! AG-UI events (`@ag-ui/core` 1.0) as plain Rust values, read with the same field rules as the
//! seed protocols (see `event`): a required field missing or any field mistyped makes the event
//! malformed. The reasoning events are the text events with the role `reasoning`, as
//! `@ag-ui/client` folds them, so they are read as such.

use crate::prelude::*;

use super::event::{Kind, Reader};
use super::fields::{EventFields, Field};
use super::json::Json;
use super::json_patch::{Op, Operation};
use super::keys::Key;
use super::text::Text;

/// A message of `MESSAGES_SNAPSHOT`.
#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotMessage {
    pub id: String,
    pub role: String,
    /// The text (a content-part array's `text` parts, joined).
    pub content: String,
    /// An assistant message's `toolCalls`.
    pub tool_calls: Vec<SnapshotToolCall>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotToolCall {
    pub id: String,
    pub name: String,
    /// `function.arguments`: JSON text.
    pub arguments: String,
    pub parent_message_id: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum AguiEvent<V> {
    /// `TEXT_MESSAGE_START`, `REASONING_MESSAGE_START` (role `reasoning`).
    TextStart {
        message_id: String,
        role: Option<String>,
    },
    TextContent {
        message_id: String,
        delta: String,
        role: Option<String>,
    },
    TextEnd {
        message_id: String,
    },
    /// Start, content and end in one, every field optional: the message goes on until another
    /// id (or the run's end).
    TextChunk {
        message_id: Option<String>,
        role: Option<String>,
        delta: Option<String>,
    },
    ToolStart {
        id: String,
        name: String,
        parent_message_id: Option<String>,
    },
    ToolArgs {
        id: String,
        delta: String,
    },
    ToolEnd {
        id: String,
    },
    ToolChunk {
        id: Option<String>,
        name: Option<String>,
        parent_message_id: Option<String>,
        delta: Option<String>,
    },
    /// `content`: a string or content parts, kept as sent.
    ToolResult {
        id: String,
        message_id: String,
        content: Option<V>,
        content_text: Option<String>,
    },
    StateSnapshot {
        snapshot: Json,
    },
    StateDelta {
        patch: Vec<Operation>,
    },
    MessagesSnapshot {
        messages: Vec<SnapshotMessage>,
    },
    ActivitySnapshot {
        message_id: String,
        activity_type: String,
        content: Json,
        replace: Option<bool>,
    },
    ActivityDelta {
        message_id: String,
        activity_type: String,
        patch: Vec<Operation>,
    },
    /// `REASONING_START` (`started`) and `REASONING_END`: a span of reasoning.
    Reasoning {
        message_id: String,
        started: bool,
    },
    RunStarted {
        thread_id: String,
        run_id: String,
    },
    RunFinished {
        thread_id: String,
        run_id: String,
        result: Option<Json>,
        outcome: Option<String>,
    },
    RunError {
        message: String,
        code: Option<String>,
    },
    StepStarted {
        name: String,
    },
    StepFinished {
        name: String,
    },
    /// `RAW`, `CUSTOM`, `REASONING_ENCRYPTED_VALUE`: for the log, with the whole event. `label`
    /// is what the summary names (the source, the custom name, the entity).
    Logged {
        label: Option<String>,
        event: V,
    },
}

const REASONING: &str = "reasoning";

fn reasoning() -> Option<String> {
    Some(REASONING.into())
}

/// Reads the event of an AG-UI `kind` (the dispatcher in `event` sends only those).
pub(crate) fn read<F: EventFields>(kind: Kind, r: &mut Reader<'_, F>) -> AguiEvent<F::Value> {
    let fields = r.fields;
    match kind {
        Kind::TextMessageContent => {
            AguiEvent::TextContent { message_id: r.text(Key::AgMessageId), delta: r.text(Key::Delta), role: None }
        }
        Kind::ReasoningMessageContent => AguiEvent::TextContent {
            message_id: r.text(Key::AgMessageId),
            delta: r.text(Key::Delta),
            role: reasoning(),
        },
        Kind::TextMessageStart => {
            AguiEvent::TextStart { message_id: r.text(Key::AgMessageId), role: r.opt_text(Key::Role) }
        }
        Kind::ReasoningMessageStart => AguiEvent::TextStart { message_id: r.text(Key::AgMessageId), role: reasoning() },
        Kind::TextMessageEnd | Kind::ReasoningMessageEnd => AguiEvent::TextEnd { message_id: r.text(Key::AgMessageId) },
        Kind::TextMessageChunk => AguiEvent::TextChunk {
            message_id: r.opt_text(Key::AgMessageId),
            role: r.opt_text(Key::Role),
            delta: r.opt_text(Key::Delta),
        },
        Kind::ReasoningMessageChunk => AguiEvent::TextChunk {
            message_id: r.opt_text(Key::AgMessageId),
            role: reasoning(),
            delta: r.opt_text(Key::Delta),
        },
        Kind::ToolCallStart => AguiEvent::ToolStart {
            id: r.text(Key::ToolCallId),
            name: r.text(Key::ToolCallName),
            parent_message_id: r.opt_text(Key::ParentMessageId),
        },
        Kind::ToolCallArgs => AguiEvent::ToolArgs { id: r.text(Key::ToolCallId), delta: r.text(Key::Delta) },
        Kind::ToolCallEnd => AguiEvent::ToolEnd { id: r.text(Key::ToolCallId) },
        Kind::ToolCallChunk => AguiEvent::ToolChunk {
            id: r.opt_text(Key::ToolCallId),
            name: r.opt_text(Key::ToolCallName),
            parent_message_id: r.opt_text(Key::ParentMessageId),
            delta: r.opt_text(Key::Delta),
        },
        Kind::ToolCallResult => AguiEvent::ToolResult {
            id: r.text(Key::ToolCallId),
            message_id: r.text(Key::AgMessageId),
            content: fields.value(Key::Content),
            content_text: fields.text(Key::Content).into_present(),
        },
        Kind::StateSnapshot => AguiEvent::StateSnapshot { snapshot: json(r, Key::Snapshot) },
        Kind::StateDelta => AguiEvent::StateDelta { patch: patch(r, Key::Delta) },
        Kind::MessagesSnapshot => AguiEvent::MessagesSnapshot { messages: messages(r) },
        Kind::ActivitySnapshot => AguiEvent::ActivitySnapshot {
            message_id: r.text(Key::AgMessageId),
            activity_type: r.text(Key::ActivityType),
            content: json(r, Key::Content),
            replace: r.opt_flag(Key::Replace),
        },
        Kind::ActivityDelta => AguiEvent::ActivityDelta {
            message_id: r.text(Key::AgMessageId),
            activity_type: r.text(Key::ActivityType),
            patch: patch(r, Key::Patch),
        },
        Kind::ReasoningStart => AguiEvent::Reasoning { message_id: r.text(Key::AgMessageId), started: true },
        Kind::ReasoningEnd => AguiEvent::Reasoning { message_id: r.text(Key::AgMessageId), started: false },
        Kind::RunStarted => AguiEvent::RunStarted { thread_id: r.text(Key::ThreadId), run_id: r.text(Key::AgRunId) },
        Kind::RunFinished => {
            let outcome = match fields.object(Key::Outcome) {
                Field::Present(outcome) => {
                    let mut inner = Reader { fields: &outcome, problem: None };
                    let kind = inner.text(Key::NestedType);
                    if let Some(problem) = inner.problem {
                        r.problem.get_or_insert(Text::new("in 'outcome': ").s(&problem).done());
                    }
                    Some(kind)
                }
                Field::Absent => None,
                Field::Wrong => {
                    r.fail(Key::Outcome, "must be an object");
                    None
                }
            };
            AguiEvent::RunFinished {
                thread_id: r.text(Key::ThreadId),
                run_id: r.text(Key::AgRunId),
                result: match fields.json(Key::Result) {
                    Field::Present(Json::Null) | Field::Absent => None,
                    Field::Present(result) => Some(result),
                    Field::Wrong => {
                        r.fail(Key::Result, "must be a JSON value");
                        None
                    }
                },
                outcome,
            }
        }
        Kind::RunError => AguiEvent::RunError { message: r.text(Key::Message), code: r.opt_text(Key::Code) },
        Kind::StepStarted => AguiEvent::StepStarted { name: r.text(Key::StepName) },
        Kind::StepFinished => AguiEvent::StepFinished { name: r.text(Key::StepName) },
        Kind::Raw => {
            if fields.value(Key::Event).is_none() {
                r.fail(Key::Event, "is missing");
            }
            AguiEvent::Logged { label: r.opt_text(Key::Source), event: fields.whole() }
        }
        Kind::Custom => AguiEvent::Logged { label: Some(r.text(Key::Name)), event: fields.whole() },
        // REASONING_ENCRYPTED_VALUE, and any AG-UI kind added to `Kind` before its reader.
        _ => AguiEvent::Logged { label: None, event: fields.whole() },
    }
}

/// A required JSON value (`null` allowed).
fn json<F: EventFields>(r: &mut Reader<'_, F>, key: Key) -> Json {
    let field = r.fields.json(key);
    r.optional(key, field, "must be a JSON value").unwrap_or_else(|| {
        r.fail(key, "is missing");
        Json::Null
    })
}

/// A JSON Patch: an array of operation objects, each with string `op` and `path`. An `op` the
/// RFC does not have is read (the patch then does not apply, which `errors` reports).
fn patch<F: EventFields>(r: &mut Reader<'_, F>, key: Key) -> Vec<Operation> {
    let items = match r.fields.list(key) {
        Field::Present(items) => items,
        Field::Absent => {
            r.fail(key, "is missing");
            return Vec::new();
        }
        Field::Wrong => {
            r.fail(key, "must be an array of JSON Patch operations");
            return Vec::new();
        }
    };
    let mut operations = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let mut inner = Reader { fields: item, problem: None };
        if !item.is_object() {
            inner.problem = Some("not an object".into());
        }
        let op_name = inner.text(Key::Op);
        let path = inner.text(Key::Path);
        let from = inner.opt_text(Key::From);
        let value = match item.json(Key::Value) {
            Field::Present(value) => Some(value),
            Field::Absent => None,
            Field::Wrong => {
                inner.fail(Key::Value, "must be a JSON value");
                None
            }
        };
        if let Some(problem) = inner.problem {
            r.problem.get_or_insert(Text::new("in operation ").n(i as u64).s(": ").s(&problem).done());
            return Vec::new();
        }
        operations.push(Operation { op: Op::from_name(&op_name), op_name, path, from, value });
    }
    operations
}

fn messages<F: EventFields>(r: &mut Reader<'_, F>) -> Vec<SnapshotMessage> {
    let items = match r.fields.list(Key::Messages) {
        Field::Present(items) => items,
        Field::Absent => {
            r.fail(Key::Messages, "is missing");
            return Vec::new();
        }
        Field::Wrong => {
            r.fail(Key::Messages, "must be an array");
            return Vec::new();
        }
    };
    let mut messages = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let mut inner = Reader { fields: item, problem: None };
        let id = inner.text(Key::Id);
        let role = inner.text(Key::Role);
        let content = match item.text(Key::Content) {
            Field::Present(text) => text,
            Field::Absent => String::new(),
            Field::Wrong => match item.list(Key::Content) {
                Field::Present(parts) => {
                    parts.iter().filter_map(|part| part.text(Key::Text).into_present()).collect::<Vec<_>>().concat()
                }
                _ => {
                    // ACTIVITY messages carry an object: kept out of the text.
                    String::new()
                }
            },
        };
        let mut tool_calls = Vec::new();
        if let Field::Present(calls) = item.list(Key::ToolCalls) {
            for call in &calls {
                let mut call_reader = Reader { fields: call, problem: None };
                let call_id = call_reader.text(Key::Id);
                let (name, arguments) = match call.object(Key::Function) {
                    Field::Present(function) => {
                        let mut f = Reader { fields: &function, problem: None };
                        let parts = (f.text(Key::Name), f.text(Key::Arguments));
                        if let Some(problem) = f.problem {
                            call_reader.problem.get_or_insert(problem);
                        }
                        parts
                    }
                    _ => {
                        call_reader.fail(Key::Function, "is missing");
                        (String::new(), String::new())
                    }
                };
                if let Some(problem) = call_reader.problem {
                    inner.problem.get_or_insert(Text::new("in 'toolCalls': ").s(&problem).done());
                }
                tool_calls.push(SnapshotToolCall { id: call_id, name, arguments, parent_message_id: id.clone() });
            }
        }
        if let Some(problem) = inner.problem {
            r.problem.get_or_insert(Text::new("in message ").n(i as u64).s(": ").s(&problem).done());
            return Vec::new();
        }
        messages.push(SnapshotMessage { id, role, content, tool_calls });
    }
    messages
}

impl<T> Field<T> {
    pub fn into_present(self) -> Option<T> {
        match self {
            Field::Present(value) => Some(value),
            _ => None,
        }
    }
}
