//! AgentWire's agent-session reducer: the event streams of the reference server's endpoints
//! (chat stream, agent tracking, runs, mission signals) folded into one state, which
//! JavaScript reads as snapshots whose unchanged parts keep their identity.
//!
//! A crate of its own so that apps which only need the transport (`agentwire`) do not download
//! it. Two layers, as in the transport crate:
//! - [`core`]: the reducer. Plain Rust over plain Rust events ([`core::Event`], parsed from field
//!   values through the [`core::EventFields`] trait), no JS inside; built and tested natively
//!   (`cargo test -p agentwire-session`). Every part of the state and every item in its lists
//!   carries a version, so a reader can tell exactly what changed.
//! - `web` (wasm32 only): reads JS event objects into the core (`js_sys::Reflect`, no serde),
//!   builds frozen snapshot objects that reuse what did not change, and exports `AgentSession`.
//!
//! On wasm32 the crate is `no_std` (with `alloc`), like the transport: std's panic and
//! formatting machinery would be most of the module.

#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

pub mod core;

#[cfg(target_arch = "wasm32")]
mod web;

/// What std's prelude would give; imported explicitly so the same code builds without std.
mod prelude {
    pub use alloc::string::String;
    pub use alloc::vec::Vec;
}

#[cfg(target_arch = "wasm32")]
mod wasm_runtime;

/// A single-threaded allocator smaller and faster than the dlmalloc std would bring; the
/// reducer allocates per event, so its speed matters more here than a few hundred bytes.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
