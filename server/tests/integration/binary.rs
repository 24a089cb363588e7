//! The real `agentwire-server` binary: startup line, signals, restart on the same port,
//! static files, and memory under a slow consumer.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(args: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_agentwire-server"))
        .args(args)
        .env_remove("PORT")
        .env_remove("AGENTWIRE_TOKENS")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn agentwire-server");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read the startup line");
    let port = line
        .trim_end()
        .strip_prefix("agentwire-server listening on http://127.0.0.1:")
        .unwrap_or_else(|| panic!("unexpected startup line {line:?}"))
        .parse()
        .expect("a port number");
    Server { child, port }
}

fn signal(server: &Server, name: &str) {
    let status = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(server.child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
}

fn wait_exit(server: &mut Server, within: Duration) -> std::process::ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            return status;
        }
        assert!(
            started.elapsed() < within,
            "still running {within:?} after the signal"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

async fn ws(port: u16, path: &str) -> Ws {
    tokio_tungstenite::connect_async(format!("ws://127.0.0.1:{port}{path}"))
        .await
        .expect("connect")
        .0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_prints_its_port_and_exits_promptly_on_sigterm_closing_clients_with_1001() {
    let mut server = spawn(&["--port", "0", "--quiet"]);
    assert_eq!(http(server.port, "GET", "/healthz", b"").await.status, 200);
    let mut a = ws(server.port, "/ws/echo").await;
    let mut b = ws(server.port, "/ws/stream?tokens_per_sec=1").await;
    send_text(
        &mut b,
        r#"{"type":"chat","payload":{"message":"keep going","answer_tokens":1000}}"#,
    )
    .await;
    assert_eq!(next_json(&mut b).await["type"], "agent_step");

    let started = Instant::now();
    signal(&server, "TERM");
    assert_eq!(
        expect_close(&mut a).await,
        (1001, "server shutting down".to_string())
    );
    assert_eq!(expect_close(&mut b).await.0, 1001);
    let status = wait_exit(&mut server, Duration::from_secs(2));
    assert!(status.success(), "{status:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_ignores_the_close_does_not_delay_the_exit() {
    let mut server = spawn(&["--port", "0", "--quiet"]);
    // A raw TCP client that upgrades and then never reads or answers anything.
    let mut raw = tokio::net::TcpStream::connect(("127.0.0.1", server.port))
        .await
        .unwrap();
    use tokio::io::AsyncWriteExt;
    raw.write_all(b"GET /ws/echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    signal(&server, "INT");
    let status = wait_exit(&mut server, Duration::from_secs(2));
    assert!(status.success(), "{status:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_server_rebinds_the_same_port_at_once() {
    let mut first = spawn(&["--port", "0", "--quiet"]);
    let port = first.port;
    // Leave connections behind (TIME_WAIT on the server side after it closes them).
    let mut client = ws(port, "/ws/echo").await;
    send_text(&mut client, "hi").await;
    next_seen(&mut client, PATIENCE).await;
    signal(&first, "TERM");
    wait_exit(&mut first, Duration::from_secs(2));

    let second = spawn(&["--port", &port.to_string(), "--quiet"]);
    assert_eq!(second.port, port);
    let mut again = ws(port, "/ws/echo").await;
    send_text(&mut again, "again").await;
    assert!(matches!(next_seen(&mut again, PATIENCE).await, Seen::Text(t) if t == "again"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn static_directories_are_served_with_strict_mime_types() {
    let root = std::env::temp_dir().join(format!("agentwire-static-{}", std::process::id()));
    let pkg = root.join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(root.join("index.html"), "<h1>demo</h1>").unwrap();
    std::fs::write(root.join("app.js"), "export {}").unwrap();
    std::fs::write(root.join("mod.mjs"), "export {}").unwrap();
    std::fs::write(pkg.join("agentwire_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    let root_arg = root.to_str().unwrap().to_string();
    let pkg_arg = format!("/pkg={}", pkg.to_str().unwrap());
    let server = spawn(&[
        "--port", "0", "--quiet", "--static", &root_arg, "--static", &pkg_arg,
    ]);

    let index = http(server.port, "GET", "/", b"").await;
    assert_eq!(index.status, 200);
    assert_eq!(index.body, b"<h1>demo</h1>");
    assert!(index
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    for (path, mime) in [
        ("/app.js", "text/javascript"),
        ("/mod.mjs", "text/javascript"),
        ("/pkg/agentwire_bg.wasm", "application/wasm"),
    ] {
        let reply = http(server.port, "GET", path, b"").await;
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(reply.header("content-type"), Some(mime), "{path}");
    }
    assert_eq!(
        http(server.port, "GET", "/missing.js", b"").await.status,
        404
    );
    // The endpoints still win over the static root.
    assert_eq!(http(server.port, "GET", "/healthz", b"").await.body, b"ok");
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn help_documents_every_option() {
    let out = Command::new(env!("CARGO_BIN_EXE_agentwire-server"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--host",
        "--port",
        "--static",
        "--token",
        "--event-delay-ms",
        "--tokens-per-sec",
        "--tracking-ping-after-ms",
        "--tracking-pong-timeout-ms",
        "--mission-interval-ms",
        "--max-message-bytes",
        "--max-connections",
        "--max-outbound-frames",
        "--resume-max-events",
        "--resume-max-bytes",
        "--resume-max-age-ms",
        "--resume-grace-ms",
        "--lease-ms",
        "--quiet",
        "PORT",
        "AGENTWIRE_TOKENS",
    ] {
        assert!(help.contains(flag), "--help lacks {flag}");
    }
}

#[test]
fn bad_options_fail_with_a_message() {
    let out = Command::new(env!("CARGO_BIN_EXE_agentwire-server"))
        .args(["--port", "0", "--static", "/control=."])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--static"));
}

async fn wait_tracking_closed(port: u16, round: u32) {
    let started = Instant::now();
    loop {
        let log = http(port, "GET", "/control/log", b"").await.json();
        if log["tracking"]["open"] == 0 {
            return;
        }
        assert!(
            started.elapsed() < PATIENCE,
            "round {round}: the stuck client is still connected"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_memory_stays_bounded_while_clients_never_read() {
    let server = spawn(&["--port", "0", "--quiet", "--max-outbound-frames", "16"]);
    let pid = server.child.id();
    let frame = vec![b'z'; 256 << 10];
    let baseline = rss_kib(pid);
    let mut peak = baseline;
    let mut pushed_kib = 0u64;

    // Several clients in turn stop reading; each must be cut off, and nothing may pile up.
    for round in 0..6u32 {
        let mut stuck = ws(
            server.port,
            &format!("/ws/agent-tracking/client_{round}_stuck"),
        )
        .await;
        assert_eq!(next_json(&mut stuck).await["type"], "active_sessions");
        let mut pushes = 0;
        loop {
            let reply = http(
                server.port,
                "POST",
                "/control/send?endpoint=tracking",
                &frame,
            )
            .await;
            pushes += 1;
            pushed_kib += 256;
            peak = peak.max(rss_kib(pid));
            if reply.json()["affected"] == 0 {
                break;
            }
            assert!(
                pushes < 800,
                "round {round}: the stuck client's queue never filled"
            );
        }
        // A full queue must mean a disconnect, not frames silently piling up or dropped.
        wait_tracking_closed(server.port, round).await;
        drop(stuck);
    }
    let end = rss_kib(pid);
    println!("slow consumers: pushed {} MiB; server RSS {baseline} KiB at start, peak {peak} KiB, {end} KiB at end", pushed_kib / 1024);
    // Per client: queue (16 × 256 KiB) + socket buffers; far below what was pushed.
    assert!(
        peak - baseline < 48 * 1024,
        "RSS grew by {} KiB",
        peak - baseline
    );
    assert!(
        pushed_kib > 2 * (peak - baseline),
        "the bound was exercised"
    );
}

/// One resumable /ws/stream session with a finished chat: returns the open socket, the
/// session id and the chat's last seq.
async fn idle_session_with_a_chat(port: u16, i: usize) -> (Ws, String, u64) {
    let mut ws = ws(port, "/ws/stream?delay_ms=0&tokens_per_sec=0").await;
    send_json(
        &mut ws,
        serde_json::json!({ "type": "resume", "v": 1, "session": null, "after": 0 }),
    )
    .await;
    let welcome = next_json(&mut ws).await;
    let session = welcome["session"].as_str().expect("welcome").to_string();
    let message = format!("idle session {i}");
    send_json(
        &mut ws,
        serde_json::json!({ "type": "chat", "payload": { "message": message, "answer_tokens": 20 } }),
    )
    .await;
    let events = events_until(&mut ws, "result").await;
    let last = events.last().unwrap()["seq"].as_u64().expect("seq");
    (ws, session, last)
}

/// Opens `SESSIONS` resumable sessions with a finished chat each (4 clients at a time), then
/// drops every socket at once, as a network outage would: they all wait for a resume.
/// Returns one session's id and last seq, and the events each holds.
async fn idle_sessions(port: u16) -> (String, u64, u64) {
    let mut tasks = Vec::new();
    for worker in 0..4 {
        tasks.push(tokio::spawn(async move {
            let mut opened = Vec::new();
            for i in (worker..IDLE_SESSIONS).step_by(4) {
                opened.push(idle_session_with_a_chat(port, i).await);
            }
            opened
        }));
    }
    let mut sessions = Vec::new();
    for task in tasks {
        sessions.extend(task.await.unwrap());
    }
    let dropped = http(port, "POST", "/control/drop", b"").await.json();
    assert_eq!(dropped["affected"], IDLE_SESSIONS as u64);
    let started = Instant::now();
    while http(port, "GET", "/control/log", b"").await.json()["stream"]["open"] != 0 {
        assert!(
            started.elapsed() < PATIENCE,
            "the dropped sockets never closed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (_, session, last) = sessions.swap_remove(0);
    (session, last, last)
}

const IDLE_SESSIONS: usize = 1000;

/// The figure in BENCHMARKS.md ("Server memory with 1,000 idle resumable sessions"):
/// `cargo test -p agentwire-server --test integration idle_resumable -- --nocapture`.
///
/// Three rounds of 1,000 sessions, each round discarded after the grace period. The first
/// round's figure is the cost of the sessions; later rounds show the bound: once the
/// allocator has grown its pools (glibc returns the first round's 128 KiB socket read
/// buffers, which it mapped, then raises its mmap threshold and keeps later ones on the heap),
/// a further round reuses them instead of adding to them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_with_1000_idle_resumable_sessions_is_bounded_and_released_after_the_grace_period() {
    let grace_ms = 1000;
    let server = spawn(&[
        "--port",
        "0",
        "--quiet",
        "--max-connections",
        "1100",
        "--resume-grace-ms",
        &grace_ms.to_string(),
    ]);
    let (pid, port) = (server.child.id(), server.port);
    let baseline = rss_kib(pid);
    let mut idle = Vec::new();
    let mut events_each = 0;
    for _round in 0..3 {
        let (session, last, events) = idle_sessions(port).await;
        events_each = events;
        idle.push(rss_kib(pid));

        // After the grace period the sessions are gone, and a resume is told so.
        tokio::time::sleep(Duration::from_millis(grace_ms + 500)).await;
        let mut late = ws(port, "/ws/stream").await;
        send_json(
            &mut late,
            serde_json::json!({ "type": "resume", "v": 1, "session": session, "after": last }),
        )
        .await;
        let welcome = next_json(&mut late).await;
        assert_eq!(
            welcome["reason"], "expired",
            "discarded after the grace period: {welcome}"
        );
    }

    let per_session = idle[0].saturating_sub(baseline) as f64 / IDLE_SESSIONS as f64;
    println!(
        "idle resumable sessions: {IDLE_SESSIONS} sessions of {events_each} events each; server RSS \
         {baseline} KiB at start, {} KiB with them idle ({per_session:.1} KiB per session); \
         after each discarded round, the next 1,000 idle: {} KiB, then {} KiB",
        idle[0], idle[1], idle[2]
    );
    assert!(per_session < 64.0, "{per_session:.1} KiB per idle session");
    assert!(
        idle[2] < idle[1] + idle[1] / 10,
        "RSS grew from {} to {} KiB from one round to the next: sessions were not released",
        idle[1],
        idle[2]
    );
}
