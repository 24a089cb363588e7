//! `WebSocketTransport`, the class JavaScript sees.
//!
//! Re-entrancy rules, which every path here keeps:
//! - No `RefCell` borrow is held while JS user code runs. Listener lists are snapshotted
//!   (`Rc` clones) and the borrow released before the first call.
//! - Exported methods never call user code synchronously. Status, error and snapshot
//!   notifications are queued and delivered from a microtask, and the token function runs in a
//!   spawned task. So a listener may call any method, `free()` included: wasm-bindgen would
//!   refuse `free()` while another method of the same object is still on the stack.
//! - Message listeners are called synchronously from the socket's `message` event (no method is
//!   on the stack there), in order, each guarded: one that throws is reported, the rest still run.
//! - Every callback holds a `Weak` reference: after `free()` a late timer, microtask or socket
//!   event finds nothing and does nothing.

use crate::prelude::*;
use core::cell::{Cell, RefCell};
use alloc::collections::VecDeque;
use alloc::rc::{Rc, Weak};

use js_sys::{Array, Function, JsString, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{CloseEvent, MessageEvent};

use super::events;
use super::js;
use super::options::{range_error, read_options, whole_number, WebOptions};
use super::signals::{self, BrowserSignals, SignalHandlers};
use super::socket::{self, ActiveSocket, SocketHandlers};
use super::timer::Timer;
use crate::core::close_policy::{is_valid_client_close_code, ABNORMAL_CLOSURE, NORMAL_CLOSURE};
use crate::core::errors::ErrorFields;
use crate::core::listeners::{ListenerId, ListenerList, Targets, TypedListeners};
use crate::core::{Action, AttemptId, Connection, ErrorEvent, ErrorKind, FrameVerdict, Route, Status, StatusChange};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = error)]
    fn console_error(message: &str, detail: &JsValue);
}

/// Listener notifications waiting for the next microtask.
enum Notification {
    Status(StatusChange),
    Error(ErrorEvent<JsValue>),
    SnapshotChanged,
}

/// The last snapshot object handed out, with the core version it shows. Shared with the bound
/// `getSnapshot` function, which keeps answering (with the final snapshot) after `free()`.
type SnapshotCache = Rc<RefCell<Option<(u64, JsValue)>>>;

struct Shared {
    core: RefCell<Connection<JsValue>>,
    options: WebOptions,
    epoch_offset: f64,
    socket: RefCell<Option<ActiveSocket>>,
    socket_handlers: SocketHandlers,
    timer: Timer,
    signals: RefCell<Option<BrowserSignals>>,
    message_listeners: RefCell<TypedListeners<Function>>,
    status_listeners: RefCell<ListenerList<Function>>,
    error_listeners: RefCell<ListenerList<Function>>,
    subscribers: RefCell<ListenerList<Function>>,
    last_listener_id: Cell<u64>,
    notifications: RefCell<VecDeque<Notification>>,
    delivery_scheduled: Cell<bool>,
    deliver: Function,
    snapshot_cache: SnapshotCache,
    pending_connects: RefCell<Vec<(Function, Function)>>,
    freed: Cell<bool>,
    bound_subscribe: JsValue,
    bound_get_snapshot: JsValue,
}

/// A JS function calling `run` with the transport, if it still exists.
fn callback(weak: &Weak<Shared>, run: fn(&Rc<Shared>, JsValue)) -> Function {
    let weak = weak.clone();
    Closure::<dyn FnMut(JsValue)>::new(move |argument: JsValue| {
        if let Some(shared) = weak.upgrade() {
            run(&shared, argument);
        }
    })
    .into_js_value()
    .unchecked_into()
}

fn type_error(message: &str) -> JsValue {
    let mut text = String::from("AgentWire: ");
    text.push_str(message);
    js_sys::TypeError::new(&text).into()
}

/// The message of a thrown JS value, for error texts.
fn describe_thrown(thrown: &JsValue) -> String {
    if let Some(error) = thrown.dyn_ref::<js_sys::Error>() {
        return String::from(error.message());
    }
    thrown.as_string().unwrap_or_else(|| String::from(js_sys::JsString::from(thrown.clone())))
}

fn require_function(value: JsValue, what: &str) -> Result<Function, JsValue> {
    value.dyn_into::<Function>().map_err(|_| type_error(&format!("{what} must be a function")))
}

impl Shared {
    fn new(core: Connection<JsValue>, options: WebOptions) -> Rc<Self> {
        let snapshot_cache: SnapshotCache = Rc::new(RefCell::new(None));
        Rc::new_cyclic(|weak| {
            let socket_handlers = SocketHandlers {
                on_open: callback(weak, |s, _| s.on_open()),
                on_message: callback(weak, |s, event| s.on_message(event.unchecked_into())),
                on_close: callback(weak, |s, event| s.on_close(event.unchecked_into())),
                // The close event that always follows carries what we need.
                on_error: callback(weak, |_, _| {}),
            };
            let signals = BrowserSignals::attach(SignalHandlers {
                on_online: callback(weak, |s, _| s.on_online()),
                on_offline: callback(weak, |s, _| s.on_offline()),
                on_visibility: callback(weak, |s, _| s.on_visibility_change()),
            });
            Shared {
                core: RefCell::new(core),
                options,
                epoch_offset: js::epoch_offset(),
                socket: RefCell::new(None),
                socket_handlers,
                timer: Timer::new(callback(weak, |s, _| s.on_timer())),
                signals: RefCell::new(Some(signals)),
                message_listeners: RefCell::new(TypedListeners::default()),
                status_listeners: RefCell::new(ListenerList::default()),
                error_listeners: RefCell::new(ListenerList::default()),
                subscribers: RefCell::new(ListenerList::default()),
                last_listener_id: Cell::new(0),
                notifications: RefCell::new(VecDeque::new()),
                delivery_scheduled: Cell::new(false),
                deliver: callback(weak, |s, _| s.deliver_notifications()),
                bound_subscribe: bound_subscribe(weak),
                bound_get_snapshot: bound_get_snapshot(weak, snapshot_cache.clone()),
                snapshot_cache,
                pending_connects: RefCell::new(Vec::new()),
                freed: Cell::new(false),
            }
        })
    }

    // ---- carrying out the core's actions ------------------------------------------------------

    /// Carries out every pending action, then re-arms the timer and schedules notifications.
    fn pump(self: &Rc<Self>) {
        loop {
            if self.freed.get() {
                return;
            }
            let action = self.core.borrow_mut().poll_action();
            let Some(action) = action else { break };
            self.execute(action);
        }
        let deadline = self.core.borrow().poll_timeout();
        self.timer.arm(deadline, js::now());
        if !self.notifications.borrow().is_empty() && !self.delivery_scheduled.replace(true) {
            js::queue_microtask(&self.deliver);
        }
    }

    fn execute(self: &Rc<Self>, action: Action<JsValue>) {
        match action {
            Action::FetchToken { attempt } => self.fetch_token(attempt),
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
                self.notifications.borrow_mut().push_back(Notification::Status(change));
            }
            Action::Error(error) => self.notifications.borrow_mut().push_back(Notification::Error(error)),
            Action::SnapshotChanged => self.notifications.borrow_mut().push_back(Notification::SnapshotChanged),
        }
    }

    fn open_socket(self: &Rc<Self>, attempt: AttemptId, token: Option<&str>) {
        let protocols = socket::protocol_list(&self.options.protocols, token);
        match socket::open(&self.options.url, &protocols, &self.socket_handlers) {
            Ok(opened) => *self.socket.borrow_mut() = Some(ActiveSocket { socket: opened, attempt }),
            Err(thrown) => {
                // The constructor threw (a URL the browser refuses, a page policy): the attempt
                // failed before it began, and is retried like any failed attempt.
                let reason = format!("WebSocket constructor threw: {}", describe_thrown(&thrown));
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

    fn fetch_token(self: &Rc<Self>, attempt: AttemptId) {
        let Some(token_function) = self.options.token_function.clone() else { return };
        let weak = Rc::downgrade(self);
        wasm_bindgen_futures::spawn_local(async move {
            let token = match token_function.call0(&JsValue::UNDEFINED) {
                Err(thrown) => Err(describe_thrown(&thrown)),
                Ok(value) if js::is_promise_like(&value) => {
                    match wasm_bindgen_futures::JsFuture::from(Promise::resolve(&value)).await {
                        Ok(value) => token_string(value),
                        Err(thrown) => Err(describe_thrown(&thrown)),
                    }
                }
                Ok(value) => token_string(value),
            };
            if let Some(shared) = weak.upgrade() {
                shared.core.borrow_mut().handle_token(attempt, token, js::now());
                shared.pump();
            }
        });
    }

    fn settle_connect_promises(&self, change: &StatusChange) {
        let settle_with_error = matches!(change.status, Status::Disconnected | Status::Error);
        if change.status != Status::Connected && !settle_with_error {
            return;
        }
        let pending = core::mem::take(&mut *self.pending_connects.borrow_mut());
        let failure = settle_with_error.then(|| {
            let detail = self.core.borrow().snapshot().last_error.as_ref().map(|(_, m)| m.clone());
            let text = match detail {
                Some(message) if change.status == Status::Error => {
                    format!("AgentWire: connection ended in status '{}': {message}", change.status.as_str())
                }
                _ => format!("AgentWire: connection ended in status '{}' before it was established", change.status.as_str()),
            };
            JsValue::from(js_sys::Error::new(&text))
        });
        for (resolve, reject) in pending {
            // Settling a promise runs no user code now; its reactions are microtasks.
            let _ = match &failure {
                None => resolve.call0(&JsValue::UNDEFINED),
                Some(error) => reject.call1(&JsValue::UNDEFINED, error),
            };
        }
    }

    // ---- notifications (microtask) --------------------------------------------------------------

    fn deliver_notifications(self: &Rc<Self>) {
        loop {
            if self.freed.get() {
                self.notifications.borrow_mut().clear();
                break;
            }
            let next = self.notifications.borrow_mut().pop_front();
            let Some(notification) = next else { break };
            match notification {
                Notification::Status(change) => {
                    let event = events::status_event(&change);
                    let targets = self.status_listeners.borrow().snapshot();
                    self.call_guarded(&targets, &event, "an onStatus listener");
                }
                Notification::Error(error) => {
                    let event = events::error_event(&error);
                    let targets = self.error_listeners.borrow().snapshot();
                    for entry in targets.iter() {
                        if self.freed.get() {
                            break;
                        }
                        if entry.is_active() {
                            if let Err(thrown) = entry.listener.call1(&JsValue::UNDEFINED, &event) {
                                // Reporting it as another error event could loop forever.
                                console_error("AgentWire: an onError listener threw", &thrown);
                            }
                        }
                    }
                }
                Notification::SnapshotChanged => {
                    let targets = self.subscribers.borrow().snapshot();
                    self.call_guarded(&targets, &JsValue::UNDEFINED, "a subscriber");
                }
            }
        }
        self.delivery_scheduled.set(false);
    }

    /// Calls each active listener with `argument`; one that throws is reported, the rest run.
    fn call_guarded(self: &Rc<Self>, targets: &Targets<Function>, argument: &JsValue, who: &str) {
        for entry in targets.iter() {
            if self.freed.get() {
                return;
            }
            if !entry.is_active() {
                continue;
            }
            if let Err(thrown) = entry.listener.call1(&JsValue::UNDEFINED, argument) {
                self.report_listener_error(who, thrown);
            }
        }
    }

    fn report_listener_error(self: &Rc<Self>, who: &str, thrown: JsValue) {
        let message = format!("{who} threw: {}", describe_thrown(&thrown));
        self.core.borrow_mut().report_error(ErrorKind::Listener, message, ErrorFields::default(), Some(thrown));
        self.pump();
    }

    // ---- socket events --------------------------------------------------------------------------

    fn current_attempt(&self) -> Option<AttemptId> {
        self.socket.borrow().as_ref().map(|active| active.attempt)
    }

    fn on_open(self: &Rc<Self>) {
        if let Some(attempt) = self.current_attempt() {
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

    /// The hot path: one inbound frame, parsed by the browser's JSON parser and handed to the
    /// listeners as the JS value it is.
    fn on_message(self: &Rc<Self>, event: MessageEvent) {
        let data = event.data();
        let now = js::now();
        if !data.is_string() {
            let bytes = Reflect::get(&data, &JsValue::from_str("byteLength")).ok().and_then(|v| v.as_f64()).unwrap_or(0.0);
            self.core.borrow_mut().handle_binary_frame(bytes as usize, now);
            self.pump();
            return;
        }
        let units = data.unchecked_ref::<JsString>().length() as usize;
        let verdict = self.core.borrow_mut().handle_text_frame(units, || js::utf8_length(&data), now);
        if verdict != FrameVerdict::Parse {
            self.pump();
            return;
        }
        let message = match js::json_parse(&data) {
            Ok(message) if message.is_object() && !Array::is_array(&message) => message,
            Ok(_) => return self.report_parse_error("the frame is JSON but not an object".into(), data),
            Err(thrown) => return self.report_parse_error(format!("the frame is not JSON ({})", describe_thrown(&thrown)), data),
        };
        let message_type = Reflect::get(&message, &self.options.type_field).ok().and_then(|t| t.as_string());
        let Some(message_type) = message_type else {
            let field = self.options.type_field.as_string().unwrap_or_default();
            return self.report_parse_error(format!("the message has no string '{field}' field"), data);
        };
        let route = self.core.borrow_mut().handle_message_type(&message_type, now);
        if route == Route::Dispatch {
            self.dispatch(&message_type, &message);
        }
        self.pump();
    }

    fn report_parse_error(self: &Rc<Self>, message: String, data: JsValue) {
        self.core.borrow_mut().report_error(ErrorKind::Parse, format!("{message}; skipped"), ErrorFields::default(), Some(data));
        self.pump();
    }

    fn dispatch(self: &Rc<Self>, message_type: &str, message: &JsValue) {
        let (typed, wildcard) = self.message_listeners.borrow().targets(message_type);
        for entry in typed.iter().flat_map(|list| list.iter()).chain(wildcard.iter()) {
            if self.freed.get() {
                return;
            }
            if !entry.is_active() {
                continue;
            }
            if let Err(thrown) = entry.listener.call1(&JsValue::UNDEFINED, message) {
                self.report_listener_error(&format!("a listener for '{message_type}'"), thrown);
            }
        }
    }

    // ---- timer and browser signals ----------------------------------------------------------------

    fn on_timer(self: &Rc<Self>) {
        self.timer.fired();
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

    fn on_visibility_change(self: &Rc<Self>) {
        if signals::page_is_visible() {
            // Timers of a hidden tab may have run minutes late: check every deadline now.
            self.on_timer();
        }
    }

    // ---- snapshot and listeners -----------------------------------------------------------------

    fn snapshot_object(&self) -> JsValue {
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

    fn next_listener_id(&self) -> ListenerId {
        self.last_listener_id.set(self.last_listener_id.get() + 1);
        ListenerId(self.last_listener_id.get())
    }

    fn shutdown(&self) {
        if self.freed.replace(true) {
            return;
        }
        self.message_listeners.borrow_mut().clear();
        self.status_listeners.borrow_mut().clear();
        self.error_listeners.borrow_mut().clear();
        self.subscribers.borrow_mut().clear();
        self.notifications.borrow_mut().clear();
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
        let error = JsValue::from(js_sys::Error::new("AgentWire: the transport was freed before it connected"));
        for (_, reject) in pending {
            let _ = reject.call1(&JsValue::UNDEFINED, &error);
        }
    }
}

fn token_string(value: JsValue) -> Result<String, String> {
    value.as_string().ok_or_else(|| {
        let kind = value.js_typeof().as_string().unwrap_or_default();
        format!("it returned {kind}, expected a string or a Promise of one")
    })
}

/// An unsubscribe function for a registration, safe to call after `free()` and more than once.
fn unsubscriber(weak: Weak<Shared>, remove: impl Fn(&Shared) + 'static) -> JsValue {
    Closure::<dyn Fn()>::new(move || {
        if let Some(shared) = weak.upgrade() {
            remove(&shared);
        }
    })
    .into_js_value()
}

/// Adds `listener` to one of the single lists; returns its unsubscribe function.
fn add_to_list(
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

/// `subscribe`, bound once per transport: React's `useSyncExternalStore(t.subscribe, ...)`
/// passes it around unbound and re-subscribes whenever its identity changes.
fn bound_subscribe(weak: &Weak<Shared>) -> JsValue {
    let weak = weak.clone();
    Closure::<dyn Fn(JsValue) -> Result<JsValue, JsValue>>::new(move |listener: JsValue| match weak.upgrade() {
        Some(shared) => add_to_list(&shared, |s| &s.subscribers, listener, "subscribe(listener): listener"),
        None => Ok(Closure::<dyn Fn()>::new(|| {}).into_js_value()),
    })
    .into_js_value()
}

/// `getSnapshot`, bound once per transport; after `free()` it keeps returning the last snapshot.
fn bound_get_snapshot(weak: &Weak<Shared>, cache: SnapshotCache) -> JsValue {
    let weak = weak.clone();
    Closure::<dyn Fn() -> JsValue>::new(move || match weak.upgrade() {
        Some(shared) => shared.snapshot_object(),
        None => cache.borrow().as_ref().map_or(JsValue::NULL, |(_, object)| object.clone()),
    })
    .into_js_value()
}

/// A WebSocket that repairs itself. See the README for the options and the API.
#[wasm_bindgen(skip_typescript)]
pub struct WebSocketTransport {
    shared: Rc<Shared>,
}

#[wasm_bindgen]
impl WebSocketTransport {
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<WebSocketTransport, JsValue> {
        let (config, web_options) = read_options(&options)?;
        let seed = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
        // read_options has validated the config; this cannot fail, but must not panic either.
        let core = Connection::new(config, seed).map_err(|e| range_error(e.option))?;
        let shared = Shared::new(core, web_options);
        if !signals::browser_is_online() {
            shared.core.borrow_mut().handle_offline(js::now());
            // Nobody can be subscribed yet; the snapshot simply starts offline.
            while shared.core.borrow_mut().poll_action().is_some() {}
        }
        Ok(WebSocketTransport { shared })
    }

    /// Starts connecting. Resolves once connected; rejects if the transport ends in
    /// `disconnected` or `error` first.
    pub fn connect(&self) -> Promise {
        let shared = &self.shared;
        if shared.core.borrow().status() == Status::Connected {
            return Promise::resolve(&JsValue::UNDEFINED);
        }
        let mut remember = |resolve: Function, reject: Function| {
            shared.pending_connects.borrow_mut().push((resolve, reject));
        };
        let promise = Promise::new(&mut remember);
        shared.core.borrow_mut().connect(js::now());
        shared.pump();
        promise
    }

    /// Closes on purpose (default code 1000); no reconnect until `connect()`.
    pub fn disconnect(&self, code: JsValue, reason: JsValue) -> Result<(), JsValue> {
        let code = if code.is_undefined() {
            NORMAL_CLOSURE
        } else {
            match code.as_f64() {
                Some(c) if whole_number(c, 65535.0).is_some_and(|c| is_valid_client_close_code(c as u16)) => c as u16,
                Some(_) => return Err(range_error("disconnect(code): code must be 1000 or in 3000-4999")),
                None => return Err(type_error("disconnect(code): code must be a number")),
            }
        };
        let reason = if reason.is_undefined() {
            String::new()
        } else {
            reason.as_string().ok_or_else(|| type_error("disconnect(code, reason): reason must be a string"))?
        };
        if reason.len() > 123 {
            return Err(range_error("disconnect(code, reason): reason must be at most 123 bytes of UTF-8"));
        }
        self.shared.core.borrow_mut().disconnect(code, &reason, js::now());
        self.shared.pump();
        Ok(())
    }

    /// Sends an object (as JSON) or a string. Returns `'sent'`, `'queued'` or `'dropped'`.
    pub fn send(&self, message: JsValue) -> JsValue {
        let shared = &self.shared;
        let frame = if message.is_string() {
            Ok(message)
        } else if message.is_undefined() || message.is_function() || message.is_symbol() {
            Err(format!("{} cannot be sent as JSON", message.js_typeof().as_string().unwrap_or_default()))
        } else {
            js_sys::JSON::stringify(&message).map(JsValue::from).map_err(|thrown| describe_thrown(&thrown))
        };
        let outcome = match frame {
            Ok(frame) => {
                let units = frame.unchecked_ref::<JsString>().length() as usize;
                shared.core.borrow_mut().send(frame, units, js::utf8_length, js::now())
            }
            Err(problem) => {
                let mut core = shared.core.borrow_mut();
                core.report_error(ErrorKind::Serialize, format!("send(): {problem}; dropped"), ErrorFields::default(), None);
                crate::core::SendOutcome::Dropped
            }
        };
        shared.pump();
        JsValue::from_str(outcome.as_str())
    }

    /// Calls `listener(message)` for server messages whose type field equals `type` (`'*'`: all).
    /// Returns a function that removes exactly this registration.
    pub fn on(&self, message_type: JsValue, listener: JsValue) -> Result<JsValue, JsValue> {
        let message_type = message_type.as_string().ok_or_else(|| type_error("on(type, listener): type must be a string"))?;
        let listener = require_function(listener, "on(type, listener): listener")?;
        let id = self.shared.message_listeners.borrow_mut().add(&message_type, listener);
        Ok(unsubscriber(Rc::downgrade(&self.shared), move |s| {
            s.message_listeners.borrow_mut().remove(&message_type, id);
        }))
    }

    /// Removes the earliest registration of `listener` for `type`.
    pub fn off(&self, message_type: JsValue, listener: JsValue) -> Result<bool, JsValue> {
        let message_type = message_type.as_string().ok_or_else(|| type_error("off(type, listener): type must be a string"))?;
        Ok(self.shared.message_listeners.borrow_mut().remove_first(&message_type, |f| JsValue::from(f) == listener))
    }

    #[wasm_bindgen(js_name = onStatus)]
    pub fn on_status(&self, listener: JsValue) -> Result<JsValue, JsValue> {
        add_to_list(&self.shared, |s| &s.status_listeners, listener, "onStatus(listener): listener")
    }

    #[wasm_bindgen(js_name = onError)]
    pub fn on_error(&self, listener: JsValue) -> Result<JsValue, JsValue> {
        add_to_list(&self.shared, |s| &s.error_listeners, listener, "onError(listener): listener")
    }

    /// `subscribe(listener)`: called (with no arguments) whenever the snapshot changes.
    #[wasm_bindgen(getter)]
    pub fn subscribe(&self) -> JsValue {
        self.shared.bound_subscribe.clone()
    }

    /// `getSnapshot()`: the same frozen object until something in it changes.
    #[wasm_bindgen(getter = getSnapshot)]
    pub fn get_snapshot(&self) -> JsValue {
        self.shared.bound_get_snapshot.clone()
    }

    #[wasm_bindgen(getter)]
    pub fn status(&self) -> JsValue {
        js::status_name(self.shared.core.borrow().status().index())
    }

    pub fn stats(&self) -> JsValue {
        let core = self.shared.core.borrow();
        events::stats_object(core.stats(), core.snapshot().queued)
    }

    /// What this transport holds right now, for leak checks: sockets, timers, listeners.
    #[wasm_bindgen(js_name = debugResources)]
    pub fn debug_resources(&self) -> JsValue {
        let s = &self.shared;
        js::resources_object(&[
            s.socket.borrow().is_some() as u8 as f64,
            s.timer.is_armed() as u8 as f64,
            s.message_listeners.borrow().len() as f64,
            s.status_listeners.borrow().len() as f64,
            s.error_listeners.borrow().len() as f64,
            s.subscribers.borrow().len() as f64,
            s.signals.borrow().as_ref().map_or(0, BrowserSignals::attached_count) as f64,
            s.pending_connects.borrow().len() as f64,
            s.notifications.borrow().len() as f64,
            wasm_bindgen::externref_heap_live_count() as f64,
        ])
    }
}

impl Drop for WebSocketTransport {
    /// `free()`: closes the socket, cancels the timer, removes every listener.
    fn drop(&mut self) {
        self.shared.shutdown();
    }
}
