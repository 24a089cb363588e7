//! Listener registries whose dispatch survives re-entrancy.
//!
//! A listener may add or remove listeners (or tear the whole transport down) while it is being
//! called. The rules, the same as the DOM's `EventTarget`:
//! - listeners run in the order they were added; typed listeners before `'*'` listeners;
//! - a listener removed during a dispatch is not called later in that dispatch;
//! - a listener added during a dispatch is first called for the next message.
//!
//! Each list is a copy-on-write `Rc<Vec<..>>`: a dispatch takes a cheap snapshot (one refcount,
//! no copy of the listeners, no call into JS) and needs no borrow of the registry while it
//! calls out, so re-entrant changes never meet a held borrow. Removal clears the entry's
//! `active` flag, which the dispatch checks before each call.

use crate::prelude::*;
use core::cell::Cell;
use alloc::rc::Rc;

/// Identifies one registration (registering the same function twice gives two ids).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ListenerId(pub u64);

#[derive(Debug)]
pub struct Entry<F> {
    pub id: ListenerId,
    pub listener: F,
    active: Cell<bool>,
}

impl<F> Entry<F> {
    /// False once removed: a dispatch already holding this entry must skip it.
    pub fn is_active(&self) -> bool {
        self.active.get()
    }
}

/// A snapshot of listeners to call, in order.
pub type Targets<F> = Rc<Vec<Rc<Entry<F>>>>;

/// One ordered list of listeners (status listeners, error listeners, subscribers, or one type).
#[derive(Debug)]
pub struct ListenerList<F> {
    entries: Targets<F>,
}

impl<F> Default for ListenerList<F> {
    fn default() -> Self {
        Self { entries: Rc::new(Vec::new()) }
    }
}

impl<F> ListenerList<F> {
    pub fn add(&mut self, id: ListenerId, listener: F) {
        let entry = Rc::new(Entry { id, listener, active: Cell::new(true) });
        Rc::make_mut(&mut self.entries).push(entry);
    }

    /// Removes the registration `id`; false if it was not here.
    pub fn remove(&mut self, id: ListenerId) -> bool {
        self.remove_where(|entry| entry.id == id)
    }

    pub fn contains(&self, id: ListenerId) -> bool {
        self.entries.iter().any(|entry| entry.id == id)
    }

    /// Removes the earliest registration whose listener matches; false if none did.
    pub fn remove_first(&mut self, matches: impl Fn(&F) -> bool) -> bool {
        self.remove_where(|entry| matches(&entry.listener))
    }

    fn remove_where(&mut self, predicate: impl Fn(&Entry<F>) -> bool) -> bool {
        let Some(index) = self.entries.iter().position(|e| predicate(e)) else {
            return false;
        };
        self.entries[index].active.set(false);
        Rc::make_mut(&mut self.entries).remove(index);
        true
    }

    /// The listeners to call now. Cheap: shares the list until the next change.
    pub fn snapshot(&self) -> Targets<F> {
        Rc::clone(&self.entries)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Removes everything, deactivating entries a running dispatch may still hold.
    pub fn clear(&mut self) {
        for entry in self.entries.iter() {
            entry.active.set(false);
        }
        self.entries = Rc::new(Vec::new());
    }
}

/// The type that receives every message, after the listeners of the message's own type.
pub const WILDCARD: &str = "*";

/// Listeners keyed by message type, plus `'*'` listeners.
///
/// The types live in a small vector: an app listens to a handful of types, for which a linear
/// scan of short strings is as fast as hashing, and a hash map would add to the wasm module.
#[derive(Debug)]
pub struct TypedListeners<F> {
    by_type: Vec<(String, ListenerList<F>)>,
    wildcard: ListenerList<F>,
}

impl<F> Default for TypedListeners<F> {
    fn default() -> Self {
        Self { by_type: Vec::new(), wildcard: ListenerList::default() }
    }
}

impl<F> TypedListeners<F> {
    /// Registers `listener` for `message_type` as `id` (unique among the embedder's lists).
    pub fn add(&mut self, message_type: &str, id: ListenerId, listener: F) {
        if message_type == WILDCARD {
            self.wildcard.add(id, listener);
        } else if let Some(index) = self.position(message_type) {
            self.by_type[index].1.add(id, listener);
        } else {
            let mut list = ListenerList::default();
            list.add(id, listener);
            self.by_type.push((message_type.to_owned(), list));
        }
    }

    fn position(&self, message_type: &str) -> Option<usize> {
        self.by_type.iter().position(|(t, _)| t == message_type)
    }

    /// Removes registration `id`, whatever its type; false if it is not here.
    pub fn remove_id(&mut self, id: ListenerId) -> bool {
        if self.wildcard.remove(id) {
            return true;
        }
        let Some(index) = self.by_type.iter().position(|(_, list)| list.contains(id)) else {
            return false;
        };
        self.by_type[index].1.remove(id);
        self.forget_if_empty(index);
        true
    }

    /// `off(type, fn)`: removes the earliest registration of a matching listener for `type`.
    pub fn remove_first(&mut self, message_type: &str, matches: impl Fn(&F) -> bool) -> bool {
        self.edit(message_type, |list| list.remove_first(matches))
    }

    fn edit(&mut self, message_type: &str, change: impl FnOnce(&mut ListenerList<F>) -> bool) -> bool {
        if message_type == WILDCARD {
            return change(&mut self.wildcard);
        }
        let Some(index) = self.position(message_type) else {
            return false;
        };
        let changed = change(&mut self.by_type[index].1);
        self.forget_if_empty(index);
        changed
    }

    /// Drops an emptied type, so an app cycling through many types does not grow the registry.
    fn forget_if_empty(&mut self, index: usize) {
        if self.by_type[index].1.is_empty() {
            self.by_type.swap_remove(index);
        }
    }

    /// Snapshots of the listeners for a message of `message_type`: its own, then `'*'`.
    pub fn targets(&self, message_type: &str) -> (Option<Targets<F>>, Targets<F>) {
        let typed = if message_type == WILDCARD {
            None
        } else {
            self.position(message_type).map(|index| self.by_type[index].1.snapshot())
        };
        (typed, self.wildcard.snapshot())
    }

    /// Registrations in total (leak checks count these).
    pub fn len(&self) -> usize {
        self.by_type.iter().map(|(_, list)| list.len()).sum::<usize>() + self.wildcard.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn clear(&mut self) {
        for (_, list) in self.by_type.iter_mut() {
            list.clear();
        }
        self.by_type.clear();
        self.wildcard.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::cell::RefCell;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// Registers as an embedder does: ids from one counter for every list.
    fn add<F>(registry: &mut TypedListeners<F>, message_type: &str, listener: F) -> ListenerId {
        static LAST: AtomicU64 = AtomicU64::new(0);
        let id = ListenerId(LAST.fetch_add(1, Ordering::Relaxed) + 1);
        registry.add(message_type, id, listener);
        id
    }

    type Log = Rc<RefCell<Vec<&'static str>>>;

    /// Dispatches like the web layer does: snapshot, release the registry, call active entries.
    fn dispatch(registry: &Rc<RefCell<TypedListeners<Rc<dyn Fn()>>>>, message_type: &str) {
        let (typed, wildcard) = registry.borrow().targets(message_type);
        for entry in typed.iter().flat_map(|t| t.iter()).chain(wildcard.iter()) {
            if entry.is_active() {
                (entry.listener)();
            }
        }
    }

    fn recorder(log: &Log, name: &'static str) -> Rc<dyn Fn()> {
        let log = log.clone();
        Rc::new(move || log.borrow_mut().push(name))
    }

    #[test]
    fn typed_listeners_run_in_order_then_wildcard() {
        let log: Log = Default::default();
        let registry = Rc::new(RefCell::new(TypedListeners::default()));
        add(&mut registry.borrow_mut(), "*", recorder(&log, "star"));
        add(&mut registry.borrow_mut(), "delta", recorder(&log, "first"));
        add(&mut registry.borrow_mut(), "other", recorder(&log, "other"));
        add(&mut registry.borrow_mut(), "delta", recorder(&log, "second"));
        dispatch(&registry, "delta");
        assert_eq!(*log.borrow(), vec!["first", "second", "star"]);
    }

    #[test]
    fn a_listener_removed_during_dispatch_is_not_called() {
        let log: Log = Default::default();
        let registry: Rc<RefCell<TypedListeners<Rc<dyn Fn()>>>> = Default::default();
        let second_id = Rc::new(Cell::new(ListenerId(0)));
        let (reg, id) = (registry.clone(), second_id.clone());
        let log1 = log.clone();
        add(&mut registry.borrow_mut(), 
            "t",
            Rc::new(move || {
                log1.borrow_mut().push("first");
                reg.borrow_mut().remove_id(id.get());
            }),
        );
        second_id.set(add(&mut registry.borrow_mut(), "t", recorder(&log, "second")));
        dispatch(&registry, "t");
        assert_eq!(*log.borrow(), vec!["first"]);
        assert_eq!(registry.borrow().len(), 1);
    }

    #[test]
    fn a_listener_added_during_dispatch_waits_for_the_next_message() {
        let log: Log = Default::default();
        let registry: Rc<RefCell<TypedListeners<Rc<dyn Fn()>>>> = Default::default();
        let (reg, log1) = (registry.clone(), log.clone());
        let added = Rc::new(Cell::new(false));
        add(&mut registry.borrow_mut(), 
            "t",
            Rc::new(move || {
                log1.borrow_mut().push("adder");
                if !added.replace(true) {
                    add(&mut reg.borrow_mut(), "t", recorder(&log1, "late"));
                }
            }),
        );
        dispatch(&registry, "t");
        assert_eq!(*log.borrow(), vec!["adder"]);
        dispatch(&registry, "t");
        assert_eq!(*log.borrow(), vec!["adder", "adder", "late"]);
    }

    #[test]
    fn clearing_during_dispatch_stops_the_remaining_calls() {
        let log: Log = Default::default();
        let registry: Rc<RefCell<TypedListeners<Rc<dyn Fn()>>>> = Default::default();
        let (reg, log1) = (registry.clone(), log.clone());
        add(&mut registry.borrow_mut(), 
            "t",
            Rc::new(move || {
                log1.borrow_mut().push("freer");
                reg.borrow_mut().clear();
            }),
        );
        add(&mut registry.borrow_mut(), "t", recorder(&log, "after"));
        add(&mut registry.borrow_mut(), "*", recorder(&log, "star"));
        dispatch(&registry, "t");
        assert_eq!(*log.borrow(), vec!["freer"]);
        assert!(registry.borrow().is_empty());
    }

    #[test]
    fn remove_first_removes_one_registration_of_a_function_registered_twice() {
        let mut registry: TypedListeners<&'static str> = TypedListeners::default();
        add(&mut registry, "t", "f");
        add(&mut registry, "t", "f");
        assert!(registry.remove_first("t", |f| *f == "f"));
        assert_eq!(registry.len(), 1);
        assert!(registry.remove_first("t", |f| *f == "f"));
        assert!(!registry.remove_first("t", |f| *f == "f"));
        assert!(registry.by_type.is_empty(), "emptied types are forgotten");
    }

    #[test]
    fn removing_by_id_only_touches_that_registration() {
        let mut registry: TypedListeners<&'static str> = TypedListeners::default();
        let a = add(&mut registry, "*", "f");
        let b = add(&mut registry, "*", "f");
        assert!(registry.remove_id(b));
        assert!(!registry.remove_id(b));
        let (_, wildcard) = registry.targets("x");
        assert_eq!(wildcard.iter().map(|e| e.id).collect::<Vec<_>>(), vec![a]);
    }

    #[test]
    fn removing_by_id_finds_the_registration_under_its_type_and_forgets_the_emptied_type() {
        let mut registry: TypedListeners<&'static str> = TypedListeners::default();
        let delta = add(&mut registry, "delta", "f");
        add(&mut registry, "*", "g");
        assert!(registry.remove_id(delta));
        assert!(registry.by_type.is_empty());
        assert_eq!(registry.len(), 1);
    }

    #[test]
    fn a_message_typed_star_reaches_wildcard_listeners_once() {
        let mut registry: TypedListeners<&'static str> = TypedListeners::default();
        add(&mut registry, "*", "w");
        let (typed, wildcard) = registry.targets("*");
        assert!(typed.is_none());
        assert_eq!(wildcard.len(), 1);
    }
}
