//! `WebSocketTransport` as JavaScript sees it: argument checks, then the driver.
//!
//! The API is the README's, name for name. Bad arguments throw a `TypeError` or `RangeError`
//! whose message starts with "AgentWire: "; nothing here panics.

use std::rc::Rc;

use js_sys::{Function, JsString, Promise};
use wasm_bindgen::prelude::*;

use super::driver::Driver;
use super::handles::Slot;
use super::listener::{ErrorListener, MessageListener, StatusListener};
use super::options::{whole_number, Options};
use super::resume::{ack_error, PendingAck};
use super::{js, resources, values};
use crate::core::close_policy::{is_valid_client_close_code, NORMAL_CLOSURE};
use crate::core::errors::ErrorFields;
use crate::core::listeners::ListenerId;
use crate::core::{ErrorKind, SendOutcome, Status, DEFAULT_ACK_TIMEOUT_MS};
use crate::prelude::*;

/// A WebSocket that repairs itself: reconnects with exponential backoff and jitter, notices
/// half-open connections with a heartbeat, queues what is sent while offline and dispatches each
/// message to the listeners of its type.
///
/// The same type serves JavaScript (the methods below marked `js_name`, documented in the
/// README) and Rust (see the methods in the "Rust API" block, and the crate docs).
#[wasm_bindgen(skip_typescript)]
pub struct WebSocketTransport {
    pub(super) driver: Rc<Driver>,
}

#[wasm_bindgen]
impl WebSocketTransport {
    /// `new WebSocketTransport(options)`: a `TypeError` for unknown options and wrong types, a
    /// `RangeError` for values out of range, each naming the option.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<WebSocketTransport, JsValue> {
        let options = Options::from_js(&options).map_err(|e| e.to_js())?;
        Self::with_options(options).map_err(|e| e.to_js())
    }

    /// Starts connecting. Resolves once connected; rejects if the transport ends in
    /// `disconnected` or `error` first.
    pub fn connect(&self) -> Promise {
        let driver = &self.driver;
        let mut settle = None;
        let promise = Promise::new(&mut |resolve, reject| settle = Some((resolve, reject)));
        let Some((resolve, reject)) = settle else { return promise };
        if driver.is_freed() {
            let _ = js::call1(&reject, &js::error(js::Thrown::Error, "connect(): this transport was freed"));
        } else if driver.status() == Status::Connected {
            let _ = js::call0(&resolve);
        } else {
            driver.add_pending_connect(resolve, reject);
            #[cfg(feature = "share")]
            if let Some(share) = driver.share() {
                driver.join_shared(&share);
                return promise;
            }
            driver.start_connecting();
        }
        promise
    }

    /// Closes on purpose (default code 1000); no reconnect until `connect()`.
    pub fn disconnect(&self, code: JsValue, reason: JsValue) -> Result<(), JsValue> {
        let code = if code.is_undefined() {
            NORMAL_CLOSURE
        } else {
            match code.as_f64() {
                Some(c) if whole_number(c, 65535.0).is_some_and(|c| is_valid_client_close_code(c as u16)) => c as u16,
                Some(_) => return Err(js::range_error("disconnect(code): code must be 1000 or in 3000-4999")),
                None => return Err(js::type_error("disconnect(code): code must be a number")),
            }
        };
        let reason = if reason.is_undefined() {
            String::new()
        } else {
            reason.as_string().ok_or_else(|| js::type_error("disconnect(code, reason): reason must be a string"))?
        };
        self.close(code, &reason).map_err(|message| js::range_error(message))
    }

    /// Sends an object (as JSON) or a string: `'sent'`, `'queued'` or `'dropped'`.
    pub fn send(&self, message: JsValue) -> JsValue {
        let outcome = match message.dyn_into::<JsString>() {
            Ok(frame) => self.send_frame(frame),
            Err(message) => match stringify(&message) {
                Ok(frame) => self.send_frame(frame),
                Err(problem) => self.refuse_to_send(&problem),
            },
        };
        JsValue::from_str(outcome.as_str())
    }

    /// `sendWithAck(message, { timeoutMs })`: sends an object carrying an idempotency id (its
    /// `ackIdField`, generated if absent, on a copy) and resolves with the server's ack. The core
    /// holds it until then (see `Connection::send_with_ack`); the promise rejects with an
    /// `Error` whose `kind` says why it will not be acknowledged. A `TypeError` or `RangeError`
    /// for bad arguments, as every method.
    #[wasm_bindgen(js_name = sendWithAck)]
    pub fn send_with_ack_promise(&self, message: JsValue, options: JsValue) -> Result<Promise, JsValue> {
        let timeout_ms = ack_timeout(&options)?;
        if !message.is_object() || js_sys::Array::is_array(&message) || message.is_function() {
            return Err(js::type_error("sendWithAck(message): message must be an object (it carries the idempotency id)"));
        }
        let id_field = JsValue::from_str(&self.driver.settings.borrow().ack_id_field);
        let given = js_sys::Reflect::get(&message, &id_field).unwrap_or_default();
        let (id, message) = if given.is_undefined() || given.is_null() {
            let id = self.new_message_id();
            // A copy, so the app's object is not changed behind its back.
            let copy = js::object_assign(&js_sys::Object::new(), &message).ok().flatten();
            let Some(copy) = copy else { return Err(js::type_error("sendWithAck(message): the message could not be copied")) };
            let _ = js_sys::Reflect::set(&copy, &id_field, &JsValue::from_str(&id));
            (id, copy.into())
        } else {
            let id = given.as_string().filter(|id| !id.is_empty()).ok_or_else(|| {
                let field = id_field.as_string().unwrap_or_default();
                js::type_error(&["sendWithAck(message): message.", &field, " (the ackIdField) must be a non-empty string"].concat())
            })?;
            (id, message)
        };
        let mut settle = None;
        let promise = Promise::new(&mut |resolve, reject| settle = Some((resolve, reject)));
        let Some((resolve, reject)) = settle else { return Ok(promise) };
        if self.driver.is_freed() {
            let _ = js::call1(&reject, &ack_error(ErrorKind::Freed, "this transport was freed; not sent"));
            return Ok(promise);
        }
        match stringify(&message) {
            Ok(frame) => {
                #[cfg(feature = "share")]
                let (resolve, reject) = match self.driver.share() {
                    Some(share) => match self.driver.send_with_ack_shared(&share, frame.clone(), id.clone(), timeout_ms, resolve, reject) {
                        Some(settle) => settle,
                        None => return Ok(promise),
                    },
                    None => (resolve, reject),
                };
                let bytes = super::frame::utf8_length(&frame);
                let driver = &self.driver;
                let now = super::clock::now();
                let key = driver.core.borrow_mut().send_with_ack(frame.into(), id, bytes, timeout_ms, now);
                // Registered before the core's actions run, so one that settles it at once finds it.
                driver.add_pending_ack(PendingAck { key, resolve, reject, remote: false });
                driver.pump();
            }
            Err(problem) => {
                let _ = js::call1(&reject, &ack_error(ErrorKind::Serialize, &[&problem, "; not sent"].concat()));
            }
        }
        Ok(promise)
    }

    /// Calls `listener(message)` for messages whose type field equals `type` (`'*'`: all, after
    /// the listeners of the message's type). Returns a function that removes exactly this
    /// registration.
    pub fn on(&self, message_type: JsValue, listener: JsValue) -> Result<Function, JsValue> {
        let message_type = message_type.as_string().ok_or_else(|| js::type_error("on(type, listener): type must be a string"))?;
        let listener = require_function(listener, "on(type, listener): listener")?;
        Ok(add_listener(&self.driver, |d, id| d.messages.borrow_mut().add(&message_type, id, MessageListener::Js(listener))))
    }

    /// Removes the earliest registration of `listener` for `type`.
    pub fn off(&self, message_type: JsValue, listener: JsValue) -> Result<bool, JsValue> {
        let message_type = message_type.as_string().ok_or_else(|| js::type_error("off(type, listener): type must be a string"))?;
        Ok(self.driver.messages.borrow_mut().remove_first(&message_type, |l| l.is_function(&listener)))
    }

    #[wasm_bindgen(js_name = onStatus)]
    pub fn on_status(&self, listener: JsValue) -> Result<Function, JsValue> {
        let listener = require_function(listener, "onStatus(listener): listener")?;
        Ok(add_listener(&self.driver, |d, id| d.statuses.borrow_mut().add(id, StatusListener::Js(listener))))
    }

    #[wasm_bindgen(js_name = onError)]
    pub fn on_error(&self, listener: JsValue) -> Result<Function, JsValue> {
        let listener = require_function(listener, "onError(listener): listener")?;
        Ok(add_listener(&self.driver, |d, id| d.errors.borrow_mut().add(id, ErrorListener::Js(listener))))
    }

    /// `subscribe(listener)`: called with no arguments whenever the snapshot changes; returns an
    /// unsubscribe. Bound, so `useSyncExternalStore(t.subscribe, t.getSnapshot)` works.
    #[wasm_bindgen(getter)]
    pub fn subscribe(&self) -> JsValue {
        self.driver.handles.get(Slot::Subscribe)
    }

    /// `getSnapshot()`: the same frozen object until something in it changes. Bound.
    #[wasm_bindgen(getter = getSnapshot)]
    pub fn get_snapshot(&self) -> JsValue {
        self.driver.handles.get(Slot::GetSnapshot)
    }

    /// `'idle' | 'connecting' | 'connected' | 'reconnecting' | 'disconnected' | 'error'`.
    #[wasm_bindgen(getter = status)]
    pub fn status_name(&self) -> JsValue {
        JsValue::from_str(self.driver.status().as_str())
    }

    /// Counters: messages and bytes in and out, attempts, reconnects, dropped, errors, pings,
    /// pongs, and the queue's length.
    pub fn stats(&self) -> JsValue {
        let core = self.driver.core.borrow();
        values::stats_object(core.stats(), core.snapshot().queued)
    }

    /// `free()`: closes the socket, cancels the timer, removes every listener, at once.
    ///
    /// This replaces the `free()` wasm-bindgen generates (scripts/tidy-bindings.mjs removes that
    /// one), so that an explicit `free()` and the garbage collector's finalizer can differ: the
    /// finalizer drops the Rust value either way, but only `free()` ends a live connection (see
    /// `Drop`). Methods called afterwards are harmless: `send` drops, `connect` rejects, and the
    /// status stays as it was left.
    #[wasm_bindgen(js_name = free)]
    pub fn free(&self) {
        self.driver.shutdown();
    }

    /// Internal, for the leak tests (not in the published types): what this transport holds.
    #[wasm_bindgen(js_name = debugResources)]
    pub fn debug_resources(&self) -> JsValue {
        let names = [
            "sockets", "timers", "messageListeners", "statusListeners", "errorListeners", "subscribers",
            "browserListeners", "pendingConnects", "pendingNotifications", "pendingAcks",
        ];
        let object = js_sys::Object::new();
        for (name, count) in names.iter().zip(self.driver.counts()) {
            let _ = js_sys::Reflect::set(&object, &(*name).into(), &(count as f64).into());
        }
        let _ = js_sys::Reflect::set(&object, &"liveJsValues".into(), &(wasm_bindgen::externref_heap_live_count() as f64).into());
        let _ = js_sys::Reflect::set(&object, &"closures".into(), &(resources::live_closures() as f64).into());
        let _ = js_sys::Reflect::set(&object, &"drivers".into(), &(resources::live_drivers() as f64).into());
        object.into()
    }
}

impl WebSocketTransport {
    /// `crypto.randomUUID()` where the browser has it (secure origins), else one from the core.
    fn new_message_id(&self) -> String {
        match js::random_uuid() {
            Ok(Some(id)) => id,
            _ => self.driver.core.borrow_mut().generate_message_id(),
        }
    }

    pub(super) fn send_frame(&self, frame: JsString) -> SendOutcome {
        #[cfg(feature = "share")]
        if let Some(outcome) = self.driver.share().and_then(|share| self.driver.send_shared(&share, &frame)) {
            return outcome;
        }
        let bytes = super::frame::utf8_length(&frame);
        self.driver.report(|core, now| core.send(frame.into(), bytes, now)).unwrap_or(SendOutcome::Dropped)
    }

    pub(super) fn refuse_to_send(&self, problem: &str) -> SendOutcome {
        let message = ["send(): ", problem, "; dropped"].concat();
        self.driver.report(|core, _| core.report_error(ErrorKind::Serialize, message, ErrorFields::default(), None));
        SendOutcome::Dropped
    }
}

impl Drop for WebSocketTransport {
    /// Runs when the garbage collector takes the JS object (or a Rust owner drops it).
    fn drop(&mut self) {
        self.driver.orphan();
    }
}

/// `JSON.stringify(message)`, or why it cannot be sent.
pub(super) fn stringify(message: &JsValue) -> Result<JsString, String> {
    if message.is_undefined() || message.is_function() || message.is_symbol() {
        return Err("a value of this type cannot be sent as JSON".into());
    }
    match js::json_stringify(message) {
        Ok(Some(json)) => Ok(json),
        Ok(None) => Err("JSON.stringify returned nothing for this value".into()),
        Err(thrown) => Err(js::thrown_message(&thrown)),
    }
}

/// The `timeoutMs` of `sendWithAck`'s options: a finite number > 0, by default 30 s.
fn ack_timeout(options: &JsValue) -> Result<f64, JsValue> {
    if options.is_undefined() || options.is_null() {
        return Ok(DEFAULT_ACK_TIMEOUT_MS);
    }
    if !options.is_object() {
        return Err(js::type_error("sendWithAck(message, options): options must be an object"));
    }
    let timeout = js_sys::Reflect::get(options, &"timeoutMs".into()).unwrap_or_default();
    if timeout.is_undefined() {
        return Ok(DEFAULT_ACK_TIMEOUT_MS);
    }
    match timeout.as_f64() {
        Some(ms) if ms.is_finite() && ms > 0.0 => Ok(ms),
        Some(_) => Err(js::range_error("sendWithAck(message, options): options.timeoutMs must be a finite number > 0")),
        None => Err(js::type_error("sendWithAck(message, options): options.timeoutMs must be a number")),
    }
}

pub(super) fn require_function(value: JsValue, what: &str) -> Result<Function, JsValue> {
    value.dyn_into::<Function>().map_err(|_| js::type_error(&[what, " must be a function"].concat()))
}

/// Registers with `add(driver, id)` and returns the function removing exactly this
/// registration (harmless after `free()` and when repeated).
pub(super) fn add_listener(driver: &Driver, add: impl FnOnce(&Driver, ListenerId)) -> Function {
    if driver.is_freed() {
        return noop();
    }
    let id = driver.next_listener_id();
    add(driver, id);
    driver.handles.function(Slot::Remove).bind1(&JsValue::NULL, &JsValue::from(id.0 as f64)).unchecked_into()
}

/// A function that does nothing: what a freed transport hands out as an unsubscribe.
pub(super) fn noop() -> Function {
    thread_local! {
        static NOOP: Function = Closure::<dyn Fn()>::new(|| {}).into_js_value().unchecked_into();
    }
    NOOP.with(Function::clone)
}
