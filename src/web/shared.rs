//! The state one transport shares between its exported object and its callbacks, and the
//! executor that carries out the core's actions.
//!
//! Re-entrancy rules, which every path keeps:
//! - No `RefCell` borrow is held while JS user code runs. Listener lists are snapshotted
//!   (`Rc` clones) and the borrow released before the first call.
//! - Exported methods never call user code synchronously. Status, error and snapshot
//!   notifications are delivered from a microtask, and the token function runs in one too. So a
//!   listener may call any method, `free()` included: wasm-bindgen refuses `free()` while
//!   another method of the same object is still on the stack.
//! - Message listeners are called synchronously from the socket's `message` event (no method is
//!   on the stack there), in order, each guarded: one that throws is reported, the rest still run.
//! - Every callback holds a `Weak` reference: after `free()` a late timer, microtask or socket
//!   event finds nothing and does nothing.

use alloc::rc::{Rc, Weak};
use core::cell::{Cell, RefCell};

use js_sys::{Array, Function};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::CloseEvent;

use super::callbacks::{js_function, weak_callback};
use super::events;
use super::js;
use super::notifications::{Notification, Notifications};
use super::options::WebOptions;
use super::signals::BrowserSignals;
use super::socket::{self, ActiveSocket, SocketHandlers};
use super::timer::Timer;
use crate::core::close_policy::{ABNORMAL_CLOSURE, NORMAL_CLOSURE};
use crate::core::errors::ErrorFields;
use crate::core::listeners::{ListenerId, ListenerList, TypedListeners};
use crate::core::text::Text;
use crate::core::{Action, AttemptId, Connection, ErrorKind, Status, StatusChange};
use crate::prelude::*;

/// The last snapshot object handed out, with the core version it shows. Shared with the bound
/// `getSnapshot` function, which keeps answering (with the final snapshot) after `free()`.
pub type SnapshotCache = Rc<RefCell<Option<(u64, JsValue)>>>;

pub struct Shared {
    pub core: RefCell<Connection<JsValue>>,
    pub options: WebOptions,
    epoch_offset: f64,
    pub socket: RefCell<Option<ActiveSocket>>,
    socket_handlers: SocketHandlers,
    pub timer: Timer,
    pub signals: RefCell<Option<BrowserSignals>>,
    /// Texts of the message types glue.js has interned, by id, as this transport met them.
    pub type_names: RefCell<Vec<Option<Rc<str>>>>,
    /// Frames up to this many UTF-16 units are parsed before the core sees them (see inbound.rs).
    pub quick_parse_limit: f64,
    pub message_listeners: RefCell<TypedListeners<Function>>,
    pub status_listeners: RefCell<ListenerList<Function>>,
    pub error_listeners: RefCell<ListenerList<Function>>,
    pub subscribers: RefCell<ListenerList<Function>>,
    last_listener_id: Cell<u64>,
    pub notifications: Notifications,
    token_report: Function,
    snapshot_cache: SnapshotCache,
    pub pending_connects: RefCell<Vec<(Function, Function)>>,
    pub freed: Cell<bool>,
    /// Set when the JS object was garbage-collected while the connection was live: the transport
    /// keeps itself alive, as a browser WebSocket with listeners does, until it settles.
    self_hold: RefCell<Option<Rc<Shared>>>,
    pub bound_subscribe: JsValue,
    pub bound_get_snapshot: JsValue,
}

impl Shared {
    pub fn new(core: Connection<JsValue>, options: WebOptions) -> Rc<Self> {
        let snapshot_cache: SnapshotCache = Rc::new(RefCell::new(None));
        let quick_parse_limit = core.quick_parse_limit() as f64;
        Rc::new_cyclic(|weak: &Weak<Shared>| {
            let socket_handlers = SocketHandlers {
                on_open: weak_callback(weak, |s, _| s.on_open()),
                on_message: weak_callback(weak, |s, event| s.on_message(event)),
                on_close: weak_callback(weak, |s, event| s.on_close(event.unchecked_into())),
                // The close event that always follows carries what we need.
                on_error: weak_callback(weak, |_, _| {}),
            };
            let signals = BrowserSignals::attach(
                &weak_callback(weak, |s, _| s.on_online()),
                &weak_callback(weak, |s, _| s.on_offline()),
                &weak_callback(weak, |s, _| s.check_deadlines()),
            );
            Shared {
                core: RefCell::new(core),
                options,
                epoch_offset: js::epoch_offset(),
                socket: RefCell::new(None),
                socket_handlers,
                timer: Timer::new(weak_callback(weak, |s, _| s.on_timer())),
                signals: RefCell::new(Some(signals)),
                type_names: RefCell::new(Vec::new()),
                quick_parse_limit,
                message_listeners: RefCell::new(TypedListeners::default()),
                status_listeners: RefCell::new(ListenerList::default()),
                error_listeners: RefCell::new(ListenerList::default()),
                subscribers: RefCell::new(ListenerList::default()),
                last_listener_id: Cell::new(0),
                notifications: Notifications::new(weak_callback(weak, |s, _| s.deliver_notifications())),
                token_report: weak_callback(weak, |s, report| s.on_token(report.unchecked_into())),
                bound_subscribe: bound_subscribe(weak),
                bound_get_snapshot: bound_get_snapshot(weak, snapshot_cache.clone()),
                snapshot_cache,
                pending_connects: RefCell::new(Vec::new()),
                freed: Cell::new(false),
                self_hold: RefCell::new(None),
            }
        })
    }

    // ---- carrying out the core's actions ------------------------------------------------------

    /// Carries out every pending action, then re-arms the timer and schedules notifications.
    pub fn pump(self: &Rc<Self>) {
        loop {
            if self.freed.get() {
                return;
            }
            let action = self.core.borrow_mut().poll_action();
            let Some(action) = action else { break };
            self.execute(action);
        }
        let deadline = self.core.borrow().poll_timeout();
        self.timer.arm(deadline, js::now);
        self.notifications.schedule();
        self.release_if_settled();
    }

    /// The JS object is gone (garbage-collected; `free()` goes through `shutdown` instead). A live
    /// connection goes on without it, because its listeners still expect messages; anything else
    /// is released now.
    pub fn orphan(self: &Rc<Self>) {
        if self.core.borrow().status().is_live() && !self.freed.get() {
            *self.self_hold.borrow_mut() = Some(self.clone());
        } else {
            self.shutdown();
        }
    }

    /// Ends an orphaned transport once its connection has settled and its listeners have heard.
    /// It runs after every pump, so the common case (not orphaned) is one check.
    pub fn release_if_settled(&self) {
        if self.self_hold.borrow().is_none() {
            return;
        }
        if !self.core.borrow().status().is_live() && self.notifications.len() == 0 {
            self.shutdown();
        }
    }

    fn execute(self: &Rc<Self>, action: Action<JsValue>) {
        match action {
            Action::FetchToken { attempt } => {
                if let Some(token_function) = &self.options.token_function {
                    js::fetch_token(token_function, attempt.0 as f64, &self.token_report);
                }
            }
            Action::OpenSocket { attempt, token } => self.open_socket(attempt, token.as_deref()),
            Action::CloseSocket { code, reason } => {
                let retired = self.socket.borrow_mut().take();
                if let Some(active) = retired {
                    socket::retire(&active.socket, code, &reason);
                }
            }
            Action::SendFrame(frame) => self.send_frame(&frame),
            Action::SendPing => self.send_frame(&self.options.ping_frame),
            Action::SendPong => self.send_frame(&self.options.pong_frame),
            Action::Status(change) => {
                self.settle_connect_promises(&change);
                self.notifications.push(Notification::Status(change));
            }
            Action::Error(error) => self.notifications.push(Notification::Error(error)),
            Action::SnapshotChanged => self.notifications.push(Notification::SnapshotChanged),
        }
    }

    fn open_socket(self: &Rc<Self>, attempt: AttemptId, token: Option<&str>) {
        let protocols = socket::protocol_list(&self.options.protocols, token);
        match socket::open(&self.options.url, &protocols, &self.socket_handlers) {
            Ok(opened) => *self.socket.borrow_mut() = Some(ActiveSocket { socket: opened, attempt }),
            Err(thrown) => {
                // The constructor threw (a URL the browser refuses, a page policy): the attempt
                // failed before it began, and is retried like any failed attempt.
                let reason = Text::new("WebSocket constructor threw: ").s(&js::thrown_message(&thrown)).done();
                self.core.borrow_mut().handle_close(attempt, ABNORMAL_CLOSURE, &reason, js::now());
            }
        }
    }

    fn send_frame(&self, frame: &JsValue) {
        let socket = self.socket.borrow();
        if let Some(active) = socket.as_ref() {
            // send() throws only before open, which the core rules out. A socket that is
            // already closing discards the frame, as every browser transport does: the close
            // event follows and the app sees the reconnect.
            let _ = active.socket.send(frame);
        }
    }

    /// `[attempt, ok, token or problem]` from glue.js's fetchToken.
    fn on_token(self: &Rc<Self>, report: Array) {
        let attempt = AttemptId(report.get(0).as_f64().unwrap_or(0.0) as u64);
        let value = report.get(2).as_string().unwrap_or_default();
        let token = if report.get(1).is_truthy() { Ok(value) } else { Err(value) };
        self.core.borrow_mut().handle_token(attempt, token, js::now());
        self.pump();
    }

    fn settle_connect_promises(&self, change: &StatusChange) {
        let failed = matches!(change.status, Status::Disconnected | Status::Error);
        if change.status != Status::Connected && !failed {
            return;
        }
        let pending = core::mem::take(&mut *self.pending_connects.borrow_mut());
        if pending.is_empty() {
            return;
        }
        let failure = failed.then(|| {
            let status = js::status_name(change.status.index()).as_string().unwrap_or_default();
            let text = Text::new("connection ended in status '").s(&status);
            let detail = self.core.borrow().snapshot().last_error.as_ref().map(|(_, m)| m.clone());
            let text = match detail {
                Some(message) if change.status == Status::Error => text.s("': ").s(&message),
                _ => text.s("' before it was established"),
            };
            js::make_error(0, &text.done())
        });
        for (resolve, reject) in pending {
            // Settling a promise runs no user code now; its reactions are microtasks.
            let _ = match &failure {
                None => resolve.call0(&JsValue::UNDEFINED),
                Some(error) => reject.call1(&JsValue::UNDEFINED, error),
            };
        }
    }

    pub fn report_listener_error(self: &Rc<Self>, who: &str, thrown: JsValue) {
        let message = Text::new(who).s(" threw: ").s(&js::thrown_message(&thrown)).done();
        self.core.borrow_mut().report_error(ErrorKind::Listener, message, ErrorFields::default(), Some(thrown));
        self.pump();
    }

    // ---- socket, timer and browser events -------------------------------------------------------

    fn on_open(self: &Rc<Self>) {
        let attempt = self.socket.borrow().as_ref().map(|active| active.attempt);
        if let Some(attempt) = attempt {
            self.core.borrow_mut().handle_open(attempt, js::now());
            self.pump();
        }
    }

    fn on_close(self: &Rc<Self>, event: CloseEvent) {
        let closed = self.socket.borrow_mut().take();
        if let Some(active) = closed {
            socket::detach(&active.socket);
            let reason = event.reason();
            self.core.borrow_mut().handle_close(active.attempt, event.code(), &reason, js::now());
            self.pump();
        }
    }

    fn on_timer(self: &Rc<Self>) {
        self.timer.fired();
        self.check_deadlines();
    }

    /// Checks every deadline against the clock now: when the timer fires, and when a hidden tab
    /// becomes visible (its timers may have run minutes late).
    fn check_deadlines(self: &Rc<Self>) {
        self.core.borrow_mut().handle_timeout(js::now());
        self.pump();
    }

    fn on_online(self: &Rc<Self>) {
        self.core.borrow_mut().handle_online(js::now());
        self.pump();
    }

    fn on_offline(self: &Rc<Self>) {
        self.core.borrow_mut().handle_offline(js::now());
        self.pump();
    }

    // ---- snapshot and listeners -----------------------------------------------------------------

    pub fn snapshot_object(&self) -> JsValue {
        let core = self.core.borrow();
        let version = core.snapshot_version();
        let mut cache = self.snapshot_cache.borrow_mut();
        match cache.as_ref() {
            Some((cached, object)) if *cached == version => object.clone(),
            _ => {
                let object = events::snapshot_object(core.snapshot(), self.epoch_offset, &self.options.url);
                *cache = Some((version, object.clone()));
                object
            }
        }
    }

    pub fn next_listener_id(&self) -> ListenerId {
        self.last_listener_id.set(self.last_listener_id.get() + 1);
        ListenerId(self.last_listener_id.get())
    }

    /// `free()`: closes the socket, cancels the timer, removes every listener, rejects pending
    /// `connect()` promises. Listeners are not told: the app asked for this.
    pub fn shutdown(&self) {
        if self.freed.replace(true) {
            return;
        }
        // Dropped last, at the end of this call: whoever called holds a reference of its own.
        let _hold = self.self_hold.borrow_mut().take();
        // Stopped for good: `status` reads 'disconnected' and `send` drops from now on. The
        // core's actions are not carried out; the socket is retired below.
        self.core.borrow_mut().disconnect(NORMAL_CLOSURE, "transport freed", js::now());
        while self.core.borrow_mut().poll_action().is_some() {}
        self.message_listeners.borrow_mut().clear();
        self.status_listeners.borrow_mut().clear();
        self.error_listeners.borrow_mut().clear();
        self.subscribers.borrow_mut().clear();
        self.notifications.clear();
        let active = self.socket.borrow_mut().take();
        if let Some(active) = active {
            socket::retire(&active.socket, NORMAL_CLOSURE, "transport freed");
        }
        self.timer.cancel();
        let signals = self.signals.borrow_mut().take();
        if let Some(signals) = signals {
            signals.detach();
        }
        let pending = core::mem::take(&mut *self.pending_connects.borrow_mut());
        let error = js::make_error(0, "the transport was freed before it connected");
        for (_, reject) in pending {
            let _ = reject.call1(&JsValue::UNDEFINED, &error);
        }
    }
}

/// An unsubscribe function for a registration, safe to call after `free()` and more than once.
pub fn unsubscriber(weak: Weak<Shared>, remove: impl Fn(&Shared) + 'static) -> JsValue {
    js_function(move |_| {
        if let Some(shared) = weak.upgrade() {
            remove(&shared);
        }
        JsValue::UNDEFINED
    })
    .into()
}

/// Adds `listener` to one of the single lists; returns its unsubscribe function.
pub fn add_to_list(
    shared: &Rc<Shared>,
    list: fn(&Shared) -> &RefCell<ListenerList<Function>>,
    listener: JsValue,
    what: &str,
) -> Result<JsValue, JsValue> {
    let listener = require_function(listener, what)?;
    let id = shared.next_listener_id();
    list(shared).borrow_mut().add(id, listener);
    Ok(unsubscriber(Rc::downgrade(shared), move |s| {
        list(s).borrow_mut().remove(id);
    }))
}

pub fn require_function(value: JsValue, what: &str) -> Result<Function, JsValue> {
    value.dyn_into::<Function>().map_err(|_| js::type_error(&Text::new(what).s(" must be a function").done()))
}

/// `subscribe`, bound once per transport: React's `useSyncExternalStore(t.subscribe, ...)`
/// passes it around unbound and re-subscribes whenever its identity changes.
fn bound_subscribe(weak: &Weak<Shared>) -> JsValue {
    let weak = weak.clone();
    js_function(move |listener| {
        if !listener.is_function() {
            drop(listener);
            // throw_val skips destructors, so it is called with nothing else alive on this stack.
            wasm_bindgen::throw_val(js::type_error("subscribe(listener): listener must be a function"));
        }
        match weak.upgrade() {
            Some(shared) => add_to_list(&shared, |s| &s.subscribers, listener, "subscribe(listener): listener")
                .unwrap_or(JsValue::UNDEFINED),
            None => js_function(|_| JsValue::UNDEFINED).into(),
        }
    })
    .into()
}

/// `getSnapshot`, bound once per transport; after `free()` it keeps returning the last snapshot.
fn bound_get_snapshot(weak: &Weak<Shared>, cache: SnapshotCache) -> JsValue {
    let weak = weak.clone();
    js_function(move |_| match weak.upgrade() {
        Some(shared) => shared.snapshot_object(),
        None => cache.borrow().as_ref().map_or(JsValue::NULL, |(_, object)| object.clone()),
    })
    .into()
}
