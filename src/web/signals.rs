//! The browser's signals about connectivity: `online` / `offline`, and a hidden tab becoming
//! visible (background tabs throttle timers, so deadlines must be checked at once).

use js_sys::{Function, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::EventTarget;

pub struct SignalHandlers {
    pub on_online: Function,
    pub on_offline: Function,
    pub on_visibility: Function,
}

/// Listeners attached to the global scope and the document, removed on `free()`.
pub struct BrowserSignals {
    global: Option<EventTarget>,
    document: Option<EventTarget>,
    handlers: SignalHandlers,
}

impl BrowserSignals {
    /// Listens where the environment allows (workers have no document; Node has neither).
    pub fn attach(handlers: SignalHandlers) -> Self {
        let global_object = js_sys::global();
        let global = global_object.dyn_ref::<EventTarget>().cloned();
        if let Some(target) = &global {
            let _ = target.add_event_listener_with_callback("online", &handlers.on_online);
            let _ = target.add_event_listener_with_callback("offline", &handlers.on_offline);
        }
        let document = Reflect::get(&global_object, &JsValue::from_str("document"))
            .ok()
            .and_then(|d| d.dyn_into::<EventTarget>().ok());
        if let Some(document) = &document {
            let _ = document.add_event_listener_with_callback("visibilitychange", &handlers.on_visibility);
        }
        Self { global, document, handlers }
    }

    pub fn detach(&self) {
        if let Some(target) = &self.global {
            let _ = target.remove_event_listener_with_callback("online", &self.handlers.on_online);
            let _ = target.remove_event_listener_with_callback("offline", &self.handlers.on_offline);
        }
        if let Some(document) = &self.document {
            let _ = document.remove_event_listener_with_callback("visibilitychange", &self.handlers.on_visibility);
        }
    }

    /// Whether listeners are attached (leak checks count these).
    pub fn attached_count(&self) -> usize {
        self.global.as_ref().map_or(0, |_| 2) + self.document.as_ref().map_or(0, |_| 1)
    }
}

/// `navigator.onLine`, or true where there is no navigator.
pub fn browser_is_online() -> bool {
    let navigator = Reflect::get(&js_sys::global(), &JsValue::from_str("navigator")).unwrap_or(JsValue::UNDEFINED);
    if navigator.is_undefined() {
        return true;
    }
    Reflect::get(&navigator, &JsValue::from_str("onLine")).map(|v| v != JsValue::FALSE).unwrap_or(true)
}

/// Whether the page is visible (true where there is no document).
pub fn page_is_visible() -> bool {
    let document = Reflect::get(&js_sys::global(), &JsValue::from_str("document")).unwrap_or(JsValue::UNDEFINED);
    if document.is_undefined() {
        return true;
    }
    Reflect::get(&document, &JsValue::from_str("visibilityState"))
        .ok()
        .and_then(|v| v.as_string())
        .map_or(true, |state| state == "visible")
}
