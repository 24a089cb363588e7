//! The bounded offline queue: messages sent while not connected, delivered in order on open.
//!
//! Bounded three ways so an app offline for an hour cannot grow memory without limit: by count,
//! by bytes, and by age. When full, the *oldest* message makes room, because for live agent UIs
//! the newest intent is the one that still matters.

use crate::prelude::*;
use alloc::collections::VecDeque;

use super::config::QueueConfig;
use super::Millis;

#[derive(Debug)]
struct Queued<M> {
    message: M,
    bytes: usize,
    enqueued_at: Millis,
}

/// What happened to a message offered to the queue.
#[derive(Debug, PartialEq)]
pub enum Enqueued<M> {
    /// Stored; these older messages were dropped to make room (oldest first).
    Stored { evicted: Vec<M> },
    /// Not stored: the message alone exceeds the queue's byte bound, or the queue holds nothing.
    Refused(M),
}

#[derive(Debug)]
pub struct OfflineQueue<M> {
    config: QueueConfig,
    items: VecDeque<Queued<M>>,
    bytes: usize,
}

impl<M> OfflineQueue<M> {
    pub fn new(config: QueueConfig) -> Self {
        Self { config, items: VecDeque::new(), bytes: 0 }
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn bytes(&self) -> usize {
        self.bytes
    }

    pub fn push(&mut self, message: M, bytes: usize, now: Millis) -> Enqueued<M> {
        if self.config.max_messages == 0 || bytes > self.config.max_bytes {
            return Enqueued::Refused(message);
        }
        let mut evicted = Vec::new();
        while self.items.len() >= self.config.max_messages || self.bytes + bytes > self.config.max_bytes {
            match self.pop_front() {
                Some(old) => evicted.push(old.message),
                None => break,
            }
        }
        self.bytes += bytes;
        self.items.push_back(Queued { message, bytes, enqueued_at: now });
        Enqueued::Stored { evicted }
    }

    /// Empties the queue for sending: the messages still fresh at `now`, in the order they were
    /// sent, and how many had expired (they are discarded).
    pub fn drain_fresh(&mut self, now: Millis) -> (Vec<(M, usize)>, usize) {
        let max_age = self.config.max_age_ms;
        let mut expired = 0;
        let mut fresh = Vec::with_capacity(self.items.len());
        for item in self.items.drain(..) {
            if now - item.enqueued_at > max_age {
                expired += 1;
            } else {
                fresh.push((item.message, item.bytes));
            }
        }
        self.bytes = 0;
        (fresh, expired)
    }

    /// Discards everything; returns how many messages were dropped.
    pub fn clear(&mut self) -> usize {
        let dropped = self.items.len();
        self.items.clear();
        self.bytes = 0;
        dropped
    }

    fn pop_front(&mut self) -> Option<Queued<M>> {
        let item = self.items.pop_front()?;
        self.bytes -= item.bytes;
        Some(item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(max_messages: usize, max_bytes: usize, max_age_ms: f64) -> OfflineQueue<&'static str> {
        OfflineQueue::new(QueueConfig { max_messages, max_bytes, max_age_ms })
    }

    #[test]
    fn drains_in_the_order_messages_were_queued() {
        let mut q = queue(10, 1000, 1000.0);
        for m in ["a", "b", "c"] {
            assert_eq!(q.push(m, 1, 0.0), Enqueued::Stored { evicted: vec![] });
        }
        let (fresh, expired) = q.drain_fresh(10.0);
        assert_eq!(fresh.into_iter().map(|(m, _)| m).collect::<Vec<_>>(), vec!["a", "b", "c"]);
        assert_eq!(expired, 0);
        assert!(q.is_empty());
        assert_eq!(q.bytes(), 0);
    }

    #[test]
    fn count_overflow_drops_the_oldest() {
        let mut q = queue(2, 1000, 1000.0);
        q.push("a", 1, 0.0);
        q.push("b", 1, 0.0);
        assert_eq!(q.push("c", 1, 0.0), Enqueued::Stored { evicted: vec!["a"] });
        assert_eq!(q.len(), 2);
        let (fresh, _) = q.drain_fresh(0.0);
        assert_eq!(fresh.into_iter().map(|(m, _)| m).collect::<Vec<_>>(), vec!["b", "c"]);
    }

    #[test]
    fn byte_overflow_drops_as_many_old_messages_as_needed() {
        let mut q = queue(100, 10, 1000.0);
        q.push("a", 4, 0.0);
        q.push("b", 4, 0.0);
        assert_eq!(q.push("c", 8, 0.0), Enqueued::Stored { evicted: vec!["a", "b"] });
        assert_eq!(q.bytes(), 8);
    }

    #[test]
    fn a_message_larger_than_the_byte_bound_is_refused_and_keeps_the_queue() {
        let mut q = queue(100, 10, 1000.0);
        q.push("a", 4, 0.0);
        assert_eq!(q.push("huge", 11, 0.0), Enqueued::Refused("huge"));
        assert_eq!(q.len(), 1);
    }

    #[test]
    fn a_queue_of_zero_messages_refuses_everything() {
        let mut q = queue(0, 10, 1000.0);
        assert_eq!(q.push("a", 1, 0.0), Enqueued::Refused("a"));
    }

    #[test]
    fn expired_messages_are_discarded_at_drain() {
        let mut q = queue(10, 1000, 100.0);
        q.push("old", 1, 0.0);
        q.push("edge", 1, 50.0);
        q.push("new", 1, 120.0);
        let (fresh, expired) = q.drain_fresh(150.0);
        assert_eq!(fresh.into_iter().map(|(m, _)| m).collect::<Vec<_>>(), vec!["edge", "new"]);
        assert_eq!(expired, 1);
    }

    #[test]
    fn clear_reports_how_many_were_dropped() {
        let mut q = queue(10, 1000, 100.0);
        q.push("a", 3, 0.0);
        q.push("b", 3, 0.0);
        assert_eq!(q.clear(), 2);
        assert_eq!((q.len(), q.bytes()), (0, 0));
    }
}
