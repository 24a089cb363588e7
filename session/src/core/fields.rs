//! How the core reads an event without knowing what it is made of: the web glue implements
//! [`EventFields`] over JS objects (`Reflect.get`), native tests over `serde_json::Value`.

use crate::prelude::*;

use super::event::Kind;
use super::json::Json;
use super::keys::Key;

/// One field as read: missing (`undefined` or `null`), of the wrong type, or there.
#[derive(Debug, Clone, PartialEq)]
pub enum Field<T> {
    Absent,
    Wrong,
    Present(T),
}

/// An event's `type`, resolved.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeField {
    /// The event is not an object.
    NotObject,
    Absent,
    Wrong,
    Known(Kind),
    /// A string the reducer has no kind for (heartbeats among them).
    Other(String),
}

/// Read access to one event object (or an object nested in one).
///
/// Implementations never fail: a field that cannot be read (a throwing getter, a non-object) is
/// `Absent` or `Wrong`, and the parser turns that into a malformed-event log entry.
pub trait EventFields: Sized {
    /// A handle to a value kept as it is (tool arguments and results, session objects): the JS
    /// value itself on the web, never copied through Rust.
    type Value: Clone;

    /// Whether this is an object at all (arrays count: they simply have no `type`).
    fn is_object(&self) -> bool;
    /// A string field.
    fn text(&self, key: Key) -> Field<String>;
    /// A finite number field.
    fn number(&self, key: Key) -> Field<f64>;
    fn flag(&self, key: Key) -> Field<bool>;
    /// Any value, kept as is; `None` when absent (`undefined` or `null`).
    fn value(&self, key: Key) -> Option<Self::Value>;
    /// A nested object (not an array).
    fn object(&self, key: Key) -> Field<Self>;
    /// An array, one reader per element.
    fn list(&self, key: Key) -> Field<Vec<Self>>;
    /// Any JSON value, read into a [`Json`] the reducer can change (AG-UI state, patch values).
    /// Unlike the other fields, `null` is a value here (a patch may set one); `Absent` is
    /// `undefined` or missing, `Wrong` what JSON cannot hold (a function, a cycle, a throwing
    /// getter).
    fn json(&self, key: Key) -> Field<Json>;
    /// This value as a string, if it is one (for arrays of strings).
    fn as_text(&self) -> Option<String>;
    /// This value itself (the whole event, for the log of unknown and malformed events).
    fn whole(&self) -> Self::Value;

    /// A string field lent to `read` instead of returned: the web glue lends it from a scratch
    /// buffer, so a field that is only looked at (every event's timestamp) is never allocated.
    fn read_text<T>(&self, key: Key, read: impl FnOnce(&str) -> T) -> Field<T> {
        match self.text(key) {
            Field::Present(text) => Field::Present(read(&text)),
            Field::Absent => Field::Absent,
            Field::Wrong => Field::Wrong,
        }
    }

    /// The event's `type`. The web glue overrides it to look the type up on the JS side, so a
    /// known type is never copied into Rust.
    fn type_of(&self) -> TypeField {
        if !self.is_object() {
            return TypeField::NotObject;
        }
        match self.text(Key::Type) {
            Field::Present(name) => match Kind::from_name(&name) {
                Some(kind) => TypeField::Known(kind),
                None => TypeField::Other(name),
            },
            Field::Absent => TypeField::Absent,
            Field::Wrong => TypeField::Wrong,
        }
    }
}
