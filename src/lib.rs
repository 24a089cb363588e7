//! AgentWire: a WebSocket transport for AI-agent UIs, compiled to WebAssembly.
//!
//! The crate has two layers:
//! - [`core`]: the sans-IO logic (reconnect backoff, close-code policy, heartbeat deadlines,
//!   offline queue, frame limits, the connection state machine). Plain Rust, no clock and no
//!   I/O inside: time and events go in through `handle_*` methods, actions come out of `poll_*`
//!   methods. It builds and is tested natively (`cargo test`).
//! - `web` (wasm32 only): the core exported to JavaScript as numbered engines, driven by the JS
//!   shell `src/web/transport.js` (`WebSocketTransport`), which owns the browser `WebSocket`,
//!   the timer and the listeners, feeds their events in and carries out the actions.
//!
//! On wasm32 the crate is `no_std` (with `alloc`): std's panic and formatting machinery is most
//! of a wasm module's size, and what ships is budgeted (see BENCHMARKS.md). Natively it uses std,
//! so the tests run with the usual harness.

#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

pub mod core;

#[cfg(target_arch = "wasm32")]
mod web;

// The web layer's pure piece, compiled natively too so its tests run with `cargo test`.
#[cfg(all(test, not(target_arch = "wasm32")))]
#[path = "web/options.rs"]
mod web_options;

/// What std's prelude would give; imported explicitly so the same code builds without std.
mod prelude {
    pub use alloc::borrow::ToOwned;
    pub use alloc::string::{String, ToString};
    pub use alloc::vec::Vec;
}

#[cfg(target_arch = "wasm32")]
mod wasm_runtime;

/// The smallest allocator that reuses memory (a free list that merges neighbours): the engine
/// allocates little (queued messages, error texts, nothing per inbound message), and every
/// byte of the module is budgeted. The session crate, which allocates per event, uses talc.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
// SAFETY: a wasm module without threads is single-threaded.
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };
