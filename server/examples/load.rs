//! `npm run load`: many WebSocket clients receiving agent-event fan-out, on two instances
//! sharing a Redis and on one in-memory instance, with the figures that say what the Redis
//! backend costs: events delivered per second, end-to-end latency (p50, p99), memory per
//! connection and CPU.
//!
//! ```text
//! cargo build --profile server -p agentwire-server --features load --bin agentwire-server --example load
//! target/server/examples/load --server target/server/agentwire-server [--clients 2000]
//!     [--seconds 10] [--sessions 4] [--delay-ms 50]
//! ```
//!
//! Each client is an `/ws/agent-tracking/{client_id}` feed; the clients are spread round-robin
//! over the instances. Once every feed has its first event, simulated agent sessions are
//! started (`POST /control/session`) on the last instance, `--sessions` of them every second
//! for `--seconds`: every `agent_status` / `agent_collaboration` they broadcast reaches every
//! feed, so with two instances most events cross Redis (Lua append per feed, pub/sub to the
//! other instance). Latency is the client's receive time minus the event's `timestamp`
//! (millisecond precision, same machine, same clock). Memory per connection is the growth of
//! each instance's RSS (/proc) from before the clients connected to after, divided by its
//! clients; CPU is each process's user+system time over the measured window.
//!
//! Figures, not assertions. Loopback only: it starts its own redis-server on a free port
//! (no persistence) and its own server processes, and kills them at the end.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use agentwire_server::events::unix_millis_from_iso8601;
use futures_util::StreamExt;
use tokio_tungstenite::tungstenite::Message;

/// Upper bound on `--clients`: the machine's file descriptors and our 2 cores, not the code.
const MAX_CLIENTS: usize = 20_000;
/// Latency samples kept per client (a long run must not grow memory without bound).
const MAX_SAMPLES_PER_CLIENT: usize = 20_000;
/// Connections opened at once while the clients connect.
const CONNECT_BATCH: usize = 100;
const READY_TIMEOUT: Duration = Duration::from_secs(60);

struct Args {
    server: PathBuf,
    clients: usize,
    seconds: u64,
    sessions: usize,
    delay_ms: u64,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        server: PathBuf::from("target/server/agentwire-server"),
        clients: 2_000,
        seconds: 10,
        sessions: 4,
        delay_ms: 50,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        let number = |v: String| {
            v.parse::<u64>()
                .map_err(|_| format!("{flag}: not a number: {v}"))
        };
        match flag.as_str() {
            "--server" => args.server = PathBuf::from(value()?),
            "--clients" => args.clients = number(value()?)? as usize,
            "--seconds" => args.seconds = number(value()?)?,
            "--sessions" => args.sessions = number(value()?)? as usize,
            "--delay-ms" => args.delay_ms = number(value()?)?,
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if args.clients == 0 || args.clients > MAX_CLIENTS {
        return Err(format!("--clients must be 1 to {MAX_CLIENTS}"));
    }
    if args.seconds == 0 || args.seconds > 600 {
        return Err("--seconds must be 1 to 600".into());
    }
    if args.sessions == 0 || args.sessions > 100 {
        return Err("--sessions must be 1 to 100".into());
    }
    if !args.server.is_file() {
        return Err(format!(
            "--server {}: no such binary (cargo build --profile server -p agentwire-server)",
            args.server.display()
        ));
    }
    Ok(args)
}

fn now_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as f64 / 1000.0)
        .unwrap_or(0.0)
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A child process killed on drop.
struct Process {
    child: Child,
    port: u16,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_redis() -> Result<Process, String> {
    let port = free_port().map_err(|e| e.to_string())?;
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run redis-server ({e}); bash scripts/setup.sh installs it"))?;
    let redis = Process { child, port };
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            return Err(format!("redis-server did not listen on port {port}"));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Ok(redis)
}

fn start_server(args: &Args, redis: Option<&Process>) -> Result<Process, String> {
    let max = (args.clients + 64).to_string();
    let mut command = Command::new(&args.server);
    command
        .args(["--port", "0", "--quiet", "--max-connections", &max])
        .env_remove("PORT")
        .env_remove("REDIS_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if let Some(redis) = redis {
        command.args(["--redis", &format!("redis://127.0.0.1:{}", redis.port)]);
    }
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot run the server: {e}"))?;
    let mut line = String::new();
    let stdout = child.stdout.take().ok_or("no stdout")?;
    BufReader::new(stdout)
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    let port = line
        .trim_end()
        .strip_prefix("agentwire-server listening on http://127.0.0.1:")
        .and_then(|p| p.parse().ok())
        .ok_or(format!("unexpected startup line {line:?}"))?;
    Ok(Process { child, port })
}

/// `VmRSS` in KiB.
fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// User + system CPU time of a process, in clock ticks (/proc/<pid>/stat fields 14 and 15).
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The command name may contain spaces; fields count from after its closing parenthesis.
    let Some(after) = stat.rfind(')').map(|i| &stat[i + 2..]) else {
        return 0;
    };
    let fields: Vec<&str> = after.split_whitespace().collect();
    let field = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    field(11) + field(12)
}

fn clock_ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// A one-shot HTTP POST on loopback; returns the status code.
fn post(port: u16, path: &str) -> Result<u16, String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    let mut reply = String::new();
    stream
        .read_to_string(&mut reply)
        .map_err(|e| e.to_string())?;
    reply
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or(format!("no HTTP status in {reply:?}"))
}

/// What one client saw during the measured window.
#[derive(Default)]
struct Seen {
    events: u64,
    latencies_ms: Vec<f32>,
}

async fn client(
    url: String,
    ready: Arc<AtomicUsize>,
    measuring: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
) -> Result<Seen, String> {
    let (mut ws, _) = tokio_tungstenite::connect_async(&url)
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    let mut seen = Seen::default();
    let mut first = true;
    while !stop.load(Ordering::Relaxed) {
        let frame = match tokio::time::timeout(Duration::from_millis(200), ws.next()).await {
            Err(_) => continue, // a quiet spell: look at `stop` again
            Ok(None) => break,
            Ok(Some(Err(e))) => return Err(format!("{url}: {e}")),
            Ok(Some(Ok(frame))) => frame,
        };
        let Message::Text(text) = frame else { continue };
        if first {
            first = false;
            ready.fetch_add(1, Ordering::Relaxed);
        }
        let broadcast = text.starts_with(r#"{"type":"agent_status""#)
            || text.starts_with(r#"{"type":"agent_collaboration""#);
        if !broadcast || !measuring.load(Ordering::Relaxed) {
            continue;
        }
        seen.events += 1;
        // The envelope ends with `"timestamp":"<24 chars>"}`.
        let stamp = text
            .rfind(r#""timestamp":""#)
            .and_then(|at| text.get(at + 13..at + 37))
            .and_then(unix_millis_from_iso8601);
        if let (Some(sent), true) = (stamp, seen.latencies_ms.len() < MAX_SAMPLES_PER_CLIENT) {
            seen.latencies_ms.push((now_ms() - sent as f64) as f32);
        }
    }
    Ok(seen)
}

fn percentile(sorted: &[f32], p: f64) -> f32 {
    if sorted.is_empty() {
        return f32::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

async fn scenario(
    name: &str,
    args: &Args,
    instances: &[Process],
    redis: Option<&Process>,
) -> Result<(), String> {
    let baseline: Vec<u64> = instances.iter().map(|p| rss_kib(p.child.id())).collect();
    let ready = Arc::new(AtomicUsize::new(0));
    let measuring = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::with_capacity(args.clients);
    for i in 0..args.clients {
        let port = instances[i % instances.len()].port;
        let url = format!("ws://127.0.0.1:{port}/ws/agent-tracking/client_{i}_load");
        tasks.push(tokio::spawn(client(
            url,
            ready.clone(),
            measuring.clone(),
            stop.clone(),
        )));
        if (i + 1) % CONNECT_BATCH == 0 {
            // Let this batch's handshakes through before the next (the accept backlog).
            let deadline = Instant::now() + READY_TIMEOUT;
            while ready.load(Ordering::Relaxed) + CONNECT_BATCH < i + 1 && Instant::now() < deadline
            {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
    }
    let deadline = Instant::now() + READY_TIMEOUT;
    while ready.load(Ordering::Relaxed) < args.clients {
        if Instant::now() > deadline {
            return Err(format!(
                "{name}: only {} of {} clients got their first event within {READY_TIMEOUT:?}",
                ready.load(Ordering::Relaxed),
                args.clients
            ));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let connected: Vec<u64> = instances.iter().map(|p| rss_kib(p.child.id())).collect();

    let mut pids: Vec<u32> = instances.iter().map(|p| p.child.id()).collect();
    pids.extend(redis.map(|r| r.child.id()));
    let cpu_before: Vec<u64> = pids.iter().map(|pid| cpu_ticks(*pid)).collect();
    let started = Instant::now();
    measuring.store(true, Ordering::Relaxed);
    let producer = instances.last().map(|p| p.port).ok_or("no instance")?;
    for second in 0..args.seconds {
        for _ in 0..args.sessions {
            let path = format!("/control/session?delay_ms={}&message=load", args.delay_ms);
            let status = tokio::task::spawn_blocking(move || post(producer, &path))
                .await
                .map_err(|e| e.to_string())??;
            if status != 200 {
                return Err(format!("POST /control/session answered {status}"));
            }
        }
        let next = started + Duration::from_secs(second + 1);
        tokio::time::sleep_until(next.into()).await;
    }
    measuring.store(false, Ordering::Relaxed);
    let window = started.elapsed().as_secs_f64();
    let cpu_after: Vec<u64> = pids.iter().map(|pid| cpu_ticks(*pid)).collect();
    stop.store(true, Ordering::Relaxed);

    let mut events = 0u64;
    let mut latencies = Vec::new();
    let mut failed = 0;
    for task in tasks {
        match task.await {
            Ok(Ok(seen)) => {
                events += seen.events;
                latencies.extend(seen.latencies_ms);
            }
            _ => failed += 1,
        }
    }
    latencies.sort_by(f32::total_cmp);

    let ticks = clock_ticks_per_second();
    println!(
        "\n{name}: {} clients over {} instance(s), {window:.1} s",
        args.clients,
        instances.len()
    );
    println!(
        "  delivered      {events} events, {:.0} events/s",
        events as f64 / window
    );
    println!(
        "  latency        p50 {:.1} ms, p99 {:.1} ms ({} samples)",
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.99),
        latencies.len()
    );
    for (i, (before, after)) in baseline.iter().zip(&connected).enumerate() {
        // Round-robin: the first `clients % n` instances have one more.
        let clients = (args.clients + instances.len() - 1 - i) / instances.len();
        println!(
            "  instance {}     RSS {after} KiB ({before} KiB before clients), {:.1} KiB per connection",
            i + 1,
            after.saturating_sub(*before) as f64 / clients.max(1) as f64
        );
    }
    for i in 0..pids.len() {
        let label = if i < instances.len() {
            format!("instance {}", i + 1)
        } else {
            "redis-server".to_string()
        };
        let cpu = (cpu_after[i].saturating_sub(cpu_before[i])) as f64 / ticks / window * 100.0;
        println!("  cpu {label:<14} {cpu:.0}% of a core");
    }
    if failed > 0 {
        println!("  {failed} clients ended with an error");
    }
    Ok(())
}

async fn run(args: Args) -> Result<(), String> {
    {
        let redis = start_redis()?;
        let a = start_server(&args, Some(&redis))?;
        let b = start_server(&args, Some(&redis))?;
        scenario("two instances on Redis", &args, &[a, b], Some(&redis)).await?;
    }
    let single = start_server(&args, None)?;
    scenario("one instance in memory", &args, &[single], None).await
}

fn main() {
    let args = match parse_args() {
        Ok(args) => args,
        Err(problem) => {
            eprintln!("load: {problem}");
            std::process::exit(2);
        }
    };
    // One thread: the load generator shares the machine with what it measures.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    if let Err(problem) = runtime.block_on(run(args)) {
        eprintln!("load: {problem}");
        std::process::exit(1);
    }
}
