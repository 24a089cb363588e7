//! Opening and retiring browser `WebSocket`s.
//!
//! The four event handlers are created once per transport and attached to each new socket. A
//! socket is retired by detaching them before closing it, so a retired socket can never report
//! again (its close event may arrive much later, or never for a half-open peer) and reconnecting
//! creates no closures at all.

use crate::prelude::*;
use js_sys::{Array, Function};
use wasm_bindgen::prelude::*;

use crate::core::AttemptId;

#[wasm_bindgen]
extern "C" {
    /// The browser's `WebSocket`, bound by hand where web-sys would copy: `send` takes the JS
    /// string as is, instead of a Rust `&str` that must be re-encoded.
    #[wasm_bindgen(js_name = WebSocket)]
    pub type BrowserSocket;

    #[wasm_bindgen(constructor, js_class = "WebSocket", catch)]
    fn new(url: &str, protocols: &Array) -> Result<BrowserSocket, JsValue>;

    #[wasm_bindgen(method, catch, js_class = "WebSocket")]
    pub fn send(this: &BrowserSocket, data: &JsValue) -> Result<(), JsValue>;

    #[wasm_bindgen(method, catch, js_class = "WebSocket")]
    fn close(this: &BrowserSocket, code: u16, reason: &str) -> Result<(), JsValue>;

    #[wasm_bindgen(method, setter = binaryType, js_class = "WebSocket")]
    fn set_binary_type(this: &BrowserSocket, value: &str);

    #[wasm_bindgen(method, setter = onopen, js_class = "WebSocket")]
    fn set_onopen(this: &BrowserSocket, handler: &JsValue);

    #[wasm_bindgen(method, setter = onmessage, js_class = "WebSocket")]
    fn set_onmessage(this: &BrowserSocket, handler: &JsValue);

    #[wasm_bindgen(method, setter = onclose, js_class = "WebSocket")]
    fn set_onclose(this: &BrowserSocket, handler: &JsValue);

    #[wasm_bindgen(method, setter = onerror, js_class = "WebSocket")]
    fn set_onerror(this: &BrowserSocket, handler: &JsValue);

    /// The agreed subprotocol (empty when none).
    #[wasm_bindgen(method, getter, js_class = "WebSocket")]
    pub fn protocol(this: &BrowserSocket) -> String;
}

pub struct SocketHandlers {
    pub on_open: Function,
    pub on_message: Function,
    pub on_close: Function,
    pub on_error: Function,
}

/// The socket of the attempt under way or open.
pub struct ActiveSocket {
    pub socket: BrowserSocket,
    pub attempt: AttemptId,
}

/// The subprotocols for one attempt: the user's, then `"token", <token>` when there is one.
pub fn protocol_list(protocols: &[String], token: Option<&str>) -> Array {
    let list = Array::new();
    for protocol in protocols {
        list.push(&JsValue::from_str(protocol));
    }
    if let Some(token) = token {
        list.push(&JsValue::from_str("token"));
        list.push(&JsValue::from_str(token));
    }
    list
}

/// Creates a socket with the handlers attached; errors are what the constructor threw.
pub fn open(url: &str, protocols: &Array, handlers: &SocketHandlers) -> Result<BrowserSocket, JsValue> {
    let socket = BrowserSocket::new(url, protocols)?;
    socket.set_binary_type("arraybuffer");
    socket.set_onopen(&handlers.on_open);
    socket.set_onmessage(&handlers.on_message);
    socket.set_onclose(&handlers.on_close);
    socket.set_onerror(&handlers.on_error);
    Ok(socket)
}

/// Detaches the handlers, so a finished socket holds nothing of the transport.
pub fn detach(socket: &BrowserSocket) {
    socket.set_onopen(&JsValue::NULL);
    socket.set_onmessage(&JsValue::NULL);
    socket.set_onclose(&JsValue::NULL);
    socket.set_onerror(&JsValue::NULL);
}

/// Detaches the handlers and closes: nothing from this socket reaches the transport again.
pub fn retire(socket: &BrowserSocket, code: u16, reason: &str) {
    detach(socket);
    // close() throws only for codes and reasons the core never produces; a closing or closed
    // socket ignores it.
    let _ = socket.close(code, reason);
}
