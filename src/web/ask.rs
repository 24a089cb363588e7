//! The app's functions asked before an attempt: the `url` function (which URL) and the `token`
//! function (which token). Called from the notification microtask (never inside one of the
//! transport's methods, which may be on the stack). Each may return its answer or a Promise of
//! it; the answer goes to the core with the attempt it was asked for, so a late answer for an
//! abandoned attempt is ignored there.

use js_sys::Promise;
use wasm_bindgen::{JsCast, JsValue};

use super::driver::Driver;
use super::handles::Slot;
use super::js;
use crate::core::AttemptId;
use crate::prelude::*;

/// What is asked; its number is bound into the Promise handlers (`Slot::Settled`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Question {
    Url = 0,
    Token = 1,
}

impl Question {
    pub fn from_number(n: f64) -> Question {
        if n == 0.0 { Question::Url } else { Question::Token }
    }

    fn option(self) -> &'static str {
        match self {
            Question::Url => "a ws:// or wss:// URL",
            Question::Token => "a string",
        }
    }
}

pub fn ask(driver: &Driver, question: Question, attempt: AttemptId) {
    let function = {
        let settings = driver.settings.borrow();
        match question {
            Question::Url => settings.url_function.clone(),
            Question::Token => settings.token_function.clone(),
        }
    };
    let Some(function) = function else { return };
    match js::call0_returning(&function).map(Option::unwrap_or_default) {
        Err(thrown) => answer(driver, question, attempt, Err(js::thrown_message(&thrown))),
        Ok(value) if is_promise_like(&value) => {
            let settled = driver.handles.function(Slot::Settled);
            let (question, attempt_number) = (JsValue::from(question as u8 as f64), JsValue::from(attempt.0 as f64));
            let on_answer = settled.bind3(&JsValue::NULL, &question, &attempt_number, &JsValue::TRUE);
            let on_failure = settled.bind3(&JsValue::NULL, &question, &attempt_number, &JsValue::FALSE);
            // `Promise.resolve(value).then(on_answer, on_failure)`, with plain JS functions.
            let promise = Promise::resolve(&value);
            if let Ok(then) = js_sys::Reflect::get(&promise, &"then".into()) {
                let _ = then.unchecked_ref::<js_sys::Function>().call2(&promise, &on_answer, &on_failure);
            }
        }
        Ok(value) => settled(driver, question, attempt, true, value),
    }
}

/// What the function (or its Promise) came back with.
pub fn settled(driver: &Driver, question: Question, attempt: AttemptId, ok: bool, value: JsValue) {
    let answer_text = match (ok, value.as_string()) {
        (true, Some(text)) => Ok(text),
        (true, None) => Err(["it returned ", &js::describe(&value), ", expected ", question.option(), " or a Promise of one"].concat()),
        (false, _) => Err(js::thrown_message(&value)),
    };
    answer(driver, question, attempt, answer_text);
}

fn answer(driver: &Driver, question: Question, attempt: AttemptId, answer: Result<String, String>) {
    driver.report(|core, now| match question {
        Question::Url => core.handle_url(attempt, answer, now),
        Question::Token => core.handle_token(attempt, answer, now),
    });
}

fn is_promise_like(value: &JsValue) -> bool {
    (value.is_object() || value.is_function())
        && js_sys::Reflect::get(value, &"then".into()).is_ok_and(|then| then.is_function())
}
