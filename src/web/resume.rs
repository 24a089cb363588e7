//! The resume protocol in the browser (PROTOCOL.md): writing `resume`, reading `welcome`, `ack`
//! and each event's `seq`, and settling `sendWithAck` promises. It only moves values: what
//! they mean is the core's (`handle_welcome`, `handle_ack`, `handle_event_seq`).
//!
//! Kept apart from `inbound.rs`: without resume, and with no message waiting for an ack, the
//! per-message path never comes here.

use js_sys::{Function, JsString};
use wasm_bindgen::{JsCast, JsValue};

use super::driver::Driver;
use super::js;
use crate::core::resume::{PROTOCOL_VERSION, RESUME_TYPE};
use crate::core::{AckKey, ErrorKind, Route, Welcome};

/// The property names read from protocol frames, made once per transport (and dropped by
/// `free()`), so reading an event's `seq` costs one property read and no string.
pub struct ProtocolNames {
    seq: JsString,
    ack_id: JsString,
}

/// A `sendWithAck` promise waiting for the core to settle message `key`.
pub struct PendingAck {
    pub key: AckKey,
    pub resolve: Function,
    pub reject: Function,
    /// Another tab's (`share`): its settle functions post the outcome to that tab.
    #[cfg_attr(not(feature = "share"), allow(dead_code))]
    pub remote: bool,
}

impl Driver {
    /// Carries a message the core routed to the protocol (or, on a sequenced connection, any
    /// event) to the core; returns where it goes next.
    pub(super) fn follow_resume_protocol(&self, route: Route, message: &JsValue, now: f64) -> Route {
        let (seq, ack_id) = self.with_protocol_names(|names| {
            let frame = message.unchecked_ref::<js::Parsed>();
            match route {
                Route::Dispatch => (frame.get(&names.seq), JsValue::UNDEFINED),
                Route::Ack => (JsValue::UNDEFINED, frame.get(&names.ack_id)),
                _ => (JsValue::UNDEFINED, JsValue::UNDEFINED),
            }
        });
        match route {
            Route::Dispatch => {
                // A `seq` that is present but not a number reaches the core as NaN, to be reported.
                let seq = (!seq.is_undefined() && !seq.is_null()).then(|| seq.as_f64().unwrap_or(f64::NAN));
                self.core.borrow_mut().handle_event_seq(seq)
            }
            Route::Welcome => {
                let welcome = read_welcome(message);
                self.core.borrow_mut().handle_welcome(welcome, now);
                Route::Consumed
            }
            Route::Ack => {
                // The id comes back under the client's `ackIdField`; servers written against the
                // protocol's examples answer with `id`.
                let id = ack_id.as_string().or_else(|| field(message, "id").as_string());
                self.core.borrow_mut().handle_ack(id.as_deref(), message)
            }
            Route::Consumed => Route::Consumed,
        }
    }

    fn with_protocol_names<R>(&self, read: impl FnOnce(&ProtocolNames) -> R) -> R {
        let mut names = self.protocol_names.borrow_mut();
        let names = names.get_or_insert_with(|| ProtocolNames {
            seq: JsString::from("seq"),
            ack_id: JsString::from(self.settings.borrow().ack_id_field.as_str()),
        });
        read(names)
    }

    /// The `resume` frame asking to continue `session` after `after`.
    pub(super) fn resume_frame(&self, session: Option<&str>, after: u64) -> Option<JsString> {
        let frame = js_sys::Object::new();
        let session = session.map_or(JsValue::NULL, JsValue::from_str);
        let type_field = JsValue::from_str(&self.settings.borrow().type_field);
        for (key, value) in [
            (type_field, JsValue::from_str(RESUME_TYPE)),
            ("v".into(), f64::from(PROTOCOL_VERSION).into()),
            ("session".into(), session),
            ("after".into(), (after as f64).into()),
        ] {
            let _ = js_sys::Reflect::set(&frame, &key, &value);
        }
        js::json_stringify(&frame).ok().flatten()
    }

    pub(super) fn add_pending_ack(&self, pending: PendingAck) {
        self.pending_acks.borrow_mut().push(pending);
    }

    /// Resolves the promise of message `key` with the server's ack.
    pub(super) fn settle_ack(&self, key: AckKey, ack: &JsValue) {
        if let Some(pending) = self.take_pending_ack(key) {
            // Settling a promise runs no user code now; its reactions are microtasks.
            let _ = js::call1(&pending.resolve, ack);
        }
    }

    /// Rejects the promise of message `key` with an `Error` whose `kind` says why.
    pub(super) fn fail_ack(&self, key: AckKey, kind: ErrorKind, message: &str) {
        if let Some(pending) = self.take_pending_ack(key) {
            let _ = js::call1(&pending.reject, &ack_error(kind, message));
        }
    }

    pub(super) fn take_pending_ack(&self, key: AckKey) -> Option<PendingAck> {
        let mut pending = self.pending_acks.borrow_mut();
        let at = pending.iter().position(|p| p.key == key)?;
        Some(pending.remove(at))
    }
}

/// The `Error` a `sendWithAck` promise rejects with: `error.kind` is one of the error kinds.
pub fn ack_error(kind: ErrorKind, message: &str) -> JsValue {
    let error = js::error(js::Thrown::Error, &["sendWithAck(): ", message].concat());
    let _ = js_sys::Reflect::set(&error, &"kind".into(), &kind.as_str().into());
    error
}

fn field(message: &JsValue, name: &str) -> JsValue {
    message.unchecked_ref::<js::Parsed>().get(&JsString::from(name))
}

fn read_welcome(message: &JsValue) -> Welcome {
    Welcome {
        session: field(message, "session").as_string(),
        resumed: field(message, "resumed").as_bool() == Some(true),
        reason: field(message, "reason").as_string(),
    }
}
