//! The hot path: one inbound frame, parsed by the browser's JSON parser, routed by the core, and
//! handed to the listeners of its type as the JS value it is (no copy into Rust).
//!
//! In the common case a message costs one call into glue.js (readFrame: size, parse, type as an
//! interned id), one clock read, one call for the parsed message, and one call per listener.
//! Frames too long to be within `maxMessageBytes` whatever they contain wait for the core's
//! exact size check before they are parsed.

use alloc::rc::Rc;

use wasm_bindgen::JsValue;

use super::frame::{describe, frame_kind, FrameKind};
use super::js;
use super::shared::Shared;
use crate::core::errors::ErrorFields;
use crate::core::text::Text;
use crate::core::{ErrorKind, FrameVerdict, Route};

impl Shared {
    pub fn on_message(self: &Rc<Self>, event: JsValue) {
        let (size, mut kind) = describe(js::read_frame(&event, &self.options.type_field, self.quick_parse_limit));
        let now = js::now();
        if kind == FrameKind::Binary {
            self.core.borrow_mut().handle_binary_frame(size, now);
            self.pump();
            return;
        }
        let verdict = self.core.borrow_mut().handle_text_frame(size, js::frame_utf8_length, now);
        if verdict != FrameVerdict::Parse {
            self.pump();
            return;
        }
        if kind == FrameKind::NeedsSizeCheck {
            kind = frame_kind(js::parse_frame(&self.options.type_field) as i64);
        }
        let message_type: Rc<str> = match kind {
            FrameKind::Typed(id) => self.type_name(id),
            FrameKind::UninternedType => Rc::from(js::frame_type_text()),
            _ => return self.report_parse_error(),
        };
        if self.core.borrow_mut().handle_message_type(&message_type, now) == Route::Dispatch {
            self.dispatch(&message_type, &js::frame_message());
        }
        self.pump();
    }

    /// The text of an interned type id, fetched from glue.js the first time this transport
    /// meets it. An `Rc` so no borrow of the cache is held while listeners run.
    fn type_name(&self, id: u32) -> Rc<str> {
        let index = id as usize;
        if let Some(Some(name)) = self.type_names.borrow().get(index) {
            return name.clone();
        }
        let name: Rc<str> = Rc::from(js::type_name(id));
        let mut names = self.type_names.borrow_mut();
        if names.len() <= index {
            names.resize(index + 1, None);
        }
        names[index] = Some(name.clone());
        name
    }

    fn report_parse_error(self: &Rc<Self>) {
        let problem = js::frame_problem();
        let message = Text::new(&problem.get(0).as_string().unwrap_or_default()).s("; skipped").done();
        self.core.borrow_mut().report_error(ErrorKind::Parse, message, ErrorFields::default(), Some(problem.get(1)));
        self.pump();
    }

    /// Typed listeners in the order they were added, then `'*'` listeners; a listener removed
    /// meanwhile is skipped, one added meanwhile waits for the next message.
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
                let who = Text::new("a listener for '").s(message_type).s("'").done();
                self.report_listener_error(&who, thrown);
            }
        }
    }
}
