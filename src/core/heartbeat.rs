//! Dead-connection detection for an open socket.
//!
//! A half-open TCP connection (peer gone, no FIN/RST seen) looks perfectly healthy to the
//! browser: no close event ever comes. So while connected we watch the inbound side: when nothing
//! has arrived for `interval`, we ping; when nothing at all arrives within `timeout` after that
//! ping, the connection is dead. Any inbound frame counts as life, so a busy stream never pings.

use super::config::HeartbeatConfig;
use super::Millis;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeartbeatDue {
    Nothing,
    SendPing,
    /// No sign of life within the timeout after a ping.
    Dead,
}

#[derive(Debug, Clone)]
pub struct Heartbeat {
    interval_ms: Millis,
    timeout_ms: Millis,
    last_inbound: Millis,
    /// When the unanswered ping went out; cleared by any inbound frame.
    awaiting_since: Option<Millis>,
    /// When the last ping went out, kept until its pong arrives, to measure the round trip even
    /// if other traffic arrived in between.
    last_ping_at: Option<Millis>,
}

impl Heartbeat {
    /// Starts watching a connection that just opened (the open counts as life).
    pub fn start(config: &HeartbeatConfig, now: Millis) -> Self {
        Self {
            interval_ms: config.interval_ms,
            timeout_ms: config.timeout_ms,
            last_inbound: now,
            awaiting_since: None,
            last_ping_at: None,
        }
    }

    pub fn on_inbound(&mut self, now: Millis) {
        self.last_inbound = now;
        self.awaiting_since = None;
    }

    /// A reply to our ping: returns the round trip in ms, if we have a ping outstanding.
    pub fn on_pong(&mut self, now: Millis) -> Option<Millis> {
        self.on_inbound(now);
        self.last_ping_at.take().map(|sent| (now - sent).max(0.0))
    }

    /// When `poll` next has something to do.
    pub fn deadline(&self) -> Millis {
        match self.awaiting_since {
            Some(sent) => sent + self.timeout_ms,
            None => self.last_inbound + self.interval_ms,
        }
    }

    /// Checks the deadlines against `now`; records the ping when one is due.
    pub fn poll(&mut self, now: Millis) -> HeartbeatDue {
        if now < self.deadline() {
            return HeartbeatDue::Nothing;
        }
        if self.awaiting_since.is_some() {
            return HeartbeatDue::Dead;
        }
        self.awaiting_since = Some(now);
        self.last_ping_at = Some(now);
        HeartbeatDue::SendPing
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> HeartbeatConfig {
        HeartbeatConfig { interval_ms: 1000.0, timeout_ms: 300.0, pong_type: "pong".into() }
    }

    #[test]
    fn pings_after_an_interval_of_silence() {
        let mut hb = Heartbeat::start(&config(), 0.0);
        assert_eq!(hb.deadline(), 1000.0);
        assert_eq!(hb.poll(999.0), HeartbeatDue::Nothing);
        assert_eq!(hb.poll(1000.0), HeartbeatDue::SendPing);
    }

    #[test]
    fn inbound_traffic_postpones_the_ping() {
        let mut hb = Heartbeat::start(&config(), 0.0);
        hb.on_inbound(800.0);
        assert_eq!(hb.poll(1000.0), HeartbeatDue::Nothing);
        assert_eq!(hb.deadline(), 1800.0);
    }

    #[test]
    fn silence_after_a_ping_means_dead() {
        let mut hb = Heartbeat::start(&config(), 0.0);
        assert_eq!(hb.poll(1000.0), HeartbeatDue::SendPing);
        assert_eq!(hb.deadline(), 1300.0);
        assert_eq!(hb.poll(1299.0), HeartbeatDue::Nothing);
        assert_eq!(hb.poll(1300.0), HeartbeatDue::Dead);
    }

    #[test]
    fn any_frame_after_a_ping_counts_as_life() {
        let mut hb = Heartbeat::start(&config(), 0.0);
        hb.poll(1000.0);
        hb.on_inbound(1200.0);
        assert_eq!(hb.poll(1300.0), HeartbeatDue::Nothing);
        assert_eq!(hb.deadline(), 2200.0);
    }

    #[test]
    fn pong_measures_the_round_trip_even_after_other_traffic() {
        let mut hb = Heartbeat::start(&config(), 0.0);
        hb.poll(1000.0);
        hb.on_inbound(1010.0);
        assert_eq!(hb.on_pong(1042.5), Some(42.5));
        assert_eq!(hb.on_pong(1050.0), None, "a second pong has no ping to answer");
    }

    #[test]
    fn a_late_check_after_a_throttled_timer_still_detects_death() {
        // Background tabs run timers late: the first check may come long after both deadlines.
        let mut hb = Heartbeat::start(&config(), 0.0);
        assert_eq!(hb.poll(50_000.0), HeartbeatDue::SendPing);
        assert_eq!(hb.poll(50_300.0), HeartbeatDue::Dead);
    }
}
