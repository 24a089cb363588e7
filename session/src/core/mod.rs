//! The reducer, without any JS: events in (read through [`EventFields`]), state out, with a
//! version per part and per list item. Tested natively.

pub mod activities;
pub mod agents;
pub mod agui_event;
pub mod bounded;
pub mod charts;
pub mod event;
pub mod fields;
pub mod index;
pub mod json;
pub mod json_patch;
pub mod keys;
pub mod log;
pub mod messages;
mod reduce;
pub mod run;
pub mod session;
pub mod state;
// The transport crate's message builder, shared as a file (see its header).
#[path = "../../../src/core/text.rs"]
pub mod text;
pub mod timestamp;
pub mod tools;
pub mod tracking;

pub use event::{parse, Envelope, Event, Kind, Parsed, SessionItem};
pub use fields::{EventFields, Field, TypeField};
pub use keys::Key;
pub use session::Session;
pub use state::{Limits, Part, State};
