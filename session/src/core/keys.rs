//! The field names the reducer reads. An enum rather than strings so the JS glue can keep one
//! prebuilt JS string per key (indexed by `key as usize`) instead of creating one per read.

/// A field of a server event (or of an object nested in one), named as the server names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Key {
    Type,
    Timestamp,
    SessionId,
    RunId,
    MessageId,
    Delta,
    Content,
    AgentsUsed,
    Agent,
    Emoji,
    Status,
    ToolName,
    Args,
    Result,
    CurrentTurn,
    MaxTurns,
    ChartId,
    Url,
    Symbol,
    Success,
    Reason,
    Message,
    AgentId,
    AgentName,
    Progress,
    FromAgent,
    ToAgent,
    Data,
    TotalSessions,
    Sessions,
    State,
    Logs,
    Payload,
    CrewId,
    Seq,
    Agents,
    TaskId,
    Title,
    Tool,
    Params,
    DurationS,
    ExitCode,
    ToolsRun,
}

impl Key {
    /// Every key, in declaration order (`Key::ALL[k as usize] == k`).
    pub const ALL: [Key; 43] = [
        Key::Type,
        Key::Timestamp,
        Key::SessionId,
        Key::RunId,
        Key::MessageId,
        Key::Delta,
        Key::Content,
        Key::AgentsUsed,
        Key::Agent,
        Key::Emoji,
        Key::Status,
        Key::ToolName,
        Key::Args,
        Key::Result,
        Key::CurrentTurn,
        Key::MaxTurns,
        Key::ChartId,
        Key::Url,
        Key::Symbol,
        Key::Success,
        Key::Reason,
        Key::Message,
        Key::AgentId,
        Key::AgentName,
        Key::Progress,
        Key::FromAgent,
        Key::ToAgent,
        Key::Data,
        Key::TotalSessions,
        Key::Sessions,
        Key::State,
        Key::Logs,
        Key::Payload,
        Key::CrewId,
        Key::Seq,
        Key::Agents,
        Key::TaskId,
        Key::Title,
        Key::Tool,
        Key::Params,
        Key::DurationS,
        Key::ExitCode,
        Key::ToolsRun,
    ];

    /// The field's name in the event JSON.
    pub const fn name(self) -> &'static str {
        match self {
            Key::Type => "type",
            Key::Timestamp => "timestamp",
            Key::SessionId => "session_id",
            Key::RunId => "run_id",
            Key::MessageId => "message_id",
            Key::Delta => "delta",
            Key::Content => "content",
            Key::AgentsUsed => "agents_used",
            Key::Agent => "agent",
            Key::Emoji => "emoji",
            Key::Status => "status",
            Key::ToolName => "tool_name",
            Key::Args => "args",
            Key::Result => "result",
            Key::CurrentTurn => "current_turn",
            Key::MaxTurns => "max_turns",
            Key::ChartId => "chart_id",
            Key::Url => "url",
            Key::Symbol => "symbol",
            Key::Success => "success",
            Key::Reason => "reason",
            Key::Message => "message",
            Key::AgentId => "agent_id",
            Key::AgentName => "agent_name",
            Key::Progress => "progress",
            Key::FromAgent => "from_agent",
            Key::ToAgent => "to_agent",
            Key::Data => "data",
            Key::TotalSessions => "total_sessions",
            Key::Sessions => "sessions",
            Key::State => "state",
            Key::Logs => "logs",
            Key::Payload => "payload",
            Key::CrewId => "crewId",
            Key::Seq => "seq",
            Key::Agents => "agents",
            Key::TaskId => "task_id",
            Key::Title => "title",
            Key::Tool => "tool",
            Key::Params => "params",
            Key::DurationS => "duration_s",
            Key::ExitCode => "exit_code",
            Key::ToolsRun => "tools_run",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Key;

    #[test]
    fn all_lists_every_key_at_its_own_index() {
        for (i, key) in Key::ALL.iter().enumerate() {
            assert_eq!(*key as usize, i, "{}", key.name());
        }
    }
}
