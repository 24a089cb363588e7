//! The bounded offline queue: messages sent while not connected, delivered in order on open.
//!
//! Bounded three ways so an app offline for an hour cannot grow memory without limit: by count,
//! by bytes, and by age. When full, the *oldest* message makes room, because for live agent UIs
//! the newest intent is the one that still matters.
//!
//! With `queue.persist` each item carries the key of its copy in storage (`stored`). Every way
//! an item leaves the queue (sent, acknowledged, expired, evicted, discarded) goes through this
//! file, which records the key in `removed` for the connection to turn into `Action::Forget`.

use crate::prelude::*;
use alloc::collections::VecDeque;

use super::config::QueueConfig;
use super::Millis;

#[derive(Debug)]
struct Queued<M> {
    message: M,
    bytes: usize,
    enqueued_at: Millis,
    /// The persist key of its stored copy, if it has one.
    stored: Option<u64>,
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
    /// Persist keys of stored items that left the queue since the last `take_removed`.
    removed: Vec<u64>,
}

impl<M> OfflineQueue<M> {
    pub fn new(config: QueueConfig) -> Self {
        Self { config, items: VecDeque::new(), bytes: 0, removed: Vec::new() }
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

    /// Offers `message` (`stored`: the key of its copy in storage, if it has one).
    pub fn push(&mut self, message: M, bytes: usize, now: Millis, stored: Option<u64>) -> Enqueued<M> {
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
        self.items.push_back(Queued { message, bytes, enqueued_at: now, stored });
        Enqueued::Stored { evicted }
    }

    /// Puts `items` (message, bytes, enqueued_at, stored), in their order, before everything
    /// queued: messages restored from storage, older than anything sent since. Then the bounds
    /// apply as for `push`: the oldest make room. Returns what they dropped, oldest first.
    pub fn push_front_in_order(&mut self, items: Vec<(M, usize, Millis, Option<u64>)>) -> Vec<M> {
        for (at, (message, bytes, enqueued_at, stored)) in items.into_iter().enumerate() {
            self.bytes += bytes;
            self.items.insert(at, Queued { message, bytes, enqueued_at, stored });
        }
        let mut evicted = Vec::new();
        while self.items.len() > self.config.max_messages || self.bytes > self.config.max_bytes {
            match self.pop_front() {
                Some(old) => evicted.push(old.message),
                None => break,
            }
        }
        evicted
    }

    /// The persist keys of stored items that left the queue since the last call, in order.
    pub fn take_removed(&mut self) -> Vec<u64> {
        core::mem::take(&mut self.removed)
    }

    /// Keeps, in order, the messages for which `keep(message, bytes, enqueued_at)` is true; the
    /// byte count follows. `keep` may change a message it keeps (the connection marks held ones
    /// sent).
    pub fn retain(&mut self, mut keep: impl FnMut(&mut M, usize, Millis) -> bool) {
        let mut bytes = 0;
        let removed = &mut self.removed;
        self.items.retain_mut(|item| {
            let kept = keep(&mut item.message, item.bytes, item.enqueued_at);
            if kept {
                bytes += item.bytes;
            } else {
                removed.extend(item.stored);
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
        self.removed.extend(item.stored);
        Some(item.message)
    }

    /// The messages with their sizes, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = (&M, usize)> {
        self.items.iter().map(|item| (&item.message, item.bytes))
    }

    /// Discards everything; returns how many messages were dropped.
    pub fn clear(&mut self) -> usize {
        let dropped = self.items.len();
        self.removed.extend(self.items.drain(..).filter_map(|item| item.stored));
        self.bytes = 0;
        dropped
    }

    fn pop_front(&mut self) -> Option<Queued<M>> {
        let item = self.items.pop_front()?;
        self.bytes -= item.bytes;
        self.removed.extend(item.stored);
        Some(item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(max_messages: usize, max_bytes: usize, max_age_ms: f64) -> OfflineQueue<&'static str> {
        OfflineQueue::new(QueueConfig { max_messages, max_bytes, max_age_ms, persist: false })
    }

    fn contents(q: &OfflineQueue<&'static str>) -> Vec<&'static str> {
        q.iter().map(|(m, _)| *m).collect()
    }

    #[test]
    fn keeps_messages_in_the_order_they_were_queued() {
        let mut q = queue(10, 1000, 1000.0);
        for m in ["a", "b", "c"] {
            assert_eq!(q.push(m, 1, 0.0, None), Enqueued::Stored { evicted: vec![] });
        }
        assert_eq!(contents(&q), vec!["a", "b", "c"]);
        q.retain(|_, _, _| false);
        assert!(q.is_empty());
        assert_eq!(q.bytes(), 0);
    }

    #[test]
    fn retain_and_remove_first_keep_the_byte_count() {
        let mut q = queue(10, 1000, 1000.0);
        q.push("a", 3, 0.0, None);
        q.push("b", 5, 0.0, None);
        q.push("b", 7, 0.0, None);
        assert_eq!(q.remove_first(|m| *m == "b"), Some("b"));
        assert_eq!((contents(&q), q.bytes()), (vec!["a", "b"], 10));
        q.retain(|m, _, _| *m == "a");
        assert_eq!((contents(&q), q.bytes()), (vec!["a"], 3));
        assert_eq!(q.remove_first(|m| *m == "z"), None);
    }

    #[test]
    fn count_overflow_drops_the_oldest() {
        let mut q = queue(2, 1000, 1000.0);
        q.push("a", 1, 0.0, None);
        q.push("b", 1, 0.0, None);
        assert_eq!(q.push("c", 1, 0.0, None), Enqueued::Stored { evicted: vec!["a"] });
        assert_eq!(q.len(), 2);
        assert_eq!(contents(&q), vec!["b", "c"]);
    }

    #[test]
    fn byte_overflow_drops_as_many_old_messages_as_needed() {
        let mut q = queue(100, 10, 1000.0);
        q.push("a", 4, 0.0, None);
        q.push("b", 4, 0.0, None);
        assert_eq!(q.push("c", 8, 0.0, None), Enqueued::Stored { evicted: vec!["a", "b"] });
        assert_eq!(q.bytes(), 8);
    }

    #[test]
    fn a_message_larger_than_the_byte_bound_is_refused_and_keeps_the_queue() {
        let mut q = queue(100, 10, 1000.0);
        q.push("a", 4, 0.0, None);
        assert_eq!(q.push("huge", 11, 0.0, None), Enqueued::Refused("huge"));
        assert_eq!(q.len(), 1);
    }

    #[test]
    fn a_queue_of_zero_messages_refuses_everything() {
        let mut q = queue(0, 10, 1000.0);
        assert_eq!(q.push("a", 1, 0.0, None), Enqueued::Refused("a"));
    }

    #[test]
    fn clear_reports_how_many_were_dropped() {
        let mut q = queue(10, 1000, 100.0);
        q.push("a", 3, 0.0, None);
        q.push("b", 3, 0.0, None);
        assert_eq!(q.clear(), 2);
        assert_eq!((q.len(), q.bytes()), (0, 0));
    }

    #[test]
    fn every_way_out_of_the_queue_records_the_stored_key() {
        let mut q = queue(2, 1000, 1000.0);
        q.push("a", 1, 0.0, Some(1));
        q.push("plain", 1, 0.0, None);
        q.push("c", 1, 0.0, Some(3));
        assert_eq!(q.take_removed(), vec![1], "evicted by the count bound");
        q.push("d", 1, 0.0, Some(4));
        assert_eq!(q.take_removed(), Vec::<u64>::new(), "an item without a key records nothing");
        assert_eq!(q.remove_first(|m| *m == "d"), Some("d"));
        assert_eq!(q.take_removed(), vec![4]);
        q.push("e", 1, 0.0, Some(5));
        q.retain(|m, _, _| *m != "c");
        assert_eq!(q.take_removed(), vec![3]);
        q.clear();
        assert_eq!(q.take_removed(), vec![5]);
        assert!(q.take_removed().is_empty(), "drained");
    }

    #[test]
    fn restored_items_go_first_in_their_order_and_the_bounds_drop_the_oldest() {
        let mut q = queue(3, 1000, 1000.0);
        q.push("new", 1, 10.0, Some(9));
        let evicted = q.push_front_in_order(vec![("r1", 1, 0.0, Some(1)), ("r2", 1, 1.0, Some(2)), ("r3", 1, 2.0, Some(3))]);
        assert_eq!(evicted, vec!["r1"]);
        assert_eq!(contents(&q), vec!["r2", "r3", "new"]);
        assert_eq!((q.bytes(), q.take_removed()), (3, vec![1]));
    }
}
