//! One WebSocket connection: a reader half owned by the endpoint's task and a writer task that
//! owns the other half together with the bounded outbound queue.
//!
//! Every outbound frame of every endpoint passes through [`Writer`], so the chaos controls
//! (delay, silence, drop, close) and the close handshake are applied in exactly one place.
//! The reader half is silence-aware too, so a silenced connection neither reads nor writes.

use std::collections::VecDeque;
use std::future::{poll_fn, Future};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::{sleep_until, timeout, Instant};

use crate::app::App;
use crate::endpoints::Endpoint;
use crate::registry::Slot;

/// Buffered bytes after which the writer flushes even though more frames are ready: large
/// enough for few syscalls under a burst, small enough that a frame's `ts` stays honest.
const FLUSH_BYTES: usize = 16 * 1024;
/// How long writing our close frame may take before we give up on a peer that stopped reading.
const CLOSE_WRITE_TIMEOUT: Duration = Duration::from_millis(500);
/// How long we wait for the peer's close reply before dropping the TCP connection.
const CLOSE_REPLY_TIMEOUT: Duration = Duration::from_millis(500);
/// Upper bound on the writer's own shutdown once the connection is finishing.
const WRITER_GRACE: Duration = Duration::from_secs(3);

/// What the connection should be doing. Set by chaos controls, the registry (slow consumer,
/// shutdown), the reader (peer closed, oversize frame) and the writer (I/O failure).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Directive {
    Normal,
    /// Neither read nor write until the deadline (if any), a reset, or a terminal directive.
    Silenced {
        until: Option<Instant>,
    },
    /// Send this close frame now (ahead of queued frames), then end.
    Close {
        code: u16,
        reason: String,
    },
    /// End without a close frame: the peer sees the TCP connection vanish (1006).
    Drop,
    /// The connection is over (peer closed, I/O error, close handshake done).
    Ended,
}

impl Directive {
    fn is_terminal(&self) -> bool {
        matches!(self, Directive::Drop | Directive::Ended)
    }
}

/// The state shared by a connection's reader, writer and everyone allowed to act on it.
pub struct ConnShared {
    directive: watch::Sender<Directive>,
}

impl Default for ConnShared {
    fn default() -> Self {
        ConnShared {
            directive: watch::Sender::new(Directive::Normal),
        }
    }
}

impl ConnShared {
    fn subscribe(&self) -> watch::Receiver<Directive> {
        self.directive.subscribe()
    }

    /// Silences a live connection; returns whether it was live.
    pub fn silence(&self, until: Option<Instant>) -> bool {
        self.directive.send_if_modified(|d| match d {
            Directive::Normal | Directive::Silenced { .. } => {
                *d = Directive::Silenced { until };
                true
            }
            _ => false,
        })
    }

    /// Ends a silence; returns whether the connection was silenced.
    pub fn unsilence(&self) -> bool {
        self.directive.send_if_modified(|d| match d {
            Directive::Silenced { .. } => {
                *d = Directive::Normal;
                true
            }
            _ => false,
        })
    }

    fn unsilence_if_expired(&self) {
        let now = Instant::now();
        self.directive.send_if_modified(|d| match d {
            Directive::Silenced { until: Some(t) } if *t <= now => {
                *d = Directive::Normal;
                true
            }
            _ => false,
        });
    }

    /// Asks for a close frame now; returns false if the connection is already closing or over.
    pub fn close(&self, code: u16, reason: &str) -> bool {
        self.directive.send_if_modified(|d| match d {
            Directive::Normal | Directive::Silenced { .. } => {
                *d = Directive::Close {
                    code,
                    reason: reason.to_string(),
                };
                true
            }
            _ => false,
        })
    }

    /// Drops the connection without a close frame; returns false if it is already over.
    pub fn drop_abruptly(&self) -> bool {
        self.directive.send_if_modified(|d| {
            if d.is_terminal() {
                false
            } else {
                *d = Directive::Drop;
                true
            }
        })
    }

    fn end(&self) {
        self.directive.send_if_modified(|d| {
            if d.is_terminal() {
                false
            } else {
                *d = Directive::Ended;
                true
            }
        });
    }

    pub fn is_silenced(&self) -> bool {
        matches!(*self.directive.borrow(), Directive::Silenced { .. })
    }

    pub fn is_live(&self) -> bool {
        matches!(
            *self.directive.borrow(),
            Directive::Normal | Directive::Silenced { .. }
        )
    }
}

/// Frames generated at write time rather than queued (the bench stream): the writer asks for
/// the next frame only when the socket can take it, so a timestamp inside is stamped right
/// before the write and nothing is buffered ahead.
pub trait FrameSource: Send {
    /// When the next frame is due; `None` once the source is exhausted.
    fn next_due(&self) -> Option<Instant>;
    /// Builds the next frame. Called once per due frame, immediately before it is written.
    fn next_frame(&mut self) -> Message;
}

pub enum Outbound {
    Frame {
        msg: Message,
        queued_at: Instant,
    },
    /// Close after the frames queued before it (a run that is done, a rejected client).
    Close {
        code: u16,
        reason: String,
    },
    Source(Box<dyn FrameSource>),
}

/// The connection is gone; nothing more can be sent to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gone;

/// The sending side of a connection's bounded outbound queue. `send` waits for room
/// (backpressure for the connection's own streams); broadcasts use the registry's `offer`,
/// which never waits.
#[derive(Clone)]
pub struct Outbox {
    tx: mpsc::Sender<Outbound>,
}

impl Outbox {
    pub async fn send(&self, msg: Message) -> Result<(), Gone> {
        // Reserve first so `queued_at` is when the frame entered the queue, not when the
        // producer started waiting for room (the chaos delay is measured from it).
        let permit = self.tx.reserve().await.map_err(|_| Gone)?;
        permit.send(Outbound::Frame {
            msg,
            queued_at: Instant::now(),
        });
        Ok(())
    }

    pub async fn send_text(&self, text: String) -> Result<(), Gone> {
        self.send(Message::Text(text.into())).await
    }

    /// Queues a close frame behind everything already queued.
    pub async fn close(&self, code: u16, reason: &str) -> Result<(), Gone> {
        let item = Outbound::Close {
            code,
            reason: reason.to_string(),
        };
        self.tx.send(item).await.map_err(|_| Gone)
    }

    /// Hands a frame source to the writer; its frames follow everything already queued.
    pub async fn stream(&self, source: Box<dyn FrameSource>) -> Result<(), Gone> {
        self.tx
            .send(Outbound::Source(source))
            .await
            .map_err(|_| Gone)
    }

    pub(crate) fn downgrade(&self) -> mpsc::WeakSender<Outbound> {
        self.tx.downgrade()
    }
}

/// What the endpoint receives: data frames only (ping/pong/close are handled here).
#[derive(Debug)]
pub enum Incoming {
    Text(Utf8Bytes),
    Binary(Bytes),
}

/// Unregisters the connection and frees its slot however the connection task ends.
struct Registration {
    app: Arc<App>,
    id: u64,
    endpoint: Endpoint,
    _slot: Slot,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.app.registry.unregister(self.id);
        self.app.log.connection_closed(self.endpoint);
        self.app
            .note(format_args!("{} #{} closed", self.endpoint.name(), self.id));
    }
}

pub struct Connection {
    stream: SplitStream<WebSocket>,
    /// Set once the stream must not be polled again (ended, or failed: after an oversize
    /// frame tungstenite would otherwise buffer the whole declared payload).
    stream_done: bool,
    directive: watch::Receiver<Directive>,
    shared: Arc<ConnShared>,
    outbox: Outbox,
    /// Taken by `finish`.
    writer: Option<JoinHandle<()>>,
    app: Arc<App>,
    registration: Registration,
}

impl Connection {
    /// Registers an upgraded socket and starts its writer.
    pub fn open(socket: WebSocket, endpoint: Endpoint, app: &Arc<App>, slot: Slot) -> Connection {
        let (sink, stream) = socket.split();
        let (tx, rx) = mpsc::channel(app.config.max_outbound_frames);
        let outbox = Outbox { tx };
        let shared = Arc::new(ConnShared::default());
        let id = app
            .registry
            .register(endpoint, outbox.downgrade(), shared.clone());
        app.log.connection_opened(endpoint);
        app.note(format_args!("{} #{id} opened", endpoint.name()));

        let writer = Writer {
            sink,
            rx,
            rx_open: true,
            directive: shared.subscribe(),
            shared: shared.clone(),
            app: app.clone(),
            sources: VecDeque::new(),
            pending: None,
            unflushed: 0,
        };
        let writer = tokio::spawn(writer.run());

        Connection {
            stream,
            stream_done: false,
            directive: shared.subscribe(),
            shared,
            outbox,
            writer: Some(writer),
            app: app.clone(),
            registration: Registration {
                app: app.clone(),
                id,
                endpoint,
                _slot: slot,
            },
        }
    }

    pub fn app(&self) -> &Arc<App> {
        &self.app
    }

    pub fn outbox(&self) -> Outbox {
        self.outbox.clone()
    }

    /// The connection's shared state, for a resumable session to drop it when a newer
    /// socket takes the session over.
    pub fn shared(&self) -> Arc<ConnShared> {
        self.shared.clone()
    }

    /// Queues a frame, waiting for room in the outbound queue.
    pub async fn send_text(&self, text: String) -> Result<(), Gone> {
        self.outbox.send_text(text).await
    }

    pub async fn send(&self, msg: Message) -> Result<(), Gone> {
        self.outbox.send(msg).await
    }

    /// Closes after the frames already queued.
    pub async fn close(&self, code: u16, reason: &str) {
        let _ = self.outbox.close(code, reason).await;
    }

    /// Closes now, ahead of queued frames (protocol violations, timeouts).
    pub fn close_now(&self, code: u16, reason: &str) {
        self.shared.close(code, reason);
    }

    pub fn is_silenced(&self) -> bool {
        self.shared.is_silenced()
    }

    /// Resolves once the connection is no longer silenced (resumed, or over); endpoint
    /// timers use it to stay frozen while the connection is silenced.
    pub async fn wait_unsilenced(&mut self) {
        let _ = self
            .directive
            .wait_for(|d| !matches!(d, Directive::Silenced { .. }))
            .await;
    }

    /// The next data frame from the client; `None` once the connection is closing or over.
    /// Cancel-safe, so endpoints may race it against their own timers.
    pub async fn recv(&mut self) -> Option<Incoming> {
        self.next_inbound(false).await
    }

    async fn next_inbound(&mut self, draining: bool) -> Option<Incoming> {
        loop {
            if self.stream_done {
                return None;
            }
            let current = self.directive.borrow_and_update().clone();
            match current {
                Directive::Ended | Directive::Drop => return None,
                Directive::Close { .. } if !draining => return None,
                Directive::Silenced { .. } => {
                    // Not reading is the point: the peer's frames pile up in TCP buffers.
                    if self.directive.changed().await.is_err() {
                        return None;
                    }
                    continue;
                }
                Directive::Normal | Directive::Close { .. } => {}
            }

            let next = tokio::select! {
                biased;
                changed = self.directive.changed() => {
                    if changed.is_err() {
                        return None;
                    }
                    continue;
                }
                next = self.stream.next() => next,
            };

            match next {
                None => {
                    self.stream_done = true;
                    self.shared.end();
                    return None;
                }
                Some(Err(err)) => {
                    self.stream_done = true;
                    self.on_read_error(err);
                    return None;
                }
                Some(Ok(Message::Text(text))) => {
                    self.app
                        .log
                        .received_text(self.registration.endpoint, text.as_str());
                    return Some(Incoming::Text(text));
                }
                Some(Ok(Message::Binary(data))) => {
                    self.app
                        .log
                        .received_binary(self.registration.endpoint, data.len());
                    return Some(Incoming::Binary(data));
                }
                // The peer closed: tungstenite queued the reply, which the next read sends
                // before the stream ends.
                Some(Ok(Message::Close(_))) => continue,
                // tungstenite answers pings itself.
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            }
        }
    }

    fn on_read_error(&self, err: axum::Error) {
        use tungstenite::error::ProtocolError;
        let err = err.into_inner();
        match err.downcast_ref::<tungstenite::Error>() {
            Some(tungstenite::Error::Capacity(_)) => {
                self.shared.close(1009, "message too big");
            }
            Some(tungstenite::Error::Utf8(_)) => {
                self.shared.close(1007, "invalid UTF-8");
            }
            Some(tungstenite::Error::Protocol(ProtocolError::ResetWithoutClosingHandshake)) => {
                self.shared.end();
            }
            Some(tungstenite::Error::Protocol(_)) => {
                self.shared.close(1002, "protocol error");
            }
            _ => self.shared.end(),
        }
    }

    /// Ends the connection: lets the writer finish its queue or close handshake while still
    /// reading (so the peer's close reply is consumed and the TCP close is clean), then waits
    /// for the writer. The endpoint must have stopped its own tasks first.
    pub async fn finish(mut self) {
        // Our sender goes now; the endpoint's tasks (holding clones) are already stopped, so
        // the writer sees the queue end once it is drained.
        let outbox = std::mem::replace(
            &mut self.outbox,
            Outbox {
                tx: mpsc::channel(1).0,
            },
        );
        drop(outbox);
        let Some(mut writer) = self.writer.take() else {
            return;
        };
        let mut writer_done = false;
        let dropped = matches!(*self.directive.borrow(), Directive::Drop);
        if !dropped {
            loop {
                tokio::select! {
                    _ = &mut writer => {
                        writer_done = true;
                        break;
                    }
                    next = self.next_inbound(true) => {
                        if next.is_none() {
                            break;
                        }
                    }
                }
            }
        }
        if !writer_done && timeout(WRITER_GRACE, &mut writer).await.is_err() {
            writer.abort();
        }
    }
}

/// Outcome of a write step that may be interrupted by a directive change.
enum Io {
    Done,
    /// The directive changed; look at it before doing anything else.
    Interrupted,
    Failed,
}

enum Work {
    Frame(Message, Instant),
    Generate,
    Close(u16, String),
    /// All senders are gone and no source is left: the endpoint is done with the client.
    Finished,
    Interrupted,
    Failed,
}

struct Writer {
    sink: SplitSink<WebSocket, Message>,
    rx: mpsc::Receiver<Outbound>,
    rx_open: bool,
    directive: watch::Receiver<Directive>,
    shared: Arc<ConnShared>,
    app: Arc<App>,
    sources: VecDeque<Box<dyn FrameSource>>,
    /// A frame taken from the queue but not yet written (a silence or close interrupted it).
    pending: Option<(Message, Instant)>,
    unflushed: usize,
}

/// Runs `fut` unless the directive changes first.
async fn guarded<F: Future>(
    directive: &mut watch::Receiver<Directive>,
    fut: F,
) -> Option<F::Output> {
    tokio::select! {
        biased;
        _ = directive.changed() => None,
        out = fut => Some(out),
    }
}

impl Writer {
    async fn run(mut self) {
        self.drive().await;
        // However the writer stopped, the reader must stop too.
        self.shared.end();
    }

    async fn drive(&mut self) {
        loop {
            let current = self.directive.borrow_and_update().clone();
            match current {
                Directive::Ended | Directive::Drop => return,
                Directive::Close { code, reason } => {
                    self.close_handshake(code, &reason).await;
                    return;
                }
                Directive::Silenced { until } => {
                    match until {
                        Some(deadline) => {
                            tokio::select! {
                                biased;
                                _ = self.directive.changed() => {}
                                _ = sleep_until(deadline) => self.shared.unsilence_if_expired(),
                            }
                        }
                        None => {
                            if self.directive.changed().await.is_err() {
                                return;
                            }
                        }
                    }
                    continue;
                }
                Directive::Normal => {}
            }

            let step = match self.next_work().await {
                Work::Frame(msg, queued_at) => self.write_frame(msg, queued_at).await,
                Work::Generate => self.write_generated().await,
                Work::Close(code, reason) => {
                    self.close_handshake(code, &reason).await;
                    return;
                }
                Work::Finished => {
                    self.close_handshake(1000, "done").await;
                    return;
                }
                Work::Interrupted => Io::Interrupted,
                Work::Failed => Io::Failed,
            };
            if let Io::Failed = step {
                return;
            }
        }
    }

    /// Due time of the front source (plus the chaos delay), dropping exhausted sources.
    fn source_due(&mut self) -> Option<Instant> {
        loop {
            let due = self.sources.front()?.next_due();
            match due {
                Some(due) => return Some(due + self.app.chaos.delay()),
                None => {
                    self.sources.pop_front();
                }
            }
        }
    }

    fn take(&mut self, item: Outbound) -> Option<Work> {
        match item {
            Outbound::Frame { msg, queued_at } => Some(Work::Frame(msg, queued_at)),
            Outbound::Close { code, reason } => Some(Work::Close(code, reason)),
            Outbound::Source(source) => {
                self.sources.push_back(source);
                None
            }
        }
    }

    async fn next_work(&mut self) -> Work {
        if let Some((msg, queued_at)) = self.pending.take() {
            return Work::Frame(msg, queued_at);
        }
        loop {
            // Queued frames first, so control sends interleave with a long source.
            if self.rx_open {
                match self.rx.try_recv() {
                    Ok(item) => match self.take(item) {
                        Some(work) => return work,
                        None => continue,
                    },
                    Err(mpsc::error::TryRecvError::Empty) => {}
                    Err(mpsc::error::TryRecvError::Disconnected) => self.rx_open = false,
                }
            }
            let due = self.source_due();
            if let Some(due) = due {
                if due <= Instant::now() {
                    return Work::Generate;
                }
            }
            if !self.rx_open && due.is_none() {
                return Work::Finished;
            }
            // Nothing is ready right now: push out what is buffered before waiting.
            match self.flush().await {
                Io::Done => {}
                Io::Interrupted => return Work::Interrupted,
                Io::Failed => return Work::Failed,
            }
            tokio::select! {
                biased;
                _ = self.directive.changed() => return Work::Interrupted,
                item = self.rx.recv(), if self.rx_open => match item {
                    Some(item) => {
                        if let Some(work) = self.take(item) {
                            return work;
                        }
                    }
                    None => self.rx_open = false,
                },
                _ = sleep_until(due.unwrap_or_else(Instant::now)), if due.is_some() => {
                    return Work::Generate;
                }
            }
        }
    }

    async fn flush(&mut self) -> Io {
        if self.unflushed == 0 {
            return Io::Done;
        }
        match guarded(&mut self.directive, self.sink.flush()).await {
            None => Io::Interrupted,
            Some(Ok(())) => {
                self.unflushed = 0;
                Io::Done
            }
            Some(Err(_)) => Io::Failed,
        }
    }

    /// Waits until the sink can take a frame (a peer that does not read blocks here).
    async fn ready(&mut self) -> Io {
        let sink = &mut self.sink;
        match guarded(&mut self.directive, poll_fn(|cx| sink.poll_ready_unpin(cx))).await {
            None => Io::Interrupted,
            Some(Ok(())) => Io::Done,
            Some(Err(_)) => Io::Failed,
        }
    }

    fn start_send(&mut self, msg: Message) -> Io {
        let len = match &msg {
            Message::Text(text) => text.len(),
            Message::Binary(data) => data.len(),
            _ => 0,
        };
        if self.sink.start_send_unpin(msg).is_err() {
            return Io::Failed;
        }
        self.unflushed += len.max(1);
        Io::Done
    }

    async fn write_frame(&mut self, msg: Message, queued_at: Instant) -> Io {
        let delay = self.app.chaos.delay();
        if !delay.is_zero() {
            let send_at = queued_at + delay;
            if send_at > Instant::now() {
                // Frames already buffered must not wait behind this one's delay.
                match self.flush().await {
                    Io::Done => {}
                    other => {
                        self.pending = Some((msg, queued_at));
                        return other;
                    }
                }
                if guarded(&mut self.directive, sleep_until(send_at))
                    .await
                    .is_none()
                {
                    self.pending = Some((msg, queued_at));
                    return Io::Interrupted;
                }
            }
        }
        match self.ready().await {
            Io::Done => {}
            Io::Interrupted => {
                self.pending = Some((msg, queued_at));
                return Io::Interrupted;
            }
            Io::Failed => return Io::Failed,
        }
        match self.start_send(msg) {
            Io::Done => {}
            other => return other,
        }
        if self.unflushed >= FLUSH_BYTES {
            return self.flush().await;
        }
        Io::Done
    }

    async fn write_generated(&mut self) -> Io {
        match self.ready().await {
            Io::Done => {}
            other => return other,
        }
        let Some(source) = self.sources.front_mut() else {
            return Io::Done;
        };
        // Built only now that the socket can take it, so its timestamp is the send time.
        let msg = source.next_frame();
        match self.start_send(msg) {
            Io::Done => {}
            other => return other,
        }
        if self.unflushed >= FLUSH_BYTES {
            return self.flush().await;
        }
        Io::Done
    }

    /// Sends our close frame and waits (bounded) for the peer's reply, which the reader half
    /// consumes; a peer that does not cooperate only delays the TCP close by the timeouts.
    async fn close_handshake(&mut self, code: u16, reason: &str) {
        let frame = Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        }));
        let sent = tokio::select! {
            biased;
            _ = self.directive.wait_for(Directive::is_terminal) => false,
            sent = timeout(CLOSE_WRITE_TIMEOUT, self.sink.send(frame)) => matches!(sent, Ok(Ok(()))),
        };
        if sent {
            let _ = timeout(
                CLOSE_REPLY_TIMEOUT,
                self.directive.wait_for(Directive::is_terminal),
            )
            .await;
        }
    }
}
