//! The memory of structural sharing: the JS object last built for each part and each list item,
//! with the version it shows. Something is rebuilt only when its version moved.

use js_sys::{Array, Object};
use wasm_bindgen::JsValue;

use crate::prelude::*;

/// One part of the snapshot.
#[derive(Default)]
pub struct PartCache {
    built: Option<(u64, JsValue)>,
}

impl PartCache {
    /// The version of the object cached (0: none yet).
    pub fn version(&self) -> u64 {
        self.built.as_ref().map_or(0, |(version, _)| *version)
    }

    /// The object for `version`: the cached one, or `build()`'s (then cached).
    pub fn get(&mut self, version: u64, build: impl FnOnce() -> JsValue) -> JsValue {
        match &self.built {
            Some((cached, value)) if *cached == version => value.clone(),
            _ => {
                let value = build();
                self.built = Some((version, value.clone()));
                value
            }
        }
    }
}

/// The items of one list, by sequence number.
///
/// Lists only append and drop their oldest items, so both the list and this cache are in
/// ascending sequence order: one merge pass finds every reusable object, O(n) per rebuild,
/// and drops the objects of items that are gone.
#[derive(Default)]
pub struct ItemCache {
    entries: Vec<(u64, u64, JsValue)>,
}

impl ItemCache {
    /// A frozen array of the items, each `(seq, version, item)`: an item whose seq and version
    /// match the cache keeps its object, the others are built with `build`.
    pub fn array<'a, T: 'a>(
        &mut self,
        items: impl ExactSizeIterator<Item = (u64, u64, &'a T)>,
        mut build: impl FnMut(&T) -> JsValue,
    ) -> JsValue {
        let array = Array::new_with_length(items.len() as u32);
        let mut next = Vec::with_capacity(items.len());
        let mut old = core::mem::take(&mut self.entries).into_iter().peekable();
        for (index, (seq, version, item)) in items.enumerate() {
            while old.next_if(|(cached, _, _)| *cached < seq).is_some() {}
            let value = match old.next_if(|(cached, cached_version, _)| *cached == seq && *cached_version == version) {
                Some((_, _, value)) => value,
                None => build(item),
            };
            array.set(index as u32, value.clone());
            next.push((seq, version, value));
        }
        self.entries = next;
        Object::freeze(&array).into()
    }
}
