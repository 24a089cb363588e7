//! The sans-IO core: every decision the transport makes, as plain Rust.
//!
//! Modelled on quinn-proto and str0m: the embedder calls `handle_*(input, now)` when something
//! happens and `poll_*()` to learn what to do; the core never reads a clock, never touches a
//! socket and never calls back into the embedder.

pub mod backoff;
pub mod close_policy;
pub mod config;
pub mod connection;
pub mod errors;
pub mod heartbeat;
pub mod http_run;
pub mod listeners;
pub mod queue;
pub mod resume;
pub mod rng;
pub mod share;
pub mod snapshot;
pub mod sse;
pub mod stats;
pub mod text;
pub mod urls;
pub mod utf8;

/// Milliseconds on a monotonic clock chosen by the embedder (`performance.now()` in the
/// browser, a fake clock in tests). Only differences between two values are meaningful.
pub type Millis = f64;

pub use config::{Config, ConfigError, HeartbeatConfig, QueueConfig, ReconnectConfig, TokenSource, DEFAULT_ACK_TIMEOUT_MS};
pub use connection::{Action, AttemptId, Connection, FrameVerdict, Restored, Route, SendOutcome};
pub use errors::{ErrorEvent, ErrorKind};
pub use resume::{AckKey, Welcome};
pub use snapshot::{Snapshot, Status, StatusChange};
pub use stats::Stats;
pub use urls::UrlSource;
