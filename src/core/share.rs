//! One connection for a site's tabs (`share`): which tab leads, which leader's word counts, and
//! when a silent leader is replaced. Without I/O, like the connection: the embedder reports the
//! lock, the channel's messages and the time, and carries out [`TabAction`]s.
//!
//! The lock (Web Locks) elects one leader at a time, as long as every tab runs. It cannot tell a
//! frozen or throttled leader from a live one, so two safeguards sit on top:
//! - **Fencing:** each leadership has an epoch, one more than any seen (and than the one kept in
//!   the origin's storage). Whatever a tab hears from an older epoch is stale and ignored, and a
//!   leader that hears of a newer one steps down, closing its socket.
//! - **Takeover:** the leader beacons every `beacon_interval_ms` (from a Worker, which hidden-tab
//!   throttling does not slow). A follower that has heard nothing from the current epoch for
//!   `takeover_after_ms` takes the lock from it (`steal`). Each tab waits a little longer than
//!   the others by its id, so they do not all take it at once.

use crate::prelude::*;
use super::Millis;

#[derive(Debug, Clone, PartialEq)]
pub struct ShareConfig {
    pub beacon_interval_ms: Millis,
    /// Silence after which a follower takes over; kept under a second with the stagger.
    pub takeover_after_ms: Millis,
    /// Up to this much more, by tab id, so the followers of a frozen leader do not all steal.
    pub takeover_stagger_ms: Millis,
    /// A follower not heard from for this long is no longer counted in `tabs`.
    pub peer_timeout_ms: Millis,
}

impl Default for ShareConfig {
    fn default() -> Self {
        Self { beacon_interval_ms: 200.0, takeover_after_ms: 500.0, takeover_stagger_ms: 150.0, peer_timeout_ms: 1_500.0 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Not in the group (never joined, or left).
    Out,
    /// Mirrors the leader; waits for the lock.
    Follower,
    Leader { epoch: u64 },
}

/// What the embedder must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TabAction {
    /// Leader: post a beacon (epoch, tabs) on the channel.
    Beacon,
    /// Follower: post a hello, so the leader counts this tab and sends it the state.
    Hello,
    /// Follower: the leader is silent; take the lock from it.
    Steal,
    /// Leader: a newer leadership exists (or the lock was taken): close the socket, follow.
    StepDown,
    /// Follower: a new leader (epoch) was heard: re-post what waits for an ack, flush sends.
    NewLeader,
    /// The number of tabs sharing the connection changed.
    TabsChanged(usize),
}

#[derive(Debug)]
pub struct TabGroup {
    config: ShareConfig,
    tab: u64,
    role: Role,
    /// The highest epoch heard of.
    epoch: u64,
    /// Follower: when the current epoch's leader was last heard (or since when we wait).
    leader_heard_at: Millis,
    /// Follower: a steal was asked for at this time and has not been answered yet.
    stealing_since: Option<Millis>,
    next_beat_at: Millis,
    /// Leader: the followers, with when each was last heard.
    peers: Vec<(u64, Millis)>,
    tabs: usize,
    actions: Vec<TabAction>,
}

impl TabGroup {
    pub fn new(config: ShareConfig, tab: u64) -> Self {
        Self { config, tab, role: Role::Out, epoch: 0, leader_heard_at: 0.0, stealing_since: None, next_beat_at: 0.0, peers: Vec::new(), tabs: 1, actions: Vec::new() }
    }

    pub fn tab(&self) -> u64 {
        self.tab
    }

    pub fn role(&self) -> Role {
        self.role
    }

    pub fn is_leader(&self) -> bool {
        matches!(self.role, Role::Leader { .. })
    }

    /// The epoch this tab leads, or the one it follows.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    pub fn tabs(&self) -> usize {
        self.tabs
    }

    /// `connect()`: joins as a follower until the lock is granted.
    pub fn join(&mut self, now: Millis) {
        if self.role != Role::Out {
            return;
        }
        self.role = Role::Follower;
        self.leader_heard_at = now;
        self.stealing_since = None;
        self.next_beat_at = now;
        self.actions.push(TabAction::Hello);
    }

    /// `disconnect()` or `free()`.
    pub fn leave(&mut self) {
        self.role = Role::Out;
        self.peers.clear();
        self.set_tabs(1);
    }

    /// The lock was granted; `stored_epoch` is the latest epoch the origin's storage holds.
    /// Returns the new leadership's epoch, to be stored.
    pub fn handle_granted(&mut self, stored_epoch: u64, now: Millis) -> u64 {
        self.epoch = self.epoch.max(stored_epoch) + 1;
        self.role = Role::Leader { epoch: self.epoch };
        self.stealing_since = None;
        self.peers.clear();
        self.next_beat_at = now;
        self.actions.push(TabAction::Beacon);
        self.next_beat_at = now + self.config.beacon_interval_ms;
        self.epoch
    }

    /// The lock was taken from this tab (or given up): it follows whoever leads now.
    pub fn handle_lost(&mut self, now: Millis) {
        if self.is_leader() {
            self.role = Role::Follower;
            self.leader_heard_at = now;
            self.peers.clear();
            self.actions.push(TabAction::StepDown);
            self.actions.push(TabAction::Hello);
        }
    }

    /// Anything a leader posted (beacon, relay, state) with its epoch: whether to act on it.
    /// An older epoch's is stale. A newer epoch makes this tab follow it.
    pub fn handle_leader_word(&mut self, epoch: u64, tabs: Option<usize>, now: Millis) -> bool {
        if epoch < self.epoch || self.role == Role::Out {
            return false;
        }
        if let Role::Leader { epoch: mine } = self.role {
            if epoch == mine {
                return false;
            }
            // A newer leadership: this tab was frozen, or lost its lock unnoticed.
            self.role = Role::Follower;
            self.peers.clear();
            self.actions.push(TabAction::StepDown);
        }
        if epoch > self.epoch {
            self.epoch = epoch;
            self.actions.push(TabAction::NewLeader);
        }
        self.leader_heard_at = now;
        self.stealing_since = None;
        if let Some(tabs) = tabs {
            self.set_tabs(tabs);
        }
        true
    }

    /// A follower's hello (or any message from it). True when the tab is new to this leader,
    /// which then sends it the state.
    pub fn handle_follower_word(&mut self, tab: u64, now: Millis) -> bool {
        if !self.is_leader() || tab == self.tab {
            return false;
        }
        let new = match self.peers.iter_mut().find(|(id, _)| *id == tab) {
            Some(peer) => {
                peer.1 = now;
                false
            }
            None => {
                self.peers.push((tab, now));
                true
            }
        };
        self.count_tabs();
        new
    }

    /// A follower said goodbye.
    pub fn handle_bye(&mut self, tab: u64) {
        self.peers.retain(|(id, _)| *id != tab);
        if self.is_leader() {
            self.count_tabs();
        }
    }

    pub fn handle_timeout(&mut self, now: Millis) {
        match self.role {
            Role::Out => {}
            Role::Leader { .. } => {
                if now >= self.next_beat_at {
                    let timeout = self.config.peer_timeout_ms;
                    self.peers.retain(|(_, heard)| now - *heard < timeout);
                    self.count_tabs();
                    self.actions.push(TabAction::Beacon);
                    self.next_beat_at = now + self.config.beacon_interval_ms;
                }
            }
            Role::Follower => {
                if now >= self.next_beat_at {
                    self.actions.push(TabAction::Hello);
                    self.next_beat_at = now + self.config.beacon_interval_ms * 2.0;
                }
                // A steal not answered within a takeover period is asked for again.
                let waiting = self.stealing_since.map_or(true, |since| now - since >= self.config.takeover_after_ms);
                if waiting && now - self.leader_heard_at >= self.takeover_after() {
                    self.stealing_since = Some(now);
                    self.actions.push(TabAction::Steal);
                }
            }
        }
    }

    /// The next instant `handle_timeout` has something to do.
    pub fn poll_timeout(&self) -> Option<Millis> {
        match self.role {
            Role::Out => None,
            Role::Leader { .. } => Some(self.next_beat_at),
            Role::Follower => {
                let takeover = match self.stealing_since {
                    Some(since) => since + self.config.takeover_after_ms,
                    None => self.leader_heard_at + self.takeover_after(),
                };
                Some(self.next_beat_at.min(takeover))
            }
        }
    }

    pub fn poll_action(&mut self) -> Option<TabAction> {
        (!self.actions.is_empty()).then(|| self.actions.remove(0))
    }

    fn takeover_after(&self) -> Millis {
        self.config.takeover_after_ms + (self.tab % 1024) as Millis / 1024.0 * self.config.takeover_stagger_ms
    }

    fn count_tabs(&mut self) {
        let tabs = self.peers.len() + 1;
        self.set_tabs(tabs);
    }

    fn set_tabs(&mut self, tabs: usize) {
        if tabs != self.tabs {
            self.tabs = tabs;
            self.actions.push(TabAction::TabsChanged(tabs));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actions(group: &mut TabGroup) -> Vec<TabAction> {
        core::iter::from_fn(|| group.poll_action()).collect()
    }

    fn follower(tab: u64) -> TabGroup {
        let mut group = TabGroup::new(ShareConfig::default(), tab);
        group.join(0.0);
        actions(&mut group);
        group
    }

    #[test]
    fn a_granted_lock_makes_a_leader_one_epoch_past_any_seen_or_stored() {
        let mut group = follower(1);
        assert!(group.handle_leader_word(4, Some(2), 10.0));
        assert_eq!(group.handle_granted(2, 20.0), 5);
        assert_eq!(group.role(), Role::Leader { epoch: 5 });
        let mut other = follower(2);
        assert_eq!(other.handle_granted(9, 0.0), 10);
    }

    #[test]
    fn words_of_an_older_epoch_are_stale() {
        let mut group = follower(1);
        assert!(group.handle_leader_word(3, None, 0.0));
        assert!(!group.handle_leader_word(2, None, 1.0));
        assert!(group.handle_leader_word(3, None, 2.0));
    }

    #[test]
    fn a_leader_hearing_a_newer_epoch_steps_down() {
        let mut group = follower(1);
        group.handle_granted(0, 0.0);
        actions(&mut group);
        assert!(!group.handle_leader_word(1, None, 5.0), "its own epoch");
        assert!(group.handle_leader_word(2, Some(3), 10.0));
        assert_eq!(actions(&mut group), vec![TabAction::StepDown, TabAction::NewLeader, TabAction::TabsChanged(3)]);
        assert_eq!(group.role(), Role::Follower);
    }

    #[test]
    fn a_follower_takes_over_a_silent_leader_within_a_second() {
        let mut group = follower(7);
        group.handle_leader_word(1, None, 0.0);
        let mut now = 0.0;
        let mut stole_at = None;
        while now < 2_000.0 && stole_at.is_none() {
            now = group.poll_timeout().unwrap().max(now + 1.0);
            group.handle_timeout(now);
            if actions(&mut group).contains(&TabAction::Steal) {
                stole_at = Some(now);
            }
        }
        let stole_at = stole_at.expect("no steal");
        assert!((500.0..=650.0).contains(&stole_at), "stole at {stole_at}");
    }

    #[test]
    fn beacons_keep_a_follower_from_stealing() {
        let mut group = follower(7);
        for t in (0..5_000).step_by(200) {
            group.handle_leader_word(1, None, t as f64);
            group.handle_timeout(t as f64 + 100.0);
            assert!(!actions(&mut group).contains(&TabAction::Steal));
        }
    }

    #[test]
    fn an_unanswered_steal_is_asked_again_after_a_takeover_period() {
        let mut group = follower(0);
        group.handle_timeout(500.0);
        assert!(actions(&mut group).contains(&TabAction::Steal));
        group.handle_timeout(900.0);
        assert!(!actions(&mut group).contains(&TabAction::Steal));
        group.handle_timeout(1_000.0);
        assert!(actions(&mut group).contains(&TabAction::Steal));
    }

    #[test]
    fn the_leader_counts_followers_it_hears_and_forgets_silent_ones() {
        let mut group = follower(1);
        group.handle_granted(0, 0.0);
        actions(&mut group);
        assert!(group.handle_follower_word(2, 10.0));
        assert!(!group.handle_follower_word(2, 20.0));
        assert!(group.handle_follower_word(3, 30.0));
        assert_eq!(group.tabs(), 3);
        group.handle_bye(3);
        assert_eq!(group.tabs(), 2);
        group.handle_timeout(2_000.0);
        assert_eq!(group.tabs(), 1, "tab 2 went silent");
        assert!(actions(&mut group).contains(&TabAction::TabsChanged(1)));
    }

    #[test]
    fn a_lost_lock_makes_the_leader_a_follower_that_says_hello() {
        let mut group = follower(1);
        group.handle_granted(0, 0.0);
        actions(&mut group);
        group.handle_lost(50.0);
        assert_eq!(actions(&mut group), vec![TabAction::StepDown, TabAction::Hello]);
        assert_eq!(group.role(), Role::Follower);
    }

    #[test]
    fn a_tab_out_of_the_group_hears_nothing() {
        let mut group = TabGroup::new(ShareConfig::default(), 1);
        assert!(!group.handle_leader_word(1, None, 0.0));
        assert_eq!(group.poll_timeout(), None);
    }
}
