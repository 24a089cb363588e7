//! The reducer proper: a well-formed event folded into the state, one module per protocol
//! family. Each returns the event's log summary; the session around it (`session`) does the
//! versions and the log.

mod agui;
mod chat;
mod mission;
mod runs;
mod tracking;

use crate::prelude::*;

use super::event::{Envelope, Event};
use super::log::Summary;
use super::session::Session;
use super::text::Text;

/// What every event may carry besides its own fields, and the stamp of the change under way.
pub(super) struct Context {
    pub at: Option<f64>,
    pub session_id: Option<String>,
    pub run_id: Option<String>,
    pub stamp: u64,
}

impl<V: Clone> Session<V> {
    /// Applies a well-formed event; returns its log summary, and the event itself when the log
    /// keeps it (AG-UI's `RAW` and `CUSTOM`).
    pub(in crate::core) fn reduce(&mut self, envelope: Envelope<V>) -> (Summary, Option<V>) {
        let Envelope { kind, at, session_id, run_id, event } = envelope;
        let context = Context { at, session_id, run_id, stamp: self.stamp };
        match event {
            Event::Chat(event) => (self.reduce_chat(event, context), None),
            Event::Tracking(event) => (self.reduce_tracking(event, context), None),
            Event::Run(event) => (self.reduce_run(event, context), None),
            Event::Mission(event) => (self.reduce_mission(event, context), None),
            Event::Agui(event) => self.reduce_agui(kind, event, context),
        }
    }
}

/// A number for summaries without float formatting (which would add kilobytes to the wasm).
fn whole(value: f64) -> i64 {
    if value.is_finite() {
        (if value < 0.0 { value - 0.5 } else { value + 0.5 }) as i64
    } else {
        0
    }
}

fn percent(fraction: f64) -> i64 {
    whole(fraction * 100.0)
}

fn tool_ended_text(id: &str, status: &str, duration_ms: Option<f64>) -> String {
    match duration_ms {
        Some(ms) => Text::new(id).s(" ").s(status).s(" in ").i(whole(ms)).s(" ms").done(),
        None => Text::new(id).s(" ").s(status).done(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_round_half_away_from_zero_and_ignore_non_finite() {
        assert_eq!(whole(2.5), 3);
        assert_eq!(whole(-2.5), -3);
        assert_eq!(whole(f64::NAN), 0);
        assert_eq!(percent(0.333), 33);
    }
}
