//! The events a session holds for replay, bounded by count, bytes and age (PROTOCOL.md,
//! "Bounds"). Pure logic: the caller passes the clock's reading, so the bounds are tested
//! without sleeping.

use std::collections::VecDeque;
use std::time::Duration;

use axum::extract::ws::Utf8Bytes;
use tokio::time::Instant;

/// The three bounds of one session's buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    pub max_events: usize,
    pub max_bytes: usize,
    pub max_age: Duration,
}

/// Why a resume cannot be served from the buffer: the first event it needs was dropped by
/// the count or byte bound (`Evicted`) or by the age bound (`Expired`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lost {
    Evicted,
    Expired,
}

impl Lost {
    /// The welcome's `reason`.
    pub fn reason(self) -> &'static str {
        match self {
            Lost::Evicted => "evicted",
            Lost::Expired => "expired",
        }
    }
}

/// What `replay_after` found.
#[derive(Debug, PartialEq, Eq)]
pub enum Replay {
    /// Every event after the position, in order (possibly none).
    Frames(Vec<Utf8Bytes>),
    /// The position is past the last event this session sent: not a position of this session.
    Unknown,
    Lost(Lost),
}

/// How many runs of same-cause drops we remember to name the reason of a failed resume.
/// Causes alternate only when bounds interplay (a burst, then a quiet spell), so a few runs
/// are enough; when more pile up the oldest are merged into their successor.
const MAX_DROP_RUNS: usize = 16;

struct Held {
    seq: u64,
    at: Instant,
    frame: Utf8Bytes,
    /// Bytes pushed into the session up to and including this event, so the bytes after
    /// any held position are one subtraction.
    end: u64,
}

pub struct ReplayBuffer {
    bounds: Bounds,
    held: VecDeque<Held>,
    bytes: usize,
    /// The seq of the last event pushed (0 before the first).
    last_seq: u64,
    /// Bytes ever pushed.
    pushed_bytes: u64,
    /// Dropped events as runs `(last seq of the run, cause)`, oldest first: the run holding
    /// seq `s` is the first whose end is ≥ `s`.
    dropped: VecDeque<(u64, Lost)>,
    /// The position this buffer joined its stream at (0: from the first event).
    base: u64,
}

impl ReplayBuffer {
    pub fn new(bounds: Bounds) -> ReplayBuffer {
        ReplayBuffer {
            bounds,
            held: VecDeque::new(),
            bytes: 0,
            last_seq: 0,
            pushed_bytes: 0,
            dropped: VecDeque::new(),
            base: 0,
        }
    }

    /// A buffer whose first event will be `after + 1`: this instance's window of a stream
    /// kept elsewhere (Redis), joined at a resumed position. Events up to `after` were never
    /// held here, so a replay from before it is refused as evicted.
    pub fn starting_after(bounds: Bounds, after: u64) -> ReplayBuffer {
        ReplayBuffer {
            last_seq: after,
            base: after,
            ..ReplayBuffer::new(bounds)
        }
    }

    /// The position the buffer joined its stream at; no socket is ever behind it.
    pub fn base(&self) -> u64 {
        self.base
    }

    /// Joins the stream at `after` instead of its start, if nothing was pushed yet: for a
    /// fresh reader of a stream that already dropped its first events (its client sees the
    /// seqs jump, which the protocol reports as a gap). False if events were pushed.
    pub fn rebase(&mut self, after: u64) -> bool {
        if self.base != 0 || self.last_seq != 0 || after == 0 {
            return false;
        }
        self.base = after;
        self.last_seq = after;
        true
    }

    /// The seq of the last event pushed; the next one gets `last_seq() + 1`.
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// Holds the event numbered `last_seq() + 1`, then applies the bounds.
    pub fn push(&mut self, frame: Utf8Bytes, now: Instant) -> u64 {
        self.last_seq += 1;
        self.bytes += frame.len();
        self.pushed_bytes += frame.len() as u64;
        self.held.push_back(Held {
            seq: self.last_seq,
            at: now,
            frame,
            end: self.pushed_bytes,
        });
        self.enforce(now);
        self.last_seq
    }

    /// Drops what is past a bound, oldest first. Called on every push and before a replay,
    /// so an idle session's old events expire even though nothing new arrives.
    pub fn enforce(&mut self, now: Instant) {
        while let Some(front) = self.held.front() {
            let cause = if now.saturating_duration_since(front.at) > self.bounds.max_age {
                Lost::Expired
            } else if self.held.len() > self.bounds.max_events || self.bytes > self.bounds.max_bytes
            {
                Lost::Evicted
            } else {
                return;
            };
            let seq = front.seq;
            if let Some(gone) = self.held.pop_front() {
                self.bytes -= gone.frame.len();
            }
            self.note_drop(seq, cause);
        }
    }

    fn note_drop(&mut self, seq: u64, cause: Lost) {
        match self.dropped.back_mut() {
            Some((end, last)) if *last == cause => *end = seq,
            _ => self.dropped.push_back((seq, cause)),
        }
        if self.dropped.len() > MAX_DROP_RUNS {
            // Forget the oldest run's own cause: its seqs now count as the next run's.
            self.dropped.pop_front();
        }
    }

    /// The events after `after`, or why they cannot all be given (recovery is never partial).
    pub fn replay_after(&mut self, after: u64, now: Instant) -> Replay {
        self.enforce(now);
        if after > self.last_seq {
            return Replay::Unknown;
        }
        if after == self.last_seq {
            return Replay::Frames(Vec::new());
        }
        let needed = after + 1;
        let first_held = self.held.front().map_or(self.last_seq + 1, |h| h.seq);
        if needed < first_held {
            let cause = self
                .dropped
                .iter()
                .find(|(end, _)| *end >= needed)
                .or(self.dropped.front())
                .map_or(Lost::Evicted, |(_, cause)| *cause);
            return Replay::Lost(cause);
        }
        let skip = (needed - first_held) as usize;
        Replay::Frames(
            self.held
                .iter()
                .skip(skip)
                .map(|h| h.frame.clone())
                .collect(),
        )
    }

    /// Up to `max` held events after `after`, for the live forwarder; `None` if the first of
    /// them is no longer held (the forwarder fell behind a bound).
    pub fn next_after(&self, after: u64, max: usize) -> Option<Vec<Utf8Bytes>> {
        let first_held = self.held.front().map_or(self.last_seq + 1, |h| h.seq);
        if after + 1 < first_held {
            return None;
        }
        let skip = (after + 1 - first_held) as usize;
        Some(
            self.held
                .iter()
                .skip(skip)
                .take(max)
                .map(|h| h.frame.clone())
                .collect(),
        )
    }

    /// Bytes of the held events after `after` (what a forwarder at `after` has yet to send).
    pub fn bytes_after(&self, after: u64) -> u64 {
        let first_held = self.held.front().map_or(self.last_seq + 1, |h| h.seq);
        let index = (after + 1).saturating_sub(first_held) as usize;
        match self.held.get(index) {
            Some(next) => self.pushed_bytes - (next.end - next.frame.len() as u64),
            None => 0,
        }
    }

    pub fn held_events(&self) -> usize {
        self.held.len()
    }

    pub fn held_bytes(&self) -> usize {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounds(max_events: usize, max_bytes: usize, age_ms: u64) -> Bounds {
        Bounds {
            max_events,
            max_bytes,
            max_age: Duration::from_millis(age_ms),
        }
    }

    fn frames(replay: Replay) -> Vec<String> {
        match replay {
            Replay::Frames(f) => f.iter().map(|f| f.as_str().to_string()).collect(),
            other => panic!("expected frames, got {other:?}"),
        }
    }

    #[test]
    fn replay_gives_every_event_after_the_position_in_order() {
        let now = Instant::now();
        let mut b = ReplayBuffer::new(bounds(100, 1 << 20, 60_000));
        for i in 1..=5 {
            assert_eq!(b.push(format!("e{i}").into(), now), i);
        }
        assert_eq!(frames(b.replay_after(2, now)), ["e3", "e4", "e5"]);
        assert_eq!(frames(b.replay_after(5, now)), Vec::<String>::new());
        assert_eq!(frames(b.replay_after(0, now)).len(), 5);
    }

    #[test]
    fn a_buffer_joined_mid_stream_numbers_on_from_there() {
        let now = Instant::now();
        let mut b = ReplayBuffer::starting_after(bounds(100, 1 << 20, 60_000), 41);
        assert_eq!(frames(b.replay_after(41, now)), Vec::<String>::new());
        assert_eq!(b.push("e42".into(), now), 42);
        assert_eq!(frames(b.replay_after(41, now)), ["e42"]);
        assert_eq!(b.replay_after(40, now), Replay::Lost(Lost::Evicted));
    }

    #[test]
    fn only_a_buffer_that_holds_nothing_from_the_start_is_rebased() {
        let now = Instant::now();
        let mut b = ReplayBuffer::new(bounds(100, 1 << 20, 60_000));
        assert!(b.rebase(16));
        assert_eq!(b.push("e17".into(), now), 17);
        assert_eq!(b.replay_after(0, now), Replay::Lost(Lost::Evicted));
        assert!(!b.rebase(20), "events were pushed");
        let mut joined = ReplayBuffer::starting_after(bounds(100, 1 << 20, 60_000), 5);
        assert!(
            !joined.rebase(9),
            "a resumed position is never skipped past"
        );
    }

    #[test]
    fn a_position_past_the_last_event_is_unknown() {
        let now = Instant::now();
        let mut b = ReplayBuffer::new(bounds(100, 1 << 20, 60_000));
        b.push("e1".into(), now);
        assert_eq!(b.replay_after(2, now), Replay::Unknown);
    }

    #[test]
    fn the_count_bound_evicts_oldest_first_and_a_resume_before_it_is_refused() {
        let now = Instant::now();
        let mut b = ReplayBuffer::new(bounds(3, 1 << 20, 60_000));
        for i in 1..=5 {
            b.push(format!("e{i}").into(), now);
        }
        assert_eq!(b.held_events(), 3);
        assert_eq!(b.replay_after(1, now), Replay::Lost(Lost::Evicted));
        assert_eq!(frames(b.replay_after(2, now)), ["e3", "e4", "e5"]);
    }

    #[test]
    fn the_byte_bound_evicts_too() {
        let now = Instant::now();
        let mut b = ReplayBuffer::new(bounds(100, 10, 60_000));
        b.push("aaaaaa".into(), now);
        b.push("bbbbbb".into(), now);
        assert_eq!(b.held_bytes(), 6);
        assert_eq!(b.replay_after(0, now), Replay::Lost(Lost::Evicted));
        assert_eq!(frames(b.replay_after(1, now)), ["bbbbbb"]);
    }

    #[test]
    fn the_age_bound_expires_events_even_without_new_pushes() {
        let start = Instant::now();
        let mut b = ReplayBuffer::new(bounds(100, 1 << 20, 1_000));
        b.push("old".into(), start);
        b.push("new".into(), start + Duration::from_millis(900));
        let later = start + Duration::from_millis(1_500);
        assert_eq!(b.replay_after(0, later), Replay::Lost(Lost::Expired));
        assert_eq!(frames(b.replay_after(1, later)), ["new"]);
    }

    #[test]
    fn the_reason_names_the_bound_that_dropped_the_first_missing_event() {
        let start = Instant::now();
        let mut b = ReplayBuffer::new(bounds(2, 1 << 20, 1_000));
        b.push("1".into(), start);
        b.push("2".into(), start);
        b.push("3".into(), start); // evicts 1
        let later = start + Duration::from_millis(2_000);
        b.push("4".into(), later); // 2 and 3 expire
        assert_eq!(b.replay_after(0, later), Replay::Lost(Lost::Evicted));
        assert_eq!(b.replay_after(1, later), Replay::Lost(Lost::Expired));
        assert_eq!(frames(b.replay_after(3, later)), ["4"]);
    }

    #[test]
    fn the_forwarder_reads_in_batches_and_notices_when_it_fell_behind() {
        let now = Instant::now();
        let mut b = ReplayBuffer::new(bounds(3, 1 << 20, 60_000));
        for i in 1..=3 {
            b.push(format!("e{i}").into(), now);
        }
        assert_eq!(b.next_after(0, 2).unwrap().len(), 2);
        assert_eq!(b.next_after(3, 2).unwrap().len(), 0);
        b.push("e4".into(), now);
        assert!(
            b.next_after(0, 2).is_none(),
            "e1 was evicted before it was forwarded"
        );
    }

    #[test]
    fn bytes_after_a_position_count_only_the_later_events() {
        let now = Instant::now();
        let mut b = ReplayBuffer::new(bounds(2, 1 << 20, 60_000));
        for frame in ["a", "bb", "ccc"] {
            b.push(frame.into(), now); // "a" is evicted by the count bound
        }
        assert_eq!(b.bytes_after(0), 5);
        assert_eq!(b.bytes_after(2), 3);
        assert_eq!(b.bytes_after(3), 0);
    }
}
