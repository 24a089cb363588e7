//! Tool calls: started by `tool_call` (chat) or `tool_start` (runs), followed by `tool_progress`,
//! ended by `tool_result` or `tool_end`.
//!
//! The events name a tool only by agent and tool name, so an end (or progress) goes to the
//! earliest running call of that agent and name: per (agent, name) a queue of running calls,
//! threaded through the calls themselves (`next_running`) with its ends in two indexes, O(1)
//! per event. An end or progress with no running call still appears, as a call of its own:
//! nothing the server says is dropped. Ids are `agent:name:n` (`name:n` without an agent), `n`
//! counting calls from 1, so they stay the same from snapshot to snapshot.

use crate::prelude::*;

use super::bounded::Bounded;
use super::index::Index;
use super::json::{self, Json};
use super::text::Text;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToolStatus {
    Running,
    Done,
    Failed,
}

impl ToolStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            ToolStatus::Running => "running",
            ToolStatus::Done => "done",
            ToolStatus::Failed => "failed",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Tool<V> {
    pub id: String,
    pub agent: Option<String>,
    pub name: String,
    /// The arguments as the server sent them (a JS value on the web, never copied).
    pub args: Option<V>,
    pub result: Option<V>,
    pub status: ToolStatus,
    /// 0..1, from `tool_progress`.
    pub progress: Option<f64>,
    /// The latest progress message ('searching 2/4'), or 'cancelled'.
    pub message: Option<String>,
    pub started_at: Option<f64>,
    pub ended_at: Option<f64>,
    pub duration_ms: Option<f64>,
    pub session_id: Option<String>,
    pub run_id: Option<String>,
    pub task_id: Option<String>,
    pub version: u64,
    /// AG-UI: the `toolCallId` (the call's `id` too), the message it belongs to, the argument
    /// text streamed so far, and that text parsed at `TOOL_CALL_END` (shown as `args`).
    pub call_id: Option<String>,
    pub parent_message_id: Option<String>,
    pub args_text: String,
    pub parsed_args: Option<Json>,
    /// AG-UI: arguments may still arrive (no `TOOL_CALL_END` yet).
    pub args_open: bool,
    /// The next running call of the same agent and name, while this one is queued.
    next_running: Option<u64>,
}

/// Where and when a tool event happened.
#[derive(Debug, Clone, Default)]
pub struct ToolContext {
    pub at: Option<f64>,
    pub session_id: Option<String>,
    pub run_id: Option<String>,
    pub task_id: Option<String>,
}

/// How a call ended.
#[derive(Debug)]
pub struct ToolEnding<V> {
    pub result: Option<V>,
    pub failed: bool,
    /// The server's own measure (`tool_end.duration_s`); else ended minus started.
    pub duration_s: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct Tools<V> {
    pub list: Bounded<Tool<V>>,
    /// The oldest and the newest running call per `key(agent, name)`.
    heads: Index,
    tails: Index,
    /// AG-UI calls by `toolCallId` (they are never in the queues: their events name them).
    by_call_id: Index,
    /// The AG-UI call the last `TOOL_CALL_CHUNK` went to (a chunk may omit the id).
    last_chunk: Option<u64>,
}

fn key(agent: Option<&str>, name: &str) -> String {
    let mut key = String::with_capacity(agent.map_or(0, str::len) + name.len() + 1);
    key.push_str(agent.unwrap_or(""));
    key.push('\u{0}');
    key.push_str(name);
    key
}

impl<V> Tools<V> {
    pub fn new(limit: usize) -> Self {
        Tools {
            list: Bounded::new(limit),
            heads: Index::default(),
            tails: Index::default(),
            by_call_id: Index::default(),
            last_chunk: None,
        }
    }

    fn push(&mut self, agent: Option<&str>, name: &str, args: Option<V>, context: &ToolContext, version: u64) -> u64 {
        let seq = self.list.next_seq();
        let id = match agent {
            Some(agent) => Text::new(agent).s(":").s(name).s(":").n(seq + 1).done(),
            None => Text::new(name).s(":").n(seq + 1).done(),
        };
        let (seq, evicted) = self.list.push(Tool {
            id,
            agent: agent.map(Into::into),
            name: name.into(),
            args,
            result: None,
            status: ToolStatus::Running,
            progress: None,
            message: None,
            started_at: context.at,
            ended_at: None,
            duration_ms: None,
            session_id: context.session_id.clone(),
            run_id: context.run_id.clone(),
            task_id: context.task_id.clone(),
            version,
            call_id: None,
            parent_message_id: None,
            args_text: String::new(),
            parsed_args: None,
            args_open: false,
            next_running: None,
        });
        if let Some(old_id) = evicted.as_ref().and_then(|old| old.call_id.as_deref()) {
            if self.by_call_id.get(old_id) == Some(seq - self.list.limit() as u64) {
                self.by_call_id.remove(old_id);
            }
        }
        if let Some(old) = evicted.filter(|old| old.status == ToolStatus::Running && old.call_id.is_none()) {
            // The oldest call overall is the head of its own queue.
            let old_key = key(old.agent.as_deref(), &old.name);
            if self.heads.get(&old_key) == Some(seq - self.list.limit() as u64) {
                self.advance_head(&old_key, old.next_running);
            }
        }
        seq
    }

    fn enqueue(&mut self, tool_key: &str, seq: u64) {
        match self.tails.insert(tool_key, seq) {
            Some(tail) => {
                if let Some(previous) = self.list.get_mut(tail) {
                    previous.next_running = Some(seq);
                }
            }
            None => {
                self.heads.insert(tool_key, seq);
            }
        }
    }

    fn advance_head(&mut self, tool_key: &str, next: Option<u64>) {
        match next {
            Some(next) => {
                self.heads.insert(tool_key, next);
            }
            None => {
                self.heads.remove(tool_key);
                self.tails.remove(tool_key);
            }
        }
    }

    /// Takes the oldest running call of `tool_key` off its queue.
    fn dequeue(&mut self, tool_key: &str) -> Option<u64> {
        let head = self.heads.get(tool_key)?;
        let next = self.list.get(head).and_then(|tool| tool.next_running);
        self.advance_head(tool_key, next);
        Some(head)
    }

    /// Starts a call; returns its id.
    pub fn start(
        &mut self,
        agent: Option<&str>,
        name: &str,
        args: Option<V>,
        context: &ToolContext,
        version: u64,
    ) -> &str {
        let seq = self.push(agent, name, args, context, version);
        self.enqueue(&key(agent, name), seq);
        self.list.get(seq).map_or("", |tool| tool.id.as_str())
    }

    /// The earliest running call of `agent` and `name`, started now if there is none.
    fn running_call(&mut self, agent: Option<&str>, name: &str, context: &ToolContext, version: u64) -> u64 {
        let tool_key = key(agent, name);
        if let Some(seq) = self.heads.get(&tool_key) {
            return seq;
        }
        let seq = self.push(agent, name, None, context, version);
        self.enqueue(&tool_key, seq);
        seq
    }

    /// A progress report for the earliest running call of `agent` and `name`.
    pub fn progress(
        &mut self,
        agent: Option<&str>,
        name: &str,
        progress: Option<f64>,
        message: Option<String>,
        context: &ToolContext,
        version: u64,
    ) -> Option<&Tool<V>> {
        let seq = self.running_call(agent, name, context, version);
        let tool = self.list.get_mut(seq)?;
        if progress.is_some() {
            tool.progress = progress;
        }
        if message.is_some() {
            tool.message = message;
        }
        tool.version = version;
        Some(tool)
    }

    /// Ends the earliest running call of `agent` and `name` (one that never started is created
    /// already ended, without a start time).
    pub fn finish(
        &mut self,
        agent: Option<&str>,
        name: &str,
        ending: ToolEnding<V>,
        context: &ToolContext,
        version: u64,
    ) -> Option<&Tool<V>> {
        let seq = match self.dequeue(&key(agent, name)) {
            Some(seq) => seq,
            None => {
                let seq = self.push(agent, name, None, context, version);
                if let Some(tool) = self.list.get_mut(seq) {
                    tool.started_at = None;
                }
                seq
            }
        };
        let tool = self.list.get_mut(seq)?;
        tool.status = if ending.failed { ToolStatus::Failed } else { ToolStatus::Done };
        if ending.result.is_some() {
            tool.result = ending.result;
        }
        tool.ended_at = context.at;
        tool.duration_ms = match (ending.duration_s, tool.started_at, tool.ended_at) {
            (Some(seconds), _, _) => Some(seconds * 1000.0),
            (None, Some(started), Some(ended)) => Some(ended - started),
            _ => None,
        };
        tool.version = version;
        Some(tool)
    }

    /// Running calls of chat session `session_id` fail with the message 'cancelled'. True if
    /// any did.
    pub fn cancel_running(&mut self, session_id: Option<&str>, at: Option<f64>, version: u64) -> bool {
        let mut changed = false;
        for (_, tool) in self.list.iter_mut() {
            let in_session = match session_id {
                Some(id) => tool.session_id.as_deref() == Some(id),
                None => tool.session_id.is_some(),
            };
            if tool.status == ToolStatus::Running && in_session {
                tool.status = ToolStatus::Failed;
                tool.message = Some("cancelled".into());
                tool.ended_at = at;
                if let (Some(started), Some(ended)) = (tool.started_at, at) {
                    tool.duration_ms = Some(ended - started);
                }
                tool.version = version;
                changed = true;
            }
        }
        if changed {
            // Rare: rebuild the queues from the calls still running.
            self.heads.clear();
            self.tails.clear();
            let mut running = Vec::new();
            for (seq, tool) in self.list.iter_mut() {
                tool.next_running = None;
                if tool.status == ToolStatus::Running && tool.call_id.is_none() {
                    running.push((seq, key(tool.agent.as_deref(), &tool.name)));
                }
            }
            for (seq, tool_key) in running {
                self.enqueue(&tool_key, seq);
            }
        }
        changed
    }
}

/// AG-UI tool calls: named by their `toolCallId`, which is also their `id`.
impl<V> Tools<V> {
    /// The call `id`, started (with `name`, or '' until a chunk names it) if it is new.
    pub fn call(&mut self, id: &str, name: Option<&str>, context: &ToolContext, version: u64) -> Option<&mut Tool<V>> {
        let seq = match self.by_call_id.get(id) {
            Some(seq) => seq,
            None => {
                let seq = self.push(None, name.unwrap_or(""), None, context, version);
                self.by_call_id.insert(id, seq);
                let tool = self.list.get_mut(seq)?;
                tool.id = id.into();
                tool.call_id = Some(id.into());
                tool.args_open = true;
                seq
            }
        };
        let tool = self.list.get_mut(seq)?;
        if let Some(name) = name.filter(|name| !name.is_empty()) {
            if tool.name != name {
                tool.name = name.into();
            }
        }
        tool.version = version;
        Some(tool)
    }

    /// The call a `TOOL_CALL_CHUNK` is about: `id` when given, else the last chunk's.
    pub fn chunk_call(
        &mut self,
        id: Option<&str>,
        name: Option<&str>,
        context: &ToolContext,
        version: u64,
    ) -> Option<&mut Tool<V>> {
        let id = match id {
            Some(id) => String::from(id),
            None => self.last_chunk.and_then(|seq| self.list.get(seq)).and_then(|t| t.call_id.clone())?,
        };
        self.call(&id, name, context, version)?;
        let seq = self.by_call_id.get(&id)?;
        self.last_chunk = Some(seq);
        self.list.get_mut(seq)
    }

    /// The call `id`, if known.
    pub fn by_id(&mut self, id: &str) -> Option<&mut Tool<V>> {
        let seq = self.by_call_id.get(id)?;
        self.list.get_mut(seq)
    }

    /// Calls of `run_id` whose arguments are still open (a chunked call has no end event):
    /// their arguments end now. Returns the parse problems, by call id.
    pub fn close_args_of_run(&mut self, run_id: &str, version: u64) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        for (_, tool) in self.list.iter_mut() {
            if tool.args_open && tool.run_id.as_deref() == Some(run_id) {
                if let Err(problem) = tool.close_args(version) {
                    problems.push((tool.id.clone(), problem));
                }
            }
        }
        problems
    }

    /// The running AG-UI calls of `run_id` end as `status` (the run ended; nothing more will
    /// come for them in it). True if any did.
    pub fn end_calls_of_run(&mut self, run_id: &str, status: ToolStatus, at: Option<f64>, version: u64) -> bool {
        let mut changed = false;
        for (_, tool) in self.list.iter_mut() {
            if tool.call_id.is_some() && tool.status == ToolStatus::Running && tool.run_id.as_deref() == Some(run_id) {
                tool.end(status, at, version);
                changed = true;
            }
        }
        changed
    }
}

impl<V> Tool<V> {
    /// The arguments are complete: parsed as JSON (empty text is no arguments). A parse
    /// failure keeps the text in `args_text`, with `args` null.
    pub fn close_args(&mut self, version: u64) -> Result<(), String> {
        self.args_open = false;
        self.version = version;
        if self.args_text.trim().is_empty() {
            return Ok(());
        }
        let parsed = json::parse(&self.args_text)?;
        self.parsed_args = Some(parsed);
        Ok(())
    }

    pub fn end(&mut self, status: ToolStatus, at: Option<f64>, version: u64) {
        self.status = status;
        self.ended_at = at;
        if let (Some(started), Some(ended)) = (self.started_at, at) {
            self.duration_ms = Some(ended - started);
        }
        self.version = version;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: f64) -> ToolContext {
        ToolContext { at: Some(ms), ..ToolContext::default() }
    }

    fn done() -> ToolEnding<()> {
        ToolEnding { result: None, failed: false, duration_s: None }
    }

    #[test]
    fn an_end_goes_to_the_earliest_running_call_of_that_agent_and_name() {
        let mut tools: Tools<()> = Tools::new(10);
        assert_eq!(tools.start(Some("A"), "search", None, &at(0.0), 1), "A:search:1");
        assert_eq!(tools.start(Some("B"), "search", None, &at(1.0), 1), "B:search:2");
        assert_eq!(tools.start(Some("A"), "search", None, &at(2.0), 1), "A:search:3");
        let ended = tools.finish(Some("A"), "search", done(), &at(10.0), 2).unwrap();
        assert_eq!((ended.id.as_str(), ended.duration_ms), ("A:search:1", Some(10.0)));
        let ended = tools.finish(Some("A"), "search", done(), &at(12.0), 3).unwrap();
        assert_eq!((ended.id.as_str(), ended.duration_ms), ("A:search:3", Some(10.0)));
        assert_eq!(tools.list.get(1).unwrap().status, ToolStatus::Running);
    }

    #[test]
    fn an_end_without_a_start_is_kept_as_a_call_of_its_own() {
        let mut tools: Tools<()> = Tools::new(10);
        let ending = ToolEnding { result: None, failed: true, duration_s: Some(1.5) };
        let tool = tools.finish(None, "fetch", ending, &at(5.0), 1).unwrap();
        assert_eq!(tool.id, "fetch:1");
        assert_eq!(
            (tool.status, tool.started_at, tool.ended_at, tool.duration_ms),
            (ToolStatus::Failed, None, Some(5.0), Some(1500.0))
        );
        assert!(tools.heads.is_empty() && tools.tails.is_empty());
    }

    #[test]
    fn an_evicted_running_call_leaves_no_trace_in_the_running_queues() {
        let mut tools: Tools<()> = Tools::new(2);
        tools.start(Some("A"), "x", None, &at(0.0), 1);
        tools.start(Some("A"), "y", None, &at(0.0), 1);
        tools.start(Some("A"), "z", None, &at(0.0), 1);
        assert_eq!((tools.heads.len(), tools.tails.len()), (2, 2));
        let tool = tools.finish(Some("A"), "x", done(), &at(1.0), 2).unwrap();
        assert_eq!((tool.id.as_str(), tool.started_at), ("A:x:4", None), "the started call is gone");
    }
}
