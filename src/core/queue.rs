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

    /// Keeps, in order, the messages for which `keep(message, bytes, enqueued_at)` is true; the
    /// byte count follows. `keep` may change a message it keeps (the connection marks held ones
    /// sent).
    pub fn retain(&mut self, mut keep: impl FnMut(&mut M, usize, Millis) -> bool) {
        let mut bytes = 0;
        self.items.retain_mut(|item| {
            let kept = keep(&mut item.message, item.bytes, item.enqueued_at);
            if kept {
                bytes += item.bytes;
            }
            kept
        });
        self.bytes = bytes;
    }

    /// Removes the oldest message for which `matches` is true.
    pub fn remove_first(&mut self, matches: impl Fn(&M) -> bool) -> Option<M> {
        let at = self.items.iter().position(|item| matches(&item.message))?;
        let item = self.items.remove(at)?;
        self.bytes -= item.bytes;
        Some(item.message)
    }

    /// The messages with their sizes, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = (&M, usize)> {
        self.items.iter().map(|item| (&item.message, item.bytes))
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

    fn contents(q: &OfflineQueue<&'static str>) -> Vec<&'static str> {
        q.iter().map(|(m, _)| *m).collect()
    }

    #[test]
    fn keeps_messages_in_the_order_they_were_queued() {
        let mut q = queue(10, 1000, 1000.0);
        for m in ["a", "b", "c"] {
            assert_eq!(q.push(m, 1, 0.0), Enqueued::Stored { evicted: vec![] });
        }
        assert_eq!(contents(&q), vec!["a", "b", "c"]);
        q.retain(|_, _, _| false);
        assert!(q.is_empty());
        assert_eq!(q.bytes(), 0);
    }

    #[test]
    fn retain_and_remove_first_keep_the_byte_count() {
        let mut q = queue(10, 1000, 1000.0);
        q.push("a", 3, 0.0);
        q.push("b", 5, 0.0);
        q.push("b", 7, 0.0);
        assert_eq!(q.remove_first(|m| *m == "b"), Some("b"));
        assert_eq!((contents(&q), q.bytes()), (vec!["a", "b"], 10));
        q.retain(|m, _, _| *m == "a");
        assert_eq!((contents(&q), q.bytes()), (vec!["a"], 3));
        assert_eq!(q.remove_first(|m| *m == "z"), None);
    }

    #[test]
    fn count_overflow_drops_the_oldest() {
        let mut q = queue(2, 1000, 1000.0);
        q.push("a", 1, 0.0);
        q.push("b", 1, 0.0);
        assert_eq!(q.push("c", 1, 0.0), Enqueued::Stored { evicted: vec!["a"] });
        assert_eq!(q.len(), 2);
        assert_eq!(contents(&q), vec!["b", "c"]);
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
    fn clear_reports_how_many_were_dropped() {
        let mut q = queue(10, 1000, 100.0);
        q.push("a", 3, 0.0);
        q.push("b", 3, 0.0);
        assert_eq!(q.clear(), 2);
        assert_eq!((q.len(), q.bytes()), (0, 0));
    }
}
