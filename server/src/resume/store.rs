//! Every resumable session of the server, by id: creation, the resume decision, the grace
//! period after a socket goes, and what is remembered of sessions already discarded.

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use super::buffer::{Bounds, Replay};
use super::handshake::{Hello, Welcome};
use super::session::Session;
use crate::config::Config;
use crate::connection::ConnShared;
use crate::endpoints::Endpoint;
use crate::events::Event;

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
    pub fn new(config: &Config) -> SessionStore {
        SessionStore {
            inner: Arc::new(Inner {
                sessions: Mutex::new(HashMap::new()),
                tombstones: Mutex::new(Tombstones::default()),
                bounds: config.resume_bounds(),
                grace: config.resume_grace,
                max_outbound_frames: config.max_outbound_frames,
                id_keys: RandomState::new(),
                next: AtomicU64::new(1),
            }),
        }
    }

    /// A fresh session (seq starts at 1) on `endpoint` for the path parameter `key`.
    pub fn create(&self, endpoint: Endpoint, key: &str) -> Arc<Session> {
        let n = self.inner.next.fetch_add(1, Ordering::Relaxed);
        let id = format!("s-{:016x}{n:x}", self.inner.id_keys.hash_one(n));
        let session = Arc::new(Session::new(
            id.clone(),
            endpoint,
            key.to_string(),
            self.inner.bounds,
            self.inner.max_outbound_frames,
        ));
        locked(&self.inner.sessions).insert(id, session.clone());
        session
    }

    /// Decides a `resume` (`hello` is `None` when it is unsupported) for a connection whose
    /// own fresh session is `fresh`, and attaches the socket to the outcome. Resumed: the
    /// named session, from `after`, and `fresh` is discarded. Otherwise `fresh`, from 0.
    pub fn resume(
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
        let Some(target) = found.filter(|s| s.endpoint == fresh.endpoint && s.key == fresh.key)
        else {
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

    /// The socket of `epoch` is gone from a session its client may resume: the session and
    /// its work are kept for the grace period, then discarded unless a socket came back.
    pub fn release(&self, session: &Arc<Session>, epoch: u64) {
        if !session.detach(epoch) {
            return; // taken over by a newer socket
        }
        let grace = self.inner.grace;
        let inner: Weak<Inner> = Arc::downgrade(&self.inner);
        let session = session.clone();
        tokio::spawn(async move {
            tokio::time::sleep(grace).await;
            let Some(inner) = inner.upgrade() else { return };
            // A later detach has its own timer; only the one that sees a full grace acts.
            if session
                .detached_at()
                .is_some_and(|at| at.elapsed() >= grace)
            {
                inner.discard(&session, true);
            }
        });
    }

    /// Discards a session nobody can resume (its client never asked to): what a plain
    /// connection gets when its socket ends, as before sessions existed.
    pub fn discard(&self, session: &Arc<Session>) {
        self.inner.discard(session, false);
    }

    /// Offers an event to every session of `endpoint`, attached or in its grace period.
    pub fn broadcast(&self, endpoint: Endpoint, event: &Event) -> usize {
        let targets: Vec<Arc<Session>> = locked(&self.inner.sessions)
            .values()
            .filter(|s| s.endpoint == endpoint)
            .cloned()
            .collect();
        targets.iter().filter(|s| s.offer(event) > 0).count()
    }

    /// Sessions held right now (attached or in their grace period).
    pub fn len(&self) -> usize {
        locked(&self.inner.sessions).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
