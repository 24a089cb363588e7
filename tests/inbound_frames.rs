//! Inbound frames: size limits, binary frames, and what counts as life.

mod harness;

use agentwire::core::{Config, ErrorKind, FrameVerdict, Status};
use harness::Harness;

fn connected(max_message_bytes: usize) -> Harness {
    let mut h = Harness::new(Config { max_message_bytes, ..Config::default() });
    h.connect();
    h.open();
    h
}

#[test]
fn a_frame_over_the_limit_is_reported_and_skipped() {
    let mut h = connected(100);
    let verdict = h.conn.handle_text_frame(101, || 101, h.now);
    h.pump();
    assert_eq!(verdict, FrameVerdict::TooLarge);
    assert_eq!(h.errors(), vec![ErrorKind::TooLarge]);
    assert_eq!(h.status(), Status::Connected);
}

#[test]
fn multibyte_text_is_measured_exactly_near_the_limit() {
    let mut h = connected(100);
    // 40 UTF-16 units of "€" are 120 UTF-8 bytes: over a 100-byte limit.
    assert_eq!(h.conn.handle_text_frame(40, || 120, h.now), FrameVerdict::TooLarge);
    // 40 units of ASCII: within; the exact count is asked for and says so.
    assert_eq!(h.conn.handle_text_frame(40, || 40, h.now), FrameVerdict::Parse);
}

#[test]
fn short_frames_are_never_measured_exactly() {
    let mut h = connected(1 << 20);
    let verdict = h.conn.handle_text_frame(150, || panic!("no exact count needed for 150 units"), h.now);
    assert_eq!(verdict, FrameVerdict::Parse);
}

#[test]
fn a_binary_frame_is_reported_and_the_transport_keeps_running() {
    let mut h = connected(1 << 20);
    h.conn.handle_binary_frame(16, h.now);
    h.pump();
    assert_eq!(h.errors(), vec![ErrorKind::Binary]);
    assert_eq!(h.status(), Status::Connected);
    assert_eq!(h.conn.stats().messages_in, 1);
}

#[test]
fn bad_frames_still_count_as_life_for_the_heartbeat() {
    let mut h = connected(100);
    h.advance_by(25_000.0);
    h.conn.handle_binary_frame(4, h.now);
    h.conn.handle_text_frame(500, || 500, h.now);
    h.pump();
    h.advance_by(25_000.0);
    assert!(h.sent.is_empty(), "no ping: frames arrived 25 s ago");
}

#[test]
fn frames_before_open_are_ignored() {
    let mut h = Harness::new(Config::default());
    h.connect();
    assert_eq!(h.conn.handle_text_frame(10, || 10, h.now), FrameVerdict::Ignore);
    assert_eq!(h.conn.stats().messages_in, 0);
}

#[test]
fn errors_update_the_last_error_in_the_snapshot() {
    let mut h = connected(10);
    h.conn.handle_text_frame(11, || 11, h.now);
    let (kind, message) = h.conn.snapshot().last_error.clone().unwrap();
    assert_eq!(kind, ErrorKind::TooLarge);
    assert!(message.contains("maxMessageBytes"), "{message}");
    assert_eq!(h.conn.stats().errors, 1);
}
