//! A sans-IO parser for `text/event-stream` (the WHATWG HTML standard's "server-sent events"
//! interpretation), for the HTTP transport: bytes in as the response body delivers them (any
//! chunking, a line or a multi-byte character split across chunks), events out.
//!
//! Rules kept from the standard: lines end in LF, CRLF or CR; a leading BOM is skipped; a line
//! starting with `:` is a comment; `field: value` loses one space after the colon; `data` lines
//! join with LF; an empty line dispatches (an event without data is not dispatched, but its
//! `id` still counts); an `id` containing NUL is ignored; `retry` takes ASCII digits only. The
//! last event id persists from event to event, as EventSource's does: it is what a reconnection
//! sends as `Last-Event-ID`.

use crate::prelude::*;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// `event:` (the standard's default is `message`).
    pub kind: String,
    pub data: String,
    /// The last event id when this event was dispatched (`None`: none seen yet).
    pub id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SseItem {
    Event(SseEvent),
    /// `retry:` milliseconds: the server's reconnection delay.
    Retry(u64),
    /// A comment line's text (keep-alives).
    Comment(String),
}

#[derive(Debug, Default)]
pub struct SseParser {
    /// Bytes of the line under way (UTF-8 is decoded per whole line, so a split character
    /// is never mangled).
    line: Vec<u8>,
    /// The last byte was CR: an LF right after it ends nothing more.
    after_cr: bool,
    started: bool,
    data: String,
    has_data: bool,
    kind: String,
    /// `id:` of the event under way, committed to `last_id` when it is dispatched (a partial
    /// event's id must not count: a reconnection would skip it).
    id_buffer: Option<String>,
    last_id: Option<String>,
    /// Lines longer than this are cut off (a server that never sends a newline cannot make the
    /// parser hold unbounded memory); `0` for no limit.
    max_line_bytes: usize,
    line_cut: bool,
    pub overlong_lines: u64,
}

impl SseParser {
    pub fn new(max_line_bytes: usize) -> SseParser {
        SseParser { max_line_bytes, ..SseParser::default() }
    }

    pub fn max_line_bytes(&self) -> usize {
        self.max_line_bytes
    }

    /// The id a reconnection sends as `Last-Event-ID`.
    pub fn last_event_id(&self) -> Option<&str> {
        self.last_id.as_deref()
    }

    /// Forgets the partial line and event of a response that ended (a new response starts
    /// clean), keeping the last event id.
    pub fn end_of_stream(&mut self) {
        self.line.clear();
        self.after_cr = false;
        self.started = false;
        self.data.clear();
        self.has_data = false;
        self.kind.clear();
        self.id_buffer = None;
    }

    /// Feeds bytes; pushes what they complete onto `out`.
    pub fn feed(&mut self, mut bytes: &[u8], out: &mut Vec<SseItem>) {
        if !self.started && !bytes.is_empty() {
            // The BOM may itself arrive split; it is only ever the first three bytes.
            const BOM: &[u8] = b"\xEF\xBB\xBF";
            let have = self.line.len();
            let probe: Vec<u8> = self.line.iter().chain(bytes.iter()).take(3).copied().collect();
            if BOM.starts_with(&probe) && probe.len() < 3 {
                self.line.extend_from_slice(bytes);
                return;
            }
            self.started = true;
            if probe == BOM {
                bytes = bytes.get(3 - have..).unwrap_or(&[]);
                self.line.clear();
            }
        }
        for &byte in bytes {
            match byte {
                b'\n' if self.after_cr => self.after_cr = false,
                b'\n' | b'\r' => {
                    self.after_cr = byte == b'\r';
                    let line = core::mem::take(&mut self.line);
                    self.line_cut = false;
                    self.line_done(&line, out);
                }
                _ => {
                    self.after_cr = false;
                    if self.max_line_bytes == 0 || self.line.len() < self.max_line_bytes {
                        self.line.push(byte);
                    } else if !self.line_cut {
                        self.line_cut = true;
                        self.overlong_lines += 1;
                    }
                }
            }
        }
    }

    fn line_done(&mut self, raw: &[u8], out: &mut Vec<SseItem>) {
        if raw.is_empty() {
            if let Some(id) = self.id_buffer.take() {
                self.last_id = Some(id);
            }
            if self.has_data {
                let data = core::mem::take(&mut self.data);
                let kind = if self.kind.is_empty() { String::from("message") } else { core::mem::take(&mut self.kind) };
                out.push(SseItem::Event(SseEvent { kind, data, id: self.last_id.clone() }));
            }
            self.has_data = false;
            self.kind.clear();
            self.data.clear();
            return;
        }
        let line = String::from_utf8_lossy(raw);
        if let Some(comment) = line.strip_prefix(':') {
            out.push(SseItem::Comment(String::from(comment.strip_prefix(' ').unwrap_or(comment))));
            return;
        }
        let (field, value) = match line.find(':') {
            Some(at) => {
                let value = &line[at + 1..];
                (&line[..at], value.strip_prefix(' ').unwrap_or(value))
            }
            None => (&*line, ""),
        };
        match field {
            "data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            "event" => self.kind = String::from(value),
            "id" if !value.contains('\u{0}') => self.id_buffer = Some(String::from(value)),
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                if let Ok(ms) = value.parse() {
                    out.push(SseItem::Retry(ms));
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_chunks(chunks: &[&[u8]]) -> Vec<SseItem> {
        let mut parser = SseParser::new(0);
        let mut out = Vec::new();
        for chunk in chunks {
            parser.feed(chunk, &mut out);
        }
        out
    }

    fn event(data: &str, id: Option<&str>) -> SseItem {
        SseItem::Event(SseEvent { kind: "message".into(), data: data.into(), id: id.map(Into::into) })
    }

    #[test]
    fn data_id_retry_comments_and_multi_line_data() {
        let out = parse_chunks(&[b": hello\nretry: 500\nid: 1\ndata: {\"a\":1}\n\ndata: one\ndata:two\nid: 2\n\n"]);
        assert_eq!(
            out,
            [
                SseItem::Comment("hello".into()),
                SseItem::Retry(500),
                event("{\"a\":1}", Some("1")),
                event("one\ntwo", Some("2"))
            ]
        );
    }

    #[test]
    fn any_chunking_gives_the_same_events_even_split_inside_a_character_or_a_crlf() {
        let stream = "\u{feff}id: 7\r\ndata: héllo 😀\r\n\r\nevent: custom\rdata: x\r\r".as_bytes();
        let whole = parse_chunks(&[stream]);
        assert_eq!(
            whole,
            [
                event("héllo 😀", Some("7")),
                SseItem::Event(SseEvent { kind: "custom".into(), data: "x".into(), id: Some("7".into()) })
            ]
        );
        for size in 1..stream.len() {
            let chunks: Vec<&[u8]> = stream.chunks(size).collect();
            assert_eq!(parse_chunks(&chunks), whole, "chunks of {size}");
        }
    }

    #[test]
    fn the_last_event_id_survives_the_end_of_a_response_and_its_partial_event_is_dropped() {
        let mut parser = SseParser::new(0);
        let mut out = Vec::new();
        parser.feed(b"id: 41\ndata: a\n\nid: 42\n\nid: 43\ndata: par", &mut out);
        assert_eq!(parser.last_event_id(), Some("42"), "an id without data counts, a partial event's not");
        parser.end_of_stream();
        parser.feed(b"tial\n\ndata: b\n\n", &mut out);
        assert_eq!(out, [event("a", Some("41")), event("b", Some("42"))]);
    }

    #[test]
    fn bad_fields_are_ignored_and_long_lines_are_cut() {
        let out = parse_chunks(&[b"retry: 5x\nid: a\0b\nwhat: ever\ndata\n\n"]);
        assert_eq!(out, [event("", None)]);
        let mut parser = SseParser::new(8);
        let mut out = Vec::new();
        parser.feed(b"data: 0123456789\n\n", &mut out);
        assert_eq!((out, parser.overlong_lines), (vec![event("01", None)], 1));
    }
}
