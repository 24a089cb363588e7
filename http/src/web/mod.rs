//! The browser layer: the `HttpAgentTransport` class (`transport`) and its Rust API
//! (`rust_api`), one request and its body (`attempt`), options (`options`), and the JS bindings
//! that must not throw into Rust (`js`).

mod attempt;
mod js;
mod options;
mod rust_api;
mod transport;

pub use options::HttpOptions;
pub use rust_api::{HttpErrorEvent, HttpStatusEvent, ListenerHandle};
pub use transport::HttpAgentTransport;
