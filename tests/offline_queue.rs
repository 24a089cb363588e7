//! The offline queue: store while not connected, flush in order on open, bounded.

mod harness;

use agentwire::core::{Action, Config, ErrorKind, QueueConfig, ReconnectConfig, SendOutcome, Status};
use harness::{config_without_jitter, Harness};

fn with_queue(queue: QueueConfig) -> Harness {
    Harness::new(Config { queue, ..config_without_jitter() })
}

#[test]
fn messages_sent_while_reconnecting_are_flushed_in_order_on_open() {
    let mut h = Harness::new(config_without_jitter());
    h.connect();
    h.open();
    assert_eq!(h.send("a"), SendOutcome::Sent);
    h.close(1006);
    for m in ["b", "c", "d"] {
        assert_eq!(h.send(m), SendOutcome::Queued);
    }
    assert_eq!(h.conn.snapshot().queued, 3);
    h.wait_for_retry();
    h.open();
    assert_eq!(h.send("e"), SendOutcome::Sent);
    assert_eq!(h.sent, vec!["a", "b", "c", "d", "e"]);
    assert_eq!(h.conn.snapshot().queued, 0);
}

#[test]
fn queued_messages_go_out_before_the_connected_status_is_announced() {
    // A status listener that sends on "connected" must come after the queue, so the flush
    // frames precede the status event in the action order.
    let mut h = Harness::new(Config::default());
    h.send("early");
    h.connect();
    h.take_actions();
    h.open();
    let actions = h.take_actions();
    let flush = actions.iter().position(|a| *a == Action::SendFrame("early".into())).unwrap();
    let connected = actions.iter().position(|a| matches!(a, Action::Status(s) if s.status == Status::Connected)).unwrap();
    assert!(flush < connected);
}

#[test]
fn messages_sent_before_connect_are_queued() {
    let mut h = Harness::new(Config::default());
    assert_eq!(h.send("hello"), SendOutcome::Queued);
    h.connect();
    h.open();
    assert_eq!(h.sent, vec!["hello"]);
}

#[test]
fn overflow_drops_the_oldest_and_reports_it() {
    let mut h = with_queue(QueueConfig { max_messages: 2, max_bytes: 1000, max_age_ms: 60_000.0, persist: false });
    h.connect();
    h.send("a");
    h.send("b");
    assert_eq!(h.send("c"), SendOutcome::Queued);
    let overflow: Vec<_> = h
        .actions
        .iter()
        .filter_map(|a| if let Action::Error(e) = a { Some(e.clone()) } else { None })
        .collect();
    assert_eq!(overflow.len(), 1);
    assert_eq!(overflow[0].kind, ErrorKind::QueueOverflow);
    assert_eq!(overflow[0].payload.as_deref(), Some("a"), "the dropped message comes with the error");
    assert_eq!(h.conn.stats().dropped, 1);
    h.open();
    assert_eq!(h.sent, vec!["b", "c"]);
}

#[test]
fn the_byte_bound_evicts_old_messages_and_refuses_a_message_too_big_alone() {
    let mut h = with_queue(QueueConfig { max_messages: 100, max_bytes: 10, max_age_ms: 60_000.0, persist: false });
    h.connect();
    h.send("aaaa");
    h.send("bbbb");
    h.send("cccc");
    assert_eq!(h.conn.snapshot().queued, 2);
    assert_eq!(h.send("this is far too long"), SendOutcome::Dropped);
    assert_eq!(h.errors(), vec![ErrorKind::QueueOverflow, ErrorKind::QueueOverflow]);
    h.open();
    assert_eq!(h.sent, vec!["bbbb", "cccc"]);
}

#[test]
fn expired_messages_are_discarded_at_flush_and_reported() {
    let mut h = Harness::new(Config {
        queue: QueueConfig { max_messages: 100, max_bytes: 1000, max_age_ms: 5_000.0, persist: false },
        reconnect: Some(ReconnectConfig { initial_delay_ms: 10_000.0, jitter: 0.0, ..Default::default() }),
        ..Config::default()
    });
    h.connect();
    h.close(1006); // retry in 10 s
    h.send("stale");
    h.advance_to(5_500.0);
    h.send("fresh");
    h.wait_for_retry(); // at 10 s: "stale" is 10 s old, "fresh" 4.5 s
    h.open();
    assert_eq!(h.sent, vec!["fresh"]);
    assert!(h.errors().contains(&ErrorKind::QueueExpired));
    assert_eq!(h.conn.stats().dropped, 1);
}

#[test]
fn sends_after_disconnect_or_in_error_are_dropped() {
    let mut h = Harness::new(Config::default());
    h.connect();
    h.open();
    h.conn.disconnect(1000, "", h.now);
    h.pump();
    assert_eq!(h.send("late"), SendOutcome::Dropped);

    let mut h = Harness::new(Config::default());
    h.connect();
    h.open();
    h.close(4401);
    assert_eq!(h.status(), Status::Error);
    assert_eq!(h.send("late"), SendOutcome::Dropped);
    assert!(!h.sent.contains(&"late".to_owned()));
}

#[test]
fn disconnect_discards_what_was_queued() {
    let mut h = Harness::new(Config::default());
    h.connect();
    h.send("a");
    h.send("b");
    h.conn.disconnect(1000, "", h.now);
    h.pump();
    assert_eq!(h.conn.snapshot().queued, 0);
    assert_eq!(h.conn.stats().dropped, 2);
    h.connect();
    h.open();
    assert!(h.sent.is_empty(), "nothing from before disconnect() is sent later");
}

#[test]
fn giving_up_discards_what_was_queued() {
    let mut config = Config::default();
    config.reconnect.as_mut().unwrap().max_attempts = Some(0);
    let mut h = Harness::new(config);
    h.connect();
    h.send("a");
    h.close(1006);
    assert_eq!(h.status(), Status::Error);
    assert_eq!(h.conn.snapshot().queued, 0);
}

#[test]
fn a_disabled_queue_drops_offline_sends_without_error_events() {
    let mut h = with_queue(QueueConfig { max_messages: 0, max_bytes: 0, max_age_ms: 0.0, persist: false });
    h.connect();
    assert_eq!(h.send("a"), SendOutcome::Dropped);
    assert!(h.errors().is_empty());
}

#[test]
fn snapshot_queued_follows_the_queue_length() {
    let mut h = Harness::new(Config::default());
    h.connect();
    let mut seen = Vec::new();
    for m in ["a", "b", "c"] {
        h.send(m);
        seen.push(h.conn.snapshot().queued);
    }
    assert_eq!(seen, vec![1, 2, 3]);
    h.open();
    assert_eq!(h.conn.snapshot().queued, 0);
}

#[test]
fn bytes_out_counts_utf8_bytes_whether_a_frame_goes_out_at_once_or_from_the_queue() {
    // 9 bytes of UTF-8 in 4 UTF-16 units: the two counts differ, so mixing them would show.
    let text = "é€😀";
    let mut h = Harness::new(config_without_jitter());
    h.connect();
    assert_eq!(h.send(text), SendOutcome::Queued);
    h.open();
    assert_eq!(h.conn.stats().bytes_out, 9);
    assert_eq!(h.send(text), SendOutcome::Sent);
    assert_eq!(h.conn.stats().bytes_out, 18);
}
