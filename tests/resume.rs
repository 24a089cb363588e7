//! The resume protocol's client half (PROTOCOL.md), on the fake clock: the `resume` request,
//! the wait for `welcome`, sequence tracking and dedupe, and gaps.

mod harness;

use agentwire::core::{Action, Config, ErrorKind, Route, SendOutcome, Status};
use harness::{config_without_jitter, resume_config, Harness};

/// Connected to session `s1` and handed events 1..=`delivered`.
fn in_session(delivered: u64) -> Harness {
    let mut h = Harness::new(resume_config());
    h.connect();
    h.open();
    h.welcome(Some("s1"), false, None);
    for seq in 1..=delivered {
        assert_eq!(h.receive_event(Some(seq)), Route::Dispatch);
    }
    h
}

#[test]
fn without_resume_no_resume_frame_is_sent_and_the_socket_opening_connects() {
    let mut h = Harness::new(config_without_jitter());
    h.send("early");
    h.connect();
    h.open();
    assert_eq!(h.status(), Status::Connected);
    assert_eq!(h.sent, vec!["early"]);
    assert!(!h.conn.tracks_sequence(), "seq is not read per frame without resume");
    assert_eq!(h.receive("welcome"), Route::Dispatch, "without resume, 'welcome' is the app's message");
}

#[test]
fn resume_is_the_first_frame_and_the_queue_waits_for_the_welcome() {
    let mut h = Harness::new(resume_config());
    h.send("queued before connect");
    h.connect();
    h.open();
    assert_eq!(h.sent, vec!["<resume null 0>"]);
    assert_eq!(h.status(), Status::Connecting, "not connected until the welcome");
    assert_eq!(h.send("sent during the handshake"), SendOutcome::Queued);
    h.welcome(Some("s1"), false, None);
    assert_eq!(h.status(), Status::Connected);
    assert_eq!(h.sent, vec!["<resume null 0>", "queued before connect", "sent during the handshake"]);
    assert_eq!(h.conn.snapshot().session_id.as_deref(), Some("s1"));
    assert!(h.errors().is_empty(), "a first connection has nothing to resume: no gap");
}

#[test]
fn a_reconnection_asks_to_continue_after_the_last_delivered_seq() {
    let mut h = in_session(41);
    h.close(1006);
    assert_eq!(h.status(), Status::Reconnecting);
    h.wait_for_retry();
    h.open();
    assert_eq!(h.sent.last().map(String::as_str), Some("<resume s1 41>"));
    assert_eq!(h.status(), Status::Reconnecting, "still reconnecting until the welcome");
}

#[test]
fn a_resumed_session_keeps_its_seq_and_says_so_in_the_status_and_snapshot() {
    let mut h = in_session(3);
    assert!(!h.conn.snapshot().resumed, "the first connection resumed nothing");
    h.close(1006);
    h.wait_for_retry();
    h.open();
    h.take_actions();
    h.welcome(Some("s1"), true, None);
    let connected = h.status_changes().into_iter().find(|c| c.status == Status::Connected).expect("connected");
    assert!(connected.resumed);
    let snapshot = h.conn.snapshot();
    assert_eq!((snapshot.session_id.as_deref(), snapshot.last_seq, snapshot.resumed), (Some("s1"), 3, true));
    assert_eq!(h.receive_event(Some(4)), Route::Dispatch);
    assert_eq!(h.conn.snapshot().last_seq, 4);
    h.close(1006);
    assert!(!h.conn.snapshot().resumed, "resumed describes the current connection");
    assert!(!h.status_changes().last().unwrap().resumed);
}

#[test]
fn replays_at_or_below_the_last_delivered_seq_are_dropped() {
    let mut h = in_session(5);
    h.close(1006);
    h.wait_for_retry();
    h.open();
    h.welcome(Some("s1"), true, None);
    for seq in [3, 4, 5] {
        assert_eq!(h.receive_event(Some(seq)), Route::Consumed, "seq {seq} was delivered already");
    }
    assert_eq!(h.receive_event(Some(6)), Route::Dispatch);
    assert_eq!(h.receive_event(Some(6)), Route::Consumed);
    assert_eq!(h.conn.snapshot().last_seq, 6);
    assert!(h.errors().is_empty());
}

#[test]
fn a_skipped_seq_is_reported_as_a_gap_then_delivered() {
    let mut h = in_session(2);
    h.take_actions();
    assert_eq!(h.receive_event(Some(7)), Route::Dispatch);
    let gap = h.error_events().into_iter().find(|e| e.kind == ErrorKind::Gap).expect("a gap");
    assert_eq!((gap.fields.expected, gap.fields.received), (Some(3), Some(7)));
    assert_eq!(h.conn.snapshot().last_seq, 7, "delivery continues from the event that arrived");
    assert_eq!(h.receive_event(Some(8)), Route::Dispatch);
}

#[test]
fn an_unresumable_session_reports_a_gap_then_starts_fresh() {
    let mut h = in_session(9);
    h.close(1012);
    h.wait_for_retry();
    h.open();
    h.take_actions();
    h.welcome(Some("s2"), false, Some("unknown"));
    let actions = h.take_actions();
    let gap = actions.iter().position(|a| matches!(a, Action::Error(e) if e.kind == ErrorKind::Gap)).expect("a gap");
    let connected = actions.iter().position(|a| matches!(a, Action::Status(s) if s.status == Status::Connected && !s.resumed));
    assert!(gap < connected.expect("connected, not resumed"), "the gap comes before the fresh start");
    let Action::Error(error) = &actions[gap] else { unreachable!() };
    assert!(error.message.contains("'s1'") && error.message.contains("unknown"), "{}", error.message);
    assert_eq!(error.fields.expected, Some(10));
    let snapshot = h.conn.snapshot();
    assert_eq!((snapshot.session_id.as_deref(), snapshot.last_seq, snapshot.resumed), (Some("s2"), 0, false));
    assert_eq!(h.receive_event(Some(1)), Route::Dispatch, "the fresh session's seq 1 is new");
}

#[test]
fn a_resumed_welcome_for_another_session_is_a_fresh_start() {
    let mut h = in_session(4);
    h.close(1006);
    h.wait_for_retry();
    h.open();
    h.welcome(Some("other"), true, None);
    assert!(h.errors().contains(&ErrorKind::Gap));
    assert_eq!((h.conn.snapshot().last_seq, h.conn.snapshot().resumed), (0, false));
}

#[test]
fn without_a_welcome_within_the_connect_timeout_the_server_is_taken_as_not_resuming() {
    let mut h = Harness::new(Config { connect_timeout_ms: 500.0, ..resume_config() });
    h.send("queued");
    h.connect();
    h.open();
    assert_eq!(h.receive_event(Some(1)), Route::Dispatch, "events before any welcome are delivered");
    h.advance_by(499.0);
    assert_eq!(h.status(), Status::Connecting);
    h.advance_by(1.0);
    assert_eq!(h.status(), Status::Connected);
    assert!(!h.conn.snapshot().resumed);
    assert_eq!(h.sent, vec!["<resume null 0>", "queued"]);
    assert!(!h.conn.tracks_sequence());
    for _ in 0..2 {
        assert_eq!(h.receive_event(Some(1)), Route::Dispatch, "no dedupe on a server that never answered");
    }
    assert!(h.errors().is_empty(), "a server without the protocol is not an error");
    h.take_actions();
    h.welcome(Some("late"), false, None);
    assert!(h.take_actions().is_empty(), "a late welcome changes nothing");
    assert_eq!(h.conn.snapshot().session_id, None);
}

#[test]
fn events_without_seq_are_delivered_as_they_come() {
    let mut h = in_session(2);
    assert_eq!(h.receive_event(None), Route::Dispatch);
    assert_eq!(h.receive_event(None), Route::Dispatch);
    assert_eq!(h.conn.snapshot().last_seq, 2);
}

#[test]
fn a_seq_that_is_not_a_positive_integer_is_reported_and_the_event_delivered() {
    let mut h = in_session(2);
    for bad in [f64::NAN, 2.5, 0.0, -1.0] {
        h.take_actions();
        assert_eq!(h.receive_event_with_seq_value(Some(bad)), Route::Dispatch);
        assert_eq!(h.errors(), vec![ErrorKind::Parse], "seq {bad}");
    }
    assert_eq!(h.conn.snapshot().last_seq, 2);
}

#[test]
fn a_welcome_without_a_session_is_reported_and_the_connection_goes_on_unresumed() {
    let mut h = Harness::new(resume_config());
    h.connect();
    h.open();
    h.welcome(None, true, None);
    assert_eq!(h.errors(), vec![ErrorKind::Parse]);
    assert_eq!(h.status(), Status::Connected);
    assert!(!h.conn.snapshot().resumed);
    assert!(!h.conn.tracks_sequence());
}

#[test]
fn a_drop_during_the_handshake_retries_and_asks_again() {
    let mut h = in_session(6);
    h.close(1006);
    h.wait_for_retry();
    h.open();
    h.close(1006);
    assert_eq!(h.status(), Status::Reconnecting);
    h.wait_for_retry();
    h.open();
    let resumes: Vec<_> = h.sent.iter().filter(|f| f.starts_with("<resume")).cloned().collect();
    assert_eq!(resumes, vec!["<resume null 0>", "<resume s1 6>", "<resume s1 6>"]);
}

#[test]
fn a_reconnection_counts_once_it_is_established() {
    let mut h = in_session(0);
    h.close(1006);
    h.wait_for_retry();
    h.open();
    assert_eq!(h.conn.stats().reconnects, 0, "not yet: the handshake is not done");
    h.welcome(Some("s1"), true, None);
    assert_eq!(h.conn.stats().reconnects, 1);
}
