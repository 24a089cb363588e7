//! The browser layer: [`WebSocketTransport`], driving the sans-IO core in `crate::core` with one
//! socket, one timer and the browser's signals, and dispatching messages to listeners. gloo's
//! style: small modules, RAII resources, and no decisions (those are the core's).
//!
//! - `transport`: the class JavaScript sees; `rust_api`: the same type's Rust API
//! - `driver`: the state both share, the action loop, notifications and the lifecycle
//! - `inbound`: the per-message hot path; `frame_reader`: a frame read in one call into JS;
//!   `frame`: what a text frame holds; `resume`: the
//!   resume protocol's frames and the `sendWithAck` promises
//! - `socket` (web-sys `WebSocket`), `timer` (gloo-timers), `signals` (gloo-events): the
//!   browser resources, each dropped with what it holds
//! - `persist` (full build, `queue.persist`): the core's `Store`/`Forget` in IndexedDB, and the
//!   restore of what a previous page stored
//! - `options` (serde in), `values` (serde out), `handles` (the JS functions handed out),
//!   `ask` (the url and token functions), `clock`, `listener`, `js`, `resources`

mod ask;
mod clock;
mod driver;
mod frame;
mod frame_reader;
mod handles;
mod inbound;
mod js;
mod listener;
mod options;
#[cfg(feature = "persist")]
mod persist;
mod resources;
mod resume;
mod rust_api;
#[cfg(feature = "share")]
mod share;
mod signals;
mod socket;
mod timer;
mod transport;
mod values;

pub use options::{HeartbeatOptions, Options, OptionsError, OptionsErrorKind, Protocols, QueueOptions, ReconnectOptions, Section, Token, Url};
pub use rust_api::{ListenerHandle, TransportError};
pub use transport::WebSocketTransport;
