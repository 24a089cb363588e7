//! The core's clock: `performance.now()`, read through a saved `Performance` object.
//!
//! `performance` is an accessor on the global object, and looking it up on every read cost twice
//! as much as `now()` itself (measured in Chromium, ~0.3 µs against ~0.1 µs per read), once per
//! message. Looked up on the global scope, so the transport also runs in workers and in Node;
//! once for the module, so a transport holds no `JsValue` for it.

use wasm_bindgen::JsCast;
use web_sys::Performance;

use crate::core::Millis;

struct Clock {
    performance: Performance,
    /// Added to a reading, gives epoch milliseconds (`performance.timeOrigin`).
    epoch_offset: Millis,
}

thread_local! {
    static CLOCK: Clock = {
        let performance: Performance =
            js_sys::Reflect::get(&js_sys::global(), &"performance".into()).unwrap_or_default().unchecked_into();
        let epoch_offset = performance.time_origin();
        Clock { performance, epoch_offset }
    };
}

/// Monotonic milliseconds, the core's time.
pub fn now() -> Millis {
    CLOCK.with(|clock| clock.performance.now())
}

/// A reading of [`now`] as epoch milliseconds, rounded as `Date.now()` is.
pub fn to_epoch(reading: Millis) -> Millis {
    CLOCK.with(|clock| (reading + clock.epoch_offset).round())
}

/// The inverse of [`to_epoch`]: epoch milliseconds (from another tab, say) as a reading.
#[cfg(feature = "share")]
pub fn from_epoch(epoch_ms: Millis) -> Millis {
    CLOCK.with(|clock| epoch_ms - clock.epoch_offset)
}
