//! A run from `/ws/runs/{run_id}`: `boot`, per agent `agent_start` … `agent_end`, per task
//! `task_start` … `task_end`, and `done`. Tool events of the run go to the tool list (see
//! `tools`); agents to the agent list, under the names `agent_start` gave their ids.
//!
//! The state holds one run, the latest: an event naming another run id starts a new one (as if
//! it had booted), so a reconnect to a different run never mixes two runs' tasks.

use crate::prelude::*;

use super::bounded::Bounded;
use super::index::Index;
use super::json::Json;

/// Tasks kept per run (the oldest dropped beyond it).
pub const MAX_TASKS: usize = 200;
/// Agent ids a run remembers names for; more still work, shown by id.
const MAX_AGENT_NAMES: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    Running,
    Done,
    /// AG-UI's `RUN_ERROR`.
    Error,
}

impl RunStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Done => "done",
            RunStatus::Error => "error",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskStatus {
    Running,
    Done,
    Failed,
}

impl TaskStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Running => "running",
            TaskStatus::Done => "done",
            TaskStatus::Failed => "failed",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    pub id: String,
    /// The agent's name (its id when `agent_start` gave no name).
    pub agent: Option<String>,
    pub title: Option<String>,
    pub status: TaskStatus,
    pub started_at: Option<f64>,
    pub ended_at: Option<f64>,
    pub version: u64,
}

#[derive(Debug, Clone)]
pub struct Run {
    pub id: String,
    /// AG-UI's `threadId`.
    pub thread_id: Option<String>,
    /// AG-UI's `RUN_ERROR.message` (and `code`).
    pub error: Option<String>,
    pub error_code: Option<String>,
    /// AG-UI's `RUN_FINISHED.result`.
    pub result: Option<Json>,
    /// AG-UI's steps (`STEP_STARTED` … `STEP_FINISHED`), as tasks named by the step.
    pub steps: TaskList,
    pub status: RunStatus,
    /// `done.status` ('success', …).
    pub outcome: Option<String>,
    /// `boot.message`.
    pub message: Option<String>,
    /// `boot.agents`.
    pub agent_count: Option<f64>,
    pub tasks: Bounded<Task>,
    /// `done.tools_run`.
    pub tools_run: Option<f64>,
    pub started_at: Option<f64>,
    pub ended_at: Option<f64>,
    /// Agent id → position in `names`.
    agent_names: Index,
    names: Vec<String>,
    task_index: Index,
}

/// Steps: a bounded list with an index by name (a step named again is a new step once the
/// previous one of that name ended).
#[derive(Debug, Clone)]
pub struct TaskList {
    pub list: Bounded<Task>,
    index: Index,
}

impl TaskList {
    pub fn new(limit: usize) -> Self {
        TaskList { list: Bounded::new(limit), index: Index::default() }
    }

    pub fn start(&mut self, name: &str, at: Option<f64>, version: u64) {
        let task = Task {
            id: name.into(),
            agent: None,
            title: None,
            status: TaskStatus::Running,
            started_at: at,
            ended_at: None,
            version,
        };
        let (seq, evicted) = self.list.push(task);
        if let Some(old) = evicted {
            if self.index.get(&old.id) == Some(seq - self.list.limit() as u64) {
                self.index.remove(&old.id);
            }
        }
        self.index.insert(name, seq);
    }

    /// Ends the latest step `name` (one never started is added, ended).
    pub fn end(&mut self, name: &str, status: TaskStatus, at: Option<f64>, version: u64) {
        let seq = match self.index.get(name).filter(|seq| self.list.get(*seq).is_some()) {
            Some(seq) => seq,
            None => {
                self.start(name, None, version);
                self.list.next_seq() - 1
            }
        };
        if let Some(task) = self.list.get_mut(seq) {
            task.status = status;
            task.ended_at = at;
            task.version = version;
        }
    }

    /// Steps still running end as `status`. True if any did.
    pub fn end_running(&mut self, status: TaskStatus, at: Option<f64>, version: u64) -> bool {
        let mut changed = false;
        for (_, task) in self.list.iter_mut() {
            if task.status == TaskStatus::Running {
                task.status = status;
                task.ended_at = at;
                task.version = version;
                changed = true;
            }
        }
        changed
    }
}

/// `success` (or nothing) is a success; any other status word is a failure.
pub fn is_success(status: Option<&str>) -> bool {
    status.is_none_or(|s| s == "success" || s == "completed" || s == "done")
}

impl Run {
    pub fn new(id: &str, at: Option<f64>) -> Run {
        Run {
            id: id.into(),
            thread_id: None,
            error: None,
            error_code: None,
            result: None,
            steps: TaskList::new(MAX_TASKS),
            status: RunStatus::Running,
            outcome: None,
            message: None,
            agent_count: None,
            tasks: Bounded::new(MAX_TASKS),
            tools_run: None,
            started_at: at,
            ended_at: None,
            agent_names: Index::default(),
            names: Vec::new(),
            task_index: Index::default(),
        }
    }

    pub fn name_agent(&mut self, agent_id: &str, name: &str) {
        match self.agent_names.get(agent_id) {
            Some(i) => self.names[i as usize] = name.into(),
            None if self.names.len() < MAX_AGENT_NAMES => {
                self.agent_names.insert(agent_id, self.names.len() as u64);
                self.names.push(name.into());
            }
            None => {}
        }
    }

    /// The name `agent_start` gave `agent_id`, else the id itself.
    pub fn agent_name<'a>(&'a self, agent_id: &'a str) -> &'a str {
        self.agent_names.get(agent_id).map_or(agent_id, |i| self.names[i as usize].as_str())
    }

    pub fn start_task(
        &mut self,
        id: &str,
        agent: Option<String>,
        title: Option<String>,
        at: Option<f64>,
        version: u64,
    ) {
        let (seq, evicted) = self.tasks.push(Task {
            id: id.into(),
            agent,
            title,
            status: TaskStatus::Running,
            started_at: at,
            ended_at: None,
            version,
        });
        if let Some(old) = evicted {
            if self.task_index.get(&old.id) == Some(seq - MAX_TASKS as u64) {
                self.task_index.remove(&old.id);
            }
        }
        self.task_index.insert(id, seq);
    }

    /// Ends task `id` (one never started is added, ended).
    pub fn end_task(&mut self, id: &str, status: Option<&str>, at: Option<f64>, version: u64) {
        let seq = match self.task_index.get(id) {
            Some(seq) => seq,
            None => {
                self.start_task(id, None, None, None, version);
                self.tasks.next_seq() - 1
            }
        };
        if let Some(task) = self.tasks.get_mut(seq) {
            task.status = if is_success(status) { TaskStatus::Done } else { TaskStatus::Failed };
            task.ended_at = at;
            task.version = version;
        }
    }
}
