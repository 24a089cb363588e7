//! The transport's socket: one browser `WebSocket` per connection attempt, with its handlers.
//!
//! RAII, as gloo's timers and listeners are: the handlers are created with the socket and live
//! as long as it does, and dropping a [`Socket`] detaches them, so a retired socket (whose close
//! event may come much later, or never for a half-open peer) can never report again. The
//! handlers report to the [`Driver`](super::driver::Driver) with the attempt they belong to.
//!
//! Two implementations with the same interface: web-sys's `WebSocket`, which hands each frame
//! over as the JS string it is (the default), and gloo-net's futures `WebSocket`, which copies
//! each text frame into a Rust `String` (`--features gloo-net-socket`, kept so the benchmark can
//! compare them; BENCHMARKS.md has the figures).

#[cfg(not(feature = "gloo-net-socket"))]
mod web_sys_socket;
#[cfg(not(feature = "gloo-net-socket"))]
pub use web_sys_socket::Socket;

#[cfg(feature = "gloo-net-socket")]
mod gloo_net_socket;
#[cfg(feature = "gloo-net-socket")]
pub use gloo_net_socket::Socket;

use crate::core::AttemptId;
use crate::prelude::*;

/// What a socket reports about itself, to the transport that opened it.
pub trait SocketEvents: 'static {
    fn socket_opened(&self, attempt: AttemptId);
    /// A frame: a JS string for text, an `ArrayBuffer` for binary.
    fn socket_frame(&self, attempt: AttemptId, data: wasm_bindgen::JsValue);
    fn socket_closed(&self, attempt: AttemptId, code: u16, reason: String);
}

/// The subprotocols for one attempt: the user's, then `"token", <token>` when there is one.
pub fn protocol_list(protocols: &[String], token: Option<&str>) -> js_sys::Array {
    let list: js_sys::Array = protocols.iter().map(|p| wasm_bindgen::JsValue::from_str(p)).collect();
    if let Some(token) = token {
        list.push(&"token".into());
        list.push(&token.into());
    }
    list
}
