//! The resume protocol's vocabulary (PROTOCOL.md, version 1): the frame types the transport
//! speaks, what a `welcome` tells it, and the messages it holds until they are acknowledged.
//! The decisions themselves are the connection's (`connection.rs`), where the phases are.

use crate::prelude::*;
use super::Millis;

/// The version of PROTOCOL.md this transport speaks, sent as `v` in `resume`.
pub const PROTOCOL_VERSION: u32 = 1;
/// The client's first frame on a resuming connection.
pub const RESUME_TYPE: &str = "resume";
/// The server's answer to `resume`; consumed by the transport.
pub const WELCOME_TYPE: &str = "welcome";
/// The server's answer to a message carrying an idempotency id; consumed by the transport.
pub const ACK_TYPE: &str = "ack";

/// What a `welcome` frame says, as far as the client acts on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Welcome {
    /// `None` when the frame has no string `session`: a malformed welcome.
    pub session: Option<String>,
    pub resumed: bool,
    /// Why a session was not resumed (`unknown`, `expired`, `evicted`, `unsupported`).
    pub reason: Option<String>,
}

/// Names one `sendWithAck` call, so the embedder can settle the right promise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AckKey(pub u64);

/// A message waiting for its `ack`: kept in the offline queue (within its bounds) and sent
/// again on every connection until acknowledged or timed out.
#[derive(Debug, Clone, PartialEq)]
pub struct AckHold {
    pub key: AckKey,
    /// The idempotency id the message carries in its `ackIdField`.
    pub id: String,
    pub deadline: Millis,
    pub timeout_ms: Millis,
    /// Sent on the current socket: not counted as `queued`, not sent again until it drops.
    pub in_flight: bool,
    /// Restored from storage (`queue.persist`) by a later transport: nobody waits on a promise
    /// for it, so a failure is reported as an error event instead of `AckFailed`.
    pub restored: bool,
}

/// One entry of the offline queue: a frame, and its ack bookkeeping if it waits for one.
#[derive(Debug, Clone, PartialEq)]
pub struct Outbound<P> {
    pub frame: P,
    pub ack: Option<AckHold>,
}

/// A random id in the form of a version-4 UUID, from two draws of `next`: the fallback for
/// browsers without `crypto.randomUUID` (insecure origins).
pub fn uuid_v4(mut next: impl FnMut() -> u64) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let (high, low) = (next(), next());
    // Version 4 in the 13th digit, variant 10xx in the 17th.
    let high = (high & !0xF000) | 0x4000;
    let low = (low & !(0xC << 60)) | (0x8 << 60);
    let mut id = String::with_capacity(36);
    for (i, nibble) in (0..16).rev().map(|i| (high >> (i * 4)) & 0xF).chain((0..16).rev().map(|i| (low >> (i * 4)) & 0xF)).enumerate() {
        if matches!(i, 8 | 12 | 16 | 20) {
            id.push('-');
        }
        id.push(HEX[nibble as usize] as char);
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_look_like_version_4_uuids() {
        let mut n = 0u64;
        let id = uuid_v4(|| {
            n += 1;
            u64::MAX / n
        });
        assert_eq!(id.len(), 36);
        let parts: Vec<&str> = id.split('-').collect();
        assert_eq!(parts.iter().map(|p| p.len()).collect::<Vec<_>>(), vec![8, 4, 4, 4, 12]);
        assert!(parts[2].starts_with('4'), "{id}");
        assert!(matches!(parts[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'), "{id}");
        assert!(id.bytes().all(|b| b == b'-' || b.is_ascii_hexdigit()));
    }
}
