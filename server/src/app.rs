//! Shared server state and the HTTP router.

use std::fmt::Arguments;
use std::sync::Arc;

use axum::routing::{any, get, post};
use axum::Router;

use crate::acks::Acks;
use crate::agui_runs::AguiRuns;
use crate::chaos::Chaos;
use crate::config::Config;
use crate::endpoints::Endpoint;
use crate::event_log::EventLog;
use crate::redis::fanout::Observer;
use crate::redis::{RedisBackend, REDIS_UNAVAILABLE};
use crate::registry::Registry;
use crate::resume::SessionStore;
use crate::sessions::Sessions;
use crate::started_runs::StartedRuns;
use crate::takeover::Takeover;
use crate::{charts, control, endpoints, http_layer, static_files};

pub struct App {
    pub config: Config,
    pub registry: Registry,
    pub chaos: Chaos,
    pub log: EventLog,
    pub sessions: Sessions,
    /// Resumable stream sessions (seq, replay, grace period).
    pub resume: SessionStore,
    pub acks: Acks,
    /// AG-UI runs served over SSE, kept for `Last-Event-ID`.
    pub agui_runs: AguiRuns,
    /// Runs started with `POST /control/runs/{run_id}` on this instance.
    pub runs: StartedRuns,
    /// The Redis backend the resumable state lives in, if any (`--redis`).
    pub shared: Option<Arc<RedisBackend>>,
}

/// The endpoints whose sessions live in Redis when the server runs on it.
pub const RESUMABLE_ENDPOINTS: [Endpoint; 4] = [
    Endpoint::Stream,
    Endpoint::Runs,
    Endpoint::Tracking,
    Endpoint::Agui,
];

impl App {
    /// Everything in this process.
    pub fn new(config: Config) -> Arc<App> {
        App::with_shared(config, None)
    }

    /// Resumable state in `shared` (Redis) when given.
    pub fn with_shared(config: Config, shared: Option<Arc<RedisBackend>>) -> Arc<App> {
        let app = Arc::new(App {
            registry: Registry::new(config.max_connections),
            chaos: Chaos::default(),
            log: EventLog::default(),
            sessions: Sessions::new(shared.clone()),
            resume: SessionStore::new(&config, shared.clone()),
            runs: StartedRuns::default(),
            shared,
            // The protocol asks for at least the age bound; a client may also resume (and
            // re-send) until the grace period ends, so keep ids for the longer of the two.
            acks: Acks::new(config.resume_max_age.max(config.resume_grace)),
            agui_runs: AguiRuns::default(),
            config,
        });
        if app.shared.is_some() {
            // Followers of a stream whose instance died continue its work here.
            app.resume
                .set_continuer(Arc::new(Takeover(Arc::downgrade(&app))));
        }
        app
    }

    /// Whether resumable connections must be refused: the server runs on Redis and Redis is
    /// unreachable right now.
    pub fn store_down(&self) -> bool {
        self.shared.as_ref().is_some_and(|shared| !shared.is_up())
    }

    /// A diagnostic line on stderr unless `--quiet` (stdout carries only the startup line).
    pub fn note(&self, line: Arguments<'_>) {
        if !self.config.quiet {
            eprintln!("agentwire-server: {line}");
        }
    }
}

/// What the server does when Redis goes away or a session moves to another instance.
pub struct SharedStoreObserver(pub std::sync::Weak<App>);

impl Observer for SharedStoreObserver {
    fn redis_lost(&self) {
        let Some(app) = self.0.upgrade() else { return };
        // Their events can no longer be stored, numbered or fanned out: retryable close, and
        // the clients resume once Redis (and so the streams) are back.
        let mut closed = 0;
        for entry in app.registry.entries(None) {
            if RESUMABLE_ENDPOINTS.contains(&entry.endpoint)
                && entry.shared.close(REDIS_UNAVAILABLE.0, REDIS_UNAVAILABLE.1)
            {
                closed += 1;
            }
        }
        let discarded = app.resume.discard_all();
        let runs = app.runs.stop_all();
        if let Some(shared) = &app.shared {
            shared.report(format_args!(
                "closed {closed} connections with 1013; stopped {discarded} sessions and {runs} started runs held here (their later events would be lost)"
            ));
        }
    }

    fn taken_over(&self, session_id: &str) {
        if let Some(app) = self.0.upgrade() {
            app.resume.taken_over(session_id);
        }
    }
}

pub fn router(app: Arc<App>) -> Router {
    let mut router = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/ws/stream", any(endpoints::stream::handler))
        .route(
            "/ws/agent-tracking/{client_id}",
            any(endpoints::tracking::handler),
        )
        .route("/ws/runs/{run_id}", any(endpoints::runs::handler))
        .route("/ws/mission", any(endpoints::mission::handler))
        .route("/ws/echo", any(endpoints::echo::handler))
        .route("/ws/bench", any(endpoints::bench::handler))
        .route("/agui", post(endpoints::agui::http_handler))
        .route("/ws/agui", any(endpoints::agui::ws_handler))
        .route("/charts/{file}", get(charts::handler))
        .nest("/control", control::router());
    router = static_files::mount(router, &app.config.statics);
    router
        .layer(axum::middleware::from_fn(http_layer::headers))
        .with_state(app)
}
