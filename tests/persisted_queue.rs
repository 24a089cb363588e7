//! `queue.persist` on the fake clock: the core asks to store every message the queue holds and
//! to forget it when it leaves, and a later transport restores what storage kept, first, with
//! the same ids, its age counted and its bounds applied.

mod harness;

use agentwire::core::{Action, Config, ErrorKind, QueueConfig, Restored, SendOutcome};
use harness::{config_without_jitter, persist_config, Harness};

fn connected(config: Config) -> Harness {
    let mut h = Harness::new(config);
    h.connect();
    h.open();
    h
}

fn plain(frame: &str, age_ms: f64) -> Restored<String> {
    Restored { frame: frame.to_owned(), bytes: frame.len(), ack_id: None, timeout_ms: None, age_ms }
}

fn acked(frame: &str, id: &str, timeout_ms: f64, age_ms: f64) -> Restored<String> {
    Restored { frame: frame.to_owned(), bytes: frame.len(), ack_id: Some(id.to_owned()), timeout_ms: Some(timeout_ms), age_ms }
}

#[test]
fn without_persist_nothing_is_stored_or_forgotten() {
    let mut h = Harness::new(config_without_jitter());
    h.send("queued");
    h.send_with_ack("A", "a", 30_000.0);
    h.connect();
    h.open();
    h.ack("a");
    assert!(h.stores().is_empty());
    assert!(h.forgets().is_empty());
}

#[test]
fn a_queued_send_is_stored_and_forgotten_when_it_is_sent_from_the_queue() {
    let mut h = Harness::new(persist_config());
    assert_eq!(h.send("queued"), SendOutcome::Queued);
    let stores = h.stores();
    assert_eq!(stores.len(), 1);
    assert_eq!((stores[0].1.as_str(), stores[0].2.as_deref()), ("queued", None));
    assert!(h.forgets().is_empty());
    h.connect();
    h.open();
    assert_eq!(h.sent, vec!["queued"]);
    assert_eq!(h.forgets(), vec![stores[0].0]);
}

#[test]
fn a_send_while_connected_is_not_stored() {
    let mut h = connected(persist_config());
    assert_eq!(h.send("now"), SendOutcome::Sent);
    assert!(h.stores().is_empty());
}

#[test]
fn an_acknowledged_send_is_stored_before_it_goes_out_and_forgotten_on_its_ack() {
    let mut h = connected(persist_config());
    h.take_actions();
    h.send_with_ack("A", "a", 30_000.0);
    let store_at = h.actions.iter().position(|a| matches!(a, Action::Store { .. })).expect("stored");
    let send_at = h.actions.iter().position(|a| matches!(a, Action::SendFrame(_))).expect("sent");
    assert!(store_at < send_at, "stored before it is sent");
    let (key, frame, id) = h.stores().remove(0);
    assert_eq!((frame.as_str(), id.as_deref()), ("A", Some("a")));
    assert!(h.forgets().is_empty(), "kept while in flight: the page may go before the ack");
    h.close(1006);
    h.wait_for_retry();
    h.open();
    assert!(h.forgets().is_empty(), "sent again, still kept");
    h.ack("a");
    assert_eq!(h.forgets(), vec![key]);
}

#[test]
fn an_acknowledged_send_that_times_out_is_forgotten() {
    let mut h = Harness::new(persist_config());
    h.send_with_ack("A", "a", 1_000.0);
    let key = h.stores()[0].0;
    h.advance_by(1_000.0);
    assert_eq!(h.ack_failures().len(), 1);
    assert_eq!(h.forgets(), vec![key]);
}

#[test]
fn a_message_the_bounds_evict_is_forgotten() {
    let config = Config { queue: QueueConfig { max_messages: 2, persist: true, ..QueueConfig::default() }, ..config_without_jitter() };
    let mut h = Harness::new(config);
    h.send("a");
    h.send_with_ack("B", "b", 30_000.0);
    h.send("c");
    let keys: Vec<u64> = h.stores().iter().map(|s| s.0).collect();
    assert_eq!(keys.len(), 3);
    assert_eq!(h.forgets(), vec![keys[0]]);
    h.send("d");
    assert_eq!(h.forgets(), vec![keys[0], keys[1]], "an unacknowledged one too");
    assert_eq!(h.ack_failures().len(), 1);
}

#[test]
fn a_message_too_big_for_the_queue_is_never_stored() {
    let config = Config { queue: QueueConfig { max_bytes: 4, persist: true, ..QueueConfig::default() }, ..config_without_jitter() };
    let mut h = Harness::new(config);
    assert_eq!(h.send("too long"), SendOutcome::Dropped);
    assert!(h.stores().is_empty());
}

#[test]
fn disconnect_forgets_what_the_queue_held() {
    let mut h = Harness::new(persist_config());
    h.send("a");
    h.send_with_ack("B", "b", 30_000.0);
    let keys: Vec<u64> = h.stores().iter().map(|s| s.0).collect();
    h.conn.disconnect(1000, "", h.now);
    h.pump();
    assert_eq!(h.forgets(), keys);
}

#[test]
fn restored_messages_go_out_first_in_order_before_newer_ones_and_keep_their_ids() {
    let mut h = Harness::new(persist_config());
    h.now = 10_000.0;
    h.send("newer");
    h.take_actions();
    let keys = h.conn.restore(vec![acked("A", "a", 30_000.0, 500.0), plain("b", 400.0), acked("C", "c", 30_000.0, 300.0)], h.now);
    h.pump();
    assert_eq!(keys.len(), 3);
    assert!(h.stores().is_empty(), "already in storage: not stored again");
    assert_eq!(h.conn.snapshot().queued, 4);
    h.connect();
    h.open();
    assert_eq!(h.sent, vec!["A", "b", "C", "newer"]);
    h.ack("c");
    h.ack("a");
    assert!(h.forgets().contains(&keys[0]) && h.forgets().contains(&keys[2]), "forgotten by their new keys on their ack");
    assert!(h.forgets().contains(&keys[1]), "the plain one once sent");
    assert!(h.acked().len() == 2 && h.errors().is_empty());
}

#[test]
fn a_restored_acknowledged_message_is_sent_again_on_every_connection_until_its_ack() {
    let mut h = Harness::new(persist_config());
    let keys = h.conn.restore(vec![acked("A", "a", 30_000.0, 0.0)], h.now);
    h.connect();
    h.open();
    h.close(1006);
    h.sent.clear();
    h.wait_for_retry();
    h.open();
    assert_eq!(h.sent, vec!["A"]);
    h.ack("a");
    assert_eq!(h.forgets(), keys);
}

#[test]
fn a_restored_acknowledged_message_past_its_deadline_is_reported_as_an_ack_timeout_and_not_sent() {
    let mut h = Harness::new(persist_config());
    h.now = 50_000.0;
    let keys = h.conn.restore(vec![acked("late", "a", 1_000.0, 2_000.0), acked("soon", "b", 1_000.0, 500.0)], h.now);
    h.pump();
    let events = h.error_events();
    assert_eq!(events.iter().map(|e| e.kind).collect::<Vec<_>>(), vec![ErrorKind::AckTimeout]);
    assert_eq!(events[0].payload.as_deref(), Some("late"), "the error carries the message");
    assert!(h.ack_failures().is_empty(), "no promise to reject");
    assert_eq!(h.forgets(), vec![keys[0]]);
    h.advance_by(500.0);
    assert_eq!(h.errors(), vec![ErrorKind::AckTimeout, ErrorKind::AckTimeout], "the other one's deadline counts from its first queueing");
    h.connect();
    h.open();
    assert!(h.sent.is_empty());
}

#[test]
fn restored_plain_messages_older_than_max_age_are_discarded_when_the_connection_opens() {
    let config = Config { queue: QueueConfig { max_age_ms: 1_000.0, persist: true, ..QueueConfig::default() }, ..config_without_jitter() };
    let mut h = Harness::new(config);
    h.now = 5_000.0;
    let keys = h.conn.restore(vec![plain("old", 1_500.0), plain("fresh", 100.0)], h.now);
    h.connect();
    h.open();
    assert_eq!(h.sent, vec!["fresh"]);
    assert_eq!(h.errors(), vec![ErrorKind::QueueExpired]);
    assert_eq!(h.forgets(), keys, "both left the queue");
}

#[test]
fn the_queue_bounds_apply_to_restored_messages_and_drop_the_oldest() {
    let config = Config { queue: QueueConfig { max_messages: 2, persist: true, ..QueueConfig::default() }, ..config_without_jitter() };
    let mut h = Harness::new(config);
    h.send("newer");
    h.take_actions();
    let keys = h.conn.restore(vec![plain("r1", 0.0), acked("R2", "r2", 30_000.0, 0.0)], h.now);
    h.pump();
    assert_eq!(h.errors(), vec![ErrorKind::QueueOverflow]);
    assert_eq!(h.error_events()[0].payload.as_deref(), Some("r1"));
    assert_eq!(h.forgets(), vec![keys[0]]);
    assert!(h.ack_failures().is_empty());
    h.connect();
    h.open();
    assert_eq!(h.sent, vec!["R2", "newer"]);
}

#[test]
fn a_restored_message_that_fails_on_disconnect_is_an_error_event() {
    let mut h = Harness::new(persist_config());
    h.conn.restore(vec![acked("A", "a", 30_000.0, 0.0)], h.now);
    h.connect();
    h.conn.disconnect(1000, "", h.now);
    h.pump();
    assert_eq!(h.errors(), vec![ErrorKind::Disconnected]);
    assert!(h.ack_failures().is_empty());
}

#[test]
fn restoring_onto_an_open_connection_sends_the_restored_messages_at_once_and_nothing_twice() {
    let mut h = connected(persist_config());
    h.send_with_ack("live", "l", 30_000.0);
    h.sent.clear();
    h.conn.restore(vec![acked("A", "a", 30_000.0, 0.0), plain("b", 0.0)], h.now);
    h.pump();
    assert_eq!(h.sent, vec!["A", "b"]);
}
