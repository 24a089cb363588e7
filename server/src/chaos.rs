//! Misbehaviour on demand: the shared chaos state (refuse window, outbound delay) and the
//! actions that hit every live connection (drop, close, silence).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use crate::registry::Registry;

#[derive(Default)]
pub struct Chaos {
    refuse_until: Mutex<Option<Instant>>,
    delay_ms: AtomicU64,
}

impl Chaos {
    /// Whether new WebSocket upgrades are refused (503) right now.
    pub fn refusing(&self) -> bool {
        let guard = match self.refuse_until.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        guard.is_some_and(|until| Instant::now() < until)
    }

    pub fn refuse_for(&self, window: Duration) {
        let mut guard = match self.refuse_until.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        *guard = Some(Instant::now() + window);
    }

    /// Extra latency applied to every outbound frame (0 = none).
    pub fn delay(&self) -> Duration {
        Duration::from_millis(self.delay_ms.load(Ordering::Relaxed))
    }

    pub fn set_delay(&self, delay: Duration) {
        self.delay_ms
            .store(delay.as_millis() as u64, Ordering::Relaxed);
    }

    /// Clears the refuse window and the delay (silences are lifted by `unsilence_all`).
    pub fn reset(&self) {
        match self.refuse_until.lock() {
            Ok(mut guard) => *guard = None,
            Err(poisoned) => *poisoned.into_inner() = None,
        }
        self.delay_ms.store(0, Ordering::Relaxed);
    }
}

/// Drops every connection without a close frame (the client sees 1006).
pub fn drop_all(registry: &Registry) -> usize {
    registry
        .entries(None)
        .iter()
        .filter(|e| e.shared.drop_abruptly())
        .count()
}

/// Closes every live connection with `code`/`reason`, ahead of anything queued.
pub fn close_all(registry: &Registry, code: u16, reason: &str) -> usize {
    registry
        .entries(None)
        .iter()
        .filter(|e| e.shared.close(code, reason))
        .count()
}

/// Silences every live connection (no reads, no writes, socket kept open) until `until`,
/// or until reset when `None`. Connections opened later are not affected.
pub fn silence_all(registry: &Registry, until: Option<Instant>) -> usize {
    registry
        .entries(None)
        .iter()
        .filter(|e| e.shared.silence(until))
        .count()
}

pub fn unsilence_all(registry: &Registry) -> usize {
    registry
        .entries(None)
        .iter()
        .filter(|e| e.shared.unsilence())
        .count()
}
