//! The core's [`EventFields`] over JS values: fields read with `Reflect.get` (one prebuilt JS
//! string per key), strings and numbers converted, everything else kept as the JS value itself.
//!
//! Crossing into JS is most of what an event costs (a stream of 20,000 deltas is 100,000 field
//! reads done naively), so an event is read in one call: JS looks its `type` up in a `Map` of
//! the known types (a known type is never copied into Rust) and writes the string fields every
//! hot event needs ([`PREFETCHED`]: a delta needs nothing else) as UTF-8 straight into a scratch
//! buffer in wasm memory. Other fields are read one call each, strings again written into a
//! scratch buffer by JS (wasm-bindgen's string return would call back into wasm to allocate).
//! A getter or proxy trap that throws makes its field `Wrong` (the event is logged as
//! malformed), never an exception out of `apply`.

use core::cell::Cell;

use js_sys::{Array, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsValue;

use super::json_value;
use crate::core::json::Json;
use crate::core::{EventFields, Field, Key, Kind, TypeField};
use crate::prelude::*;

/// The string fields read together with the type: the envelope, and what a delta carries.
/// AG-UI's `messageId` with them: its deltas (`TEXT_MESSAGE_CONTENT`) are the other hot path.
const PREFETCHED: [Key; 5] = [Key::Timestamp, Key::SessionId, Key::MessageId, Key::Delta, Key::AgMessageId];
/// Header of the prefetch buffer: one little-endian i32 per prefetched key.
const HEADER: usize = 4 * PREFETCHED.len();

/// Room for an event's prefetched strings (a longer one is read on its own).
const PREFETCH_BYTES: usize = 1024;
/// Room for one other string field without growing.
const FIELD_BYTES: usize = 256;
/// A field buffer grown beyond this for one long field (a long result) is dropped after it.
const MAX_KEPT_FIELD_BYTES: usize = 64 * 1024;

#[wasm_bindgen(inline_js = r#"
const kinds = new Map();
let prefetched = [];
let memory = null;
let bytes = new Uint8Array(0);
let view = new DataView(new ArrayBuffer(0));
const encoder = new TextEncoder();

export function setup(wasmMemory, kindNames, prefetchedKeys) {
  memory = wasmMemory;
  kindNames.forEach((name, index) => kinds.set(name, index));
  prefetched = prefetchedKeys;
}

// A growing memory detaches the old buffer; any getter may have grown it since the last call.
function refresh() {
  if (bytes.byteLength === 0) {
    bytes = new Uint8Array(memory.buffer);
    view = new DataView(memory.buffer);
  }
}

// Writes `value` as UTF-8 at [at, end); returns the byte count, or -2 if it may not fit.
function put(value, at, end) {
  refresh();
  const n = value.length;
  if (at + n > end) return -2;
  let i = 0;
  for (; i < n; i++) {
    const unit = value.charCodeAt(i);
    if (unit > 0x7f) break;
    bytes[at + i] = unit;
  }
  if (i === n) return n;
  if (at + i + (n - i) * 3 > end) return -2;
  return i + encoder.encodeInto(value.slice(i), bytes.subarray(at + i, end)).written;
}

// The event's kind (its type read from `typeKey`, 'type' unless the session's typeField says
// otherwise): >= 0 a known kind's index; -1 no type; -2 a type that is not a string;
// -3 not an object; -4 a string the map does not know. For a known kind, also writes the
// prefetched keys' strings back to back from ptr + 16 and, at ptr + 4k, each one's byte length
// (-1: not a string or reading it threw; -2: no room).
export function readEvent(event, typeKey, ptr, cap) {
  if (typeof event !== 'object' || event === null) return -3;
  let type;
  try { type = event[typeKey]; } catch { return -2; }
  if (typeof type !== 'string') return type === undefined || type === null ? -1 : -2;
  const kind = kinds.get(type);
  if (kind === undefined) return -4;
  let at = ptr + 4 * prefetched.length;
  const end = ptr + cap;
  for (let k = 0; k < prefetched.length; k++) {
    let value;
    try { value = event[prefetched[k]]; } catch { value = undefined; }
    let length = -1;
    if (typeof value === 'string') {
      length = put(value, at, end);
      if (length >= 0) at += length;
    }
    refresh();
    view.setInt32(ptr + 4 * k, length, true);
  }
  return kind;
}

// Writes object[key], if it is a string, as UTF-8 at ptr (cap bytes of room) and returns its
// length in bytes. -1: not a string (or reading it threw); below -1: too long, -2 - n needs
// n bytes of room.
export function writeText(object, key, ptr, cap) {
  let value;
  try { value = object[key]; } catch { return -1; }
  if (typeof value !== 'string') return -1;
  const written = put(value, ptr, ptr + cap);
  return written >= 0 ? written : -2 - value.length * 3;
}
"#)]
extern "C" {
    fn setup(memory: &JsValue, kind_names: &Array, prefetched_keys: &Array);

    #[wasm_bindgen(js_name = readEvent)]
    fn read_event(event: &JsValue, type_key: &JsValue, ptr: *mut u8, cap: usize) -> i32;

    #[wasm_bindgen(js_name = writeText)]
    fn write_text(object: &JsValue, key: &JsValue, ptr: *mut u8, cap: usize) -> i32;
}

/// What reading events needs, made once per session: one JS string per [`Key`], and the
/// scratch buffers JS writes strings into. A buffer is taken out while in use: a getter that
/// applies an event to the same session (re-entrantly) finds it empty and makes its own.
pub struct JsKeys {
    names: Vec<JsValue>,
    prefetch_scratch: Cell<Vec<u8>>,
    field_scratch: Cell<Vec<u8>>,
}

fn strings(names: impl Iterator<Item = &'static str>) -> Array {
    let array = Array::new();
    for name in names {
        array.push(&JsValue::from_str(name));
    }
    array
}

impl JsKeys {
    /// `type_field`: where events carry their type (`typeField`, 'type' by default).
    pub fn new(type_field: &str) -> Self {
        // The same for every session: a second call sets the same entries again.
        setup(
            &wasm_bindgen::memory(),
            &strings(Kind::ALL.iter().map(|kind| kind.name())),
            &strings(PREFETCHED.iter().map(|key| key.name())),
        );
        JsKeys {
            names: Key::ALL
                .iter()
                .map(|key| JsValue::from_str(if *key == Key::Type { type_field } else { key.name() }))
                .collect(),
            prefetch_scratch: Cell::new(Vec::new()),
            field_scratch: Cell::new(Vec::new()),
        }
    }

    fn get(&self, key: Key) -> &JsValue {
        &self.names[key as usize]
    }

    /// `read(object[key])` if it is a string, lent from the field buffer. `None` when it is
    /// not, when reading it threw, or (rare: a getter answering longer each time) when it did
    /// not fit twice; the caller then reads it the slow way.
    fn with_text<T>(&self, object: &JsValue, key: Key, read: impl FnOnce(&str) -> T) -> Option<T> {
        let mut buffer = self.field_scratch.take();
        if buffer.is_empty() {
            buffer.resize(FIELD_BYTES, 0);
        }
        let mut result = None;
        for _ in 0..2 {
            let written = write_text(object, self.get(key), buffer.as_mut_ptr(), buffer.len());
            match usize::try_from(written) {
                Ok(length) => {
                    // JS wrote UTF-8 (TextEncoder replaces lone surrogates), so this holds.
                    result = buffer.get(..length).and_then(|bytes| core::str::from_utf8(bytes).ok()).map(read);
                    break;
                }
                Err(_) if written == -1 => break,
                Err(_) => buffer.resize((-2 - i64::from(written)) as usize, 0),
            }
        }
        if buffer.len() <= MAX_KEPT_FIELD_BYTES {
            self.field_scratch.set(buffer);
        }
        result
    }
}

/// What `readEvent` wrote: per prefetched key, where its string is in the buffer.
enum Prefetched {
    At(usize, usize),
    /// Not a string (or reading it threw): the slow way tells absent from wrong.
    NotText,
    /// No room in the buffer: read on its own.
    TooLong,
}

pub struct JsEvent<'a> {
    value: JsValue,
    keys: &'a JsKeys,
    /// `readEvent`'s answer for a top-level event (`None` for nested objects).
    kind: Option<i32>,
    is_object: bool,
    /// The prefetch buffer (taken from `keys` for this event's life) and what is in it.
    buffer: Vec<u8>,
    prefetched: [Prefetched; PREFETCHED.len()],
}

impl<'a> JsEvent<'a> {
    /// A top-level event: its kind and hot string fields are read at once.
    pub fn read(value: JsValue, keys: &'a JsKeys) -> Self {
        let mut buffer = keys.prefetch_scratch.take();
        if buffer.is_empty() {
            buffer.resize(PREFETCH_BYTES, 0);
        }
        let kind = read_event(&value, keys.get(Key::Type), buffer.as_mut_ptr(), buffer.len());
        let mut prefetched = [const { Prefetched::NotText }; PREFETCHED.len()];
        if kind >= 0 {
            let mut at = HEADER;
            for (k, slot) in prefetched.iter_mut().enumerate() {
                let mut length = [0; 4];
                length.copy_from_slice(&buffer[4 * k..4 * k + 4]);
                *slot = match i32::from_le_bytes(length) {
                    -2 => Prefetched::TooLong,
                    n if n < 0 => Prefetched::NotText,
                    n => {
                        let start = at;
                        at += n as usize;
                        Prefetched::At(start, at)
                    }
                };
            }
        }
        JsEvent { value, keys, kind: Some(kind), is_object: kind != -3, buffer, prefetched }
    }

    /// An object inside an event (`data`, `payload`, list items): fields read one by one.
    fn nested(value: JsValue, keys: &'a JsKeys) -> Self {
        let is_object = value.is_object();
        let prefetched = [const { Prefetched::TooLong }; PREFETCHED.len()];
        JsEvent { value, keys, kind: None, is_object, buffer: Vec::new(), prefetched }
    }

    /// The prefetched string of `key`, if it was prefetched as one.
    fn prefetched(&self, key: Key) -> Option<&Prefetched> {
        PREFETCHED.iter().position(|k| *k == key).map(|k| &self.prefetched[k])
    }

    /// The field's value; `None` if reading it threw.
    fn get(&self, key: Key) -> Option<JsValue> {
        if !self.is_object {
            return Some(JsValue::UNDEFINED);
        }
        Reflect::get(&self.value, self.keys.get(key)).ok()
    }

    fn classify<T>(&self, key: Key, convert: impl FnOnce(&JsValue) -> Option<T>) -> Field<T> {
        let Some(value) = self.get(key) else { return Field::Wrong };
        // The common case (the right type) costs one conversion, no type checks before it.
        if let Some(converted) = convert(&value) {
            return Field::Present(converted);
        }
        if value.is_undefined() || value.is_null() {
            Field::Absent
        } else {
            Field::Wrong
        }
    }
}

impl Drop for JsEvent<'_> {
    fn drop(&mut self) {
        if self.kind.is_some() {
            self.keys.prefetch_scratch.set(core::mem::take(&mut self.buffer));
        }
    }
}

impl EventFields for JsEvent<'_> {
    type Value = JsValue;

    fn is_object(&self) -> bool {
        self.is_object
    }

    fn text(&self, key: Key) -> Field<String> {
        self.read_text(key, |text: &str| String::from(text))
    }

    fn read_text<T>(&self, key: Key, read: impl FnOnce(&str) -> T) -> Field<T> {
        if !self.is_object {
            return Field::Absent;
        }
        let mut read = Some(read);
        match self.prefetched(key) {
            Some(Prefetched::At(start, end)) => {
                // JS wrote UTF-8 (TextEncoder replaces lone surrogates), so this holds.
                if let Some(text) = self.buffer.get(*start..*end).and_then(|bytes| core::str::from_utf8(bytes).ok()) {
                    if let Some(read) = read.take() {
                        return Field::Present(read(text));
                    }
                }
            }
            Some(Prefetched::NotText) => {}
            Some(Prefetched::TooLong) | None => {
                let lent = self.keys.with_text(&self.value, key, |text| read.take().map(|read| read(text)));
                if let Some(Some(value)) = lent {
                    return Field::Present(value);
                }
            }
        }
        // Not a string (absent or wrong?), or it did not fit: the slow way.
        match self.classify(key, JsValue::as_string) {
            Field::Present(text) => read.map_or(Field::Wrong, |read| Field::Present(read(&text))),
            Field::Absent => Field::Absent,
            Field::Wrong => Field::Wrong,
        }
    }

    fn number(&self, key: Key) -> Field<f64> {
        self.classify(key, |value| value.as_f64().filter(|n| n.is_finite()))
    }

    fn flag(&self, key: Key) -> Field<bool> {
        self.classify(key, JsValue::as_bool)
    }

    fn value(&self, key: Key) -> Option<JsValue> {
        self.get(key).filter(|value| !value.is_undefined() && !value.is_null())
    }

    fn object(&self, key: Key) -> Field<Self> {
        self.classify(key, |value| {
            (value.is_object() && !Array::is_array(value)).then(|| JsEvent::nested(value.clone(), self.keys))
        })
    }

    fn list(&self, key: Key) -> Field<Vec<Self>> {
        self.classify(key, |value| {
            Array::is_array(value).then(|| {
                let array: &Array = wasm_bindgen::JsCast::unchecked_ref(value);
                array.iter().map(|item| JsEvent::nested(item, self.keys)).collect()
            })
        })
    }

    fn json(&self, key: Key) -> Field<Json> {
        let Some(value) = self.get(key) else { return Field::Wrong };
        if value.is_undefined() {
            return Field::Absent;
        }
        json_value::read(&value).map_or(Field::Wrong, Field::Present)
    }

    fn as_text(&self) -> Option<String> {
        self.value.as_string()
    }

    fn whole(&self) -> JsValue {
        self.value.clone()
    }

    fn type_of(&self) -> TypeField {
        let kind = match self.kind {
            Some(kind) => kind,
            // Nested objects are never asked; answer like the core would.
            None if !self.is_object => return TypeField::NotObject,
            None => return TypeField::Absent,
        };
        match kind {
            -3 => TypeField::NotObject,
            -2 => TypeField::Wrong,
            -1 => TypeField::Absent,
            index => match Kind::ALL.get(index as usize) {
                Some(&kind) => TypeField::Known(kind),
                // -4: a type string the map does not know.
                None => match self.text(Key::Type) {
                    Field::Present(name) => TypeField::Other(name),
                    Field::Absent => TypeField::Absent,
                    Field::Wrong => TypeField::Wrong,
                },
            },
        }
    }
}
