//! RFC 6902 JSON Patch over [`Json`], for `STATE_DELTA` and `ACTIVITY_DELTA`.
//!
//! Hand-written rather than the `json-patch` crate: that crate (4.x) works on
//! `serde_json::Value`, needs std (serde_json's default features, thiserror, jsonptr, serde
//! derive) and so cannot build into this `no_std` module, and `serde_json::Value` owns its
//! children, so every patch would copy the state or need a diff to find what kept its identity.
//! Here a patch copies only the nodes on the paths it changes (`Rc::make_mut`), and it applies
//! to a clone of the root: a patch that fails part-way leaves the original exactly as it was.

use alloc::rc::Rc;

use crate::prelude::*;

use super::json::{insert_at, remove_at, Json};
use super::text::Text;

#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    Add,
    Remove,
    Replace,
    Move,
    Copy,
    Test,
}

impl Op {
    pub fn from_name(name: &str) -> Option<Op> {
        Some(match name {
            "add" => Op::Add,
            "remove" => Op::Remove,
            "replace" => Op::Replace,
            "move" => Op::Move,
            "copy" => Op::Copy,
            "test" => Op::Test,
            _ => return None,
        })
    }
}

/// One operation as sent. `op: None` is an operation name the RFC does not have (kept so the
/// error can say which one); `from` and `value` are checked when applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    pub op: Option<Op>,
    pub op_name: String,
    pub path: String,
    pub from: Option<String>,
    pub value: Option<Json>,
}

/// `document` with `patch` applied, or why it does not apply (naming the operation, from 0).
pub fn apply(document: &Json, patch: &[Operation]) -> Result<Json, String> {
    let mut doc = document.clone();
    for (i, operation) in patch.iter().enumerate() {
        apply_one(&mut doc, operation).map_err(|problem| {
            Text::new("operation ")
                .n(i as u64)
                .s(" (")
                .s(&operation.op_name)
                .s(" ")
                .s(&operation.path)
                .s("): ")
                .s(&problem)
                .done()
        })?;
    }
    Ok(doc)
}

fn apply_one(doc: &mut Json, operation: &Operation) -> Result<(), String> {
    let path = pointer(&operation.path)?;
    let value = || operation.value.clone().ok_or_else(|| String::from("'value' is missing"));
    let from = || match &operation.from {
        Some(from) => pointer(from),
        None => Err(String::from("'from' is missing")),
    };
    match operation.op {
        None => Err(String::from("unknown operation")),
        Some(Op::Add) => add(doc, &path, value()?),
        Some(Op::Remove) => remove(doc, &path).map(drop),
        Some(Op::Replace) => {
            let value = value()?;
            *target(doc, &path)? = value;
            Ok(())
        }
        Some(Op::Move) => {
            let from = from()?;
            if path.len() > from.len() && path.get(..from.len()) == Some(&from[..]) {
                return Err(String::from("cannot move a value into itself"));
            }
            let moved = remove(doc, &from)?;
            add(doc, &path, moved)
        }
        Some(Op::Copy) => {
            let copied = find(doc, &from()?).cloned().ok_or_else(|| String::from("'from' not found"))?;
            add(doc, &path, copied)
        }
        Some(Op::Test) => match find(doc, &path) {
            Some(found) if *found == value()? => Ok(()),
            Some(_) => Err(String::from("test failed")),
            None => Err(String::from("path not found")),
        },
    }
}

/// RFC 6901: `""` is the whole document, else `/`-separated tokens with `~1` for `/`, `~0` for
/// `~`.
fn pointer(text: &str) -> Result<Vec<String>, String> {
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let Some(rest) = text.strip_prefix('/') else { return Err(String::from("a path must start with '/'")) };
    rest.split('/')
        .map(|token| {
            let mut out = String::with_capacity(token.len());
            let mut chars = token.chars();
            while let Some(c) = chars.next() {
                match c {
                    '~' => match chars.next() {
                        Some('0') => out.push('~'),
                        Some('1') => out.push('/'),
                        _ => return Err(String::from("'~' must be followed by 0 or 1")),
                    },
                    c => out.push(c),
                }
            }
            Ok(out)
        })
        .collect()
}

/// An array index token: digits without a leading zero.
fn index(token: &str) -> Option<usize> {
    if token.is_empty() || (token.len() > 1 && token.starts_with('0')) || !token.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    token.parse().ok()
}

fn find<'a>(doc: &'a Json, path: &[String]) -> Option<&'a Json> {
    path.iter().try_fold(doc, |node, token| match node {
        Json::Object(_) => node.get(token),
        Json::Array(items) => index(token).and_then(|i| items.get(i)),
        _ => None,
    })
}

/// The node at `path`, made unique along the way (copy-on-write).
fn target<'a>(doc: &'a mut Json, path: &[String]) -> Result<&'a mut Json, String> {
    let mut node = doc;
    for token in path {
        node = match node {
            Json::Object(members) => Rc::make_mut(members)
                .iter_mut()
                .find(|(k, _)| **k == **token)
                .map(|(_, v)| v)
                .ok_or_else(|| String::from("path not found"))?,
            Json::Array(items) => {
                let i = index(token).ok_or_else(|| String::from("not an array index"))?;
                Rc::make_mut(items).get_mut(i).ok_or_else(|| String::from("index out of range"))?
            }
            _ => return Err(String::from("path not found")),
        };
    }
    Ok(node)
}

fn add(doc: &mut Json, path: &[String], value: Json) -> Result<(), String> {
    let Some((last, parent)) = path.split_last() else {
        *doc = value;
        return Ok(());
    };
    match target(doc, parent)? {
        Json::Object(members) => {
            let members = Rc::make_mut(members);
            match members.iter_mut().find(|(k, _)| **k == **last) {
                Some(member) => member.1 = value,
                None => members.push((Rc::from(last.as_str()), value)),
            }
            Ok(())
        }
        Json::Array(items) => {
            let len = items.len();
            let i = if last == "-" { len } else { index(last).ok_or_else(|| String::from("not an array index"))? };
            if i > len {
                return Err(String::from("index out of range"));
            }
            insert_at(Rc::make_mut(items), i, value);
            Ok(())
        }
        _ => Err(String::from("the parent is not an object or array")),
    }
}

fn remove(doc: &mut Json, path: &[String]) -> Result<Json, String> {
    let Some((last, parent)) = path.split_last() else {
        return Err(String::from("cannot remove the whole document"));
    };
    match target(doc, parent)? {
        Json::Object(members) => {
            let at = members.iter().position(|(k, _)| **k == **last).ok_or_else(|| String::from("path not found"))?;
            remove_at(Rc::make_mut(members), at).map(|(_, value)| value).ok_or_else(|| String::from("path not found"))
        }
        Json::Array(items) => {
            let i = index(last).filter(|i| *i < items.len()).ok_or_else(|| String::from("index out of range"))?;
            remove_at(Rc::make_mut(items), i).ok_or_else(|| String::from("index out of range"))
        }
        _ => Err(String::from("path not found")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::json::parse;

    fn op(name: &str, path: &str, value: Option<&str>, from: Option<&str>) -> Operation {
        Operation {
            op: Op::from_name(name),
            op_name: name.into(),
            path: path.into(),
            from: from.map(Into::into),
            value: value.map(|v| parse(v).unwrap()),
        }
    }

    fn patched(doc: &str, patch: &[Operation]) -> Result<Json, String> {
        apply(&parse(doc).unwrap(), patch)
    }

    #[test]
    fn every_operation_of_rfc_6902_applies() {
        let doc = r#"{"a": {"b": [1, 2]}, "c": "x", "~/": 0}"#;
        let patch = [
            op("add", "/a/b/1", Some("9"), None),
            op("add", "/a/b/-", Some("3"), None),
            op("replace", "/c", Some(r#""y""#), None),
            op("copy", "/d", None, Some("/a/b")),
            op("move", "/e", None, Some("/c")),
            op("remove", "/a/b/0", None, None),
            op("test", "/~0~1", Some("0"), None),
            op("add", "/a/n", Some("null"), None),
        ];
        assert_eq!(
            patched(doc, &patch).unwrap(),
            parse(r#"{"a": {"b": [9, 2, 3], "n": null}, "~/": 0, "d": [1, 9, 2, 3], "e": "y"}"#).unwrap()
        );
    }

    #[test]
    fn a_patch_failing_part_way_names_the_operation_and_leaves_the_document_unchanged() {
        let doc = parse(r#"{"count": 1}"#).unwrap();
        let patch = [op("replace", "/count", Some("2"), None), op("remove", "/missing", None, None)];
        assert_eq!(apply(&doc, &patch).unwrap_err(), "operation 1 (remove /missing): path not found");
        assert_eq!(doc, parse(r#"{"count": 1}"#).unwrap());
        assert!(apply(&doc, &[op("test", "/count", Some("5"), None)]).unwrap_err().ends_with("test failed"));
        assert!(apply(&doc, &[op("jump", "/count", None, None)]).unwrap_err().ends_with("unknown operation"));
        assert!(apply(&doc, &[op("add", "count", Some("1"), None)]).unwrap_err().contains("must start with '/'"));
        assert!(apply(&doc, &[op("add", "/x", None, None)]).unwrap_err().ends_with("'value' is missing"));
    }

    #[test]
    fn a_patch_copies_only_the_path_it_changes() {
        let doc = parse(r#"{"left": {"deep": [1]}, "right": {"n": 1}}"#).unwrap();
        let new = apply(&doc, &[op("replace", "/right/n", Some("2"), None)]).unwrap();
        let (Some(Json::Object(old_left)), Some(Json::Object(new_left))) = (doc.get("left"), new.get("left")) else {
            panic!()
        };
        assert!(Rc::ptr_eq(old_left, new_left), "the untouched subtree is the same allocation");
        assert_eq!(doc.get("right").and_then(|r| r.get("n")), Some(&Json::Number(1.0)));
        assert_eq!(new.get("right").and_then(|r| r.get("n")), Some(&Json::Number(2.0)));
    }
}
