//! Server-sent events: an incremental parser and a writer for `text/event-stream`.
//!
//! Spec: <https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation>.
//! The parser owns framing only: it turns bytes into [`Event`]s and never looks inside `data`.
//!
//! * Fields `event`, `data`, `id`, `retry`; other fields and `:` comment lines are ignored; a line
//!   without a colon is a field name with an empty value; one space after the colon is stripped.
//! * Multi-line `data` is joined with `\n`; a blank line dispatches the event unless `data` is
//!   empty. LF, CRLF and CR all end lines; a leading UTF-8 BOM is stripped once.
//! * Any split of the input into chunks (inside a field name, a JSON string, a UTF-8 character,
//!   between CR and LF) yields the same events: bytes after the last line end stay buffered.
//! * Memory is bounded: the raw bytes of one event block (all its lines, terminators excluded,
//!   comments included) may not exceed `max_event_bytes`, else [`SseError::EventTooLarge`].
//!   After an error the stream is broken; the parser keeps returning the error. [`Parser::feed`]
//!   returns the events completed before an error and reports the error on the next call.
//!
//! Rust callers (the stream translators) use [`Parser::feed_with_ref`], which hands each event to
//! a closure as an [`EventRef`] borrowing the parser's reused buffers (no allocation per event),
//! or [`Parser::feed_with`] for owned [`Event`]s, and [`encode_event_into`], which appends to a
//! buffer.
//! [`LineFramer`] is the bare line splitter underneath, for callers that want lines, not events.

mod encode;
mod lines;

pub use encode::{encode_event, encode_event_into};
pub use lines::LineFramer;

/// Default cap on one event block: 1 MiB.
pub const DEFAULT_MAX_EVENT_BYTES: usize = 1 << 20;

const BOM: &[u8; 3] = b"\xEF\xBB\xBF";

/// One dispatched event. `data` is owned so it can be moved into a translator without a copy.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Event {
    /// The `event` field; `None` when absent or empty (the spec's default type `message`).
    pub event: Option<String>,
    /// The `data` lines joined with `\n` (no trailing newline).
    pub data: String,
    /// The stream's last event ID at dispatch time. Per the spec it persists across events until
    /// another `id` field changes it; an empty `id` field resets it to `None`.
    pub id: Option<String>,
    /// The last valid `retry` field (milliseconds) seen since the previous dispatched event.
    pub retry: Option<u64>,
}

impl Event {
    /// The event type, defaulting to `message` as the spec does.
    pub fn event_type(&self) -> &str {
        self.event.as_deref().unwrap_or("message")
    }

    /// A borrowed view.
    pub fn as_event_ref(&self) -> EventRef<'_> {
        EventRef {
            event: self.event.as_deref(),
            data: &self.data,
            id: self.id.as_deref(),
            retry: self.retry,
        }
    }
}

/// An event borrowed from the parser's buffers (see [`Parser::feed_with_ref`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EventRef<'a> {
    pub event: Option<&'a str>,
    pub data: &'a str,
    pub id: Option<&'a str>,
    pub retry: Option<u64>,
}

impl EventRef<'_> {
    /// The event type, defaulting to `message` as the spec does.
    pub fn event_type(&self) -> &str {
        self.event.unwrap_or("message")
    }

    /// An owned copy.
    pub fn to_event(&self) -> Event {
        Event {
            event: self.event.map(str::to_owned),
            data: self.data.to_owned(),
            id: self.id.map(str::to_owned),
            retry: self.retry,
        }
    }
}

/// Errors raised by the parser.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SseError {
    #[error("SSE event larger than max_event_bytes={limit} ({size} bytes buffered)")]
    EventTooLarge { limit: usize, size: usize },
}

/// What was left when the stream ended (see [`Parser::finish`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tail {
    /// Raw bytes received after the last complete event block (0 = the stream ended cleanly).
    pub leftover_bytes: usize,
    /// The event the leftover bytes would have produced had the stream ended with a blank line.
    /// The spec discards it; it is returned so a caller can detect (or accept) a truncated stream.
    pub unterminated: Option<Event>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bom {
    /// `n` bytes of a possible BOM have been matched so far.
    Matching(usize),
    Done,
}

/// Incremental SSE parser: one per stream, fed chunk by chunk.
#[derive(Debug, Clone)]
pub struct Parser {
    lines: LineFramer,
    max_event_bytes: usize,
    bom: Bom,
    block: Block,
    last_id: Option<String>,
    failed: Option<SseError>,
}

/// The event being assembled from the lines seen since the last blank line.
#[derive(Debug, Clone, Default)]
struct Block {
    raw_bytes: usize,
    event: String,
    data: String,
    retry: Option<u64>,
}

impl Default for Parser {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_EVENT_BYTES)
    }
}

impl Parser {
    pub fn new(max_event_bytes: usize) -> Self {
        Self {
            lines: LineFramer::new(),
            max_event_bytes,
            bom: Bom::Matching(0),
            block: Block::default(),
            last_id: None,
            failed: None,
        }
    }

    /// Feeds one chunk and returns the events it completes (possibly none). On an error after
    /// some events, those events are returned and the (sticky) error is reported by the next call.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<Vec<Event>, SseError> {
        let mut events = Vec::new();
        match self.feed_with(chunk, |e| events.push(e)) {
            Err(err) if events.is_empty() => Err(err),
            _ => Ok(events),
        }
    }

    /// Feeds one chunk, calling `on_event` with an owned copy of each event it completes. Events
    /// before an error have already been delivered when the error is returned.
    pub fn feed_with(
        &mut self,
        chunk: &[u8],
        mut on_event: impl FnMut(Event),
    ) -> Result<(), SseError> {
        self.feed_with_ref(chunk, |e| on_event(e.to_event()))
    }

    /// Feeds one chunk, calling `on_event` with each event it completes, borrowed from the
    /// parser's buffers (the allocation-light path: the buffers are reused across events).
    pub fn feed_with_ref(
        &mut self,
        chunk: &[u8],
        mut on_event: impl FnMut(EventRef<'_>),
    ) -> Result<(), SseError> {
        if let Some(err) = &self.failed {
            return Err(err.clone());
        }
        let chunk = self.strip_bom(chunk);
        let Self {
            lines,
            max_event_bytes,
            block,
            last_id,
            ..
        } = self;
        let limit = *max_event_bytes;
        let mut result = lines.feed(chunk, |line| {
            if block.take_line(line, limit, last_id)? {
                on_event(block.event_ref(last_id.as_deref()));
                block.clear_event();
            }
            Ok(())
        });
        if result.is_ok() {
            let size = block.raw_bytes.saturating_add(lines.partial().len());
            if size > limit {
                result = Err(SseError::EventTooLarge { limit, size });
            }
        }
        if let Err(err) = &result {
            self.failed = Some(err.clone());
            self.block = Block::default();
            self.lines.take_partial();
        }
        result
    }

    /// Ends the stream and resets the parser. Per the spec an event not followed by a blank line
    /// is not dispatched; [`Tail`] reports it and how many bytes were left over.
    pub fn finish(&mut self) -> Tail {
        let partial_bom = match self.bom {
            Bom::Matching(n) => BOM.get(..n).unwrap_or_default().to_vec(),
            Bom::Done => Vec::new(),
        };
        let mut line = partial_bom;
        line.extend_from_slice(&self.lines.take_partial());
        let leftover_bytes = self.block.raw_bytes.saturating_add(line.len());
        let mut unterminated = None;
        if self.failed.is_none() {
            let mut last_id = self.last_id.take();
            if !line.is_empty() {
                // A non-empty line never dispatches, and cannot fail with an unbounded limit.
                let _ = self.block.take_line(&line, usize::MAX, &mut last_id);
            }
            if self.block.end_block() {
                unterminated = Some(self.block.event_ref(last_id.as_deref()).to_event());
            }
        }
        *self = Self::new(self.max_event_bytes);
        Tail {
            leftover_bytes,
            unterminated,
        }
    }

    /// Removes a UTF-8 BOM at the very start of the stream, even when split across chunks.
    fn strip_bom<'a>(&mut self, chunk: &'a [u8]) -> &'a [u8] {
        let Bom::Matching(mut matched) = self.bom else {
            return chunk;
        };
        let mut rest = chunk;
        while let Some((&byte, tail)) = rest.split_first() {
            if BOM.get(matched) == Some(&byte) {
                matched += 1;
                rest = tail;
                if matched == BOM.len() {
                    self.bom = Bom::Done;
                    return rest;
                }
            } else {
                // Not a BOM: the bytes taken so far belong to the first line.
                self.bom = Bom::Done;
                let taken = BOM.get(..matched).unwrap_or_default();
                let _ = self.lines.feed::<()>(taken, |_| Ok(()));
                return rest;
            }
        }
        self.bom = Bom::Matching(matched);
        rest
    }
}

impl Block {
    /// Interprets one line; true when a blank line completed an event (read it with
    /// [`Block::event_ref`], then [`Block::clear_event`]).
    fn take_line(
        &mut self,
        line: &[u8],
        limit: usize,
        last_id: &mut Option<String>,
    ) -> Result<bool, SseError> {
        if line.is_empty() {
            return Ok(self.end_block());
        }
        self.raw_bytes = self.raw_bytes.saturating_add(line.len());
        if self.raw_bytes > limit {
            return Err(SseError::EventTooLarge {
                limit,
                size: self.raw_bytes,
            });
        }
        let (name, value) = match memchr::memchr(b':', line) {
            Some(0) => return Ok(false),
            Some(pos) => {
                let (name, value) = line.split_at(pos);
                let value = value.get(1..).unwrap_or_default();
                (name, value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &b""[..]),
        };
        match name {
            b"data" => {
                push_lossy(&mut self.data, value);
                self.data.push('\n');
            }
            b"event" => {
                self.event.clear();
                push_lossy(&mut self.event, value);
            }
            b"id" if !value.contains(&0) => {
                *last_id = if value.is_empty() {
                    None
                } else {
                    Some(String::from_utf8_lossy(value).into_owned())
                };
            }
            b"retry" if !value.is_empty() && value.iter().all(u8::is_ascii_digit) => {
                // All digits, so it is ASCII; values beyond u64 are ignored.
                if let Ok(ms) = std::str::from_utf8(value).unwrap_or_default().parse() {
                    self.retry = Some(ms);
                }
            }
            _ => {}
        }
        Ok(false)
    }

    /// Handles a blank line: true if the block holds an event to dispatch.
    fn end_block(&mut self) -> bool {
        self.raw_bytes = 0;
        if self.data.is_empty() {
            self.event.clear();
            return false;
        }
        self.data.pop();
        true
    }

    fn event_ref<'a>(&'a self, last_id: Option<&'a str>) -> EventRef<'a> {
        EventRef {
            event: (!self.event.is_empty()).then_some(self.event.as_str()),
            data: &self.data,
            id: last_id,
            retry: self.retry,
        }
    }

    /// Empties the buffers after a dispatch, keeping their capacity unless it grew large.
    fn clear_event(&mut self) {
        const KEEP_CAPACITY: usize = 1 << 16;
        if self.data.capacity() > KEEP_CAPACITY {
            self.data = String::new();
        }
        self.data.clear();
        self.event.clear();
        self.retry = None;
    }
}

fn push_lossy(out: &mut String, bytes: &[u8]) {
    match std::str::from_utf8(bytes) {
        Ok(text) => out.push_str(text),
        Err(_) => out.push_str(&String::from_utf8_lossy(bytes)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(chunks: &[&[u8]]) -> (Vec<Event>, Tail) {
        let mut parser = Parser::default();
        let mut events = Vec::new();
        for chunk in chunks {
            parser.feed_with(chunk, |e| events.push(e)).ok();
        }
        (events, parser.finish())
    }

    fn data(e: &str) -> Event {
        Event {
            data: e.to_owned(),
            ..Event::default()
        }
    }

    #[test]
    fn parses_fields_and_multi_line_data() {
        let (events, tail) = parse(&[b"event: add\nid: 1\nretry: 500\ndata: a\ndata:b\n\n"]);
        let want = Event {
            event: Some("add".into()),
            data: "a\nb".into(),
            id: Some("1".into()),
            retry: Some(500),
        };
        assert_eq!(events, vec![want]);
        assert_eq!(tail, Tail::default());
    }

    #[test]
    fn ignores_comments_unknown_fields_and_empty_blocks() {
        let (events, _) = parse(&[b": ping\n\nfoo: bar\nevent: x\n\ndata: y\n\n"]);
        assert_eq!(events, vec![data("y")]);
    }

    #[test]
    fn field_without_colon_has_empty_value() {
        let (events, _) = parse(&[b"data\ndata\n\n"]);
        assert_eq!(events, vec![data("\n")]);
    }

    #[test]
    fn strips_only_one_space() {
        let (events, _) = parse(&[b"data:  two\n\n"]);
        assert_eq!(events, vec![data(" two")]);
    }

    #[test]
    fn id_persists_and_empty_id_resets() {
        let (events, _) =
            parse(&[b"id: 5\ndata: a\n\ndata: b\n\nid\ndata: c\n\nid: x\0y\ndata: d\n\n"]);
        let ids: Vec<_> = events.iter().map(|e| e.id.as_deref()).collect();
        assert_eq!(ids, vec![Some("5"), Some("5"), None, None]);
    }

    #[test]
    fn invalid_retry_is_ignored() {
        let (events, _) =
            parse(&[b"retry: 1x\ndata: a\n\nretry: 99999999999999999999999\ndata: b\n\n"]);
        assert!(events.iter().all(|e| e.retry.is_none()));
    }

    #[test]
    fn strips_bom_once_even_split() {
        let (events, _) = parse(&[b"\xEF", b"\xBB", b"\xBFdata: a\n\n\xEF\xBB\xBFdata: b\n\n"]);
        assert_eq!(events, vec![data("a")]);
    }

    #[test]
    fn partial_bom_is_data() {
        let (events, _) = parse(&[b"\xEF\xBB", b"data: a\n\n"]);
        assert!(events.is_empty());
        let (events, tail) = parse(&[b"\xEF"]);
        assert!(events.is_empty());
        assert_eq!(tail.leftover_bytes, 1);
    }

    #[test]
    fn crlf_and_cr_line_ends() {
        let (events, _) = parse(&[b"data: a\r\n\r\ndata: b\r\rdata: c\r", b"\n\r\n"]);
        assert_eq!(events, vec![data("a"), data("b"), data("c")]);
    }

    #[test]
    fn invalid_utf8_is_replaced() {
        let (events, _) = parse(&[b"data: \xFF\n\n"]);
        assert_eq!(events, vec![data("\u{FFFD}")]);
    }

    #[test]
    fn unterminated_event_is_reported_not_dispatched() {
        let (events, tail) = parse(&[b"data: a\n\ndata: [DONE]"]);
        assert_eq!(events, vec![data("a")]);
        assert_eq!(tail.leftover_bytes, 12);
        assert_eq!(tail.unterminated, Some(data("[DONE]")));
        let (_, tail) = parse(&[b"data: a\n\n: bye\n"]);
        assert_eq!(tail.leftover_bytes, 5);
        assert_eq!(tail.unterminated, None);
    }

    #[test]
    fn oversized_event_is_an_error_and_sticks() {
        let mut parser = Parser::new(16);
        assert_eq!(parser.feed(b"data: 0123456789\n\n").map(|v| v.len()), Ok(1));
        let err = parser.feed(b"data: 0123456789ab");
        assert!(matches!(
            err,
            Err(SseError::EventTooLarge { limit: 16, .. })
        ));
        assert!(parser.feed(b"\n\n").is_err());
        let mut parser = Parser::new(16);
        assert!(parser.feed(b"data: 0123\ndata: 456789\n").is_err());
        let mut parser = Parser::new(16);
        assert_eq!(
            parser
                .feed(b"data: a\n\ndata: 0123456789ab")
                .map(|v| v.len()),
            Ok(1)
        );
        assert!(parser.feed(b"").is_err());
    }

    #[test]
    fn borrowed_events_match_owned_ones() {
        let stream = b"event: a\nid: 1\ndata: x\n\ndata: y\ndata: z\n\n";
        let mut borrowed = Vec::new();
        let mut parser = Parser::default();
        let fed = parser.feed_with_ref(stream, |e| borrowed.push(e.to_event()));
        assert_eq!(fed, Ok(()));
        let owned = parse(&[stream]).0;
        assert_eq!(borrowed, owned);
        let refs: Vec<EventRef<'_>> = owned.iter().map(Event::as_event_ref).collect();
        assert_eq!(refs.first().map(EventRef::event_type), Some("a"));
        assert_eq!(refs.get(1).map(|e| e.data), Some("y\nz"));
    }

    #[test]
    fn encode_round_trips() {
        let bytes = encode_event(Some("e"), "l1\nl2\n", Some("9"));
        let (events, _) = parse(&[&bytes]);
        let want = Event {
            event: Some("e".into()),
            data: "l1\nl2\n".into(),
            id: Some("9".into()),
            retry: None,
        };
        assert_eq!(events, vec![want]);
    }

    fn sample_stream() -> impl Strategy<Value = Vec<u8>> {
        let line = prop_oneof![
            "[a-z ]{0,8}".prop_map(|s| format!("data: {s}")),
            "[a-zé😀]{0,6}".prop_map(|s| format!("data:{s}")),
            Just(String::from("event: delta")),
            Just(String::from(": comment")),
            Just(String::from("id: 3")),
            Just(String::from("retry: 10")),
            Just(String::new()),
        ];
        let end = prop_oneof![Just("\n"), Just("\r\n"), Just("\r")];
        let bom = prop_oneof![Just(""), Just("\u{FEFF}")];
        (bom, proptest::collection::vec((line, end), 0..24)).prop_map(|(bom, lines)| {
            let mut out = bom.to_owned();
            for (line, end) in lines {
                out.push_str(&line);
                out.push_str(end);
            }
            out.into_bytes()
        })
    }

    fn split(bytes: &[u8], cuts: &[usize]) -> Vec<Vec<u8>> {
        let mut bounds: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
        bounds.sort_unstable();
        let mut chunks = Vec::new();
        let mut start = 0;
        for end in bounds.into_iter().chain([bytes.len()]) {
            chunks.push(bytes.get(start..end).unwrap_or_default().to_vec());
            start = end;
        }
        chunks
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn chunking_never_changes_events(
            stream in sample_stream(),
            cuts in proptest::collection::vec(any::<usize>(), 0..12),
        ) {
            let chunks = split(&stream, &cuts);
            let refs: Vec<&[u8]> = chunks.iter().map(Vec::as_slice).collect();
            prop_assert_eq!(parse(&refs), parse(&[&stream]));
        }

        #[test]
        fn arbitrary_bytes_never_panic(
            bytes in proptest::collection::vec(any::<u8>(), 0..512),
            cuts in proptest::collection::vec(any::<usize>(), 0..8),
        ) {
            let chunks = split(&bytes, &cuts);
            let refs: Vec<&[u8]> = chunks.iter().map(Vec::as_slice).collect();
            prop_assert_eq!(parse(&refs), parse(&[&bytes]));
            let mut small = Parser::new(8);
            for chunk in &chunks {
                let _ = small.feed(chunk);
            }
            small.finish();
        }

        #[test]
        fn encode_then_parse_is_identity(data in "\\PC{0,40}", event in "[a-z_]{1,10}") {
            let bytes = encode_event(Some(&event), &data, None);
            let (events, tail) = parse(&[&bytes]);
            let normalized = data.replace("\r\n", "\n").replace('\r', "\n");
            prop_assert_eq!(events.len(), 1);
            prop_assert_eq!(&events[0].data, &normalized);
            prop_assert_eq!(tail.leftover_bytes, 0);
        }
    }
}
