//! Who plays the work behind a stream (a chat on /ws/stream, a run on /ws/runs, a started
//! run): the instance holding the stream's lease. The lease is a key with a TTL of
//! `--lease-ms`, renewed every third of it while the work plays; its value is a token
//! `<instance>:<epoch>` that is new with every claim. Every append and the finish mark carry
//! the token and are refused unless it is the lease's (the scripts check it atomically), so
//! once another instance claimed the lease, the previous holder cannot write one more event,
//! even if it was only paused and comes back.
//!
//! Next to the lease, the work's spec (what rebuilds it: the chat's message and pace, the
//! run's id and plan) and its base (the stream's last seq before its first event). An
//! instance that claims a lapsed lease continues the work at event `last - base + 1`: the
//! scripts are deterministic given the spec, so the continuation is the same script.

use redis::RedisResult;

use super::acks::{AckClaim, MAX_PROCESSED};
use super::streams::millis;
use super::{keys, RedisBackend};

/// What [`RedisBackend::begin_work`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkBegun {
    /// Recorded; the stream's last seq before the work's first event.
    Base(u64),
    /// Not recorded: the lease is someone else's.
    NotLeaseHolder,
    /// Not recorded: the claim on the message that asked for it lapsed (this instance stalled
    /// past the lease), so another instance may be acting on it.
    ClaimLapsed,
}

/// How a claim treats a lease that stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimMode {
    /// Take it anyway: a client acts on its session on this instance (a new chat, a cancel),
    /// so whatever plays elsewhere is fenced out and this instance decides.
    Steal,
    /// Only if no lease stands and work is left to continue (its holder is presumed dead).
    Lapsed,
}

/// A lease this instance now holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    /// Carried by every append while it holds.
    pub token: String,
    /// The stream's last seq when claimed: nobody can append after it but this holder.
    pub last: u64,
    /// The spec of the work left playing into the stream, if any.
    pub work: Option<String>,
    /// The stream's last seq before that work's first event.
    pub base: u64,
}

impl RedisBackend {
    /// Claims the lease on `stream` (see [`ClaimMode`]); `None` if `Lapsed` and it was not.
    pub async fn claim(&self, stream: &str, mode: ClaimMode) -> RedisResult<Option<Claimed>> {
        let mode = match mode {
            ClaimMode::Steal => "steal",
            ClaimMode::Lapsed => "lapsed",
        };
        let reply: Option<(String, u64, String, u64)> = self
            .claim_script
            .key(keys::lease(stream))
            .key(keys::epoch(stream))
            .key(keys::work(stream))
            .key(keys::counter(stream))
            .arg(mode)
            .arg(&self.instance)
            .arg(millis(self.lease))
            .arg(millis(self.stream_ttl()))
            .invoke_async(&mut self.conn())
            .await?;
        Ok(reply.map(|(token, last, work, base)| Claimed {
            token,
            last,
            work: (!work.is_empty()).then_some(work),
            base,
        }))
    }

    /// Extends the lease `token` holds; false if it holds it no more.
    pub async fn renew(&self, stream: &str, token: &str) -> RedisResult<bool> {
        self.renew_script
            .key(keys::lease(stream))
            .key(keys::work(stream))
            .arg(token)
            .arg(millis(self.lease))
            .arg(millis(self.stream_ttl()))
            .invoke_async(&mut self.conn())
            .await
    }

    /// Records `spec` as the work about to play into `stream`, and with `ack` makes the
    /// acknowledged message that asked for it `done` in the same step (redis/acks.rs).
    pub async fn begin_work(
        &self,
        stream: &str,
        token: &str,
        spec: &str,
        ack: Option<&AckClaim>,
    ) -> RedisResult<WorkBegun> {
        let mut invocation = self.begin_work_script.prepare_invoke();
        invocation
            .key(keys::lease(stream))
            .key(keys::work(stream))
            .key(keys::counter(stream))
            .arg(token)
            .arg(spec)
            .arg(millis(self.stream_ttl()));
        if let Some(claim) = ack {
            let [ack_key, processed] = claim.keys();
            invocation
                .key(ack_key)
                .key(processed)
                .arg(&claim.token)
                .arg(millis(self.ack_keep))
                .arg(&claim.id)
                .arg(MAX_PROCESSED);
        }
        let base: i64 = invocation.invoke_async(&mut self.conn()).await?;
        Ok(match base {
            -2 => WorkBegun::ClaimLapsed,
            base => u64::try_from(base).map_or(WorkBegun::NotLeaseHolder, WorkBegun::Base),
        })
    }

    /// The work behind `stream` is over: nobody is to continue it. With `release`, the lease
    /// goes too. False if `token` does not hold the lease (someone else decides now).
    pub async fn end_work(&self, stream: &str, token: &str, release: bool) -> RedisResult<bool> {
        self.end_work_script
            .key(keys::lease(stream))
            .key(keys::work(stream))
            .arg(token)
            .arg(if release { "1" } else { "0" })
            .invoke_async(&mut self.conn())
            .await
    }
}
