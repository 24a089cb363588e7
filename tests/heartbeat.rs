//! Heartbeat: ping after silence, dead-connection detection, latency, server pings.

mod harness;

use agentwire::core::{Action, Config, ErrorKind, HeartbeatConfig, Route, Status};
use harness::Harness;

fn config() -> Config {
    Config {
        heartbeat: Some(HeartbeatConfig { interval_ms: 30_000.0, timeout_ms: 10_000.0, pong_type: "pong".into() }),
        ..Config::default()
    }
}

fn connected() -> Harness {
    let mut h = Harness::new(config());
    h.connect();
    h.open();
    h
}

#[test]
fn pings_after_an_interval_without_inbound_traffic() {
    let mut h = connected();
    h.advance_by(29_999.0);
    assert!(h.sent.is_empty());
    h.advance_by(1.0);
    assert_eq!(h.sent, vec!["<ping>"]);
}

#[test]
fn a_silent_server_is_detected_and_replaced() {
    let mut h = connected();
    h.advance_by(30_000.0);
    assert_eq!(h.status(), Status::Connected);
    h.advance_by(9_999.0);
    assert_eq!(h.status(), Status::Connected);
    h.advance_by(1.0);
    assert!(h.actions.iter().any(|a| matches!(a, Action::CloseSocket { code: 4000, .. })));
    assert!(h.socket.is_none(), "the dead socket is closed and forgotten");
    assert_eq!(h.status(), Status::Reconnecting);
    assert!(h.errors().contains(&ErrorKind::HeartbeatTimeout));
    assert_eq!(h.conn.snapshot().last_close_code, Some(1006));
    h.wait_for_retry();
    assert_eq!(h.opens(), 2);
}

#[test]
fn any_inbound_frame_counts_as_life() {
    let mut h = connected();
    for _ in 0..10 {
        h.advance_by(20_000.0);
        h.receive("progress");
    }
    assert!(h.sent.is_empty(), "a busy stream never needs a ping");
    h.advance_by(30_000.0);
    assert_eq!(h.sent, vec!["<ping>"]);
    h.advance_by(5_000.0);
    h.receive("message_delta");
    h.advance_by(9_000.0);
    assert_eq!(h.status(), Status::Connected, "traffic after the ping proves the connection alive");
}

#[test]
fn a_pong_sets_the_latency_and_is_not_dispatched() {
    let mut h = connected();
    h.advance_by(30_000.0);
    let version = h.conn.snapshot_version();
    h.advance_by(42.0);
    assert_eq!(h.receive("pong"), Route::Consumed);
    assert_eq!(h.conn.snapshot().latency_ms, Some(42.0));
    assert!(h.conn.snapshot_version() > version);
    assert_eq!(h.conn.stats().pongs_received, 1);
}

#[test]
fn a_server_ping_is_answered_at_once_and_not_dispatched() {
    let mut h = connected();
    assert_eq!(h.receive("ping"), Route::Consumed);
    assert_eq!(h.sent, vec!["<pong>"]);
}

#[test]
fn a_custom_pong_type_is_recognised() {
    let mut c = config();
    c.heartbeat.as_mut().unwrap().pong_type = "heartbeat_ack".into();
    let mut h = Harness::new(c);
    h.connect();
    h.open();
    assert_eq!(h.receive("pong"), Route::Dispatch);
    assert_eq!(h.receive("heartbeat_ack"), Route::Consumed);
}

#[test]
fn with_the_heartbeat_off_nothing_pings_and_ping_frames_are_dispatched() {
    let mut h = Harness::new(Config { heartbeat: None, ..Config::default() });
    h.connect();
    h.open();
    h.advance_by(3_600_000.0);
    assert!(h.sent.is_empty());
    assert_eq!(h.status(), Status::Connected);
    assert_eq!(h.receive("ping"), Route::Dispatch);
    assert_eq!(h.receive("pong"), Route::Dispatch);
}

#[test]
fn a_tab_waking_after_throttled_timers_detects_the_dead_connection_on_its_first_checks() {
    let mut h = connected();
    // Hidden for ten minutes with no timer run; the page becomes visible and checks at once.
    h.jump_and_check(600_000.0);
    assert_eq!(h.sent, vec!["<ping>"], "overdue: ping right away");
    h.jump_and_check(610_000.0);
    assert_eq!(h.status(), Status::Reconnecting);
}

#[test]
fn the_heartbeat_deadline_is_what_the_timer_is_armed_for() {
    let mut h = connected();
    assert_eq!(h.conn.poll_timeout(), Some(30_000.0));
    h.advance_by(1000.0);
    h.receive("x");
    assert_eq!(h.conn.poll_timeout(), Some(31_000.0));
    h.advance_to(31_000.0);
    assert_eq!(h.conn.poll_timeout(), Some(41_000.0), "after the ping: the dead-connection deadline");
}
