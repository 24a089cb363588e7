//! The session state and its parts. Each part has a version (see [`Part`]); the items of the
//! lists carry their own, so a reader rebuilds only what changed.

use crate::prelude::*;

use super::activities::Activities;
use super::agents::Agents;
use super::bounded::Bounded;
use super::charts::Charts;
use super::json::Json;
use super::log::{Counts, LogEntry};
use super::messages::Messages;
use super::run::Run;
use super::tools::Tools;
use super::tracking::{Collaboration, SessionList, SessionLogs};

/// Bounds of the lists an app can choose (`new AgentSession({maxLogEntries, maxMessages})`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Log entries kept (0: none).
    pub max_log_entries: usize,
    /// Messages kept (at least 1).
    pub max_messages: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_log_entries: 500, max_messages: 200 }
    }
}

/// Fixed bounds of the other lists (the oldest entry is dropped beyond them).
pub const MAX_AGENTS: usize = 100;
pub const MAX_TOOLS: usize = 500;
pub const MAX_CHARTS: usize = 100;
pub const MAX_COLLABORATIONS: usize = 100;
pub const MAX_ERRORS: usize = 100;
pub const MAX_ACTIVITIES: usize = 100;

/// The parts of the state, each versioned on its own: the snapshot keeps a part's JS object
/// while its version stays. Counts and logs change with every event by design, so they are
/// parts of their own and do not disturb the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Messages,
    Agents,
    Tools,
    Progress,
    Charts,
    Run,
    Mission,
    Sessions,
    SessionLogs,
    Collaborations,
    Result,
    /// `running` and `cancelled`.
    Flags,
    Errors,
    Logs,
    Counts,
    /// AG-UI's shared state (`state` in the snapshot).
    AgentState,
    Activities,
}

impl Part {
    pub const COUNT: usize = 17;
    pub const ALL: [Part; Part::COUNT] = [
        Part::Messages,
        Part::Agents,
        Part::Tools,
        Part::Progress,
        Part::Charts,
        Part::Run,
        Part::Mission,
        Part::Sessions,
        Part::SessionLogs,
        Part::Collaborations,
        Part::Result,
        Part::Flags,
        Part::Errors,
        Part::Logs,
        Part::Counts,
        Part::AgentState,
        Part::Activities,
    ];
}

/// `progress {current_turn, max_turns}` of the current chat.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    pub current: f64,
    pub max: f64,
}

/// The latest mission `signal`.
#[derive(Debug, Clone, PartialEq)]
pub struct Mission {
    pub status: String,
    pub crew_id: Option<String>,
    pub seq: Option<f64>,
    pub at: Option<f64>,
}

/// The latest `result`.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultInfo {
    pub message_id: String,
    pub content: String,
    pub agents_used: Vec<String>,
    pub session_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ErrorEntry {
    pub message: String,
    pub at: Option<f64>,
    pub session_id: Option<String>,
    pub version: u64,
}

/// Everything the session knows. Read it through `Session::state`; only the reducer writes.
#[derive(Debug, Clone)]
pub struct State<V> {
    pub messages: Messages,
    pub agents: Agents,
    pub tools: Tools<V>,
    pub progress: Option<Progress>,
    pub charts: Charts,
    pub run: Option<Run>,
    pub mission: Option<Mission>,
    pub sessions: Option<SessionList<V>>,
    pub session_logs: Option<SessionLogs<V>>,
    pub collaborations: Bounded<Collaboration>,
    pub result: Option<ResultInfo>,
    /// A chat is in progress: from `agent_step` 'working' to `result`, `cancelled` or `error`.
    pub running: bool,
    /// The last chat was cancelled (until the next one starts).
    pub cancelled: bool,
    pub errors: Bounded<ErrorEntry>,
    pub logs: Bounded<LogEntry<V>>,
    pub counts: Counts,
    /// The session id of the chat under way (or last run), to tell a new chat from the same.
    pub chat_session: Option<String>,
    /// AG-UI's shared state: `STATE_SNAPSHOT`, patched by `STATE_DELTA`. `None` until either.
    pub agent_state: Option<Json>,
    pub activities: Activities,
}

impl<V> State<V> {
    pub fn new(limits: Limits) -> Self {
        State {
            messages: Messages::new(limits.max_messages.max(1)),
            agents: Agents::new(MAX_AGENTS),
            tools: Tools::new(MAX_TOOLS),
            progress: None,
            charts: Charts::new(MAX_CHARTS),
            run: None,
            mission: None,
            sessions: None,
            session_logs: None,
            collaborations: Bounded::new(MAX_COLLABORATIONS),
            result: None,
            running: false,
            cancelled: false,
            errors: Bounded::new(MAX_ERRORS),
            logs: Bounded::new(limits.max_log_entries),
            counts: Counts::default(),
            chat_session: None,
            agent_state: None,
            activities: Activities::new(MAX_ACTIVITIES),
        }
    }
}
