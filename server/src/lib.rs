//! AgentWire's reference agent server: WebSocket endpoints that speak the protocols agent
//! backends speak, plus an HTTP control API that makes them misbehave on demand.
//!
//! [`start`] binds, serves in the background and returns a [`ServerHandle`] with the bound
//! address, so tests run the server in-process on port 0.

pub mod acks;
pub mod agent_script;
pub mod agui_runs;
pub mod agui_script;
pub mod app;
pub mod chaos;
pub mod charts;
pub mod config;
pub mod connection;
pub mod control;
pub mod endpoints;
pub mod event_log;
pub mod events;
pub mod http_layer;
pub mod params;
pub mod redis;
pub mod registry;
pub mod resume;
pub mod session_runner;
pub mod sessions;
pub mod started_runs;
pub mod static_files;
pub mod takeover;

use std::future::IntoFuture;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::serve::ListenerExt;
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::{sleep, timeout, Instant};

pub use crate::app::App;
pub use crate::config::Config;

/// How long shutdown waits for WebSocket close handshakes and HTTP requests in flight.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(1200);

/// A running server. Dropping it also shuts the server down.
pub struct ServerHandle {
    addr: SocketAddr,
    app: Arc<App>,
    stop: Option<oneshot::Sender<()>>,
    stopped: JoinHandle<()>,
}

impl ServerHandle {
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn app(&self) -> &Arc<App> {
        &self.app
    }

    /// Stops accepting, closes every WebSocket with 1001 "server shutting down", and returns
    /// once they are closed or the grace period (about a second) is over.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.stopped).await;
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Binds with SO_REUSEADDR so a restarted server can take the same port at once, even with
/// the previous run's connections in TIME_WAIT.
fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

/// How long startup waits for the Redis subscriber before giving up.
const REDIS_STARTUP_WAIT: Duration = Duration::from_secs(3);

/// Connects to `--redis` (if given) and starts what keeps the instance in step with it.
async fn connect_shared(config: &Config) -> io::Result<Option<Arc<crate::redis::RedisBackend>>> {
    let Some(url) = &config.redis else {
        return Ok(None);
    };
    let backend = crate::redis::RedisBackend::connect(url, config)
        .await
        .map_err(io::Error::other)?;
    Ok(Some(backend))
}

/// Binds `config.host:config.port` and serves until the handle is shut down or dropped.
pub async fn start(config: Config) -> io::Result<ServerHandle> {
    let shared = connect_shared(&config).await?;
    let listener = bind(SocketAddr::new(config.host, config.port))?;
    let addr = listener.local_addr()?;
    let app = App::with_shared(config, shared.clone());
    let mut supervisor = None;
    if let Some(backend) = shared {
        let observer = Arc::new(app::SharedStoreObserver(Arc::downgrade(&app)));
        supervisor = Some(tokio::spawn(crate::redis::fanout::supervise(
            backend.clone(),
            observer,
        )));
        if timeout(REDIS_STARTUP_WAIT, backend.wait_up())
            .await
            .is_err()
        {
            if let Some(task) = supervisor {
                task.abort();
            }
            return Err(io::Error::other(format!(
                "cannot subscribe on Redis at {} within {REDIS_STARTUP_WAIT:?}",
                backend.url
            )));
        }
        app.resume.spawn_keep_alive();
    }
    let router = app::router(app.clone());

    let (stop, stop_rx) = oneshot::channel::<()>();
    let serving_app = app.clone();
    let stopped = tokio::spawn(async move {
        let (stop_http, stop_http_rx) = oneshot::channel::<()>();
        // Every frame goes out as soon as it is written: with Nagle's algorithm a small frame
        // waits for the previous one's ACK, which the peer delays (~40 ms): latency spikes and a
        // throughput ceiling that belong to the socket option, not to the client under test.
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let mut http = tokio::spawn(
            axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    let _ = stop_http_rx.await;
                })
                .into_future(),
        );
        // Either an explicit shutdown or the handle being dropped.
        let _ = stop_rx.await;
        if let Some(supervisor) = supervisor {
            supervisor.abort();
        }
        let deadline = Instant::now() + SHUTDOWN_GRACE;
        let _ = stop_http.send(());
        serving_app.registry.begin_shutdown();
        while serving_app.registry.open_count() > 0 && Instant::now() < deadline {
            sleep(Duration::from_millis(10)).await;
        }
        if timeout(
            deadline.saturating_duration_since(Instant::now()),
            &mut http,
        )
        .await
        .is_err()
        {
            // Keep-alive HTTP clients must not hold the process: stop serving them.
            http.abort();
        }
    });
    Ok(ServerHandle {
        addr,
        app,
        stop: Some(stop),
        stopped,
    })
}
