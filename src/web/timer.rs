//! The transport's one timer, armed for the core's next deadline (`poll_timeout`).
//!
//! A gloo-timers `Timeout`: dropping it cancels it, so there is no timer id to forget. When a
//! deadline moves later (every inbound frame postpones the heartbeat), the armed timer is left
//! alone: it fires early, the core finds nothing due, and it is armed once more. Re-arming per
//! frame would cost a `clearTimeout` + `setTimeout` pair and a closure per message.

use std::cell::RefCell;

use gloo_timers::callback::Timeout;

use super::resources;
use crate::core::Millis;

/// Browsers overflow `setTimeout` delays above 2^31-1 ms and fire at once.
const MAX_DELAY_MS: Millis = 2_147_483_647.0;

struct Armed {
    deadline: Millis,
    _timeout: Timeout,
}

impl Drop for Armed {
    fn drop(&mut self) {
        resources::closures_dropped(1);
    }
}

#[derive(Default)]
pub struct DeadlineTimer {
    armed: RefCell<Option<Armed>>,
}

impl DeadlineTimer {
    /// Makes sure the callback `on_fire()` makes runs no later than `deadline` (never, for
    /// `None`). `now` and `on_fire` are called only when the timer must be set again: on most
    /// calls (one per message) it is not.
    pub fn arm<F: FnOnce() + 'static>(&self, deadline: Option<Millis>, now: impl FnOnce() -> Millis, on_fire: impl FnOnce() -> F) {
        let Some(deadline) = deadline else { return self.cancel() };
        if self.armed.borrow().as_ref().is_some_and(|armed| armed.deadline <= deadline) {
            return;
        }
        // Browsers round fractional delays; firing a fraction early costs one more arm.
        let delay = (deadline - now()).clamp(0.0, MAX_DELAY_MS) as u32;
        let timeout = Timeout::new(delay, on_fire());
        resources::closures_created(1);
        // The one replaced (if any) is cancelled as it drops, after the borrow ends.
        let replaced = self.armed.replace(Some(Armed { deadline, _timeout: timeout }));
        drop(replaced);
    }

    /// Call first thing when the timer fires: it is no longer armed.
    pub fn fired(&self) {
        let spent = self.armed.take();
        drop(spent);
    }

    pub fn cancel(&self) {
        if self.armed.borrow().is_some() {
            self.fired();
        }
    }

    pub fn is_armed(&self) -> bool {
        self.armed.borrow().is_some()
    }
}
