//! The browser glue: JS event objects read into the core, snapshots built for JS with
//! structural sharing, and the `AgentSession` class. Decisions are the core's.

mod cache;
mod js_event;
mod json_value;
mod objects;
mod options;
mod session;
mod snapshot;
