//! One resumable session: its sequence, its replay buffer, the work that feeds it (a chat, a
//! run) and the socket it is attached to, if any.
//!
//! Producers never write to a socket. They push events into the buffer, and one forwarder
//! task per attached socket copies them into that connection's outbound queue, starting after
//! the position the client resumed from. Replay and live delivery are therefore the same code
//! path: nothing can be sent twice or overtake a replayed event, and the work keeps running
//! while no socket is attached (the grace period).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use axum::extract::ws::{Message, Utf8Bytes};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::buffer::{Bounds, Replay, ReplayBuffer};
use crate::connection::{ConnShared, Outbox};
use crate::endpoints::Endpoint;
use crate::events::Event;
use crate::redis::acks::{AckClaim, CLAIM_LAPSED};
use crate::redis::leases::{ClaimMode, Claimed, WorkBegun};
use crate::redis::{RedisBackend, REDIS_UNAVAILABLE};
use crate::registry::SLOW_CONSUMER;

/// Where a session's events are numbered and kept.
pub enum Origin {
    /// In this process: `emit` numbers the event and holds it in the buffer.
    Local,
    /// In Redis, shared by every instance: `emit` appends to `stream` there (the seq is the
    /// stream's), and the buffer is this instance's window of that stream, filled by a
    /// follower task. Replay and live delivery stay the same path as in memory.
    Shared {
        backend: Arc<RedisBackend>,
        stream: String,
        /// The stream has work behind it (a chat, a run): appends need its lease, held by
        /// one instance at a time (`redis::leases`). Tracking feeds are written by every
        /// instance's broadcasts and are not fenced.
        fenced: bool,
    },
}

/// What became of an event handed to a session by its follower.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivered {
    Held,
    /// Already held (a replayed notice): ignored.
    Already,
    /// Not the next one: events in between are missing.
    Gap,
    /// The session is discarded.
    Gone,
}

/// Events a forwarder takes from the buffer per lock.
const FORWARD_BATCH: usize = 64;

/// The work behind a session (a chat task, a run task); aborted with the session.
pub struct Work {
    /// What the work is, for replies about it (a chat's agent session id).
    pub label: String,
    task: JoinHandle<()>,
    /// Set before the task is aborted because another instance took its stream's lease: the
    /// work goes on there, so its end here is no cancellation.
    handed_over: Option<Arc<AtomicBool>>,
}

impl Work {
    pub fn new(label: String, task: JoinHandle<()>) -> Work {
        Work {
            label,
            task,
            handed_over: None,
        }
    }

    /// The flag the task reads to tell a hand-over from a cancellation.
    pub fn with_handover_flag(mut self, flag: Arc<AtomicBool>) -> Work {
        self.handed_over = Some(flag);
        self
    }

    fn hand_over(self) {
        if let Some(flag) = &self.handed_over {
            flag.store(true, Ordering::SeqCst);
        }
        self.task.abort();
    }

    /// Stops the work and waits until its task is gone, so nothing of it is emitted after
    /// this returns. True if it was still running (really stopped).
    pub async fn stop(self) -> bool {
        self.task.abort();
        matches!(self.task.await, Err(e) if e.is_cancelled())
    }
}

/// Work a client's action stopped (`cancel`, or a new chat superseding it).
pub struct Stopped {
    pub label: String,
    /// Whether it was still running (and so really stopped).
    pub running: bool,
    /// It played on another instance (with Redis), fenced out by this one.
    pub elsewhere: bool,
}

/// This instance's lease on the session's stream, and the task renewing it.
struct Owner {
    token: String,
    renewal: JoinHandle<()>,
}

/// How a forwarder ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forwarded {
    /// The work is finished and every event of it is queued on the socket.
    Complete,
    /// A newer connection took the session over.
    TakenOver,
    /// A bound dropped events before they were forwarded (a consumer far behind).
    FellBehind,
    /// The connection is gone.
    Gone,
}

struct Attachment {
    epoch: u64,
    shared: Arc<ConnShared>,
    /// The seq of the last event queued on this socket.
    cursor: u64,
}

struct State {
    buffer: ReplayBuffer,
    attached: Option<Attachment>,
    next_epoch: u64,
    /// When the last socket went away (for the grace period); `None` while attached.
    detached_at: Option<Instant>,
    /// The work has emitted its last event.
    finished: bool,
    discarded: bool,
    work: Option<Work>,
    /// The task that fills the buffer from elsewhere (a Redis stream, a started run).
    follower: Option<JoinHandle<()>>,
    /// Held while this instance plays the work behind a fenced stream.
    owner: Option<Owner>,
}

pub struct Session {
    pub id: String,
    pub endpoint: Endpoint,
    /// The path parameter the session belongs to (run id, tracking client id; empty for
    /// /ws/stream): a session is only resumed on the URL it was created on.
    pub key: String,
    state: Mutex<State>,
    /// The last seq pushed (also bumped by `finish`), so forwarders wake without polling.
    published: watch::Sender<u64>,
    /// Bumped whenever a forwarder advances or the attachment changes, so paced producers
    /// wake.
    progress: watch::Sender<u64>,
    /// How many events paced producers may run ahead of the forwarder: the old backpressure
    /// (a full outbound queue), and never more than the count bound, so the count bound never
    /// drops an event an attached client has not been sent yet.
    window: u64,
    /// Unsent bytes at which paced producers wait: half the byte bound, so the byte bound
    /// does not drop what an attached client has not been sent either.
    window_bytes: u64,
    /// How far a broadcast may run ahead before the client counts as a slow consumer.
    slow_limit: u64,
    origin: Origin,
}

impl Session {
    pub(super) fn new(
        id: String,
        endpoint: Endpoint,
        key: String,
        bounds: Bounds,
        max_outbound_frames: usize,
        origin: Origin,
        after: u64,
    ) -> Session {
        Session {
            id,
            endpoint,
            key,
            state: Mutex::new(State {
                buffer: ReplayBuffer::starting_after(bounds, after),
                attached: None,
                next_epoch: 0,
                detached_at: Some(Instant::now()),
                finished: false,
                discarded: false,
                work: None,
                follower: None,
                owner: None,
            }),
            origin,
            published: watch::Sender::new(after),
            progress: watch::Sender::new(0),
            window: max_outbound_frames.min(bounds.max_events).max(1) as u64,
            window_bytes: (bounds.max_bytes / 2).max(1) as u64,
            slow_limit: max_outbound_frames.max(1) as u64,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Plain data; a panic elsewhere cannot leave it half-updated in a way that matters.
        match self.state.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Numbers the event, holds it for replay and wakes the forwarder. Returns its seq (0 if
    /// the session is already discarded, or the shared store refused it: then the session
    /// is closed with 1013 and discarded, nothing is lost silently).
    pub async fn emit(&self, event: &Event) -> u64 {
        match &self.origin {
            Origin::Local => self.push(event, false),
            Origin::Shared {
                backend, stream, ..
            } => self.append(backend, stream, event, false).await,
        }
    }

    /// [`emit`](Self::emit) of the work's last event (a chat's `result`). With Redis it is
    /// appended in the same script that ends the work (its spec and lease are deleted), so no
    /// instance finds the work still running once its last event is in the stream: a chat
    /// the client sends next is not told it superseded this one.
    pub async fn emit_last(&self, event: &Event) -> u64 {
        match &self.origin {
            Origin::Local => self.push(event, false),
            Origin::Shared {
                backend, stream, ..
            } => {
                let seq = self.append(backend, stream, event, true).await;
                if seq > 0 {
                    if let Some(owner) = self.lock().owner.take() {
                        owner.renewal.abort(); // the script released the lease
                    }
                }
                seq
            }
        }
    }

    /// The work labelled `label` has emitted its last event: it leaves the session (its task
    /// only finishes its bookkeeping), so `stop_work` no longer finds it running.
    pub fn work_answered(&self, label: &str) {
        let mut st = self.lock();
        if st.work.as_ref().is_some_and(|w| w.label == label) {
            st.work = None; // dropping the handle detaches the task, which ends by itself
        }
    }

    /// [`emit`](Self::emit) for broadcasts, which never wait: a socket that falls more than
    /// a queue's worth behind is closed as a slow consumer (1013), as the registry does for
    /// raw frames. A silenced socket is our simulated outage and is left alone. (In Redis,
    /// the follower applies that rule as the event arrives.)
    pub async fn offer(&self, event: &Event) -> u64 {
        match &self.origin {
            Origin::Local => self.push(event, true),
            Origin::Shared {
                backend, stream, ..
            } => self.append(backend, stream, event, false).await,
        }
    }

    /// [`offer`](Self::offer) of a session held in this process (in-memory broadcasts,
    /// which cannot wait).
    pub(crate) fn offer_here(&self, event: &Event) -> u64 {
        self.push(event, true)
    }

    async fn append(
        &self,
        backend: &RedisBackend,
        stream: &str,
        event: &Event,
        ends_work: bool,
    ) -> u64 {
        if self.is_discarded() {
            return 0;
        }
        let token = match self.fence_token() {
            Ok(token) => token,
            Err(()) => {
                backend.note(format_args!(
                    "session {} does not hold the lease on {stream}: event not appended",
                    self.id
                ));
                return 0;
            }
        };
        match backend
            .append(stream, event, token.as_deref(), ends_work)
            .await
        {
            Ok(Some(seq)) => seq,
            Ok(None) => {
                self.lose_lease(token.as_deref().unwrap_or_default(), "an append was fenced");
                0
            }
            Err(e) => {
                backend.report(format_args!(
                    "cannot append to stream {stream} (session {}): {e}; closing it with 1013",
                    self.id
                ));
                self.fail(REDIS_UNAVAILABLE.0, REDIS_UNAVAILABLE.1);
                0
            }
        }
    }

    /// The Redis stream this session reads, if it lives in Redis.
    pub fn stream(&self) -> Option<&str> {
        match &self.origin {
            Origin::Local => None,
            Origin::Shared { stream, .. } => Some(stream),
        }
    }

    /// The backend and stream of a session whose stream is fenced by a lease.
    fn fenced(&self) -> Option<(&Arc<RedisBackend>, &str)> {
        match &self.origin {
            Origin::Shared {
                backend,
                stream,
                fenced: true,
            } => Some((backend, stream)),
            _ => None,
        }
    }

    /// The token appends carry: `Ok(None)` for an unfenced stream, `Err` for a fenced one
    /// whose lease this instance does not hold.
    fn fence_token(&self) -> Result<Option<String>, ()> {
        if self.fenced().is_none() {
            return Ok(None);
        }
        match &self.lock().owner {
            Some(owner) => Ok(Some(owner.token.clone())),
            None => Err(()),
        }
    }

    /// Whether this instance holds the lease on the session's stream.
    pub fn holds_lease(&self) -> bool {
        self.lock().owner.is_some()
    }

    /// Whether the stream is fenced (has work behind it that one instance plays).
    pub fn is_fenced(&self) -> bool {
        self.fenced().is_some()
    }

    /// This instance now holds the stream's lease with `token`: it renews it every third of
    /// the lease until it ends the work, loses it, or the session is discarded.
    pub fn hold_lease(self: &Arc<Self>, token: String) {
        let Some((backend, stream)) = self.fenced() else {
            return;
        };
        let renewal = tokio::spawn(renew_lease(
            Arc::downgrade(self),
            backend.clone(),
            stream.to_string(),
            token.clone(),
        ));
        let mut st = self.lock();
        if st.discarded {
            renewal.abort();
            return;
        }
        if let Some(old) = st.owner.replace(Owner { token, renewal }) {
            old.renewal.abort();
        }
    }

    /// The lease `token` is no longer this instance's (another one claimed it, or it lapsed
    /// before it was renewed): the work playing here stops, as handed over, since the
    /// holder continues it. A newer token of this instance is left alone.
    fn lose_lease(&self, token: &str, why: &str) {
        let work = {
            let mut st = self.lock();
            if st.owner.as_ref().is_none_or(|o| o.token != token) {
                return;
            }
            if let Some(owner) = st.owner.take() {
                owner.renewal.abort();
            }
            st.work.take()
        };
        if let Some((backend, stream)) = self.fenced() {
            backend.note(format_args!(
                "lost the lease on {stream} ({why}): its work stops here"
            ));
        }
        if let Some(work) = work {
            work.hand_over();
        }
    }

    /// A client acts on this session here (a new chat, a cancel): this instance claims the
    /// stream's lease, whoever held it (they are fenced out from now on). Returns what the
    /// claim found; `Err` if Redis failed (then the session is closed with 1013).
    async fn take_over_for_client(self: &Arc<Self>) -> Result<Claimed, ()> {
        let Some((backend, stream)) = self.fenced() else {
            return Err(());
        };
        match backend.claim(stream, ClaimMode::Steal).await {
            Ok(Some(claimed)) => {
                self.hold_lease(claimed.token.clone());
                Ok(claimed)
            }
            Ok(None) => Err(()), // a steal always claims
            Err(e) => {
                backend.report(format_args!(
                    "cannot claim the lease on {stream}: {e}; closing session {} with 1013",
                    self.id
                ));
                self.fail(REDIS_UNAVAILABLE.0, REDIS_UNAVAILABLE.1);
                Err(())
            }
        }
    }

    /// Stops the work behind the session, wherever it plays: here, or (Redis) on another
    /// instance, which is fenced out by this one claiming the lease. Nobody continues it
    /// afterwards. This instance holds the lease afterwards (for the reply the client gets,
    /// and the work that may follow); [`end_work`](Self::end_work) lets go of it.
    pub async fn stop_work(self: &Arc<Self>) -> Option<Stopped> {
        let local = match self.replace_work(None) {
            Some(work) => {
                let label = work.label.clone();
                Some(Stopped {
                    label,
                    running: work.stop().await,
                    elsewhere: false,
                })
            }
            None => None,
        };
        let Some((backend, stream)) = self.fenced() else {
            return local;
        };
        let Ok(claimed) = self.take_over_for_client().await else {
            return local;
        };
        // Work of this session playing elsewhere (the client moved here): its label is in
        // its spec.
        let remote = claimed.work.as_deref().and_then(|spec| {
            let label = serde_json::from_str::<serde_json::Value>(spec).ok()?["label"]
                .as_str()?
                .to_string();
            Some(Stopped {
                label,
                running: true,
                elsewhere: true,
            })
        });
        if let Err(e) = backend.end_work(stream, &claimed.token, false).await {
            backend.report(format_args!("cannot end the work on {stream}: {e}"));
        }
        local.or(remote)
    }

    /// Records the work about to play into the session's stream (`spec`: what rebuilds it
    /// elsewhere), claiming the lease if this instance does not hold it. False if it cannot
    /// (Redis failed, or the lease went elsewhere): then the work must not start. Always
    /// true in memory.
    ///
    /// `ack`: the claim on the acknowledged message that asked for the work, made `done` in
    /// the same step as the work is recorded (redis/acks.rs). If that claim lapsed first, the
    /// work does not start and the session closes with 1013: the client re-sends the message,
    /// and whichever instance then holds it acts on it once.
    pub async fn begin_work(self: &Arc<Self>, spec: &str, ack: Option<&AckClaim>) -> bool {
        let Some((backend, stream)) = self.fenced() else {
            return true;
        };
        let token = match self.fence_token() {
            Ok(Some(token)) => token,
            _ => match self.take_over_for_client().await {
                Ok(claimed) => claimed.token,
                Err(()) => return false,
            },
        };
        match backend.begin_work(stream, &token, spec, ack).await {
            Ok(WorkBegun::Base(_)) => true,
            Ok(WorkBegun::NotLeaseHolder) => {
                self.lose_lease(&token, "it was claimed before the work began");
                false
            }
            Ok(WorkBegun::ClaimLapsed) => {
                backend.report(format_args!(
                    "the claim on an acknowledged message lapsed before its work began; closing session {} with 1013",
                    self.id
                ));
                self.fail(CLAIM_LAPSED.0, CLAIM_LAPSED.1);
                false
            }
            Err(e) => {
                backend.report(format_args!(
                    "cannot record the work on {stream}: {e}; closing session {} with 1013",
                    self.id
                ));
                self.fail(REDIS_UNAVAILABLE.0, REDIS_UNAVAILABLE.1);
                false
            }
        }
    }

    /// The work behind the session is over (a chat answered, a reply after `cancel`): its
    /// spec is deleted and the lease released, so nobody continues it.
    pub async fn end_work(&self) {
        let Some((backend, stream)) = self.fenced() else {
            return;
        };
        let Some(owner) = self.lock().owner.take() else {
            return;
        };
        owner.renewal.abort();
        if let Err(e) = backend.end_work(stream, &owner.token, true).await {
            backend.report(format_args!("cannot end the work on {stream}: {e}"));
        }
    }

    pub fn backend(&self) -> Option<&Arc<RedisBackend>> {
        match &self.origin {
            Origin::Local => None,
            Origin::Shared { backend, .. } => Some(backend),
        }
    }

    fn push(&self, event: &Event, shed_slow: bool) -> u64 {
        let seq = {
            let mut st = self.lock();
            if st.discarded {
                return 0;
            }
            let seq = st.buffer.last_seq() + 1;
            st.buffer.push(event.with_seq(seq).into(), Instant::now());
            if shed_slow {
                self.shed_if_slow(&st, seq);
            }
            seq
        };
        self.published.send_replace(seq);
        seq
    }

    fn shed_if_slow(&self, st: &State, seq: u64) {
        if let Some(a) = &st.attached {
            if seq - a.cursor > self.slow_limit && !a.shared.is_silenced() {
                a.shared.close(SLOW_CONSUMER.0, SLOW_CONSUMER.1);
            }
        }
    }

    /// Holds event `seq` (already numbered elsewhere, its frame final) if it is the next one.
    /// Producers elsewhere cannot be paced by this socket, so one that falls a queue's worth
    /// behind is a slow consumer, as with broadcasts.
    pub(crate) fn deliver(&self, seq: u64, frame: String) -> Delivered {
        {
            let mut st = self.lock();
            if st.discarded {
                return Delivered::Gone;
            }
            let next = st.buffer.last_seq() + 1;
            if seq < next {
                return Delivered::Already;
            }
            if seq > next {
                return Delivered::Gap;
            }
            st.buffer.push(frame.into(), Instant::now());
            self.shed_if_slow(&st, seq);
        }
        self.published.send_replace(seq);
        Delivered::Held
    }

    /// A fresh session following a stream whose events up to `after` were already dropped
    /// (the count bound of a long run): it starts at `after + 1`. Only before anything was
    /// held: a resumed position is never skipped past (that would lose events silently).
    pub(crate) fn skip_to(&self, after: u64) -> bool {
        let mut st = self.lock();
        if st.discarded || !st.buffer.rebase(after) {
            return false;
        }
        if let Some(a) = st.attached.as_mut() {
            a.cursor = a.cursor.max(after);
        }
        true
    }

    /// The seq of the oldest event held (for a session that copies this one's events).
    pub(crate) fn first_held(&self) -> Option<u64> {
        let st = self.lock();
        (st.buffer.held_events() > 0)
            .then(|| st.buffer.last_seq() + 1 - st.buffer.held_events() as u64)
    }

    /// Closes the attached socket (if any) with `code` and discards the session: what it
    /// holds can no longer be trusted to be complete. Its work stops here, but (Redis) its spec
    /// and lease are left to lapse: the instance its client resumes on continues it.
    pub(crate) fn fail(&self, code: u16, reason: &str) {
        if let Some(a) = self.lock().attached.as_ref() {
            a.shared.close(code, reason);
        }
        self.abandon();
    }

    pub(crate) fn set_follower(&self, follower: JoinHandle<()>) {
        let mut st = self.lock();
        if st.discarded {
            follower.abort();
            return;
        }
        if let Some(old) = st.follower.replace(follower) {
            old.abort();
        }
    }

    /// Wakes on every event (and the finish): for sessions that copy this one's events.
    pub(crate) fn subscribe_published(&self) -> watch::Receiver<u64> {
        self.published.subscribe()
    }

    /// A batch of the held events after `after`, and whether they end the work (finished,
    /// and nothing after them); `None` if the first of them is no longer held.
    pub(crate) fn events_after(&self, after: u64) -> Option<(Vec<Utf8Bytes>, bool)> {
        let st = self.lock();
        let batch = st.buffer.next_after(after, FORWARD_BATCH)?;
        let ends = st.finished && st.buffer.last_seq() == after + batch.len() as u64;
        Some((batch, ends))
    }

    /// Whether a socket is attached (for the Redis keep-alive).
    pub fn is_attached(&self) -> bool {
        self.lock().attached.is_some()
    }

    /// Drops the attached socket without a close frame (the session was resumed elsewhere).
    pub fn drop_attached(&self) {
        if let Some(a) = self.lock().attached.as_ref() {
            a.shared.drop_abruptly();
        }
    }

    /// Waits while an attached socket is more than the window behind: the producer's pace is
    /// the reader's, as before sessions existed. With no socket attached it returns at once
    /// (the work keeps running into the buffer during the grace period).
    pub async fn caught_up(&self) {
        let mut progress = self.progress.subscribe();
        loop {
            let lagging = {
                let st = self.lock();
                !st.discarded
                    && st.attached.as_ref().is_some_and(|a| {
                        st.buffer.last_seq() - a.cursor >= self.window
                            || st.buffer.bytes_after(a.cursor) >= self.window_bytes
                    })
            };
            if !lagging || progress.changed().await.is_err() {
                return;
            }
        }
    }

    /// Marks the work done: once everything is forwarded, the forwarder reports `Complete`.
    /// In Redis the mark is an entry of the stream, so every instance's followers see it.
    pub async fn finish(&self) {
        match &self.origin {
            Origin::Local => self.finished_here(),
            Origin::Shared {
                backend, stream, ..
            } => {
                let Ok(token) = self.fence_token() else {
                    return; // its lease is elsewhere: the holder finishes it
                };
                match backend.finish(stream, token.as_deref()).await {
                    Ok(true) => {
                        if let Some(owner) = self.lock().owner.take() {
                            owner.renewal.abort(); // the script released the lease
                        }
                    }
                    Ok(false) => self.lose_lease(
                        token.as_deref().unwrap_or_default(),
                        "the finish mark was fenced",
                    ),
                    Err(e) => {
                        backend.report(format_args!(
                            "cannot mark stream {stream} finished: {e}; closing session {} with 1013",
                            self.id
                        ));
                        self.fail(REDIS_UNAVAILABLE.0, REDIS_UNAVAILABLE.1);
                    }
                }
            }
        }
    }

    /// The work behind the events held here is done (by the producer itself, or a follower
    /// that read the finish mark).
    pub(crate) fn finished_here(&self) {
        self.lock().finished = true;
        self.published.send_modify(|_| {});
    }

    pub fn last_seq(&self) -> u64 {
        self.lock().buffer.last_seq()
    }

    /// Attaches `shared` at `after` if the buffer holds every event after it (checked and
    /// attached under one lock, so no bound can drop them in between); else says why not.
    pub(super) fn try_attach(&self, shared: &Arc<ConnShared>, after: u64) -> Result<u64, Replay> {
        let mut st = self.lock();
        if st.discarded {
            return Err(Replay::Unknown);
        }
        // The frames themselves are sent by the forwarder; only the verdict matters here.
        match st.buffer.replay_after(after, Instant::now()) {
            Replay::Frames(_) => Ok(self.attach_locked(st, shared, after)),
            other => Err(other),
        }
    }

    /// Attaches a socket that has received everything up to `cursor`, returning the
    /// attachment's epoch.
    pub(super) fn attach(&self, shared: &Arc<ConnShared>, cursor: u64) -> u64 {
        let st = self.lock();
        self.attach_locked(st, shared, cursor)
    }

    /// Attaches the socket of a plain connection: it gets the session's events from the
    /// first one. Returns the epoch.
    pub(super) fn attach_plain(&self, shared: &Arc<ConnShared>) -> u64 {
        self.attach(shared, 0)
    }

    /// An older socket still attached is dropped: a client resuming means that socket is
    /// dead to it (half-open), and a session has one reader.
    fn attach_locked(
        &self,
        mut st: MutexGuard<'_, State>,
        shared: &Arc<ConnShared>,
        cursor: u64,
    ) -> u64 {
        st.next_epoch += 1;
        let epoch = st.next_epoch;
        st.detached_at = None;
        let attachment = Attachment {
            epoch,
            shared: shared.clone(),
            // Nothing before the buffer's base is held here, nor will be.
            cursor: cursor.max(st.buffer.base()),
        };
        let previous = st.attached.replace(attachment);
        drop(st);
        self.progress.send_modify(|n| *n += 1);
        // A late `resume` re-attaches the same socket: that one must of course stay.
        if let Some(previous) = previous.filter(|p| !Arc::ptr_eq(&p.shared, shared)) {
            previous.shared.drop_abruptly();
        }
        epoch
    }

    /// Detaches the socket of `epoch` if it is still the attached one; returns whether it was.
    pub(super) fn detach(&self, epoch: u64) -> bool {
        let detached = {
            let mut st = self.lock();
            if st.attached.as_ref().is_some_and(|a| a.epoch == epoch) {
                st.attached = None;
                st.detached_at = Some(Instant::now());
                true
            } else {
                false
            }
        };
        if detached {
            self.progress.send_modify(|n| *n += 1);
        }
        detached
    }

    /// When the session lost its socket, if it has none now.
    pub(super) fn detached_at(&self) -> Option<Instant> {
        let st = self.lock();
        if st.discarded {
            return None;
        }
        st.detached_at
    }

    /// Ends the session for good: its work is aborted and nothing more is emitted.
    pub(super) fn discard(&self) {
        self.discard_here(true);
    }

    /// Ends the session here because Redis is gone: its work stops here, but its spec and
    /// lease are left to lapse, so once Redis is back (with what it kept) the instance a
    /// client resumes on continues the work.
    pub(crate) fn abandon(&self) {
        self.discard_here(false);
    }

    fn discard_here(&self, end_work: bool) {
        let (work, follower, owner) = {
            let mut st = self.lock();
            st.discarded = true;
            st.attached = None;
            (st.work.take(), st.follower.take(), st.owner.take())
        };
        if let Some(work) = work {
            work.task.abort();
        }
        if let Some(follower) = follower {
            follower.abort();
        }
        if let Some(owner) = &owner {
            owner.renewal.abort();
        }
        if let (true, Some(owner), Some((backend, stream))) = (end_work, owner, self.fenced()) {
            // Its work ends with it: nobody is to continue it (fenced, so a newer holder's
            // work is left alone).
            let (backend, stream) = (backend.clone(), stream.to_string());
            tokio::spawn(async move {
                if let Err(e) = backend.end_work(&stream, &owner.token, true).await {
                    backend.report(format_args!("cannot end the work on {stream}: {e}"));
                }
            });
        }
        self.published.send_modify(|_| {});
        self.progress.send_modify(|n| *n += 1);
    }

    pub fn is_discarded(&self) -> bool {
        self.lock().discarded
    }

    /// Replaces the session's work, returning the previous one for the caller to stop.
    pub fn replace_work(&self, work: Option<Work>) -> Option<Work> {
        let mut st = self.lock();
        if st.discarded {
            if let Some(w) = work {
                w.task.abort();
            }
            return None;
        }
        std::mem::replace(&mut st.work, work)
    }

    /// Events and bytes held for replay (for the memory measurement's sanity checks).
    pub fn held(&self) -> (usize, usize) {
        let st = self.lock();
        (st.buffer.held_events(), st.buffer.held_bytes())
    }

    /// Copies events into the connection's queue from the attachment's cursor on, waiting for
    /// room (the socket's pace), until the connection ends, the session is taken over or
    /// discarded, or (`Complete`) the work is finished and everything is forwarded.
    pub async fn forward(self: Arc<Self>, epoch: u64, outbox: Outbox) -> Forwarded {
        let mut published = self.published.subscribe();
        loop {
            published.borrow_and_update();
            let (cursor, batch) = {
                let st = self.lock();
                let Some(a) = st.attached.as_ref().filter(|a| a.epoch == epoch) else {
                    return if st.discarded {
                        Forwarded::Gone
                    } else {
                        Forwarded::TakenOver
                    };
                };
                match st.buffer.next_after(a.cursor, FORWARD_BATCH) {
                    None => return Forwarded::FellBehind,
                    Some(batch) if batch.is_empty() && st.finished => return Forwarded::Complete,
                    Some(batch) => (a.cursor, batch),
                }
            };
            if batch.is_empty() {
                if published.changed().await.is_err() {
                    return Forwarded::Gone;
                }
                continue;
            }
            let sent = batch.len() as u64;
            for frame in batch {
                if outbox.send(Message::Text(frame)).await.is_err() {
                    return Forwarded::Gone;
                }
            }
            {
                let mut st = self.lock();
                match st.attached.as_mut().filter(|a| a.epoch == epoch) {
                    Some(a) => a.cursor = cursor + sent,
                    None => continue, // reported at the top of the loop
                }
            }
            self.progress.send_modify(|n| *n += 1);
        }
    }
}

/// Renews the lease `token` holds on `stream` every third of the lease, for as long as the
/// session holds it; tells the session when it holds it no more.
async fn renew_lease(
    session: Weak<Session>,
    backend: Arc<RedisBackend>,
    stream: String,
    token: String,
) {
    let every = backend.lease / 3;
    loop {
        tokio::time::sleep(every).await;
        let Some(session) = session.upgrade() else {
            return;
        };
        match backend.renew(&stream, &token).await {
            Ok(true) => {}
            Ok(false) => {
                session.lose_lease(&token, "it lapsed or was claimed before it was renewed");
                return;
            }
            // Redis trouble: the next renewal may still be in time; if not, the lease lapses
            // and the appends are fenced, which is safe.
            Err(e) => backend.report(format_args!("cannot renew the lease on {stream}: {e}")),
        }
    }
}
