//! Resumable streams (PROTOCOL.md): every stream event of /ws/stream, /ws/runs/{id} and
//! /ws/agent-tracking/{id} is numbered (`seq`) and held per session within count, byte and
//! age bounds, so a client that reconnects with `resume` gets exactly what it missed, and the
//! work behind the session keeps running for a grace period while no socket is attached.
//!
//! - [`buffer`]: the bounded replay buffer (pure, tested on explicit instants);
//! - [`session`]: one session: numbering, the forwarder that feeds the attached socket;
//! - [`follower`]: filling a session from a stream kept elsewhere (Redis, a started run);
//! - [`store`]: all sessions, the resume decision, the grace period;
//! - [`handshake`]: the `resume` and `welcome` frames;
//! - [`link`]: what each resumable endpoint does with them on one connection.

pub mod buffer;
pub mod follower;
pub mod handshake;
pub mod link;
pub mod session;
pub mod store;

pub use link::{Link, HELLO_WAIT};
pub use session::{Forwarded, Session, Work};
pub use store::{RunSource, SessionStore};
