//! The options of `new WebSocketTransport(options)`, as the core's `Config`.
//!
//! glue.js checks keys and JS types (a `TypeError` naming the option: a typo such as
//! `heartbeat.intervalMS` must not silently fall back to a default) and hands the numbers over
//! by position, NaN where the user left a value out. Here they become a `Config`, and anything
//! out of range is named in the message of the `RangeError` glue.js throws. Pure code, so its
//! tests run natively (see lib.rs).

use crate::core::{Config, TokenSource};
use crate::prelude::*;

// Positions in the numbers glue.js's readOptions passes (`numbers` there lists the same).
pub const RECONNECT_ON: usize = 0;
pub const INITIAL_DELAY: usize = 1;
pub const MAX_DELAY: usize = 2;
pub const FACTOR: usize = 3;
pub const JITTER: usize = 4;
pub const MAX_ATTEMPTS: usize = 5;
pub const MIN_UPTIME: usize = 6;
pub const HEARTBEAT_ON: usize = 7;
pub const INTERVAL: usize = 8;
pub const TIMEOUT: usize = 9;
pub const QUEUE_ON: usize = 10;
pub const MAX_MESSAGES: usize = 11;
pub const MAX_BYTES: usize = 12;
pub const MAX_AGE: usize = 13;
pub const CONNECT_TIMEOUT: usize = 14;
pub const MAX_MESSAGE_BYTES: usize = 15;
pub const TOKEN_KIND: usize = 16;

/// `TOKEN_KIND` values.
pub const TOKEN_NONE: f64 = 0.0;
pub const TOKEN_STATIC: f64 = 1.0;

/// `value` as an integer in `0..=max`, if it is one (`f64::fract` is not in `core`).
pub fn whole_number(value: f64, max: f64) -> Option<u64> {
    (value >= 0.0 && value <= max && value == (value as u64) as f64).then_some(value as u64)
}

fn out_of_range(option: &str, expected: &str) -> String {
    let mut message = String::from("option '");
    message.push_str(option);
    message.push_str("' must be ");
    message.push_str(expected);
    message
}

struct Numbers<'a>(&'a [f64]);

impl Numbers<'_> {
    /// The number at `at`, or `default` when the user left it out (NaN).
    fn or(&self, at: usize, default: f64) -> f64 {
        match self.0.get(at) {
            Some(v) if !v.is_nan() => *v,
            _ => default,
        }
    }

    fn given(&self, at: usize) -> Option<f64> {
        self.0.get(at).copied().filter(|v| !v.is_nan())
    }

    fn flag(&self, at: usize) -> bool {
        self.or(at, 0.0) != 0.0
    }

    fn count(&self, at: usize, option: &str, default: usize) -> Result<usize, String> {
        match self.given(at) {
            None => Ok(default),
            Some(n) => whole_number(n, u32::MAX as f64).map(|n| n as usize).ok_or_else(|| out_of_range(option, "an integer >= 0")),
        }
    }
}

/// Builds and checks the core's config. `token` is the static token, when `TOKEN_KIND` says so.
/// Starts from the defaults and overwrites what the user gave: one set of defaults, so the
/// module carries one copy of them.
pub fn config_from(numbers: &[f64], pong_type: Option<String>, token: Option<String>) -> Result<Config, String> {
    let n = Numbers(numbers);
    let mut config = Config::default();
    if let (true, Some(r)) = (n.flag(RECONNECT_ON), &mut config.reconnect) {
        r.initial_delay_ms = n.or(INITIAL_DELAY, r.initial_delay_ms);
        r.max_delay_ms = n.or(MAX_DELAY, r.max_delay_ms);
        r.factor = n.or(FACTOR, r.factor);
        r.jitter = n.or(JITTER, r.jitter);
        r.min_uptime_ms = n.or(MIN_UPTIME, r.min_uptime_ms);
        r.max_attempts = match n.given(MAX_ATTEMPTS) {
            Some(v) if v != f64::INFINITY => Some(
                whole_number(v, u32::MAX as f64).ok_or_else(|| out_of_range("reconnect.maxAttempts", "an integer >= 0 or Infinity"))?
                    as u32,
            ),
            _ => None,
        };
    } else {
        config.reconnect = None;
    }
    if let (true, Some(h)) = (n.flag(HEARTBEAT_ON), &mut config.heartbeat) {
        h.interval_ms = n.or(INTERVAL, h.interval_ms);
        h.timeout_ms = n.or(TIMEOUT, h.timeout_ms);
        if let Some(pong_type) = pong_type {
            h.pong_type = pong_type;
        }
    } else {
        config.heartbeat = None;
    }
    let q = &mut config.queue;
    if n.flag(QUEUE_ON) {
        q.max_messages = n.count(MAX_MESSAGES, "queue.maxMessages", q.max_messages)?;
        q.max_bytes = n.count(MAX_BYTES, "queue.maxBytes", q.max_bytes)?;
        q.max_age_ms = n.or(MAX_AGE, q.max_age_ms);
    } else {
        // No offline queue: sends while not connected are dropped.
        q.max_messages = 0;
    }
    config.token = match n.or(TOKEN_KIND, TOKEN_NONE) {
        TOKEN_NONE => TokenSource::None,
        TOKEN_STATIC => TokenSource::Static(token.unwrap_or_default()),
        _ => TokenSource::Dynamic,
    };
    config.connect_timeout_ms = n.or(CONNECT_TIMEOUT, config.connect_timeout_ms);
    config.max_message_bytes = n.count(MAX_MESSAGE_BYTES, "maxMessageBytes", config.max_message_bytes)?;
    config.validate().map_err(|e| out_of_range(e.option, e.expected))?;
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    const COUNT: usize = TOKEN_KIND + 1;

    /// Every section on, every value left out.
    fn defaults() -> [f64; COUNT] {
        let mut numbers = [f64::NAN; COUNT];
        numbers[RECONNECT_ON] = 1.0;
        numbers[HEARTBEAT_ON] = 1.0;
        numbers[QUEUE_ON] = 1.0;
        numbers[TOKEN_KIND] = TOKEN_NONE;
        numbers
    }

    #[test]
    fn values_left_out_take_the_documented_defaults() {
        assert_eq!(config_from(&defaults(), None, None), Ok(Config::default()));
    }

    #[test]
    fn sections_switched_off_are_absent_and_no_queue_means_nothing_is_kept() {
        let mut numbers = defaults();
        numbers[RECONNECT_ON] = 0.0;
        numbers[HEARTBEAT_ON] = 0.0;
        numbers[QUEUE_ON] = 0.0;
        let config = config_from(&numbers, None, None).unwrap();
        assert_eq!((config.reconnect, config.heartbeat, config.queue.max_messages), (None, None, 0));
    }

    #[test]
    fn given_values_and_strings_reach_the_config() {
        let mut numbers = defaults();
        numbers[FACTOR] = 1.5;
        numbers[MAX_ATTEMPTS] = 3.0;
        numbers[INTERVAL] = 5000.0;
        numbers[MAX_MESSAGE_BYTES] = 4096.0;
        numbers[TOKEN_KIND] = TOKEN_STATIC;
        let config = config_from(&numbers, Some("heartbeat_ack".into()), Some("secret".into())).unwrap();
        let reconnect = config.reconnect.unwrap();
        assert_eq!((reconnect.factor, reconnect.max_attempts), (1.5, Some(3)));
        let heartbeat = config.heartbeat.unwrap();
        assert_eq!((heartbeat.interval_ms, heartbeat.pong_type.as_str()), (5000.0, "heartbeat_ack"));
        assert_eq!(config.max_message_bytes, 4096);
        assert_eq!(config.token, TokenSource::Static("secret".into()));
    }

    #[test]
    fn infinity_means_unlimited_attempts_but_fractions_are_refused() {
        let mut numbers = defaults();
        numbers[MAX_ATTEMPTS] = f64::INFINITY;
        assert_eq!(config_from(&numbers, None, None).unwrap().reconnect.unwrap().max_attempts, None);
        numbers[MAX_ATTEMPTS] = 2.5;
        assert_eq!(
            config_from(&numbers, None, None).unwrap_err(),
            "option 'reconnect.maxAttempts' must be an integer >= 0 or Infinity"
        );
    }

    #[test]
    fn out_of_range_values_name_the_option() {
        let mut numbers = defaults();
        numbers[MAX_MESSAGES] = -1.0;
        assert_eq!(config_from(&numbers, None, None).unwrap_err(), "option 'queue.maxMessages' must be an integer >= 0");
        let mut numbers = defaults();
        numbers[JITTER] = 2.0;
        assert_eq!(config_from(&numbers, None, None).unwrap_err(), "option 'reconnect.jitter' must be a number between 0 and 1");
        let mut numbers = defaults();
        numbers[TOKEN_KIND] = TOKEN_STATIC;
        assert!(config_from(&numbers, None, Some("has space".into())).unwrap_err().starts_with("option 'token' must be"));
    }
}
