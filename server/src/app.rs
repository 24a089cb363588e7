//! Shared server state and the HTTP router.

use std::fmt::Arguments;
use std::sync::Arc;

use axum::routing::{any, get, post};
use axum::Router;

use crate::acks::Acks;
use crate::agui_runs::AguiRuns;
use crate::chaos::Chaos;
use crate::config::Config;
use crate::event_log::EventLog;
use crate::registry::Registry;
use crate::resume::SessionStore;
use crate::sessions::Sessions;
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
}

impl App {
    pub fn new(config: Config) -> Arc<App> {
        Arc::new(App {
            registry: Registry::new(config.max_connections),
            chaos: Chaos::default(),
            log: EventLog::default(),
            sessions: Sessions::default(),
            resume: SessionStore::new(&config),
            // The protocol asks for at least the age bound; a client may also resume (and
            // re-send) until the grace period ends, so keep ids for the longer of the two.
            acks: Acks::new(config.resume_max_age.max(config.resume_grace)),
            agui_runs: AguiRuns::default(),
            config,
        })
    }

    /// A diagnostic line on stderr unless `--quiet` (stdout carries only the startup line).
    pub fn note(&self, line: Arguments<'_>) {
        if !self.config.quiet {
            eprintln!("agentwire-server: {line}");
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
