//! JS functions backed by Rust closures.
//!
//! Every one has the same signature, one JS value in and one out, so wasm-bindgen generates a
//! single set of closure shims for the whole module. They are handed to JS with
//! `into_js_value`: the JS garbage collector frees them (wasm-bindgen's FinalizationRegistry),
//! so a late call (a timer that fires after `free()`) finds a live function, and whatever
//! state it reaches through a `Weak` is simply gone.

use alloc::rc::{Rc, Weak};

use js_sys::Function;
use wasm_bindgen::prelude::*;

pub fn js_function(body: impl FnMut(JsValue) -> JsValue + 'static) -> Function {
    Closure::<dyn FnMut(JsValue) -> JsValue>::new(body).into_js_value().unchecked_into()
}

/// A JS function calling `run(target, argument)` while `target` exists, returning undefined.
pub fn weak_callback<T: 'static>(target: &Weak<T>, run: fn(&Rc<T>, JsValue)) -> Function {
    let target = target.clone();
    js_function(move |argument| {
        if let Some(target) = target.upgrade() {
            run(&target, argument);
        }
        JsValue::UNDEFINED
    })
}
