//! The hot path: one inbound frame, measured, parsed by the browser's JSON parser, routed by the
//! core, and handed to the listeners of its type as the JS value it is (no copy into Rust).

use alloc::rc::Rc;

use js_sys::{Array, JsString};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::MessageEvent;

use super::js;
use super::shared::Shared;
use crate::core::errors::ErrorFields;
use crate::core::text::Text;
use crate::core::{ErrorKind, FrameVerdict, Route};

impl Shared {
    pub fn on_message(self: &Rc<Self>, event: MessageEvent) {
        let data = event.data();
        let now = js::now();
        if !data.is_string() {
            // binaryType is "arraybuffer".
            let bytes = data.dyn_ref::<js_sys::ArrayBuffer>().map_or(0, |buffer| buffer.byte_length());
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
            Ok(_) => return self.report_parse_error(Text::new("the frame is JSON but not an object"), data),
            Err(thrown) => {
                let problem = Text::new("the frame is not JSON (").s(&js::thrown_message(&thrown)).s(")");
                return self.report_parse_error(problem, data);
            }
        };
        let message_type = js_sys::Reflect::get(&message, &self.options.type_field).ok().and_then(|t| t.as_string());
        let Some(message_type) = message_type else {
            let field = self.options.type_field.as_string().unwrap_or_default();
            return self.report_parse_error(Text::new("the message has no string '").s(&field).s("' field"), data);
        };
        let route = self.core.borrow_mut().handle_message_type(&message_type, now);
        if route == Route::Dispatch {
            self.dispatch(&message_type, &message);
        }
        self.pump();
    }

    fn report_parse_error(self: &Rc<Self>, problem: Text, data: JsValue) {
        let message = problem.s("; skipped").done();
        self.core.borrow_mut().report_error(ErrorKind::Parse, message, ErrorFields::default(), Some(data));
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
