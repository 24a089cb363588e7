//! The browser layer: the `HttpAgentTransport` class (`transport`), one request and its body
//! (`attempt`), options (`options`), and the JS bindings that must not throw into Rust (`js`).

mod attempt;
mod js;
mod options;
mod transport;
