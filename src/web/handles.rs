//! The JS functions a transport hands out that must keep their identity for as long as the app
//! holds the transport, freed or not: the bound `subscribe` and `getSnapshot`, the function every
//! unsubscribe is bound from, the notification microtask, the token callback, and the snapshot
//! object `getSnapshot` returns.
//!
//! They are JS-owned closures (`Closure::into_js_value`: the garbage collector frees them, and a
//! late call through one finds its transport gone via a `Weak` and does nothing), kept on the JS
//! heap in one `Map` for the module, by transport id, rather than as `JsValue`s the wasm side
//! holds. So `free()` can let go of every `JsValue` a transport holds (the browser tests count
//! them) while `t.getSnapshot` stays the same function, still answering with the final snapshot.
//! The entry goes when the transport's driver does.

use std::cell::Cell;

use js_sys::{Array, Function, Map};
use wasm_bindgen::{JsCast, JsValue};

/// The slots of a transport's entry.
#[derive(Clone, Copy)]
pub enum Slot {
    Subscribe = 0,
    GetSnapshot = 1,
    /// `remove(listenerId)`: every unsubscribe function is this, bound to one registration.
    Remove = 2,
    /// Delivers queued notifications; queued with `queueMicrotask`.
    Deliver = 3,
    /// `settled(question, attempt, ok, value)`: bound per attempt as the handlers of a url or
    /// token function's Promise.
    Settled = 4,
    /// The frozen snapshot last handed out, and the core's snapshot version it shows.
    Snapshot = 5,
    SnapshotVersion = 6,
}

thread_local! {
    static ENTRIES: Map = Map::new();
    static LAST_ID: Cell<u32> = const { Cell::new(0) };
}

/// A transport's entry; removed from the module's map when dropped.
pub struct Handles {
    id: u32,
}

impl Handles {
    /// An entry holding `functions`, in the order of [`Slot`] (up to `Deliver`/`Settled`).
    pub fn new(functions: &[JsValue]) -> Self {
        let id = LAST_ID.with(|last| {
            last.set(last.get().wrapping_add(1));
            last.get()
        });
        let entry: Array = functions.iter().collect();
        ENTRIES.with(|entries| entries.set(&id.into(), &entry));
        Self { id }
    }

    fn entry(&self) -> Array {
        ENTRIES.with(|entries| entries.get(&self.id.into())).unchecked_into()
    }

    pub fn get(&self, slot: Slot) -> JsValue {
        self.entry().get(slot as u32)
    }

    pub fn function(&self, slot: Slot) -> Function {
        self.get(slot).unchecked_into()
    }

    pub fn set(&self, slot: Slot, value: &JsValue) {
        self.entry().set(slot as u32, value.clone());
    }
}

impl Drop for Handles {
    fn drop(&mut self) {
        ENTRIES.with(|entries| entries.delete(&self.id.into()));
    }
}
