//! A native client for `/ws/bench`: how fast the server can produce events, and how late they
//! arrive (client receive time − the server's `ts`, same machine, same clock).
//!
//! ```text
//! cargo build --profile server -p agentwire-server --features bench-client --example bench_client
//! target/server/agentwire-server --port 8000 --quiet &
//! target/server/examples/bench_client ws://127.0.0.1:8000/ws/bench 200000 progress 0
//! ```
//! Arguments: URL, count (200000), kind (progress|delta), interval_ms (0).

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

fn now_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as f64 / 1000.0)
        .unwrap_or(0.0)
}

/// The number after `"key":` in a flat JSON frame (no full parse: the client must not be
/// the bottleneck it measures).
fn field(frame: &str, key: &str) -> Option<f64> {
    let at = frame.find(key)? + key.len();
    let rest = &frame[at..];
    let end = rest.find([',', '}']).unwrap_or(rest.len());
    rest[..end].parse().ok()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let url = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| "ws://127.0.0.1:8000/ws/bench".into());
    let count: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(200_000);
    let kind = args.get(3).cloned().unwrap_or_else(|| "progress".into());
    let interval_ms: u64 = args.get(4).and_then(|a| a.parse().ok()).unwrap_or(0);

    let (mut ws, _) = tokio_tungstenite::connect_async(&url)
        .await
        .expect("connect");
    let start = format!(
        r#"{{"type":"start","count":{count},"kind":"{kind}","interval_ms":{interval_ms}}}"#
    );
    let started = Instant::now();
    ws.send(Message::text(start)).await.expect("send start");

    let mut received = 0u64;
    let mut bytes = 0u64;
    let mut latencies = Vec::with_capacity(count as usize);
    let mut first_at = None;
    while let Some(msg) = ws.next().await {
        let Ok(Message::Text(text)) = msg else {
            panic!("unexpected {msg:?}")
        };
        let arrived = now_ms();
        if text.contains("\"bench_done\"") {
            break;
        }
        first_at.get_or_insert_with(Instant::now);
        let seq = field(&text, "\"seq\":").expect("seq") as u64;
        assert_eq!(seq, received, "events out of order");
        if kind == "delta" {
            assert!(
                text.contains(&format!("\"delta\":\"w{seq} \"")),
                "delta text"
            );
        }
        latencies.push(arrived - field(&text, "\"ts\":").expect("ts"));
        received += 1;
        bytes += text.len() as u64;
    }
    let total = started.elapsed().as_secs_f64();
    assert_eq!(received, count, "all events arrived");
    latencies.sort_by(f64::total_cmp);
    println!(
        "{count} {kind} events (interval {interval_ms} ms) in {total:.3} s: {:.0} events/s, {:.1} MB/s, avg {:.0} B/event; \
         latency ms p50 {:.3} p99 {:.3} max {:.3}",
        count as f64 / total,
        bytes as f64 / total / 1e6,
        bytes as f64 / count.max(1) as f64,
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies.last().copied().unwrap_or(f64::NAN),
    );
    let _ = ws.close(None).await;
}
