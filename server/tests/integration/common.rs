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
