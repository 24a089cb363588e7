//! Which URL each connection attempt uses: one URL, several tried in turn (failover between
//! server instances), or a function the embedder calls before every attempt.
//!
//! The rule for a list: stay on a URL while it works; every retry the core schedules (an attempt
//! that failed, a connection that dropped or went silent) moves to the next one, wrapping
//! around. So a client whose instance died tries another instance on its next attempt instead of
//! spending a backoff round on the dead one, and a list of one behaves as a plain URL.

use crate::prelude::*;

/// Where attempts get their URL, as far as the core needs to know.
#[derive(Debug, Clone, PartialEq)]
pub enum UrlSource {
    /// Tried in turn; at least one.
    List(Vec<String>),
    /// A function the embedder calls before every attempt (`Action::FetchUrl`).
    Dynamic,
}

impl Default for UrlSource {
    /// A placeholder every embedder replaces with the app's `url` option (the core never opens
    /// anything itself; its native tests just see it in `OpenSocket`).
    fn default() -> Self {
        UrlSource::List(vec!["ws://localhost/".to_owned()])
    }
}

/// True for the URLs a browser `WebSocket` accepts here: `ws://` or `wss://`, something after.
pub fn is_websocket_url(url: &str) -> bool {
    let lower = url.get(..6).unwrap_or(url).to_ascii_lowercase();
    (lower.starts_with("ws://") && url.len() > 5) || (lower.starts_with("wss://") && url.len() > 6)
}

/// The position in a [`UrlSource::List`].
#[derive(Debug, Clone, Default)]
pub struct UrlRotation {
    index: usize,
}

impl UrlRotation {
    /// The URL the next attempt uses; `None` for a dynamic source.
    pub fn current<'a>(&self, source: &'a UrlSource) -> Option<&'a str> {
        match source {
            UrlSource::List(urls) if !urls.is_empty() => Some(&urls[self.index % urls.len()]),
            _ => None,
        }
    }

    /// A retry was scheduled: the next attempt uses the next URL.
    pub fn advance(&mut self, source: &UrlSource) {
        if let UrlSource::List(urls) = source {
            if !urls.is_empty() {
                self.index = (self.index + 1) % urls.len();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(urls: &[&str]) -> UrlSource {
        UrlSource::List(urls.iter().map(|u| (*u).to_owned()).collect())
    }

    #[test]
    fn a_list_is_tried_in_turn_and_wraps_around() {
        let source = list(&["ws://a/", "ws://b/", "ws://c/"]);
        let mut rotation = UrlRotation::default();
        let mut seen = Vec::new();
        for _ in 0..4 {
            seen.push(rotation.current(&source).unwrap().to_owned());
            rotation.advance(&source);
        }
        assert_eq!(seen, ["ws://a/", "ws://b/", "ws://c/", "ws://a/"]);
    }

    #[test]
    fn a_list_of_one_always_gives_that_url_and_a_dynamic_source_none() {
        let source = list(&["wss://only/"]);
        let mut rotation = UrlRotation::default();
        rotation.advance(&source);
        assert_eq!(rotation.current(&source), Some("wss://only/"));
        assert_eq!(rotation.current(&UrlSource::Dynamic), None);
    }

    #[test]
    fn only_ws_and_wss_urls_with_a_host_part_are_websocket_urls() {
        for good in ["ws://127.0.0.1:8000/ws", "WSS://example.com", "wss://x"] {
            assert!(is_websocket_url(good), "{good}");
        }
        for bad in ["http://example.com", "ws://", "wss://", "", "ws:/x", "ftp://x"] {
            assert!(!is_websocket_url(bad), "{bad}");
        }
    }
}
