//! Status, error and snapshot notifications, delivered from a microtask.
//!
//! Exported methods (connect, disconnect, send...) only queue them, so no listener ever runs
//! while one of our methods is on the stack: a listener may call `free()`, which wasm-bindgen
//! would refuse during a method call. Notifications queued while a delivery runs are delivered
//! by that same run, in order.

use alloc::rc::Rc;
use core::cell::{Cell, RefCell};

use js_sys::Function;
use wasm_bindgen::JsValue;

use super::events;
use super::js;
use super::shared::Shared;
use crate::core::listeners::Targets;
use crate::core::{ErrorEvent, StatusChange};
use crate::prelude::*;

pub enum Notification {
    Status(StatusChange),
    Error(ErrorEvent<JsValue>),
    SnapshotChanged,
}

pub struct Notifications {
    /// Oldest first; a handful at a time, so a Vec rather than another VecDeque instantiation.
    queue: RefCell<Vec<Notification>>,
    scheduled: Cell<bool>,
    deliver: Function,
}

impl Notifications {
    pub fn new(deliver: Function) -> Self {
        Self { queue: RefCell::new(Vec::new()), scheduled: Cell::new(false), deliver }
    }

    pub fn push(&self, notification: Notification) {
        self.queue.borrow_mut().push(notification);
    }

    /// Queues the delivery microtask if there is something to deliver and none is queued.
    pub fn schedule(&self) {
        if !self.queue.borrow().is_empty() && !self.scheduled.replace(true) {
            js::queue_microtask(&self.deliver);
        }
    }

    fn next(&self) -> Option<Notification> {
        let mut queue = self.queue.borrow_mut();
        (!queue.is_empty()).then(|| queue.remove(0))
    }

    pub fn len(&self) -> usize {
        self.queue.borrow().len()
    }

    pub fn clear(&self) {
        self.queue.borrow_mut().clear();
    }
}

impl Shared {
    pub fn deliver_notifications(self: &Rc<Self>) {
        while !self.freed.get() {
            let Some(notification) = self.notifications.next() else { break };
            match notification {
                Notification::Status(change) => {
                    let event = events::status_event(&change);
                    let targets = self.status_listeners.borrow().snapshot();
                    self.call_guarded(&targets, &event, "an onStatus listener");
                }
                Notification::Error(error) => {
                    let event = events::error_event(&error);
                    let targets = self.error_listeners.borrow().snapshot();
                    for entry in targets.iter() {
                        if self.freed.get() {
                            break;
                        }
                        if entry.is_active() {
                            if let Err(thrown) = entry.listener.call1(&JsValue::UNDEFINED, &event) {
                                // Reporting it as another error event could loop forever.
                                js::console_error("AgentWire: an onError listener threw", &thrown);
                            }
                        }
                    }
                }
                Notification::SnapshotChanged => {
                    let targets = self.subscribers.borrow().snapshot();
                    self.call_guarded(&targets, &JsValue::UNDEFINED, "a subscriber");
                }
            }
        }
        if self.freed.get() {
            self.notifications.clear();
        }
        self.notifications.scheduled.set(false);
        self.release_if_settled();
    }

    /// Calls each active listener with `argument`; one that throws is reported, the rest run.
    fn call_guarded(self: &Rc<Self>, targets: &Targets<Function>, argument: &JsValue, who: &str) {
        for entry in targets.iter() {
            if self.freed.get() {
                return;
            }
            if !entry.is_active() {
                continue;
            }
            if let Err(thrown) = entry.listener.call1(&JsValue::UNDEFINED, argument) {
                self.report_listener_error(who, thrown);
            }
        }
    }
}
