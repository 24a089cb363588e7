//! The live WebSocket connections: slots against `--max-connections`, and the non-blocking
//! fan-out used by broadcasts and `/control/send`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::extract::ws::Message;
use tokio::sync::mpsc::{self, error::TrySendError};
use tokio::time::Instant;

use crate::connection::{ConnShared, Outbound};
use crate::endpoints::Endpoint;

/// Close code and reason for a client whose outbound queue overflowed: 1013 "try again
/// later", which clients retry with backoff (and resume). It was 1008 (policy violation),
/// which clients read as a rejection and never retry: a background tab throttled during a
/// burst was cut off for good.
pub const SLOW_CONSUMER: (u16, &str) = (1013, "slow consumer");
/// Close code and reason sent to every connection when the server stops.
pub const SHUTTING_DOWN: (u16, &str) = (1001, "server shutting down");

#[derive(Clone)]
pub struct Entry {
    pub endpoint: Endpoint,
    /// Weak, so the registry never keeps a finished connection's queue open.
    outbox: mpsc::WeakSender<Outbound>,
    pub shared: Arc<ConnShared>,
}

#[derive(Default)]
struct Inner {
    next_id: u64,
    conns: HashMap<u64, Entry>,
    shutting_down: bool,
}

pub struct Registry {
    inner: Mutex<Inner>,
    slots: Arc<AtomicUsize>,
    max_connections: usize,
}

/// A reserved connection slot, released on drop (also when an upgrade never completes).
pub struct Slot {
    slots: Arc<AtomicUsize>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.slots.fetch_sub(1, Ordering::AcqRel);
    }
}

/// What happened to a frame offered to one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offer {
    Queued,
    /// The queue was full: the client is being disconnected as a slow consumer (or, while
    /// silenced, the frame was lost like on a dead link).
    Full,
    Gone,
}

impl Registry {
    pub fn new(max_connections: usize) -> Registry {
        Registry {
            inner: Mutex::new(Inner::default()),
            slots: Arc::new(AtomicUsize::new(0)),
            max_connections,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // The map stays consistent across a panic elsewhere; keep serving.
        match self.inner.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Reserves a slot for an upgrade, or `None` when the server is full or stopping.
    pub fn try_reserve_slot(&self) -> Option<Slot> {
        if self.lock().shutting_down {
            return None;
        }
        let max = self.max_connections;
        self.slots
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max).then_some(n + 1)
            })
            .ok()
            .map(|_| Slot {
                slots: self.slots.clone(),
            })
    }

    /// Registers an upgraded connection and returns its id. During shutdown the connection
    /// is told to close right away, so a late upgrade cannot outlive the server.
    pub fn register(
        &self,
        endpoint: Endpoint,
        outbox: mpsc::WeakSender<Outbound>,
        shared: Arc<ConnShared>,
    ) -> u64 {
        let mut inner = self.lock();
        inner.next_id += 1;
        let id = inner.next_id;
        if inner.shutting_down {
            shared.close(SHUTTING_DOWN.0, SHUTTING_DOWN.1);
        }
        inner.conns.insert(
            id,
            Entry {
                endpoint,
                outbox,
                shared,
            },
        );
        id
    }

    pub fn unregister(&self, id: u64) {
        self.lock().conns.remove(&id);
    }

    /// A snapshot of the live connections (optionally of one endpoint), so callers act on
    /// them without holding the lock.
    pub fn entries(&self, endpoint: Option<Endpoint>) -> Vec<Entry> {
        self.lock()
            .conns
            .values()
            .filter(|e| endpoint.is_none_or(|wanted| e.endpoint == wanted))
            .cloned()
            .collect()
    }

    pub fn open_count(&self) -> usize {
        self.lock().conns.len()
    }

    /// Offers a frame without waiting. A full queue means the client does not keep up:
    /// disconnect it rather than grow memory.
    pub fn offer(entry: &Entry, msg: Message) -> Offer {
        let Some(tx) = entry.outbox.upgrade() else {
            return Offer::Gone;
        };
        match tx.try_send(Outbound::Frame {
            msg,
            queued_at: Instant::now(),
        }) {
            Ok(()) => Offer::Queued,
            Err(TrySendError::Full(_)) => {
                // A silenced connection is our simulated outage, not a slow client: its
                // frames are lost as on a dead link, and it stays open.
                if !entry.shared.is_silenced() {
                    entry.shared.close(SLOW_CONSUMER.0, SLOW_CONSUMER.1);
                }
                Offer::Full
            }
            Err(TrySendError::Closed(_)) => Offer::Gone,
        }
    }

    /// Sends `msg` to every live connection of `endpoint` (all endpoints if `None`);
    /// returns how many queued it.
    pub fn broadcast(&self, endpoint: Option<Endpoint>, msg: &Message) -> usize {
        self.entries(endpoint)
            .iter()
            .filter(|e| e.shared.is_live())
            .filter(|e| Registry::offer(e, msg.clone()) == Offer::Queued)
            .count()
    }

    /// Stops admitting connections and asks every open one to close with 1001.
    pub fn begin_shutdown(&self) -> usize {
        let entries: Vec<Entry> = {
            let mut inner = self.lock();
            inner.shutting_down = true;
            inner.conns.values().cloned().collect()
        };
        entries
            .iter()
            .filter(|e| e.shared.close(SHUTTING_DOWN.0, SHUTTING_DOWN.1))
            .count()
    }
}
