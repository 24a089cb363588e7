//! The driver: one transport's state, shared by the object the app holds and the browser's
//! callbacks, and the loop that carries out the core's actions.
//!
//! It is as dumb as quinn's driver: every event goes into the core with the clock's reading
//! (`handle_*`), then [`Driver::pump`] drains the core's actions and carries each out, and arms
//! the one timer for `poll_timeout`. It decides nothing.
//!
//! Re-entrancy rules, which every path keeps:
//! - No `RefCell` borrow is held while JS user code runs: listener lists are snapshotted
//!   (`Rc` clones) and the borrow released before the first call.
//! - Methods never call user code synchronously. Status, error and snapshot notifications are
//!   delivered from a microtask, and the token function runs in one too, so a listener may call
//!   any method, `free()` included.
//! - Message listeners are called from the socket's message event, in order, each guarded: one
//!   that throws is reported and the rest still run.
//! - After `free()` every late callback (timer, microtask, socket event) finds `freed` and stops.
//!
//! Lifetime: the socket's handlers, the timer and the browser signals hold the driver, never
//! the object the app holds. So an app that forgets a live transport does not lose its
//! connection (the object is collected, the driver is not), as with a browser `WebSocket`; once
//! it settles the driver releases itself (`orphan`). `free()` ends everything at once, and leaves
//! the driver holding no `JsValue` at all.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::{Rc, Weak};

use js_sys::{Function, JsString};
use wasm_bindgen::prelude::*;

use super::ask::Question;
use super::clock;
use super::handles::{Handles, Slot};
use super::listener::{ErrorListener, Listener, MessageListener, StatusListener, Subscriber};
use super::options::{out_of_range, OptionsError, WebSettings};
use super::resume::{PendingAck, ProtocolNames};
use super::signals::{SignalEvents, SignalSubscription};
use super::socket::{protocol_list, Socket, SocketEvents};
use super::timer::DeadlineTimer;
use super::{js, resources, values, TransportError};
use crate::core::close_policy::{ABNORMAL_CLOSURE, NORMAL_CLOSURE};
use crate::core::errors::ErrorFields;
use crate::core::listeners::{ListenerId, ListenerList, Targets, TypedListeners};
use crate::core::{Action, AttemptId, Config, Connection, ErrorKind, Status, StatusChange};
use crate::prelude::*;

pub enum Notification {
    Status(StatusChange),
    Error(TransportError),
    SnapshotChanged,
    /// Call the url or token function for this attempt (from the microtask, never inside a
    /// method).
    Ask(Question, AttemptId),
}

/// What reading messages needs from JS: the `typeField` option as a JS string (read from every
/// message), and the message types already seen, so that routing a message costs one `Map.get`
/// instead of a copy of its type's text. Bounded, so a server sending endless distinct types
/// cannot grow it; past the bound a type's text is copied per message. Made with the first
/// frame, so a transport that never connected holds no `JsValue`.
pub struct TypeNames {
    pub type_field: JsString,
    pub ids: js::NumberMap,
    pub names: Vec<Rc<str>>,
}

pub const MAX_INTERNED_TYPES: usize = 4096;

pub struct Driver {
    pub core: RefCell<Connection<JsValue>>,
    pub settings: RefCell<WebSettings>,
    this: Weak<Driver>,
    pub handles: Handles,
    socket: RefCell<Option<Socket>>,
    timer: DeadlineTimer,
    signals: RefCell<Option<SignalSubscription>>,
    pub messages: RefCell<TypedListeners<MessageListener>>,
    pub statuses: RefCell<ListenerList<StatusListener>>,
    pub errors: RefCell<ListenerList<ErrorListener>>,
    pub subscribers: RefCell<ListenerList<Subscriber>>,
    last_listener_id: Cell<u64>,
    pub types: RefCell<Option<TypeNames>>,
    notifications: RefCell<VecDeque<Notification>>,
    /// Set while a delivery microtask is queued: it keeps the driver alive until it has run, so
    /// a forgotten transport's listeners still hear how it ended.
    queued_delivery: RefCell<Option<Rc<Driver>>>,
    pending_connects: RefCell<Vec<(Function, Function)>>,
    /// `sendWithAck` promises, settled when the core says (`Acked`, `AckFailed`).
    pub pending_acks: RefCell<Vec<PendingAck>>,
    /// Made with the first protocol frame (see `resume.rs`).
    pub protocol_names: RefCell<Option<ProtocolNames>>,
    freed: Cell<bool>,
    /// `share`: the group of tabs this transport's connection is shared with, where the
    /// browser can share one (see `share.rs`).
    #[cfg(feature = "share")]
    pub share: RefCell<Option<Rc<super::share::SharedTabs>>>,
    /// `queue.persist` (full build): the IndexedDB side, `None` when the option is off.
    #[cfg(feature = "persist")]
    pub persist: RefCell<Option<super::persist::Persist>>,
    /// The app's object is gone while the connection was live: release once it settles.
    orphaned: Cell<bool>,
}

impl Driver {
    pub fn new(config: Config, settings: WebSettings) -> Result<Rc<Self>, OptionsError> {
        let seed = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
        #[cfg(feature = "persist")]
        let persist_scope = settings.persist.as_deref().map(|name| super::persist::scope(&config.urls, name));
        let core = Connection::new(config, seed).map_err(|e| out_of_range(e.option, e.expected))?;
        let driver = Rc::new_cyclic(|this: &Weak<Driver>| Driver {
            core: RefCell::new(core),
            settings: RefCell::new(settings),
            this: this.clone(),
            handles: Handles::new(&js_functions(this)),
            socket: RefCell::new(None),
            timer: DeadlineTimer::default(),
            signals: RefCell::new(None),
            messages: RefCell::new(TypedListeners::default()),
            statuses: RefCell::new(ListenerList::default()),
            errors: RefCell::new(ListenerList::default()),
            subscribers: RefCell::new(ListenerList::default()),
            last_listener_id: Cell::new(0),
            types: RefCell::new(None),
            notifications: RefCell::new(VecDeque::new()),
            queued_delivery: RefCell::new(None),
            pending_connects: RefCell::new(Vec::new()),
            pending_acks: RefCell::new(Vec::new()),
            protocol_names: RefCell::new(None),
            freed: Cell::new(false),
            #[cfg(feature = "share")]
            share: RefCell::new(None),
            #[cfg(feature = "persist")]
            persist: RefCell::new(None),
            orphaned: Cell::new(false),
        });
        #[cfg(feature = "share")]
        {
            let name = driver.settings.borrow().share.clone();
            if let Some(name) = name {
                let url = driver.core.borrow().snapshot().url.clone().unwrap_or_else(|| "(url function)".into());
                let shared = super::share::SharedTabs::new(&Rc::downgrade(&driver), &name, &url);
                *driver.share.borrow_mut() = shared;
            }
        }
        resources::driver_alive(true);
        *driver.signals.borrow_mut() = Some(SignalSubscription::new(&driver));
        if SignalSubscription::offline() {
            let now = clock::now();
            let mut core = driver.core.borrow_mut();
            core.handle_offline(now);
            // Nobody can be subscribed yet; the snapshot simply starts offline.
            while core.poll_action().is_some() {}
        }
        #[cfg(feature = "persist")]
        if let Some(scope) = persist_scope {
            driver.start_persist(scope);
        }
        Ok(driver)
    }

    fn rc(&self) -> Rc<Driver> {
        // `self` is borrowed from an `Rc`, so the upgrade cannot fail.
        self.this.upgrade().unwrap_throw()
    }

    pub fn is_freed(&self) -> bool {
        self.freed.get()
    }

    pub fn next_listener_id(&self) -> ListenerId {
        self.last_listener_id.set(self.last_listener_id.get() + 1);
        ListenerId(self.last_listener_id.get())
    }

    /// Tells the core something happened (`event(core, now)`), then carries out its actions.
    pub fn report<R>(&self, event: impl FnOnce(&mut Connection<JsValue>, f64) -> R) -> Option<R> {
        if self.freed.get() {
            return None;
        }
        let now = clock::now();
        let result = event(&mut self.core.borrow_mut(), now);
        self.pump();
        Some(result)
    }

    /// An error the browser layer detected (a frame that is not JSON, a listener that threw).
    pub fn report_error(&self, kind: ErrorKind, message: String, payload: Option<JsValue>) {
        self.report(|core, _| core.report_error(kind, message, ErrorFields::default(), payload));
    }

    pub fn report_listener_error(&self, who: &str, thrown: JsValue) {
        let message = [who, " threw: ", &js::thrown_message(&thrown)].concat();
        self.report_error(ErrorKind::Listener, message, Some(thrown));
    }

    // ---- carrying out the core's actions -----------------------------------------------------

    /// Carries out every pending action, then arms the timer and schedules notifications.
    /// Not inlined: every event ends here, and one copy is enough (the module's size is budgeted).
    #[inline(never)]
    pub fn pump(&self) {
        loop {
            if self.freed.get() {
                return;
            }
            let action = self.core.borrow_mut().poll_action();
            let Some(action) = action else { break };
            self.execute(action);
        }
        let deadline = self.core.borrow().poll_timeout();
        // The callback holds the driver, as the socket's handlers do: a forgotten transport
        // waiting to retry still retries.
        self.timer.arm(deadline, clock::now, || {
            let this = self.rc();
            move || this.on_timer()
        });
        self.schedule_delivery();
        if self.orphaned.get() {
            self.release_if_settled();
        }
    }

    fn execute(&self, action: Action<JsValue>) {
        match action {
            Action::FetchUrl { attempt } => self.notify(Notification::Ask(Question::Url, attempt)),
            Action::FetchToken { attempt } => self.notify(Notification::Ask(Question::Token, attempt)),
            Action::OpenSocket { attempt, url, token } => self.open(attempt, &url, token.as_deref()),
            Action::CloseSocket { code, reason } => {
                let retired = self.socket.borrow_mut().take();
                if let Some(socket) = retired {
                    socket.close(code, &reason);
                }
            }
            Action::SendFrame(frame) => self.send_frame(frame.unchecked_ref()),
            Action::SendPing => {
                let ping = JsString::from(self.settings.borrow().ping_frame.as_str());
                self.send_frame(&ping);
            }
            Action::SendPong => {
                let pong = JsString::from(self.settings.borrow().pong_frame.as_str());
                self.send_frame(&pong);
            }
            Action::SendResume { session, after } => {
                if let Some(frame) = self.resume_frame(session.as_deref(), after) {
                    self.send_frame(&frame);
                }
            }
            Action::Acked { key, ack } => self.settle_ack(key, &ack),
            Action::AckFailed { key, kind, message } => self.fail_ack(key, kind, &message),
            #[cfg(feature = "persist")]
            Action::Store { key, frame, ack_id, timeout_ms } => self.persist_store(key, &frame, ack_id.as_deref(), timeout_ms),
            #[cfg(feature = "persist")]
            Action::Forget { key } => self.persist_forget(key),
            // Only a transport with `queue.persist` (the full build) is told these.
            #[cfg(not(feature = "persist"))]
            Action::Store { .. } | Action::Forget { .. } => {}
            Action::Status(change) => {
                self.settle_connects(change.status);
                self.notify(Notification::Status(change));
            }
            Action::Error(error) => {
                #[cfg(feature = "share")]
                self.relay_error(error.kind, &error.message);
                self.notify(Notification::Error(error));
            }
            Action::SnapshotChanged => {
                #[cfg(feature = "share")]
                self.relay_snapshot();
                self.notify(Notification::SnapshotChanged);
            }
        }
    }

    fn open(&self, attempt: AttemptId, url: &str, token: Option<&str>) {
        let opened = {
            let settings = self.settings.borrow();
            let protocols = protocol_list(&settings.protocols, token);
            Socket::open(url, &protocols, attempt, &self.rc())
        };
        match opened {
            Ok(socket) => {
                let replaced = self.socket.borrow_mut().replace(socket);
                drop(replaced);
            }
            Err(thrown) => {
                // The constructor threw (a URL the browser refuses, a page policy): the attempt
                // failed before it began, and is retried like any failed attempt.
                let reason = ["WebSocket constructor threw: ", &js::thrown_message(&thrown)].concat();
                let now = clock::now();
                self.core.borrow_mut().handle_close(attempt, ABNORMAL_CLOSURE, &reason, now);
            }
        }
    }

    fn send_frame(&self, frame: &JsString) {
        if let Some(socket) = self.socket.borrow().as_ref() {
            socket.send(frame);
        }
    }

    /// Resolves pending `connect()` promises on `connected`, rejects them on a final status.
    fn settle_connects(&self, status: Status) {
        if !matches!(status, Status::Connected | Status::Disconnected | Status::Error) {
            return;
        }
        let pending = core::mem::take(&mut *self.pending_connects.borrow_mut());
        if pending.is_empty() {
            return;
        }
        let error = (status != Status::Connected).then(|| {
            let detail = match (status, &self.core.borrow().snapshot().last_error) {
                (Status::Error, Some((_, message))) => [": ", message.as_str()].concat(),
                _ => " before it was established".into(),
            };
            js::error(js::Thrown::Error, &["connection ended in status '", status.as_str(), "'", &detail].concat())
        });
        // Settling a promise runs no user code now; its reactions are microtasks.
        for (resolve, reject) in pending {
            let _ = match &error {
                Some(error) => js::call1(&reject, error),
                None => js::call0(&resolve),
            };
        }
    }

    pub fn add_pending_connect(&self, resolve: Function, reject: Function) {
        self.pending_connects.borrow_mut().push((resolve, reject));
    }

    /// `connect()`. With `queue.persist`, not before the previous page's messages are restored.
    pub fn start_connecting(&self) {
        #[cfg(feature = "persist")]
        return self.connect_after_restore();
        #[cfg(not(feature = "persist"))]
        self.report(|core, now| core.connect(now));
    }

    /// `disconnect()`.
    pub fn stop(&self, code: u16, reason: &str) {
        #[cfg(feature = "persist")]
        self.cancel_deferred_connect();
        self.report(|core, now| core.disconnect(code, reason, now));
    }

    // ---- the timer and the browser's signals --------------------------------------------------

    fn on_timer(&self) {
        self.timer.fired();
        self.check_deadlines();
    }

    /// When the timer fires, and when a hidden tab becomes visible (its timers may run late).
    fn check_deadlines(&self) {
        self.report(|core, now| core.handle_timeout(now));
    }

    // ---- notifications: status, error and snapshot listeners, from a microtask -----------------

    fn notify(&self, notification: Notification) {
        self.notifications.borrow_mut().push_back(notification);
    }

    fn schedule_delivery(&self) {
        if self.notifications.borrow().is_empty() || self.queued_delivery.borrow().is_some() {
            return;
        }
        *self.queued_delivery.borrow_mut() = Some(self.rc());
        js::queue_microtask(&self.handles.function(Slot::Deliver));
    }

    /// Notifications queued while this runs are delivered by this same run, in order.
    #[inline(never)]
    pub fn deliver_notifications(&self) {
        while !self.freed.get() {
            let next = self.notifications.borrow_mut().pop_front();
            let Some(notification) = next else { break };
            match notification {
                Notification::Status(change) => self.deliver_status(&change),
                Notification::Error(error) => self.deliver_error(&error),
                Notification::SnapshotChanged => self.deliver_snapshot_change(),
                Notification::Ask(question, attempt) => super::ask::ask(self, question, attempt),
            }
        }
        // The caller holds the driver too, so this is never the last reference.
        let hold = self.queued_delivery.borrow_mut().take();
        drop(hold);
        if self.orphaned.get() {
            self.release_if_settled();
        }
    }

    /// Calls `call` with each listener of `targets` still registered, in order, and stops if the
    /// transport is freed meanwhile (a listener may free it). `targets` is a snapshot: no borrow
    /// of the list is held while listeners run.
    pub fn each_active<R: ?Sized>(&self, targets: &Targets<Listener<R>>, mut call: impl FnMut(&Listener<R>)) {
        for entry in targets.iter() {
            if self.freed.get() {
                return;
            }
            if entry.is_active() {
                call(&entry.listener);
            }
        }
    }

    fn deliver_status(&self, change: &StatusChange) {
        let targets = self.statuses.borrow().snapshot();
        let mut event = None;
        self.each_active(&targets, |listener| {
            let result = match listener {
                Listener::Js(function) => js::call1(function, event.get_or_insert_with(|| values::status_event(change))),
                Listener::Rust(listener) => {
                    listener(change);
                    Ok(())
                }
            };
            if let Err(thrown) = result {
                self.report_listener_error("an onStatus listener", thrown);
            }
        });
    }

    fn deliver_error(&self, error: &TransportError) {
        let targets = self.errors.borrow().snapshot();
        let mut event = None;
        self.each_active(&targets, |listener| match listener {
            Listener::Js(function) => {
                if let Err(thrown) = js::call1(function, event.get_or_insert_with(|| values::error_event(error))) {
                    // Reporting it as another error event could loop forever.
                    web_sys::console::error_2(&"AgentWire: an onError listener threw".into(), &thrown);
                }
            }
            Listener::Rust(listener) => listener(error),
        });
    }

    fn deliver_snapshot_change(&self) {
        let targets = self.subscribers.borrow().snapshot();
        self.each_active(&targets, |listener| {
            let result = match listener {
                Listener::Js(function) => js::call0(function),
                Listener::Rust(listener) => {
                    listener();
                    Ok(())
                }
            };
            if let Err(thrown) = result {
                self.report_listener_error("a subscriber", thrown);
            }
        });
    }

    // ---- what the app's object asks -----------------------------------------------------------

    pub fn status(&self) -> Status {
        self.core.borrow().status()
    }

    /// The snapshot object: frozen, and the same object until something in it changes (React
    /// compares it by identity).
    pub fn snapshot_object(&self) -> JsValue {
        let version = self.core.borrow().snapshot_version() as f64;
        if self.handles.get(Slot::SnapshotVersion).as_f64() != Some(version) {
            let core = self.core.borrow();
            let object = values::snapshot_object(core.snapshot());
            self.handles.set(Slot::Snapshot, &object);
            self.handles.set(Slot::SnapshotVersion, &version.into());
        }
        self.handles.get(Slot::Snapshot)
    }

    /// Removes registration `id` from whichever list holds it.
    pub fn remove_listener(&self, id: ListenerId) -> bool {
        self.messages.borrow_mut().remove_id(id)
            || self.statuses.borrow_mut().remove(id)
            || self.errors.borrow_mut().remove(id)
            || self.subscribers.borrow_mut().remove(id)
    }

    pub fn counts(&self) -> [usize; 10] {
        [
            self.socket.borrow().is_some() as usize,
            self.timer.is_armed() as usize,
            self.messages.borrow().len(),
            self.statuses.borrow().len(),
            self.errors.borrow().len(),
            self.subscribers.borrow().len(),
            self.signals.borrow().as_ref().map_or(0, |_| SignalSubscription::attached()),
            self.pending_connects.borrow().len(),
            self.notifications.borrow().len(),
            self.pending_acks.borrow().len(),
        ]
    }

    // ---- the end ----------------------------------------------------------------------------

    /// The app's object is gone (garbage-collected; `free()` goes through `shutdown` instead). A
    /// live connection goes on without it, because its listeners still expect messages;
    /// anything else is released now.
    pub fn orphan(&self) {
        if self.freed.get() {
            return;
        }
        self.orphaned.set(true);
        self.release_if_settled();
    }

    /// Ends an orphaned transport once its connection has settled and its listeners have heard.
    fn release_if_settled(&self) {
        if !self.freed.get() && !self.status().is_live() && self.notifications.borrow().is_empty() {
            self.shutdown();
        }
    }

    /// `free()`: closes the socket, cancels the timer, removes every listener and the browser
    /// signals, rejects pending `connect()` and `sendWithAck` promises, and lets go of every
    /// `JsValue` (queued messages included). Listeners are not told: the app asked for this.
    /// Afterwards `status` reads `disconnected` (or stays `error`), `send` drops and `connect`
    /// rejects.
    pub fn shutdown(&self) {
        if self.freed.get() {
            return;
        }
        #[cfg(feature = "share")]
        if let Some(share) = self.share() {
            self.leave_shared(&share, ErrorKind::Freed);
        }
        let failed_acks = {
            let now = clock::now();
            let mut core = self.core.borrow_mut();
            core.free(now);
            let mut failed = Vec::new();
            while let Some(action) = core.poll_action() {
                if let Action::AckFailed { key, kind, message } = action {
                    failed.push((key, kind, message));
                }
            }
            failed
        };
        // getSnapshot() goes on answering from the core's last snapshot, which no longer changes.
        self.freed.set(true);
        self.messages.borrow_mut().clear();
        self.statuses.borrow_mut().clear();
        self.errors.borrow_mut().clear();
        self.subscribers.borrow_mut().clear();
        self.notifications.borrow_mut().clear();
        let socket = self.socket.borrow_mut().take();
        if let Some(socket) = socket {
            socket.close(NORMAL_CLOSURE, "transport freed");
        }
        self.timer.cancel();
        let signals = self.signals.borrow_mut().take();
        drop(signals);
        let mut settings = self.settings.borrow_mut();
        settings.token_function = None;
        settings.url_function = None;
        drop(settings);
        self.types.borrow_mut().take();
        let pending = core::mem::take(&mut *self.pending_connects.borrow_mut());
        let error = js::error(js::Thrown::Error, "the transport was freed before it connected");
        for (_, reject) in pending {
            let _ = js::call1(&reject, &error);
        }
        for (key, kind, message) in failed_acks {
            self.fail_ack(key, kind, &message);
        }
        self.protocol_names.borrow_mut().take();
        #[cfg(feature = "share")]
        drop(self.share.borrow_mut().take());
        #[cfg(feature = "persist")]
        self.drop_persist();
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        resources::driver_alive(false);
    }
}

impl SocketEvents for Driver {
    fn socket_opened(&self, attempt: AttemptId) {
        self.report(|core, now| core.handle_open(attempt, now));
    }

    fn socket_frame(&self, _attempt: AttemptId, data: JsValue) {
        self.on_frame(data);
    }

    fn socket_closed(&self, attempt: AttemptId, code: u16, reason: String) {
        // This socket is done: drop it (and its handlers) before the core moves on.
        let closed = self.socket.borrow_mut().take();
        drop(closed);
        self.report(|core, now| core.handle_close(attempt, code, &reason, now));
    }
}

impl SignalEvents for Driver {
    fn browser_online(&self) {
        self.report(|core, now| core.handle_online(now));
    }

    fn browser_offline(&self) {
        self.report(|core, now| core.handle_offline(now));
    }

    fn tab_visible(&self) {
        self.check_deadlines();
    }
}

/// The transport's JS-owned functions, in the order of [`Slot`]. Each holds the driver weakly.
fn js_functions(this: &Weak<Driver>) -> Vec<JsValue> {
    let subscribe = {
        let this = this.clone();
        Closure::<dyn Fn(JsValue) -> Result<JsValue, JsValue>>::new(move |listener: JsValue| {
            let listener = super::transport::require_function(listener, "subscribe(listener): listener")?;
            Ok(JsValue::from(match this.upgrade() {
                Some(driver) => super::transport::add_listener(&driver, |d, id| d.subscribers.borrow_mut().add(id, Subscriber::Js(listener))),
                None => super::transport::noop(),
            }))
        })
        .into_js_value()
    };
    let get_snapshot = {
        let this = this.clone();
        Closure::<dyn Fn() -> JsValue>::new(move || this.upgrade().map_or(JsValue::UNDEFINED, |driver| driver.snapshot_object()))
            .into_js_value()
    };
    let remove = {
        let this = this.clone();
        Closure::<dyn Fn(f64)>::new(move |id: f64| {
            if let Some(driver) = this.upgrade() {
                driver.remove_listener(ListenerId(id as u64));
            }
        })
        .into_js_value()
    };
    let deliver = {
        let this = this.clone();
        Closure::<dyn Fn()>::new(move || {
            if let Some(driver) = this.upgrade() {
                driver.deliver_notifications();
            }
        })
        .into_js_value()
    };
    let settled = {
        let this = this.clone();
        Closure::<dyn Fn(f64, f64, bool, JsValue)>::new(move |question: f64, attempt: f64, ok: bool, value: JsValue| {
            if let Some(driver) = this.upgrade() {
                super::ask::settled(&driver, Question::from_number(question), AttemptId(attempt as u64), ok, value);
            }
        })
        .into_js_value()
    };
    vec![subscribe, get_snapshot, remove, deliver, settled]
}
