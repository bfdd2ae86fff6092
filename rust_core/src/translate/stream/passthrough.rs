//! Same-API passthrough: the upstream's bytes go to the client unchanged, event by event, while
//! only the few events that carry usage, a stop reason, an error or the end are parsed.
//!
//! Bytes are forwarded up to the last complete event (the last blank line), so a stream cut in
//! the middle of an event never leaves half an event in front of the error event that reports
//! the cut. Text deltas are not parsed: their size is estimated by measuring the delta's JSON
//! string in place (for `output_chars`).

use memchr::memmem;

use crate::translate::ApiKind;

/// Forwarding state and cheap observation for one passthrough stream.
#[derive(Debug)]
pub struct Passthrough {
    upstream: ApiKind,
    /// Bytes received after the last complete event.
    pending: Vec<u8>,
    events_seen: u64,
    /// Last `sequence_number` seen (Responses), so a synthesized error can continue it.
    last_sequence_number: Option<u64>,
}

/// What to do with one upstream event's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Observe {
    /// Parse it fully: it carries usage, a stop reason, an error, ids or the end.
    Parse,
    /// Skip parsing; count this many output chars.
    Estimate(u64),
}

impl Passthrough {
    pub fn new(upstream: ApiKind) -> Self {
        Self {
            upstream,
            pending: Vec::new(),
            events_seen: 0,
            last_sequence_number: None,
        }
    }

    /// Appends to `out` every byte of `chunk` (after what is pending) up to the last event end.
    pub fn forward(&mut self, chunk: &[u8], out: &mut Vec<u8>) {
        let (buf, from_pending) = if self.pending.is_empty() {
            (chunk, false)
        } else {
            self.pending.extend_from_slice(chunk);
            (self.pending.as_slice(), true)
        };
        let end = last_event_end(buf);
        if let Some(forwarded) = buf.get(..end) {
            out.extend_from_slice(forwarded);
        }
        let rest = buf.get(end..).unwrap_or_default().to_vec();
        if from_pending || !rest.is_empty() {
            self.pending = rest;
        }
    }

    /// The bytes after the last complete event, handed over at EOF.
    pub fn take_pending(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.pending)
    }

    pub fn last_sequence_number(&self) -> Option<u64> {
        self.last_sequence_number
    }

    /// Decides whether `data` (one event's data) needs a full parse.
    pub fn observe(&mut self, data: &str) -> Observe {
        let bytes = data.as_bytes();
        if self.upstream == ApiKind::OpenAiResponses {
            if let Some(n) = number_after(bytes, b"\"sequence_number\"") {
                self.last_sequence_number = Some(n);
            }
        }
        self.events_seen += 1;
        if self.events_seen == 1 {
            return Observe::Parse;
        }
        match self.upstream {
            ApiKind::OpenAiChat => {
                if data.trim_ascii() == "[DONE]"
                    || has_non_null(bytes, b"\"finish_reason\"")
                    || has_non_null(bytes, b"\"usage\"")
                    || memmem::find(bytes, b"\"error\"").is_some()
                {
                    Observe::Parse
                } else {
                    Observe::Estimate(
                        string_chars_after(bytes, b"\"content\"")
                            + string_chars_after(bytes, b"\"reasoning_content\"")
                            + string_chars_after(bytes, b"\"arguments\""),
                    )
                }
            }
            ApiKind::AnthropicMessages => match peek_type(bytes) {
                Some(b"content_block_delta") => Observe::Estimate(
                    string_chars_after(bytes, b"\"text\"")
                        + string_chars_after(bytes, b"\"partial_json\"")
                        + string_chars_after(bytes, b"\"thinking\""),
                ),
                Some(b"ping" | b"content_block_stop") => Observe::Estimate(0),
                _ => Observe::Parse,
            },
            ApiKind::OpenAiResponses => match peek_type(bytes) {
                Some(t) if t.ends_with(b".delta") => {
                    Observe::Estimate(string_chars_after(bytes, b"\"delta\""))
                }
                Some(
                    b"response.completed"
                    | b"response.incomplete"
                    | b"response.failed"
                    | b"error"
                    | b"response.created",
                )
                | None => Observe::Parse,
                Some(_) => Observe::Estimate(0),
            },
            ApiKind::Gemini | ApiKind::BedrockConverse => {
                if memmem::find(bytes, b"\"finishReason\"").is_some()
                    || memmem::find(bytes, b"\"usageMetadata\"").is_some()
                    || memmem::find(bytes, b"\"error\"").is_some()
                {
                    Observe::Parse
                } else {
                    Observe::Estimate(string_chars_after(bytes, b"\"text\""))
                }
            }
        }
    }
}

/// The offset just past the last blank line (`\n\n`, `\n\r\n` or `\r\r`), or 0.
fn last_event_end(buf: &[u8]) -> usize {
    let lf = memmem::rfind(buf, b"\n\n").map_or(0, |i| i + 2);
    let crlf = memmem::rfind(buf, b"\n\r\n").map_or(0, |i| i + 3);
    let cr = memmem::rfind(buf, b"\r\r").map_or(0, |i| i + 2);
    lf.max(crlf).max(cr)
}

/// The bytes after `key`, its colon and whitespace.
fn value_after<'a>(bytes: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    let at = memmem::find(bytes, key)? + key.len();
    let rest = bytes.get(at..)?;
    let rest = rest.trim_ascii_start().strip_prefix(b":")?;
    Some(rest.trim_ascii_start())
}

/// Whether `key` occurs with a value other than `null`.
fn has_non_null(bytes: &[u8], key: &[u8]) -> bool {
    value_after(bytes, key).is_some_and(|v| !v.starts_with(b"null"))
}

/// The value of the first `"type"` key, when it is a string without escapes.
fn peek_type(bytes: &[u8]) -> Option<&[u8]> {
    let v = value_after(bytes, b"\"type\"")?.strip_prefix(b"\"")?;
    let end = memchr::memchr(b'"', v)?;
    v.get(..end)
}

fn number_after(bytes: &[u8], key: &[u8]) -> Option<u64> {
    let v = value_after(bytes, key)?;
    let digits = v.iter().take_while(|b| b.is_ascii_digit()).count();
    std::str::from_utf8(v.get(..digits)?).ok()?.parse().ok()
}

/// The number of chars in the JSON string value of `key` (an escape counts as one).
fn string_chars_after(bytes: &[u8], key: &[u8]) -> u64 {
    let Some(v) = value_after(bytes, key).and_then(|v| v.strip_prefix(b"\"")) else {
        return 0;
    };
    let mut chars = 0u64;
    let mut i = 0;
    while let Some(&b) = v.get(i) {
        match b {
            b'"' => break,
            b'\\' => {
                // `\uXXXX` is one char; every other escape is two bytes.
                i += if v.get(i + 1) == Some(&b'u') { 6 } else { 2 };
                chars += 1;
                continue;
            }
            _ if b & 0xc0 != 0x80 => chars += 1,
            _ => {}
        }
        i += 1;
    }
    chars
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwards_only_complete_events() {
        let mut p = Passthrough::new(ApiKind::OpenAiChat);
        let mut out = Vec::new();
        p.forward(b"data: {\"a\":1}\n\ndata: {\"b\"", &mut out);
        assert_eq!(out, b"data: {\"a\":1}\n\n");
        p.forward(b":2}\n", &mut out);
        assert_eq!(out, b"data: {\"a\":1}\n\n");
        p.forward(b"\n", &mut out);
        assert_eq!(out, b"data: {\"a\":1}\n\ndata: {\"b\":2}\n\n");
        assert!(p.take_pending().is_empty());
    }

    #[test]
    fn crlf_events_end_at_the_blank_line() {
        assert_eq!(last_event_end(b"data: x\r\n\r\ndata: y\r\n"), 11);
    }

    #[test]
    fn measures_json_strings_in_place() {
        assert_eq!(
            string_chars_after(br#"{"content": "h\u00e9\n!"}"#, b"\"content\""),
            4
        );
        assert_eq!(
            string_chars_after(br#"{"content":null}"#, b"\"content\""),
            0
        );
    }

    #[test]
    fn peeks_event_types_and_nulls() {
        assert_eq!(peek_type(br#"{"type": "ping"}"#), Some(b"ping".as_slice()));
        assert!(!has_non_null(br#"{"usage":null}"#, b"\"usage\""));
        assert!(has_non_null(br#"{"usage":{"x":1}}"#, b"\"usage\""));
        assert_eq!(
            number_after(br#"{"sequence_number": 42,"#, b"\"sequence_number\""),
            Some(42)
        );
    }
}
