//! `/ws/mission`: token-authenticated status signals.
//!
//! The token travels as the subprotocol pair `['token', <token>]` (header
//! `Sec-WebSocket-Protocol: token, <token>`); the handshake selects `token`, as browsers fail
//! a handshake whose offered protocols get no answer. A missing or unknown token is accepted
//! and then closed with 4401 "unauthorized", so the client can tell it apart from an outage.
//! An accepted client gets `signal {payload:{status, crewId, seq}}` every interval (the
//! first one at once), following a fixed sequence.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::header::SEC_WEBSOCKET_PROTOCOL;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use tokio::time::{interval, MissedTickBehavior};

use super::{admit, is_ping, limits, millis_param, Endpoint, WsQuery};
use crate::app::App;
use crate::connection::{Connection, Incoming};
use crate::events::{event, pong};
use crate::params::Params;
use crate::registry::Slot;

pub const UNAUTHORIZED: (u16, &str) = (4401, "unauthorized");

const STATUS_SEQUENCE: [&str; 8] = [
    "available",
    "busy",
    "busy",
    "available",
    "offline",
    "available",
    "busy",
    "available",
];
const CREWS: [&str; 3] = ["crew-alpha", "crew-bravo", "crew-charlie"];

/// Signal `seq` of every connection's sequence (the same for all connections).
pub fn signal_payload(seq: u64) -> Value {
    json!({
        "status": STATUS_SEQUENCE[(seq % STATUS_SEQUENCE.len() as u64) as usize],
        "crewId": CREWS[(seq % CREWS.len() as u64) as usize],
        "seq": seq,
    })
}

/// Offered subprotocols in order, across repeated headers.
fn offered_protocols(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

/// The value offered right after the `token` marker.
fn offered_token(offered: &[String]) -> Option<&str> {
    let marker = offered.iter().position(|p| p == "token")?;
    offered.get(marker + 1).map(String::as_str)
}

pub async fn handler(
    ws: WebSocketUpgrade,
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(query): WsQuery,
) -> Response {
    let every = match millis_param(
        &Params::new(&query),
        "interval_ms",
        app.config.mission_interval,
    ) {
        Ok(d) => d,
        Err(bad) => return bad.into_response(),
    };
    let offered = offered_protocols(&headers);
    let authorized =
        offered_token(&offered).is_some_and(|t| app.config.tokens.iter().any(|ok| ok == t));
    let slot = match admit(&app) {
        Ok(slot) => slot,
        Err(refused) => return refused.into_response(),
    };
    let mut ws = limits(ws, &app).protocols(["token"]);
    if ws.selected_protocol().is_none() {
        // No `token` marker offered: echo the first offer anyway so the handshake completes
        // and the client receives the 4401 close instead of an opaque handshake failure.
        if let Some(first) = offered.first().and_then(|p| HeaderValue::from_str(p).ok()) {
            ws.set_selected_protocol(first);
        }
    }
    ws.on_upgrade(move |socket| serve(socket, app, slot, authorized, every))
}

async fn serve(socket: WebSocket, app: Arc<App>, slot: Slot, authorized: bool, every: Duration) {
    let mut conn = Connection::open(socket, Endpoint::Mission, &app, slot);
    if !authorized {
        conn.close(UNAUTHORIZED.0, UNAUTHORIZED.1).await;
        conn.finish().await;
        return;
    }
    let mut ticks = interval(every);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut seq = 0u64;
    loop {
        tokio::select! {
            _ = ticks.tick() => {
                // Signals are periodic state, not a backlog: none are produced while silenced.
                if conn.is_silenced() {
                    continue;
                }
                if conn.send_text(event("signal", json!({ "payload": signal_payload(seq) }))).await.is_err() {
                    break;
                }
                seq += 1;
            }
            incoming = conn.recv() => match incoming {
                None => break,
                Some(Incoming::Text(text)) => {
                    let ping = serde_json::from_str::<Value>(text.as_str()).is_ok_and(|v| is_ping(&v));
                    if ping && conn.send_text(pong()).await.is_err() {
                        break;
                    }
                }
                Some(Incoming::Binary(_)) => {}
            },
        }
    }
    conn.finish().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_is_the_value_after_the_marker() {
        let offered = vec!["token".to_string(), "abc".to_string()];
        assert_eq!(offered_token(&offered), Some("abc"));
        assert_eq!(offered_token(&["abc".to_string()]), None);
        assert_eq!(offered_token(&["token".to_string()]), None);
    }

    #[test]
    fn signal_sequence_is_fixed() {
        assert_eq!(signal_payload(0)["status"], "available");
        assert_eq!(signal_payload(1)["status"], "busy");
        assert_eq!(signal_payload(4)["status"], "offline");
        assert_eq!(signal_payload(4)["crewId"], "crew-bravo");
    }
}
