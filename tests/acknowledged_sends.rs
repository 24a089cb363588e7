//! Acknowledged sends on the fake clock: held until the ack, sent again after every
//! reconnection in their original order, bounded by the offline queue, and failed for a reason.

mod harness;

use agentwire::core::{Config, ErrorKind, QueueConfig, ReconnectConfig, Route, SendOutcome, Status};
use harness::{config_without_jitter, resume_config, Harness};

fn connected(config: Config) -> Harness {
    let mut h = Harness::new(config);
    h.connect();
    h.open();
    h
}

#[test]
fn an_ack_settles_the_message_with_the_servers_ack() {
    let mut h = connected(config_without_jitter());
    let key = h.send_with_ack("chat a", "a", 30_000.0);
    assert_eq!(h.sent, vec!["chat a"], "sent at once while connected");
    assert_eq!(h.ack("a"), Route::Consumed);
    assert_eq!(h.acked(), vec![(key, "{\"type\":\"ack\",\"id\":\"a\"}".to_owned())]);
    assert!(h.ack_failures().is_empty());
    h.advance_by(60_000.0);
    assert!(h.ack_failures().is_empty(), "an acknowledged message cannot time out later");
}

#[test]
fn unacknowledged_messages_are_sent_again_after_a_reconnect_in_order_before_newer_ones() {
    let mut h = connected(config_without_jitter());
    h.send_with_ack("A", "a", 30_000.0);
    h.send("live");
    h.send_with_ack("B", "b", 30_000.0);
    h.close(1006);
    h.send("queued");
    h.send_with_ack("C", "c", 30_000.0);
    h.sent.clear();
    h.wait_for_retry();
    h.open();
    assert_eq!(h.sent, vec!["A", "B", "queued", "C"]);
    h.ack("b");
    h.close(1006);
    h.sent.clear();
    h.wait_for_retry();
    h.open();
    assert_eq!(h.sent, vec!["A", "C"], "sent again until acknowledged, and only what is not");
}

#[test]
fn with_resume_held_messages_are_sent_again_after_the_welcome() {
    let mut h = connected(resume_config());
    h.welcome(Some("s1"), false, None);
    h.send_with_ack("A", "a", 30_000.0);
    h.close(1006);
    h.sent.clear();
    h.wait_for_retry();
    h.open();
    assert_eq!(h.sent, vec!["<resume s1 0>"], "nothing before the handshake");
    h.welcome(Some("s1"), true, None);
    assert_eq!(h.sent, vec!["<resume s1 0>", "A"]);
}

#[test]
fn no_ack_within_the_timeout_fails_the_message_with_ack_timeout() {
    let mut h = connected(config_without_jitter());
    let key = h.send_with_ack("A", "a", 2_000.0);
    h.advance_by(1_999.0);
    assert!(h.ack_failures().is_empty());
    h.advance_by(1.0);
    assert_eq!(h.ack_failures(), vec![(key, ErrorKind::AckTimeout)]);
    h.close(1006);
    h.sent.clear();
    h.wait_for_retry();
    h.open();
    assert!(h.sent.is_empty(), "a timed-out message is no longer sent");
    assert_eq!(h.ack("a"), Route::Dispatch, "a late ack of a forgotten message is the app's, without resume");
}

#[test]
fn the_timeout_runs_while_offline_too() {
    let mut h = Harness::new(config_without_jitter());
    let key = h.send_with_ack("A", "a", 500.0);
    assert_eq!(h.conn.snapshot().queued, 1);
    assert_eq!(h.conn.poll_timeout(), Some(500.0), "an idle transport still wakes for the deadline");
    h.advance_by(500.0);
    assert_eq!(h.ack_failures(), vec![(key, ErrorKind::AckTimeout)]);
    assert_eq!(h.conn.snapshot().queued, 0);
}

#[test]
fn disconnect_fails_every_held_message_with_disconnected() {
    let mut h = connected(config_without_jitter());
    let sent = h.send_with_ack("A", "a", 30_000.0);
    h.close(1006);
    let queued = h.send_with_ack("B", "b", 30_000.0);
    h.conn.disconnect(1000, "", h.now);
    h.pump();
    assert_eq!(h.ack_failures(), vec![(sent, ErrorKind::Disconnected), (queued, ErrorKind::Disconnected)]);
    let late = h.send_with_ack("C", "c", 30_000.0);
    assert_eq!(h.ack_failures().last(), Some(&(late, ErrorKind::Disconnected)), "a stopped transport fails at once");
}

#[test]
fn free_fails_every_held_message_with_freed() {
    let mut h = connected(config_without_jitter());
    let key = h.send_with_ack("A", "a", 30_000.0);
    h.conn.free(h.now);
    h.pump();
    assert_eq!(h.ack_failures(), vec![(key, ErrorKind::Freed)]);
    assert_eq!(h.status(), Status::Disconnected);
}

#[test]
fn giving_up_fails_held_messages_with_disconnected() {
    let config = Config {
        reconnect: Some(ReconnectConfig { max_attempts: Some(1), jitter: 0.0, ..ReconnectConfig::default() }),
        ..Config::default()
    };
    let mut h = connected(config);
    let key = h.send_with_ack("A", "a", 60_000.0);
    h.close(1006);
    h.wait_for_retry();
    h.close(1006);
    assert_eq!(h.status(), Status::Error);
    assert_eq!(h.ack_failures(), vec![(key, ErrorKind::Disconnected)]);
}

#[test]
fn held_messages_count_toward_the_queue_bounds_and_overflow_fails_the_oldest() {
    let mut h = connected(Config { queue: QueueConfig { max_messages: 2, max_bytes: 1000, max_age_ms: 60_000.0, persist: false }, ..config_without_jitter() });
    let first = h.send_with_ack("A", "a", 30_000.0);
    h.send_with_ack("B", "b", 30_000.0);
    h.close(1006);
    h.take_actions();
    assert_eq!(h.send("c"), SendOutcome::Queued);
    assert_eq!(h.ack_failures(), vec![(first, ErrorKind::QueueOverflow)]);
    assert_eq!(h.errors(), vec![ErrorKind::QueueOverflow], "reported like any message the bounds drop");
    h.sent.clear();
    h.wait_for_retry();
    h.open();
    assert_eq!(h.sent, vec!["B", "c"]);
}

#[test]
fn a_message_too_big_for_the_queue_fails_at_once() {
    let mut h = connected(Config { queue: QueueConfig { max_messages: 10, max_bytes: 4, max_age_ms: 60_000.0, persist: false }, ..config_without_jitter() });
    let key = h.send_with_ack("too long", "a", 30_000.0);
    assert_eq!(h.ack_failures(), vec![(key, ErrorKind::QueueOverflow)]);
    assert!(h.sent.is_empty(), "not sent: it could not be sent again after a drop");
}

#[test]
fn without_an_offline_queue_nothing_can_be_held_and_the_message_fails_at_once() {
    let mut h = connected(Config { queue: QueueConfig { max_messages: 0, ..QueueConfig::default() }, ..config_without_jitter() });
    let key = h.send_with_ack("A", "a", 30_000.0);
    assert_eq!(h.ack_failures(), vec![(key, ErrorKind::QueueOverflow)]);
}

#[test]
fn queued_counts_held_messages_only_while_they_wait_to_be_sent() {
    let mut h = connected(config_without_jitter());
    h.send_with_ack("A", "a", 30_000.0);
    assert_eq!(h.conn.snapshot().queued, 0, "in flight on the open socket");
    h.close(1006);
    assert_eq!(h.conn.snapshot().queued, 1, "waiting for the next connection");
    h.wait_for_retry();
    h.open();
    assert_eq!(h.conn.snapshot().queued, 0);
}

#[test]
fn a_duplicate_id_is_settled_oldest_first() {
    let mut h = connected(config_without_jitter());
    let first = h.send_with_ack("A", "same", 30_000.0);
    let second = h.send_with_ack("A again", "same", 30_000.0);
    h.ack("same");
    assert_eq!(h.acked().iter().map(|(k, _)| *k).collect::<Vec<_>>(), vec![first]);
    h.ack("same");
    assert_eq!(h.acked().iter().map(|(k, _)| *k).collect::<Vec<_>>(), vec![first, second]);
}

#[test]
fn ack_frames_are_the_apps_own_messages_unless_resume_is_on_or_a_message_waits() {
    let mut h = connected(config_without_jitter());
    assert_eq!(h.ack("x"), Route::Dispatch);
    h.send_with_ack("A", "a", 30_000.0);
    assert_eq!(h.ack("unknown"), Route::Dispatch, "not ours: the app's");
    assert_eq!(h.ack("a"), Route::Consumed);

    let mut h = connected(resume_config());
    h.welcome(Some("s1"), false, None);
    assert_eq!(h.ack("repeat of an earlier ack"), Route::Consumed, "the protocol's frame, with resume on");
}

#[test]
fn generated_ids_differ() {
    let mut h = Harness::new(Config::default());
    let ids: std::collections::BTreeSet<String> = (0..100).map(|_| h.conn.generate_message_id()).collect();
    assert_eq!(ids.len(), 100);
}
