//! The agent-session registry in Redis, so /ws/agent-tracking on any instance lists, and
//! answers about, sessions running on every instance. The instance running a session keeps
//! its own copy (it applies the updates) and writes each change through, in order; readers
//! read Redis.
//!
//! - `agent:<id>`: the session's state as JSON. A running session's entry lives
//!   [`RUNNING_TTL`] past its last update, so the sessions of a dead instance leave the list;
//!   a finished one [`FINISHED_TTL`] (it stays queryable, as the in-memory registry keeps the
//!   last finished ones).
//! - `agents:running`: the running ids, scored by session number (the list's order).
//! - `agents:logs`: log lines, newest last, trimmed to the in-memory bound.

use std::time::Duration;

use redis::RedisResult;

use super::{keys, RedisBackend};
use crate::sessions::{LogLine, SessionState, Status};

pub const RUNNING_TTL: Duration = Duration::from_secs(120);
pub const FINISHED_TTL: Duration = Duration::from_secs(600);

impl RedisBackend {
    /// The next session number, unique across instances.
    pub async fn next_agent_number(&self) -> RedisResult<u64> {
        redis::cmd("INCR")
            .arg(keys::AGENT_COUNTER)
            .query_async(&mut self.conn())
            .await
    }

    /// Writes a session's state through (queued, in order with its other changes).
    pub fn save_agent(&self, state: &SessionState, number: u64) {
        let Ok(json) = serde_json::to_string(state) else {
            return;
        };
        let id = state.session_id.clone();
        let running = state.status == Status::Running;
        self.queue(move |mut conn| async move {
            let ttl = if running { RUNNING_TTL } else { FINISHED_TTL };
            let mut pipe = redis::pipe();
            pipe.pset_ex(keys::agent(&id), json, ttl.as_millis() as u64)
                .ignore();
            if running {
                pipe.zadd(keys::AGENTS_RUNNING, &id, number).ignore();
            } else {
                pipe.zrem(keys::AGENTS_RUNNING, &id).ignore();
            }
            pipe.query_async::<()>(&mut conn).await
        });
    }

    pub fn save_agent_log(&self, line: &LogLine, max_lines: usize) {
        let Ok(json) = serde_json::to_string(line) else {
            return;
        };
        self.queue(move |mut conn| async move {
            redis::pipe()
                .rpush(keys::AGENT_LOGS, json)
                .ignore()
                .ltrim(keys::AGENT_LOGS, -(max_lines as isize), -1)
                .ignore()
                .query_async::<()>(&mut conn)
                .await
        });
    }

    /// Running sessions of every instance, oldest first. Ids whose state lapsed (their
    /// instance stopped updating them) are dropped from the list.
    pub async fn running_agents(&self) -> RedisResult<Vec<SessionState>> {
        let ids: Vec<String> = redis::cmd("ZRANGE")
            .arg(keys::AGENTS_RUNNING)
            .arg(0)
            .arg(-1)
            .query_async(&mut self.conn())
            .await?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let states: Vec<Option<String>> = redis::cmd("MGET")
            .arg(ids.iter().map(|id| keys::agent(id)).collect::<Vec<_>>())
            .query_async(&mut self.conn())
            .await?;
        let mut running = Vec::new();
        for (id, state) in ids.iter().zip(states) {
            match state.and_then(|json| serde_json::from_str::<SessionState>(&json).ok()) {
                Some(state) if state.status == Status::Running => running.push(state),
                Some(_) => {}
                None => {
                    let id = id.clone();
                    self.queue(move |mut conn| async move {
                        redis::cmd("ZREM")
                            .arg(keys::AGENTS_RUNNING)
                            .arg(id)
                            .query_async::<()>(&mut conn)
                            .await
                    });
                }
            }
        }
        Ok(running)
    }

    pub async fn agent(&self, session_id: &str) -> RedisResult<Option<SessionState>> {
        let json: Option<String> = redis::cmd("GET")
            .arg(keys::agent(session_id))
            .query_async(&mut self.conn())
            .await?;
        Ok(json.and_then(|json| serde_json::from_str(&json).ok()))
    }

    pub async fn agent_logs(&self) -> RedisResult<Vec<LogLine>> {
        let lines: Vec<String> = redis::cmd("LRANGE")
            .arg(keys::AGENT_LOGS)
            .arg(0)
            .arg(-1)
            .query_async(&mut self.conn())
            .await?;
        Ok(lines
            .iter()
            .filter_map(|json| serde_json::from_str(json).ok())
            .collect())
    }
}
