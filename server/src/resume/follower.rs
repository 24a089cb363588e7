//! Filling a session's buffer from a stream kept elsewhere: a Redis stream (every session in
//! Redis mode, since any instance may write to it) or, in memory, a run started with
//! `POST /control/runs/{run_id}` that several sessions watch.
//!
//! A follower only ever hands the session the next seq: a notice that skips ahead makes it
//! read the missing entries (XRANGE after the last seq held), one it already has is ignored.
//! So pub/sub's at-most-once delivery costs a read, never an event.
//!
//! A follower of a stream with work behind it (a chat, a run) also watches the work's
//! instance: when the stream has been quiet for a lease period, it checks the stream's lease,
//! and if it lapsed (that instance died, or stopped renewing), claims it and has this
//! instance continue the work after the stream's last event (see [`Continuer`]).

use std::sync::{Arc, Weak};

use tokio::sync::mpsc;

use super::session::{Delivered, Session};
use crate::redis::leases::{ClaimMode, Claimed};
use crate::redis::streams::{Entry, READ_BATCH};
use crate::redis::{Notice, RedisBackend, REDIS_UNAVAILABLE};
use crate::registry::SLOW_CONSUMER;

/// Continues, on this instance, the work behind a stream whose lapsed lease it just claimed.
pub trait Continuer: Send + Sync + 'static {
    /// `session` follows `stream` here; `claimed` holds the new token, the stream's last seq
    /// and the spec of the work to continue after it.
    fn continue_work(&self, session: &Arc<Session>, stream: &str, claimed: Claimed);
}

/// Starts filling `session` from the Redis stream `stream`, after event `after`. With a
/// `continuer`, the follower also takes over the stream's work when its lease lapses.
pub fn follow_redis(
    session: &Arc<Session>,
    backend: Arc<RedisBackend>,
    stream: String,
    after: u64,
    continuer: Option<Arc<dyn Continuer>>,
) {
    // Registered before the first read, so nothing published from now on is missed; what
    // was published before is read from the stream.
    let (token, notices) = backend.follow(&stream);
    let task = tokio::spawn(run_redis(
        Arc::downgrade(session),
        Registration {
            backend,
            stream,
            token,
        },
        notices,
        after,
        continuer,
    ));
    session.set_follower(task);
}

/// Unregisters the follower however its task ends (an abort drops the future).
struct Registration {
    backend: Arc<RedisBackend>,
    stream: String,
    token: u64,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.backend.unfollow(&self.stream, self.token);
    }
}

enum Caught {
    Up,
    /// Entries the session needs were trimmed before it read them.
    Lost,
    Failed(redis::RedisError),
    Gone,
}

async fn run_redis(
    session: Weak<Session>,
    registration: Registration,
    mut notices: mpsc::UnboundedReceiver<Notice>,
    after: u64,
    continuer: Option<Arc<dyn Continuer>>,
) {
    let quiet_for = registration.backend.lease;
    let mut last = after;
    loop {
        match catch_up(&session, &registration, &mut last).await {
            Caught::Up => {}
            Caught::Gone => return,
            Caught::Lost => {
                if let Some(session) = session.upgrade() {
                    session.fail(SLOW_CONSUMER.0, SLOW_CONSUMER.1);
                }
                return;
            }
            Caught::Failed(e) => {
                registration.backend.report(format_args!(
                    "cannot read stream {}: {e}; closing its session with 1013",
                    registration.stream
                ));
                if let Some(session) = session.upgrade() {
                    session.fail(REDIS_UNAVAILABLE.0, REDIS_UNAVAILABLE.1);
                }
                return;
            }
        }
        // Live: take notices in order until one shows something was missed.
        loop {
            let next = match &continuer {
                None => notices.recv().await,
                Some(continuer) => match tokio::time::timeout(quiet_for, notices.recv()).await {
                    Ok(next) => next,
                    Err(_quiet) => {
                        continue_if_lapsed(&session, &registration, continuer.as_ref()).await;
                        continue;
                    }
                },
            };
            let Some(notice) = next else {
                return;
            };
            let Some(session) = session.upgrade() else {
                return;
            };
            match notice {
                Notice::Event { seq, frame } => match session.deliver(seq, frame) {
                    Delivered::Held => last = seq,
                    Delivered::Already => {}
                    Delivered::Gone => return,
                    Delivered::Gap => break,
                },
                Notice::Finished { after } if after <= last => {
                    if after == last {
                        session.finished_here();
                    }
                }
                Notice::Finished { .. } | Notice::Resync => break,
            }
        }
    }
}

/// The stream has been quiet for a lease period: if its lease lapsed with work left, this
/// instance claims it and continues the work (unless it holds it already).
async fn continue_if_lapsed(
    session: &Weak<Session>,
    registration: &Registration,
    continuer: &dyn Continuer,
) {
    let Some(session) = session.upgrade() else {
        return;
    };
    if session.is_discarded() || session.holds_lease() {
        return;
    }
    match registration
        .backend
        .claim(&registration.stream, ClaimMode::Lapsed)
        .await
    {
        Ok(Some(claimed)) => continuer.continue_work(&session, &registration.stream, claimed),
        Ok(None) => {}
        Err(e) => registration.backend.report(format_args!(
            "cannot check the lease on {}: {e}",
            registration.stream
        )),
    }
}

/// Reads the stream after `last` until it is exhausted, handing each entry to the session.
async fn catch_up(session: &Weak<Session>, registration: &Registration, last: &mut u64) -> Caught {
    loop {
        let entries = match registration
            .backend
            .read_after(&registration.stream, *last, READ_BATCH)
            .await
        {
            Ok(entries) => entries,
            Err(e) => return Caught::Failed(e),
        };
        let Some(session) = session.upgrade() else {
            return Caught::Gone;
        };
        let exhausted = entries.len() < READ_BATCH;
        for entry in entries {
            match entry {
                Entry::Event { seq, frame, .. } => match session.deliver(seq, frame.clone()) {
                    Delivered::Held => *last = seq,
                    Delivered::Already => {}
                    Delivered::Gone => return Caught::Gone,
                    // A fresh reader of a stream that already dropped its start (a long
                    // started run): it begins with the oldest entry still held.
                    Delivered::Gap if session.skip_to(seq - 1) => {
                        if session.deliver(seq, frame) != Delivered::Held {
                            return Caught::Gone;
                        }
                        *last = seq;
                    }
                    // The entry after `last` is gone: MAXLEN trimmed it before we read it.
                    Delivered::Gap => return Caught::Lost,
                },
                Entry::Finished { after } if after == *last => session.finished_here(),
                Entry::Finished { .. } => {}
            }
        }
        if exhausted {
            return Caught::Up;
        }
    }
}

/// In memory: makes `viewer` follow the started run `source` from its first event, copying
/// each event as the run publishes it, and its end.
pub fn follow_local(viewer: &Arc<Session>, source: Arc<Session>) {
    let task = tokio::spawn(relay(Arc::downgrade(viewer), source));
    viewer.set_follower(task);
}

async fn relay(viewer: Weak<Session>, source: Arc<Session>) {
    let mut published = source.subscribe_published();
    let mut last = 0;
    loop {
        published.borrow_and_update();
        let Some(viewer) = viewer.upgrade() else {
            return;
        };
        match source.events_after(last) {
            None => {
                // The run's buffer dropped events this viewer has not copied yet. Before the
                // first copy that is the run's start (a long run): begin at its oldest held.
                match source.first_held() {
                    Some(first) if viewer.skip_to(first - 1) => {
                        last = first - 1;
                        continue;
                    }
                    _ => {
                        viewer.fail(SLOW_CONSUMER.0, SLOW_CONSUMER.1);
                        return;
                    }
                }
            }
            Some((batch, ends)) => {
                let copied = batch.len();
                for frame in batch {
                    match viewer.deliver(last + 1, frame.to_string()) {
                        Delivered::Held => last += 1,
                        _ => return,
                    }
                }
                if ends {
                    viewer.finished_here();
                    return;
                }
                if copied > 0 {
                    continue; // more may be held already
                }
            }
        }
        drop(viewer);
        if published.changed().await.is_err() {
            return;
        }
    }
}
