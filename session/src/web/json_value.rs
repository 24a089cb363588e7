//! The core's [`Json`] to and from JS values.
//!
//! In: an event's value walked into a `Json` (AG-UI state, patch values, activity contents). A
//! getter or proxy trap that throws, a cycle, or nesting beyond [`MAX_DEPTH`] makes it `None`
//! (the field is `Wrong`); functions, symbols and `undefined` members are skipped, as
//! `JSON.stringify` skips them.
//!
//! Out: frozen JS objects, each built once per `Json` node. The core shares unchanged nodes
//! between versions (`Rc`), so the JS object of a node is kept by the node's allocation: the
//! cache holds a clone of the node, which keeps the allocation alive (its address is not
//! reused) and makes the core copy the node before any change (`Rc::make_mut` copies shared
//! nodes). A node only the cache still holds is gone from the state; `prune` drops it.

use alloc::rc::Rc;

use js_sys::Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

use crate::core::json::{insert_at, Json};
use crate::prelude::*;

const MAX_DEPTH: usize = 128;

#[wasm_bindgen(inline_js = r#"
// Own enumerable string keys, or null if the proxy trap or getter threw.
export function jsonKeys(value) {
  try { return Object.keys(value); } catch { return null; }
}
// value[key], or the `failed` marker if the getter threw.
export function jsonGet(value, key, failed) {
  try { return value[key]; } catch { return failed; }
}
export function jsonObject(keys, values) {
  const object = {};
  for (let i = 0; i < keys.length; i++) {
    Object.defineProperty(object, keys[i], { value: values[i], enumerable: true });
  }
  return Object.freeze(object);
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = jsonKeys)]
    fn json_keys(value: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = jsonGet)]
    fn json_get(value: &JsValue, key: &JsValue, failed: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = jsonObject)]
    fn json_object(keys: &Array, values: &Array) -> JsValue;
}

/// A JS value as JSON; `None` if it is not one (see the module's header).
pub fn read(value: &JsValue) -> Option<Json> {
    let failed = js_sys::Object::new().into();
    read_at(value, 0, &failed)
}

fn read_at(value: &JsValue, depth: usize, failed: &JsValue) -> Option<Json> {
    if value.is_null() {
        return Some(Json::Null);
    }
    if let Some(flag) = value.as_bool() {
        return Some(Json::Bool(flag));
    }
    if let Some(number) = value.as_f64() {
        // JSON has no NaN or infinities; JSON.stringify writes them as null.
        return Some(if number.is_finite() { Json::Number(number) } else { Json::Null });
    }
    if let Some(text) = value.as_string() {
        return Some(Json::String(Rc::from(text.as_str())));
    }
    if !value.is_object() || value.is_function() || depth >= MAX_DEPTH {
        return None;
    }
    if Array::is_array(value) {
        let array: &Array = value.unchecked_ref();
        let mut items = Vec::with_capacity(array.length() as usize);
        for i in 0..array.length() {
            let item = json_get(value, &JsValue::from(i), failed);
            if item == *failed {
                return None;
            }
            // An array keeps its holes and non-JSON items as null, as JSON.stringify does.
            items.push(if item.is_undefined() || item.is_function() || item.is_symbol() {
                Json::Null
            } else {
                read_at(&item, depth + 1, failed)?
            });
        }
        return Some(Json::Array(Rc::new(items)));
    }
    let keys = json_keys(value);
    if keys.is_null() {
        return None;
    }
    let keys: Array = keys.unchecked_into();
    let mut members = Vec::with_capacity(keys.length() as usize);
    for key in keys.iter() {
        let member = json_get(value, &key, failed);
        if member == *failed {
            return None;
        }
        if member.is_undefined() || member.is_function() || member.is_symbol() {
            continue;
        }
        let name = key.as_string().unwrap_or_default();
        members.push((Rc::from(name.as_str()), read_at(&member, depth + 1, failed)?));
    }
    Some(Json::Object(Rc::new(members)))
}

/// The JS objects of `Json` nodes, by node (see the module's header), sorted by address.
#[derive(Default)]
pub struct JsonObjects {
    entries: Vec<(usize, Json, JsValue)>,
}

fn address(json: &Json) -> Option<usize> {
    match json {
        Json::Array(items) => Some(Rc::as_ptr(items) as *const u8 as usize),
        Json::Object(members) => Some(Rc::as_ptr(members) as *const u8 as usize),
        _ => None,
    }
}

fn only_cached(json: &Json) -> bool {
    match json {
        Json::Array(items) => Rc::strong_count(items) == 1,
        Json::Object(members) => Rc::strong_count(members) == 1,
        _ => false,
    }
}

impl JsonObjects {
    /// The frozen JS value of `json`; a node built before is the same object.
    pub fn get(&mut self, json: &Json) -> JsValue {
        let at = match json {
            Json::Null => return JsValue::NULL,
            Json::Bool(flag) => return JsValue::from_bool(*flag),
            Json::Number(number) => return JsValue::from_f64(*number),
            Json::String(text) => return JsValue::from_str(text),
            _ => address(json).unwrap_or(0),
        };
        if let Ok(i) = self.entries.binary_search_by_key(&at, |(a, _, _)| *a) {
            if let Some((_, _, value)) = self.entries.get(i) {
                return value.clone();
            }
        }
        let value = match json {
            Json::Array(items) => {
                let array = Array::new_with_length(items.len() as u32);
                for (i, item) in items.iter().enumerate() {
                    array.set(i as u32, self.get(item));
                }
                js_sys::Object::freeze(&array).into()
            }
            Json::Object(members) => {
                let keys = Array::new_with_length(members.len() as u32);
                let values = Array::new_with_length(members.len() as u32);
                for (i, (key, member)) in members.iter().enumerate() {
                    keys.set(i as u32, JsValue::from_str(key));
                    values.set(i as u32, self.get(member));
                }
                json_object(&keys, &values)
            }
            _ => JsValue::NULL,
        };
        // The children were inserted meanwhile: the slot is found after them.
        let slot = match self.entries.binary_search_by_key(&at, |(a, _, _)| *a) {
            Ok(i) => i,
            Err(s) => s,
        };
        insert_at(&mut self.entries, slot, (at, json.clone(), value.clone()));
        value
    }

    /// Drops the objects of nodes no longer in the state (a dropped parent may leave its
    /// children held by the cache alone, hence the repeat).
    pub fn prune(&mut self) {
        loop {
            let before = self.entries.len();
            self.entries.retain(|(_, json, _)| !only_cached(json));
            if self.entries.len() == before {
                break;
            }
        }
    }
}
