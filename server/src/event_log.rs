//! What each endpoint has seen, for `GET /control/log`: connection counts and every inbound
//! frame, bounded so a long benchmark or a flood cannot grow memory without limit.

use std::collections::VecDeque;
use std::sync::Mutex;

use serde_json::{json, Value};

use crate::endpoints::Endpoint;

/// Most frames kept per endpoint; older ones are dropped and counted in `truncated`.
pub const MAX_LOGGED_FRAMES: usize = 10_000;
/// Most bytes of frame text kept per endpoint (1 MiB frames × 10,000 would be 10 GiB).
pub const MAX_LOGGED_BYTES: usize = 8 << 20;

#[derive(Default)]
struct EndpointLog {
    /// Connections accepted since start (or the last reset).
    connections: u64,
    /// Connections open right now (not cleared by a reset: they are still open).
    open: u64,
    received: VecDeque<String>,
    received_bytes: usize,
    truncated: u64,
    /// Ids of client messages acted on (not re-acked repeats), oldest first, bounded like
    /// `received`.
    processed: VecDeque<String>,
}

pub struct EventLog {
    endpoints: [Mutex<EndpointLog>; Endpoint::ALL.len()],
}

impl Default for EventLog {
    fn default() -> Self {
        EventLog {
            endpoints: std::array::from_fn(|_| Mutex::new(EndpointLog::default())),
        }
    }
}

impl EventLog {
    fn with<R>(&self, endpoint: Endpoint, f: impl FnOnce(&mut EndpointLog) -> R) -> R {
        // A panic while holding the lock cannot leave the log inconsistent in a way that
        // matters (counters and a queue), so recover from poisoning instead of cascading.
        let mut guard = match self.endpoints[endpoint as usize].lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut guard)
    }

    pub fn connection_opened(&self, endpoint: Endpoint) {
        self.with(endpoint, |log| {
            log.connections += 1;
            log.open += 1;
        });
    }

    pub fn connection_closed(&self, endpoint: Endpoint) {
        self.with(endpoint, |log| log.open = log.open.saturating_sub(1));
    }

    /// Records an inbound text frame as its raw text.
    pub fn received_text(&self, endpoint: Endpoint, text: &str) {
        self.push(endpoint, text.to_owned());
    }

    /// Records an inbound binary frame as `{"binary":<len>}`.
    pub fn received_binary(&self, endpoint: Endpoint, len: usize) {
        self.push(endpoint, format!("{{\"binary\":{len}}}"));
    }

    fn push(&self, endpoint: Endpoint, frame: String) {
        self.with(endpoint, |log| {
            log.received_bytes += frame.len();
            log.received.push_back(frame);
            while log.received.len() > MAX_LOGGED_FRAMES || log.received_bytes > MAX_LOGGED_BYTES {
                match log.received.pop_front() {
                    Some(old) => {
                        log.received_bytes -= old.len();
                        log.truncated += 1;
                    }
                    None => break,
                }
            }
        });
    }

    /// Records that the message with idempotency id `id` was acted on.
    pub fn processed(&self, endpoint: Endpoint, id: &str) {
        self.with(endpoint, |log| {
            log.processed.push_back(id.to_owned());
            while log.processed.len() > MAX_LOGGED_FRAMES {
                log.processed.pop_front();
            }
        });
    }

    /// Forgets frames, processed ids and accepted-connection counts; open counts stay true.
    /// (The ids stay remembered for deduplication: a reset changes what is observed, not
    /// what the server has done.)
    pub fn reset(&self) {
        for endpoint in Endpoint::ALL {
            self.with(endpoint, |log| {
                log.connections = 0;
                log.received.clear();
                log.received_bytes = 0;
                log.truncated = 0;
                log.processed.clear();
            });
        }
    }

    pub fn open_connections(&self, endpoint: Endpoint) -> u64 {
        self.with(endpoint, |log| log.open)
    }

    /// `{"stream": {"connections", "open", "received", "truncated", "processed"}, …}`
    pub fn snapshot(&self) -> Value {
        let mut out = serde_json::Map::new();
        for endpoint in Endpoint::ALL {
            let entry = self.with(endpoint, |log| {
                json!({
                    "connections": log.connections,
                    "open": log.open,
                    "received": log.received,
                    "truncated": log.truncated,
                    "processed": log.processed,
                })
            });
            out.insert(endpoint.name().to_string(), entry);
        }
        Value::Object(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_keeps_the_newest_frames_and_counts_the_dropped_ones() {
        let log = EventLog::default();
        for i in 0..MAX_LOGGED_FRAMES + 5 {
            log.received_text(Endpoint::Echo, &i.to_string());
        }
        let snap = log.snapshot();
        let echo = &snap["echo"];
        assert_eq!(echo["truncated"], 5);
        assert_eq!(
            echo["received"].as_array().unwrap().len(),
            MAX_LOGGED_FRAMES
        );
        assert_eq!(echo["received"][0], "5");
    }

    #[test]
    fn log_bounds_bytes_as_well_as_frames() {
        let log = EventLog::default();
        let big = "x".repeat(1 << 20);
        for _ in 0..12 {
            log.received_text(Endpoint::Stream, &big);
        }
        let snap = log.snapshot();
        assert_eq!(snap["stream"]["received"].as_array().unwrap().len(), 8);
        assert_eq!(snap["stream"]["truncated"], 4);
    }
}
