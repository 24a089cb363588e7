//! Acknowledged client messages (PROTOCOL.md, "Client → server"): every message carrying a
//! string `id` is acked; an id already acted on is acked again with `duplicate: true` and not
//! acted on. Pure bookkeeping on explicit instants; the endpoints send the acks.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::time::Instant;

use crate::endpoints::Endpoint;

/// Ids remembered per endpoint at most. The protocol asks for the age bound; this bounds
/// memory against a client flooding unique ids within it (a repeat of an id forgotten this
/// way would be acted on again; 100,000 ids within two minutes is far past any real client).
pub const MAX_REMEMBERED_IDS: usize = 100_000;

/// Whether to act on a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// First time: act on it (and ack it).
    Act,
    /// Seen before: ack it again, do nothing else.
    Duplicate,
}

#[derive(Default)]
struct Ledger {
    acted: HashMap<String, Instant>,
    /// The same ids, oldest first, to forget them once they are older than `keep`.
    order: VecDeque<(Instant, String)>,
}

pub struct Acks {
    ledgers: [Mutex<Ledger>; Endpoint::ALL.len()],
    keep: Duration,
}

impl Acks {
    /// Remembers ids for `keep` after they were acted on (at least the resume age bound).
    pub fn new(keep: Duration) -> Acks {
        Acks {
            ledgers: std::array::from_fn(|_| Mutex::new(Ledger::default())),
            keep,
        }
    }

    fn ledger(&self, endpoint: Endpoint) -> MutexGuard<'_, Ledger> {
        match self.ledgers[endpoint as usize].lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Records `id` as acted on unless it already is.
    pub fn check(&self, endpoint: Endpoint, id: &str, now: Instant) -> Verdict {
        let mut ledger = self.ledger(endpoint);
        while let Some((at, _)) = ledger.order.front() {
            let too_old = now.saturating_duration_since(*at) > self.keep;
            if !too_old && ledger.order.len() < MAX_REMEMBERED_IDS {
                break;
            }
            if let Some((at, old)) = ledger.order.pop_front() {
                // Only forget the entry this queue slot stands for (not a re-recorded one).
                if ledger.acted.get(&old) == Some(&at) {
                    ledger.acted.remove(&old);
                }
            }
        }
        if ledger.acted.contains_key(id) {
            return Verdict::Duplicate;
        }
        ledger.acted.insert(id.to_string(), now);
        ledger.order.push_back((now, id.to_string()));
        Verdict::Act
    }
}

/// The idempotency id of a client message: a string `id` at the top level.
pub fn message_id(value: &Value) -> Option<&str> {
    value.get("id").and_then(Value::as_str)
}

/// `{"type":"ack","id":…}`, with `"duplicate":true` for a repeat. Not sequenced.
pub fn ack_frame(id: &str, verdict: Verdict) -> String {
    match verdict {
        Verdict::Act => json!({ "type": "ack", "id": id }),
        Verdict::Duplicate => json!({ "type": "ack", "id": id, "duplicate": true }),
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_acted_on_once_and_its_repeats_are_duplicates() {
        let acks = Acks::new(Duration::from_secs(120));
        let now = Instant::now();
        assert_eq!(acks.check(Endpoint::Stream, "a", now), Verdict::Act);
        assert_eq!(acks.check(Endpoint::Stream, "a", now), Verdict::Duplicate);
        assert_eq!(acks.check(Endpoint::Stream, "b", now), Verdict::Act);
        assert_eq!(
            acks.check(Endpoint::Runs, "a", now),
            Verdict::Act,
            "per endpoint"
        );
    }

    #[test]
    fn ids_are_remembered_for_the_whole_keep_period_then_forgotten() {
        let acks = Acks::new(Duration::from_secs(120));
        let start = Instant::now();
        acks.check(Endpoint::Stream, "a", start);
        let almost = start + Duration::from_secs(120);
        assert_eq!(
            acks.check(Endpoint::Stream, "a", almost),
            Verdict::Duplicate
        );
        let past = start + Duration::from_secs(121);
        assert_eq!(acks.check(Endpoint::Stream, "a", past), Verdict::Act);
    }

    #[test]
    fn acks_name_the_id_and_mark_duplicates() {
        assert_eq!(
            ack_frame("c-1", Verdict::Act),
            r#"{"id":"c-1","type":"ack"}"#
        );
        let dup: Value = serde_json::from_str(&ack_frame("c-1", Verdict::Duplicate)).unwrap();
        assert_eq!(dup["duplicate"], true);
        assert_eq!(message_id(&json!({"id": 7})), None, "only string ids");
    }
}
