//! Query parameters, validated with messages a client can act on.

use std::collections::HashMap;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

pub struct Params<'a> {
    map: &'a HashMap<String, String>,
}

/// A rejected request: 400 with `{"ok":false,"error":…}`.
#[derive(Debug)]
pub struct BadRequest(pub String);

impl IntoResponse for BadRequest {
    fn into_response(self) -> Response {
        (
            StatusCode::BAD_REQUEST,
            Json(json!({ "ok": false, "error": self.0 })),
        )
            .into_response()
    }
}

impl<'a> Params<'a> {
    pub fn new(map: &'a HashMap<String, String>) -> Params<'a> {
        Params { map }
    }

    /// Rejects parameters outside `known`, so a typo is an error rather than silently ignored.
    pub fn only(&self, known: &[&str]) -> Result<(), BadRequest> {
        let mut unknown: Vec<&str> = self
            .map
            .keys()
            .map(String::as_str)
            .filter(|k| !known.contains(k))
            .collect();
        if unknown.is_empty() {
            return Ok(());
        }
        unknown.sort_unstable();
        Err(BadRequest(format!(
            "unknown parameter(s) {}; expected {}",
            unknown.join(", "),
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        )))
    }

    /// An optional integer in `0..=max`.
    pub fn u64(&self, name: &str, max: u64) -> Result<Option<u64>, BadRequest> {
        let Some(raw) = self.map.get(name) else {
            return Ok(None);
        };
        match raw.trim().parse::<u64>() {
            Ok(value) if value <= max => Ok(Some(value)),
            _ => Err(BadRequest(format!(
                "{name} must be an integer from 0 to {max}, got {raw:?}"
            ))),
        }
    }

    pub fn str(&self, name: &str) -> Option<&'a str> {
        self.map.get(name).map(String::as_str)
    }

    /// An optional boolean: 1/true/yes or 0/false/no (absent = false).
    pub fn flag(&self, name: &str) -> Result<bool, BadRequest> {
        match self.map.get(name).map(|v| v.trim().to_ascii_lowercase()) {
            None => Ok(false),
            Some(v) if matches!(v.as_str(), "1" | "true" | "yes" | "") => Ok(true),
            Some(v) if matches!(v.as_str(), "0" | "false" | "no") => Ok(false),
            Some(v) => Err(BadRequest(format!("{name} must be 1 or 0, got {v:?}"))),
        }
    }
}
