//! JSON values the reducer itself changes: AG-UI's shared state (`STATE_SNAPSHOT`, patched by
//! `STATE_DELTA`), activity contents, and tool arguments assembled from deltas.
//!
//! Arrays and objects sit behind `Rc`: cloning a value is a reference count, and changing one
//! (through `Rc::make_mut`) copies only the nodes on the path to the change, so every subtree a
//! change did not touch is the same allocation before and after. The web layer keys its JS
//! objects by that allocation, which is what keeps their identity in snapshots. Objects keep
//! their keys in insertion order (as JS does) in a vector: agent state objects are small, and a
//! scan is smaller code than a map.

use alloc::rc::Rc;

use crate::prelude::*;

use super::text::Text;

#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Number(f64),
    String(Rc<str>),
    Array(Rc<Vec<Json>>),
    Object(Rc<Vec<(Rc<str>, Json)>>),
}

impl Json {
    pub fn empty_object() -> Json {
        Json::Object(Rc::new(Vec::new()))
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(text) => Some(text),
            _ => None,
        }
    }

    /// The member `key` of an object.
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(members) => members.iter().find(|(k, _)| &**k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// `self`, with every subtree deep-equal to the one at the same place in `old` replaced by
    /// `old`'s: a `STATE_SNAPSHOT` that repeats most of the state keeps the identity of what it
    /// repeats.
    pub fn sharing_with(self, old: &Json) -> Json {
        match (self, old) {
            (new, old) if new == *old => old.clone(),
            (Json::Object(new), Json::Object(old_members)) => {
                let members = Rc::try_unwrap(new).unwrap_or_else(|rc| (*rc).clone());
                let members = members
                    .into_iter()
                    .map(|(key, value)| match old_members.iter().find(|(k, _)| *k == key) {
                        Some((_, old_value)) => (key, value.sharing_with(old_value)),
                        None => (key, value),
                    })
                    .collect();
                Json::Object(Rc::new(members))
            }
            (Json::Array(new), Json::Array(old_items)) => {
                let items = Rc::try_unwrap(new).unwrap_or_else(|rc| (*rc).clone());
                let items = items
                    .into_iter()
                    .enumerate()
                    .map(|(i, item)| match old_items.get(i) {
                        Some(old_item) => item.sharing_with(old_item),
                        None => item,
                    })
                    .collect();
                Json::Array(Rc::new(items))
            }
            (new, _) => new,
        }
    }
}

/// `Vec::insert` without its panic (whose message formatting would be linked into the wasm):
/// an index past the end appends.
pub fn insert_at<T>(items: &mut Vec<T>, at: usize, item: T) {
    items.push(item);
    if let Some(tail) = items.get_mut(at..) {
        tail.rotate_right(1);
    }
}

/// `Vec::remove` without its panic: `None` past the end.
pub fn remove_at<T>(items: &mut Vec<T>, at: usize) -> Option<T> {
    items.get_mut(at..)?.rotate_left(1);
    items.pop()
}

/// Parses JSON text (RFC 8259): tool arguments, which arrive as text in `TOOL_CALL_ARGS`
/// deltas. Hand-written because serde_json would be most of a `no_std` wasm module this size;
/// the grammar is small.
pub fn parse(text: &str) -> Result<Json, String> {
    let mut parser = Parser { bytes: text.as_bytes(), at: 0, depth: 0 };
    let value = parser.value()?;
    parser.blank();
    if parser.at != parser.bytes.len() {
        return Err(parser.error("unexpected text after the value"));
    }
    Ok(value)
}

/// Nesting deeper than this is refused (the parser recurses).
const MAX_DEPTH: usize = 128;

struct Parser<'a> {
    bytes: &'a [u8],
    at: usize,
    depth: usize,
}

impl Parser<'_> {
    fn error(&self, what: &str) -> String {
        Text::new(what).s(" at byte ").n(self.at as u64).done()
    }

    fn blank(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> bool {
        self.blank();
        if self.bytes.get(self.at) == Some(&byte) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn literal(&mut self, word: &str, value: Json) -> Result<Json, String> {
        if self.bytes.get(self.at..).is_some_and(|rest| rest.starts_with(word.as_bytes())) {
            self.at += word.len();
            Ok(value)
        } else {
            Err(self.error("invalid literal"))
        }
    }

    fn value(&mut self) -> Result<Json, String> {
        self.blank();
        match self.bytes.get(self.at) {
            None => Err(self.error("unexpected end")),
            Some(b'n') => self.literal("null", Json::Null),
            Some(b't') => self.literal("true", Json::Bool(true)),
            Some(b'f') => self.literal("false", Json::Bool(false)),
            Some(b'"') => Ok(Json::String(Rc::from(self.string()?.as_str()))),
            Some(b'[') => self.nested(|p| p.array()),
            Some(b'{') => self.nested(|p| p.object()),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.error("unexpected character")),
        }
    }

    fn nested(&mut self, read: impl FnOnce(&mut Self) -> Result<Json, String>) -> Result<Json, String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error("nested too deeply"));
        }
        self.at += 1;
        let value = read(self);
        self.depth -= 1;
        value
    }

    fn array(&mut self) -> Result<Json, String> {
        let mut items = Vec::new();
        if !self.eat(b']') {
            loop {
                items.push(self.value()?);
                if self.eat(b']') {
                    break;
                }
                if !self.eat(b',') {
                    return Err(self.error("expected ',' or ']'"));
                }
            }
        }
        Ok(Json::Array(Rc::new(items)))
    }

    fn object(&mut self) -> Result<Json, String> {
        let mut members: Vec<(Rc<str>, Json)> = Vec::new();
        if !self.eat(b'}') {
            loop {
                self.blank();
                if self.bytes.get(self.at) != Some(&b'"') {
                    return Err(self.error("expected a string key"));
                }
                let key = self.string()?;
                if !self.eat(b':') {
                    return Err(self.error("expected ':'"));
                }
                let value = self.value()?;
                // A repeated key: the last one wins, as in JSON.parse.
                match members.iter_mut().find(|(k, _)| **k == *key) {
                    Some(member) => member.1 = value,
                    None => members.push((Rc::from(key.as_str()), value)),
                }
                if self.eat(b'}') {
                    break;
                }
                if !self.eat(b',') {
                    return Err(self.error("expected ',' or '}'"));
                }
            }
        }
        Ok(Json::Object(Rc::new(members)))
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let digits = self.bytes.get(self.at..self.at + 4).ok_or_else(|| self.error("short \\u escape"))?;
        let mut code = 0;
        for &digit in digits {
            let value = (digit as char).to_digit(16).ok_or_else(|| self.error("bad \\u escape"))?;
            code = code * 16 + value;
        }
        self.at += 4;
        Ok(code)
    }

    /// A string starting at the opening quote.
    fn string(&mut self) -> Result<String, String> {
        self.at += 1;
        let mut out = String::new();
        loop {
            let start = self.at;
            while let Some(&byte) = self.bytes.get(self.at) {
                if byte == b'"' || byte == b'\\' || byte < 0x20 {
                    break;
                }
                self.at += 1;
            }
            // The input is a &str and we stopped at ASCII bytes: a char boundary.
            let run = self.bytes.get(start..self.at).and_then(|run| core::str::from_utf8(run).ok());
            out.push_str(run.ok_or_else(|| self.error("bad UTF-8"))?);
            match self.bytes.get(self.at) {
                Some(b'"') => {
                    self.at += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.at += 1;
                    let escape = self.bytes.get(self.at).copied();
                    self.at += 1;
                    let c = match escape {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            let high = self.hex4()?;
                            let code = if (0xd800..0xdc00).contains(&high)
                                && self.bytes.get(self.at..self.at + 2) == Some(b"\\u")
                            {
                                self.at += 2;
                                let low = self.hex4()?;
                                if (0xdc00..0xe000).contains(&low) {
                                    0x10000 + ((high - 0xd800) << 10) + (low - 0xdc00)
                                } else {
                                    0xfffd
                                }
                            } else {
                                high
                            };
                            // A lone surrogate becomes U+FFFD, as TextEncoder would make it.
                            char::from_u32(code).unwrap_or('\u{fffd}')
                        }
                        _ => return Err(self.error("bad escape")),
                    };
                    out.push(c);
                }
                Some(_) => return Err(self.error("control character in a string")),
                None => return Err(self.error("unterminated string")),
            }
        }
    }

    fn number(&mut self) -> Result<Json, String> {
        let start = self.at;
        let digits = |p: &mut Self| {
            let from = p.at;
            while let Some(b'0'..=b'9') = p.bytes.get(p.at) {
                p.at += 1;
            }
            p.at > from
        };
        if self.bytes.get(self.at) == Some(&b'-') {
            self.at += 1;
        }
        if self.bytes.get(self.at) == Some(&b'0') {
            self.at += 1;
        } else if !digits(self) {
            return Err(self.error("expected digits"));
        }
        if self.bytes.get(self.at) == Some(&b'.') {
            self.at += 1;
            if !digits(self) {
                return Err(self.error("expected digits after '.'"));
            }
        }
        if let Some(b'e' | b'E') = self.bytes.get(self.at) {
            self.at += 1;
            if let Some(b'+' | b'-') = self.bytes.get(self.at) {
                self.at += 1;
            }
            if !digits(self) {
                return Err(self.error("expected exponent digits"));
            }
        }
        let text = self.bytes.get(start..self.at).and_then(|text| core::str::from_utf8(text).ok());
        let text = text.ok_or_else(|| self.error("bad number"))?;
        text.parse::<f64>().map(Json::Number).map_err(|_| self.error("bad number"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(members: &[(&str, Json)]) -> Json {
        Json::Object(Rc::new(members.iter().map(|(k, v)| (Rc::from(*k), v.clone())).collect()))
    }

    #[test]
    fn parses_every_kind_of_value_with_escapes_and_nesting() {
        let value =
            parse(r#" {"a": [1, -2.5e2, true, false, null], "s": "x\"\u00e9\ud83d\ude00\n", "o": {}} "#).unwrap();
        let expected = obj(&[
            (
                "a",
                Json::Array(Rc::new(alloc::vec![
                    Json::Number(1.0),
                    Json::Number(-250.0),
                    Json::Bool(true),
                    Json::Bool(false),
                    Json::Null
                ])),
            ),
            ("s", Json::String(Rc::from("x\"é😀\n"))),
            ("o", obj(&[])),
        ]);
        assert_eq!(value, expected);
    }

    #[test]
    fn incomplete_or_trailing_text_is_an_error_naming_the_byte() {
        assert_eq!(parse(r#"{"city": "Par"#).unwrap_err(), "unterminated string at byte 13");
        assert!(parse("[1,]").is_err());
        assert!(parse("01").is_err());
        assert!(parse("{} x").unwrap_err().starts_with("unexpected text"));
        assert!(parse(&"[".repeat(200)).unwrap_err().starts_with("nested too deeply"));
    }

    #[test]
    fn a_repeated_snapshot_shares_the_subtrees_it_repeats() {
        let old = parse(r#"{"a": {"x": 1}, "b": [1, 2], "c": {"y": 2}}"#).unwrap();
        let new = parse(r#"{"a": {"x": 1}, "b": [1, 2], "c": {"y": 3}}"#).unwrap().sharing_with(&old);
        let (Some(Json::Object(a_old)), Some(Json::Object(a_new))) = (old.get("a"), new.get("a")) else { panic!() };
        assert!(Rc::ptr_eq(a_old, a_new));
        let (Some(Json::Array(b_old)), Some(Json::Array(b_new))) = (old.get("b"), new.get("b")) else { panic!() };
        assert!(Rc::ptr_eq(b_old, b_new));
        let (Some(Json::Object(c_old)), Some(Json::Object(c_new))) = (old.get("c"), new.get("c")) else { panic!() };
        assert!(!Rc::ptr_eq(c_old, c_new));
        assert_eq!(new.get("c").and_then(|c| c.get("y")), Some(&Json::Number(3.0)));
    }
}
