//! Every Redis key and channel the server uses, in one place, so the layout can be read (and
//! changed) at a glance. All start with [`PREFIX`].
//!
//! A *stream* is a numbered sequence of events: a session's own (`s-…`, its session id) or a
//! started run's (`run:<run_id>`), shared by every session watching that run.

/// Namespace of every key and channel.
pub const PREFIX: &str = "agentwire:";

/// The stream's entries: id `<seq>-0` for event `seq` (fields `ms`, `f` = the frame), and
/// `<seq>-1` once the work behind it finished after event `seq`.
pub fn stream(stream: &str) -> String {
    format!("{PREFIX}x:{stream}")
}

/// The stream's last seq (INCR'd with every entry, in the same script).
pub fn counter(stream: &str) -> String {
    format!("{PREFIX}n:{stream}")
}

/// The pub/sub channel the stream's entries are published on.
pub fn channel(stream: &str) -> String {
    format!("{PREFIX}ev:{stream}")
}

/// The pattern every instance subscribes to: all streams' channels.
pub const EVENTS_PATTERN: &str = "agentwire:ev:*";

/// The stream a channel name stands for.
pub fn stream_of_channel(channel: &str) -> Option<&str> {
    channel.strip_prefix("agentwire:ev:")
}

/// The lease on a stream with work behind it (a chat, a run): `<instance>:<epoch>` of the
/// instance playing it, with a TTL of `--lease-ms`. Appends and the finish mark are fenced by
/// it: only the holder's token is accepted.
pub fn lease(stream: &str) -> String {
    format!("{PREFIX}lease:{stream}")
}

/// Counts the claims of a stream's lease, so every holder's token is new.
pub fn epoch(stream: &str) -> String {
    format!("{PREFIX}epoch:{stream}")
}

/// The work playing into a stream (hash: `spec`, the JSON that rebuilds it, and `base`, the
/// stream's last seq before its first event), so whoever claims the lease next continues it.
pub fn work(stream: &str) -> String {
    format!("{PREFIX}work:{stream}")
}

/// Instance-to-instance notices (a session resumed elsewhere: drop its socket here).
pub const CONTROL_CHANNEL: &str = "agentwire:control";

/// A resumable session's metadata (hash: endpoint, key, stream), alive for the grace period
/// after its last socket went.
pub fn session(id: &str) -> String {
    format!("{PREFIX}session:{id}")
}

/// A session discarded after its grace period, so a late resume is told `expired`.
pub fn tombstone(id: &str) -> String {
    format!("{PREFIX}tomb:{id}")
}

/// A run started with `POST /control/runs/{run_id}` (value: its stream name).
pub fn started_run(run_id: &str) -> String {
    format!("{PREFIX}run:{run_id}")
}

/// The stream of a started run.
pub fn run_stream(run_id: &str) -> String {
    format!("run:{run_id}")
}

/// An acknowledged message id, per endpoint.
pub fn ack(endpoint: &str, id: &str) -> String {
    format!("{PREFIX}ack:{endpoint}:{id}")
}

/// The acknowledged message ids acted on, per endpoint, by any instance (a list, oldest first).
pub fn processed(endpoint: &str) -> String {
    format!("{PREFIX}processed:{endpoint}")
}

/// Sorted set of the /ws/agent-tracking streams (score: when the member lapses, Unix ms), which
/// every instance's broadcasts are appended to.
pub const TRACKING_STREAMS: &str = "agentwire:tracking";

/// The agent-session registry: one JSON state per agent session…
pub fn agent(session_id: &str) -> String {
    format!("{PREFIX}agent:{session_id}")
}

/// …the running ones (sorted set, score: the session's number)…
pub const AGENTS_RUNNING: &str = "agentwire:agents:running";
/// …the counter that numbers them across instances…
pub const AGENT_COUNTER: &str = "agentwire:agents:next";
/// …and their log lines (a list, newest last, trimmed).
pub const AGENT_LOGS: &str = "agentwire:agents:logs";
