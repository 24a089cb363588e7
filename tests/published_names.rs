//! The status and error-kind names the TypeScript declarations promise are exactly the core's:
//! the Rust enums are the one source of these names, and the hand-written types must follow.

use std::collections::BTreeSet;

use agentwire::core::{ErrorKind, Status};

const DECLARATIONS: &str = include_str!("../src/web/agentwire.d.ts");

/// The string literals of `export type <name> = 'a' | 'b' ...;` in the declarations.
fn union_members(name: &str) -> BTreeSet<String> {
    let start = DECLARATIONS.find(&format!("export type {name} =")).unwrap_or_else(|| panic!("{name} is declared"));
    let body = &DECLARATIONS[start..];
    let body = &body[..body.find(';').expect("the declaration ends")];
    body.split('\'').skip(1).step_by(2).map(str::to_owned).collect()
}

#[test]
fn the_declared_statuses_are_the_cores() {
    let core: BTreeSet<String> = Status::ALL.iter().map(|s| s.as_str().to_owned()).collect();
    assert_eq!(union_members("TransportStatus"), core);
}

#[test]
fn the_declared_error_kinds_are_the_cores() {
    let core: BTreeSet<String> = ErrorKind::ALL.iter().map(|k| k.as_str().to_owned()).collect();
    assert_eq!(union_members("TransportErrorKind"), core);
}
