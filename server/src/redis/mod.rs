//! The Redis backend (`--redis redis://…` or `REDIS_URL`): what lets several instances of the
//! server share one set of resumable streams, so a client whose instance died resumes on
//! another with nothing lost or repeated. Without it everything stays in the process.
//!
//! - [`streams`]: events in Redis Streams (seq = entry id, bounded by MAXLEN), the resume
//!   check, session metadata with a TTL of the grace period;
//! - [`fanout`]: live delivery to every instance, and noticing that Redis is gone or back;
//! - [`acks`]: acknowledged message ids (SET NX PX);
//! - [`agents`]: the agent-session registry /ws/agent-tracking reports;
//! - [`leases`]: which instance plays the work behind a stream (fencing its appends), and
//!   what that work is, so another instance continues it when that one dies;
//! - [`scripts`], [`keys`]: the Lua scripts and the key layout.
//!
//! Live fan-out is pub/sub, not XREAD BLOCK: one subscriber connection per instance carries
//! every stream's events (XREAD BLOCK would need a blocked connection per reading session,
//! since a blocked command stalls a multiplexed connection), and Redis Streams stay the
//! source of truth: a follower that sees a gap in the seqs, or whose subscription was
//! re-established, reads the missing entries with XRANGE from the last seq it has.
//! Commands go over one multiplexed [`ConnectionManager`], which reconnects by itself.

pub mod acks;
pub mod agents;
pub mod fanout;
pub mod keys;
pub mod leases;
pub mod scripts;
pub mod streams;

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{RedisResult, Script};
use tokio::sync::{mpsc, watch};

use crate::config::Config;
pub use fanout::Notice;

/// Close code and reason for a resumable socket while Redis is unreachable: 1013 "try again
/// later", which clients retry with backoff and then resume (PROTOCOL.md, "Close codes").
pub const REDIS_UNAVAILABLE: (u16, &str) = (1013, "redis unavailable");

/// How long connecting to Redis at startup may take before the server gives up.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// A write nobody waits for (registry updates, broadcasts), run in the order queued.
type QueuedWrite = Box<
    dyn FnOnce(ConnectionManager) -> Pin<Box<dyn Future<Output = RedisResult<()>> + Send>> + Send,
>;

struct Followers {
    next: u64,
    /// Stream name → the local sessions following it.
    by_stream: HashMap<String, Vec<(u64, mpsc::UnboundedSender<Notice>)>>,
}

pub struct RedisBackend {
    /// The URL as given, for messages.
    pub url: String,
    client: redis::Client,
    commands: ConnectionManager,
    /// Tells this instance's own control notices from the others'.
    pub instance: String,
    up: watch::Sender<bool>,
    followers: Mutex<Followers>,
    writes: mpsc::UnboundedSender<QueuedWrite>,
    /// Queued writes dropped while Redis was down (reported when it returns).
    dropped_writes: AtomicU64,
    append_script: Script,
    broadcast_script: Script,
    finish_script: Script,
    claim_script: Script,
    renew_script: Script,
    begin_work_script: Script,
    end_work_script: Script,
    claim_ack_script: Script,
    commit_ack_script: Script,
    /// Numbers this instance's claims on acknowledged message ids.
    next_claim: AtomicU64,
    /// `--lease-ms`: how long a stream's lease lasts unless renewed.
    pub lease: Duration,
    /// `--resume-max-events`: the streams' MAXLEN.
    pub max_events: usize,
    /// `--resume-max-age-ms`: entries older than this cannot serve a resume (`expired`).
    pub max_age: Duration,
    /// `--resume-grace-ms`: the TTL of a session's metadata after its socket went.
    pub grace: Duration,
    /// Ack ids are kept this long (as in memory: the longer of age bound and grace).
    pub ack_keep: Duration,
    quiet: bool,
}

impl RedisBackend {
    /// Connects (commands and the subscriber) or says why not, within a few seconds.
    pub async fn connect(url: &str, config: &Config) -> Result<Arc<RedisBackend>, String> {
        let client =
            redis::Client::open(url).map_err(|e| format!("--redis {url}: not a Redis URL: {e}"))?;
        // Few, short retries: while Redis is down a command must fail fast (the socket is
        // closed with 1013 and the client retries), not hang the connection's task.
        let manager_config = ConnectionManagerConfig::new()
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_millis(200))
            .set_connection_timeout(Some(Duration::from_secs(1)))
            .set_response_timeout(Some(Duration::from_secs(2)));
        let commands = tokio::time::timeout(
            CONNECT_TIMEOUT,
            client.get_connection_manager_with_config(manager_config),
        )
        .await
        .map_err(|_| format!("cannot reach Redis at {url}: no answer within {CONNECT_TIMEOUT:?}"))?
        .map_err(|e| format!("cannot reach Redis at {url}: {e}"))?;
        let (writes, queued) = mpsc::unbounded_channel();
        let backend = Arc::new(RedisBackend {
            url: url.to_string(),
            client,
            commands,
            instance: format!(
                "{}-{:x}",
                std::process::id(),
                std::hash::BuildHasher::hash_one(
                    &std::collections::hash_map::RandomState::new(),
                    0u8
                )
            ),
            up: watch::Sender::new(false),
            followers: Mutex::new(Followers {
                next: 1,
                by_stream: HashMap::new(),
            }),
            writes,
            dropped_writes: AtomicU64::new(0),
            append_script: scripts::append(),
            broadcast_script: scripts::broadcast(),
            finish_script: scripts::finish(),
            claim_script: scripts::claim(),
            renew_script: scripts::renew(),
            begin_work_script: scripts::begin_work(),
            end_work_script: scripts::end_work(),
            claim_ack_script: scripts::claim_ack(),
            commit_ack_script: scripts::commit_ack(),
            next_claim: AtomicU64::new(1),
            lease: config.lease,
            max_events: config.resume_max_events,
            max_age: config.resume_max_age,
            grace: config.resume_grace,
            ack_keep: config.resume_max_age.max(config.resume_grace),
            quiet: config.quiet,
        });
        tokio::spawn(run_queued_writes(Arc::downgrade(&backend), queued));
        Ok(backend)
    }

    /// A command connection (a cheap clone of the multiplexed one).
    pub fn conn(&self) -> ConnectionManager {
        self.commands.clone()
    }

    /// Whether the subscriber is connected: while not, resumable connections are refused.
    pub fn is_up(&self) -> bool {
        *self.up.borrow()
    }

    /// Resolves once Redis is reachable (the subscriber connected).
    pub async fn wait_up(&self) {
        let mut up = self.up.subscribe();
        let _ = up.wait_for(|up| *up).await;
    }

    fn set_up(&self, up: bool) -> bool {
        self.up
            .send_if_modified(|now| std::mem::replace(now, up) != up)
    }

    /// A line on stderr. Redis trouble is always reported, even with `--quiet`: losing the
    /// shared store is never silent.
    pub fn report(&self, line: std::fmt::Arguments<'_>) {
        eprintln!("agentwire-server: redis {}: {line}", self.url);
    }

    /// A routine line on stderr, unless `--quiet`.
    pub fn note(&self, line: std::fmt::Arguments<'_>) {
        if !self.quiet {
            self.report(line);
        }
    }

    /// TTL of a stream's keys: long enough to outlive its sessions' grace and age bound.
    pub fn stream_ttl(&self) -> Duration {
        self.grace + self.max_age
    }

    /// Queues a write that nobody waits for; writes run one after another in queue order.
    pub fn queue<F, Fut>(&self, write: F)
    where
        F: FnOnce(ConnectionManager) -> Fut + Send + 'static,
        Fut: Future<Output = RedisResult<()>> + Send + 'static,
    {
        let boxed: QueuedWrite = Box::new(move |conn| Box::pin(write(conn)));
        let _ = self.writes.send(boxed);
    }

    fn followers(&self) -> MutexGuard<'_, Followers> {
        match self.followers.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Registers a local follower of `stream`; it gets every notice published on it from now.
    pub fn follow(&self, stream: &str) -> (u64, mpsc::UnboundedReceiver<Notice>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let mut followers = self.followers();
        let token = followers.next;
        followers.next += 1;
        followers
            .by_stream
            .entry(stream.to_string())
            .or_default()
            .push((token, tx));
        (token, rx)
    }

    pub fn unfollow(&self, stream: &str, token: u64) {
        let mut followers = self.followers();
        if let Some(list) = followers.by_stream.get_mut(stream) {
            list.retain(|(t, _)| *t != token);
            if list.is_empty() {
                followers.by_stream.remove(stream);
            }
        }
    }

    /// Hands a published notice to the local followers of its stream.
    fn dispatch(&self, stream: &str, notice: Notice) {
        let followers = self.followers();
        if let Some(list) = followers.by_stream.get(stream) {
            for (_, tx) in list {
                let _ = tx.send(notice.clone());
            }
        }
    }

    /// Asks every local follower to re-read its stream (after the subscription was re-made,
    /// notices published in between were never received).
    fn resync_all(&self) {
        let followers = self.followers();
        for list in followers.by_stream.values() {
            for (_, tx) in list {
                let _ = tx.send(Notice::Resync);
            }
        }
    }
}

async fn run_queued_writes(
    backend: std::sync::Weak<RedisBackend>,
    mut queued: mpsc::UnboundedReceiver<QueuedWrite>,
) {
    while let Some(write) = queued.recv().await {
        let Some(backend) = backend.upgrade() else {
            return;
        };
        if !backend.is_up() {
            // Nothing to write to; counted, and reported when Redis returns.
            backend.dropped_writes.fetch_add(1, Ordering::Relaxed);
            continue;
        }
        if let Err(e) = write(backend.conn()).await {
            backend.report(format_args!("a background write failed: {e}"));
        }
    }
}
