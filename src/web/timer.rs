//! The transport's one timer, armed for the core's next deadline.
//!
//! The callback is created once per transport. When a deadline moves later (inbound traffic
//! postpones the heartbeat on every frame), the armed timer is left alone: it fires early, the
//! core finds nothing due, and the timer is re-armed once. Re-arming per frame would cost a
//! `clearTimeout` + `setTimeout` pair per message.

use core::cell::{Cell, RefCell};

use js_sys::Function;
use wasm_bindgen::JsValue;

use super::js;
use crate::core::Millis;

/// Browsers overflow `setTimeout` delays above 2^31-1 ms and fire at once.
const MAX_DELAY_MS: f64 = 2_147_483_647.0;

pub struct Timer {
    callback: Function,
    handle: RefCell<Option<JsValue>>,
    armed_for: Cell<Option<Millis>>,
}

impl Timer {
    pub fn new(callback: Function) -> Self {
        Self { callback, handle: RefCell::new(None), armed_for: Cell::new(None) }
    }

    /// Makes sure the callback runs no later than `deadline` (or never, for `None`). The clock
    /// is read only when the timer must be set again: on most calls (one per message) it is not.
    pub fn arm(&self, deadline: Option<Millis>, now: impl FnOnce() -> Millis) {
        match (deadline, self.armed_for.get()) {
            (None, _) => self.cancel(),
            (Some(deadline), Some(armed)) if armed <= deadline => {}
            (Some(deadline), _) => {
                self.cancel();
                // Browsers round fractional delays; firing a fraction early only costs one more re-arm.
                let delay = (deadline - now()).clamp(0.0, MAX_DELAY_MS);
                *self.handle.borrow_mut() = Some(js::set_timeout(&self.callback, delay));
                self.armed_for.set(Some(deadline));
            }
        }
    }

    /// Call first thing in the callback: the timer is no longer armed.
    pub fn fired(&self) {
        self.handle.borrow_mut().take();
        self.armed_for.set(None);
    }

    pub fn cancel(&self) {
        if let Some(handle) = self.handle.borrow_mut().take() {
            js::clear_timeout(&handle);
        }
        self.armed_for.set(None);
    }

    pub fn is_armed(&self) -> bool {
        self.handle.borrow().is_some()
    }
}
