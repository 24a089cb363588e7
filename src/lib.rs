//! AgentWire: a WebSocket transport for AI-agent UIs, compiled to WebAssembly.
//!
//! The crate has two layers:
//! - [`core`]: the sans-IO logic (reconnect backoff, close-code policy, heartbeat deadlines,
//!   offline queue, frame limits, listener lists, the connection state machine). Plain Rust, no
//!   clock and no I/O inside: time and events go in through `handle_*` methods, actions come
//!   out of `poll_*` methods. It builds and is tested natively (`cargo test`).
//! - `web` (wasm32 only): [`WebSocketTransport`], the browser layer that drives the core. It owns
//!   one web-sys `WebSocket`, one gloo-timers `Timeout` and the browser's online/offline and
//!   visibility listeners, dispatches each message to its listeners, and is exported twice:
//!   to JavaScript with `#[wasm_bindgen]` (the npm package), and as a Rust API for Rust
//!   frontends (Leptos, Yew, Dioxus) that depend on this crate.
//!
//! # Using it from Rust
//!
//! ```no_run
//! # #[cfg(target_arch = "wasm32")]
//! # async fn example() -> Result<(), wasm_bindgen::JsValue> {
//! use agentwire::{Options, WebSocketTransport};
//! use serde::Deserialize;
//!
//! #[derive(Deserialize)]
//! struct MessageDelta {
//!     message_id: String,
//!     delta: String,
//! }
//!
//! let transport = WebSocketTransport::with_options(Options::new("wss://agents.example.com/ws/stream"))?;
//! // Each `message_delta` event arrives as your own serde type; one that does not match is
//! // reported to `on_error_event` (kind `parse`) and the stream goes on.
//! let deltas = transport.on_json("message_delta", |m: MessageDelta| {
//!     web_sys::console::log_1(&m.delta.into());
//! });
//! let statuses = transport.on_status_change(|change| {
//!     web_sys::console::log_1(&change.status.as_str().into());
//! });
//! transport.connected().await?;
//! transport.send_json(&serde_json_like::chat("Compare NVDA and AMD"));
//! # mod serde_json_like { #[derive(serde::Serialize)] pub struct Chat { r#type: &'static str, message: String }
//! #   pub fn chat(m: &str) -> Chat { Chat { r#type: "chat", message: m.into() } } }
//! // Dropping a handle removes its listener; keep them as long as you listen.
//! drop((deltas, statuses));
//! # Ok(()) }
//! ```
//!
//! See [`WebSocketTransport`] for the whole Rust API, and the README for the JavaScript one.

extern crate alloc;

pub mod core;

#[cfg(all(target_arch = "wasm32", feature = "web"))]
mod web;

#[cfg(all(target_arch = "wasm32", feature = "web"))]
pub use web::{
    HeartbeatOptions, ListenerHandle, Options, OptionsError, OptionsErrorKind, Protocols, QueueOptions,
    ReconnectOptions, Section, Token, TransportError, Url, WebSocketTransport,
};

/// What the core modules import in place of std's prelude, so they also build as `no_std`
/// code (they use nothing but `alloc`).
mod prelude {
    pub use alloc::borrow::ToOwned;
    pub use alloc::string::{String, ToString};
    pub use alloc::vec::Vec;
}

/// The smallest allocator that reuses memory (a free list that merges neighbours): the
/// transport allocates nothing per inbound message and little otherwise (queued messages,
/// error texts, listener entries), and every byte of the module is budgeted. The session
/// crate, which allocates per event, uses talc.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
// SAFETY: a wasm module without threads is single-threaded.
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };
