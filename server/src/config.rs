//! Command line and the validated configuration the server runs with.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

/// The token accepted on `/ws/mission` when none is configured, so the demo works out of the box.
pub const DEFAULT_TOKEN: &str = "demo-token";

/// AgentWire's reference agent server: streams simulated agent events over WebSocket on
/// 127.0.0.1 and misbehaves on demand (`/control/...`) so clients can be tested against real
/// failures.
///
/// Endpoints: /ws/stream, /ws/agent-tracking/{client_id}, /ws/runs/{run_id}, /ws/mission,
/// /ws/echo, /ws/bench; control API under /control (drop, close, refuse, silence, delay, send,
/// session, runs/{run_id}, reset, log); GET /healthz.
///
/// `POST /control/runs/{run_id}?delay_ms=N&progress_events=M` starts run `run_id` on this
/// instance; `/ws/runs/{run_id}` then streams that run (from its start, or resumed) on any
/// instance sharing the same `--redis`, closing with 1000 after `done`.
///
/// With `--redis URL` (or REDIS_URL) several instances share the resumable streams, ack ids
/// and the agent-session registry, so a client resumes on any of them; without it everything
/// stays in this process.
///
/// On startup prints exactly one line to stdout:
/// `agentwire-server listening on http://127.0.0.1:<port>`.
#[derive(Debug, Parser)]
#[command(name = "agentwire-server", version, about, long_about)]
pub struct Cli {
    /// Address to bind. Keep it on loopback: the chaos API lets any caller cut connections.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: IpAddr,

    /// Port to bind; 0 picks a free port (read it from the startup line).
    #[arg(long, env = "PORT", default_value_t = 8000)]
    pub port: u16,

    /// Serve a directory: `DIR` at `/`, or `/PREFIX=DIR` under `/PREFIX`. Repeatable.
    /// Directories answer with their index.html.
    #[arg(long = "static", value_name = "[PREFIX=]DIR")]
    pub statics: Vec<String>,

    /// A token accepted on /ws/mission. Repeatable; joined with the comma-separated
    /// AGENTWIRE_TOKENS environment variable. Default when neither is given: demo-token.
    #[arg(long = "token", value_name = "T")]
    pub tokens: Vec<String>,

    /// Default delay between simulated agent events on /ws/stream and /ws/runs
    /// (per connection: ?delay_ms=N).
    #[arg(long, default_value_t = 40, value_name = "MS")]
    pub event_delay_ms: u64,

    /// Default pace of message_delta events on /ws/stream, 0 = as fast as possible
    /// (per connection: ?tokens_per_sec=N).
    #[arg(long, default_value_t = 60, value_name = "N")]
    pub tokens_per_sec: u64,

    /// /ws/agent-tracking sends {type:'ping'} after the client has been silent this long
    /// (per connection: ?ping_after_ms=N).
    #[arg(long, default_value_t = 30_000, value_name = "MS")]
    pub tracking_ping_after_ms: u64,

    /// /ws/agent-tracking closes with 1011 "pong timeout" when no {type:'pong'} follows a ping
    /// within this time.
    #[arg(long, default_value_t = 10_000, value_name = "MS")]
    pub tracking_pong_timeout_ms: u64,

    /// Interval between /ws/mission signals (per connection: ?interval_ms=N).
    #[arg(long, default_value_t = 2_000, value_name = "MS")]
    pub mission_interval_ms: u64,

    /// Largest inbound WebSocket message; a bigger one closes the connection with 1009.
    #[arg(long, default_value_t = 1 << 20, value_name = "BYTES")]
    pub max_message_bytes: usize,

    /// Most WebSocket connections open at once; further upgrades get HTTP 503.
    #[arg(long, default_value_t = 1024, value_name = "N")]
    pub max_connections: usize,

    /// Frames queued per client. A broadcast or control send to a full queue disconnects that
    /// client (1013 "slow consumer", which clients retry); the connection's own streams wait
    /// for room instead.
    #[arg(long, default_value_t = 4096, value_name = "N")]
    pub max_outbound_frames: usize,

    /// Resumable streams (/ws/stream, /ws/runs, /ws/agent-tracking): most events a session
    /// holds for replay; older ones are dropped, and a resume that needs one gets
    /// resumed:false, reason "evicted".
    #[arg(
        long,
        env = "AGENTWIRE_RESUME_MAX_EVENTS",
        default_value_t = 10_000,
        value_name = "N"
    )]
    pub resume_max_events: usize,

    /// Most bytes of events a session holds for replay (default 8 MiB); beyond it the oldest
    /// are dropped (reason "evicted").
    #[arg(long, env = "AGENTWIRE_RESUME_MAX_BYTES", default_value_t = 8 << 20, value_name = "BYTES")]
    pub resume_max_bytes: usize,

    /// Longest a session holds an event for replay; older ones are dropped (reason "expired").
    /// Client message ids are remembered for deduplication at least this long.
    #[arg(
        long,
        env = "AGENTWIRE_RESUME_MAX_AGE_MS",
        default_value_t = 120_000,
        value_name = "MS"
    )]
    pub resume_max_age_ms: u64,

    /// How long a resumable session, and the chat or run behind it, outlives its socket; a
    /// client resuming within it gets the rest. Then the session is discarded.
    #[arg(
        long,
        env = "AGENTWIRE_RESUME_GRACE_MS",
        default_value_t = 120_000,
        value_name = "MS"
    )]
    pub resume_grace_ms: u64,

    /// Share resumable streams (/ws/stream, /ws/runs, /ws/agent-tracking, /ws/agui), ack ids
    /// and the agent-session registry with every instance on this Redis, e.g.
    /// redis://127.0.0.1:6379. While it is unreachable those endpoints close with 1013.
    #[arg(long, env = "REDIS_URL", value_name = "URL")]
    pub redis: Option<String>,

    /// With --redis: how long the lease on a chat's or run's stream lasts (renewed every
    /// third of it by the instance playing it). Once it lapses, another instance whose client
    /// resumed the session (or that shows the run) continues the work after the stream's
    /// last event: the longest a stream stalls when its instance dies.
    #[arg(long, default_value_t = 1_000, value_name = "MS")]
    pub lease_ms: u64,

    /// No connection/control logging on stderr (the startup line is still printed).
    #[arg(long)]
    pub quiet: bool,
}

/// A directory served over HTTP under a URL prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticMount {
    /// `/` or `/something` (no trailing slash).
    pub prefix: String,
    pub dir: PathBuf,
}

/// Everything the server needs, validated. `Config::default()` is what tests start from.
#[derive(Debug, Clone)]
pub struct Config {
    pub host: IpAddr,
    pub port: u16,
    pub statics: Vec<StaticMount>,
    pub tokens: Vec<String>,
    pub event_delay: Duration,
    pub tokens_per_sec: u64,
    pub tracking_ping_after: Duration,
    pub tracking_pong_timeout: Duration,
    pub mission_interval: Duration,
    pub max_message_bytes: usize,
    pub max_connections: usize,
    pub max_outbound_frames: usize,
    pub resume_max_events: usize,
    pub resume_max_bytes: usize,
    pub resume_max_age: Duration,
    pub resume_grace: Duration,
    /// The Redis URL to share state through (`None`: in memory).
    pub redis: Option<String>,
    pub lease: Duration,
    pub quiet: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            host: IpAddr::from([127, 0, 0, 1]),
            port: 0,
            statics: Vec::new(),
            tokens: vec![DEFAULT_TOKEN.to_string()],
            event_delay: Duration::from_millis(40),
            tokens_per_sec: 60,
            tracking_ping_after: Duration::from_millis(30_000),
            tracking_pong_timeout: Duration::from_millis(10_000),
            mission_interval: Duration::from_millis(2_000),
            max_message_bytes: 1 << 20,
            max_connections: 1024,
            max_outbound_frames: 4096,
            resume_max_events: 10_000,
            resume_max_bytes: 8 << 20,
            resume_max_age: Duration::from_millis(120_000),
            resume_grace: Duration::from_millis(120_000),
            redis: None,
            lease: Duration::from_millis(1_000),
            quiet: true,
        }
    }
}

impl Config {
    /// Builds the configuration from parsed flags and the `AGENTWIRE_TOKENS` value (if set).
    pub fn from_cli(cli: Cli, env_tokens: Option<&str>) -> Result<Config, String> {
        let statics = cli
            .statics
            .iter()
            .map(|spec| parse_static(spec))
            .collect::<Result<Vec<_>, _>>()?;
        for (i, mount) in statics.iter().enumerate() {
            if statics[..i].iter().any(|m| m.prefix == mount.prefix) {
                return Err(format!("--static: prefix {} given twice", mount.prefix));
            }
        }

        let mut tokens: Vec<String> = cli.tokens.iter().map(|t| t.trim().to_string()).collect();
        if let Some(list) = env_tokens {
            tokens.extend(list.split(',').map(|t| t.trim().to_string()));
        }
        tokens.retain(|t| !t.is_empty());
        if tokens.is_empty() {
            tokens.push(DEFAULT_TOKEN.to_string());
        }
        if let Some(bad) = tokens.iter().find(|t| !is_valid_token(t)) {
            // The token travels in Sec-WebSocket-Protocol, so it must be a header token.
            return Err(format!(
                "token {bad:?} cannot travel in Sec-WebSocket-Protocol (use letters, digits, - _ . ~)"
            ));
        }

        if cli.max_message_bytes < 125 {
            return Err("--max-message-bytes must be at least 125".into());
        }
        if cli.max_connections == 0 {
            return Err("--max-connections must be at least 1".into());
        }
        if cli.max_outbound_frames == 0 {
            return Err("--max-outbound-frames must be at least 1".into());
        }
        if cli.mission_interval_ms == 0 {
            return Err("--mission-interval-ms must be at least 1".into());
        }
        if cli.tracking_ping_after_ms == 0 || cli.tracking_pong_timeout_ms == 0 {
            return Err(
                "--tracking-ping-after-ms and --tracking-pong-timeout-ms must be at least 1".into(),
            );
        }

        if cli.resume_max_events == 0 || cli.resume_max_bytes == 0 {
            return Err("--resume-max-events and --resume-max-bytes must be at least 1".into());
        }
        if cli.resume_max_age_ms == 0 || cli.resume_grace_ms == 0 {
            return Err("--resume-max-age-ms and --resume-grace-ms must be at least 1".into());
        }
        if cli.lease_ms < 30 {
            return Err("--lease-ms must be at least 30 (it is renewed every third of it)".into());
        }
        if let Some(url) = cli.redis.as_deref().filter(|u| !u.trim().is_empty()) {
            if !(url.starts_with("redis://") || url.starts_with("unix://")) {
                return Err(format!(
                    "--redis {url:?}: expected redis://HOST:PORT[/DB] (or unix:///path)"
                ));
            }
        }

        Ok(Config {
            host: cli.host,
            port: cli.port,
            statics,
            tokens,
            event_delay: Duration::from_millis(cli.event_delay_ms),
            tokens_per_sec: cli.tokens_per_sec,
            tracking_ping_after: Duration::from_millis(cli.tracking_ping_after_ms),
            tracking_pong_timeout: Duration::from_millis(cli.tracking_pong_timeout_ms),
            mission_interval: Duration::from_millis(cli.mission_interval_ms),
            max_message_bytes: cli.max_message_bytes,
            max_connections: cli.max_connections,
            max_outbound_frames: cli.max_outbound_frames,
            resume_max_events: cli.resume_max_events,
            resume_max_bytes: cli.resume_max_bytes,
            resume_max_age: Duration::from_millis(cli.resume_max_age_ms),
            resume_grace: Duration::from_millis(cli.resume_grace_ms),
            redis: cli.redis.filter(|url| !url.trim().is_empty()),
            lease: Duration::from_millis(cli.lease_ms),
            quiet: cli.quiet,
        })
    }

    /// The per-session replay bounds.
    pub fn resume_bounds(&self) -> crate::resume::buffer::Bounds {
        crate::resume::buffer::Bounds {
            max_events: self.resume_max_events,
            max_bytes: self.resume_max_bytes,
            max_age: self.resume_max_age,
        }
    }
}

/// `DIR` → served at `/`; `/PREFIX=DIR` → served under `/PREFIX`.
pub fn parse_static(spec: &str) -> Result<StaticMount, String> {
    let (prefix, dir) = match spec.split_once('=') {
        Some((prefix, dir)) if prefix.starts_with('/') => (prefix, dir),
        Some((prefix, _)) => {
            return Err(format!(
                "--static {spec}: the prefix {prefix:?} must start with '/'"
            ));
        }
        None => ("/", spec),
    };
    let prefix = match prefix.trim_end_matches('/') {
        "" => "/".to_string(),
        trimmed => trimmed.to_string(),
    };
    let reserved = crate::static_files::RESERVED_PREFIXES.iter().any(|r| {
        prefix == *r
            || prefix
                .strip_prefix(r)
                .is_some_and(|rest| rest.starts_with('/'))
    });
    if reserved {
        return Err(format!(
            "--static {spec}: {prefix} is used by the server itself"
        ));
    }
    if prefix.contains(['{', '}', '*']) {
        return Err(format!(
            "--static {spec}: the prefix may not contain {{ }} or *"
        ));
    }
    if dir.is_empty() {
        return Err(format!("--static {spec}: missing directory"));
    }
    let dir = PathBuf::from(dir);
    if !dir.is_dir() {
        return Err(format!(
            "--static {spec}: {} is not a directory",
            dir.display()
        ));
    }
    Ok(StaticMount { prefix, dir })
}

fn is_valid_token(token: &str) -> bool {
    token
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'+'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_spec_without_prefix_mounts_at_root() {
        let m = parse_static(".").unwrap();
        assert_eq!(m.prefix, "/");
        assert_eq!(m.dir, PathBuf::from("."));
    }

    #[test]
    fn static_spec_with_prefix_mounts_under_it() {
        let m = parse_static("/pkg/=.").unwrap();
        assert_eq!(m.prefix, "/pkg");
    }

    #[test]
    fn static_spec_rejects_relative_prefix_and_missing_dir() {
        assert!(parse_static("pkg=.").is_err());
        assert!(parse_static("/pkg=/definitely/not/here").is_err());
        assert!(parse_static("/control=.").is_err());
        assert!(parse_static("/ws/x=.").is_err());
    }

    #[test]
    fn tokens_join_flags_and_environment_and_default_to_demo_token() {
        let cli = Cli::parse_from(["agentwire-server", "--token", "a"]);
        let cfg = Config::from_cli(cli, Some("b, c,")).unwrap();
        assert_eq!(cfg.tokens, ["a", "b", "c"]);
        let cli = Cli::parse_from(["agentwire-server"]);
        let cfg = Config::from_cli(cli, None).unwrap();
        assert_eq!(cfg.tokens, [DEFAULT_TOKEN]);
    }

    #[test]
    fn resume_bounds_default_to_the_protocol_values_and_zero_is_refused() {
        let cfg = Config::from_cli(Cli::parse_from(["agentwire-server"]), None).unwrap();
        assert_eq!(cfg.resume_max_events, 10_000);
        assert_eq!(cfg.resume_max_bytes, 8 << 20);
        assert_eq!(cfg.resume_max_age, Duration::from_secs(120));
        assert_eq!(cfg.resume_grace, Duration::from_secs(120));
        let cli = Cli::parse_from(["agentwire-server", "--resume-grace-ms", "0"]);
        assert!(Config::from_cli(cli, None).is_err());
    }

    #[test]
    fn redis_is_off_by_default_and_a_url_that_is_not_redis_is_rejected() {
        let cfg = Config::from_cli(Cli::parse_from(["agentwire-server"]), None).unwrap();
        assert_eq!(cfg.redis, None);
        let cli = Cli::parse_from(["agentwire-server", "--redis", "redis://127.0.0.1:6379"]);
        let cfg = Config::from_cli(cli, None).unwrap();
        assert_eq!(cfg.redis.as_deref(), Some("redis://127.0.0.1:6379"));
        let cli = Cli::parse_from(["agentwire-server", "--redis", "127.0.0.1:6379"]);
        assert!(Config::from_cli(cli, None).is_err());
    }

    #[test]
    fn tokens_that_cannot_be_a_subprotocol_are_rejected() {
        let cli = Cli::parse_from(["agentwire-server", "--token", "has space"]);
        assert!(Config::from_cli(cli, None).is_err());
    }
}
