//! `HttpAgentTransport`, the class JavaScript sees, and the state its requests share.
//!
//! As in the WebSocket transport: the core decides (`drive` carries out its actions and arms
//! the one timer), no `RefCell` borrow is held while JS runs, and methods never call user code
//! synchronously: status and error listeners and subscribers run from a microtask; message
//! listeners run from the body's read, each guarded (a throw is an error event, kind
//! `listener`).

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use agentwire::core::errors::ErrorKind;
use agentwire::core::http_run::{HttpAction, HttpRun};
use agentwire::core::listeners::{ListenerId, ListenerList, Targets, TypedListeners};
use gloo_timers::callback::Timeout;
use js_sys::{Function, JsString};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::AbortController;

use super::attempt;
use super::js::{self, type_error, Callback};
use super::options::{read_options, HttpOptions};

pub struct Shared {
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub input: RefCell<Option<String>>,
    pub core: RefCell<HttpRun>,
    type_key: JsString,
    run_ids: RefCell<(Option<String>, Option<String>)>,
    pub(super) messages: RefCell<TypedListeners<Callback>>,
    pub(super) statuses: RefCell<ListenerList<Callback>>,
    pub(super) errors: RefCell<ListenerList<Callback>>,
    subscribers: RefCell<ListenerList<Callback>>,
    last_id: Cell<u64>,
    abort: RefCell<Option<(u64, AbortController)>>,
    timer: RefCell<Option<Timeout>>,
    /// Status and error events waiting for the microtask.
    pending: RefCell<Vec<(bool, JsValue)>>,
    notify_scheduled: Cell<bool>,
    notify: Function,
    snapshot: RefCell<Option<JsValue>>,
    delivered: Cell<u64>,
    freed: Cell<bool>,
    bound_subscribe: JsValue,
    bound_get_snapshot: JsValue,
}

fn call_guarded(shared: &Shared, target: &Targets<Callback>, argument: &JsValue) {
    for entry in target.iter() {
        if shared.freed.get() {
            return;
        }
        if entry.is_active() && entry.listener.call1(&JsValue::UNDEFINED, argument).is_err() {
            shared.queue(false, js::error_event(ErrorKind::Listener.as_str(), "a listener threw"));
        }
    }
}

impl Shared {
    pub(super) fn next_id(&self) -> ListenerId {
        self.last_id.set(self.last_id.get() + 1);
        ListenerId(self.last_id.get())
    }

    /// Carries out the core's actions, then arms the timer for its next deadline.
    pub fn drive(this: &Rc<Shared>) {
        loop {
            let action = this.core.borrow_mut().poll_action();
            let Some(action) = action else { break };
            match action {
                HttpAction::Fetch { attempt, last_event_id } => {
                    let Ok(controller) = AbortController::new() else { continue };
                    let signal = controller.signal();
                    *this.abort.borrow_mut() = Some((attempt, controller));
                    wasm_bindgen_futures::spawn_local(attempt::run(
                        Rc::downgrade(this),
                        attempt,
                        last_event_id,
                        signal,
                    ));
                }
                HttpAction::Abort { attempt } => {
                    let current = this.abort.borrow_mut().take_if(|(a, _)| *a == attempt);
                    if let Some((_, controller)) = current {
                        controller.abort();
                    }
                }
                HttpAction::Deliver { data, .. } => this.deliver(&data),
                HttpAction::Error { kind, message } => this.queue(false, js::error_event(kind.as_str(), &message)),
                HttpAction::Phase(phase) => {
                    let attempt = this.core.borrow().attempt() as f64;
                    *this.snapshot.borrow_mut() = None;
                    this.queue(true, js::status_event(phase.as_str(), attempt));
                }
            }
        }
        let due = this.core.borrow().poll_timeout();
        let timer = due.map(|at| {
            let weak = Rc::downgrade(this);
            let delay = (at - js_sys::Date::now()).max(0.0).min(f64::from(u32::MAX)) as u32;
            Timeout::new(delay, move || {
                if let Some(shared) = weak.upgrade() {
                    shared.core.borrow_mut().handle_timeout(js_sys::Date::now().max(at));
                    Shared::drive(&shared);
                }
            })
        });
        *this.timer.borrow_mut() = timer;
    }

    fn deliver(&self, data: &str) {
        let Some(parsed) = js::parse_event(data, &self.type_key) else {
            let message = "an event that is not a JSON object with a string type field";
            self.queue(false, js::error_event(ErrorKind::Parse.as_str(), message));
            return;
        };
        let (event, kind) = (parsed.get(0), parsed.get(1).as_string().unwrap_or_default());
        self.delivered.set(self.delivered.get() + 1);
        *self.snapshot.borrow_mut() = None;
        self.core.borrow_mut().handle_delivered_type(&kind);
        let (typed, wildcard) = self.messages.borrow().targets(&kind);
        if let Some(typed) = typed {
            call_guarded(self, &typed, &event);
        }
        call_guarded(self, &wildcard, &event);
        self.schedule();
    }

    fn queue(&self, status: bool, event: JsValue) {
        self.pending.borrow_mut().push((status, event));
        self.schedule();
    }

    fn schedule(&self) {
        if !self.notify_scheduled.replace(true) {
            js::queue_microtask(&self.notify);
        }
    }

    fn flush(&self) {
        self.notify_scheduled.set(false);
        let pending = std::mem::take(&mut *self.pending.borrow_mut());
        for (status, event) in pending {
            let targets = if status { self.statuses.borrow().snapshot() } else { self.errors.borrow().snapshot() };
            call_guarded(self, &targets, &event);
        }
        let subscribers = self.subscribers.borrow().snapshot();
        for entry in subscribers.iter() {
            if self.freed.get() {
                return;
            }
            if entry.is_active() {
                let _ = entry.listener.call0(&JsValue::UNDEFINED);
            }
        }
    }

    fn get_snapshot(&self) -> JsValue {
        if let Some(snapshot) = self.snapshot.borrow().as_ref() {
            return snapshot.clone();
        }
        let core = self.core.borrow();
        let (run_id, thread_id) = self.run_ids.borrow().clone();
        let snapshot = js::snapshot(
            core.phase().as_str(),
            core.attempt() as f64,
            core.last_event_id().map(String::from),
            self.delivered.get() as f64,
            run_id,
            thread_id,
        );
        drop(core);
        *self.snapshot.borrow_mut() = Some(snapshot.clone());
        snapshot
    }
}

fn callback(value: JsValue, what: &str) -> Result<Callback, JsValue> {
    value
        .dyn_into::<Function>()
        .map(JsCast::unchecked_into)
        .map_err(|_| type_error(&format!("{what}: listener must be a function")))
}

/// An unsubscribe function for registration `id` of `list` (JS-owned; after free() it does
/// nothing).
fn unsubscribe(weak: Weak<Shared>, id: ListenerId, remove: fn(&Shared, ListenerId)) -> JsValue {
    Closure::<dyn Fn()>::new(move || {
        if let Some(shared) = weak.upgrade() {
            remove(&shared, id);
        }
    })
    .into_js_value()
}

/// The HTTP/SSE transport for AG-UI agents. See agentwire_http.d.ts.
#[wasm_bindgen(skip_typescript)]
pub struct HttpAgentTransport {
    pub(super) shared: Rc<Shared>,
}

#[wasm_bindgen]
impl HttpAgentTransport {
    #[wasm_bindgen(constructor)]
    pub fn new(url: JsValue, options: JsValue) -> Result<HttpAgentTransport, JsValue> {
        let url = url.as_string().ok_or_else(|| type_error("url must be a string"))?;
        Ok(Self::with_options(&url, read_options(&options)?))
    }
}

impl HttpAgentTransport {
    /// The constructor JS and Rust share (`rust_api.rs` documents the Rust side).
    pub fn with_options(url: &str, options: HttpOptions) -> HttpAgentTransport {
        let url = url.to_owned();
        let seed = (js_sys::Math::random() * 9_007_199_254_740_991.0) as u64;
        let shared = Rc::new_cyclic(|weak: &Weak<Shared>| {
            let notify_weak = weak.clone();
            let notify = Closure::<dyn Fn()>::new(move || {
                if let Some(shared) = notify_weak.upgrade() {
                    shared.flush();
                }
            })
            .into_js_value()
            .unchecked_into();
            let subscribe_weak = weak.clone();
            let bound_subscribe =
                Closure::<dyn Fn(JsValue) -> Result<JsValue, JsValue>>::new(move |listener: JsValue| {
                    let listener = callback(listener, "subscribe")?;
                    match subscribe_weak.upgrade() {
                        Some(shared) => {
                            let id = shared.next_id();
                            shared.subscribers.borrow_mut().add(id, listener);
                            Ok(unsubscribe(subscribe_weak.clone(), id, |s, id| {
                                s.subscribers.borrow_mut().remove(id);
                            }))
                        }
                        None => Ok(Closure::<dyn Fn()>::new(|| {}).into_js_value()),
                    }
                })
                .into_js_value();
            let snapshot_weak = weak.clone();
            let bound_get_snapshot = Closure::<dyn Fn() -> JsValue>::new(move || match snapshot_weak.upgrade() {
                Some(shared) => shared.get_snapshot(),
                None => JsValue::NULL,
            })
            .into_js_value();
            Shared {
                url,
                headers: options.headers,
                input: RefCell::new(None),
                core: RefCell::new(HttpRun::new(options.reconnect, seed, options.max_line_bytes)),
                type_key: JsString::from(options.type_field.as_str()),
                run_ids: RefCell::new((None, None)),
                messages: RefCell::new(TypedListeners::default()),
                statuses: RefCell::new(ListenerList::default()),
                errors: RefCell::new(ListenerList::default()),
                subscribers: RefCell::new(ListenerList::default()),
                last_id: Cell::new(0),
                abort: RefCell::new(None),
                timer: RefCell::new(None),
                pending: RefCell::new(Vec::new()),
                notify_scheduled: Cell::new(false),
                notify,
                snapshot: RefCell::new(None),
                delivered: Cell::new(0),
                freed: Cell::new(false),
                bound_subscribe,
                bound_get_snapshot,
            }
        });
        HttpAgentTransport { shared }
    }
}

#[wasm_bindgen]
impl HttpAgentTransport {

    /// Starts a run: POSTs `input` (a `RunAgentInput`, serialised with JSON.stringify). A run
    /// under way is aborted first.
    pub fn run(&self, input: JsValue) -> Result<(), JsValue> {
        let text = js::json_stringify(&input)
            .ok()
            .flatten()
            .ok_or_else(|| type_error("run(input): input must be a JSON-serialisable RunAgentInput"))?;
        let get = |key: &str| js_sys::Reflect::get(&input, &JsValue::from_str(key)).ok().and_then(|v| v.as_string());
        *self.shared.run_ids.borrow_mut() = (get("runId"), get("threadId"));
        *self.shared.input.borrow_mut() = Some(String::from(text));
        self.shared.delivered.set(0);
        self.shared.core.borrow_mut().handle_start(js_sys::Date::now());
        Shared::drive(&self.shared);
        Ok(())
    }

    /// Stops the run: the request is aborted, no reconnection follows.
    pub fn stop(&self) {
        self.shared.core.borrow_mut().handle_stop();
        Shared::drive(&self.shared);
    }

    /// `on(type, listener)`: events whose type field is `type` ('*': every event). Returns a
    /// function that removes exactly this registration (as the WebSocket transport's `on`).
    pub fn on(&self, kind: JsValue, listener: JsValue) -> Result<JsValue, JsValue> {
        let kind = kind.as_string().ok_or_else(|| type_error("on(type, listener): type must be a string"))?;
        let listener = callback(listener, "on(type, listener)")?;
        let id = self.shared.next_id();
        self.shared.messages.borrow_mut().add(&kind, id, listener);
        Ok(unsubscribe(Rc::downgrade(&self.shared), id, |s, id| {
            s.messages.borrow_mut().remove_id(id);
        }))
    }

    /// `off(type, listener)`: removes the earliest registration of `listener` for `type`.
    pub fn off(&self, kind: JsValue, listener: JsValue) -> bool {
        let Some(kind) = kind.as_string() else { return false };
        self.shared.messages.borrow_mut().remove_first(&kind, |cb| JsValue::from(cb.clone()) == listener)
    }

    /// `onStatus(listener)`: `{status, attempt}` after each change. Returns the unsubscribe.
    #[wasm_bindgen(js_name = onStatus)]
    pub fn on_status(&self, listener: JsValue) -> Result<JsValue, JsValue> {
        let listener = callback(listener, "onStatus")?;
        let id = self.shared.next_id();
        self.shared.statuses.borrow_mut().add(id, listener);
        Ok(unsubscribe(Rc::downgrade(&self.shared), id, |s, id| {
            s.statuses.borrow_mut().remove(id);
        }))
    }

    /// `onError(listener)`: `{kind, message}`. Returns the unsubscribe.
    #[wasm_bindgen(js_name = onError)]
    pub fn on_error(&self, listener: JsValue) -> Result<JsValue, JsValue> {
        let listener = callback(listener, "onError")?;
        let id = self.shared.next_id();
        self.shared.errors.borrow_mut().add(id, listener);
        Ok(unsubscribe(Rc::downgrade(&self.shared), id, |s, id| {
            s.errors.borrow_mut().remove(id);
        }))
    }

    /// Bound, for `useSyncExternalStore`.
    #[wasm_bindgen(getter)]
    pub fn subscribe(&self) -> JsValue {
        self.shared.bound_subscribe.clone()
    }

    /// Bound; the same frozen object until something changes.
    #[wasm_bindgen(getter = getSnapshot)]
    pub fn get_snapshot(&self) -> JsValue {
        self.shared.bound_get_snapshot.clone()
    }
}

impl Drop for HttpAgentTransport {
    /// `free()`: the request is aborted, the timer cancelled, the listeners dropped.
    fn drop(&mut self) {
        let shared = &self.shared;
        if shared.freed.replace(true) {
            return;
        }
        shared.core.borrow_mut().handle_stop();
        while shared.core.borrow_mut().poll_action().is_some() {}
        if let Some((_, controller)) = shared.abort.borrow_mut().take() {
            controller.abort();
        }
        shared.timer.borrow_mut().take();
        shared.messages.borrow_mut().clear();
        shared.statuses.borrow_mut().clear();
        shared.errors.borrow_mut().clear();
        shared.subscribers.borrow_mut().clear();
    }
}
