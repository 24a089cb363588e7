//! Resumable streams in Redis: appending (seq and entry in one script), reading after a seq
//! (XRANGE, exclusive start), the resume check, and the metadata that lets any instance
//! resolve a session id.

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use redis::streams::StreamRangeReply;
use redis::RedisResult;

use super::{keys, RedisBackend};
use crate::events::Event;
use crate::resume::buffer::Lost;

/// Entries read per XRANGE while catching up.
pub const READ_BATCH: usize = 256;

/// One entry of a stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    Event {
        seq: u64,
        ms: u64,
        frame: String,
    },
    /// The work finished after event `after`.
    Finished {
        after: u64,
    },
}

/// Whether a stream can serve a resume from a position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// Every event after it is held (possibly none).
    Served,
    /// Past the stream's last event.
    Unknown,
    Lost(Lost),
}

/// A session as every instance sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionMeta {
    pub endpoint: String,
    pub key: String,
    pub stream: String,
}

pub fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis() as u64
}

pub(super) fn millis(d: Duration) -> u64 {
    d.as_millis().max(1) as u64
}

/// Reads `<seq>-<0|1>` entries; anything else in the stream is not ours and is skipped.
fn parse_entries(reply: StreamRangeReply) -> Vec<Entry> {
    reply
        .ids
        .into_iter()
        .filter_map(|entry| {
            let (seq, kind) = entry.id.split_once('-')?;
            let seq: u64 = seq.parse().ok()?;
            match kind {
                "0" => Some(Entry::Event {
                    seq,
                    ms: entry.get("ms").unwrap_or(0),
                    frame: entry.get("f")?,
                }),
                "1" => Some(Entry::Finished { after: seq }),
                _ => None,
            }
        })
        .collect()
}

impl RedisBackend {
    /// Numbers `event` in `stream`, stores and publishes it; returns its seq. With a lease
    /// `token` (a stream with work behind it) only if that token holds the stream's lease:
    /// `None` when it does not (fenced: nothing was written). `ends_work`: the event is the
    /// last of the work behind the stream, whose spec and lease are deleted with it.
    pub async fn append(
        &self,
        stream: &str,
        event: &Event,
        token: Option<&str>,
        ends_work: bool,
    ) -> RedisResult<Option<u64>> {
        let (text, type_end) = event.parts();
        let seq: u64 = self
            .append_script
            .key(keys::stream(stream))
            .key(keys::counter(stream))
            .arg(stream)
            .arg(text)
            .arg(type_end)
            .arg(self.max_events)
            .arg(millis(self.stream_ttl()))
            .arg(token.unwrap_or(""))
            .arg(if ends_work { "1" } else { "0" })
            .invoke_async(&mut self.conn())
            .await?;
        Ok((seq > 0).then_some(seq))
    }

    /// Appends `event` to every live /ws/agent-tracking stream of every instance, in the
    /// background and in order with the other queued writes.
    pub fn broadcast_tracking(&self, event: &Event) {
        let (text, type_end) = event.parts();
        let text = text.to_string();
        let script = self.broadcast_script.clone();
        let maxlen = self.max_events;
        let ttl = millis(self.stream_ttl());
        self.queue(move |mut conn| async move {
            script
                .key(keys::TRACKING_STREAMS)
                .arg(text)
                .arg(type_end)
                .arg(maxlen)
                .arg(ttl)
                .invoke_async::<u64>(&mut conn)
                .await
                .map(|_| ())
        });
    }

    /// Marks the work behind `stream` finished after its last event; with a lease `token`,
    /// only if it holds the lease (false: fenced), and the work's spec and lease are gone.
    pub async fn finish(&self, stream: &str, token: Option<&str>) -> RedisResult<bool> {
        let seq: i64 = self
            .finish_script
            .key(keys::stream(stream))
            .key(keys::counter(stream))
            .key(keys::lease(stream))
            .key(keys::work(stream))
            .arg(keys::channel(stream))
            .arg(self.max_events)
            .arg(millis(self.stream_ttl()))
            .arg(token.unwrap_or(""))
            .invoke_async(&mut self.conn())
            .await?;
        Ok(seq >= 0)
    }

    /// Up to `count` entries after event `after` (the finish marker of `after` included).
    pub async fn read_after(
        &self,
        stream: &str,
        after: u64,
        count: usize,
    ) -> RedisResult<Vec<Entry>> {
        let reply: StreamRangeReply = redis::cmd("XRANGE")
            .arg(keys::stream(stream))
            .arg(format!("({after}-0"))
            .arg("+")
            .arg("COUNT")
            .arg(count)
            .query_async(&mut self.conn())
            .await?;
        Ok(parse_entries(reply))
    }

    /// Whether `stream` holds every event after `after` (PROTOCOL.md, "Bounds"): a position
    /// past its last seq is `Unknown`; a first missing event trimmed by MAXLEN is `Evicted`;
    /// one older than the age bound (or a stream gone with its TTL) is `Expired`.
    pub async fn check_position(&self, stream: &str, after: u64) -> RedisResult<Position> {
        let last: Option<u64> = redis::cmd("GET")
            .arg(keys::counter(stream))
            .query_async(&mut self.conn())
            .await?;
        let last = last.unwrap_or(0);
        if after > last {
            return Ok(Position::Unknown);
        }
        if after == last {
            return Ok(Position::Served);
        }
        let first = self
            .read_after(stream, after, 2)
            .await?
            .into_iter()
            .find_map(|e| match e {
                Entry::Event { seq, ms, .. } => Some((seq, ms)),
                Entry::Finished { .. } => None,
            });
        Ok(match first {
            None => Position::Lost(Lost::Expired),
            Some((seq, _)) if seq != after + 1 => Position::Lost(Lost::Evicted),
            Some((_, ms)) if unix_ms().saturating_sub(ms) > millis(self.max_age) => {
                Position::Lost(Lost::Expired)
            }
            Some(_) => Position::Served,
        })
    }

    /// Makes a session resolvable by every instance, for the grace period (refreshed by
    /// [`keep_alive`](Self::keep_alive) while a socket is attached).
    pub async fn register_session(&self, id: &str, meta: &SessionMeta) -> RedisResult<()> {
        let key = keys::session(id);
        redis::pipe()
            .atomic()
            .hset_multiple(
                &key,
                &[
                    ("endpoint", meta.endpoint.as_str()),
                    ("key", meta.key.as_str()),
                    ("stream", meta.stream.as_str()),
                ],
            )
            .ignore()
            .pexpire(&key, millis(self.grace) as i64)
            .ignore()
            .query_async::<()>(&mut self.conn())
            .await
    }

    pub async fn lookup_session(&self, id: &str) -> RedisResult<Option<SessionMeta>> {
        let fields: HashMap<String, String> = redis::cmd("HGETALL")
            .arg(keys::session(id))
            .query_async(&mut self.conn())
            .await?;
        let field = |name: &str| fields.get(name).cloned();
        Ok(match (field("endpoint"), field("key"), field("stream")) {
            (Some(endpoint), Some(key), Some(stream)) => Some(SessionMeta {
                endpoint,
                key,
                stream,
            }),
            _ => None,
        })
    }

    /// How long the session's metadata still lives (`None`: gone).
    pub async fn session_ttl(&self, id: &str) -> RedisResult<Option<Duration>> {
        let ms: i64 = redis::cmd("PTTL")
            .arg(keys::session(id))
            .query_async(&mut self.conn())
            .await?;
        Ok((ms > 0).then(|| Duration::from_millis(ms as u64)))
    }

    pub async fn is_tombstoned(&self, id: &str) -> RedisResult<bool> {
        redis::cmd("EXISTS")
            .arg(keys::tombstone(id))
            .query_async(&mut self.conn())
            .await
    }

    /// The session's grace period is over everywhere: forget it (a tombstone remembers the
    /// id, as the in-memory store does, so a late resume is told `expired`).
    pub fn forget_session(&self, id: &str, stream: &str, tombstone: bool) {
        let (meta, tomb, stream) = (keys::session(id), keys::tombstone(id), stream.to_string());
        let keep = millis(self.stream_ttl()) as i64;
        self.queue(move |mut conn| async move {
            let mut pipe = redis::pipe();
            pipe.del(&meta).ignore();
            pipe.zrem(keys::TRACKING_STREAMS, &stream).ignore();
            if tombstone {
                pipe.pset_ex(&tomb, 1, keep as u64).ignore();
            }
            pipe.query_async::<()>(&mut conn).await
        });
    }

    /// A socket is attached to these sessions (id, stream, is a tracking feed): their
    /// metadata and streams must outlive it by the grace period.
    pub async fn keep_alive(&self, sessions: &[(String, String, bool)]) -> RedisResult<()> {
        if sessions.is_empty() {
            return Ok(());
        }
        let grace = millis(self.grace) as i64;
        let stream_ttl = millis(self.stream_ttl()) as i64;
        let lapses = unix_ms() + millis(self.grace);
        let mut pipe = redis::pipe();
        for (id, stream, tracking) in sessions {
            pipe.pexpire(keys::session(id), grace).ignore();
            pipe.pexpire(keys::stream(stream), stream_ttl).ignore();
            pipe.pexpire(keys::counter(stream), stream_ttl).ignore();
            if *tracking {
                pipe.zadd(keys::TRACKING_STREAMS, stream, lapses).ignore();
            }
        }
        pipe.query_async::<()>(&mut self.conn()).await
    }

    /// Puts a tracking stream on the broadcast list until `lapse_after` from now.
    pub fn list_tracking_stream(&self, stream: &str, lapse_after: Duration) {
        let stream = stream.to_string();
        let lapses = unix_ms() + millis(lapse_after);
        self.queue(move |mut conn| async move {
            redis::cmd("ZADD")
                .arg(keys::TRACKING_STREAMS)
                .arg(lapses)
                .arg(stream)
                .query_async::<()>(&mut conn)
                .await
        });
    }

    /// Tells the other instances that this one resumed `id`: they drop its socket.
    pub async fn announce_takeover(&self, id: &str) -> RedisResult<()> {
        redis::cmd("PUBLISH")
            .arg(keys::CONTROL_CHANNEL)
            .arg(format!("takeover {} {id}", self.instance))
            .query_async::<()>(&mut self.conn())
            .await
    }

    /// Marks run `run_id` started (its stream is [`keys::run_stream`]); false if it already is.
    pub async fn claim_run(&self, run_id: &str) -> RedisResult<bool> {
        let set: Option<String> = redis::cmd("SET")
            .arg(keys::started_run(run_id))
            .arg(keys::run_stream(run_id))
            .arg("NX")
            .arg("PX")
            .arg(millis(self.stream_ttl()))
            .query_async(&mut self.conn())
            .await?;
        Ok(set.is_some())
    }

    /// Keeps a started run's marker and stream for another TTL (it is still playing, or just
    /// ended and viewers may still join).
    pub async fn keep_run(&self, run_id: &str) -> RedisResult<()> {
        let ttl = millis(self.stream_ttl()) as i64;
        let stream = keys::run_stream(run_id);
        redis::pipe()
            .pexpire(keys::started_run(run_id), ttl)
            .ignore()
            .pexpire(keys::stream(&stream), ttl)
            .ignore()
            .pexpire(keys::counter(&stream), ttl)
            .ignore()
            .query_async::<()>(&mut self.conn())
            .await
    }

    /// The stream of a started run, if it was started (on any instance).
    pub async fn started_run(&self, run_id: &str) -> RedisResult<Option<String>> {
        redis::cmd("GET")
            .arg(keys::started_run(run_id))
            .query_async(&mut self.conn())
            .await
    }
}
