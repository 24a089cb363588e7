//! Test helpers: an in-process server on 127.0.0.1:0, a WebSocket client, and a minimal
//! HTTP/1.1 client for the control API (no HTTP client dependency needed).

use std::time::Duration;

use agentwire_server::{start, Config, ServerHandle};
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{connect_async, MaybeTlsStream, WebSocketStream};

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Generous bound for anything that should happen "now" (debug builds on 2 busy cores).
pub const PATIENCE: Duration = Duration::from_secs(10);

pub struct TestServer {
    pub handle: ServerHandle,
}

/// Defaults for tests: no pacing, so streams finish at once unless a test asks otherwise.
pub fn test_config() -> Config {
    Config {
        event_delay: Duration::ZERO,
        tokens_per_sec: 0,
        quiet: true,
        ..Config::default()
    }
}

pub async fn server() -> TestServer {
    server_with(|_| {}).await
}

pub async fn server_with(adjust: impl FnOnce(&mut Config)) -> TestServer {
    let mut config = test_config();
    adjust(&mut config);
    let handle = start(config)
        .await
        .expect("server starts on an ephemeral port");
    TestServer { handle }
}

pub struct HttpReply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpReply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl TestServer {
    pub fn port(&self) -> u16 {
        self.handle.port()
    }

    pub fn url(&self, path: &str) -> String {
        format!("ws://127.0.0.1:{}{path}", self.port())
    }

    pub async fn ws(&self, path: &str) -> Ws {
        let (ws, _) = timeout(PATIENCE, connect_async(self.url(path)))
            .await
            .expect("connect in time")
            .unwrap_or_else(|e| panic!("connect {path}: {e}"));
        ws
    }

    /// The handshake's outcome, for tests that expect a refusal.
    pub async fn try_ws(&self, path: &str) -> Result<Ws, tungstenite::Error> {
        let request = self.url(path).into_client_request()?;
        timeout(PATIENCE, connect_async(request))
            .await
            .expect("handshake in time")
            .map(|(ws, _)| ws)
    }

    pub async fn post(&self, path: &str, body: &[u8]) -> HttpReply {
        http(self.port(), "POST", path, body).await
    }

    pub async fn get(&self, path: &str) -> HttpReply {
        http(self.port(), "GET", path, b"").await
    }

    /// POST a control action that must succeed; returns its JSON.
    pub async fn control(&self, path: &str) -> Value {
        let reply = self.post(path, b"").await;
        assert_eq!(
            reply.status,
            200,
            "{path}: {}",
            String::from_utf8_lossy(&reply.body)
        );
        let json = reply.json();
        assert_eq!(json["ok"], true, "{path}: {json}");
        json
    }

    pub async fn log(&self) -> Value {
        let reply = self.get("/control/log").await;
        assert_eq!(reply.status, 200);
        reply.json()
    }

    /// Waits until `/control/log` shows `open` connections on `endpoint`.
    pub async fn wait_open(&self, endpoint: &str, open: u64) {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let log = self.log().await;
            if log[endpoint]["open"] == open {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{endpoint} never had {open} open: {}",
                log[endpoint]
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// A one-shot HTTP/1.1 request (`Connection: close`), enough for the control API.
pub async fn http(port: u16, method: &str, path: &str, body: &[u8]) -> HttpReply {
    http_with_headers(port, method, path, &[], body).await
}

/// [`http`] with extra request headers (`Origin`, a CORS preflight's `Access-Control-*`).
pub async fn http_with_headers(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> HttpReply {
    let mut stream = TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect for HTTP");
    let extra: String = headers
        .iter()
        .map(|(name, value)| format!("{name}: {value}\r\n"))
        .collect();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n{extra}Content-Length: {}\r\n\r\n",
        body.len()
    );
    stream
        .write_all(head.as_bytes())
        .await
        .expect("write request head");
    stream.write_all(body).await.expect("write request body");
    let mut raw = Vec::new();
    timeout(PATIENCE, stream.read_to_end(&mut raw))
        .await
        .expect("HTTP reply in time")
        .expect("read reply");

    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("reply has a header block");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status code");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    HttpReply {
        status,
        headers,
        body,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = data.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&data[..eol]).trim(), 16).unwrap_or(0);
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[eol + 2..eol + 2 + size]);
        data = &data[eol + 2 + size + 2..];
    }
}

/// One observation of the client side of a socket.
#[derive(Debug)]
pub enum Seen {
    Text(String),
    Binary(Vec<u8>),
    /// A close frame: code and reason.
    Close(u16, String),
    /// The stream ended without a close frame (what a browser reports as 1006); the client's
    /// error text, for failure messages.
    #[allow(dead_code)]
    Ended(String),
    Nothing,
}

/// The next data or close frame within `wait` (pings and pongs skipped).
pub async fn next_seen(ws: &mut Ws, wait: Duration) -> Seen {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let next = match tokio::time::timeout_at(deadline, ws.next()).await {
            Err(_) => return Seen::Nothing,
            Ok(next) => next,
        };
        return match next {
            None => Seen::Ended("stream ended".into()),
            Some(Err(e)) => Seen::Ended(e.to_string()),
            Some(Ok(Message::Text(t))) => Seen::Text(t.to_string()),
            Some(Ok(Message::Binary(b))) => Seen::Binary(b.to_vec()),
            Some(Ok(Message::Close(Some(frame)))) => {
                Seen::Close(frame.code.into(), frame.reason.to_string())
            }
            Some(Ok(Message::Close(None))) => Seen::Close(1005, String::new()),
            Some(Ok(_)) => continue,
        };
    }
}

/// The next frame, which must be a JSON text frame.
pub async fn next_json(ws: &mut Ws) -> Value {
    match next_seen(ws, PATIENCE).await {
        Seen::Text(text) => {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
        }
        other => panic!("expected a JSON text frame, saw {other:?}"),
    }
}

/// Reads (discarding data frames) until the close frame; panics if the stream ends without one.
pub async fn expect_close(ws: &mut Ws) -> (u16, String) {
    loop {
        match next_seen(ws, PATIENCE).await {
            Seen::Text(_) | Seen::Binary(_) => continue,
            Seen::Close(code, reason) => return (code, reason),
            other => panic!("expected a close frame, saw {other:?}"),
        }
    }
}

pub async fn send_text(ws: &mut Ws, text: &str) {
    ws.send(Message::text(text)).await.expect("send text");
}

pub async fn send_json(ws: &mut Ws, value: Value) {
    send_text(ws, &value.to_string()).await;
}

/// Reads JSON events until one of type `last` (inclusive).
pub async fn events_until(ws: &mut Ws, last: &str) -> Vec<Value> {
    let mut events = Vec::new();
    loop {
        let event = next_json(ws).await;
        let done = event["type"] == last;
        events.push(event);
        if done {
            return events;
        }
    }
}

pub fn types(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|e| e["type"].as_str().unwrap_or("?"))
        .collect()
}

/// How many of `events` are of type `kind`.
pub fn count_type(events: &[Value], kind: &str) -> usize {
    events.iter().filter(|e| e["type"] == kind).count()
}

/// A real `redis-server` on a free loopback port, without persistence, killed on drop.
pub struct RedisServer {
    child: Option<std::process::Child>,
    pub port: u16,
}

/// A port nobody listens on right now (the kernel's pick; free again once we let go).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

impl RedisServer {
    pub fn start() -> RedisServer {
        RedisServer::start_on(free_port())
    }

    /// Starts (or restarts) Redis on `port` and waits until it accepts connections.
    pub fn start_on(port: u16) -> RedisServer {
        let child = std::process::Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot run redis-server ({e}): the Redis tests need it on PATH; install it with \
                     `apt-get install redis-server` or `bash scripts/setup.sh`"
                )
            });
        let redis = RedisServer {
            child: Some(child),
            port,
        };
        let deadline = std::time::Instant::now() + PATIENCE;
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "redis-server did not listen on 127.0.0.1:{port} within {PATIENCE:?}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        redis
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Sends one command (RESP) and returns the first line of the reply.
    pub fn command(&self, args: &[&str]) -> String {
        use std::io::{BufRead, Write};
        let mut stream =
            std::net::TcpStream::connect(("127.0.0.1", self.port)).expect("connect to redis");
        let mut request = format!("*{}\r\n", args.len());
        for arg in args {
            request.push_str(&format!("${}\r\n{arg}\r\n", arg.len()));
        }
        stream
            .write_all(request.as_bytes())
            .expect("send a redis command");
        let mut line = String::new();
        std::io::BufReader::new(stream)
            .read_line(&mut line)
            .expect("a redis reply");
        line.trim_end().to_string()
    }

    /// Kills it at once (SIGKILL) and waits until it is gone.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The `agentwire-server` binary as a child process on port 0 (killed on drop), with its
/// stderr kept for assertions.
pub struct Instance {
    child: std::process::Child,
    pub port: u16,
    stderr: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

/// A fresh `redis-server` and two instances on it, each started with `extra`. Bind them in this
/// order (`let (redis, a, b) = …`) so the instances are dropped before Redis.
pub fn two_instances(extra: &[&str]) -> (RedisServer, Instance, Instance) {
    let redis = RedisServer::start();
    let a = Instance::start(&redis, extra);
    let b = Instance::start(&redis, extra);
    (redis, a, b)
}

impl Instance {
    /// Starts an instance on `redis` (no pacing unless `extra` asks) and reads its port from
    /// the startup line.
    pub fn start(redis: &RedisServer, extra: &[&str]) -> Instance {
        use std::io::BufRead;
        let url = redis.url();
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_agentwire-server"))
            .args(["--port", "0", "--redis", &url])
            .args(["--event-delay-ms", "0", "--tokens-per-sec", "0"])
            .args(extra)
            .env_remove("PORT")
            .env_remove("REDIS_URL")
            .env_remove("AGENTWIRE_TOKENS")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn agentwire-server");
        let stderr = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let lines = stderr.clone();
        let pipe = child.stderr.take().expect("stderr");
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(pipe).lines() {
                let Ok(line) = line else { return };
                if let Ok(mut lines) = lines.lock() {
                    lines.push(line);
                }
            }
        });
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the startup line");
        let port = line
            .trim_end()
            .strip_prefix("agentwire-server listening on http://127.0.0.1:")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| {
                panic!(
                    "unexpected startup line {line:?}; stderr: {:?}",
                    stderr.lock().map(|l| l.clone()).unwrap_or_default()
                )
            });
        Instance {
            child,
            port,
            stderr,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("ws://127.0.0.1:{}{path}", self.port)
    }

    pub async fn ws(&self, path: &str) -> Ws {
        let (ws, _) = timeout(PATIENCE, connect_async(self.url(path)))
            .await
            .expect("connect in time")
            .unwrap_or_else(|e| panic!("connect {path}: {e}"));
        ws
    }

    pub async fn post(&self, path: &str) -> HttpReply {
        http(self.port, "POST", path, b"").await
    }

    pub async fn get(&self, path: &str) -> HttpReply {
        http(self.port, "GET", path, b"").await
    }

    /// kill -9: the process vanishes without closing anything.
    pub fn kill_9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().map(|l| l.join("\n")).unwrap_or_default()
    }

    /// Waits (bounded) until a line of its stderr contains `text`.
    pub async fn wait_stderr(&self, text: &str) {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        while !self.stderr().contains(text) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "stderr never said {text:?}: {}",
                self.stderr()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// SIGSTOP: the process is frozen (timers, sockets and all) until [`Instance::cont`],
    /// as a long GC pause or a partition looks to the others.
    pub fn stop(&self) {
        self.signal("-STOP");
    }

    /// SIGCONT: a stopped process runs on from where it was.
    pub fn cont(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let status = std::process::Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .expect("run kill(1)");
        assert!(status.success(), "kill {signal} failed: {status}");
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill_9();
    }
}
