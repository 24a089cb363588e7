//! What each close code from the server leads to.

mod harness;

use agentwire::core::{Action, Config, ErrorKind, Status, TokenSource};
use harness::Harness;

fn connected(config: Config) -> Harness {
    let mut h = Harness::new(config);
    h.connect();
    if matches!(h.conn.config().token, TokenSource::Dynamic) {
        answer_token(&mut h, "t1");
    }
    h.open();
    h
}

fn answer_token(h: &mut Harness, token: &str) {
    let attempt = h
        .actions
        .iter()
        .rev()
        .find_map(|a| if let Action::FetchToken { attempt } = a { Some(*attempt) } else { None })
        .expect("a token request");
    h.conn.handle_token(attempt, Ok(token.to_owned()), h.now);
    h.pump();
}

#[test]
fn server_close_1000_means_disconnected_and_no_reconnect() {
    let mut h = connected(Config::default());
    h.close(1000);
    assert_eq!(h.status(), Status::Disconnected);
    assert_eq!(h.conn.poll_timeout(), None);
    h.advance_by(120_000.0);
    assert_eq!(h.opens(), 1);
    assert_eq!(h.conn.snapshot().last_close_code, Some(1000));
}

#[test]
fn rejection_codes_without_a_token_function_end_in_error() {
    for code in [4401, 4403, 1008] {
        let mut h = connected(Config::default());
        h.close(code);
        assert_eq!(h.status(), Status::Error, "code {code}");
        assert!(h.errors().contains(&ErrorKind::Rejected));
        h.advance_by(120_000.0);
        assert_eq!(h.opens(), 1, "code {code}: no further attempts");
    }
}

#[test]
fn a_static_token_is_not_retried_after_rejection() {
    let mut h = connected(Config { token: TokenSource::Static("old".into()), ..Config::default() });
    h.close(4401);
    assert_eq!(h.status(), Status::Error);
    assert_eq!(h.opens(), 1);
}

#[test]
fn rejection_with_a_token_function_fetches_a_fresh_token_and_retries_once() {
    let mut h = connected(Config { token: TokenSource::Dynamic, ..Config::default() });
    h.close(4401);
    assert_eq!(h.status(), Status::Reconnecting);
    let fetches = h.actions.iter().filter(|a| matches!(a, Action::FetchToken { .. })).count();
    assert_eq!(fetches, 2, "the token function is called again, without waiting for a backoff");
    answer_token(&mut h, "t2");
    let last_open = h.actions.iter().rev().find_map(|a| match a {
        Action::OpenSocket { token, .. } => Some(token.clone()),
        _ => None,
    });
    assert_eq!(last_open, Some(Some("t2".to_owned())));
    h.open();
    assert_eq!(h.status(), Status::Connected);
}

#[test]
fn a_second_rejection_after_refreshing_ends_in_error() {
    let mut h = connected(Config { token: TokenSource::Dynamic, ..Config::default() });
    h.close(4403);
    answer_token(&mut h, "t2");
    h.open();
    h.close(4403);
    assert_eq!(h.status(), Status::Error);
    h.advance_by(120_000.0);
    assert_eq!(h.opens(), 2);
}

#[test]
fn a_stable_connection_earns_a_new_refresh_for_a_later_rejection() {
    let mut h = connected(Config { token: TokenSource::Dynamic, heartbeat: None, ..Config::default() });
    h.close(4401);
    answer_token(&mut h, "t2");
    h.open();
    h.advance_by(60_000.0); // the token worked for a while, then expired
    h.close(4401);
    assert_eq!(h.status(), Status::Reconnecting);
}

#[test]
fn server_error_restart_and_try_again_later_reconnect_after_a_backoff_delay() {
    // 1013 is what the reference server sends a slow consumer; it used to send 1008, which
    // ended in `error` for good. These three must wait out a backoff, not hammer the server.
    for code in [1011, 1012, 1013] {
        let mut h = connected(harness::config_without_jitter());
        h.close(code);
        assert_eq!(h.status(), Status::Reconnecting, "code {code}");
        assert!(!h.errors().contains(&ErrorKind::Rejected), "code {code} is not a rejection");
        h.advance_by(999.0);
        assert_eq!(h.opens(), 1, "code {code}: no attempt before the 1 s initial delay");
        assert_eq!(h.wait_for_retry(), 1.0, "code {code}");
        assert_eq!(h.opens(), 2, "code {code}");
        h.open();
        assert_eq!(h.status(), Status::Connected, "code {code}");
    }
}

#[test]
fn every_other_code_reconnects() {
    for code in [1001, 1005, 1006, 1011, 1012, 1013, 4000, 4001, 4500, 3000] {
        let mut h = connected(Config::default());
        h.close(code);
        assert_eq!(h.status(), Status::Reconnecting, "code {code}");
        h.wait_for_retry();
        assert_eq!(h.opens(), 2, "code {code}");
    }
}

#[test]
fn disconnect_closes_with_the_given_code_and_stays_disconnected() {
    let mut h = connected(Config::default());
    h.conn.disconnect(4001, "bye", h.now);
    h.pump();
    assert!(h.actions.contains(&Action::CloseSocket { code: 4001, reason: "bye".into() }));
    assert_eq!(h.status(), Status::Disconnected);
    // The browser still delivers the close event of the socket we closed; it changes nothing.
    h.conn.handle_close(agentwire::core::AttemptId(1), 4001, "bye", h.now);
    h.pump();
    h.advance_by(120_000.0);
    assert_eq!(h.opens(), 1);
    assert_eq!(h.status(), Status::Disconnected);
}

#[test]
fn connect_after_disconnect_starts_fresh() {
    let mut h = connected(Config::default());
    h.conn.disconnect(1000, "", h.now);
    h.pump();
    h.connect();
    assert_eq!(h.status(), Status::Connecting);
    h.open();
    assert_eq!(h.status(), Status::Connected);
    assert_eq!(h.conn.stats().reconnects, 0, "a fresh connect() is not a reconnection");
}
