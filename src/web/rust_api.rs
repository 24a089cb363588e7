//! `WebSocketTransport` for Rust frontends (Leptos, Yew, Dioxus): the same transport as the npm
//! package's, with Rust callbacks and Rust types instead of JS functions and JS objects.
//!
//! Listeners registered here go in the same lists as JavaScript's, so order and re-entrancy
//! rules are the same; each registration returns a [`ListenerHandle`] that removes it when
//! dropped, as gloo's `EventListener` does.
//!
//! A Rust listener must not panic. A JS listener that throws is reported (`listener`) and the
//! others still run, but on wasm32 a panic cannot be caught: it aborts that dispatch (the
//! listeners after it miss the message) and the module's state is whatever the panic left.
//! Report problems from a listener by other means, e.g. a signal of your own.

use std::rc::{Rc, Weak};

use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::JsValue;

use super::driver::Driver;
use super::listener::{ErrorListener, MessageListener, StatusListener, Subscriber};
use super::options::{Options, OptionsError};
use super::transport::{stringify, WebSocketTransport};
use crate::core::close_policy::is_valid_client_close_code;
use crate::core::errors::ErrorFields;
use crate::core::listeners::ListenerId;
use crate::core::{ErrorKind, SendOutcome, Snapshot, Stats, Status, StatusChange};
use crate::prelude::*;

/// An error event: what went wrong, the numbers that come with it, and the JS value it carries
/// (the frame that did not parse, what a listener threw, the message a full queue dropped).
pub type TransportError = crate::core::ErrorEvent<JsValue>;

/// Keeps one listener registered; dropping it removes the listener.
#[must_use = "the listener is removed when this handle is dropped; keep it, or call `forget`"]
pub struct ListenerHandle {
    driver: Weak<Driver>,
    id: ListenerId,
}

impl ListenerHandle {
    /// Keeps the listener for the transport's whole life.
    pub fn forget(self) {
        core::mem::forget(self);
    }
}

impl Drop for ListenerHandle {
    fn drop(&mut self) {
        if let Some(driver) = self.driver.upgrade() {
            driver.remove_listener(self.id);
        }
    }
}

/// # Rust API
impl WebSocketTransport {
    /// A transport in status `idle`; `connect()` (or [`connected`](Self::connected)) starts it.
    pub fn with_options(options: Options) -> Result<Self, OptionsError> {
        let (config, settings) = options.settings()?;
        Ok(Self { driver: Driver::new(config, settings)? })
    }

    /// Connects, and resolves once connected; fails if the transport ends in `disconnected` or
    /// `error` first. The transport keeps reconnecting after that, whether or not this is awaited.
    pub async fn connected(&self) -> Result<(), JsValue> {
        wasm_bindgen_futures::JsFuture::from(self.connect()).await.map(drop)
    }

    /// Closes on purpose with `code` (1000 or 3000-4999) and `reason` (at most 123 bytes); no
    /// reconnect until `connect()`. Queued messages are discarded.
    pub fn close(&self, code: u16, reason: &str) -> Result<(), &'static str> {
        if !is_valid_client_close_code(code) {
            return Err("disconnect(code): code must be 1000 or in 3000-4999");
        }
        if reason.len() > 123 {
            return Err("disconnect(code, reason): reason must be at most 123 bytes of UTF-8");
        }
        #[cfg(feature = "share")]
        if let Some(share) = self.driver.share() {
            self.driver.leave_shared(&share, ErrorKind::Disconnected);
        }
        self.driver.stop(code, reason);
        Ok(())
    }

    /// Sends a text frame as it is.
    pub fn send_text(&self, text: &str) -> SendOutcome {
        self.send_frame(text.into())
    }

    /// Sends `message` as JSON (serde-wasm-bindgen, then `JSON.stringify`). A value that cannot
    /// be written is reported (`serialize`) and dropped.
    pub fn send_json<T: Serialize + ?Sized>(&self, message: &T) -> SendOutcome {
        let frame = message
            .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
            .map_err(|e| e.to_string())
            .and_then(|value| stringify(&value));
        match frame {
            Ok(frame) => self.send_frame(frame),
            Err(problem) => self.refuse_to_send(&problem),
        }
    }

    /// Sends `message` as JSON with an idempotency id in its `ackIdField` (generated if absent),
    /// now, and returns a future of the server's ack; it fails with the `Error` whose `kind` says
    /// why the message will not be acknowledged (see the JS `sendWithAck`). `timeout_ms`: `None`
    /// for the default, 30 s. The message is on its way whether or not the future is awaited.
    pub fn send_with_ack<T: Serialize + ?Sized>(
        &self,
        message: &T,
        timeout_ms: Option<f64>,
    ) -> impl core::future::Future<Output = Result<JsValue, JsValue>> + 'static {
        let sent = message
            .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
            .map_err(|e| super::resume::ack_error(ErrorKind::Serialize, &[&e.to_string(), "; not sent"].concat()))
            .and_then(|value| {
                let options = js_sys::Object::new();
                if let Some(ms) = timeout_ms {
                    let _ = js_sys::Reflect::set(&options, &"timeoutMs".into(), &ms.into());
                }
                self.send_with_ack_promise(value, options.into())
            });
        async move { wasm_bindgen_futures::JsFuture::from(sent?).await }
    }

    /// Calls `listener` with each message whose type is `message_type` (`"*"`: every message,
    /// after the listeners of its type), as the JS value `JSON.parse` made of it.
    pub fn on_message(&self, message_type: &str, listener: impl Fn(&JsValue) + 'static) -> ListenerHandle {
        let listener: Rc<dyn Fn(&JsValue)> = Rc::new(listener);
        self.register(|d, id| d.messages.borrow_mut().add(message_type, id, MessageListener::Rust(listener)))
    }

    /// Like [`on_message`](Self::on_message), with each message deserialised into `T`
    /// (serde-wasm-bindgen). A message that does not fit `T` is reported (`parse`) and skipped.
    pub fn on_json<T: DeserializeOwned + 'static>(&self, message_type: &str, listener: impl Fn(T) + 'static) -> ListenerHandle {
        let driver = Rc::downgrade(&self.driver);
        let name = message_type.to_owned();
        self.on_message(message_type, move |message| match serde_wasm_bindgen::from_value::<T>(message.clone()) {
            Ok(typed) => listener(typed),
            Err(error) => {
                if let Some(driver) = driver.upgrade() {
                    let text = ["a '", &name, "' message does not fit the listener's type (", &error.to_string(), "); skipped"].concat();
                    driver.report(|core, _| core.report_error(ErrorKind::Parse, text, ErrorFields::default(), Some(message.clone())));
                }
            }
        })
    }

    /// Calls `listener` with every status change (from a microtask, like JS's `onStatus`).
    pub fn on_status_change(&self, listener: impl Fn(&StatusChange) + 'static) -> ListenerHandle {
        let listener: Rc<dyn Fn(&StatusChange)> = Rc::new(listener);
        self.register(|d, id| d.statuses.borrow_mut().add(id, StatusListener::Rust(listener)))
    }

    /// Calls `listener` with every error event (from a microtask, like JS's `onError`).
    pub fn on_error_event(&self, listener: impl Fn(&TransportError) + 'static) -> ListenerHandle {
        let listener: Rc<dyn Fn(&TransportError)> = Rc::new(listener);
        self.register(|d, id| d.errors.borrow_mut().add(id, ErrorListener::Rust(listener)))
    }

    /// Calls `listener` whenever [`snapshot`](Self::snapshot) changes (not per message): the
    /// hook for a Leptos signal or a Yew state.
    pub fn on_snapshot_change(&self, listener: impl Fn() + 'static) -> ListenerHandle {
        let listener: Rc<dyn Fn()> = Rc::new(listener);
        self.register(|d, id| d.subscribers.borrow_mut().add(id, Subscriber::Rust(listener)))
    }

    /// Status, attempt, queue length, latency, last error and close, and so on.
    pub fn snapshot(&self) -> Snapshot {
        self.driver.core.borrow().snapshot().clone()
    }

    pub fn current_status(&self) -> Status {
        self.driver.status()
    }

    pub fn counters(&self) -> Stats {
        self.driver.core.borrow().stats().clone()
    }

    fn register(&self, add: impl FnOnce(&Driver, ListenerId)) -> ListenerHandle {
        let id = self.driver.next_listener_id();
        if !self.driver.is_freed() {
            add(&self.driver, id);
        }
        ListenerHandle { driver: Rc::downgrade(&self.driver), id }
    }
}
