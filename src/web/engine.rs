//! `Engine`: the core, exported to the JS shell (src/web/transport.js) through numbers.
//!
//! The shell reports what happened (`handle(input, value, extra, text, now)`, `send`, `report`)
//! with the clock's reading, then drains the core's actions with `poll()`: each returns a code
//! and leaves the action's fields readable through `get(i)`, `text(0)` and `payload()`. Only numbers cross
//! on the per-message path; strings cross once per new message type and for the rare events
//! that carry text. Nothing here calls user code, so no method can be re-entered.

use core::cell::RefCell;

use wasm_bindgen::prelude::*;

use super::options::{config_from, whole_number};
use crate::core::close_policy::is_valid_client_close_code;
use crate::core::errors::ErrorFields;
use crate::core::{Action, AttemptId, Connection, ErrorKind, FrameVerdict, Route};
use crate::prelude::*;
use alloc::boxed::Box;

#[wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    /// Exact UTF-8 byte length of a JS string, without copying it.
    #[wasm_bindgen(js_name = utf8Length)]
    fn utf8_length(text: &JsValue) -> usize;

    /// Exact UTF-8 byte length of the inbound frame being read.
    #[wasm_bindgen(js_name = frameUtf8Length)]
    fn frame_utf8_length() -> usize;
}

// The inputs of `handle()`; src/web/transport.js has the same constants.
const CONNECT: u32 = 0;
const TIMEOUT: u32 = 1;
const ONLINE: u32 = 2;
const OFFLINE: u32 = 3;
const OPENED: u32 = 4;
const BINARY_FRAME: u32 = 5;
const TEXT_FRAME: u32 = 6;
const ROUTE: u32 = 7;
const ROUTE_TEXT: u32 = 8;
const CLOSED: u32 = 9;
const TOKEN: u32 = 10;
const DISCONNECT: u32 = 11;

// What `poll()` returns; src/web/transport.js has the same constants.
const NONE: u32 = 0;
const FETCH_TOKEN: u32 = 1;
const OPEN_SOCKET: u32 = 2;
const CLOSE_SOCKET: u32 = 3;
const SEND_FRAME: u32 = 4;
const SEND_PING: u32 = 5;
const SEND_PONG: u32 = 6;
const STATUS: u32 = 7;
const ERROR: u32 = 8;
const SNAPSHOT_CHANGED: u32 = 9;

fn or_nan<T: Into<f64>>(value: Option<T>) -> f64 {
    value.map_or(f64::NAN, Into::into)
}

pub struct Engine {
    core: Connection<JsValue>,
    /// The action `poll()` returned last, whose fields `get`, `text` and `payload` read.
    current: Option<Action<JsValue>>,
    /// Texts of the interned message types this transport has met, by id.
    type_names: Vec<Option<String>>,
}

impl Engine {
    /// Something happened: `input` says what, with up to two numbers and a text; returns what
    /// that input answers (0 when it answers nothing). One entry point for every input, so each
    /// costs the module a match arm rather than an exported function and its shims.
    pub fn handle(&mut self, input: u32, value: f64, extra: f64, text: Option<String>, now: f64) -> u32 {
        let core = &mut self.core;
        let attempt = AttemptId(value as u64);
        let text = text.unwrap_or_default();
        match input {
            CONNECT => core.connect(now),
            TIMEOUT => core.handle_timeout(now),
            ONLINE => core.handle_online(now),
            OFFLINE => core.handle_offline(now),
            OPENED => core.handle_open(attempt, now),
            // `extra` is the close code, `text` the reason.
            CLOSED => core.handle_close(attempt, extra as u16, &text, now),
            // `extra` is 1 when `text` is the token, 0 when it says why there is none.
            TOKEN => core.handle_token(attempt, if extra != 0.0 { Ok(text) } else { Err(text) }, now),
            BINARY_FRAME => core.handle_binary_frame(value as usize, now),
            // An inbound text frame of `value` UTF-16 units: 0 parse it, 1 too large, 2 ignore it.
            TEXT_FRAME => {
                return match core.handle_text_frame(value as usize, frame_utf8_length, now) {
                    FrameVerdict::Parse => 0,
                    FrameVerdict::TooLarge => 1,
                    FrameVerdict::Ignore => 2,
                }
            }
            // A parsed message whose type has the interned id `value`: 1 when its listeners get
            // it (heartbeat replies stay inside). The shell passes the type's `text` the first
            // time it routes that id to this engine, and only the id afterwards.
            ROUTE => {
                let index = value as usize;
                if self.type_names.len() <= index {
                    self.type_names.resize(index + 1, None);
                }
                let name = self.type_names[index].get_or_insert(text);
                return (core.handle_message_type(name, now) == Route::Dispatch) as u32;
            }
            // The same for a type glue.js did not intern (its table is full): `text` is the type.
            ROUTE_TEXT => return (core.handle_message_type(&text, now) == Route::Dispatch) as u32,
            // Closes on purpose with code `value` and reason `text`: 0 when the code is not one
            // a client may send (1000, 3000-4999), and then nothing happens.
            DISCONNECT => match whole_number(value, 65535.0) {
                Some(code) if is_valid_client_close_code(code as u16) => core.disconnect(code as u16, &text, now),
                _ => return 0,
            },
            _ => {}
        }
        1
    }

    /// A serialised message of `units` UTF-16 units: 0 sent, 1 queued, 2 dropped.
    pub fn send(&mut self, frame: JsValue, units: usize, now: f64) -> u32 {
        self.core.send(frame, units, utf8_length, now) as u32
    }

    /// An error the shell detected (a frame that is not JSON, a listener that threw...).
    pub fn report(&mut self, kind: u32, message: String, payload: JsValue) {
        let Some(kind) = ErrorKind::from_index(kind) else { return };
        let payload = (!payload.is_undefined()).then_some(payload);
        self.core.report_error(kind, message, ErrorFields::default(), payload);
    }

    // ---- what the shell asks ----------------------------------------------------------------

    /// The next action's code (0: none left).
    pub fn poll(&mut self) -> u32 {
        self.current = self.core.poll_action();
        match &self.current {
            None => NONE,
            Some(Action::FetchToken { .. }) => FETCH_TOKEN,
            Some(Action::OpenSocket { .. }) => OPEN_SOCKET,
            Some(Action::CloseSocket { .. }) => CLOSE_SOCKET,
            Some(Action::SendFrame(_)) => SEND_FRAME,
            Some(Action::SendPing) => SEND_PING,
            Some(Action::SendPong) => SEND_PONG,
            Some(Action::Status(_)) => STATUS,
            Some(Action::Error(_)) => ERROR,
            Some(Action::SnapshotChanged) => SNAPSHOT_CHANGED,
        }
    }

    /// Number `i`, NaN when absent (transport.js names the ranges):
    /// - 0-5, the current action's: fetch/open 0 attempt; close 0 code; status 0 status,
    ///   1 previous, 2 attempt, 3 delay, 4 code; error 0 kind, 1 size, 2 limit, 3 count, 4 code,
    ///   5 attempt;
    /// - 10-19, the snapshot's: status, attempt, queued, latency, error kind, close code, delay,
    ///   next retry, connected at, online;
    /// - 21 the snapshot's version (it changes whenever the snapshot does), 22 when
    ///   `handle(TIMEOUT)` next has work;
    /// - 30-40, the counters, in the order of `stats()`.
    pub fn get(&self, i: u32) -> f64 {
        let s = self.core.snapshot();
        let n = self.core.stats();
        match i {
            0..=5 => self.action_number(i),
            10 => s.status.index() as f64,
            11 => s.attempt as f64,
            12 | 40 => s.queued as f64,
            13 => or_nan(s.latency_ms),
            14 => or_nan(s.last_error.as_ref().map(|(kind, _)| kind.index())),
            15 => or_nan(s.last_close_code),
            16 => or_nan(s.delay_ms),
            17 => or_nan(s.next_retry_at),
            18 => or_nan(s.connected_at),
            19 => s.online as u8 as f64,
            21 => self.core.snapshot_version() as f64,
            22 => or_nan(self.core.poll_timeout()),
            30 => n.messages_in as f64,
            31 => n.messages_out as f64,
            32 => n.bytes_in as f64,
            33 => n.bytes_out as f64,
            34 => n.attempts as f64,
            35 => n.reconnects as f64,
            36 => n.dropped as f64,
            37 => n.errors as f64,
            38 => n.pings_sent as f64,
            39 => n.pongs_received as f64,
            _ => f64::NAN,
        }
    }

    /// Text `i`: 0 the current action's (the token to open with, the close reason, the status
    /// change's close reason, the error's message); 1 the snapshot's last error message; 2 its
    /// last close reason.
    pub fn text(&self, i: u32) -> Option<String> {
        let s = self.core.snapshot();
        match (i, &self.current) {
            (1, _) => s.last_error.as_ref().map(|(_, message)| message.clone()),
            (2, _) => s.last_close_reason.clone(),
            (_, Some(Action::OpenSocket { token, .. })) => token.clone(),
            (_, Some(Action::CloseSocket { reason, .. })) => Some(reason.clone()),
            (_, Some(Action::Status(change))) => change.reason.clone(),
            (_, Some(Action::Error(error))) => Some(error.message.clone()),
            _ => None,
        }
    }

    /// The current action's JS value: the frame to send, the error's payload (undefined if none).
    pub fn payload(&mut self) -> JsValue {
        match self.current.take() {
            Some(Action::SendFrame(frame)) => frame,
            Some(Action::Error(error)) => error.payload.unwrap_or(JsValue::UNDEFINED),
            _ => JsValue::UNDEFINED,
        }
    }

    fn action_number(&self, i: u32) -> f64 {
        match &self.current {
            Some(Action::FetchToken { attempt } | Action::OpenSocket { attempt, .. }) => attempt.0 as f64,
            Some(Action::CloseSocket { code, .. }) => *code as f64,
            Some(Action::Status(change)) => match i {
                0 => change.status.index() as f64,
                1 => change.previous.index() as f64,
                2 => change.attempt as f64,
                3 => or_nan(change.delay_ms),
                _ => or_nan(change.code),
            },
            Some(Action::Error(error)) => {
                let f = &error.fields;
                match i {
                    0 => error.kind.index() as f64,
                    1 => or_nan(f.size.map(|v| v as f64)),
                    2 => or_nan(f.limit.map(|v| v as f64)),
                    3 => or_nan(f.count.map(|v| v as f64)),
                    4 => or_nan(f.code),
                    _ => or_nan(f.attempt),
                }
            }
            _ => f64::NAN,
        }
    }
}

// ---- the exports ------------------------------------------------------------------------------
//
// Engines live in a table and JS refers to them by index: an exported class would cost the
// module a reference-counted cell, borrow checks and a finalizer per object, and the shell frees
// its engine explicitly anyway (when it shuts down, or once an orphaned connection settles).
// The declarations are left out of the TypeScript: these are internal to the package.

struct Engines(RefCell<Vec<Option<Box<Engine>>>>);

// SAFETY: the module is built without the atomics feature, so it runs on one thread and the
// table is never shared. (A borrow is never re-entered either: no engine method calls out to
// anything but glue.js's pure helpers.)
unsafe impl Sync for Engines {}

static ENGINES: Engines = Engines(RefCell::new(Vec::new()));

/// Runs `f` on engine `id`; `otherwise` when there is none (freed: the shell never asks then).
fn with<R>(id: u32, otherwise: R, f: impl FnOnce(&mut Engine) -> R) -> R {
    match ENGINES.0.borrow_mut().get_mut(id as usize) {
        Some(Some(engine)) => f(engine),
        _ => otherwise,
    }
}

/// A new engine's id; `numbers` by the positions in options.rs. An out-of-range value is the
/// error's message.
#[wasm_bindgen(js_name = engineNew, skip_typescript)]
pub fn engine_new(numbers: &[f64], seed: f64, pong_type: Option<String>, token: Option<String>) -> Result<u32, String> {
    let config = config_from(numbers, pong_type, token)?;
    let core = Connection::new(config, seed as u64).map_err(|e| String::from(e.option))?;
    let engine = Some(Box::new(Engine { core, current: None, type_names: Vec::new() }));
    let mut engines = ENGINES.0.borrow_mut();
    let id = match engines.iter().position(Option::is_none) {
        Some(free) => {
            engines[free] = engine;
            free
        }
        None => {
            engines.push(engine);
            engines.len() - 1
        }
    };
    Ok(id as u32)
}

/// Drops engine `id` and what it holds (queued frames included); its id may be reused.
#[wasm_bindgen(js_name = engineFree, skip_typescript)]
pub fn engine_free(id: u32) {
    // Taken out first and dropped after the borrow ends.
    let engine = ENGINES.0.borrow_mut().get_mut(id as usize).and_then(Option::take);
    drop(engine);
}

#[wasm_bindgen(skip_typescript)]
pub fn handle(id: u32, input: u32, value: f64, extra: f64, text: Option<String>, now: f64) -> u32 {
    with(id, 0, |e| e.handle(input, value, extra, text, now))
}

#[wasm_bindgen(skip_typescript)]
pub fn send(id: u32, frame: JsValue, units: usize, now: f64) -> u32 {
    with(id, 2, |e| e.send(frame, units, now))
}

#[wasm_bindgen(skip_typescript)]
pub fn report(id: u32, kind: u32, message: String, payload: JsValue) {
    with(id, (), |e| e.report(kind, message, payload))
}

#[wasm_bindgen(skip_typescript)]
pub fn poll(id: u32) -> u32 {
    with(id, NONE, Engine::poll)
}

#[wasm_bindgen(skip_typescript)]
pub fn get(id: u32, i: u32) -> f64 {
    with(id, f64::NAN, |e| e.get(i))
}

#[wasm_bindgen(skip_typescript)]
pub fn text(id: u32, i: u32) -> Option<String> {
    with(id, None, |e| e.text(i))
}

#[wasm_bindgen(skip_typescript)]
pub fn payload(id: u32) -> JsValue {
    with(id, JsValue::UNDEFINED, Engine::payload)
}

/// JS values the module holds (the queues' frames, error payloads), for leak checks.
#[wasm_bindgen(js_name = liveJsValues, skip_typescript)]
pub fn live_js_values() -> f64 {
    wasm_bindgen::externref_heap_live_count() as f64
}
