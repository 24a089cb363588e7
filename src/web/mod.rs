//! The browser glue: one `WebSocket`, one timer, the browser's online/visibility signals, and
//! the `WebSocketTransport` class exported to JavaScript. Decisions are the core's; this layer
//! reports events to it and carries out its actions.
//!
//! - `transport`: the exported class (argument checks, then the core, then the executor)
//! - `shared`: the state callbacks and methods share, and the action executor
//! - `inbound`: the per-message hot path (parse, route, dispatch); `frame`: what glue.js says of a frame
//! - `notifications`: status/error/snapshot listeners, called from a microtask
//! - `socket`, `timer`, `signals`: the browser resources, one of each
//! - `options`, `events`: JS values in and out; `glue.js` + `js`: the JS side of both
//! - `callbacks`: JS functions backed by Rust closures

mod callbacks;
mod events;
mod frame;
mod inbound;
mod js;
mod notifications;
mod options;
mod shared;
mod signals;
mod socket;
mod timer;
mod transport;
