//! A list with a size limit that drops its oldest item, and gives every item a sequence number
//! that finds it in O(1) for as long as it is kept.
//!
//! Sequence numbers only grow, so a list's items are always in ascending order of them; the web
//! glue relies on that to match cached JS objects with items in one pass.

use alloc::collections::VecDeque;

#[derive(Debug, Clone)]
pub struct Bounded<T> {
    items: VecDeque<T>,
    /// Sequence number of `items[0]`.
    first: u64,
    limit: usize,
}

impl<T> Bounded<T> {
    pub fn new(limit: usize) -> Self {
        Bounded { items: VecDeque::new(), first: 0, limit }
    }

    pub fn limit(&self) -> usize {
        self.limit
    }

    /// The sequence number the next pushed item gets.
    pub fn next_seq(&self) -> u64 {
        self.first + self.items.len() as u64
    }

    /// Appends `item`; returns its sequence number and the item dropped to stay within the limit
    /// (with a limit of 0, `item` itself).
    pub fn push(&mut self, item: T) -> (u64, Option<T>) {
        let seq = self.next_seq();
        if self.limit == 0 {
            self.first += 1;
            return (seq, Some(item));
        }
        self.items.push_back(item);
        let evicted = if self.items.len() > self.limit {
            self.first += 1;
            self.items.pop_front()
        } else {
            None
        };
        (seq, evicted)
    }

    fn index(&self, seq: u64) -> Option<usize> {
        let offset = seq.checked_sub(self.first)?;
        (offset < self.items.len() as u64).then_some(offset as usize)
    }

    pub fn get(&self, seq: u64) -> Option<&T> {
        self.items.get(self.index(seq)?)
    }

    pub fn get_mut(&mut self, seq: u64) -> Option<&mut T> {
        let index = self.index(seq)?;
        self.items.get_mut(index)
    }

    /// Items with their sequence numbers, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (u64, &T)> + ExactSizeIterator {
        let first = self.first;
        self.items.iter().enumerate().map(move |(i, item)| (first + i as u64, item))
    }

    pub fn iter_mut(&mut self) -> impl DoubleEndedIterator<Item = (u64, &mut T)> {
        let first = self.first;
        self.items.iter_mut().enumerate().map(move |(i, item)| (first + i as u64, item))
    }

    /// The newest item.
    pub fn last(&self) -> Option<(u64, &T)> {
        self.iter().next_back()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::Bounded;

    #[test]
    fn the_oldest_item_is_dropped_beyond_the_limit_and_seqs_keep_counting() {
        let mut list = Bounded::new(2);
        assert_eq!(list.push("a"), (0, None));
        assert_eq!(list.push("b"), (1, None));
        assert_eq!(list.push("c"), (2, Some("a")));
        assert_eq!(list.get(0), None);
        assert_eq!(list.get(1), Some(&"b"));
        assert_eq!(list.get(2), Some(&"c"));
        assert_eq!(list.get(3), None);
        assert_eq!(list.iter().collect::<Vec<_>>(), [(1, &"b"), (2, &"c")]);
        assert_eq!(list.last(), Some((2, &"c")));
    }

    #[test]
    fn a_limit_of_zero_keeps_nothing() {
        let mut list = Bounded::new(0);
        assert_eq!(list.push(1), (0, Some(1)));
        assert_eq!(list.push(2), (1, Some(2)));
        assert!(list.is_empty());
        assert_eq!(list.get(1), None);
    }
}
