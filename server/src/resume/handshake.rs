//! The `resume` frame a client opens with and the `welcome` the server answers
//! (PROTOCOL.md, "The handshake").

use serde_json::{json, Value};

/// The protocol version this server speaks.
pub const VERSION: u64 = 1;

/// A readable `resume` frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hello {
    /// `None`: a first connection, nothing to resume.
    pub session: Option<String>,
    pub after: u64,
}

/// Reads `{"type":"resume","v":1,"session":null|"<id>","after":N}`. `None` means the server
/// cannot honour it: another `v`, or fields of the wrong type (answered with
/// `reason: "unsupported"`). A missing `after` counts as 0, a missing `session` as null.
pub fn parse_hello(value: &Value) -> Option<Hello> {
    if value.get("v").and_then(Value::as_u64) != Some(VERSION) {
        return None;
    }
    let session = match value.get("session") {
        None | Some(Value::Null) => None,
        Some(Value::String(id)) => Some(id.clone()),
        Some(_) => return None,
    };
    let after = match value.get("after") {
        None | Some(Value::Null) => 0,
        Some(n) => n.as_u64()?,
    };
    Some(Hello { session, after })
}

/// Whether a parsed client frame is a `resume` frame.
pub fn is_resume(value: &Value) -> bool {
    value.get("type").and_then(Value::as_str) == Some("resume")
}

/// The server's answer, before any sequenced event of the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Welcome {
    pub session: String,
    pub resumed: bool,
    pub after: u64,
    /// Why a session the client named was not resumed.
    pub reason: Option<&'static str>,
}

impl Welcome {
    pub fn to_frame(&self) -> String {
        let mut frame = json!({
            "type": "welcome",
            "v": VERSION,
            "session": self.session,
            "resumed": self.resumed,
            "after": self.after,
        });
        if let (Some(reason), Value::Object(map)) = (self.reason, &mut frame) {
            map.insert("reason".into(), Value::from(reason));
        }
        frame.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_first_connection_and_a_reconnection_are_read() {
        let first = json!({"type":"resume","v":1,"session":null,"after":0});
        assert_eq!(
            parse_hello(&first),
            Some(Hello {
                session: None,
                after: 0
            })
        );
        let again = json!({"type":"resume","v":1,"session":"s-1","after":41});
        assert_eq!(
            parse_hello(&again),
            Some(Hello {
                session: Some("s-1".into()),
                after: 41
            })
        );
    }

    #[test]
    fn another_version_or_wrong_types_are_unsupported() {
        for bad in [
            json!({"type":"resume","v":2,"session":null,"after":0}),
            json!({"type":"resume","session":null,"after":0}),
            json!({"type":"resume","v":1,"session":7,"after":0}),
            json!({"type":"resume","v":1,"session":"s","after":-1}),
            json!({"type":"resume","v":1,"session":"s","after":"3"}),
        ] {
            assert_eq!(parse_hello(&bad), None, "{bad}");
        }
    }

    #[test]
    fn the_welcome_carries_a_reason_only_when_there_is_one() {
        let fresh = Welcome {
            session: "s-2".into(),
            resumed: false,
            after: 0,
            reason: None,
        };
        assert_eq!(
            fresh.to_frame(),
            r#"{"after":0,"resumed":false,"session":"s-2","type":"welcome","v":1}"#
        );
        let refused = Welcome {
            reason: Some("expired"),
            ..fresh
        };
        let v: Value = serde_json::from_str(&refused.to_frame()).unwrap();
        assert_eq!(v["reason"], "expired");
    }
}
