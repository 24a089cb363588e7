//! AgentWire's HTTP transport for AG-UI agents, shipped as `agentwire/http` (`pkg/http/`): the
//! AG-UI `HttpAgent` shape (POST a `RunAgentInput` with `Accept: text/event-stream`, read the
//! body as a stream), with the WebSocket transport's API (`on`/`off`/`onStatus`/`onError`/
//! `subscribe`/`getSnapshot`, its error kinds, `typeField`) and what AG-UI's own client lacks:
//! a stream that drops mid-run is requested again after a backoff with jitter, with
//! `Last-Event-ID`, and no event is lost or delivered twice.
//!
//! Every decision is the transport crate's sans-IO core (`agentwire::core::sse` parses the
//! stream, `agentwire::core::http_run` decides), tested natively there; this crate is the thin
//! browser layer: gloo-net's `http` for the request, the body read through its
//! `ReadableStream`, gloo-timers for the backoff. A crate of its own so that apps using only
//! the WebSocket transport do not download it, and the reverse.

#[cfg(target_arch = "wasm32")]
mod web;
#[cfg(target_arch = "wasm32")]
pub use web::{HttpAgentTransport, HttpErrorEvent, HttpOptions, HttpStatusEvent, ListenerHandle};
/// The backoff options of [`HttpOptions::reconnect`].
pub use agentwire::core::ReconnectConfig;
