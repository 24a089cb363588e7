//! AG-UI runs served over HTTP/SSE (`POST /agui`), kept so a dropped stream can be continued:
//! a run plays in its own task into a log of events numbered from 1 (the SSE `id`), and a
//! request for the same `threadId` and `runId` with `Last-Event-ID: n` gets the events after
//! `n`, then the live rest. Nothing is sent twice or skipped: replay and live delivery read
//! the same log. The newest [`MAX_RUNS`] runs are kept; an older one is stopped and forgotten
//! (a request for it starts the run again, from id 1).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::watch;
use tokio::task::JoinHandle;

pub const MAX_RUNS: usize = 64;

pub struct AguiRun {
    state: Mutex<RunLog>,
    /// How many events the log holds (bumped by `finish` too), so readers wake.
    published: watch::Sender<usize>,
}

#[derive(Default)]
struct RunLog {
    events: Vec<Arc<str>>,
    finished: bool,
}

impl AguiRun {
    fn lock(&self) -> MutexGuard<'_, RunLog> {
        match self.state.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Appends one event (its JSON); returns its id.
    pub fn push(&self, data: &str) -> usize {
        let id = {
            let mut log = self.lock();
            log.events.push(Arc::from(data));
            log.events.len()
        };
        self.published.send_replace(id);
        id
    }

    pub fn finish(&self) {
        self.lock().finished = true;
        self.published.send_modify(|_| {});
    }

    /// The events after id `after` (ids from `after + 1`), waiting for at least one; `None`
    /// once the run is finished and every event is read.
    pub async fn after(&self, after: usize) -> Option<Vec<Arc<str>>> {
        let mut published = self.published.subscribe();
        loop {
            {
                let log = self.lock();
                if log.events.len() > after {
                    return Some(log.events[after..].to_vec());
                }
                if log.finished {
                    return None;
                }
            }
            if published.changed().await.is_err() {
                return None;
            }
        }
    }
}

/// A kept run: its key, its log and the task playing it.
struct Kept {
    key: String,
    run: Arc<AguiRun>,
    task: JoinHandle<()>,
}

#[derive(Default)]
pub struct AguiRuns {
    runs: Mutex<VecDeque<Kept>>,
}

fn key(thread_id: &str, run_id: &str) -> String {
    format!("{thread_id}\u{0}{run_id}")
}

impl AguiRuns {
    /// The run `thread_id`/`run_id` if it is kept.
    pub fn find(&self, thread_id: &str, run_id: &str) -> Option<Arc<AguiRun>> {
        let key = key(thread_id, run_id);
        let runs = self.runs.lock().unwrap_or_else(|p| p.into_inner());
        runs.iter()
            .find(|kept| kept.key == key)
            .map(|kept| kept.run.clone())
    }

    /// A new run, played by `play(run)` in a task; replaces one of the same ids.
    pub fn start<F, Fut>(&self, thread_id: &str, run_id: &str, play: F) -> Arc<AguiRun>
    where
        F: FnOnce(Arc<AguiRun>) -> Fut,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let run = Arc::new(AguiRun {
            state: Mutex::new(RunLog::default()),
            published: watch::Sender::new(0),
        });
        let task = tokio::spawn(play(run.clone()));
        let key = key(thread_id, run_id);
        let mut runs = self.runs.lock().unwrap_or_else(|p| p.into_inner());
        runs.retain(|kept| {
            let same = kept.key == key;
            if same {
                kept.task.abort();
            }
            !same
        });
        while runs.len() >= MAX_RUNS {
            if let Some(kept) = runs.pop_front() {
                kept.task.abort();
            }
        }
        runs.push_back(Kept {
            key,
            run: run.clone(),
            task,
        });
        run
    }

    pub fn len(&self) -> usize {
        self.runs.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
