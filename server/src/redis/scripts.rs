//! The Lua scripts that make an append atomic: the seq is INCR'd, the entry XADDed with that
//! seq as its id (`<seq>-0`, so XRANGE by seq needs no index) and PUBLISHed, in one step, so
//! two instances writing to one stream can never hand out the same seq or publish out of
//! order.
//!
//! The frame's `"seq":N` is spliced in by the script (after the `"type":"…"` prefix, as
//! `Event::with_seq` does) because only the script knows N. Keys of the broadcast script are
//! computed inside it (one per tracking stream), so it needs a single Redis, not a cluster.

use redis::Script;

/// `append(stream, text, type_end, maxlen, ttl_ms, ms)`: numbers and stores one event, returns
/// its seq. MAXLEN bounds the stream by count (`--resume-max-events`); the age bound is read
/// from each entry's `ms` when a resume needs it.
const APPEND_FN: &str = r#"
local prefix = 'agentwire:'
local function append(stream, text, type_end, maxlen, ttl, ms)
  local seq = redis.call('INCR', prefix .. 'n:' .. stream)
  local frame = string.sub(text, 1, type_end) .. ',"seq":' .. seq .. string.sub(text, type_end + 1)
  local key = prefix .. 'x:' .. stream
  redis.call('XADD', key, 'MAXLEN', '=', maxlen, seq .. '-0', 'ms', ms, 'f', frame)
  redis.call('PEXPIRE', key, ttl)
  redis.call('PEXPIRE', prefix .. 'n:' .. stream, ttl)
  redis.call('PUBLISH', prefix .. 'ev:' .. stream, 'e' .. seq .. ' ' .. frame)
  return seq
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"#;

/// One event into one stream. KEYS: stream entries, counter (declared for clarity; the body
/// derives them from ARGV[1]). ARGV: stream, text, type_end, maxlen, ttl_ms, token, ends_work.
/// A non-empty token fences the append: unless it is the stream's lease (the holder's),
/// nothing is written and the script returns 0 (never a seq), so an owner that lost its lease
/// (paused, partitioned, presumed dead) cannot write after the instance that took over. With
/// ends_work '1' the event is the work's last (a chat's `result`): its spec and lease go in
/// the same step, so nobody finds the work running once its last event is in the stream.
pub fn append() -> Script {
    Script::new(&format!(
        "{APPEND_FN}
local token = ARGV[6]
if token ~= '' and redis.call('GET', prefix .. 'lease:' .. ARGV[1]) ~= token then return 0 end
local seq = append(ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5], now)
if ARGV[7] == '1' then
  redis.call('DEL', prefix .. 'work:' .. ARGV[1])
  redis.call('DEL', prefix .. 'lease:' .. ARGV[1])
end
return seq"
    ))
}

/// One event into every live /ws/agent-tracking stream, each numbering it with its own seq.
/// KEYS[1]: the tracking set. ARGV: text, type_end, maxlen, ttl_ms. Returns how many.
pub fn broadcast() -> Script {
    Script::new(&format!(
        "{APPEND_FN}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local members = redis.call('ZRANGE', KEYS[1], 0, -1)
for _, stream in ipairs(members) do
  append(stream, ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4], now)
end
return #members"
    ))
}

/// Marks the work behind a stream finished after its last event: entry `<seq>-1`, published
/// as `f<seq>`. Idempotent. KEYS: entries, counter, lease, work. ARGV: channel, maxlen, ttl_ms,
/// token. A non-empty token fences it as an append (-1 if it is not the lease), and the work
/// is over: its spec and the lease are deleted, so nobody continues it.
pub fn finish() -> Script {
    Script::new(
        r#"
local token = ARGV[4]
if token ~= '' and redis.call('GET', KEYS[3]) ~= token then return -1 end
local seq = tonumber(redis.call('GET', KEYS[2]) or '0')
local marker = seq .. '-1'
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if not (last[1] and last[1][1] == marker) then
  redis.call('XADD', KEYS[1], 'MAXLEN', '=', ARGV[2], marker, 'end', '1')
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
  redis.call('PUBLISH', ARGV[1], 'f' .. seq)
end
if token ~= '' then
  redis.call('DEL', KEYS[4])
  redis.call('DEL', KEYS[3])
end
return seq
"#,
    )
}

/// Claims a stream's lease with a new token `<instance>:<epoch>`. KEYS: lease, epoch, work,
/// counter. ARGV: mode, instance, lease_ms, ttl_ms. Mode `steal` always claims (a client acts
/// on its session here: whoever held it is fenced out); mode `lapsed` only if no lease stands
/// and work is left to continue (else nil). Returns {token, last seq, work spec or '', base}.
pub fn claim() -> Script {
    Script::new(
        r#"
if ARGV[1] == 'lapsed' and (redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[3]) == 0) then
  return false
end
local epoch = redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
local token = ARGV[2] .. ':' .. epoch
redis.call('SET', KEYS[1], token, 'PX', ARGV[3])
local work = redis.call('HMGET', KEYS[3], 'spec', 'base')
return {token, tonumber(redis.call('GET', KEYS[4]) or '0'), work[1] or '', tonumber(work[2] or '0')}
"#,
    )
}

/// Extends the lease (and the work's spec) if `token` still holds it: 1, else 0. KEYS: lease,
/// work. ARGV: token, lease_ms, ttl_ms.
pub fn renew() -> Script {
    Script::new(
        r#"
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return 1
"#,
    )
}

/// `commit_ack(ack, processed, token, keep_ms, id, max)`: makes this instance's claim on an
/// acknowledged message id `done` (redis/acks.rs) and appends the id to the endpoint's processed
/// list; false if the claim is no longer this instance's.
pub const COMMIT_ACK_FN: &str = r#"
local function commit_ack(ack, processed, token, keep, id, max)
  if redis.call('GET', ack) ~= 'claim:' .. token then return false end
  redis.call('SET', ack, 'done', 'PX', keep)
  redis.call('RPUSH', processed, id)
  redis.call('LTRIM', processed, -tonumber(max), -1)
  redis.call('PEXPIRE', processed, keep)
  return true
end
"#;

/// Claims an acknowledged message id: 1 (claimed by ARGV[1], for ARGV[2] ms), 0 (another
/// instance's claim stands) or 2 (done). KEYS: ack.
pub fn claim_ack() -> Script {
    Script::new(
        r#"
local v = redis.call('GET', KEYS[1])
if not v then
  redis.call('SET', KEYS[1], 'claim:' .. ARGV[1], 'PX', ARGV[2])
  return 1
end
if string.sub(v, 1, 6) == 'claim:' then return 0 end
return 2
"#,
    )
}

/// [`COMMIT_ACK_FN`] on its own: 1, or 0 if the claim lapsed. KEYS: ack, processed. ARGV:
/// token, keep_ms, id, max.
pub fn commit_ack() -> Script {
    Script::new(&format!(
        "{COMMIT_ACK_FN}
if commit_ack(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3], ARGV[4]) then return 1 end
return 0"
    ))
}

/// Records the work about to play into the stream, if `token` holds the lease: returns the
/// stream's last seq (the work's base: its first event will be base + 1), -1 if the token does
/// not hold the lease, or -2 if the acknowledged message that asked for the work is no longer
/// this instance's claim. KEYS: lease, work, counter, and for a message with an id its ack
/// and processed keys. ARGV: token, spec, ttl_ms, and for the message its claim token,
/// keep_ms, id, max. The id is made `done` in the same step as the work is recorded: from then
/// on another instance continues the work, and a re-send is only acked.
pub fn begin_work() -> Script {
    Script::new(&format!(
        "{COMMIT_ACK_FN}
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
if KEYS[4] and redis.call('GET', KEYS[4]) ~= 'claim:' .. ARGV[4] then return -2 end
local base = tonumber(redis.call('GET', KEYS[3]) or '0')
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[2], 'spec', ARGV[2], 'base', base)
redis.call('PEXPIRE', KEYS[2], ARGV[3])
if KEYS[4] then commit_ack(KEYS[4], KEYS[5], ARGV[4], ARGV[5], ARGV[6], ARGV[7]) end
return base"
    ))
}

/// The work behind the stream is over (stopped, or a chat answered), if `token` holds the
/// lease: its spec is deleted, and with ARGV[2] == '1' the lease released. KEYS: lease, work.
/// ARGV: token, release. Returns 1, or 0 if the token does not hold the lease.
pub fn end_work() -> Script {
    Script::new(
        r#"
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[2])
if ARGV[2] == '1' then redis.call('DEL', KEYS[1]) end
return 1
"#,
    )
}
