//! The hot path: one inbound frame, parsed by the browser's JSON parser, routed by the core, and
//! handed to the listeners of its type as the JS value it is (no copy into Rust, no serde).
//!
//! Per message: one clock read, the frame's length, `JSON.parse`, one property read for the
//! type, one `Map.get` to find the type's interned text, the core's two checks, and one call per
//! listener. Nothing is allocated.

use std::rc::Rc;

use js_sys::JsString;
use wasm_bindgen::{JsCast, JsValue};

use super::clock;
use super::driver::{Driver, TypeNames, MAX_INTERNED_TYPES};
use super::{frame, js};
use super::listener::{Listener, MessageListener};
use crate::core::{ErrorKind, FrameVerdict, Route};
use crate::prelude::*;

impl Driver {
    pub fn on_frame(&self, data: JsValue) {
        if self.is_freed() {
            return;
        }
        let now = clock::now();
        let Some(units) = frame::text_length(&data) else {
            let bytes = frame::binary_length(&data);
            self.report(|core, now| core.handle_binary_frame(bytes, now));
            return;
        };
        let text: &JsString = data.unchecked_ref();
        let verdict = self.core.borrow_mut().handle_text_frame(units as usize, || frame::utf8_length(text), now);
        if verdict == FrameVerdict::Parse {
            match self.read_message(text) {
                Ok((message, name)) => {
                    let mut route = self.core.borrow_mut().handle_message_type(&name, now);
                    // Without resume (and no message waiting for an ack) this reads nothing more.
                    if route != Route::Dispatch || self.core.borrow().tracks_sequence() {
                        route = self.follow_resume_protocol(route, &message, now);
                    }
                    if route == Route::Dispatch {
                        self.dispatch(&name, &message);
                    }
                }
                Err(problem) => {
                    let message = problem + "; skipped";
                    self.core.borrow_mut().report_error(ErrorKind::Parse, message, Default::default(), Some(data));
                }
            }
        }
        self.pump();
    }

    /// The message in a text frame and the text of its type, or why it is not a message. The
    /// type's text is an `Rc`, so no borrow of the table is held while listeners run.
    fn read_message(&self, text: &JsString) -> Result<(JsValue, Rc<str>), String> {
        let mut types = self.types.borrow_mut();
        let types = types.get_or_insert_with(|| TypeNames {
            type_field: JsString::from(self.settings.borrow().type_field.as_str()),
            ids: js_sys::Map::new().unchecked_into(),
            names: Vec::new(),
        });
        let (message, message_type) = frame::parse(text, &types.type_field)?;
        // A known type needs no check that it is a string: only strings were put in the map.
        if let Some(id) = types.ids.get(&message_type) {
            return Ok((message, types.names[id as usize].clone()));
        }
        let Some(name) = message_type.as_string() else { return Err(frame::not_a_message(&message, &types.type_field)) };
        let name: Rc<str> = Rc::from(name);
        if types.names.len() < MAX_INTERNED_TYPES {
            types.ids.set(&message_type, &JsValue::from(types.names.len() as f64));
            types.names.push(name.clone());
        }
        Ok((message, name))
    }

    /// Typed listeners in the order they were added, then `'*'` listeners; a listener removed
    /// meanwhile is skipped, one added meanwhile waits for the next message.
    fn dispatch(&self, message_type: &str, message: &JsValue) {
        let (typed, wildcard) = self.messages.borrow().targets(message_type);
        let mut call = |listener: &MessageListener| match listener {
            Listener::Js(function) => {
                if let Err(thrown) = js::call1(function, message) {
                    self.report_listener_error(&["a listener for '", message_type, "'"].concat(), thrown);
                }
            }
            Listener::Rust(listener) => listener(message),
        };
        if let Some(typed) = &typed {
            self.each_active(typed, &mut call);
        }
        self.each_active(&wildcard, call);
    }
}
