//! `WebSocketTransport`, the class JavaScript sees: argument checking, then the core, then the
//! executor (see shared.rs for the re-entrancy rules every method keeps).

use alloc::rc::Rc;

use js_sys::{Function, JsString, Promise};
use wasm_bindgen::prelude::*;

use super::events;
use super::js;
use super::options::{read_options, whole_number};
use super::shared::{add_to_list, require_function, unsubscriber, Shared};
use super::signals::BrowserSignals;
use crate::core::close_policy::{is_valid_client_close_code, NORMAL_CLOSURE};
use crate::core::errors::ErrorFields;
use crate::core::text::Text;
use crate::core::{Connection, ErrorKind, SendOutcome, Status};
use crate::prelude::*;

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
        // read_options has validated the config; this cannot fail, but must not panic either.
        let core = Connection::new(config, js::random_seed() as u64).map_err(|e| js::range_error(e.option))?;
        let shared = Shared::new(core, web_options);
        if !js::is_online() {
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
        let parts = js::deferred();
        let promise: Promise = parts.get(0).unchecked_into();
        if shared.freed.get() {
            let error = js::make_error(0, "connect(): this transport was freed");
            let _ = parts.get(2).unchecked_into::<Function>().call1(&JsValue::UNDEFINED, &error);
            return promise;
        }
        if shared.core.borrow().status() == Status::Connected {
            let _ = parts.get(1).unchecked_into::<Function>().call0(&JsValue::UNDEFINED);
            return promise;
        }
        shared.pending_connects.borrow_mut().push((parts.get(1).unchecked_into(), parts.get(2).unchecked_into()));
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
                Some(_) => return Err(js::range_error("disconnect(code): code must be 1000 or in 3000-4999")),
                None => return Err(js::type_error("disconnect(code): code must be a number")),
            }
        };
        let reason = if reason.is_undefined() {
            String::new()
        } else {
            reason.as_string().ok_or_else(|| js::type_error("disconnect(code, reason): reason must be a string"))?
        };
        if reason.len() > 123 {
            return Err(js::range_error("disconnect(code, reason): reason must be at most 123 bytes of UTF-8"));
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
            Err(Text::new("a value of this type cannot be sent as JSON"))
        } else {
            match js::json_stringify(&message) {
                Ok(text) if text.is_string() => Ok(text),
                Ok(_) => Err(Text::new("JSON.stringify returned nothing for this value")),
                Err(thrown) => Err(Text::new(&js::thrown_message(&thrown))),
            }
        };
        let outcome = match frame {
            Ok(frame) => {
                let units = frame.unchecked_ref::<JsString>().length() as usize;
                shared.core.borrow_mut().send(frame, units, js::utf8_length, js::now())
            }
            Err(problem) => {
                let message = Text::new("send(): ").s(&problem.done()).s("; dropped").done();
                shared.core.borrow_mut().report_error(ErrorKind::Serialize, message, ErrorFields::default(), None);
                SendOutcome::Dropped
            }
        };
        shared.pump();
        JsValue::from_str(outcome.as_str())
    }

    /// Calls `listener(message)` for server messages whose type field equals `type` (`'*'`: all).
    /// Returns a function that removes exactly this registration.
    pub fn on(&self, message_type: JsValue, listener: JsValue) -> Result<JsValue, JsValue> {
        let message_type = message_type.as_string().ok_or_else(|| js::type_error("on(type, listener): type must be a string"))?;
        let listener = require_function(listener, "on(type, listener): listener")?;
        let id = self.shared.message_listeners.borrow_mut().add(&message_type, listener);
        Ok(unsubscriber(Rc::downgrade(&self.shared), move |s| {
            s.message_listeners.borrow_mut().remove(&message_type, id);
        }))
    }

    /// Removes the earliest registration of `listener` for `type`.
    pub fn off(&self, message_type: JsValue, listener: JsValue) -> Result<bool, JsValue> {
        let message_type = message_type.as_string().ok_or_else(|| js::type_error("off(type, listener): type must be a string"))?;
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

    /// `subscribe(listener)`: called (with no arguments) whenever the snapshot changes. Bound.
    #[wasm_bindgen(getter)]
    pub fn subscribe(&self) -> JsValue {
        self.shared.bound_subscribe.clone()
    }

    /// `getSnapshot()`: the same frozen object until something in it changes. Bound.
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

    /// `free()`: closes the socket, cancels the timer, removes every listener, at once.
    ///
    /// This replaces the `free()` wasm-bindgen generates (the build removes that one, see
    /// scripts/tidy-bindings.mjs), so that an explicit `free()` and the garbage collector's
    /// finalizer can differ: the object's memory is reclaimed by the finalizer in both cases, but
    /// only `free()` ends a live connection (see `Drop`). Methods called after it are harmless:
    /// `send` drops, `connect` rejects, the status stays as it was left.
    #[wasm_bindgen(js_name = free)]
    pub fn release(&self) {
        self.shared.shutdown();
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
            s.notifications.len() as f64,
            wasm_bindgen::externref_heap_live_count() as f64,
        ])
    }
}

impl Drop for WebSocketTransport {
    /// Runs when the garbage collector takes the JS object (`free()` has released everything
    /// already by then, see `free` above).
    fn drop(&mut self) {
        self.shared.orphan();
    }
}
