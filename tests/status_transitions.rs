//! Every status transition, and the snapshot contract UIs rely on.

mod harness;

use agentwire::core::{Action, Config, Status};
use harness::{config_without_jitter, Harness};

#[test]
fn the_full_life_cycle_passes_through_every_status() {
    let mut config = config_without_jitter();
    config.reconnect.as_mut().unwrap().max_attempts = Some(1);
    let mut h = Harness::new(config);
    h.connect(); // idle -> connecting
    h.open(); // -> connected
    h.close(1006); // -> reconnecting
    h.wait_for_retry();
    h.open(); // -> connected
    h.conn.disconnect(1000, "done", h.now); // -> disconnected
    h.pump();
    h.connect(); // -> connecting
    h.close(1006); // -> reconnecting (attempt 1)
    h.wait_for_retry();
    h.close(1006); // -> error (max attempts)
    use Status::*;
    assert_eq!(
        h.statuses(),
        vec![Connecting, Connected, Reconnecting, Connected, Disconnected, Connecting, Reconnecting, Error]
    );
    let changes = h.status_changes();
    for pair in changes.windows(2) {
        assert_eq!(pair[1].previous, pair[0].status, "previous is the status before");
    }
    assert_eq!(changes[0].previous, Idle);
}

#[test]
fn disconnect_before_connect_goes_to_disconnected() {
    let mut h = Harness::new(Config::default());
    h.conn.disconnect(1000, "", 0.0);
    h.pump();
    assert_eq!(h.statuses(), vec![Status::Disconnected]);
    assert_eq!(h.opens(), 0);
}

#[test]
fn disconnect_while_waiting_cancels_the_retry() {
    let mut h = Harness::new(Config::default());
    h.connect();
    h.open();
    h.close(1006);
    assert!(h.conn.poll_timeout().is_some());
    h.conn.disconnect(1000, "", h.now);
    h.pump();
    assert_eq!(h.conn.poll_timeout(), None);
    assert_eq!(h.conn.snapshot().next_retry_at, None);
    h.advance_by(600_000.0);
    assert_eq!(h.opens(), 1);
}

#[test]
fn the_snapshot_version_changes_exactly_when_the_snapshot_does() {
    let mut h = Harness::new(Config::default());
    let mut last = (h.conn.snapshot_version(), h.conn.snapshot().clone());
    let mut check = |h: &Harness, label: &str| {
        let now = (h.conn.snapshot_version(), h.conn.snapshot().clone());
        assert_eq!(now.0 != last.0, now.1 != last.1, "{label}: version moved iff the snapshot changed");
        last = now;
    };
    h.connect();
    check(&h, "connect");
    h.open();
    check(&h, "open");
    h.receive("message_delta");
    check(&h, "message");
    h.send("x");
    check(&h, "send while connected");
    h.close(1006);
    check(&h, "drop");
    h.send("y");
    check(&h, "send while reconnecting");
}

#[test]
fn inbound_messages_do_not_touch_the_snapshot() {
    // A token stream must not re-render a UI that only shows the connection badge.
    let mut h = Harness::new(Config::default());
    h.connect();
    h.open();
    h.take_actions();
    let version = h.conn.snapshot_version();
    for _ in 0..1000 {
        h.receive("message_delta");
    }
    assert_eq!(h.conn.snapshot_version(), version);
    assert!(!h.take_actions().contains(&Action::SnapshotChanged));
    assert_eq!(h.conn.stats().messages_in, 1000);
}

#[test]
fn subscribers_are_notified_once_per_batch_of_changes_and_after_the_other_actions() {
    let mut h = Harness::new(Config::default());
    h.connect();
    let actions = h.take_actions();
    let notifications = actions.iter().filter(|a| **a == Action::SnapshotChanged).count();
    assert_eq!(notifications, 1);
    assert_eq!(actions.last(), Some(&Action::SnapshotChanged));
}

#[test]
fn the_snapshot_shows_the_next_retry_while_waiting() {
    let mut h = Harness::new(config_without_jitter());
    h.connect();
    h.open();
    h.advance_by(100.0);
    h.close(1001);
    let s = h.conn.snapshot().clone();
    assert_eq!(s.status, Status::Reconnecting);
    assert_eq!((s.attempt, s.delay_ms, s.next_retry_at), (1, Some(1000.0), Some(1100.0)));
    assert_eq!(s.last_close_code, Some(1001));
    assert_eq!(s.connected_at, None);
    h.wait_for_retry();
    h.open();
    let s = h.conn.snapshot();
    assert_eq!((s.attempt, s.next_retry_at, s.connected_at), (0, None, Some(1100.0)));
}
