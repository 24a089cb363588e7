//! A connection's side of resumption, shared by the three resumable endpoints: the session
//! it feeds (fresh at first), the first-frame handshake, its forwarder, and what happens to
//! the session when the socket ends.

use std::future::pending;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::task::JoinHandle;

use super::handshake::{is_resume, parse_hello};
use super::session::{Forwarded, Session};
use super::store::RunSource;
use crate::app::App;
use crate::connection::{Connection, Gone};
use crate::endpoints::Endpoint;
use crate::events::error;

/// How long /ws/runs and /ws/agent-tracking hold their first events for a `resume` frame
/// before treating the client as one that does not speak the protocol. A client that asks
/// sends `resume` the moment the socket opens, so on loopback it arrives well within this;
/// a later one is still honoured (welcome, then a restart from the resumed position, which
/// the client's seq rules make safe). A client that never sends anything (a plain run
/// viewer) only waits this long for its first event.
pub const HELLO_WAIT: Duration = Duration::from_millis(150);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// No frame from the client yet: nothing forwarded.
    Undecided,
    /// The client did not open with `resume`: today's behaviour, the session ends with the
    /// socket.
    Plain,
    /// The client opened with `resume`: the session outlives the socket by the grace period.
    Resumable,
}

pub struct Link {
    app: Arc<App>,
    session: Arc<Session>,
    mode: Mode,
    epoch: u64,
    forwarder: Option<JoinHandle<Forwarded>>,
    seen_frame: bool,
}

impl Link {
    /// A fresh session for a connection to `endpoint` with the path parameter `key`.
    pub fn open(app: &Arc<App>, endpoint: Endpoint, key: &str) -> Link {
        Link {
            app: app.clone(),
            session: app.resume.create(endpoint, key),
            mode: Mode::Undecided,
            epoch: 0,
            forwarder: None,
            seen_frame: false,
        }
    }

    /// A fresh session showing a started run from its first event (`POST /control/runs`).
    pub fn open_following(
        app: &Arc<App>,
        endpoint: Endpoint,
        key: &str,
        source: RunSource,
    ) -> Link {
        Link {
            app: app.clone(),
            session: app.resume.create_following(endpoint, key, source),
            mode: Mode::Undecided,
            epoch: 0,
            forwarder: None,
            seen_frame: false,
        }
    }

    /// The session this connection feeds and reads (changes when a resume succeeds).
    pub fn session(&self) -> &Arc<Session> {
        &self.session
    }

    /// Whether the client has not yet said if it resumes (nothing is forwarded yet).
    pub fn is_undecided(&self) -> bool {
        self.mode == Mode::Undecided
    }

    /// Looks at every client frame (`None`: not a JSON value). Returns true if it was the
    /// handshake's and is consumed; any other first frame makes the connection plain.
    pub async fn intercept(
        &mut self,
        conn: &Connection,
        value: Option<&Value>,
    ) -> Result<bool, Gone> {
        let first = !self.seen_frame;
        self.seen_frame = true;
        if !value.is_some_and(is_resume) {
            if self.mode == Mode::Undecided {
                self.start_plain(conn);
            }
            return Ok(false);
        }
        if !first {
            conn.send_text(error("resume must be the first frame of a connection"))
                .await?;
            return Ok(true);
        }
        // A resume after the hold: stop the plain forwarder and start over from the welcome.
        self.stop_forwarder().await;
        let hello = value.and_then(parse_hello);
        let outcome = self
            .app
            .resume
            .resume(hello.as_ref(), &self.session, &conn.shared())
            .await;
        self.session = outcome.session;
        self.epoch = outcome.epoch;
        self.mode = Mode::Resumable;
        conn.send_text(outcome.welcome.to_frame()).await?;
        self.spawn_forwarder(conn);
        Ok(true)
    }

    /// The client said nothing within [`HELLO_WAIT`] (or opened with another frame): forward
    /// from the first event, as to any client that does not resume.
    pub fn start_plain(&mut self, conn: &Connection) {
        if self.mode != Mode::Undecided {
            return;
        }
        self.mode = Mode::Plain;
        self.epoch = self.session.attach_plain(&conn.shared());
        self.spawn_forwarder(conn);
    }

    fn spawn_forwarder(&mut self, conn: &Connection) {
        let task = self.session.clone().forward(self.epoch, conn.outbox());
        self.forwarder = Some(tokio::spawn(task));
    }

    async fn stop_forwarder(&mut self) {
        if let Some(forwarder) = self.forwarder.take() {
            forwarder.abort();
            let _ = forwarder.await;
        }
    }

    /// Resolves when the forwarder stops (never while none runs). Cancel-safe.
    pub async fn forwarded(&mut self) -> Forwarded {
        let Some(forwarder) = self.forwarder.as_mut() else {
            return pending().await;
        };
        let outcome = forwarder.await.unwrap_or(Forwarded::Gone);
        self.forwarder = None;
        outcome
    }

    /// The socket is ending: a resumable session waits out its grace period, a plain one
    /// (and its work) ends now. Call before `Connection::finish` (the forwarder holds a
    /// sender of the connection's queue).
    pub async fn end(mut self) {
        self.stop_forwarder().await;
        match self.mode {
            Mode::Resumable => self.app.resume.release(&self.session, self.epoch),
            Mode::Plain | Mode::Undecided => self.app.resume.discard(&self.session),
        }
    }
}
