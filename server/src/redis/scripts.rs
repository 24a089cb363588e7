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
/// derives them from ARGV[1]). ARGV: stream, text, type_end, maxlen, ttl_ms.
pub fn append() -> Script {
    Script::new(&format!(
        "{APPEND_FN}\nreturn append(ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5], now)"
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
/// as `f<seq>`. Idempotent. KEYS: entries, counter. ARGV: channel, maxlen, ttl_ms.
pub fn finish() -> Script {
    Script::new(
        r#"
local seq = tonumber(redis.call('GET', KEYS[2]) or '0')
local marker = seq .. '-1'
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if last[1] and last[1][1] == marker then return seq end
redis.call('XADD', KEYS[1], 'MAXLEN', '=', ARGV[2], marker, 'end', '1')
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('PUBLISH', ARGV[1], 'f' .. seq)
return seq
"#,
    )
}
