//! Integration tests for agentwire-server: real sockets on 127.0.0.1, port 0.
//! One test crate (modules per endpoint) so the suite links once.

mod agui;
mod binary;
mod common;
mod control;
mod cors;
mod echo_bench;
mod limits;
mod mission;
mod redis;
mod resume;
mod runs;
mod stream;
mod tracking;
