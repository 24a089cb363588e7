//! `/ws/echo`: every text frame back unchanged, every binary frame back as binary. For the
//! client's round-trip and queue-flush-order tests.

use std::sync::Arc;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::{IntoResponse, Response};

use super::{admit, limits, Endpoint};
use crate::app::App;
use crate::connection::{Connection, Incoming};
use crate::registry::Slot;

pub async fn handler(ws: WebSocketUpgrade, State(app): State<Arc<App>>) -> Response {
    let slot = match admit(&app) {
        Ok(slot) => slot,
        Err(refused) => return refused.into_response(),
    };
    limits(ws, &app).on_upgrade(move |socket| serve(socket, app, slot))
}

async fn serve(socket: WebSocket, app: Arc<App>, slot: Slot) {
    let mut conn = Connection::open(socket, Endpoint::Echo, &app, slot);
    while let Some(incoming) = conn.recv().await {
        let echo = match incoming {
            Incoming::Text(text) => Message::Text(text),
            Incoming::Binary(data) => Message::Binary(data),
        };
        if conn.send(echo).await.is_err() {
            break;
        }
    }
    conn.finish().await;
}
