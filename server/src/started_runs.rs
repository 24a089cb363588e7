//! Runs started with `POST /control/runs/{run_id}`: the run plays on the instance that got
//! the request, into the run's own stream (Redis: `run:<run_id>`, in memory: a session held
//! here), and every `/ws/runs/{run_id}` connection, on any instance, shows that stream from
//! its start instead of playing a run of its own. With Redis the run survives that instance:
//! its lease lapses, and an instance showing the run claims it and plays the rest
//! (`takeover`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::task::AbortHandle;

use crate::app::App;
use crate::endpoints::runs::{play, RunPlan};
use crate::endpoints::Endpoint;
use crate::redis::keys;
use crate::resume::{RunSource, Session};
use crate::session_runner::Pace;
use crate::takeover::WorkSpec;

/// What `start` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Started {
    Now,
    /// A run by that id is already started (here or, with Redis, on any instance).
    Already,
}

struct Producer {
    session: Arc<Session>,
    task: AbortHandle,
}

#[derive(Default)]
pub struct StartedRuns {
    /// The runs this instance plays (in memory also those that finished, while viewers may
    /// still connect: until the stream's bounds would have dropped them).
    here: Mutex<HashMap<String, Producer>>,
}

impl StartedRuns {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Producer>> {
        match self.here.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Starts run `run_id` here. With Redis the claim is global (SET NX), so two instances
    /// never play the same run id into one stream.
    pub async fn start(
        &self,
        app: &Arc<App>,
        run_id: &str,
        pace: Pace,
        plan: RunPlan,
    ) -> Result<Started, redis::RedisError> {
        let stream = keys::run_stream(run_id);
        match &app.shared {
            Some(backend) => {
                if !backend.claim_run(run_id).await? {
                    return Ok(Started::Already);
                }
            }
            None => {
                if self.lock().contains_key(run_id) {
                    return Ok(Started::Already);
                }
            }
        }
        let session = app.resume.create_producer(Endpoint::Runs, run_id, &stream);
        // The spec lets another instance continue the run if this one dies.
        let spec = WorkSpec::run(run_id, pace, plan, true);
        if !session.begin_work(&spec.to_json(), None).await {
            return Err(redis::RedisError::from((
                redis::ErrorKind::Client,
                "cannot record the run's work in Redis",
            )));
        }
        self.play_here(app, run_id, session, pace, plan, 0);
        Ok(Started::Now)
    }

    /// Plays run `run_id` here into `producer` (which holds the stream's lease with Redis),
    /// after its first `skip` events: from the start on the instance that got the POST, or
    /// from where it stopped on one that took it over.
    pub fn play_here(
        &self,
        app: &Arc<App>,
        run_id: &str,
        producer: Arc<Session>,
        pace: Pace,
        plan: RunPlan,
        skip: u64,
    ) {
        let task = tokio::spawn(play(run_id.to_string(), producer.clone(), pace, plan, skip));
        let producer = Producer {
            session: producer,
            task: task.abort_handle(),
        };
        self.lock().insert(run_id.to_string(), producer);
        // In memory: forget it once its stream would have lapsed. In Redis the run's marker
        // and stream lapse by their TTL, which is refreshed while it plays and when it ends,
        // so a run longer than the TTL stays started and viewers may join after its end.
        let keep = app.config.resume_grace + app.config.resume_max_age;
        let shared = app.shared.clone();
        let app = Arc::downgrade(app);
        let run_id = run_id.to_string();
        tokio::spawn(async move {
            let mut task = task;
            if let Some(backend) = &shared {
                let mut refresh = tokio::time::interval(keep / 3);
                loop {
                    tokio::select! {
                        _ = &mut task => break,
                        _ = refresh.tick() => {
                            if let Err(e) = backend.keep_run(&run_id).await {
                                backend.report(format_args!("cannot refresh run {run_id}: {e}"));
                            }
                        }
                    }
                }
                if let Err(e) = backend.keep_run(&run_id).await {
                    backend.report(format_args!("cannot refresh run {run_id}: {e}"));
                }
            } else {
                let _ = task.await;
                tokio::time::sleep(keep).await;
            }
            if let Some(app) = app.upgrade() {
                app.runs.lock().remove(&run_id);
            }
        });
    }

    /// The stream a connection to `/ws/runs/{run_id}` shows, if the run was started.
    pub async fn source(
        &self,
        app: &App,
        run_id: &str,
    ) -> Result<Option<RunSource>, redis::RedisError> {
        match &app.shared {
            Some(backend) => Ok(backend.started_run(run_id).await?.map(RunSource::Redis)),
            None => Ok(self
                .lock()
                .get(run_id)
                .map(|p| RunSource::Local(p.session.clone()))),
        }
    }

    /// Stops every run playing here (Redis is gone: their events could not be stored).
    pub fn stop_all(&self) -> usize {
        let producers: Vec<Producer> = self.lock().drain().map(|(_, p)| p).collect();
        let running = producers.iter().filter(|p| !p.task.is_finished()).count();
        for producer in producers {
            producer.task.abort();
            // Its lease is no longer renewed: an instance continues the run once Redis is back.
            producer.session.abandon();
        }
        running
    }
}
