//! Tokens: static tokens, token functions called before every attempt, and their failures.

mod harness;

use agentwire::core::{Action, AttemptId, Config, ErrorKind, Status, TokenSource};
use harness::{config_without_jitter, Harness};

fn fetch_requests(h: &Harness) -> Vec<AttemptId> {
    h.actions.iter().filter_map(|a| if let Action::FetchToken { attempt } = a { Some(*attempt) } else { None }).collect()
}

fn opened_with(h: &Harness) -> Vec<Option<String>> {
    h.actions.iter().filter_map(|a| if let Action::OpenSocket { token, .. } = a { Some(token.clone()) } else { None }).collect()
}

#[test]
fn a_static_token_goes_with_every_attempt() {
    let mut h = Harness::new(Config { token: TokenSource::Static("abc".into()), ..Config::default() });
    h.connect();
    h.close(1006);
    h.wait_for_retry();
    assert_eq!(opened_with(&h), vec![Some("abc".into()), Some("abc".into())]);
}

#[test]
fn the_token_function_is_asked_before_every_attempt() {
    let mut h = Harness::new(Config { token: TokenSource::Dynamic, ..config_without_jitter() });
    h.connect();
    assert_eq!(h.opens(), 0, "no socket before the token is known");
    let first = fetch_requests(&h)[0];
    h.conn.handle_token(first, Ok("t1".into()), h.now);
    h.pump();
    h.close(1006);
    h.wait_for_retry();
    let second = fetch_requests(&h)[1];
    h.conn.handle_token(second, Ok("t2".into()), h.now);
    h.pump();
    assert_eq!(opened_with(&h), vec![Some("t1".into()), Some("t2".into())]);
}

#[test]
fn a_token_that_arrives_after_its_attempt_was_abandoned_is_ignored() {
    let mut h = Harness::new(Config { token: TokenSource::Dynamic, ..Config::default() });
    h.connect();
    let attempt = fetch_requests(&h)[0];
    h.conn.disconnect(1000, "", h.now);
    h.pump();
    h.conn.handle_token(attempt, Ok("late".into()), h.now);
    h.pump();
    assert_eq!(h.opens(), 0);
    assert_eq!(h.status(), Status::Disconnected);
}

#[test]
fn a_failing_token_function_is_reported_and_retried_with_backoff() {
    let mut h = Harness::new(Config { token: TokenSource::Dynamic, ..config_without_jitter() });
    h.connect();
    let attempt = fetch_requests(&h)[0];
    h.conn.handle_token(attempt, Err("auth server down".into()), h.now);
    h.pump();
    assert_eq!(h.errors(), vec![ErrorKind::Token]);
    assert_eq!(h.status(), Status::Reconnecting);
    assert_eq!(h.wait_for_retry(), 1000.0);
    assert_eq!(fetch_requests(&h).len(), 2);
}

#[test]
fn a_token_unusable_as_a_subprotocol_is_reported() {
    let mut h = Harness::new(Config { token: TokenSource::Dynamic, ..Config::default() });
    h.connect();
    let attempt = fetch_requests(&h)[0];
    h.conn.handle_token(attempt, Ok("has spaces".into()), h.now);
    h.pump();
    assert_eq!(h.errors(), vec![ErrorKind::Token]);
    assert_eq!(h.opens(), 0);
}

#[test]
fn the_connect_timeout_covers_a_token_function_that_never_answers() {
    let mut h = Harness::new(Config { token: TokenSource::Dynamic, connect_timeout_ms: 2000.0, ..Config::default() });
    h.connect();
    h.advance_by(2000.0);
    assert_eq!(h.errors(), vec![ErrorKind::ConnectTimeout]);
    assert_eq!(h.status(), Status::Reconnecting);
}
