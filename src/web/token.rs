//! The token function: called before every attempt that needs one, from the notification
//! microtask (never inside one of the transport's methods, which may be on the stack). It may
//! return the token or a Promise of it; the answer goes to the core with the attempt it was
//! asked for, so a late answer for an abandoned attempt is ignored there.

use js_sys::Promise;
use wasm_bindgen::{JsCast, JsValue};

use super::driver::Driver;
use super::handles::Slot;
use super::js;
use crate::core::AttemptId;
use crate::prelude::*;

pub fn fetch(driver: &Driver, attempt: AttemptId) {
    let Some(function) = driver.settings.borrow().token_function.clone() else { return };
    match js::call0_returning(&function).map(Option::unwrap_or_default) {
        Err(thrown) => answer(driver, attempt, Err(js::thrown_message(&thrown))),
        Ok(value) if is_promise_like(&value) => {
            let settled = driver.handles.function(Slot::TokenSettled);
            let attempt_number = JsValue::from(attempt.0 as f64);
            let on_token = settled.bind2(&JsValue::NULL, &attempt_number, &JsValue::TRUE);
            let on_failure = settled.bind2(&JsValue::NULL, &attempt_number, &JsValue::FALSE);
            // `Promise.resolve(value).then(on_token, on_failure)`, with plain JS functions.
            let promise = Promise::resolve(&value);
            if let Ok(then) = js_sys::Reflect::get(&promise, &"then".into()) {
                let _ = then.unchecked_ref::<js_sys::Function>().call2(&promise, &on_token, &on_failure);
            }
        }
        Ok(value) => settled(driver, attempt, true, value),
    }
}

/// What the token function (or its Promise) came back with.
pub fn settled(driver: &Driver, attempt: AttemptId, ok: bool, value: JsValue) {
    let token = match (ok, value.as_string()) {
        (true, Some(token)) => Ok(token),
        (true, None) => Err(["it returned ", &js::describe(&value), ", expected a string or a Promise of one"].concat()),
        (false, _) => Err(js::thrown_message(&value)),
    };
    answer(driver, attempt, token);
}

fn answer(driver: &Driver, attempt: AttemptId, token: Result<String, String>) {
    driver.report(|core, now| core.handle_token(attempt, token, now));
}

fn is_promise_like(value: &JsValue) -> bool {
    (value.is_object() || value.is_function())
        && js_sys::Reflect::get(value, &"then".into()).is_ok_and(|then| then.is_function())
}
