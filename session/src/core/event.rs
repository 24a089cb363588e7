//! Server events as plain Rust values, and the parser that reads them from field values.
//!
//! Field rules: a required field that is missing, or any field (required or not) of the wrong
//! type, makes the event malformed; `null` counts as missing. Nothing here panics: whatever the
//! input, the answer is an event, an unknown type, a malformed event or an ignored heartbeat.

use crate::prelude::*;

use super::agui_event::AguiEvent;
use super::fields::{EventFields, Field, TypeField};
use super::keys::Key;
use super::text::Text;
use super::timestamp::parse_iso8601;

/// The event types the reducer understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    // /ws/stream
    AgentStep,
    ToolCall,
    ToolResult,
    Progress,
    MessageDelta,
    Chart,
    Result,
    Cancelled,
    Error,
    // /ws/agent-tracking
    ActiveSessions,
    SessionState,
    SessionLogs,
    AgentStatus,
    AgentCollaboration,
    // /ws/runs
    Boot,
    AgentStart,
    AgentEnd,
    TaskStart,
    TaskEnd,
    ToolStart,
    ToolProgress,
    ToolEnd,
    Done,
    // /ws/mission
    Signal,
    // AG-UI (`@ag-ui/core` 1.0): its SCREAMING_CASE types, camelCase fields
    TextMessageStart,
    TextMessageContent,
    TextMessageEnd,
    TextMessageChunk,
    ToolCallStart,
    ToolCallArgs,
    ToolCallEnd,
    ToolCallChunk,
    ToolCallResult,
    StateSnapshot,
    StateDelta,
    MessagesSnapshot,
    ActivitySnapshot,
    ActivityDelta,
    Raw,
    Custom,
    RunStarted,
    RunFinished,
    RunError,
    StepStarted,
    StepFinished,
    ReasoningStart,
    ReasoningMessageStart,
    ReasoningMessageContent,
    ReasoningMessageEnd,
    ReasoningMessageChunk,
    ReasoningEnd,
    ReasoningEncryptedValue,
}

impl Kind {
    /// Every kind; `Kind::ALL[k as usize] == k` (the web glue passes kinds as indexes).
    pub const ALL: [Kind; 52] = [
        Kind::AgentStep,
        Kind::ToolCall,
        Kind::ToolResult,
        Kind::Progress,
        Kind::MessageDelta,
        Kind::Chart,
        Kind::Result,
        Kind::Cancelled,
        Kind::Error,
        Kind::ActiveSessions,
        Kind::SessionState,
        Kind::SessionLogs,
        Kind::AgentStatus,
        Kind::AgentCollaboration,
        Kind::Boot,
        Kind::AgentStart,
        Kind::AgentEnd,
        Kind::TaskStart,
        Kind::TaskEnd,
        Kind::ToolStart,
        Kind::ToolProgress,
        Kind::ToolEnd,
        Kind::Done,
        Kind::Signal,
        Kind::TextMessageStart,
        Kind::TextMessageContent,
        Kind::TextMessageEnd,
        Kind::TextMessageChunk,
        Kind::ToolCallStart,
        Kind::ToolCallArgs,
        Kind::ToolCallEnd,
        Kind::ToolCallChunk,
        Kind::ToolCallResult,
        Kind::StateSnapshot,
        Kind::StateDelta,
        Kind::MessagesSnapshot,
        Kind::ActivitySnapshot,
        Kind::ActivityDelta,
        Kind::Raw,
        Kind::Custom,
        Kind::RunStarted,
        Kind::RunFinished,
        Kind::RunError,
        Kind::StepStarted,
        Kind::StepFinished,
        Kind::ReasoningStart,
        Kind::ReasoningMessageStart,
        Kind::ReasoningMessageContent,
        Kind::ReasoningMessageEnd,
        Kind::ReasoningMessageChunk,
        Kind::ReasoningEnd,
        Kind::ReasoningEncryptedValue,
    ];

    /// AG-UI's kinds, folded by `reduce::agui`.
    pub const fn is_agui(self) -> bool {
        self as usize >= Kind::TextMessageStart as usize
    }

    /// The `type` the server sends.
    pub const fn name(self) -> &'static str {
        match self {
            Kind::AgentStep => "agent_step",
            Kind::ToolCall => "tool_call",
            Kind::ToolResult => "tool_result",
            Kind::Progress => "progress",
            Kind::MessageDelta => "message_delta",
            Kind::Chart => "chart",
            Kind::Result => "result",
            Kind::Cancelled => "cancelled",
            Kind::Error => "error",
            Kind::ActiveSessions => "active_sessions",
            Kind::SessionState => "session_state",
            Kind::SessionLogs => "session_logs",
            Kind::AgentStatus => "agent_status",
            Kind::AgentCollaboration => "agent_collaboration",
            Kind::Boot => "boot",
            Kind::AgentStart => "agent_start",
            Kind::AgentEnd => "agent_end",
            Kind::TaskStart => "task_start",
            Kind::TaskEnd => "task_end",
            Kind::ToolStart => "tool_start",
            Kind::ToolProgress => "tool_progress",
            Kind::ToolEnd => "tool_end",
            Kind::Done => "done",
            Kind::Signal => "signal",
            Kind::TextMessageStart => "TEXT_MESSAGE_START",
            Kind::TextMessageContent => "TEXT_MESSAGE_CONTENT",
            Kind::TextMessageEnd => "TEXT_MESSAGE_END",
            Kind::TextMessageChunk => "TEXT_MESSAGE_CHUNK",
            Kind::ToolCallStart => "TOOL_CALL_START",
            Kind::ToolCallArgs => "TOOL_CALL_ARGS",
            Kind::ToolCallEnd => "TOOL_CALL_END",
            Kind::ToolCallChunk => "TOOL_CALL_CHUNK",
            Kind::ToolCallResult => "TOOL_CALL_RESULT",
            Kind::StateSnapshot => "STATE_SNAPSHOT",
            Kind::StateDelta => "STATE_DELTA",
            Kind::MessagesSnapshot => "MESSAGES_SNAPSHOT",
            Kind::ActivitySnapshot => "ACTIVITY_SNAPSHOT",
            Kind::ActivityDelta => "ACTIVITY_DELTA",
            Kind::Raw => "RAW",
            Kind::Custom => "CUSTOM",
            Kind::RunStarted => "RUN_STARTED",
            Kind::RunFinished => "RUN_FINISHED",
            Kind::RunError => "RUN_ERROR",
            Kind::StepStarted => "STEP_STARTED",
            Kind::StepFinished => "STEP_FINISHED",
            Kind::ReasoningStart => "REASONING_START",
            Kind::ReasoningMessageStart => "REASONING_MESSAGE_START",
            Kind::ReasoningMessageContent => "REASONING_MESSAGE_CONTENT",
            Kind::ReasoningMessageEnd => "REASONING_MESSAGE_END",
            Kind::ReasoningMessageChunk => "REASONING_MESSAGE_CHUNK",
            Kind::ReasoningEnd => "REASONING_END",
            Kind::ReasoningEncryptedValue => "REASONING_ENCRYPTED_VALUE",
        }
    }

    pub fn from_name(name: &str) -> Option<Kind> {
        // The hot path (a stream of deltas) answers on the first comparison.
        if name == "message_delta" {
            return Some(Kind::MessageDelta);
        }
        if name == "TEXT_MESSAGE_CONTENT" {
            return Some(Kind::TextMessageContent);
        }
        Kind::ALL.iter().copied().find(|kind| kind.name() == name)
    }
}

/// Heartbeat frames: transport business, not agent events. Neither counted nor logged.
pub const HEARTBEAT_TYPES: [&str; 2] = ["ping", "pong"];

/// One element of `active_sessions.data.sessions`: kept as is, with its id to find it again.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionItem<V> {
    pub session_id: Option<String>,
    pub value: V,
}

/// What an event says, per protocol family (each folded by its own module of `reduce`).
/// Envelope fields (timestamp, session and run ids) are in [`Envelope`].
#[derive(Debug, Clone, PartialEq)]
pub enum Event<V> {
    Chat(ChatEvent<V>),
    Tracking(TrackingEvent<V>),
    Run(RunEvent<V>),
    Mission(MissionEvent),
    Agui(AguiEvent<V>),
}

/// `/ws/stream`: a chat.
#[derive(Debug, Clone, PartialEq)]
pub enum ChatEvent<V> {
    AgentStep { agent: String, emoji: Option<String>, status: String },
    ToolCall { agent: Option<String>, tool: String, args: Option<V> },
    ToolResult { agent: Option<String>, tool: String, result: Option<V> },
    Progress { current: f64, max: f64 },
    MessageDelta { message_id: String, delta: String },
    Chart { id: String, url: String, symbol: Option<String> },
    Result { message_id: Option<String>, content: String, agents_used: Vec<String> },
    Cancelled { success: Option<bool>, reason: Option<String> },
    Error { message: String },
}

/// `/ws/agent-tracking`.
#[derive(Debug, Clone, PartialEq)]
pub enum TrackingEvent<V> {
    ActiveSessions {
        total: f64,
        sessions: Vec<SessionItem<V>>,
    },
    /// `state: None`: the server does not know the session (it sent `null`).
    SessionState {
        session_id: String,
        state: Option<V>,
    },
    SessionLogs {
        logs: Option<V>,
    },
    AgentStatus {
        agent_id: Option<String>,
        agent_name: Option<String>,
        status: String,
        progress: Option<f64>,
        message: Option<String>,
    },
    AgentCollaboration {
        from: String,
        to: String,
        message: Option<String>,
    },
}

/// `/ws/runs/{run_id}`.
#[derive(Debug, Clone, PartialEq)]
pub enum RunEvent<V> {
    Boot {
        agents: Option<f64>,
        message: Option<String>,
    },
    AgentStart {
        agent_id: String,
        agent_name: Option<String>,
    },
    AgentEnd {
        agent_id: String,
        status: Option<String>,
    },
    TaskStart {
        task_id: String,
        agent_id: Option<String>,
        title: Option<String>,
    },
    TaskEnd {
        task_id: String,
        status: Option<String>,
    },
    ToolStart {
        agent_id: Option<String>,
        task_id: Option<String>,
        tool: String,
        params: Option<V>,
    },
    ToolProgress {
        agent_id: Option<String>,
        task_id: Option<String>,
        tool: String,
        progress: Option<f64>,
        message: Option<String>,
    },
    ToolEnd {
        agent_id: Option<String>,
        task_id: Option<String>,
        tool: String,
        duration_s: Option<f64>,
        exit_code: Option<f64>,
        status: Option<String>,
    },
    Done {
        status: Option<String>,
        tools_run: Option<f64>,
    },
}

/// `/ws/mission`.
#[derive(Debug, Clone, PartialEq)]
pub enum MissionEvent {
    Signal { status: String, crew_id: Option<String>, seq: Option<f64> },
}

/// A well-formed event with the fields every type may carry.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope<V> {
    pub kind: Kind,
    /// `timestamp` as epoch ms (an ISO 8601 string, or a number taken as epoch ms).
    pub at: Option<f64>,
    pub session_id: Option<String>,
    /// Required for run events (`boot` … `done`, except the tool events), optional elsewhere.
    pub run_id: Option<String>,
    pub event: Event<V>,
}

/// The parser's verdict on one input.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed<V> {
    Event(Envelope<V>),
    /// A heartbeat (`ping`, `pong`).
    Ignored,
    /// A `type` the reducer does not know.
    Unknown {
        kind: String,
        at: Option<f64>,
    },
    /// Not an object, no string `type`, or a known type with missing or mistyped fields.
    /// `kind` is the `type` when there is one.
    Malformed {
        kind: Option<String>,
        at: Option<f64>,
        problem: String,
    },
}

/// Reads fields, remembering the first problem instead of stopping at it.
pub(crate) struct Reader<'a, F> {
    pub(crate) fields: &'a F,
    pub(crate) problem: Option<String>,
}

impl<F: EventFields> Reader<'_, F> {
    pub(crate) fn fail(&mut self, key: Key, what: &str) {
        if self.problem.is_none() {
            self.problem = Some(Text::new("'").s(key.name()).s("' ").s(what).done());
        }
    }

    pub(crate) fn optional<T>(&mut self, key: Key, field: Field<T>, expected: &str) -> Option<T> {
        match field {
            Field::Present(value) => Some(value),
            Field::Absent => None,
            Field::Wrong => {
                self.fail(key, expected);
                None
            }
        }
    }

    pub(crate) fn required<T: Default>(&mut self, key: Key, field: Field<T>, expected: &str) -> T {
        match field {
            Field::Present(value) => value,
            Field::Absent => {
                self.fail(key, "is missing");
                T::default()
            }
            Field::Wrong => {
                self.fail(key, expected);
                T::default()
            }
        }
    }

    pub(crate) fn text(&mut self, key: Key) -> String {
        let field = self.fields.text(key);
        self.required(key, field, "must be a string")
    }

    pub(crate) fn opt_text(&mut self, key: Key) -> Option<String> {
        let field = self.fields.text(key);
        self.optional(key, field, "must be a string")
    }

    pub(crate) fn number(&mut self, key: Key) -> f64 {
        let field = self.fields.number(key);
        self.required(key, field, "must be a number")
    }

    pub(crate) fn opt_number(&mut self, key: Key) -> Option<f64> {
        let field = self.fields.number(key);
        self.optional(key, field, "must be a number")
    }

    pub(crate) fn opt_flag(&mut self, key: Key) -> Option<bool> {
        let field = self.fields.flag(key);
        self.optional(key, field, "must be a boolean")
    }

    pub(crate) fn texts(&mut self, key: Key) -> Vec<String> {
        match self.fields.list(key) {
            Field::Absent => Vec::new(),
            Field::Present(items) => {
                let texts: Option<Vec<String>> = items.iter().map(F::as_text).collect();
                texts.unwrap_or_else(|| {
                    self.fail(key, "must be an array of strings");
                    Vec::new()
                })
            }
            Field::Wrong => {
                self.fail(key, "must be an array of strings");
                Vec::new()
            }
        }
    }

    pub(crate) fn object(&mut self, key: Key) -> Option<F> {
        let field = self.fields.object(key);
        match field {
            Field::Present(object) => Some(object),
            Field::Absent => {
                self.fail(key, "is missing");
                None
            }
            Field::Wrong => {
                self.fail(key, "must be an object");
                None
            }
        }
    }
}

fn timestamp<F: EventFields>(fields: &F) -> Option<f64> {
    match fields.read_text(Key::Timestamp, parse_iso8601) {
        Field::Present(at) => at,
        _ => match fields.number(Key::Timestamp) {
            Field::Present(ms) => Some(ms),
            _ => None,
        },
    }
}

/// Reads one event. Never fails: see [`Parsed`].
pub fn parse<F: EventFields>(fields: &F) -> Parsed<F::Value> {
    let kind = match fields.type_of() {
        TypeField::Known(kind) => kind,
        TypeField::NotObject => return Parsed::Malformed { kind: None, at: None, problem: "not an object".into() },
        TypeField::Absent => {
            return Parsed::Malformed { kind: None, at: timestamp(fields), problem: "no 'type'".into() }
        }
        TypeField::Wrong => {
            return Parsed::Malformed { kind: None, at: timestamp(fields), problem: "'type' must be a string".into() };
        }
        TypeField::Other(name) if HEARTBEAT_TYPES.contains(&name.as_str()) => return Parsed::Ignored,
        TypeField::Other(name) => return Parsed::Unknown { at: timestamp(fields), kind: name },
    };
    let at = timestamp(fields);
    let mut r = Reader { fields, problem: None };
    let session_id = r.opt_text(Key::SessionId);
    let run_id = match kind {
        _ if is_run_event(kind) => Some(r.text(Key::RunId)),
        Kind::ToolStart | Kind::ToolProgress | Kind::ToolEnd => r.opt_text(Key::RunId),
        // Only run events are about runs; the hot path (deltas) reads one field less.
        _ => None,
    };
    let event = read_event(kind, &mut r);
    match r.problem {
        Some(problem) => Parsed::Malformed { kind: Some(kind.name().into()), at, problem },
        None => Parsed::Event(Envelope { kind, at, session_id, run_id, event }),
    }
}

/// Run lifecycle events name their run; a tool event is understood without one.
fn is_run_event(kind: Kind) -> bool {
    matches!(kind, Kind::Boot | Kind::AgentStart | Kind::AgentEnd | Kind::TaskStart | Kind::TaskEnd | Kind::Done)
}

fn read_event<F: EventFields>(kind: Kind, r: &mut Reader<'_, F>) -> Event<F::Value> {
    let fields = r.fields;
    match kind {
        Kind::MessageDelta => {
            Event::Chat(ChatEvent::MessageDelta { message_id: r.text(Key::MessageId), delta: r.text(Key::Delta) })
        }
        Kind::AgentStep => Event::Chat(ChatEvent::AgentStep {
            agent: r.text(Key::Agent),
            emoji: r.opt_text(Key::Emoji),
            status: r.text(Key::Status),
        }),
        Kind::ToolCall => Event::Chat(ChatEvent::ToolCall {
            agent: r.opt_text(Key::Agent),
            tool: r.text(Key::ToolName),
            args: fields.value(Key::Args),
        }),
        Kind::ToolResult => Event::Chat(ChatEvent::ToolResult {
            agent: r.opt_text(Key::Agent),
            tool: r.text(Key::ToolName),
            result: fields.value(Key::Result),
        }),
        Kind::Progress => {
            Event::Chat(ChatEvent::Progress { current: r.number(Key::CurrentTurn), max: r.number(Key::MaxTurns) })
        }
        Kind::Chart => Event::Chat(ChatEvent::Chart {
            id: r.text(Key::ChartId),
            url: r.text(Key::Url),
            symbol: r.opt_text(Key::Symbol),
        }),
        Kind::Result => Event::Chat(ChatEvent::Result {
            message_id: r.opt_text(Key::MessageId),
            content: r.text(Key::Content),
            agents_used: r.texts(Key::AgentsUsed),
        }),
        Kind::Cancelled => {
            Event::Chat(ChatEvent::Cancelled { success: r.opt_flag(Key::Success), reason: r.opt_text(Key::Reason) })
        }
        Kind::Error => Event::Chat(ChatEvent::Error {
            message: r.opt_text(Key::Message).unwrap_or_else(|| "unknown error".into()),
        }),
        Kind::ActiveSessions => {
            let (mut total, mut sessions) = (0.0, Vec::new());
            if let Some(data) = r.object(Key::Data) {
                let mut inner = Reader { fields: &data, problem: None };
                total = inner.number(Key::TotalSessions);
                match data.list(Key::Sessions) {
                    Field::Present(items) => {
                        for item in items {
                            let session_id = match item.text(Key::SessionId) {
                                Field::Present(id) => Some(id),
                                _ => None,
                            };
                            sessions.push(SessionItem { session_id, value: item.whole() });
                        }
                    }
                    Field::Absent => inner.fail(Key::Sessions, "is missing"),
                    Field::Wrong => inner.fail(Key::Sessions, "must be an array"),
                }
                if let Some(problem) = inner.problem {
                    r.problem.get_or_insert(Text::new("in 'data': ").s(&problem).done());
                }
            }
            Event::Tracking(TrackingEvent::ActiveSessions { total, sessions })
        }
        Kind::SessionState => {
            let session_id = r.text(Key::SessionId);
            let state = match fields.object(Key::State) {
                Field::Present(state) => Some(state.whole()),
                Field::Absent => None,
                Field::Wrong => {
                    r.fail(Key::State, "must be an object or null");
                    None
                }
            };
            Event::Tracking(TrackingEvent::SessionState { session_id, state })
        }
        Kind::SessionLogs => Event::Tracking(TrackingEvent::SessionLogs { logs: fields.value(Key::Logs) }),
        Kind::AgentStatus => {
            let agent_id = r.opt_text(Key::AgentId);
            let agent_name = r.opt_text(Key::AgentName);
            if agent_id.is_none() && agent_name.is_none() {
                r.fail(Key::AgentName, "is missing (and so is 'agent_id')");
            }
            Event::Tracking(TrackingEvent::AgentStatus {
                agent_id,
                agent_name,
                status: r.text(Key::Status),
                progress: r.opt_number(Key::Progress),
                message: r.opt_text(Key::Message),
            })
        }
        Kind::AgentCollaboration => Event::Tracking(TrackingEvent::AgentCollaboration {
            from: r.text(Key::FromAgent),
            to: r.text(Key::ToAgent),
            message: r.opt_text(Key::Message),
        }),
        Kind::Boot => {
            Event::Run(RunEvent::Boot { agents: r.opt_number(Key::Agents), message: r.opt_text(Key::Message) })
        }
        Kind::AgentStart => {
            Event::Run(RunEvent::AgentStart { agent_id: r.text(Key::AgentId), agent_name: r.opt_text(Key::AgentName) })
        }
        Kind::AgentEnd => {
            Event::Run(RunEvent::AgentEnd { agent_id: r.text(Key::AgentId), status: r.opt_text(Key::Status) })
        }
        Kind::TaskStart => Event::Run(RunEvent::TaskStart {
            task_id: r.text(Key::TaskId),
            agent_id: r.opt_text(Key::AgentId),
            title: r.opt_text(Key::Title),
        }),
        Kind::TaskEnd => {
            Event::Run(RunEvent::TaskEnd { task_id: r.text(Key::TaskId), status: r.opt_text(Key::Status) })
        }
        Kind::ToolStart => Event::Run(RunEvent::ToolStart {
            agent_id: r.opt_text(Key::AgentId),
            task_id: r.opt_text(Key::TaskId),
            tool: r.text(Key::Tool),
            params: fields.value(Key::Params),
        }),
        Kind::ToolProgress => Event::Run(RunEvent::ToolProgress {
            agent_id: r.opt_text(Key::AgentId),
            task_id: r.opt_text(Key::TaskId),
            tool: r.text(Key::Tool),
            progress: r.opt_number(Key::Progress),
            message: r.opt_text(Key::Message),
        }),
        Kind::ToolEnd => Event::Run(RunEvent::ToolEnd {
            agent_id: r.opt_text(Key::AgentId),
            task_id: r.opt_text(Key::TaskId),
            tool: r.text(Key::Tool),
            duration_s: r.opt_number(Key::DurationS),
            exit_code: r.opt_number(Key::ExitCode),
            status: r.opt_text(Key::Status),
        }),
        Kind::Done => {
            Event::Run(RunEvent::Done { status: r.opt_text(Key::Status), tools_run: r.opt_number(Key::ToolsRun) })
        }
        Kind::Signal => {
            let (mut status, mut crew_id, mut seq) = (String::new(), None, None);
            if let Some(payload) = r.object(Key::Payload) {
                let mut inner = Reader { fields: &payload, problem: None };
                status = inner.text(Key::Status);
                crew_id = inner.opt_text(Key::CrewId);
                seq = inner.opt_number(Key::Seq);
                if let Some(problem) = inner.problem {
                    r.problem.get_or_insert(Text::new("in 'payload': ").s(&problem).done());
                }
            }
            Event::Mission(MissionEvent::Signal { status, crew_id, seq })
        }
        _ => Event::Agui(super::agui_event::read(kind, r)),
    }
}
