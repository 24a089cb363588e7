//! Acknowledged message ids shared by every instance. An id goes through two states:
//!
//! - `claim:<token>` (expiring after the lease period) while one instance acts on it;
//! - `done` (kept for the protocol's "at least the age bound"), written once the act has
//!   happened, and where the act is itself recorded in Redis (a chat's work spec,
//!   `begin_work`) in the same script as that record.
//!
//! So an instance that dies between the claim and the act leaves a claim that lapses, and the
//! client's re-send (to another instance) is acted on there; one that dies after the act has
//! written `done`, and the re-send is only acked as a duplicate. A re-send that meets a live
//! claim waits for it to become `done` or to lapse. Writing `done` also appends the id to the
//! endpoint's processed list, which `/control/log` shows as `processed_everywhere`: the one
//! record of what every instance acted on that survives an instance's death.

use std::sync::atomic::Ordering;

use redis::RedisResult;

use super::streams::millis;
use super::{keys, RedisBackend};

/// The close of a socket whose message's claim lapsed before it was acted on (this instance
/// stalled past the lease): retryable, so the client re-sends it and one instance acts on it.
pub const CLAIM_LAPSED: (u16, &str) = (1013, "ack claim lapsed");

/// Processed ids kept per endpoint (as the in-memory log keeps its frames).
pub const MAX_PROCESSED: usize = crate::event_log::MAX_LOGGED_FRAMES;

/// Where an id stands, as [`RedisBackend::claim_ack`] finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AckState {
    /// Nobody had it: this instance now holds the claim and is to act on it.
    Claimed(AckClaim),
    /// Another instance is acting on it (or died doing so, until its claim lapses).
    ClaimedElsewhere,
    /// Acted on already: ack it as a duplicate.
    Done,
}

/// This instance's claim on one message id, to be made `done` once it has been acted on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AckClaim {
    pub endpoint: &'static str,
    pub id: String,
    pub token: String,
}

impl AckClaim {
    /// The keys and arguments a script that makes the claim `done` takes (see
    /// [`super::scripts::COMMIT_ACK_FN`]), after its own.
    pub(super) fn keys(&self) -> [String; 2] {
        [keys::ack(self.endpoint, &self.id), keys::processed(self.endpoint)]
    }
}

impl RedisBackend {
    /// Claims `id` for this instance unless it is claimed or done.
    pub async fn claim_ack(&self, endpoint: &'static str, id: &str) -> RedisResult<AckState> {
        let token = format!("{}:{}", self.instance, self.next_claim.fetch_add(1, Ordering::Relaxed));
        let state: i64 = self
            .claim_ack_script
            .key(keys::ack(endpoint, id))
            .arg(&token)
            .arg(millis(self.lease))
            .invoke_async(&mut self.conn())
            .await?;
        Ok(match state {
            1 => AckState::Claimed(AckClaim { endpoint, id: id.to_string(), token }),
            0 => AckState::ClaimedElsewhere,
            _ => AckState::Done,
        })
    }

    /// The message has been acted on: its id is `done` for every instance. False if the claim
    /// had lapsed first (this instance stalled past the lease: another may act on it too).
    pub async fn commit_ack(&self, claim: &AckClaim) -> RedisResult<bool> {
        let [ack, processed] = claim.keys();
        let committed: i64 = self
            .commit_ack_script
            .key(ack)
            .key(processed)
            .arg(&claim.token)
            .arg(millis(self.ack_keep))
            .arg(&claim.id)
            .arg(MAX_PROCESSED)
            .invoke_async(&mut self.conn())
            .await?;
        Ok(committed == 1)
    }

    /// The ids every instance has made `done` on `endpoint`, oldest first (the last
    /// [`MAX_PROCESSED`]).
    pub async fn processed(&self, endpoint: &str) -> RedisResult<Vec<String>> {
        redis::cmd("LRANGE")
            .arg(keys::processed(endpoint))
            .arg(0)
            .arg(-1)
            .query_async(&mut self.conn())
            .await
    }
}
