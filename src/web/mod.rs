//! The browser glue: one `WebSocket`, one timer, the browser's online/visibility signals, and
//! the `WebSocketTransport` class exported to JavaScript. Decisions are the core's; this layer
//! reports events to it and carries out its actions.

mod events;
mod js;
mod options;
mod signals;
mod socket;
mod timer;
mod transport;


