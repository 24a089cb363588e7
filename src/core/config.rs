//! The transport's settings, their defaults, and the range checks on them.
//!
//! The JS layer reads the options object (and rejects unknown keys and wrong types); this module
//! owns what a valid value is, so the rules are tested natively and stated once.

use crate::prelude::*;
use super::urls::UrlSource;
use super::Millis;

/// How the transport authenticates, as far as the core needs to know.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenSource {
    None,
    /// A fixed token, sent as the subprotocol pair `["token", <token>]`.
    Static(String),
    /// A function the embedder calls before every attempt (`Action::FetchToken`). Only a dynamic
    /// token can be refreshed, so only then is a rejected connection retried (once).
    Dynamic,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReconnectConfig {
    pub initial_delay_ms: Millis,
    pub max_delay_ms: Millis,
    pub factor: f64,
    /// 0 = the plain exponential delay, 1 = "full jitter" (uniform between 0 and the delay).
    pub jitter: f64,
    /// Reconnection attempts that may fail in a row before giving up; `None` = never give up.
    pub max_attempts: Option<u32>,
    /// A connection open at least this long counts as stable: the attempt count starts over.
    pub min_uptime_ms: Millis,
}

impl Default for ReconnectConfig {
    fn default() -> Self {
        Self {
            initial_delay_ms: 1000.0,
            max_delay_ms: 30_000.0,
            factor: 2.0,
            jitter: 1.0,
            max_attempts: None,
            min_uptime_ms: 5000.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct HeartbeatConfig {
    /// Send a ping when nothing has arrived for this long.
    pub interval_ms: Millis,
    /// After a ping, the connection is dead if nothing at all arrives within this long.
    pub timeout_ms: Millis,
    /// Inbound messages of this type answer our ping; they set the measured latency.
    pub pong_type: String,
}

impl Default for HeartbeatConfig {
    fn default() -> Self {
        Self { interval_ms: 30_000.0, timeout_ms: 10_000.0, pong_type: "pong".to_owned() }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct QueueConfig {
    pub max_messages: usize,
    pub max_bytes: usize,
    /// Messages older than this when the connection opens are discarded instead of sent.
    pub max_age_ms: Millis,
    /// `queue.persist`: held messages are also kept in storage (`Action::Store`, `Action::Forget`)
    /// and restored by the next transport with the same URL and name (`Connection::restore`).
    pub persist: bool,
}

impl Default for QueueConfig {
    fn default() -> Self {
        Self { max_messages: 100, max_bytes: 1 << 20, max_age_ms: 60_000.0, persist: false }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// `None` when reconnecting is switched off (`reconnect: false`).
    pub reconnect: Option<ReconnectConfig>,
    /// `None` when the heartbeat is switched off (`heartbeat: false`).
    pub heartbeat: Option<HeartbeatConfig>,
    pub queue: QueueConfig,
    /// Bounds each attempt, from its start (including fetching a token) until the socket opens.
    pub connect_timeout_ms: Millis,
    /// Inbound text frames longer than this many UTF-8 bytes are refused with a `too_large` error.
    pub max_message_bytes: usize,
    pub token: TokenSource,
    /// The URL of each attempt: the `url` option's one URL or list, or its function.
    pub urls: UrlSource,
    /// Speak the resume protocol (PROTOCOL.md): ask to continue the session on every open, wait
    /// for `welcome`, and deliver sequenced events once and in order. Off by default, so servers
    /// that do not speak it keep working as before.
    pub resume: bool,
}

/// How long `sendWithAck` waits for its ack when the caller gives no `timeoutMs`: long enough
/// to ride out a few reconnections with the default backoff, short enough that a UI can tell
/// the user the message did not make it.
pub const DEFAULT_ACK_TIMEOUT_MS: Millis = 30_000.0;

impl Default for Config {
    fn default() -> Self {
        Self {
            reconnect: Some(ReconnectConfig::default()),
            heartbeat: Some(HeartbeatConfig::default()),
            queue: QueueConfig::default(),
            connect_timeout_ms: 10_000.0,
            max_message_bytes: 1 << 20,
            token: TokenSource::None,
            urls: UrlSource::default(),
            resume: false,
        }
    }
}

/// A setting outside its valid range. `option` is the dotted path a user wrote (`reconnect.factor`).
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigError {
    pub option: &'static str,
    pub expected: &'static str,
}

impl core::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "option '{}' must be {}", self.option, self.expected)
    }
}

fn check(ok: bool, option: &'static str, expected: &'static str) -> Result<(), ConfigError> {
    if ok {
        Ok(())
    } else {
        Err(ConfigError { option, expected })
    }
}

fn non_negative(v: f64) -> bool {
    v.is_finite() && v >= 0.0
}

fn positive(v: f64) -> bool {
    v.is_finite() && v > 0.0
}

impl Config {
    /// Every range rule, checked in the order a user reads the options.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if let Some(r) = &self.reconnect {
            check(non_negative(r.initial_delay_ms), "reconnect.initialDelayMs", "a finite number >= 0")?;
            check(non_negative(r.max_delay_ms), "reconnect.maxDelayMs", "a finite number >= 0")?;
            check(r.factor.is_finite() && r.factor >= 1.0, "reconnect.factor", "a finite number >= 1")?;
            check((0.0..=1.0).contains(&r.jitter), "reconnect.jitter", "a number between 0 and 1")?;
            check(non_negative(r.min_uptime_ms), "reconnect.minUptimeMs", "a finite number >= 0")?;
        }
        if let Some(h) = &self.heartbeat {
            check(positive(h.interval_ms), "heartbeat.intervalMs", "a finite number > 0")?;
            check(positive(h.timeout_ms), "heartbeat.timeoutMs", "a finite number > 0")?;
            check(!h.pong_type.is_empty(), "heartbeat.pongType", "a non-empty string")?;
        }
        check(non_negative(self.queue.max_age_ms), "queue.maxAgeMs", "a finite number >= 0")?;
        check(positive(self.connect_timeout_ms), "connectTimeoutMs", "a finite number > 0")?;
        check(self.max_message_bytes > 0, "maxMessageBytes", "an integer > 0")?;
        if let TokenSource::Static(token) = &self.token {
            check(is_subprotocol_token(token), "token", "a non-empty string of visible ASCII without separators (it travels as a subprotocol)")?;
        }
        Ok(())
    }
}

/// Whether `value` may travel in `Sec-WebSocket-Protocol`: an RFC 7230 token (visible ASCII,
/// none of the separators). Browsers throw a SyntaxError for anything else, so we check first.
pub fn is_subprotocol_token(value: &str) -> bool {
    !value.is_empty()
        && value.bytes().all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_match_the_documented_values() {
        let config = Config::default();
        assert_eq!(config.validate(), Ok(()));
        let r = config.reconnect.unwrap();
        assert_eq!((r.initial_delay_ms, r.max_delay_ms, r.factor, r.jitter), (1000.0, 30_000.0, 2.0, 1.0));
        assert_eq!((r.max_attempts, r.min_uptime_ms), (None, 5000.0));
        let h = config.heartbeat.unwrap();
        assert_eq!((h.interval_ms, h.timeout_ms, h.pong_type.as_str()), (30_000.0, 10_000.0, "pong"));
        assert_eq!(config.queue, QueueConfig { max_messages: 100, max_bytes: 1_048_576, max_age_ms: 60_000.0, persist: false });
        assert_eq!((config.connect_timeout_ms, config.max_message_bytes), (10_000.0, 1_048_576));
        assert!(!config.resume, "resume is off unless asked for");
    }

    #[test]
    fn out_of_range_values_name_the_option() {
        let mut config = Config::default();
        config.reconnect.as_mut().unwrap().factor = 0.5;
        assert_eq!(config.validate().unwrap_err().option, "reconnect.factor");

        let mut config = Config::default();
        config.reconnect.as_mut().unwrap().jitter = 1.5;
        assert_eq!(config.validate().unwrap_err().option, "reconnect.jitter");

        let mut config = Config::default();
        config.heartbeat.as_mut().unwrap().timeout_ms = 0.0;
        assert_eq!(config.validate().unwrap_err().option, "heartbeat.timeoutMs");

        let mut config = Config::default();
        config.connect_timeout_ms = f64::NAN;
        let err = config.validate().unwrap_err();
        assert_eq!(err.to_string(), "option 'connectTimeoutMs' must be a finite number > 0");
    }

    #[test]
    fn switched_off_sections_are_not_checked() {
        let config = Config { reconnect: None, heartbeat: None, ..Config::default() };
        assert_eq!(config.validate(), Ok(()));
    }

    #[test]
    fn tokens_must_be_valid_subprotocol_values() {
        assert!(is_subprotocol_token("eyJhbGciOi.J9-_x~"));
        assert!(!is_subprotocol_token(""));
        assert!(!is_subprotocol_token("has space"));
        assert!(!is_subprotocol_token("a,b"));
        let config = Config { token: TokenSource::Static("bad token".into()), ..Config::default() };
        assert_eq!(config.validate().unwrap_err().option, "token");
    }
}
