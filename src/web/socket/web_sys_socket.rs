//! The socket on web-sys's `WebSocket`: frames reach the transport as the JS values they are.

use std::rc::Rc;

use js_sys::{Array, JsString};
use wasm_bindgen::prelude::*;
use web_sys::{BinaryType, CloseEvent, MessageEvent, WebSocket};

use super::SocketEvents;
use crate::core::AttemptId;
use crate::web::js;
use crate::web::resources;

pub struct Socket {
    socket: WebSocket,
    // Attached as the socket's `on*` properties; detached and dropped with it.
    _on_open: Closure<dyn Fn()>,
    _on_message: Closure<dyn Fn(MessageEvent)>,
    _on_close: Closure<dyn Fn(CloseEvent)>,
}

const HANDLERS: usize = 3;

impl Socket {
    /// Opens a socket whose events go to `events` as those of `attempt`. The error is what the
    /// `WebSocket` constructor threw (a URL the browser refuses, a page policy).
    pub fn open<E: SocketEvents>(url: &str, protocols: &Array, attempt: AttemptId, events: &Rc<E>) -> Result<Self, JsValue> {
        let socket = WebSocket::new_with_str_sequence(url, protocols)?;
        socket.set_binary_type(BinaryType::Arraybuffer);
        let on_open = {
            let events = events.clone();
            Closure::<dyn Fn()>::new(move || events.socket_opened(attempt))
        };
        let on_message = {
            let events = events.clone();
            Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| events.socket_frame(attempt, event.data()))
        };
        let on_close = {
            let events = events.clone();
            Closure::<dyn Fn(CloseEvent)>::new(move |event: CloseEvent| {
                events.socket_closed(attempt, event.code(), event.reason())
            })
        };
        // No `onerror`: the close event that always follows an error carries what we need.
        socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        resources::closures_created(HANDLERS);
        Ok(Self { socket, _on_open: on_open, _on_message: on_message, _on_close: on_close })
    }

    /// Sends a text frame. A socket that is already closing discards it, as every browser
    /// transport does: its close event follows and the transport reconnects.
    pub fn send(&self, frame: &JsString) {
        let _ = self.socket.unchecked_ref::<js::WebSocketExt>().send_text(frame);
    }

    /// Closes with `code` and `reason`; dropping the socket afterwards detaches its handlers.
    /// `close()` throws only for codes and reasons the core never produces.
    pub fn close(&self, code: u16, reason: &str) {
        let _ = self.socket.close_with_code_and_reason(code, reason);
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.socket.set_onopen(None);
        self.socket.set_onmessage(None);
        self.socket.set_onclose(None);
        // A socket dropped without a close of its own (the transport freed) still ends.
        if self.socket.ready_state() <= WebSocket::OPEN {
            self.close(crate::core::close_policy::NORMAL_CLOSURE, "");
        }
        resources::closures_dropped(HANDLERS);
    }
}
