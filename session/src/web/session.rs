//! `AgentSession`, the class JavaScript sees.
//!
//! Re-entrancy, as in the transport: no `RefCell` borrow is held while user code can run.
//! Events are parsed (which may run getters or proxy traps) before the state is borrowed;
//! subscribers are called from a microtask, never from inside a method, so they may call any
//! method (`free()` included). Callbacks hold a `Weak` reference: after `free()` a late
//! microtask finds nothing and does nothing.

use alloc::rc::{Rc, Weak};
use core::cell::{Cell, RefCell};

use js_sys::{Array, Function};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::js_event::{JsEvent, JsKeys};
use super::options::{read_options, type_error};
use super::snapshot::View;
use crate::core::{parse, EventFields, Session};
use crate::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = queueMicrotask)]
    fn queue_microtask(callback: &Function);

    #[wasm_bindgen(js_namespace = console, js_name = error)]
    fn console_error(message: &str, detail: &JsValue);
}

struct Subscriber {
    id: u64,
    active: Cell<bool>,
    listener: Function,
}

/// The last snapshot handed out, shared with the bound `getSnapshot`, which keeps answering
/// with it after `free()`.
type LastSnapshot = Rc<RefCell<JsValue>>;

struct Shared {
    core: RefCell<Session<JsValue>>,
    keys: JsKeys,
    view: RefCell<View>,
    subscribers: RefCell<Vec<Rc<Subscriber>>>,
    last_subscriber_id: Cell<u64>,
    notify_scheduled: Cell<bool>,
    notify: Function,
    last_snapshot: LastSnapshot,
    freed: Cell<bool>,
    bound_subscribe: JsValue,
    bound_get_snapshot: JsValue,
}

impl Shared {
    fn snapshot(&self) -> JsValue {
        let core = self.core.borrow();
        let snapshot = self.view.borrow_mut().snapshot(&core);
        *self.last_snapshot.borrow_mut() = snapshot.clone();
        snapshot
    }

    /// Applies one event; parsing happens before the state is borrowed.
    fn apply(&self, event: JsValue) -> bool {
        let reader = JsEvent::read(event, &self.keys);
        let parsed = parse(&reader);
        self.core.borrow_mut().apply_parsed(parsed, || reader.whole())
    }

    /// Schedules the subscribers' call (one per microtask, however many changes).
    fn changed(&self) {
        if !self.subscribers.borrow().is_empty() && !self.notify_scheduled.replace(true) {
            queue_microtask(&self.notify);
        }
    }

    fn notify_subscribers(&self) {
        self.notify_scheduled.set(false);
        let targets: Vec<Rc<Subscriber>> = self.subscribers.borrow().clone();
        for subscriber in targets {
            if self.freed.get() {
                return;
            }
            if !subscriber.active.get() {
                continue;
            }
            if let Err(thrown) = subscriber.listener.call0(&JsValue::UNDEFINED) {
                console_error("AgentSession: a subscriber threw", &thrown);
            }
        }
    }

    fn subscribe(&self, weak: Weak<Shared>, listener: JsValue) -> Result<JsValue, JsValue> {
        let listener = listener
            .dyn_into::<Function>()
            .map_err(|_| type_error("subscribe(listener): listener must be a function"))?;
        let id = self.last_subscriber_id.get() + 1;
        self.last_subscriber_id.set(id);
        self.subscribers.borrow_mut().push(Rc::new(Subscriber { id, active: Cell::new(true), listener }));
        Ok(Closure::<dyn Fn()>::new(move || {
            if let Some(shared) = weak.upgrade() {
                shared.subscribers.borrow_mut().retain(|s| {
                    if s.id == id {
                        s.active.set(false);
                    }
                    s.id != id
                });
            }
        })
        .into_js_value())
    }
}

/// `subscribe`, bound once per session: React's `useSyncExternalStore(s.subscribe, ...)` passes
/// it around unbound and re-subscribes whenever its identity changes.
fn bound_subscribe(weak: &Weak<Shared>) -> JsValue {
    let weak = weak.clone();
    Closure::<dyn Fn(JsValue) -> Result<JsValue, JsValue>>::new(move |listener: JsValue| match weak.upgrade() {
        Some(shared) => shared.subscribe(weak.clone(), listener),
        None => Ok(Closure::<dyn Fn()>::new(|| {}).into_js_value()),
    })
    .into_js_value()
}

/// `getSnapshot`, bound once per session; after `free()` it returns the last snapshot.
fn bound_get_snapshot(weak: &Weak<Shared>, last: LastSnapshot) -> JsValue {
    let weak = weak.clone();
    Closure::<dyn Fn() -> JsValue>::new(move || match weak.upgrade() {
        Some(shared) => shared.snapshot(),
        None => last.borrow().clone(),
    })
    .into_js_value()
}

/// The state of an agent UI, folded from the reference server's events. See the d.ts.
#[wasm_bindgen(skip_typescript)]
pub struct AgentSession {
    shared: Rc<Shared>,
}

#[wasm_bindgen]
impl AgentSession {
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<AgentSession, JsValue> {
        let options = read_options(&options)?;
        let last_snapshot: LastSnapshot = Rc::new(RefCell::new(JsValue::NULL));
        let shared = Rc::new_cyclic(|weak: &Weak<Shared>| {
            let notify_weak = weak.clone();
            let notify = Closure::<dyn Fn()>::new(move || {
                if let Some(shared) = notify_weak.upgrade() {
                    shared.notify_subscribers();
                }
            })
            .into_js_value()
            .unchecked_into();
            Shared {
                core: RefCell::new(Session::new(options.limits)),
                keys: JsKeys::new(&options.type_field),
                view: RefCell::new(View::default()),
                subscribers: RefCell::new(Vec::new()),
                last_subscriber_id: Cell::new(0),
                notify_scheduled: Cell::new(false),
                notify,
                bound_subscribe: bound_subscribe(weak),
                bound_get_snapshot: bound_get_snapshot(weak, last_snapshot.clone()),
                last_snapshot,
                freed: Cell::new(false),
            }
        });
        Ok(AgentSession { shared })
    }

    /// Applies one server event (from any endpoint). True if the state changed.
    pub fn apply(&self, event: JsValue) -> bool {
        let changed = self.shared.apply(event);
        if changed {
            self.shared.changed();
        }
        changed
    }

    /// Applies an array of events in order. True if anything changed.
    #[wasm_bindgen(js_name = applyMany)]
    pub fn apply_many(&self, events: JsValue) -> Result<bool, JsValue> {
        if !Array::is_array(&events) {
            return Err(type_error("applyMany(events): events must be an array"));
        }
        let events: Array = events.unchecked_into();
        let mut changed = false;
        for i in 0..events.length() {
            changed |= self.shared.apply(events.get(i));
        }
        if changed {
            self.shared.changed();
        }
        Ok(changed)
    }

    /// Adds the user's own chat message (the server does not echo it); returns its id.
    #[wasm_bindgen(js_name = addUserMessage)]
    pub fn add_user_message(&self, text: JsValue) -> Result<String, JsValue> {
        let text = text.as_string().ok_or_else(|| type_error("addUserMessage(text): text must be a string"))?;
        let id = self.shared.core.borrow_mut().add_user_message(&text);
        self.shared.changed();
        Ok(id)
    }

    /// Back to the initial state (options kept).
    pub fn reset(&self) {
        self.shared.core.borrow_mut().reset();
        self.shared.changed();
    }

    /// `subscribe(listener)`: called with no arguments (in a microtask, once per batch of
    /// changes) after the state changed. Returns the unsubscribe function. Bound.
    #[wasm_bindgen(getter)]
    pub fn subscribe(&self) -> JsValue {
        self.shared.bound_subscribe.clone()
    }

    /// `getSnapshot()`: the same frozen object until something changes. Bound.
    #[wasm_bindgen(getter = getSnapshot)]
    pub fn get_snapshot(&self) -> JsValue {
        self.shared.bound_get_snapshot.clone()
    }
}

impl Drop for AgentSession {
    /// `free()`: keeps the final snapshot for the bound `getSnapshot`, drops the subscribers.
    fn drop(&mut self) {
        let shared = &self.shared;
        if shared.freed.replace(true) {
            return;
        }
        shared.snapshot();
        for subscriber in shared.subscribers.borrow_mut().drain(..) {
            subscriber.active.set(false);
        }
    }
}
