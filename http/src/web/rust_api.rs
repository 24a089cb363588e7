//! `HttpAgentTransport` for Rust frontends (Leptos, Yew, Dioxus): the same transport as
//! `agentwire/http`'s, with Rust callbacks and a serde `RunAgentInput`.
//!
//! A Rust listener is wrapped in a JS function and goes in the same list as JavaScript's, so
//! order and re-entrancy rules are the same. Each registration returns a [`ListenerHandle`] that
//! removes it when dropped, as gloo's `EventListener` does. A listener must not panic (on wasm32
//! a panic cannot be caught).

use std::rc::{Rc, Weak};

use agentwire::core::listeners::ListenerId;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::js::Callback;
use super::transport::{HttpAgentTransport, Shared};

/// Which list a registration is in.
#[derive(Clone, Copy)]
enum List {
    Messages,
    Statuses,
    Errors,
}

/// Keeps one listener registered; dropping it removes the listener (and frees its closure).
#[must_use = "the listener is removed when this handle is dropped; keep it, or call `forget`"]
pub struct ListenerHandle {
    shared: Weak<Shared>,
    id: ListenerId,
    list: List,
    _closure: JsValue,
}

impl ListenerHandle {
    /// Keeps the listener for the transport's whole life.
    pub fn forget(self) {
        core::mem::forget(self);
    }
}

impl Drop for ListenerHandle {
    fn drop(&mut self) {
        let Some(shared) = self.shared.upgrade() else { return };
        match self.list {
            List::Messages => {
                shared.messages.borrow_mut().remove_id(self.id);
            }
            List::Statuses => {
                shared.statuses.borrow_mut().remove(self.id);
            }
            List::Errors => {
                shared.errors.borrow_mut().remove(self.id);
            }
        }
    }
}

/// A status change: `idle`, `connecting`, `connected`, `reconnecting`, `finished` or `closed`,
/// and the request's number in this run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpStatusEvent {
    pub status: String,
    pub attempt: u32,
}

/// An error event: its kind (`connection_failed`, `rejected`, `max_attempts`, `parse`,
/// `listener`) and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpErrorEvent {
    pub kind: String,
    pub message: String,
}

fn field(value: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(value, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// # Rust API
impl HttpAgentTransport {
    /// Starts a run: `input` is a `RunAgentInput` (`threadId`, `runId`, `messages`, …; name
    /// your struct's fields in camelCase), serialised as JSON objects. A run under way is aborted.
    pub fn start<T: Serialize + ?Sized>(&self, input: &T) -> Result<(), JsValue> {
        let serializer = serde_wasm_bindgen::Serializer::json_compatible();
        let value = input.serialize(&serializer).map_err(JsValue::from)?;
        self.run(value)
    }

    /// Puts `closure` in `list` (a message listener under `message_type`).
    fn register(&self, list: List, message_type: &str, closure: JsValue) -> ListenerHandle {
        let id = self.shared.next_id();
        let callback: Callback = closure.clone().unchecked_into();
        match list {
            List::Messages => self.shared.messages.borrow_mut().add(message_type, id, callback),
            List::Statuses => self.shared.statuses.borrow_mut().add(id, callback),
            List::Errors => self.shared.errors.borrow_mut().add(id, callback),
        }
        ListenerHandle { shared: Rc::downgrade(&self.shared), id, list, _closure: closure }
    }

    /// Calls `listener` with each event whose type field is `message_type` (`"*"`: every event),
    /// as the JS value it is.
    pub fn on_message(&self, message_type: &str, listener: impl Fn(&JsValue) + 'static) -> ListenerHandle {
        let closure = Closure::<dyn Fn(JsValue)>::new(move |event: JsValue| listener(&event));
        self.register(List::Messages, message_type, closure.into_js_value())
    }

    /// Calls `listener` after each status change (from a microtask, as for JS listeners).
    pub fn on_status_change(&self, listener: impl Fn(&HttpStatusEvent) + 'static) -> ListenerHandle {
        let closure = Closure::<dyn Fn(JsValue)>::new(move |event: JsValue| {
            listener(&HttpStatusEvent {
                status: field(&event, "status").as_string().unwrap_or_default(),
                attempt: field(&event, "attempt").as_f64().unwrap_or(0.0) as u32,
            })
        });
        self.register(List::Statuses, "", closure.into_js_value())
    }

    /// Calls `listener` with each error event.
    pub fn on_error_event(&self, listener: impl Fn(&HttpErrorEvent) + 'static) -> ListenerHandle {
        let closure = Closure::<dyn Fn(JsValue)>::new(move |event: JsValue| {
            listener(&HttpErrorEvent {
                kind: field(&event, "kind").as_string().unwrap_or_default(),
                message: field(&event, "message").as_string().unwrap_or_default(),
            })
        });
        self.register(List::Errors, "", closure.into_js_value())
    }
}
