//! One inbound text frame read in a single call into JS, and the message kept there while its
//! listeners run (issue 16).
//!
//! Read binding by binding, a frame cost six crossings between wasm and JS before the first
//! listener ran (`data.length`, `JSON.parse`, the type field, `Map.get`, and a listener call
//! through wasm-bindgen's `catch` wrapper, which spreads `arguments` through `apply`), plus an
//! externref table slot taken from JS for the parsed value. A CPU profile of the throughput
//! benchmark put AgentWire's extra main-thread time against raw `WebSocket` + `JSON.parse` in
//! exactly those crossings. So the snippet below does the reading in one call, and the message
//! stays in JS: listeners are called with it from JS (`call_current`), and it enters wasm only
//! when Rust needs it (the resume protocol's fields, a Rust listener, an error's payload).
//!
//! The snippet decides nothing. Which frames it parses is the core's bound
//! (`quick_parse_limit`: frames that short are within `maxMessageBytes` whatever they hold);
//! longer frames and binary ones go back to the binding-by-binding path, where the core looks at
//! the size first. The frame's length is still reported to the core before anything else
//! happens (`handle_text_frame`), so counters, the heartbeat and the state machine see every
//! frame as before.
//!
//! The module-level `current` is safe because a frame's dispatch never nests in another's:
//! frames come from socket events, which the browser dispatches from its event loop, and
//! [`Dispatching`] sends a frame that arrives while one is dispatched (it cannot today) down the
//! other path all the same.

use std::cell::Cell;

use js_sys::JsString;
use wasm_bindgen::prelude::*;

use super::js::{Callback, NumberMap};

#[wasm_bindgen(inline_js = r#"
// What the frame being read parsed to; kept until the next frame replaces it.
let current;
let thrown;
const SLOT = 4294967296;

// `units + 2^32 * code`: the frame's UTF-16 length and what it holds. Codes: 0 the frame is
// binary or longer than `quickLimit` (not parsed), 1 not JSON (`thrown`), 2 JSON but not an
// object, 3 an object without a string type field, 4 a type `ids` does not know, 5 + n the
// type `ids` maps to n.
export function read_frame(data, quickLimit, field, ids) {
  current = undefined;
  if (typeof data !== 'string' || data.length > quickLimit) return 0;
  const units = data.length;
  let message;
  try {
    message = JSON.parse(data);
  } catch (error) {
    thrown = error;
    return units + SLOT;
  }
  current = message;
  if (message === null || typeof message !== 'object' || Array.isArray(message)) return units + 2 * SLOT;
  const type = message[field];
  if (typeof type !== 'string') return units + 3 * SLOT;
  const id = ids.get(type);
  return units + (id === undefined ? 4 : 5 + id) * SLOT;
}

export function current_message() { return current; }
export function current_type(field) { return current[field]; }
export function take_thrown() { const error = thrown; thrown = undefined; return error; }

// A listener called with the current message; what it threw, or undefined. A thrown null or
// undefined comes back as its text: `undefined` is the snippet's "returned".
export function call_current(listener) {
  try {
    listener(current);
  } catch (error) {
    return error ?? String(error);
  }
}
"#)]
extern "C" {
    fn read_frame(data: &JsValue, quick_limit: f64, field: &JsString, ids: &NumberMap) -> f64;
    fn current_message() -> JsValue;
    fn current_type(field: &JsString) -> JsValue;
    fn take_thrown() -> JsValue;
    /// `None` when the listener returned; what it threw otherwise (as text for a thrown `null`
    /// or `undefined`). An `Option`, so the common case takes no externref slot.
    fn call_current(listener: &Callback) -> Option<JsValue>;
}

/// What [`read`] found in a frame.
pub enum Read {
    /// Binary, or too long to parse before the core has seen its size: the slow path.
    Unread,
    /// A text frame of `units` UTF-16 units, with what it holds.
    Text { units: usize, content: Content },
}

pub enum Content {
    NotJson,
    NotAnObject,
    NoTypeField,
    /// A string type that is not interned yet: read it with [`message_type`].
    NewType,
    Interned(u32),
}

const SLOT: f64 = 4_294_967_296.0;

/// Reads `data` as described in the module's documentation.
pub fn read(data: &JsValue, quick_limit: usize, field: &JsString, ids: &NumberMap) -> Read {
    let code = read_frame(data, quick_limit as f64, field, ids);
    let kind = (code / SLOT).floor();
    let units = (code - kind * SLOT) as usize;
    let content = match kind as u32 {
        0 => return Read::Unread,
        1 => Content::NotJson,
        2 => Content::NotAnObject,
        3 => Content::NoTypeField,
        4 => Content::NewType,
        n => Content::Interned(n - 5),
    };
    Read::Text { units, content }
}

/// The message [`read`] last parsed, brought into wasm.
pub fn message() -> JsValue {
    current_message()
}

/// The current message's type field (a string after [`Content::NewType`]).
pub fn message_type(field: &JsString) -> JsValue {
    current_type(field)
}

/// What `JSON.parse` threw after [`Content::NotJson`].
pub fn thrown() -> JsValue {
    take_thrown()
}

/// Calls a JS listener with the current message; `Err` is what it threw.
pub fn call_with_message(listener: &Callback) -> Result<(), JsValue> {
    match call_current(listener) {
        None => Ok(()),
        Some(thrown) => Err(thrown),
    }
}

thread_local! {
    static DISPATCHING: Cell<bool> = const { Cell::new(false) };
}

/// Marks the current message's dispatch; a frame read meanwhile would replace it, so it must
/// take the other path ([`Dispatching::active`]).
pub struct Dispatching(());

impl Dispatching {
    pub fn active() -> bool {
        DISPATCHING.with(Cell::get)
    }

    pub fn begin() -> Dispatching {
        DISPATCHING.with(|d| d.set(true));
        Dispatching(())
    }
}

impl Drop for Dispatching {
    fn drop(&mut self) {
        DISPATCHING.with(|d| d.set(false));
    }
}
