//! The connection's half of `share` (core/share.rs decides who leads): a follower tab mirrors
//! the leader's snapshot and delivers each relayed `seq` once; a tab that takes over resumes
//! where its listeners are; one that steps down hands back what it held, failing nothing.

mod harness;

use agentwire::core::{Action, Snapshot, Status};
use harness::{resume_config, Harness};

fn leader_snapshot(status: Status) -> Snapshot {
    Snapshot { status, session_id: Some("leader's".into()), last_seq: 99, tabs: 3, shared: true, leader: true, ..Snapshot::default() }
}

#[test]
fn a_follower_mirrors_the_leaders_status_and_snapshot_but_keeps_its_own_place_in_the_stream() {
    let mut h = Harness::new(resume_config());
    h.conn.set_sharing(true, false, 1);
    h.conn.mirror(leader_snapshot(Status::Connected));
    h.pump();
    assert_eq!(h.status(), Status::Connected);
    let changes = h.status_changes();
    assert_eq!(changes.len(), 1);
    assert_eq!((changes[0].previous, changes[0].status), (Status::Idle, Status::Connected));
    let snapshot = h.conn.snapshot();
    assert_eq!((snapshot.tabs, snapshot.shared, snapshot.leader), (3, true, false), "tabs from the leader; leader is this tab's own");
    assert_eq!((snapshot.session_id.as_deref(), snapshot.last_seq), (None, 0), "where this tab's listeners are is its own");
    assert_eq!(h.opens(), 0, "a follower opens no socket");
    h.conn.mirror(leader_snapshot(Status::Connected));
    h.pump();
    assert_eq!(h.status_changes().len(), 1, "no change, no status event");
}

#[test]
fn a_follower_delivers_each_relayed_seq_once_and_starts_over_in_a_new_session() {
    let mut h = Harness::new(resume_config());
    assert!(h.conn.accept_relayed(Some("s1"), Some(1)));
    assert!(h.conn.accept_relayed(Some("s1"), Some(2)));
    assert!(!h.conn.accept_relayed(Some("s1"), Some(2)), "a new leader's replay repeats it");
    assert!(!h.conn.accept_relayed(Some("s1"), Some(1)));
    assert!(h.conn.accept_relayed(Some("s1"), Some(3)));
    assert!(h.conn.accept_relayed(None, None), "unsequenced events are always delivered");
    assert!(h.conn.accept_relayed(Some("s2"), Some(1)), "a fresh session counts from 1");
    assert_eq!((h.conn.snapshot().session_id.as_deref(), h.conn.snapshot().last_seq), (Some("s2"), 1));
}

#[test]
fn a_tab_taking_over_resumes_after_the_last_event_its_listeners_got_and_shows_reconnecting() {
    let mut h = Harness::new(resume_config());
    h.conn.mirror(leader_snapshot(Status::Connected));
    for seq in 1..=7 {
        h.conn.accept_relayed(Some("s1"), Some(seq));
    }
    h.pump();
    let now = h.now;
    h.conn.take_over(now);
    h.pump();
    assert_eq!(h.status(), Status::Reconnecting);
    h.open();
    assert_eq!(h.sent, vec!["<resume s1 7>"]);
    h.welcome(Some("s1"), true, None);
    assert_eq!(h.status(), Status::Connected);
    assert!(h.errors().is_empty());
}

#[test]
fn the_first_tab_to_lead_shows_connecting() {
    let mut h = Harness::new(resume_config());
    let now = h.now;
    h.conn.take_over(now);
    h.pump();
    assert_eq!(h.status(), Status::Connecting);
}

#[test]
fn a_tab_stepping_down_closes_its_socket_and_hands_back_what_it_held_without_failing_it() {
    let mut h = Harness::new(resume_config());
    h.connect();
    h.open();
    h.welcome(Some("s1"), false, None);
    h.send_with_ack("acked later", "id-1", 10_000.0);
    h.close(1006);
    h.send("queued");
    h.take_actions();
    let now = h.now;
    let held = h.conn.step_down(now);
    h.pump();
    let actions = h.take_actions();
    assert_eq!(held.iter().map(|m| m.frame.as_str()).collect::<Vec<_>>(), vec!["acked later", "queued"]);
    assert_eq!(held[0].ack.as_ref().map(|a| a.id.as_str()), Some("id-1"));
    assert!(!actions.iter().any(|a| matches!(a, Action::AckFailed { .. })), "nothing fails: the new leader sends it");
    assert_eq!(h.conn.snapshot().queued, 0);
    h.advance_by(60_000.0);
    assert_eq!(h.opens(), 0, "no retry after stepping down");
}

#[test]
fn a_connected_leader_stepping_down_closes_its_socket() {
    let mut h = Harness::new(resume_config());
    h.connect();
    h.open();
    h.welcome(Some("s1"), false, None);
    h.take_actions();
    let now = h.now;
    h.conn.step_down(now);
    h.pump();
    assert!(h.take_actions().iter().any(|a| matches!(a, Action::CloseSocket { code: 1000, .. })));
}
