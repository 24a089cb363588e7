//! The `url` option's list and function, on the core's fake clock: which URL each attempt
//! opens, when the list moves on, and how the url function's answers (late, wrong, failing)
//! are taken.

mod harness;

use agentwire::core::{Action, Config, ErrorKind, Status, TokenSource, UrlSource};
use harness::{config_without_jitter, Harness};

fn urls(list: &[&str]) -> Config {
    Config { urls: UrlSource::List(list.iter().map(|u| (*u).to_owned()).collect()), ..config_without_jitter() }
}

fn dynamic() -> Config {
    Config { urls: UrlSource::Dynamic, ..config_without_jitter() }
}

const A: &str = "ws://a.test/ws";
const B: &str = "ws://b.test/ws";
const C: &str = "wss://c.test/ws";

#[test]
fn every_retry_moves_a_url_list_on_to_the_next_url_and_it_wraps_around() {
    let mut h = Harness::new(urls(&[A, B, C]));
    h.connect();
    h.close(1006); // the first attempt fails
    h.wait_for_retry();
    h.open();
    h.close(1006); // a connection that was up drops
    h.wait_for_retry();
    h.close(1006);
    h.wait_for_retry();
    assert_eq!(h.opened_urls(), [A, B, C, A]);
}

#[test]
fn a_connection_that_works_keeps_its_url_and_connect_after_disconnect_starts_from_it() {
    let mut h = Harness::new(urls(&[A, B]));
    h.connect();
    h.close(1006);
    h.wait_for_retry();
    h.open();
    assert_eq!(h.status(), Status::Connected);
    assert_eq!(h.conn.snapshot().url.as_deref(), Some(B));
    h.conn.disconnect(1000, "bye", h.now);
    h.pump();
    h.connect();
    assert_eq!(h.opened_urls(), [A, B, B]);
}

#[test]
fn a_dead_connection_found_by_the_heartbeat_moves_on_too() {
    let mut h = Harness::new(urls(&[A, B]));
    h.connect();
    h.open();
    let heartbeat = h.conn.config().heartbeat.clone().expect("heartbeat on by default");
    // Nothing arrives: ping after the interval, dead after the timeout.
    h.advance_by(heartbeat.interval_ms + heartbeat.timeout_ms + 1.0);
    assert!(h.errors().contains(&ErrorKind::HeartbeatTimeout));
    h.wait_for_retry();
    assert_eq!(h.opened_urls(), [A, B]);
}

#[test]
fn the_snapshot_shows_the_first_url_before_connecting_and_the_url_of_each_attempt() {
    let mut h = Harness::new(urls(&[A, B]));
    assert_eq!(h.conn.snapshot().url.as_deref(), Some(A));
    h.connect();
    h.close(1006);
    h.wait_for_retry();
    assert_eq!(h.conn.snapshot().url.as_deref(), Some(B));
}

#[test]
fn a_url_function_is_asked_before_every_attempt_and_its_answer_is_opened() {
    let mut h = Harness::new(dynamic());
    assert_eq!(h.conn.snapshot().url, None);
    h.connect();
    let asked = h.url_requests();
    assert_eq!(asked.len(), 1);
    assert_eq!(h.opens(), 0, "nothing opens before the answer");
    assert_eq!(h.status(), Status::Connecting);
    h.conn.handle_url(asked[0], Ok(B.to_owned()), h.now);
    h.pump();
    h.open();
    assert_eq!(h.status(), Status::Connected);
    h.close(1006);
    h.wait_for_retry();
    let asked = h.url_requests();
    assert_eq!(asked.len(), 2, "asked again for the retry");
    h.conn.handle_url(asked[1], Ok(C.to_owned()), h.now);
    h.pump();
    assert_eq!(h.opened_urls(), [B, C]);
    assert_eq!(h.conn.snapshot().url.as_deref(), Some(C));
}

#[test]
fn a_failing_url_function_is_a_url_error_and_is_retried_with_backoff() {
    let mut h = Harness::new(dynamic());
    h.connect();
    let asked = h.url_requests();
    h.conn.handle_url(asked[0], Err("no instance is up".to_owned()), h.now);
    h.pump();
    let errors = h.error_events();
    assert_eq!(errors.iter().map(|e| e.kind).collect::<Vec<_>>(), [ErrorKind::Url]);
    assert_eq!(errors[0].message, "the url function failed: no instance is up");
    assert_eq!(h.status(), Status::Reconnecting);
    let waited = h.wait_for_retry();
    assert_eq!(waited, 1000.0, "the first backoff delay");
    assert_eq!(h.url_requests().len(), 2);
}

#[test]
fn a_url_function_answer_that_is_not_a_websocket_url_is_a_url_error() {
    let mut h = Harness::new(dynamic());
    h.connect();
    let asked = h.url_requests();
    h.conn.handle_url(asked[0], Ok("https://a.test/".to_owned()), h.now);
    h.pump();
    assert_eq!(h.opens(), 0);
    let errors = h.error_events();
    assert_eq!(errors[0].kind, ErrorKind::Url);
    assert_eq!(errors[0].message, "the url function returned 'https://a.test/', expected a ws:// or wss:// URL");
}

#[test]
fn a_late_url_answer_for_an_abandoned_attempt_is_ignored() {
    let mut h = Harness::new(dynamic());
    h.connect();
    let first = h.url_requests()[0];
    // The attempt times out before the function answers; the next attempt asks again.
    h.advance_by(h.conn.config().connect_timeout_ms);
    assert!(h.errors().contains(&ErrorKind::ConnectTimeout));
    h.wait_for_retry();
    h.conn.handle_url(first, Ok(A.to_owned()), h.now);
    h.pump();
    assert_eq!(h.opens(), 0, "the first attempt's answer came too late");
    let second = *h.url_requests().last().unwrap();
    h.conn.handle_url(second, Ok(B.to_owned()), h.now);
    h.pump();
    assert_eq!(h.opened_urls(), [B]);
    // And after disconnect(), an answer opens nothing.
    let mut h = Harness::new(dynamic());
    h.connect();
    let asked = h.url_requests()[0];
    h.conn.disconnect(1000, "bye", h.now);
    h.conn.handle_url(asked, Ok(A.to_owned()), h.now);
    h.pump();
    assert_eq!(h.opens(), 0);
}

#[test]
fn with_a_url_function_and_a_token_function_the_url_is_asked_first_then_the_token() {
    let mut h = Harness::new(Config { token: TokenSource::Dynamic, ..dynamic() });
    h.connect();
    let asked = h.url_requests()[0];
    assert!(!h.actions.iter().any(|a| matches!(a, Action::FetchToken { .. })));
    h.conn.handle_url(asked, Ok(A.to_owned()), h.now);
    h.pump();
    let token_attempt = h
        .actions
        .iter()
        .find_map(|a| if let Action::FetchToken { attempt } = a { Some(*attempt) } else { None })
        .expect("the token is asked for once the URL is known");
    assert_eq!(token_attempt, asked);
    h.conn.handle_token(token_attempt, Ok("secret".to_owned()), h.now);
    h.pump();
    let opened: Vec<_> = h
        .actions
        .iter()
        .filter_map(|a| if let Action::OpenSocket { url, token, .. } = a { Some((url.clone(), token.clone())) } else { None })
        .collect();
    assert_eq!(opened, [(A.to_owned(), Some("secret".to_owned()))]);
}

#[test]
fn a_rejected_connection_retried_with_a_fresh_token_stays_on_its_url() {
    let mut h = Harness::new(Config { token: TokenSource::Dynamic, ..urls(&[A, B]) });
    h.connect();
    let first = h.actions.iter().find_map(|a| if let Action::FetchToken { attempt } = a { Some(*attempt) } else { None }).unwrap();
    h.conn.handle_token(first, Ok("old".to_owned()), h.now);
    h.pump();
    h.open();
    h.close(4401);
    let second = h.actions.iter().filter_map(|a| if let Action::FetchToken { attempt } = a { Some(*attempt) } else { None }).last().unwrap();
    h.conn.handle_token(second, Ok("fresh".to_owned()), h.now);
    h.pump();
    assert_eq!(h.opened_urls(), [A, A], "the rejection was about the token, not the instance");
}
