//! Live delivery between instances: one subscriber connection per instance, subscribed to
//! every stream's channel (a pattern) and to the control channel, dispatching what it gets to
//! the local followers. It is also the instance's health check: the subscription ends the
//! moment Redis goes away, and is re-made (with backoff) until it returns.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use redis::Msg;
use tokio::time::{sleep, timeout};

use super::{keys, RedisBackend};

/// What a follower of a stream is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// Event `seq` of the stream, as the client gets it.
    Event { seq: u64, frame: String },
    /// The work behind the stream finished after event `after`.
    Finished { after: u64 },
    /// Notices may have been missed: re-read the stream from the last seq held.
    Resync,
}

/// Reads a published payload: `e<seq> <frame>` or `f<seq>`.
pub fn parse_notice(payload: &str) -> Option<Notice> {
    if let Some(rest) = payload.strip_prefix('e') {
        let (seq, frame) = rest.split_once(' ')?;
        return Some(Notice::Event {
            seq: seq.parse().ok()?,
            frame: frame.to_string(),
        });
    }
    let after = payload.strip_prefix('f')?.parse().ok()?;
    Some(Notice::Finished { after })
}

/// What the rest of the server does when Redis goes, returns, or a session moves.
pub trait Observer: Send + Sync + 'static {
    /// Redis is unreachable: close what depends on it.
    fn redis_lost(&self);
    /// A session was resumed on another instance: drop its socket here.
    fn taken_over(&self, session_id: &str);
}

const RETRY_MIN: Duration = Duration::from_millis(100);
const RETRY_MAX: Duration = Duration::from_secs(1);
const SUBSCRIBE_TIMEOUT: Duration = Duration::from_secs(2);

/// Keeps the subscriber connected for as long as the backend lives.
pub async fn supervise(backend: Arc<RedisBackend>, observer: Arc<dyn Observer>) {
    let mut retry = RETRY_MIN;
    let mut was_lost = false;
    let mut next = subscribe(&backend).await;
    loop {
        match next {
            Ok(mut messages) => {
                retry = RETRY_MIN;
                backend.set_up(true);
                if was_lost {
                    was_lost = false;
                    let dropped = backend
                        .dropped_writes
                        .swap(0, std::sync::atomic::Ordering::Relaxed);
                    backend.report(format_args!(
                        "reachable again: accepting resumable connections ({dropped} background writes were dropped while it was down)"
                    ));
                }
                // Whatever was published while no subscription stood was not received.
                backend.resync_all();
                while let Some(msg) = messages.next().await {
                    handle(&backend, observer.as_ref(), &msg);
                }
                // The subscription ended. Redis itself may be fine (it cut a subscriber that
                // fell behind, say): then re-subscribing and re-reading is enough, and no
                // socket needs to be closed.
                next = subscribe(&backend).await;
                if next.is_ok() {
                    backend.report(format_args!(
                        "subscription ended and was re-made; followers re-read their streams"
                    ));
                    continue;
                }
            }
            Err(ref e) => {
                if backend.set_up(false) {
                    backend.report(format_args!(
                        "connection lost ({e}): closing resumable connections with 1013 and refusing new ones until it is back"
                    ));
                    observer.redis_lost();
                }
                was_lost = true;
                sleep(retry).await;
                retry = (retry * 2).min(RETRY_MAX);
                next = subscribe(&backend).await;
            }
        }
    }
}

async fn subscribe(
    backend: &RedisBackend,
) -> Result<impl futures_util::Stream<Item = Msg> + Unpin, String> {
    let attempt = async {
        let mut pubsub = backend.client.get_async_pubsub().await?;
        pubsub.psubscribe(keys::EVENTS_PATTERN).await?;
        pubsub.subscribe(keys::CONTROL_CHANNEL).await?;
        // The command connection must work too before we say Redis is back.
        redis::cmd("PING")
            .query_async::<()>(&mut backend.conn())
            .await?;
        Ok::<_, redis::RedisError>(pubsub.into_on_message())
    };
    match timeout(SUBSCRIBE_TIMEOUT, attempt).await {
        Ok(Ok(messages)) => Ok(messages),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no answer within {SUBSCRIBE_TIMEOUT:?}")),
    }
}

fn handle(backend: &RedisBackend, observer: &dyn Observer, msg: &Msg) {
    let channel = msg.get_channel_name();
    let Ok(payload) = std::str::from_utf8(msg.get_payload_bytes()) else {
        return;
    };
    if channel == keys::CONTROL_CHANNEL {
        // `takeover <instance> <session id>`
        let mut words = payload.split(' ');
        if let (Some("takeover"), Some(instance), Some(session)) =
            (words.next(), words.next(), words.next())
        {
            if instance != backend.instance {
                observer.taken_over(session);
            }
        }
        return;
    }
    if let (Some(stream), Some(notice)) = (keys::stream_of_channel(channel), parse_notice(payload))
    {
        backend.dispatch(stream, notice);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_payloads_are_read_back() {
        assert_eq!(
            parse_notice(r#"e12 {"type":"x","seq":12}"#),
            Some(Notice::Event {
                seq: 12,
                frame: r#"{"type":"x","seq":12}"#.into()
            })
        );
        assert_eq!(parse_notice("f7"), Some(Notice::Finished { after: 7 }));
        assert_eq!(parse_notice("x"), None);
        assert_eq!(parse_notice("e12"), None);
    }
}
