//! The socket on gloo-net's futures `WebSocket` (`--features gloo-net-socket`), kept so the
//! benchmark can compare it with web-sys's (BENCHMARKS.md has both).
//!
//! gloo-net copies each text frame into a Rust `String` and hands it over through a channel to
//! a task; the transport's listeners need the frame as a JS value again, so it is copied back
//! out before `JSON.parse`. Sends take the same way in reverse. The task holds the transport
//! while the socket lives, as web-sys's handlers do, and ends when the socket is retired.

use std::cell::RefCell;
use std::future::poll_fn;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Poll, Waker};

use futures_util::{Sink, Stream};
use gloo_net::websocket::futures::WebSocket;
use gloo_net::websocket::{Message, WebSocketError};
use js_sys::{Array, JsString};
use wasm_bindgen::JsValue;

use super::SocketEvents;
use crate::core::AttemptId;
use crate::web::resources;

/// gloo-net attaches four handlers per socket.
const HANDLERS: usize = 4;

#[derive(Default)]
struct Shared {
    socket: Option<WebSocket>,
    /// The task's, so retiring the socket wakes it to end.
    waker: Option<Waker>,
}

pub struct Socket {
    shared: Rc<RefCell<Shared>>,
    raw: web_sys::WebSocket,
}

impl Socket {
    pub fn open<E: SocketEvents>(url: &str, protocols: &Array, attempt: AttemptId, events: &Rc<E>) -> Result<Self, JsValue> {
        let raw = web_sys::WebSocket::new_with_str_sequence(url, protocols)?;
        let socket = WebSocket::try_from(raw.clone()).map_err(|e| JsValue::from_str(&e.to_string()))?;
        resources::closures_created(HANDLERS);
        let shared = Rc::new(RefCell::new(Shared { socket: Some(socket), waker: None }));
        wasm_bindgen_futures::spawn_local(run(shared.clone(), attempt, events.clone()));
        Ok(Self { shared, raw })
    }

    pub fn send(&self, frame: &JsString) {
        if let Some(socket) = self.shared.borrow_mut().socket.as_mut() {
            let _ = Pin::new(socket).start_send(Message::Text(String::from(frame)));
        }
    }

    pub fn close(&self, code: u16, reason: &str) {
        let _ = self.raw.close_with_code_and_reason(code, reason);
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        let (socket, waker) = {
            let mut shared = self.shared.borrow_mut();
            (shared.socket.take(), shared.waker.take())
        };
        if socket.is_some() {
            resources::closures_dropped(HANDLERS);
        }
        // gloo-net's WebSocket closes itself when dropped.
        drop(socket);
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// The socket's life: wait for it to open, then read frames until it closes or is retired.
async fn run<E: SocketEvents>(shared: Rc<RefCell<Shared>>, attempt: AttemptId, events: Rc<E>) {
    // The sink is ready once the socket has left CONNECTING: opened, or failed to.
    let opened = poll_fn(|cx| {
        let mut state = shared.borrow_mut();
        state.waker = Some(cx.waker().clone());
        match state.socket.as_mut() {
            None => Poll::Ready(false),
            Some(socket) => Pin::new(socket).poll_ready(cx).map(|ready| ready.is_ok()),
        }
    })
    .await;
    let is_open = shared.borrow().socket.as_ref().is_some_and(|s| matches!(s.state(), gloo_net::websocket::State::Open));
    if opened && is_open {
        events.socket_opened(attempt);
    }
    loop {
        let next = poll_fn(|cx| {
            let mut state = shared.borrow_mut();
            state.waker = Some(cx.waker().clone());
            match state.socket.as_mut() {
                None => Poll::Ready(None),
                Some(socket) => Pin::new(socket).poll_next(cx),
            }
        })
        .await;
        match next {
            Some(Ok(Message::Text(text))) => events.socket_frame(attempt, JsString::from(text).into()),
            Some(Ok(Message::Bytes(bytes))) => events.socket_frame(attempt, js_sys::Uint8Array::from(&bytes[..]).buffer().into()),
            Some(Err(WebSocketError::ConnectionClose(close))) => {
                events.socket_closed(attempt, close.code, close.reason);
                return;
            }
            // An `error` event: the close event follows.
            Some(Err(_)) => {}
            // Retired (or the stream ended without a close event).
            None => return,
        }
    }
}
