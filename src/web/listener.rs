//! A registered listener: a JS function (the npm API) or a Rust closure (the Rust API). Both go
//! in the same lists of `core::listeners`, so order and the re-entrancy rules are the same.

use std::rc::Rc;

use js_sys::Function;
use wasm_bindgen::JsValue;

pub enum Listener<R: ?Sized> {
    Js(Function),
    Rust(Rc<R>),
}

impl<R: ?Sized> Listener<R> {
    /// Whether this is the JS function `value` (for `off(type, listener)`).
    pub fn is_function(&self, value: &JsValue) -> bool {
        matches!(self, Listener::Js(function) if AsRef::<JsValue>::as_ref(function) == value)
    }
}

pub type MessageListener = Listener<dyn Fn(&JsValue)>;
pub type StatusListener = Listener<dyn Fn(&crate::core::StatusChange)>;
pub type ErrorListener = Listener<dyn Fn(&super::TransportError)>;
pub type Subscriber = Listener<dyn Fn()>;
