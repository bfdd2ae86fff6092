//! Incremental HTTP/1.1 response parser: head (status line + all header fields in one step, via
//! `httparse`), then body framing per RFC 9112 §6.3: no body (HEAD, 1xx, 204, 304),
//! `transfer-encoding: chunked` (§7.1, extensions and trailers accepted and discarded),
//! `content-length`, or read-until-close.
//!
//! Bytes in, (head?, body bytes, done?) out. Any split of the same response into feeds gives the
//! same result; every input is bounded (head size, chunk-size line, trailer section) and no input
//! panics.

use std::ops::Range;

use super::Http1Error;

/// Most header fields accepted in one response head.
pub const MAX_HEADERS: usize = 128;
/// Longest chunk-size line (size, extensions, line ending) accepted.
pub const MAX_CHUNK_LINE_BYTES: usize = 4096;
/// Largest trailer section accepted after the last chunk.
pub const MAX_TRAILER_BYTES: usize = 16 * 1024;

/// A parsed response head. Header names are lower-cased; names and values live in `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub status: u16,
    is_http10: bool,
    text: Vec<u8>,
    fields: Vec<(Range<usize>, Range<usize>)>,
}

impl Head {
    /// The header fields, in order, as (lower-case name, value) byte slices.
    pub fn fields(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        self.fields.iter().map(|(n, v)| {
            (
                self.text.get(n.clone()).unwrap_or_default(),
                self.text.get(v.clone()).unwrap_or_default(),
            )
        })
    }

    /// The first value of the header `name` (lower-case).
    pub fn get(&self, name: &[u8]) -> Option<&[u8]> {
        self.fields().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    pub fn len(&self) -> usize {
        self.fields.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
}

/// A complete line and the bytes after it.
type Line<'a> = (Vec<u8>, &'a [u8]);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Head,
    Length(u64),
    ChunkSize,
    ChunkData(u64),
    ChunkDataEnd { seen_cr: bool },
    Trailers,
    UntilClose,
    Done,
}

/// One connection's response parser; `start` it again for the next response on the connection.
#[derive(Debug)]
pub struct ResponseParser {
    max_head_bytes: usize,
    state: State,
    is_head_request: bool,
    keep_alive: bool,
    /// Partial head, chunk-size line or trailer section carried between feeds.
    pending: Vec<u8>,
    trailer_bytes: usize,
}

impl ResponseParser {
    pub fn new(max_head_bytes: usize) -> Self {
        Self {
            max_head_bytes,
            state: State::Head,
            is_head_request: false,
            keep_alive: true,
            pending: Vec::new(),
            trailer_bytes: 0,
        }
    }

    /// Prepares for the response to the next request (`is_head_request`: it has no body).
    pub fn start(&mut self, is_head_request: bool) {
        self.state = State::Head;
        self.is_head_request = is_head_request;
        self.keep_alive = true;
        self.pending.clear();
        self.trailer_bytes = 0;
    }

    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Whether the connection may carry another request once this response is done.
    pub fn keep_alive(&self) -> bool {
        self.keep_alive && self.state == State::Done
    }

    /// Whether the final head has been parsed.
    pub fn has_head(&self) -> bool {
        self.state != State::Head
    }

    /// Feeds bytes as they arrive; body bytes are appended to `body`. Returns the final head when
    /// this feed completed it (interim 1xx heads are skipped). Bytes after the end of the
    /// response make the connection not reusable and are dropped.
    pub fn feed(&mut self, input: &[u8], body: &mut Vec<u8>) -> Result<Option<Head>, Http1Error> {
        if self.state != State::Head {
            self.feed_body(input, body)?;
            return Ok(None);
        }
        if !self.pending.is_empty() && !input.contains(&b'\n') {
            // A head can only complete at a line feed: without one, re-parsing the carried
            // bytes would make a head trickled byte by byte cost quadratic time.
            if self.pending.len() + input.len() > self.max_head_bytes {
                return Err(Http1Error::HeadTooLarge(self.max_head_bytes));
            }
            self.pending.extend_from_slice(input);
            return Ok(None);
        }
        let carried;
        let mut data: &[u8] = if self.pending.is_empty() {
            input
        } else {
            self.pending.extend_from_slice(input);
            carried = std::mem::take(&mut self.pending);
            &carried
        };
        loop {
            let Some((head, used)) = self.parse_head(data)? else {
                self.pending.extend_from_slice(data);
                return Ok(None);
            };
            data = data.get(used..).unwrap_or_default();
            if (100..200).contains(&head.status) {
                if head.status == 101 {
                    return Err(Http1Error::UnexpectedUpgrade);
                }
                continue;
            }
            self.frame(&head)?;
            self.feed_body(data, body)?;
            return Ok(Some(head));
        }
    }

    /// The peer closed the connection. Returns whether that completes the response (a
    /// close-delimited body); the caller decides which error an incomplete response is.
    pub fn eof(&mut self) -> bool {
        self.keep_alive = false;
        if self.state == State::UntilClose {
            self.state = State::Done;
        }
        self.state == State::Done
    }

    fn parse_head(&self, data: &[u8]) -> Result<Option<(Head, usize)>, Http1Error> {
        let mut slots =
            [const { std::mem::MaybeUninit::<httparse::Header<'_>>::uninit() }; MAX_HEADERS];
        let mut response = httparse::Response::new(&mut []);
        let status = match httparse::ParserConfig::default().parse_response_with_uninit_headers(
            &mut response,
            data,
            &mut slots,
        ) {
            Ok(status) => status,
            Err(httparse::Error::TooManyHeaders) => return Err(Http1Error::TooManyHeaders),
            Err(e) => return Err(Http1Error::MalformedHead(e.to_string())),
        };
        let used = match status {
            httparse::Status::Partial => {
                if data.len() > self.max_head_bytes {
                    return Err(Http1Error::HeadTooLarge(self.max_head_bytes));
                }
                return Ok(None);
            }
            httparse::Status::Complete(used) => used,
        };
        if used > self.max_head_bytes {
            return Err(Http1Error::HeadTooLarge(self.max_head_bytes));
        }
        let code = response.code.unwrap_or_default();
        let http10 = response.version == Some(0);
        let mut text = Vec::with_capacity(used);
        let mut fields = Vec::with_capacity(response.headers.len());
        for h in response.headers.iter() {
            let name_start = text.len();
            text.extend(h.name.bytes().map(|b| b.to_ascii_lowercase()));
            let value_start = text.len();
            text.extend_from_slice(h.value);
            fields.push((name_start..value_start, value_start..text.len()));
        }
        let head = Head {
            status: code,
            is_http10: http10,
            text,
            fields,
        };
        Ok(Some((head, used)))
    }

    /// Chooses the body framing from the final head (RFC 9112 §6.3) and the keep-alive flag.
    fn frame(&mut self, head: &Head) -> Result<(), Http1Error> {
        let mut length: Option<u64> = None;
        let mut has_te = false;
        let mut chunked = false;
        let mut close = false;
        let mut keep = false;
        for (name, value) in head.fields() {
            match name {
                b"content-length" => {
                    for part in value.split(|&b| b == b',') {
                        let n = parse_length(trim(part))?;
                        if length.is_some_and(|l| l != n) {
                            return Err(Http1Error::InvalidContentLength);
                        }
                        length = Some(n);
                    }
                }
                b"transfer-encoding" => {
                    has_te = true;
                    chunked = value
                        .rsplit(|&b| b == b',')
                        .map(trim)
                        .find(|t| !t.is_empty())
                        .is_some_and(|t| t.eq_ignore_ascii_case(b"chunked"));
                }
                b"connection" => {
                    for token in value.split(|&b| b == b',').map(trim) {
                        close |= token.eq_ignore_ascii_case(b"close");
                        keep |= token.eq_ignore_ascii_case(b"keep-alive");
                    }
                }
                _ => {}
            }
        }
        self.keep_alive = !close && (!head.is_http10 || keep);
        let status = head.status;
        self.state = if self.is_head_request || status == 204 || status == 304 {
            State::Done
        } else if has_te {
            // A message with both is a smuggling risk: honour transfer-encoding, then close.
            if length.is_some() {
                self.keep_alive = false;
            }
            if chunked {
                State::ChunkSize
            } else {
                State::UntilClose
            }
        } else if let Some(n) = length {
            if n == 0 {
                State::Done
            } else {
                State::Length(n)
            }
        } else {
            State::UntilClose
        };
        if self.state == State::UntilClose {
            self.keep_alive = false;
        }
        Ok(())
    }

    fn feed_body(&mut self, mut data: &[u8], body: &mut Vec<u8>) -> Result<(), Http1Error> {
        while !data.is_empty() {
            match self.state {
                State::Head => return Err(Http1Error::MalformedHead("unexpected state".into())),
                State::Done => {
                    self.keep_alive = false;
                    return Ok(());
                }
                State::UntilClose => {
                    body.extend_from_slice(data);
                    return Ok(());
                }
                State::Length(left) | State::ChunkData(left) => {
                    let take = usize::try_from(left).map_or(data.len(), |l| l.min(data.len()));
                    let (now, rest) = data.split_at(take);
                    body.extend_from_slice(now);
                    data = rest;
                    let left = left - take as u64;
                    self.state = match (self.state, left) {
                        (State::Length(_), 0) => State::Done,
                        (State::Length(_), n) => State::Length(n),
                        (_, 0) => State::ChunkDataEnd { seen_cr: false },
                        (_, n) => State::ChunkData(n),
                    };
                }
                State::ChunkDataEnd { seen_cr } => {
                    let (&b, rest) = data.split_first().unwrap_or((&0, &[]));
                    data = rest;
                    self.state = match (b, seen_cr) {
                        (b'\r', false) => State::ChunkDataEnd { seen_cr: true },
                        (b'\n', _) => State::ChunkSize,
                        _ => return Err(Http1Error::MalformedChunk),
                    };
                }
                State::ChunkSize => {
                    let Some((line, rest)) = self.take_line(data, MAX_CHUNK_LINE_BYTES)? else {
                        return Ok(());
                    };
                    data = rest;
                    let size = parse_chunk_size(&line)?;
                    self.state = if size == 0 {
                        State::Trailers
                    } else {
                        State::ChunkData(size)
                    };
                }
                State::Trailers => {
                    let budget = MAX_TRAILER_BYTES.saturating_sub(self.trailer_bytes);
                    let carried = self.pending.len();
                    let Some((line, rest)) = self.take_line(data, budget)? else {
                        return Ok(());
                    };
                    self.trailer_bytes += carried + data.len() - rest.len();
                    data = rest;
                    if line.is_empty() {
                        self.state = State::Done;
                    }
                }
            }
        }
        Ok(())
    }

    /// Takes one line (without its CRLF or bare LF), carrying a partial line in `pending`.
    fn take_line<'a>(
        &mut self,
        data: &'a [u8],
        max_bytes: usize,
    ) -> Result<Option<Line<'a>>, Http1Error> {
        let Some(lf) = data.iter().position(|&b| b == b'\n') else {
            if self.pending.len() + data.len() > max_bytes {
                return Err(Http1Error::LineTooLong(max_bytes));
            }
            self.pending.extend_from_slice(data);
            return Ok(None);
        };
        if self.pending.len() + lf + 1 > max_bytes {
            return Err(Http1Error::LineTooLong(max_bytes));
        }
        let mut line = std::mem::take(&mut self.pending);
        line.extend_from_slice(data.get(..lf).unwrap_or_default());
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        Ok(Some((line, data.get(lf + 1..).unwrap_or_default())))
    }
}

fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |i| i + 1);
    bytes.get(start..end).unwrap_or_default()
}

fn parse_length(digits: &[u8]) -> Result<u64, Http1Error> {
    if digits.is_empty() || digits.len() > 18 || !digits.iter().all(u8::is_ascii_digit) {
        return Err(Http1Error::InvalidContentLength);
    }
    Ok(digits
        .iter()
        .fold(0u64, |n, d| n * 10 + u64::from(d - b'0')))
}

/// `chunk-size [ BWS ";" chunk-ext ]`: at most 15 hex digits, extensions ignored.
fn parse_chunk_size(line: &[u8]) -> Result<u64, Http1Error> {
    let digits = line.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    if digits == 0 || digits > 15 {
        return Err(Http1Error::MalformedChunk);
    }
    let rest = trim(line.get(digits..).unwrap_or_default());
    if !rest.is_empty() && rest.first() != Some(&b';') {
        return Err(Http1Error::MalformedChunk);
    }
    let mut size = 0u64;
    for &b in line.get(..digits).unwrap_or_default() {
        let d = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            _ => b.wrapping_sub(b'A').wrapping_add(10),
        };
        size = size * 16 + u64::from(d);
    }
    Ok(size)
}

#[cfg(test)]
mod tests {
    use super::*;

    type Outcome = (Option<(u16, Vec<(Vec<u8>, Vec<u8>)>)>, Vec<u8>, bool, bool);

    fn run(parts: &[&[u8]], head_request: bool) -> Result<Outcome, Http1Error> {
        let mut p = ResponseParser::new(8192);
        p.start(head_request);
        let mut body = Vec::new();
        let mut head = None;
        for part in parts {
            if let Some(h) = p.feed(part, &mut body)? {
                let fields = h.fields().map(|(n, v)| (n.to_vec(), v.to_vec())).collect();
                head = Some((h.status, fields));
            }
        }
        Ok((head, body, p.is_done(), p.keep_alive()))
    }

    fn whole(bytes: &[u8]) -> Outcome {
        run(&[bytes], false).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn content_length_body_in_one_feed() {
        let (head, body, done, keep) =
            whole(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello");
        let (status, fields) = head.unwrap_or_default();
        assert_eq!(status, 200);
        assert_eq!(fields[1], (b"x-a".to_vec(), b"b".to_vec()));
        assert_eq!(body, b"hello");
        assert!(done && keep);
    }

    #[test]
    fn chunked_with_extensions_and_trailers() {
        let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
            5;name=val\r\nhello\r\n6 ; x\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n";
        let (_, body, done, keep) = whole(raw);
        assert_eq!(body, b"hello world");
        assert!(done && keep);
    }

    #[test]
    fn close_delimited_completes_at_eof() {
        let mut p = ResponseParser::new(8192);
        let mut body = Vec::new();
        assert!(p
            .feed(b"HTTP/1.1 200 OK\r\n\r\nabc", &mut body)
            .is_ok_and(|h| h.is_some()));
        assert!(!p.is_done());
        assert!(p.eof());
        assert!(!p.keep_alive());
        assert_eq!(body, b"abc");
    }

    #[test]
    fn interim_responses_are_skipped() {
        let (head, body, done, _) = whole(
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\ncontent-length: 1\r\n\r\nx",
        );
        assert_eq!(head.map(|h| h.0), Some(201));
        assert_eq!(body, b"x");
        assert!(done);
    }

    #[test]
    fn no_body_for_head_requests_and_204() {
        let out = run(&[b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n"], true);
        assert!(out.is_ok_and(|o| o.2 && o.3));
        let (_, _, done, keep) = whole(b"HTTP/1.1 204 No Content\r\n\r\n");
        assert!(done && keep);
    }

    #[test]
    fn connection_close_is_not_reusable() {
        let (_, _, done, keep) =
            whole(b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
        assert!(done && !keep);
    }

    #[test]
    fn extra_bytes_after_response_make_it_not_reusable() {
        let (_, body, done, keep) = whole(b"HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\nxy");
        assert_eq!(body, b"x");
        assert!(done && !keep);
    }

    #[test]
    fn errors() {
        assert!(matches!(
            run(&[b"HTTP/1.1 200 OK\r\ncontent-length: 1x\r\n\r\n"], false),
            Err(Http1Error::InvalidContentLength)
        ));
        assert!(matches!(
            run(&[b"HTTP/1.1 200 OK\r\ncontent-length: 1, 2\r\n\r\n"], false),
            Err(Http1Error::InvalidContentLength)
        ));
        assert!(matches!(
            run(
                &[b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n"],
                false
            ),
            Err(Http1Error::MalformedChunk)
        ));
        assert!(matches!(
            run(&[b"garbage\r\n\r\n"], false),
            Err(Http1Error::MalformedHead(_))
        ));
        let big = [b"HTTP/1.1 200 OK\r\nx: ".as_slice(), &[b'a'; 9000]].concat();
        assert!(matches!(
            run(&[&big], false),
            Err(Http1Error::HeadTooLarge(8192))
        ));
        assert!(matches!(
            run(&[b"HTTP/1.1 101 Switching\r\n\r\n"], false),
            Err(Http1Error::UnexpectedUpgrade)
        ));
    }

    #[test]
    fn every_split_point_gives_the_same_result() {
        let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
            5;a=b\r\nhello\r\n0\r\nt: 1\r\n\r\n";
        let expected = whole(raw);
        for i in 0..=raw.len() {
            let (a, b) = raw.split_at(i);
            assert_eq!(
                run(&[a, b], false).ok(),
                Some(expected.clone()),
                "split at {i}"
            );
        }
        let bytes: Vec<&[u8]> = raw.chunks(1).collect();
        assert_eq!(run(&bytes, false).ok(), Some(expected));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn response() -> impl Strategy<Value = Vec<u8>> {
            let chunks =
                proptest::collection::vec(proptest::collection::vec(any::<u8>(), 1..40), 0..6);
            (chunks, any::<bool>()).prop_map(|(chunks, chunked)| {
                let mut out = b"HTTP/1.1 200 OK\r\nx-a: b\r\n".to_vec();
                let body: Vec<u8> = chunks.concat();
                if chunked {
                    out.extend_from_slice(b"transfer-encoding: chunked\r\n\r\n");
                    for c in &chunks {
                        out.extend_from_slice(format!("{:x};e=1\r\n", c.len()).as_bytes());
                        out.extend_from_slice(c);
                        out.extend_from_slice(b"\r\n");
                    }
                    out.extend_from_slice(b"0\r\ntrailer: x\r\n\r\n");
                } else {
                    out.extend_from_slice(
                        format!("content-length: {}\r\n\r\n", body.len()).as_bytes(),
                    );
                    out.extend_from_slice(&body);
                }
                out
            })
        }

        proptest! {
            #[test]
            fn any_chunking_gives_identical_parse(raw in response(), cuts in proptest::collection::vec(any::<proptest::sample::Index>(), 0..12)) {
                let mut points: Vec<usize> = cuts.iter().map(|c| c.index(raw.len() + 1)).collect();
                points.sort_unstable();
                let mut parts = Vec::new();
                let mut last = 0;
                for p in points {
                    parts.push(&raw[last..p]);
                    last = p;
                }
                parts.push(&raw[last..]);
                let expected = run(&[&raw], false).ok();
                prop_assert!(expected.as_ref().is_some_and(|e| e.2));
                prop_assert_eq!(run(&parts, false).ok(), expected);
            }

            #[test]
            fn arbitrary_bytes_never_panic(parts in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..64), 0..8), prefix in any::<bool>()) {
                let mut p = ResponseParser::new(256);
                let mut body = Vec::new();
                if prefix {
                    let _ = p.feed(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n", &mut body);
                }
                for part in &parts {
                    if p.feed(part, &mut body).is_err() {
                        break;
                    }
                }
                let _ = p.eof();
            }
        }
    }
}
