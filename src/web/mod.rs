//! The wasm side of the browser glue: the core exported as `Engine`, driven by the JS shell in
//! `transport.js` (which owns the socket, the timer and the listeners, and carries out the
//! core's actions). `glue.js` holds the JS helpers both sides use.
//!
//! - `engine`: the exported `Engine` (events in, actions out, all as numbers where possible)
//! - `options`: the options' numbers, as the core's `Config` (pure; tested natively)

mod engine;
mod options;
