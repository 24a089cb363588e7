//! A string-keyed hash index (key → sequence number), O(1) per operation.
//!
//! Written here rather than taken from `alloc` because `alloc` only has `BTreeMap`, whose code
//! (one copy per key and value type) was a fifth of the wasm module; this one type serves every
//! index of the reducer: message ids, agent names, tool keys, task ids. Open addressing with
//! linear probing and FNV-1a; deleted slots are tombstones, cleared when the table grows. The
//! keys come from the server, which could choose colliding ones: every index is bounded (by its
//! list's limit), so the worst case stays a bounded scan.

use alloc::boxed::Box;

use crate::prelude::*;

#[derive(Debug, Clone)]
enum Slot {
    Empty,
    Deleted,
    Full(Box<str>, u64),
}

#[derive(Debug, Clone, Default)]
pub struct Index {
    slots: Vec<Slot>,
    len: usize,
    /// Full and deleted slots: what makes probing long.
    used: usize,
}

fn hash(key: &str) -> usize {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in key.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    // Mix the high bits in: the table uses the low ones.
    (hash ^ (hash >> 29)) as usize
}

impl Index {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The slot holding `key`, if any.
    fn find(&self, key: &str) -> Option<usize> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut i = hash(key) & mask;
        loop {
            match &self.slots[i] {
                Slot::Empty => return None,
                Slot::Full(k, _) if &**k == key => return Some(i),
                _ => i = (i + 1) & mask,
            }
        }
    }

    pub fn get(&self, key: &str) -> Option<u64> {
        match self.find(key).map(|i| &self.slots[i]) {
            Some(Slot::Full(_, value)) => Some(*value),
            _ => None,
        }
    }

    pub fn contains(&self, key: &str) -> bool {
        self.find(key).is_some()
    }

    /// Sets `key` to `value`; returns the value it replaced.
    pub fn insert(&mut self, key: &str, value: u64) -> Option<u64> {
        if let Some(i) = self.find(key) {
            if let Slot::Full(_, old) = &mut self.slots[i] {
                return Some(core::mem::replace(old, value));
            }
        }
        // Keep at least a quarter of the slots empty, so every probe ends.
        if (self.used + 1) * 4 > self.slots.len() * 3 {
            self.grow();
        }
        let mask = self.slots.len() - 1;
        let mut i = hash(key) & mask;
        while let Slot::Full(..) = self.slots[i] {
            i = (i + 1) & mask;
        }
        if let Slot::Empty = self.slots[i] {
            self.used += 1;
        }
        self.slots[i] = Slot::Full(key.into(), value);
        self.len += 1;
        None
    }

    pub fn remove(&mut self, key: &str) -> Option<u64> {
        let i = self.find(key)?;
        match core::mem::replace(&mut self.slots[i], Slot::Deleted) {
            Slot::Full(_, value) => {
                self.len -= 1;
                Some(value)
            }
            other => {
                self.slots[i] = other;
                None
            }
        }
    }

    pub fn clear(&mut self) {
        *self = Index::default();
    }

    /// Rehashes into a table sized for twice the live entries (tombstones dropped).
    fn grow(&mut self) {
        let capacity = ((self.len + 1) * 2).next_power_of_two().max(8);
        let old = core::mem::replace(&mut self.slots, (0..capacity).map(|_| Slot::Empty).collect());
        let mask = capacity - 1;
        self.used = self.len;
        for slot in old {
            if let Slot::Full(key, value) = slot {
                let mut i = hash(&key) & mask;
                while let Slot::Full(..) = self.slots[i] {
                    i = (i + 1) & mask;
                }
                self.slots[i] = Slot::Full(key, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Index;

    #[test]
    fn inserts_finds_replaces_and_removes() {
        let mut index = Index::default();
        assert_eq!(index.get("a"), None);
        assert_eq!(index.insert("a", 1), None);
        assert_eq!(index.insert("b", 2), None);
        assert_eq!(index.insert("a", 3), Some(1));
        assert_eq!((index.get("a"), index.get("b"), index.len()), (Some(3), Some(2), 2));
        assert_eq!(index.remove("a"), Some(3));
        assert_eq!(index.remove("a"), None);
        assert_eq!((index.get("a"), index.get("b"), index.len()), (None, Some(2), 1));
    }

    #[test]
    fn stays_correct_through_growth_and_churn() {
        let mut index = Index::default();
        // A sliding window, as the bounded lists use it: insert the new, remove the oldest.
        for i in 0..10_000u64 {
            index.insert(&format!("msg_{i}"), i);
            if i >= 100 {
                assert_eq!(index.remove(&format!("msg_{}", i - 100)), Some(i - 100));
            }
        }
        assert_eq!(index.len(), 100);
        for i in 9_900..10_000u64 {
            assert_eq!(index.get(&format!("msg_{i}")), Some(i));
        }
        assert_eq!(index.get("msg_9899"), None);
        assert!(index.slots.len() <= 512, "tombstones do not make the table grow without bound: {}", index.slots.len());
    }
}
