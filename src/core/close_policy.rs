//! What a close code from the server means for the transport.

/// The transport's reading of a close code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseVerdict {
    /// 1000: the server is done with us. Stay disconnected.
    Done,
    /// 4401, 4403, 1008: the server rejected our credentials or policy. Retrying with the same
    /// credentials would be refused again, so only a refreshed token earns one more try.
    Rejected,
    /// Everything else (1001 going away, 1006 abnormal, 1011 server error, 1012 restart,
    /// 1013 try again later, e.g. a slow consumer, 4000-range app codes, ...): a transient
    /// problem. Reconnect with backoff (and resume, PROTOCOL.md).
    Retry,
}

pub const NORMAL_CLOSURE: u16 = 1000;
pub const POLICY_VIOLATION: u16 = 1008;
/// What the browser reports when the connection ended without a close frame.
pub const ABNORMAL_CLOSURE: u16 = 1006;
pub const UNAUTHORIZED: u16 = 4401;
pub const FORBIDDEN: u16 = 4403;

pub fn classify_close(code: u16) -> CloseVerdict {
    match code {
        NORMAL_CLOSURE => CloseVerdict::Done,
        UNAUTHORIZED | FORBIDDEN | POLICY_VIOLATION => CloseVerdict::Rejected,
        _ => CloseVerdict::Retry,
    }
}

/// Codes a browser lets a client send in `WebSocket.close(code)`; anything else throws.
pub fn is_valid_client_close_code(code: u16) -> bool {
    code == NORMAL_CLOSURE || (3000..=4999).contains(&code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_closure_means_done() {
        assert_eq!(classify_close(1000), CloseVerdict::Done);
    }

    #[test]
    fn auth_and_policy_codes_mean_rejected() {
        for code in [4401, 4403, 1008] {
            assert_eq!(classify_close(code), CloseVerdict::Rejected, "{code}");
        }
    }

    #[test]
    fn every_other_code_means_retry() {
        for code in [1001, 1005, 1006, 1011, 1012, 1013, 4000, 4001, 4400, 4999, 3000] {
            assert_eq!(classify_close(code), CloseVerdict::Retry, "{code}");
        }
    }

    #[test]
    fn clients_may_only_send_1000_or_the_3000_to_4999_range() {
        assert!(is_valid_client_close_code(1000));
        assert!(is_valid_client_close_code(3000));
        assert!(is_valid_client_close_code(4999));
        assert!(!is_valid_client_close_code(1001));
        assert!(!is_valid_client_close_code(2999));
        assert!(!is_valid_client_close_code(5000));
    }
}
