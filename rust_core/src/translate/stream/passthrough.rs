//! Same-API passthrough: the upstream's bytes go to the client unchanged, event by event, while
//! only the few events that carry usage, a stop reason, an error or the end are parsed.
//!
//! Bytes are forwarded up to the last complete event (the last blank line), so a stream cut in
//! the middle of an event never leaves half an event in front of the error event that reports
//! the cut. Text deltas are not parsed: their size is estimated by measuring the delta's JSON
//! string in place (for `output_chars`).
//!
//! A Chat client that did not ask for `stream_options.include_usage` must not see the usage-only
//! chunk the gateway asked the upstream for (`choices: []`; naive clients index `choices[0]`):
//! with `strips_usage` that event's bytes are dropped and a non-null top-level `usage` on any
//! other chunk becomes `null`; every other byte is forwarded unchanged.

use memchr::memmem;

use crate::translate::ApiKind;

/// Forwarding state and cheap observation for one passthrough stream.
#[derive(Debug)]
pub struct Passthrough {
    upstream: ApiKind,
    /// Drop usage-only Chat chunks (the client did not ask for usage).
    strips_usage: bool,
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
    /// Passthrough of `upstream`; `include_usage: false` hides Chat usage from the client.
    pub fn new(upstream: ApiKind, include_usage: bool) -> Self {
        Self {
            upstream,
            strips_usage: !include_usage && upstream == ApiKind::OpenAiChat,
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
            push_events(self.strips_usage, forwarded, out);
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

    /// Appends complete events (or the tail handed over at EOF) for the client.
    pub fn push_tail(&self, tail: &[u8], out: &mut Vec<u8>) {
        push_events(self.strips_usage, tail, out);
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

/// The offset just past the first blank line, or `None`.
fn first_event_end(buf: &[u8]) -> Option<usize> {
    [&b"\n\n"[..], b"\n\r\n", b"\r\r"]
        .iter()
        .filter_map(|sep| memmem::find(buf, sep).map(|i| i + sep.len()))
        .min()
}

/// Appends `events` to `out`, without usage-only chunks and non-null `usage` when `strips_usage`.
fn push_events(strips_usage: bool, mut events: &[u8], out: &mut Vec<u8>) {
    if !strips_usage {
        out.extend_from_slice(events);
        return;
    }
    while !events.is_empty() {
        let end = first_event_end(events).unwrap_or(events.len());
        let (event, rest) = events.split_at(end.min(events.len()));
        push_without_usage(event, out);
        events = rest;
    }
}

/// Appends one Chat event unless it is a usage-only chunk (non-null top-level `usage`, empty or
/// no `choices`); a non-null top-level `usage` on any other chunk is replaced by `null`.
fn push_without_usage(event: &[u8], out: &mut Vec<u8>) {
    // Cheap gate: most chunks carry no `usage` key or `"usage":null`.
    let has_usage = memmem::find_iter(event, b"\"usage\"").any(|i| {
        event
            .get(i..)
            .is_some_and(|e| has_non_null(e, b"\"usage\""))
    });
    let Some((json_at, json)) = has_usage.then(|| data_json(event)).flatten() else {
        out.extend_from_slice(event);
        return;
    };
    let usage = member_value(json, b"\"usage\"").filter(|r| json.get(r.clone()) != Some(b"null"));
    let Some(usage) = usage else {
        out.extend_from_slice(event);
        return;
    };
    // No choices at all (some OpenAI-compatible servers) is a usage-only chunk too.
    let is_usage_only = member_value(json, b"\"choices\"")
        .and_then(|r| json.get(r))
        .is_none_or(|v| {
            v.strip_prefix(b"[")
                .is_some_and(|v| v.trim_ascii_start() == b"]")
        });
    if is_usage_only {
        // Line ends before the event belong to the previous one (where chunk boundaries fell
        // must not change the output).
        let leading = event
            .iter()
            .take_while(|b| matches!(b, b'\r' | b'\n'))
            .count();
        out.extend_from_slice(event.get(..leading).unwrap_or_default());
        return;
    }
    let (start, end) = (json_at + usage.start, json_at + usage.end);
    out.extend_from_slice(event.get(..start).unwrap_or_default());
    out.extend_from_slice(b"null");
    out.extend_from_slice(event.get(end..).unwrap_or_default());
}

/// The offset and bytes of an event's data when it is one `data:` line holding a JSON object.
fn data_json(event: &[u8]) -> Option<(usize, &[u8])> {
    let mut found = None;
    let mut at = 0;
    for line in event.split(|&b| b == b'\n') {
        let line_at = at;
        at += line.len() + 1;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if let Some(data) = line.strip_prefix(b"data:") {
            if found.is_some() {
                return None;
            }
            let value = data.trim_ascii_start();
            found = Some((line_at + line.len() - value.len(), value.trim_ascii_end()));
        }
    }
    found.filter(|(_, v)| v.starts_with(b"{"))
}

/// The span of the value of the top-level member `key` (with its quotes) of the JSON object
/// `json`; `None` when absent or when the object is malformed before it.
fn member_value(json: &[u8], key: &[u8]) -> Option<std::ops::Range<usize>> {
    let mut i = skip_ws(json, 1);
    if json.first() != Some(&b'{') || json.get(i) == Some(&b'}') {
        return None;
    }
    loop {
        let key_start = i;
        let key_end = string_end(json, i)?;
        i = skip_ws(json, key_end);
        if json.get(i) != Some(&b':') {
            return None;
        }
        let value_start = skip_ws(json, i + 1);
        let value_end = value_end(json, value_start)?;
        if json.get(key_start..key_end) == Some(key) {
            return Some(value_start..value_end);
        }
        i = skip_ws(json, value_end);
        match json.get(i) {
            Some(b',') => i = skip_ws(json, i + 1),
            _ => return None,
        }
    }
}

fn skip_ws(json: &[u8], mut i: usize) -> usize {
    while json.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    i
}

/// The offset just past the JSON string starting at `i`.
fn string_end(json: &[u8], i: usize) -> Option<usize> {
    if json.get(i) != Some(&b'"') {
        return None;
    }
    let mut j = i + 1;
    loop {
        j += memchr::memchr2(b'"', b'\\', json.get(j..)?)?;
        if json.get(j) == Some(&b'"') {
            return Some(j + 1);
        }
        j += 2;
    }
}

/// The offset just past the JSON value starting at `i`.
fn value_end(json: &[u8], i: usize) -> Option<usize> {
    match json.get(i)? {
        b'"' => string_end(json, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            loop {
                match json.get(j)? {
                    b'"' => {
                        j = string_end(json, j)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
        }
        _ => {
            let len = json
                .get(i..)?
                .iter()
                .take_while(|b| !matches!(b, b',' | b'}' | b']') && !b.is_ascii_whitespace())
                .count();
            Some(i + len)
        }
    }
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
        let mut p = Passthrough::new(ApiKind::OpenAiChat, true);
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

    #[test]
    fn finds_top_level_members_only() {
        let json =
            br#"{"x":{"usage":1},"s":"\"usage\":2","choices" : [ {"a":[1]} ],"usage":{"n":3}}"#;
        let value = |key: &[u8]| member_value(json, key).and_then(|r| json.get(r));
        assert_eq!(value(b"\"usage\""), Some(br#"{"n":3}"#.as_slice()));
        assert_eq!(value(b"\"choices\""), Some(br#"[ {"a":[1]} ]"#.as_slice()));
        assert_eq!(value(b"\"missing\""), None);
        assert_eq!(member_value(b"{}", b"\"usage\""), None);
        assert_eq!(member_value(br#"{"usage":"#, b"\"usage\""), None);
        assert_eq!(member_value(br#"{"a":"\"#, b"\"usage\""), None);
    }

    #[test]
    fn strips_usage_only_chunks_and_usage_values() {
        let mut p = Passthrough::new(ApiKind::OpenAiChat, false);
        let mut out = Vec::new();
        p.forward(
            b"data: {\"choices\":[{\"delta\":{}}],\"usage\":null}\n\n\
              data: {\"choices\":[{\"delta\":{}}],\"usage\":{\"a\":1}}\n\n\
              data: {\"choices\":[],\"usage\":{\"a\":1}}\n\n\
              data: {\"choices\":[],\"usage\":null}\n\n\
              data: {\"usage\":{\"a\":1}}\n\n\
              data: [DONE]\n\n",
            &mut out,
        );
        assert_eq!(
            String::from_utf8_lossy(&out),
            "data: {\"choices\":[{\"delta\":{}}],\"usage\":null}\n\n\
             data: {\"choices\":[{\"delta\":{}}],\"usage\":null}\n\n\
             data: {\"choices\":[],\"usage\":null}\n\n\
             data: [DONE]\n\n"
        );
    }

    #[test]
    fn keeps_usage_for_other_apis_and_when_asked() {
        let event = b"data: {\"choices\":[],\"usage\":{\"a\":1}}\n\n";
        for p in [
            Passthrough::new(ApiKind::OpenAiChat, true),
            Passthrough::new(ApiKind::AnthropicMessages, false),
        ] {
            let mut out = Vec::new();
            p.push_tail(event, &mut out);
            assert_eq!(out, event);
        }
    }
}
