//! AWS event-stream (`application/vnd.amazon.eventstream`): an incremental binary frame decoder
//! and an encoder. Bedrock `ConverseStream` / `InvokeModelWithResponseStream` answer in it.
//!
//! Spec: <https://docs.aws.amazon.com/transcribe/latest/dg/streaming-setting-up.html#streaming-event-stream>
//! and the `aws-c-event-stream` wire format (the layout is described in `codec.rs`).
//!
//! * Incremental: feed network chunks of any size; a partial frame stays buffered. Any split of
//!   the input gives the same frames.
//! * Both CRCs are verified; a frame must be 16..=`max_frame_bytes` long (default 16 MiB), checked
//!   as soon as its 12-byte prelude arrives, so memory stays bounded by one frame plus one chunk.
//! * Exception frames (`:message-type` `exception`, or `error` with `:error-code` and
//!   `:error-message`) are not frames for the caller: they become [`FrameError::Exception`].
//! * Errors are sticky: after one, the decoder returns it again on every call. [`Decoder::feed`]
//!   returns the frames decoded before an error and reports the error on the next call, so no
//!   frame that preceded it is lost; [`Decoder::feed_with`] delivers them and fails at once.
//!
//! Rust callers (the stream translators) should prefer [`Decoder::feed_with_ref`]: each frame is a
//! [`FrameRef`] borrowing the input and a reused header buffer, so nothing is allocated per frame;
//! [`Decoder::feed_with`] hands out owned [`Frame`]s instead.

mod codec;

pub use codec::encode_frame;

/// Default cap on one frame: 16 MiB (AWS itself caps messages at 16 MiB).
pub const DEFAULT_MAX_FRAME_BYTES: usize = 16 << 20;

/// A typed header value (wire type numbers 0–9).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum HeaderValue {
    Bool(bool),
    Byte(i8),
    Short(i16),
    Int(i32),
    Long(i64),
    Bytes(Vec<u8>),
    String(String),
    /// Milliseconds since the Unix epoch.
    Timestamp(i64),
    Uuid([u8; 16]),
}

/// A header value borrowed from the decoder's buffer (see [`HeaderValue`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HeaderRef<'a> {
    Bool(bool),
    Byte(i8),
    Short(i16),
    Int(i32),
    Long(i64),
    Bytes(&'a [u8]),
    String(&'a str),
    Timestamp(i64),
    Uuid([u8; 16]),
}

impl HeaderRef<'_> {
    pub fn to_value(self) -> HeaderValue {
        match self {
            HeaderRef::Bool(v) => HeaderValue::Bool(v),
            HeaderRef::Byte(v) => HeaderValue::Byte(v),
            HeaderRef::Short(v) => HeaderValue::Short(v),
            HeaderRef::Int(v) => HeaderValue::Int(v),
            HeaderRef::Long(v) => HeaderValue::Long(v),
            HeaderRef::Bytes(v) => HeaderValue::Bytes(v.to_vec()),
            HeaderRef::String(v) => HeaderValue::String(v.to_owned()),
            HeaderRef::Timestamp(v) => HeaderValue::Timestamp(v),
            HeaderRef::Uuid(v) => HeaderValue::Uuid(v),
        }
    }
}

/// One decoded message, borrowed from the decoder's buffers: no copy of names, values or payload
/// and no allocation per frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FrameRef<'a> {
    pub headers: &'a [(&'a str, HeaderRef<'a>)],
    pub payload: &'a [u8],
}

impl FrameRef<'_> {
    /// The first string header called `name`.
    pub fn header_str(&self, name: &str) -> Option<&str> {
        self.headers.iter().find_map(|(n, v)| match v {
            HeaderRef::String(s) if *n == name => Some(*s),
            _ => None,
        })
    }

    /// `:message-type`: `event`, `exception` or `error`.
    pub fn message_type(&self) -> Option<&str> {
        self.header_str(":message-type")
    }

    /// `:event-type`, e.g. `contentBlockDelta`.
    pub fn event_type(&self) -> Option<&str> {
        self.header_str(":event-type")
    }

    /// `:exception-type`, e.g. `throttlingException`.
    pub fn exception_type(&self) -> Option<&str> {
        self.header_str(":exception-type")
    }

    /// The exception this frame carries, if it is an exception or error frame.
    pub fn to_exception(&self) -> Option<FrameError> {
        match self.message_type()? {
            "exception" => Some(FrameError::Exception {
                exception_type: self.exception_type().unwrap_or("unknown").to_owned(),
                message: payload_message(self.payload),
            }),
            "error" => Some(FrameError::Exception {
                exception_type: self
                    .header_str(":error-code")
                    .unwrap_or("unknown")
                    .to_owned(),
                message: self
                    .header_str(":error-message")
                    .unwrap_or_default()
                    .to_owned(),
            }),
            _ => None,
        }
    }

    /// An owned copy.
    pub fn to_frame(&self) -> Frame {
        Frame {
            headers: self
                .headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), v.to_value()))
                .collect(),
            payload: self.payload.to_vec(),
        }
    }
}

/// One decoded message, owned.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Frame {
    pub headers: Vec<(String, HeaderValue)>,
    pub payload: Vec<u8>,
}

impl Frame {
    /// The first header called `name`.
    pub fn header(&self, name: &str) -> Option<&HeaderValue> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// The first header called `name`, if it is a string.
    pub fn header_str(&self, name: &str) -> Option<&str> {
        match self.header(name)? {
            HeaderValue::String(s) => Some(s),
            _ => None,
        }
    }

    /// `:message-type`: `event`, `exception` or `error`.
    pub fn message_type(&self) -> Option<&str> {
        self.header_str(":message-type")
    }

    /// `:event-type`, e.g. `contentBlockDelta`.
    pub fn event_type(&self) -> Option<&str> {
        self.header_str(":event-type")
    }

    /// `:exception-type`, e.g. `throttlingException`.
    pub fn exception_type(&self) -> Option<&str> {
        self.header_str(":exception-type")
    }
}

/// The `message` (or `Message`) field of a JSON exception payload, else the payload as text.
fn payload_message(payload: &[u8]) -> String {
    if let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(payload) {
        if let Some(serde_json::Value::String(m)) =
            map.get("message").or_else(|| map.get("Message"))
        {
            return m.clone();
        }
    }
    String::from_utf8_lossy(payload).into_owned()
}

/// Errors: malformed input, or an exception the upstream sent in-stream.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("event-stream prelude CRC mismatch: expected {expected:#010x}, got {actual:#010x}")]
    PreludeCrc { expected: u32, actual: u32 },
    #[error("event-stream message CRC mismatch: expected {expected:#010x}, got {actual:#010x}")]
    MessageCrc { expected: u32, actual: u32 },
    #[error("event-stream frame too short: total_length={total_length} < 16")]
    TooShort { total_length: usize },
    #[error("event-stream frame of {total_length} bytes exceeds max_frame_bytes={limit}")]
    TooLarge { total_length: usize, limit: usize },
    #[error(
        "event-stream headers_length={headers_length} does not fit total_length={total_length}"
    )]
    HeadersTooLong {
        headers_length: usize,
        total_length: usize,
    },
    #[error("event-stream header malformed: {reason}")]
    BadHeader { reason: &'static str },
    #[error("event-stream header has unknown type {kind}")]
    UnknownHeaderType { kind: u8 },
    #[error("event-stream truncated: {buffered} bytes of an incomplete frame at end of stream")]
    Truncated { buffered: usize },
    #[error("event-stream cannot encode: {reason}")]
    Unencodable { reason: &'static str },
    #[error("upstream exception {exception_type}: {message}")]
    Exception {
        exception_type: String,
        message: String,
    },
}

/// Incremental decoder for one stream.
#[derive(Debug, Clone)]
pub struct Decoder {
    buf: Vec<u8>,
    max_frame_bytes: usize,
    failed: Option<FrameError>,
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_FRAME_BYTES)
    }
}

impl Decoder {
    pub fn new(max_frame_bytes: usize) -> Self {
        Self {
            buf: Vec::new(),
            max_frame_bytes,
            failed: None,
        }
    }

    /// Feeds one chunk and returns the frames it completes. On an error after some frames, those
    /// frames are returned and the error is reported by the next call.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<Vec<Frame>, FrameError> {
        let mut frames = Vec::new();
        match self.feed_with(chunk, |f| frames.push(f)) {
            Err(err) if frames.is_empty() => Err(err),
            _ => Ok(frames),
        }
    }

    /// Feeds one chunk, calling `on_frame` with an owned copy of each complete non-exception
    /// frame.
    pub fn feed_with(
        &mut self,
        chunk: &[u8],
        mut on_frame: impl FnMut(Frame),
    ) -> Result<(), FrameError> {
        self.feed_with_ref(chunk, |frame| on_frame(frame.to_frame()))
    }

    /// Feeds one chunk, calling `on_frame` with each complete non-exception frame, borrowed from
    /// the chunk or the decoder's buffer (the allocation-light path).
    pub fn feed_with_ref(
        &mut self,
        chunk: &[u8],
        mut on_frame: impl FnMut(FrameRef<'_>),
    ) -> Result<(), FrameError> {
        if let Some(err) = &self.failed {
            return Err(err.clone());
        }
        let result = if self.buf.is_empty() {
            // Fast path: decode straight from the chunk, buffer only its incomplete tail.
            self.decode_all(chunk, &mut on_frame).map(|used| {
                self.buf
                    .extend_from_slice(chunk.get(used..).unwrap_or_default());
            })
        } else {
            self.buf.extend_from_slice(chunk);
            let buf = std::mem::take(&mut self.buf);
            let result = self.decode_all(&buf, &mut on_frame);
            self.buf = buf;
            result.map(|used| {
                self.buf.drain(..used.min(self.buf.len()));
            })
        };
        if let Err(err) = &result {
            self.failed = Some(err.clone());
            self.buf = Vec::new();
        }
        result
    }

    /// Ends the stream: an error if a partial frame (or an earlier error) remains. Resets.
    pub fn finish(&mut self) -> Result<(), FrameError> {
        let failed = self.failed.take();
        let buffered = std::mem::take(&mut self.buf).len();
        if let Some(err) = failed {
            return Err(err);
        }
        if buffered > 0 {
            return Err(FrameError::Truncated { buffered });
        }
        Ok(())
    }

    /// Decodes every complete frame at the start of `bytes`; returns how many bytes they used.
    fn decode_all(
        &self,
        bytes: &[u8],
        on_frame: &mut impl FnMut(FrameRef<'_>),
    ) -> Result<usize, FrameError> {
        let mut used = 0;
        let mut headers = Vec::new();
        while let Some(rest) = bytes.get(used..) {
            if rest.len() < codec::PRELUDE_BYTES {
                break;
            }
            let prelude = codec::read_prelude(rest, self.max_frame_bytes)?;
            let Some(frame) = rest.get(..prelude.total_length) else {
                break;
            };
            headers.clear();
            let payload = codec::decode_body(frame, prelude, &mut headers)?;
            let frame = FrameRef {
                headers: &headers,
                payload,
            };
            if let Some(exception) = frame.to_exception() {
                return Err(exception);
            }
            on_frame(frame);
            used += prelude.total_length;
        }
        Ok(used)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn event(event_type: &str, payload: &str) -> Vec<u8> {
        let headers = [
            (":event-type", HeaderValue::String(event_type.into())),
            (
                ":content-type",
                HeaderValue::String("application/json".into()),
            ),
            (":message-type", HeaderValue::String("event".into())),
        ];
        encode_frame(&headers, payload.as_bytes()).unwrap_or_default()
    }

    fn stream() -> Vec<u8> {
        let mut out = event("messageStart", r#"{"role":"assistant"}"#);
        out.extend(event(
            "contentBlockDelta",
            r#"{"contentBlockIndex":0,"delta":{"text":"Hi ☕"}}"#,
        ));
        out.extend(event("messageStop", r#"{"stopReason":"end_turn"}"#));
        out
    }

    /// Frames until the first error, and that error (or the `finish` result).
    fn decode(chunks: &[&[u8]], max: usize) -> (Vec<Frame>, Result<(), FrameError>) {
        let mut decoder = Decoder::new(max);
        let mut frames = Vec::new();
        for chunk in chunks {
            if let Err(err) = decoder.feed_with(chunk, |f| frames.push(f)) {
                return (frames, Err(err));
            }
        }
        (frames, decoder.finish())
    }

    #[test]
    fn decodes_frames_and_helpers() {
        let (frames, end) = decode(&[&stream()], DEFAULT_MAX_FRAME_BYTES);
        assert_eq!(end, Ok(()));
        let types: Vec<_> = frames.iter().map(Frame::event_type).collect();
        assert_eq!(
            types,
            vec![
                Some("messageStart"),
                Some("contentBlockDelta"),
                Some("messageStop")
            ]
        );
        assert!(frames.iter().all(|f| f.message_type() == Some("event")));
        assert_eq!(
            frames.first().map(|f| f.payload.as_slice()),
            Some(&br#"{"role":"assistant"}"#[..])
        );
    }

    #[test]
    fn bad_crcs_are_named() {
        let mut bytes = stream();
        if let Some(b) = bytes.get_mut(9) {
            *b ^= 1;
        }
        assert!(matches!(
            decode(&[&bytes], 1 << 20).1,
            Err(FrameError::PreludeCrc { .. })
        ));
        let mut bytes = stream();
        if let Some(b) = bytes.get_mut(20) {
            *b ^= 1;
        }
        assert!(matches!(
            decode(&[&bytes], 1 << 20).1,
            Err(FrameError::MessageCrc { .. })
        ));
    }

    #[test]
    fn lengths_are_checked_at_the_prelude() {
        let frame = |total: u32, headers: u32| {
            let mut p = total.to_be_bytes().to_vec();
            p.extend(headers.to_be_bytes());
            let crc = crc32fast::hash(&p);
            p.extend(crc.to_be_bytes());
            p
        };
        let short = decode(&[&frame(15, 0)], 1 << 20).1;
        assert_eq!(short, Err(FrameError::TooShort { total_length: 15 }));
        let large = decode(&[&frame(2 << 20, 0)], 1 << 20).1;
        assert!(matches!(large, Err(FrameError::TooLarge { .. })));
        let headers = decode(&[&frame(32, 17)], 1 << 20).1;
        assert!(matches!(headers, Err(FrameError::HeadersTooLong { .. })));
    }

    #[test]
    fn partial_frame_at_end_is_truncated() {
        let bytes = stream();
        let cut = bytes.get(..bytes.len() - 3).unwrap_or_default();
        let (frames, end) = decode(&[cut], 1 << 20);
        assert_eq!(frames.len(), 2);
        assert!(matches!(end, Err(FrameError::Truncated { .. })));
    }

    #[test]
    fn exception_frames_become_errors_after_earlier_frames() {
        let headers = [
            (
                ":exception-type",
                HeaderValue::String("throttlingException".into()),
            ),
            (
                ":content-type",
                HeaderValue::String("application/json".into()),
            ),
            (":message-type", HeaderValue::String("exception".into())),
        ];
        let mut bytes = event("messageStart", "{}");
        bytes.extend(
            encode_frame(&headers, br#"{"message":"Too many requests"}"#).unwrap_or_default(),
        );
        let mut decoder = Decoder::default();
        assert_eq!(decoder.feed(&bytes).map(|f| f.len()), Ok(1));
        let want = FrameError::Exception {
            exception_type: "throttlingException".into(),
            message: "Too many requests".into(),
        };
        assert_eq!(decoder.feed(b""), Err(want.clone()));
        assert_eq!(decoder.finish(), Err(want));
    }

    #[test]
    fn error_frames_use_error_headers() {
        let headers = [
            (":message-type", HeaderValue::String("error".into())),
            (":error-code", HeaderValue::String("InternalFailure".into())),
            (":error-message", HeaderValue::String("boom".into())),
        ];
        let bytes = encode_frame(&headers, b"").unwrap_or_default();
        let err = Decoder::default().feed(&bytes);
        assert_eq!(
            err,
            Err(FrameError::Exception {
                exception_type: "InternalFailure".into(),
                message: "boom".into()
            })
        );
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
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn chunking_never_changes_frames(
            cuts in proptest::collection::vec(any::<usize>(), 0..16),
            truncate in 0usize..40,
        ) {
            let full = stream();
            let bytes = full.get(..full.len().saturating_sub(truncate)).unwrap_or_default();
            let chunks = split(bytes, &cuts);
            let refs: Vec<&[u8]> = chunks.iter().map(Vec::as_slice).collect();
            prop_assert_eq!(decode(&refs, 1 << 20), decode(&[bytes], 1 << 20));
        }

        #[test]
        fn arbitrary_bytes_never_panic(
            bytes in proptest::collection::vec(any::<u8>(), 0..256),
            cuts in proptest::collection::vec(any::<usize>(), 0..8),
        ) {
            let chunks = split(&bytes, &cuts);
            let refs: Vec<&[u8]> = chunks.iter().map(Vec::as_slice).collect();
            prop_assert_eq!(decode(&refs, 1 << 16), decode(&[&bytes], 1 << 16));
        }

        #[test]
        fn corrupted_frames_never_panic(flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..4)) {
            let mut bytes = stream();
            let len = bytes.len();
            for (at, mask) in flips {
                if let Some(b) = bytes.get_mut(at % len) {
                    *b ^= mask;
                }
            }
            let _ = decode(&[&bytes], 1 << 16);
        }

        #[test]
        fn random_headers_round_trip(
            names in proptest::collection::vec("[a-z:-]{1,12}", 0..6),
            values in proptest::collection::vec(any::<i64>(), 0..6),
            payload in proptest::collection::vec(any::<u8>(), 0..64),
        ) {
            let headers: Vec<(String, HeaderValue)> = names
                .into_iter()
                .zip(values)
                .map(|(n, v)| (n, HeaderValue::Long(v)))
                .collect();
            let bytes = encode_frame(&headers, &payload).unwrap_or_default();
            let (frames, end) = decode(&[&bytes], 1 << 16);
            prop_assert_eq!(end, Ok(()));
            prop_assert_eq!(frames, vec![Frame { headers, payload }]);
        }
    }
}
