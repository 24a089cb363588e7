//! Counts of what the transports of this module hold that the garbage collector cannot take back
//! by itself: Rust closures handed to the browser (socket handlers, the timer's callback, the
//! browser-signal listeners). Each RAII owner counts itself in and out, so a leak shows as a
//! count that grows (the browser tests run 1,000 reconnect cycles and compare).

use std::cell::Cell;

thread_local! {
    static LIVE_CLOSURES: Cell<usize> = const { Cell::new(0) };
    static LIVE_DRIVERS: Cell<usize> = const { Cell::new(0) };
}

/// A transport's driver was created (`true`) or dropped.
pub fn driver_alive(alive: bool) {
    LIVE_DRIVERS.with(|live| live.set(if alive { live.get() + 1 } else { live.get() - 1 }));
}

/// Drivers alive in the module: transports not yet released (freed or not).
pub fn live_drivers() -> usize {
    LIVE_DRIVERS.with(Cell::get)
}

/// `count` closures were handed to the browser.
pub fn closures_created(count: usize) {
    LIVE_CLOSURES.with(|live| live.set(live.get() + count));
}

/// `count` closures were taken back and dropped.
pub fn closures_dropped(count: usize) {
    LIVE_CLOSURES.with(|live| live.set(live.get() - count));
}

/// Closures alive in the whole module, for every transport together.
pub fn live_closures() -> usize {
    LIVE_CLOSURES.with(Cell::get)
}
