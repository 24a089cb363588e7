//! Reconnection: backoff sequence and cap, jitter bounds, uptime reset, max attempts, timeouts.

mod harness;

use agentwire::core::{Config, ErrorKind, ReconnectConfig, Status};
use harness::{config_without_jitter, Harness};

#[test]
fn first_connect_reports_connecting_then_connected() {
    let mut h = Harness::new(Config::default());
    assert_eq!(h.status(), Status::Idle);
    h.connect();
    assert_eq!(h.status(), Status::Connecting);
    assert_eq!(h.opens(), 1);
    h.open();
    assert_eq!(h.statuses(), vec![Status::Connecting, Status::Connected]);
}

#[test]
fn backoff_doubles_after_each_failure_until_the_cap() {
    let mut h = Harness::new(config_without_jitter());
    h.connect();
    h.open();
    h.close(1006);
    let mut waits = Vec::new();
    for _ in 0..7 {
        waits.push(h.wait_for_retry());
        h.close(1006); // the attempt fails before opening
    }
    assert_eq!(waits, vec![1000.0, 2000.0, 4000.0, 8000.0, 16_000.0, 30_000.0, 30_000.0]);
    assert_eq!(h.status(), Status::Reconnecting);
}

#[test]
fn full_jitter_waits_stay_between_zero_and_the_exponential_ceiling() {
    for seed in 0..20 {
        let mut h = Harness::with_seed(Config::default(), seed);
        h.connect();
        h.close(1006);
        for attempt in 1..=8u32 {
            let ceiling = (1000.0 * 2f64.powi(attempt as i32 - 1)).min(30_000.0);
            let waited = h.wait_for_retry();
            assert!(waited > 0.0 && waited <= ceiling, "seed {seed} attempt {attempt}: {waited} > {ceiling}");
            h.close(1006);
        }
    }
}

#[test]
fn the_same_seed_gives_the_same_retry_schedule() {
    let schedule = |seed| {
        let mut h = Harness::with_seed(Config::default(), seed);
        h.connect();
        h.close(1006);
        (0..5).map(|_| { let w = h.wait_for_retry(); h.close(1006); w }).collect::<Vec<_>>()
    };
    assert_eq!(schedule(9), schedule(9));
    assert_ne!(schedule(9), schedule(10));
}

#[test]
fn a_connection_that_stays_up_min_uptime_resets_the_attempt_count() {
    let mut h = Harness::new(config_without_jitter());
    h.connect();
    h.close(1006);
    h.wait_for_retry();
    h.close(1006);
    assert_eq!(h.wait_for_retry(), 2000.0);
    h.open();
    h.advance_by(5000.0); // minUptimeMs
    h.close(1006);
    assert_eq!(h.conn.snapshot().attempt, 1);
    assert_eq!(h.wait_for_retry(), 1000.0, "backoff starts over after a stable connection");
}

#[test]
fn a_connection_that_drops_before_min_uptime_keeps_backing_off() {
    let mut h = Harness::new(config_without_jitter());
    h.connect();
    h.close(1006);
    assert_eq!(h.wait_for_retry(), 1000.0);
    h.open();
    h.advance_by(4999.0);
    h.close(1006);
    assert_eq!(h.wait_for_retry(), 2000.0, "a flapping server does not reset the backoff");
}

#[test]
fn a_failed_first_connection_is_retried_with_backoff() {
    let mut h = Harness::new(config_without_jitter());
    h.connect();
    h.close(1006);
    assert_eq!(h.status(), Status::Reconnecting);
    assert_eq!(h.errors(), vec![ErrorKind::ConnectionFailed]);
    assert_eq!(h.wait_for_retry(), 1000.0);
    h.open();
    assert_eq!(h.status(), Status::Connected);
    assert_eq!(h.conn.stats().reconnects, 1);
}

#[test]
fn gives_up_with_error_after_max_attempts_failed_in_a_row() {
    let mut config = config_without_jitter();
    config.reconnect.as_mut().unwrap().max_attempts = Some(3);
    let mut h = Harness::new(config);
    h.connect();
    h.open();
    h.close(1006);
    for _ in 0..3 {
        h.wait_for_retry();
        h.close(1006);
    }
    assert_eq!(h.status(), Status::Error);
    assert!(h.errors().contains(&ErrorKind::MaxAttempts));
    assert_eq!(h.conn.poll_timeout(), None, "nothing further is scheduled");
    let opens_before = h.opens();
    h.advance_by(600_000.0);
    assert_eq!(h.opens(), opens_before);
    assert_eq!(h.conn.stats().attempts, 4, "the first connection and three retries");
}

#[test]
fn max_attempts_zero_never_retries() {
    let mut config = Config::default();
    config.reconnect.as_mut().unwrap().max_attempts = Some(0);
    let mut h = Harness::new(config);
    h.connect();
    h.open();
    h.close(1011);
    assert_eq!(h.status(), Status::Error);
}

#[test]
fn connect_timeout_abandons_a_hanging_attempt_and_retries() {
    let mut config = config_without_jitter();
    config.connect_timeout_ms = 3000.0;
    let mut h = Harness::new(config);
    h.connect();
    h.advance_by(2999.0);
    assert!(h.socket.is_some(), "still waiting for the handshake");
    h.advance_by(1.0);
    assert!(h.socket.is_none(), "the hanging socket is closed");
    assert_eq!(h.errors(), vec![ErrorKind::ConnectTimeout]);
    assert_eq!(h.status(), Status::Reconnecting);
    assert_eq!(h.wait_for_retry(), 1000.0);
    h.open();
    assert_eq!(h.status(), Status::Connected);
}

#[test]
fn reconnect_false_ends_disconnected_after_a_drop() {
    let config = Config { reconnect: None, ..Config::default() };
    let mut h = Harness::new(config);
    h.connect();
    h.open();
    h.close(1006);
    assert_eq!(h.status(), Status::Disconnected);
    assert_eq!(h.conn.poll_timeout(), None);
}

#[test]
fn reconnect_false_ends_in_error_when_the_first_attempt_fails() {
    let config = Config { reconnect: None, ..Config::default() };
    let mut h = Harness::new(config);
    h.connect();
    h.close(1006);
    assert_eq!(h.status(), Status::Error);
}

#[test]
fn going_online_retries_at_once_instead_of_waiting_out_the_backoff() {
    let mut h = Harness::new(config_without_jitter());
    h.connect();
    h.open();
    h.close(1006);
    h.wait_for_retry();
    h.close(1006);
    let opens = h.opens();
    h.advance_by(10.0);
    h.conn.handle_online(h.now);
    h.pump();
    assert_eq!(h.opens(), opens + 1);
    assert_eq!(h.conn.snapshot().next_retry_at, None);
}

#[test]
fn going_online_while_connected_changes_nothing_but_the_flag() {
    let mut h = Harness::new(Config::default());
    h.connect();
    h.open();
    h.conn.handle_offline(h.now);
    assert!(!h.conn.snapshot().online);
    h.conn.handle_online(h.now);
    h.pump();
    assert!(h.conn.snapshot().online);
    assert_eq!(h.opens(), 1);
    assert_eq!(h.status(), Status::Connected);
}

#[test]
fn reconnecting_status_events_carry_attempt_and_delay() {
    let mut h = Harness::new(config_without_jitter());
    h.connect();
    h.open();
    h.close(1012);
    h.wait_for_retry();
    h.close(1006);
    let reconnecting: Vec<_> = h.status_changes().into_iter().filter(|s| s.status == Status::Reconnecting).collect();
    assert_eq!(reconnecting.len(), 2);
    assert_eq!((reconnecting[0].attempt, reconnecting[0].delay_ms, reconnecting[0].code), (1, Some(1000.0), Some(1012)));
    assert_eq!(reconnecting[0].previous, Status::Connected);
    assert_eq!((reconnecting[1].attempt, reconnecting[1].delay_ms), (2, Some(2000.0)));
}

#[test]
fn connect_while_reconnecting_does_not_start_a_second_socket() {
    let mut h = Harness::new(Config::default());
    h.connect();
    h.connect();
    assert_eq!(h.opens(), 1);
    h.open();
    h.connect();
    assert_eq!(h.opens(), 1);
}

#[test]
fn default_reconnect_settings_match_the_documentation() {
    assert_eq!(
        ReconnectConfig::default(),
        ReconnectConfig { initial_delay_ms: 1000.0, max_delay_ms: 30_000.0, factor: 2.0, jitter: 1.0, max_attempts: None, min_uptime_ms: 5000.0 }
    );
}
