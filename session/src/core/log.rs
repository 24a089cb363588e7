//! The event log: every event the session was given, summarised in a line, bounded (oldest
//! dropped). Unknown types and malformed events are kept here with the event itself
//! (`known: false`), so nothing the server sends disappears silently.
//!
//! A `message_delta` is the one event that arrives by the thousand, so its summary is kept as
//! data (the message id is shared, not copied) and only written out for the entries a snapshot
//! shows.

use alloc::rc::Rc;

use crate::prelude::*;

use super::event::Kind;
use super::text::Text;

#[derive(Debug, Clone, PartialEq)]
pub enum LogType {
    Known(Kind),
    /// An unknown type, or the type of a malformed event.
    Other(String),
    /// No string `type` at all.
    Missing,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Summary {
    Text(String),
    Delta { message_id: Rc<str>, chars: usize },
}

impl Summary {
    pub fn to_text(&self) -> String {
        match self {
            Summary::Text(text) => text.clone(),
            Summary::Delta { message_id, chars } => Text::new(message_id).s(": +").n(*chars as u64).s(" chars").done(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry<V> {
    /// The event's number in this session (1-based; counts every event, kept or not).
    pub seq: u64,
    pub kind: LogType,
    pub at: Option<f64>,
    pub summary: Summary,
    pub known: bool,
    pub malformed: bool,
    /// The event itself, for unknown and malformed events.
    pub event: Option<V>,
    pub version: u64,
}

impl<V> LogEntry<V> {
    pub fn type_name(&self) -> Option<&str> {
        match &self.kind {
            LogType::Known(kind) => Some(kind.name()),
            LogType::Other(name) => Some(name),
            LogType::Missing => None,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Every event applied (heartbeats aside), known or not.
    pub events: u64,
    pub unknown: u64,
    pub malformed: u64,
}
