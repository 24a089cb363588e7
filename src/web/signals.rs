//! The browser's signals about connectivity: `online` / `offline`, and a hidden tab becoming
//! visible (background tabs throttle timers, so deadlines must be checked at once). glue.js
//! attaches the listeners where the environment has them (workers have no document, Node
//! neither) and hands back the function that removes them.

use js_sys::Function;
use wasm_bindgen::{JsCast, JsValue};

use super::js;

pub struct BrowserSignals {
    detach: Function,
    attached: usize,
}

impl BrowserSignals {
    pub fn attach(on_online: &Function, on_offline: &Function, on_visible: &Function) -> Self {
        let pair = js::attach_signals(on_online, on_offline, on_visible);
        Self {
            detach: pair.get(0).unchecked_into(),
            attached: pair.get(1).as_f64().unwrap_or(0.0) as usize,
        }
    }

    pub fn detach(&self) {
        let _ = self.detach.call0(&JsValue::UNDEFINED);
    }

    /// Listeners attached (leak checks count these).
    pub fn attached_count(&self) -> usize {
        self.attached
    }
}
