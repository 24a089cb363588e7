//! Work that survives the death of its instance (with Redis): what a chat or a run is, written
//! next to its stream's lease as a [`WorkSpec`] when it starts, and how another instance
//! continues it after claiming the lapsed lease ([`Takeover`], the followers'
//! [`Continuer`]).
//!
//! The scripts are deterministic given the spec (agent_script.rs: the chat derives from the
//! message; runs.rs: the run from its id and plan; nothing random, no clock), so the
//! continuation plays the same script and skips the events already in the stream: the
//! client sees every seq once and in order. What differs is only what depends on the clock:
//! `timestamp`s, and the `duration_s` of a tool that was running during the takeover.

use std::sync::{Arc, Weak};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::agent_script::Script;
use crate::app::App;
use crate::endpoints::runs::{play, RunPlan};
use crate::endpoints::Endpoint;
use crate::redis::leases::Claimed;
use crate::resume::follower::Continuer;
use crate::resume::{Session, Work};
use crate::session_runner::{Pace, SessionRun};

/// What rebuilds the work behind a stream. `label` is what replies about it name (a chat's
/// agent session id, a run's id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WorkSpec {
    Chat {
        label: String,
        message: String,
        answer_tokens: Option<u64>,
        delay_ms: u64,
        tokens_per_sec: u64,
    },
    Run {
        label: String,
        delay_ms: u64,
        /// `None`: the scripted 3-5 per tool.
        progress_events: Option<u64>,
        /// Started with `POST /control/runs/{id}`: it plays into the run's own stream, not a
        /// connection's session.
        started: bool,
    },
}

impl WorkSpec {
    pub fn chat(
        agent_session: &str,
        message: &str,
        answer_tokens: Option<u64>,
        pace: Pace,
    ) -> Self {
        WorkSpec::Chat {
            label: agent_session.to_string(),
            message: message.to_string(),
            answer_tokens,
            delay_ms: pace.event_delay.as_millis() as u64,
            tokens_per_sec: pace.tokens_per_sec,
        }
    }

    pub fn run(run_id: &str, pace: Pace, plan: RunPlan, started: bool) -> Self {
        WorkSpec::Run {
            label: run_id.to_string(),
            delay_ms: pace.event_delay.as_millis() as u64,
            progress_events: match plan {
                RunPlan::Scripted => None,
                RunPlan::ProgressEvents(m) => Some(m),
            },
            started,
        }
    }

    pub fn to_json(&self) -> String {
        // A plain enum of strings and numbers: serialising it cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Continues the work of streams whose lease this instance claimed after it lapsed.
pub struct Takeover(pub Weak<App>);

impl Continuer for Takeover {
    fn continue_work(&self, session: &Arc<Session>, stream: &str, claimed: Claimed) {
        let Some(app) = self.0.upgrade() else { return };
        let Some(backend) = app.shared.clone() else {
            return;
        };
        let spec = claimed
            .work
            .as_deref()
            .and_then(|json| serde_json::from_str::<WorkSpec>(json).ok());
        let Some(spec) = spec else {
            // Nothing this version can rebuild: nobody can continue it, so it ends here.
            backend.report(format_args!(
                "took over {stream}, but its work spec is unreadable: ending it"
            ));
            let (stream, token) = (stream.to_string(), claimed.token);
            tokio::spawn(async move { backend.end_work(&stream, &token, true).await });
            return;
        };
        // The work's events so far are seqs base+1..=last: it goes on with the next one.
        let skip = claimed.last.saturating_sub(claimed.base);
        backend.note(format_args!(
            "took over {stream} after its seq {} (its instance stopped renewing the lease): continuing it from its event {}",
            claimed.last,
            skip + 1
        ));
        match spec {
            WorkSpec::Chat {
                label,
                message,
                answer_tokens,
                delay_ms,
                tokens_per_sec,
            } => {
                session.hold_lease(claimed.token);
                let pace = Pace {
                    event_delay: Duration::from_millis(delay_ms),
                    tokens_per_sec,
                };
                let script = Script::for_message(&message, answer_tokens);
                let run = SessionRun::continuing(
                    &app,
                    label.clone(),
                    &message,
                    script,
                    pace,
                    session.clone(),
                    skip,
                );
                let handover = run.handover_flag();
                let task = tokio::spawn(run.run());
                install(session, Work::new(label, task).with_handover_flag(handover));
            }
            WorkSpec::Run {
                label: run_id,
                delay_ms,
                progress_events,
                started,
            } => {
                let pace = Pace {
                    event_delay: Duration::from_millis(delay_ms),
                    tokens_per_sec: 0,
                };
                let plan = progress_events.map_or(RunPlan::Scripted, RunPlan::ProgressEvents);
                if started {
                    // `session` only shows the run: it plays into a producer of its own, as
                    // on the instance that got the POST.
                    let producer = app.resume.create_producer(Endpoint::Runs, &run_id, stream);
                    producer.hold_lease(claimed.token);
                    app.runs
                        .play_here(&app, &run_id, producer, pace, plan, skip);
                } else {
                    session.hold_lease(claimed.token);
                    let task =
                        tokio::spawn(play(run_id.clone(), session.clone(), pace, plan, skip));
                    install(session, Work::new(run_id, task));
                }
            }
        }
    }
}

/// Makes `work` the session's; work it somehow still had is stopped (it cannot be playing:
/// this instance did not hold the lease).
fn install(session: &Arc<Session>, work: Work) {
    if let Some(previous) = session.replace_work(Some(work)) {
        tokio::spawn(previous.stop());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spec_reads_back_as_written() {
        let pace = Pace {
            event_delay: Duration::from_millis(25),
            tokens_per_sec: 60,
        };
        for spec in [
            WorkSpec::chat("session_7", "How is NVDA doing?", Some(80), pace),
            WorkSpec::run("r-1", pace, RunPlan::ProgressEvents(4), true),
            WorkSpec::run("r-2", pace, RunPlan::Scripted, false),
        ] {
            let json = spec.to_json();
            let value: serde_json::Value = serde_json::from_str(&json).unwrap();
            assert!(
                value["label"].is_string(),
                "the label is read by stop_work: {json}"
            );
            assert_eq!(serde_json::from_str::<WorkSpec>(&json).unwrap(), spec);
        }
    }
}
