//! Every resumable session of the server, by id: creation, the resume decision, the grace
//! period after a socket goes, and what is remembered of sessions already discarded.
//!
//! With Redis the sessions of this instance are its windows of streams kept in Redis (see
//! [`Origin`]), and a session this instance does not hold is looked up there: a client whose
//! instance died resumes on any other. In memory, a session lives in this process only.

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};
use std::time::Duration;

use super::buffer::{Bounds, Replay};
use super::follower::{follow_local, follow_redis, Continuer};
use super::handshake::{Hello, Welcome};
use super::session::{Origin, Session};
use crate::config::Config;
use crate::connection::ConnShared;
use crate::endpoints::Endpoint;
use crate::events::Event;
use crate::redis::streams::{Position, SessionMeta};
use crate::redis::{RedisBackend, REDIS_UNAVAILABLE};

/// How often the sessions with a socket attached refresh their Redis TTLs (at most; a third
/// of the grace period when that is shorter, so none lapses while attached).
const KEEP_ALIVE_EVERY: Duration = Duration::from_secs(5);

/// What a session watching a started run reads.
pub enum RunSource {
    /// The run plays in this process (in memory).
    Local(Arc<Session>),
    /// The run's Redis stream (written by whichever instance started it).
    Redis(String),
}

/// Ids of sessions discarded after their grace period, remembered so a late resume is told
/// `expired` rather than `unknown`. Bounded: beyond it the oldest are forgotten (and would
/// be answered `unknown`, which is also true).
const MAX_TOMBSTONES: usize = 10_000;

/// What a `resume` frame led to.
pub struct Resumption {
    pub session: Arc<Session>,
    pub epoch: u64,
    pub welcome: Welcome,
}

#[derive(Default)]
struct Tombstones {
    ids: HashSet<String>,
    order: VecDeque<String>,
}

struct Inner {
    sessions: Mutex<HashMap<String, Arc<Session>>>,
    tombstones: Mutex<Tombstones>,
    bounds: Bounds,
    grace: Duration,
    max_outbound_frames: usize,
    /// Per-process random keys: session ids differ between runs of the server, so a client
    /// of the previous run is told `unknown` instead of being handed someone's new session.
    /// std's SipHash keys are enough for that; ids are not secrets on a loopback test server.
    id_keys: RandomState,
    next: AtomicU64,
    /// Where sessions live when the server runs on Redis.
    shared: Option<Arc<RedisBackend>>,
    /// Continues the work of a stream whose instance died (Redis only; set once the app
    /// exists).
    continuer: OnceLock<Arc<dyn Continuer>>,
}

fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    match mutex.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

impl Inner {
    fn discard(&self, session: &Arc<Session>, remember: bool) {
        session.discard();
        let removed = locked(&self.sessions).remove(&session.id).is_some();
        if let (Some(shared), true) = (&self.shared, removed) {
            // Remembered: its grace period is over everywhere (the caller checked). Not
            // remembered: nobody could resume it (plain, or replaced by a resume), so
            // there is no metadata to lose, and its tracking stream leaves the broadcasts.
            shared.forget_session(
                &session.id,
                session.stream().unwrap_or(&session.id),
                remember,
            );
        }
        if removed && remember {
            let mut tombs = locked(&self.tombstones);
            if tombs.ids.insert(session.id.clone()) {
                tombs.order.push_back(session.id.clone());
            }
            while tombs.order.len() > MAX_TOMBSTONES {
                if let Some(old) = tombs.order.pop_front() {
                    tombs.ids.remove(&old);
                }
            }
        }
    }
}

pub struct SessionStore {
    inner: Arc<Inner>,
}

impl SessionStore {
    /// A store in this process (`shared: None`) or on Redis.
    pub fn new(config: &Config, shared: Option<Arc<RedisBackend>>) -> SessionStore {
        SessionStore {
            inner: Arc::new(Inner {
                sessions: Mutex::new(HashMap::new()),
                tombstones: Mutex::new(Tombstones::default()),
                bounds: config.resume_bounds(),
                grace: config.resume_grace,
                max_outbound_frames: config.max_outbound_frames,
                id_keys: RandomState::new(),
                next: AtomicU64::new(1),
                shared,
                continuer: OnceLock::new(),
            }),
        }
    }

    /// What continues the work of streams whose lease lapsed (set once, by the app).
    pub fn set_continuer(&self, continuer: Arc<dyn Continuer>) {
        let _ = self.inner.continuer.set(continuer);
    }

    /// Starts filling `session` from `stream` after `after`; a follower of a stream with
    /// work behind it also watches that work's lease.
    fn follow(
        &self,
        session: &Arc<Session>,
        backend: &Arc<RedisBackend>,
        stream: String,
        after: u64,
    ) {
        let continuer = session
            .is_fenced()
            .then(|| self.inner.continuer.get().cloned())
            .flatten();
        follow_redis(session, backend.clone(), stream, after, continuer);
    }

    fn new_id(&self) -> String {
        let n = self.inner.next.fetch_add(1, Ordering::Relaxed);
        // Per-process random keys also keep two instances from handing out the same id.
        format!("s-{:016x}{n:x}", self.inner.id_keys.hash_one(n))
    }

    fn build(
        &self,
        id: String,
        endpoint: Endpoint,
        key: &str,
        origin: Origin,
        after: u64,
    ) -> Arc<Session> {
        Arc::new(Session::new(
            id,
            endpoint,
            key.to_string(),
            self.inner.bounds,
            self.inner.max_outbound_frames,
            origin,
            after,
        ))
    }

    fn origin(&self, endpoint: Endpoint, stream: &str) -> Origin {
        match &self.inner.shared {
            None => Origin::Local,
            Some(backend) => Origin::Shared {
                backend: backend.clone(),
                stream: stream.to_string(),
                // The endpoints whose sessions have a chat or run behind them.
                fenced: matches!(endpoint, Endpoint::Stream | Endpoint::Runs),
            },
        }
    }

    /// A fresh session (seq starts at 1) on `endpoint` for the path parameter `key`.
    pub fn create(&self, endpoint: Endpoint, key: &str) -> Arc<Session> {
        let id = self.new_id();
        let session = self.build(id.clone(), endpoint, key, self.origin(endpoint, &id), 0);
        if let Some(backend) = &self.inner.shared {
            self.follow(&session, backend, id.clone(), 0);
            if endpoint == Endpoint::Tracking {
                // Every instance's broadcasts reach it from now on (kept alive while attached).
                backend.list_tracking_stream(&id, self.inner.grace);
            }
        }
        locked(&self.inner.sessions).insert(id, session.clone());
        session
    }

    /// A fresh session on `endpoint` that shows the started run `source` from its start
    /// (its events are the run's, seq for seq).
    pub fn create_following(
        &self,
        endpoint: Endpoint,
        key: &str,
        source: RunSource,
    ) -> Arc<Session> {
        let id = self.new_id();
        let session = match source {
            RunSource::Local(run) => {
                let session = self.build(id.clone(), endpoint, key, Origin::Local, 0);
                follow_local(&session, run);
                session
            }
            RunSource::Redis(stream) => {
                let session =
                    self.build(id.clone(), endpoint, key, self.origin(endpoint, &stream), 0);
                if let Some(backend) = &self.inner.shared {
                    self.follow(&session, backend, stream, 0);
                }
                session
            }
        };
        locked(&self.inner.sessions).insert(id, session.clone());
        session
    }

    /// A session that is nobody's connection: the producer side of a started run, held by
    /// the caller (not resumable by id). In Redis it writes to `stream`.
    pub fn create_producer(&self, endpoint: Endpoint, key: &str, stream: &str) -> Arc<Session> {
        self.build(
            stream.to_string(),
            endpoint,
            key,
            self.origin(endpoint, stream),
            0,
        )
    }

    /// Decides a `resume` (`hello` is `None` when it is unsupported) for a connection whose
    /// own fresh session is `fresh`, and attaches the socket to the outcome. Resumed: the
    /// named session, from `after`, and `fresh` is discarded. Otherwise `fresh`, from 0.
    pub async fn resume(
        &self,
        hello: Option<&Hello>,
        fresh: &Arc<Session>,
        shared: &Arc<ConnShared>,
    ) -> Resumption {
        let outcome = self.decide(hello, fresh, shared).await;
        let Some(backend) = &self.inner.shared else {
            return outcome;
        };
        // Resolvable by every instance from now on, for a grace period past its last socket
        // (a resumed session's metadata may be close to lapsing: refreshed too).
        let session = &outcome.session;
        let meta = SessionMeta {
            endpoint: session.endpoint.name().to_string(),
            key: session.key.clone(),
            stream: session.stream().unwrap_or(&session.id).to_string(),
        };
        if let Err(e) = backend.register_session(&session.id, &meta).await {
            backend.report(format_args!(
                "cannot register session {}: {e}; closing it with 1013",
                session.id
            ));
            session.fail(REDIS_UNAVAILABLE.0, REDIS_UNAVAILABLE.1);
            return outcome;
        }
        if outcome.welcome.resumed {
            // A socket of this session still attached on another instance (half-open, or
            // its client is here now) is dropped there, as a local resume drops it here.
            if let Err(e) = backend.announce_takeover(&session.id).await {
                backend.report(format_args!(
                    "cannot announce the takeover of {}: {e}",
                    session.id
                ));
            }
        }
        outcome
    }

    async fn decide(
        &self,
        hello: Option<&Hello>,
        fresh: &Arc<Session>,
        shared: &Arc<ConnShared>,
    ) -> Resumption {
        let refused = |reason: Option<&'static str>| {
            let epoch = fresh.attach(shared, 0);
            Resumption {
                session: fresh.clone(),
                epoch,
                welcome: Welcome {
                    session: fresh.id.clone(),
                    resumed: false,
                    after: 0,
                    reason,
                },
            }
        };
        let Some(hello) = hello else {
            return refused(Some("unsupported"));
        };
        let Some(id) = hello.session.as_deref() else {
            return refused(None);
        };
        let found = locked(&self.inner.sessions).get(id).cloned();
        let found = found.filter(|s| !s.is_discarded());
        let Some(target) = found.filter(|s| s.endpoint == fresh.endpoint && s.key == fresh.key)
        else {
            if let Some(backend) = &self.inner.shared {
                return match self
                    .resume_from_redis(backend, hello, id, fresh, shared)
                    .await
                {
                    Ok(resumption) => resumption,
                    Err(reason) => refused(Some(reason)),
                };
            }
            let expired = locked(&self.inner.tombstones).ids.contains(id);
            return refused(Some(if expired { "expired" } else { "unknown" }));
        };
        if Arc::ptr_eq(&target, fresh) {
            // Only reachable by guessing an id never sent; still a consistent answer.
            return refused(Some("unknown"));
        }
        match target.try_attach(shared, hello.after) {
            Ok(epoch) => {
                self.inner.discard(fresh, false);
                Resumption {
                    welcome: Welcome {
                        session: target.id.clone(),
                        resumed: true,
                        after: hello.after,
                        reason: None,
                    },
                    session: target,
                    epoch,
                }
            }
            Err(Replay::Lost(lost)) => refused(Some(lost.reason())),
            Err(_) => refused(Some("unknown")),
        }
    }

    /// A session this instance does not hold, looked up in Redis: resumed here if its stream
    /// still has every event after `after`. Otherwise the welcome's reason.
    async fn resume_from_redis(
        &self,
        backend: &Arc<RedisBackend>,
        hello: &Hello,
        id: &str,
        fresh: &Arc<Session>,
        shared: &Arc<ConnShared>,
    ) -> Result<Resumption, &'static str> {
        let unavailable = |e: redis::RedisError| {
            backend.report(format_args!("cannot look up session {id}: {e}"));
            // Not resumable now; the client is told why the stream restarts, as after a
            // server restart.
            "unknown"
        };
        let Some(meta) = backend.lookup_session(id).await.map_err(unavailable)? else {
            let expired = backend.is_tombstoned(id).await.map_err(unavailable)?;
            return Err(if expired { "expired" } else { "unknown" });
        };
        if meta.endpoint != fresh.endpoint.name() || meta.key != fresh.key {
            return Err("unknown");
        }
        match backend
            .check_position(&meta.stream, hello.after)
            .await
            .map_err(unavailable)?
        {
            Position::Served => {}
            Position::Unknown => return Err("unknown"),
            Position::Lost(lost) => return Err(lost.reason()),
        }
        let target = self.build(
            id.to_string(),
            fresh.endpoint,
            &fresh.key,
            self.origin(fresh.endpoint, &meta.stream),
            hello.after,
        );
        self.follow(&target, backend, meta.stream.clone(), hello.after);
        locked(&self.inner.sessions).insert(id.to_string(), target.clone());
        let epoch = target.attach(shared, hello.after);
        self.inner.discard(fresh, false);
        backend.note(format_args!(
            "session {id} resumed here after {}",
            hello.after
        ));
        Ok(Resumption {
            welcome: Welcome {
                session: id.to_string(),
                resumed: true,
                after: hello.after,
                reason: None,
            },
            session: target,
            epoch,
        })
    }

    /// The socket of `epoch` is gone from a session its client may resume: the session and
    /// its work are kept for the grace period, then discarded unless a socket came back.
    /// With Redis, "came back" includes another instance: its metadata is then still kept
    /// alive there, and this instance waits for it to lapse before it stops the work.
    pub fn release(&self, session: &Arc<Session>, epoch: u64) {
        if !session.detach(epoch) {
            if session.is_discarded() {
                locked(&self.inner.sessions).remove(&session.id);
            }
            return; // taken over by a newer socket
        }
        let grace = self.inner.grace;
        let inner: Weak<Inner> = Arc::downgrade(&self.inner);
        let session = session.clone();
        tokio::spawn(async move {
            let mut wait = grace;
            loop {
                tokio::time::sleep(wait).await;
                let Some(inner) = inner.upgrade() else { return };
                // A later detach has its own timer; only the one that sees a full grace acts.
                if session.detached_at().is_none_or(|at| at.elapsed() < grace) {
                    return;
                }
                if let Some(backend) = &inner.shared {
                    match backend.session_ttl(&session.id).await {
                        // Attached elsewhere (or released there later): wait for that.
                        Ok(Some(left)) => {
                            wait = left + Duration::from_millis(10);
                            continue;
                        }
                        Ok(None) => {}
                        Err(e) => backend.report(format_args!(
                            "cannot check session {}: {e}; discarding it here",
                            session.id
                        )),
                    }
                }
                inner.discard(&session, true);
                return;
            }
        });
    }

    /// The session was resumed on another instance: its socket here (if any) is dropped, as
    /// a local resume drops the previous socket.
    pub fn taken_over(&self, id: &str) {
        let found = locked(&self.inner.sessions).get(id).cloned();
        if let Some(session) = found {
            session.drop_attached();
        }
    }

    /// Redis is gone: every session held here is discarded (its work stopped), since what
    /// it would emit could not be stored; the work's spec and lease are left to lapse, so an
    /// instance continues it once Redis is back with its data. Their sockets are closed by
    /// the caller.
    pub fn discard_all(&self) -> usize {
        let all: Vec<Arc<Session>> = locked(&self.inner.sessions)
            .drain()
            .map(|(_, s)| s)
            .collect();
        for session in &all {
            session.abandon();
        }
        all.len()
    }

    /// Refreshes, every little while, the Redis TTLs of the sessions with a socket attached
    /// here, so a session lapses only a grace period after its last socket (or instance) is
    /// gone.
    pub fn spawn_keep_alive(&self) {
        let Some(backend) = self.inner.shared.clone() else {
            return;
        };
        let inner = Arc::downgrade(&self.inner);
        let every = (self.inner.grace / 3).clamp(Duration::from_millis(50), KEEP_ALIVE_EVERY);
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            loop {
                ticks.tick().await;
                let Some(inner) = inner.upgrade() else { return };
                let attached: Vec<(String, String, bool)> = locked(&inner.sessions)
                    .values()
                    .filter(|s| s.is_attached())
                    .map(|s| {
                        let stream = s.stream().unwrap_or(&s.id).to_string();
                        (s.id.clone(), stream, s.endpoint == Endpoint::Tracking)
                    })
                    .collect();
                drop(inner);
                if backend.is_up() {
                    if let Err(e) = backend.keep_alive(&attached).await {
                        backend.report(format_args!("cannot refresh session TTLs: {e}"));
                    }
                }
            }
        });
    }

    /// Discards a session nobody can resume (its client never asked to): what a plain
    /// connection gets when its socket ends, as before sessions existed.
    pub fn discard(&self, session: &Arc<Session>) {
        self.inner.discard(session, false);
    }

    /// Offers an event to every session of `endpoint`, attached or in its grace period. With
    /// Redis, to every /ws/agent-tracking session of every instance (in the background; the
    /// count is then 0).
    pub fn broadcast(&self, endpoint: Endpoint, event: &Event) -> usize {
        if let Some(backend) = &self.inner.shared {
            if endpoint == Endpoint::Tracking {
                backend.broadcast_tracking(event);
                return 0;
            }
        }
        let targets: Vec<Arc<Session>> = locked(&self.inner.sessions)
            .values()
            .filter(|s| s.endpoint == endpoint)
            .cloned()
            .collect();
        targets.iter().filter(|s| s.offer_here(event) > 0).count()
    }

    /// Sessions held right now (attached or in their grace period).
    pub fn len(&self) -> usize {
        locked(&self.inner.sessions).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
