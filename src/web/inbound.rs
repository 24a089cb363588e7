//! The hot path: one inbound frame, parsed by the browser's JSON parser, routed by the core, and
//! handed to the listeners of its type as the JS value it is (no copy into Rust, no serde).
//!
//! Per message, for frames short enough that the core's size limit cannot be in question (almost
//! all of them): one clock read, one call into JS that reads the frame, parses it and looks its
//! type up in the table of interned types (`frame_reader`), the core's checks, and one call per
//! listener. The message itself stays in JS unless Rust needs it. Longer frames and binary ones
//! take the path where the core sees the size first (`on_unread_frame`). Nothing is allocated.

use std::rc::Rc;

use js_sys::JsString;
use wasm_bindgen::{JsCast, JsValue};

use super::clock;
use super::driver::{Driver, TypeNames, MAX_INTERNED_TYPES};
use super::frame_reader::{self, Content, Dispatching, Read};
use super::listener::{Listener, MessageListener};
use super::{frame, js};
use crate::core::{ErrorKind, FrameVerdict, Route};
use crate::prelude::*;

/// Where the message being dispatched is: still in JS (`frame_reader`'s current message), or
/// held by Rust.
#[derive(Clone, Copy)]
enum Message<'a> {
    Current,
    Held(&'a JsValue),
}

impl Driver {
    pub fn on_frame(&self, data: JsValue) {
        if self.is_freed() {
            return;
        }
        let now = clock::now();
        if Dispatching::active() {
            return self.on_unread_frame(data, now);
        }
        let read = {
            let quick_limit = self.core.borrow().quick_parse_limit();
            self.with_type_names(|types| frame_reader::read(&data, quick_limit, &types.type_field, &types.ids))
        };
        let Read::Text { units, content } = read else { return self.on_unread_frame(data, now) };
        // Within the quick-parse limit the exact size is never asked for.
        let verdict = self.core.borrow_mut().handle_text_frame(units, || frame::utf8_length(data.unchecked_ref()), now);
        if verdict == FrameVerdict::Parse {
            let problem = match content {
                Content::Interned(id) => Ok(self.with_type_names(|types| types.names[id as usize].clone())),
                Content::NewType => {
                    let text = self.with_type_names(|types| frame_reader::message_type(&types.type_field));
                    Ok(self.intern(&text, text.as_string().unwrap_or_default()))
                }
                Content::NotJson => Err(frame::not_json(&frame_reader::thrown())),
                Content::NotAnObject => Err(frame::NOT_AN_OBJECT.into()),
                Content::NoTypeField => Err(self.with_type_names(|types| frame::no_type_field(&types.type_field))),
            };
            match problem {
                Ok(name) => self.route(&name, Message::Current, &data, now),
                Err(problem) => self.report_unparsed(problem, data),
            }
        }
        self.pump();
    }

    /// A binary frame, or a text frame too long to parse before the core has seen its size.
    fn on_unread_frame(&self, data: JsValue, now: f64) {
        let Some(units) = frame::text_length(&data) else {
            let bytes = frame::binary_length(&data);
            self.report(|core, now| core.handle_binary_frame(bytes, now));
            return;
        };
        let text: &JsString = data.unchecked_ref();
        let verdict = self.core.borrow_mut().handle_text_frame(units as usize, || frame::utf8_length(text), now);
        if verdict == FrameVerdict::Parse {
            match self.read_message(text) {
                Ok((message, name)) => self.route(&name, Message::Held(&message), &data, now),
                Err(problem) => self.report_unparsed(problem, data),
            }
        }
        self.pump();
    }

    fn report_unparsed(&self, problem: String, frame: JsValue) {
        let message = problem + "; skipped";
        self.core.borrow_mut().report_error(ErrorKind::Parse, message, Default::default(), Some(frame));
    }

    /// The core decides what the message is (an event to dispatch, or the resume protocol's).
    fn route(&self, name: &str, message: Message<'_>, frame: &JsValue, now: f64) {
        let mut route = self.core.borrow_mut().handle_message_type(name, now);
        // Without resume (and no message waiting for an ack) this reads nothing more.
        if route != Route::Dispatch || self.core.borrow().tracks_sequence() {
            route = match message {
                Message::Held(held) => self.follow_resume_protocol(route, held, now),
                Message::Current => self.follow_resume_protocol(route, &frame_reader::message(), now),
            };
        }
        if route == Route::Dispatch {
            #[cfg(feature = "share")]
            self.relay_message(frame);
            self.dispatch(name, message);
        }
        let _ = frame;
    }

    /// `share`, in a follower tab: an event the leader relayed (its frame's text), for this
    /// tab's listeners.
    #[cfg(feature = "share")]
    pub(super) fn deliver_relayed(&self, text: &JsString) {
        match self.read_message(text) {
            Ok((message, name)) => self.dispatch(&name, Message::Held(&message)),
            Err(problem) => self.report_unparsed(problem, text.into()),
        }
        self.pump();
    }

    /// The table of interned types, made with the first frame (a transport that never
    /// connected holds no `JsValue`). No listener runs while it is borrowed.
    fn with_type_names<R>(&self, read: impl FnOnce(&TypeNames) -> R) -> R {
        let mut types = self.types.borrow_mut();
        let types = types.get_or_insert_with(|| TypeNames {
            type_field: JsString::from(self.settings.borrow().type_field.as_str()),
            ids: js_sys::Map::new().unchecked_into(),
            names: Vec::new(),
        });
        read(types)
    }

    /// The `Rc` text of a type seen for the first time, interned while the table has room.
    fn intern(&self, message_type: &JsValue, name: String) -> Rc<str> {
        let name: Rc<str> = Rc::from(name);
        let mut types = self.types.borrow_mut();
        if let Some(types) = types.as_mut().filter(|types| types.names.len() < MAX_INTERNED_TYPES) {
            types.ids.set(message_type, &JsValue::from(types.names.len() as f64));
            types.names.push(name.clone());
        }
        name
    }

    /// The message in a text frame and the text of its type, or why it is not a message. The
    /// type's text is an `Rc`, so no borrow of the table is held while listeners run.
    fn read_message(&self, text: &JsString) -> Result<(JsValue, Rc<str>), String> {
        let (message, message_type, known) = self.with_type_names(|types| {
            let (message, message_type) = frame::parse(text, &types.type_field)?;
            // A known type needs no check that it is a string: only strings were put in the map.
            let known = types.ids.get(&message_type).map(|id| types.names[id as usize].clone());
            if known.is_none() && !message_type.is_string() {
                return Err(frame::not_a_message(&message, &types.type_field));
            }
            Ok((message, message_type, known))
        })?;
        let name = match known {
            Some(name) => name,
            None => {
                let text = message_type.as_string().unwrap_or_default();
                self.intern(&message_type, text)
            }
        };
        Ok((message, name))
    }

    /// Typed listeners in the order they were added, then `'*'` listeners; a listener removed
    /// meanwhile is skipped, one added meanwhile waits for the next message.
    fn dispatch(&self, message_type: &str, message: Message<'_>) {
        let (typed, wildcard) = self.messages.borrow().targets(message_type);
        let _dispatching = matches!(message, Message::Current).then(Dispatching::begin);
        // Brought into wasm only for a Rust listener, once.
        let mut held = None;
        let mut call = |listener: &MessageListener| match listener {
            Listener::Js(function) => {
                let called = match message {
                    Message::Current => frame_reader::call_with_message(function.unchecked_ref()),
                    Message::Held(value) => js::call1(function, value),
                };
                if let Err(thrown) = called {
                    self.report_listener_error(&["a listener for '", message_type, "'"].concat(), thrown);
                }
            }
            Listener::Rust(listener) => match message {
                Message::Held(value) => listener(value),
                Message::Current => listener(held.get_or_insert_with(frame_reader::message)),
            },
        };
        if let Some(typed) = &typed {
            self.each_active(typed, &mut call);
        }
        self.each_active(&wildcard, call);
    }
}
