//! [`Translator`]: one upstream response stream, configured once, fed chunk by chunk.

use std::sync::atomic::{AtomicU64, Ordering};

use super::hub::Hub;
use super::passthrough::{Observe, Passthrough};
use super::{
    from_anthropic_messages, from_bedrock_converse, from_gemini, from_openai_chat,
    from_openai_responses, ErrorKind,
};
use crate::eventstream::{self, FrameError};
use crate::sse;
use crate::translate::ApiKind;

/// A stream pair that cannot be translated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StreamConfigError {
    #[error("{0} is an upstream-only API and cannot be a streaming client")]
    NotAClient(ApiKind),
}

/// The upstream side: which parser reads its events.
#[derive(Debug)]
enum Upstream {
    Chat(from_openai_chat::Parser),
    Anthropic(from_anthropic_messages::Parser),
    Responses(from_openai_responses::Parser),
    Bedrock(from_bedrock_converse::Parser),
    Gemini(from_gemini::Parser),
}

impl Upstream {
    fn new(kind: ApiKind) -> Self {
        match kind {
            ApiKind::OpenAiChat => Upstream::Chat(from_openai_chat::Parser::default()),
            ApiKind::AnthropicMessages => {
                Upstream::Anthropic(from_anthropic_messages::Parser::default())
            }
            ApiKind::OpenAiResponses => {
                Upstream::Responses(from_openai_responses::Parser::default())
            }
            ApiKind::BedrockConverse => Upstream::Bedrock(from_bedrock_converse::Parser::default()),
            ApiKind::Gemini => Upstream::Gemini(from_gemini::Parser::default()),
        }
    }
}

/// How upstream bytes are cut into events.
#[derive(Debug)]
enum Framing {
    Sse(sse::Parser),
    EventStream(eventstream::Decoder),
}

/// Translates (or passes through and observes) one upstream stream for one client.
#[derive(Debug)]
pub struct Translator {
    framing: Framing,
    upstream: Upstream,
    hub: Hub,
    passthrough: Option<Passthrough>,
    out: Vec<u8>,
}

static STREAMS: AtomicU64 = AtomicU64::new(0);

/// Cap on one upstream SSE event. Larger than the SSE default: a Responses `response.completed`
/// repeats the whole output (and image results are base64), so one event can exceed 1 MiB.
const MAX_EVENT_BYTES: usize = 16 << 20;

impl Translator {
    /// A translator for `upstream` → `client`. `model` is the fallback model name; `now_s` is the
    /// clock (Unix seconds) that dates the response and, when given, makes minted ids
    /// reproducible; without it ids are minted from the process clock and a stream counter.
    /// `include_usage: false` keeps the usage-only chunk from a Chat client (it did not ask for
    /// `stream_options.include_usage`); the usage is still observed.
    pub fn new(
        upstream: ApiKind,
        client: ApiKind,
        model: Option<&str>,
        now_s: Option<f64>,
        include_usage: bool,
    ) -> Result<Self, StreamConfigError> {
        let (created_s, seed) = if let Some(t) = now_s {
            let created = std::time::Duration::try_from_secs_f64(t).map_or(0, |d| d.as_secs());
            (created, t.to_bits())
        } else {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default();
            let n = STREAMS.fetch_add(1, Ordering::Relaxed);
            (now.as_secs(), (now.as_nanos() as u64) ^ n.rotate_left(32))
        };
        let mut hub = Hub::new(client, model, created_s, seed)
            .ok_or(StreamConfigError::NotAClient(client))?;
        if !include_usage {
            hub.skip_usage_chunk();
        }
        let passthrough = (upstream == client).then(|| {
            hub.observe_only();
            Passthrough::new(upstream, include_usage)
        });
        let framing = match upstream {
            ApiKind::BedrockConverse => Framing::EventStream(eventstream::Decoder::default()),
            _ => Framing::Sse(sse::Parser::new(MAX_EVENT_BYTES)),
        };
        Ok(Self {
            framing,
            upstream: Upstream::new(upstream),
            hub,
            passthrough,
            out: Vec::with_capacity(1024),
        })
    }

    /// Feeds one upstream network chunk; returns the client bytes it produced (possibly none).
    pub fn feed(&mut self, chunk: &[u8]) -> &[u8] {
        self.out.clear();
        if self.hub.is_closed() {
            // After a normal end a passthrough still forwards what follows (the rest of the
            // terminal event's line ending: `data: [DONE]\r\n\r` | `\n` is dispatched at the
            // CR but its bytes wait for the LF), as one whole chunk would have; after a failure
            // nothing more reaches the client.
            if let (true, Some(p)) = (self.hub.is_complete(), &mut self.passthrough) {
                p.forward(chunk, &mut self.out);
            }
            return &self.out;
        }
        if let Some(p) = &mut self.passthrough {
            p.forward(chunk, &mut self.out);
        }
        let Self {
            framing,
            upstream,
            hub,
            passthrough,
            out,
        } = self;
        match framing {
            Framing::Sse(parser) => {
                let result = parser.feed_with(chunk, |ev| {
                    on_sse_data(upstream, hub, passthrough.as_mut(), &ev.data, out);
                });
                if let Err(e) = result {
                    let message = format!("upstream stream unreadable: {e}");
                    self.fail(ErrorKind::Server, &message);
                }
            }
            Framing::EventStream(decoder) => {
                let result = decoder.feed_with(chunk, |frame| {
                    if let (Upstream::Bedrock(p), Some(event_type)) =
                        (&mut *upstream, frame.event_type())
                    {
                        if !hub.is_closed() {
                            p.on_event(event_type, &frame.payload, hub, out);
                        }
                    }
                });
                self.on_frame_error(result);
            }
        }
        &self.out
    }

    fn on_frame_error(&mut self, result: Result<(), FrameError>) {
        match result {
            Ok(()) | Err(FrameError::Truncated { .. }) => {}
            Err(FrameError::Exception {
                exception_type,
                message,
            }) => {
                from_bedrock_converse::Parser::on_exception(
                    &exception_type,
                    &message,
                    &mut self.hub,
                    &mut self.out,
                );
            }
            Err(e) => {
                let message = format!("upstream stream unreadable: {e}");
                self.fail(ErrorKind::Server, &message);
            }
        }
    }

    /// Upstream EOF: closes the client envelope, or reports a truncated stream to the client.
    pub fn finish(&mut self) -> &[u8] {
        self.out.clear();
        if self.hub.is_closed() {
            return &self.out;
        }
        if let Framing::EventStream(decoder) = &mut self.framing {
            let result = decoder.finish();
            self.on_frame_error(result);
        }
        if let Framing::Sse(parser) = &mut self.framing {
            // An event cut off only by EOF (e.g. `data: [DONE]` without its blank line) counts.
            if let Some(ev) = parser.finish().unterminated {
                let Self {
                    upstream,
                    hub,
                    passthrough,
                    out,
                    ..
                } = self;
                on_sse_data(upstream, hub, passthrough.as_mut(), &ev.data, out);
            }
        }
        let Some(p) = &mut self.passthrough else {
            self.hub.end_of_input(&mut self.out);
            return &self.out;
        };
        // Passthrough: the bytes after the last blank line reach the client only if the stream
        // is complete with them (e.g. a final event without its trailing newline).
        let rest = p.take_pending();
        if !self.hub.is_closed() && self.hub.stop_reason().is_some() {
            self.hub.emit(super::Event::Done, &mut self.out);
        }
        if self.hub.is_closed() {
            p.push_tail(&rest, &mut self.out);
        } else {
            self.fail(ErrorKind::Truncated, "upstream stream ended early");
        }
        &self.out
    }

    /// Ends the stream with a client-dialect error (cut connection, timeout); empty once ended.
    pub fn abort(&mut self, message: &str) -> &[u8] {
        self.out.clear();
        self.fail(ErrorKind::Aborted, message);
        &self.out
    }

    /// Ends the stream with a client-dialect error of `kind` (no-op once it has ended).
    fn fail(&mut self, kind: ErrorKind, message: &str) {
        if let Some(p) = &self.passthrough {
            if self.hub.is_started() {
                self.hub.adopt_upstream_envelope(p.last_sequence_number());
            }
        }
        self.hub.fail(kind, message, &mut self.out);
    }

    pub fn hub(&self) -> &Hub {
        &self.hub
    }
}

/// Routes one SSE event's data to the upstream parser (after the passthrough gate).
fn on_sse_data(
    upstream: &mut Upstream,
    hub: &mut Hub,
    passthrough: Option<&mut Passthrough>,
    data: &str,
    out: &mut Vec<u8>,
) {
    if hub.is_closed() {
        return;
    }
    if let Some(p) = passthrough {
        if let Observe::Estimate(chars) = p.observe(data) {
            hub.add_output_chars(chars);
            return;
        }
    }
    match upstream {
        Upstream::Chat(p) => p.on_event(data, hub, out),
        Upstream::Anthropic(p) => p.on_event(data, hub, out),
        Upstream::Responses(p) => p.on_event(data, hub, out),
        Upstream::Gemini(p) => p.on_event(data, hub, out),
        Upstream::Bedrock(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Test-only framing of a fixture: the `data:` payload of each blank-line-separated block.
    fn data_events(text: &str) -> Vec<String> {
        text.replace("\r\n", "\n")
            .split("\n\n")
            .filter_map(|block| {
                let data: Vec<&str> = block
                    .lines()
                    .filter_map(|l| l.strip_prefix("data: "))
                    .collect();
                (!data.is_empty()).then(|| data.join("\n"))
            })
            .collect()
    }

    fn run(upstream: ApiKind, client: ApiKind, fixture: &str) -> (Translator, String) {
        run_with_usage(upstream, client, fixture, true)
    }

    fn run_with_usage(
        upstream: ApiKind,
        client: ApiKind,
        fixture: &str,
        include_usage: bool,
    ) -> (Translator, String) {
        let mut t = Translator::new(
            upstream,
            client,
            Some("fallback-model"),
            Some(1.0e9),
            include_usage,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let mut out = t.feed(fixture.as_bytes()).to_vec();
        out.extend_from_slice(t.finish());
        (t, String::from_utf8(out).unwrap_or_default())
    }

    const ANTHROPIC_TEXT: &str =
        include_str!("../../../../tests/fixtures/streams/anthropic-messages/text.sse");
    const CHAT_TOOLS: &str =
        include_str!("../../../../tests/fixtures/streams/openai-chat/tools.sse");
    const CHAT_TRUNCATED: &str =
        include_str!("../../../../tests/fixtures/streams/openai-chat/truncated.sse");

    #[test]
    fn anthropic_to_chat_has_role_first_and_done_last() {
        let (t, out) = run(
            ApiKind::AnthropicMessages,
            ApiKind::OpenAiChat,
            ANTHROPIC_TEXT,
        );
        let events = data_events(&out);
        assert!(events[0].contains("\"role\":\"assistant\""));
        assert!(events[0].contains("chatcmpl-01XFDUDYJgAACzvnptvVoYEL"));
        assert!(events[0].contains("claude-sonnet-4-5-20250929"));
        assert_eq!(events.last().map(String::as_str), Some("[DONE]"));
        assert_eq!(out.matches("[DONE]").count(), 1);
        assert!(out.contains("\"finish_reason\":\"stop\""));
        assert!(t.hub().is_complete());
        let usage = t.hub().usage().unwrap_or_default();
        assert_eq!(
            (
                usage.input_tokens,
                usage.output_tokens,
                usage.cache_read_tokens
            ),
            (29, 15, 4)
        );
    }

    const CHAT_TEXT: &str = include_str!("../../../../tests/fixtures/streams/openai-chat/text.sse");
    /// An OpenAI-compatible upstream that reports usage on the finish chunk, then alone again.
    const CHAT_USAGE_ON_FINISH: &str = "data: {\"id\":\"chatcmpl-1\",\"choices\":[{\"index\":0,\
        \"delta\":{\"content\":\"hi\"}}],\"usage\":null}\r\n\r\n\
        data: {\"id\":\"chatcmpl-1\",\"choices\":[{\"index\":0,\"delta\":{},\
        \"finish_reason\":\"stop\"}],\"usage\": {\"prompt_tokens\":5,\"completion_tokens\":1},\
        \"x_groq\":{\"usage\":{\"a\":1}}}\r\n\r\n\
        data: {\"id\":\"chatcmpl-1\",\"choices\": [ ],\"usage\":{\"prompt_tokens\":5,\
        \"completion_tokens\":1}}\r\n\r\n\
        data: [DONE]\r\n\r\n";

    /// The `data:` payloads that parse as JSON objects.
    fn chunks(out: &str) -> Vec<serde_json::Value> {
        data_events(out)
            .iter()
            .filter_map(|d| serde_json::from_str(d).ok())
            .collect()
    }

    fn usage_only(chunk: &serde_json::Value) -> bool {
        chunk["choices"].as_array().is_some_and(Vec::is_empty) && !chunk["usage"].is_null()
    }

    #[test]
    fn chat_passthrough_without_include_usage_drops_only_the_usage_chunk() {
        let (t, out) = run_with_usage(ApiKind::OpenAiChat, ApiKind::OpenAiChat, CHAT_TEXT, false);
        let usage_event = CHAT_TEXT
            .split_inclusive("\n\n")
            .find(|e| e.contains("\"choices\":[]"))
            .unwrap_or_default();
        assert!(!usage_event.is_empty());
        assert_eq!(out, CHAT_TEXT.replacen(usage_event, "", 1));
        assert!(out.ends_with("data: [DONE]\n\n"));
        assert!(t.hub().is_complete());
        let usage = t.hub().usage().unwrap_or_default();
        assert_eq!((usage.input_tokens, usage.output_tokens), (19, 10));

        let (_, with) = run_with_usage(ApiKind::OpenAiChat, ApiKind::OpenAiChat, CHAT_TEXT, true);
        assert_eq!(with, CHAT_TEXT);
    }

    #[test]
    fn chat_passthrough_without_include_usage_nulls_usage_on_other_chunks() {
        let (t, out) = run_with_usage(
            ApiKind::OpenAiChat,
            ApiKind::OpenAiChat,
            CHAT_USAGE_ON_FINISH,
            false,
        );
        let expected = CHAT_USAGE_ON_FINISH
            .replace(
                "\"usage\": {\"prompt_tokens\":5,\"completion_tokens\":1},",
                "\"usage\": null,",
            )
            .replace(
                "data: {\"id\":\"chatcmpl-1\",\"choices\": [ ],\"usage\":{\"prompt_tokens\":5,\
                 \"completion_tokens\":1}}\r\n\r\n",
                "",
            );
        assert_eq!(out, expected);
        assert!(chunks(&out).iter().all(|c| c["usage"].is_null()));
        assert_eq!(t.hub().usage().map(|u| u.input_tokens), Some(5));
    }

    #[test]
    fn translated_chat_without_include_usage_has_no_usage_chunk() {
        for include_usage in [true, false] {
            let (t, out) = run_with_usage(
                ApiKind::AnthropicMessages,
                ApiKind::OpenAiChat,
                ANTHROPIC_TEXT,
                include_usage,
            );
            let usage_chunks = chunks(&out).iter().filter(|c| usage_only(c)).count();
            assert_eq!(usage_chunks, usize::from(include_usage));
            assert!(chunks(&out)
                .iter()
                .all(|c| usage_only(c) || c["usage"].is_null()));
            assert!(out.ends_with("data: [DONE]\n\n"));
            assert_eq!(t.hub().usage().map(|u| u.output_tokens), Some(15));
        }
    }

    #[test]
    fn include_usage_is_ignored_for_other_clients() {
        for client in [
            ApiKind::AnthropicMessages,
            ApiKind::OpenAiResponses,
            ApiKind::Gemini,
        ] {
            assert_eq!(
                run_with_usage(ApiKind::OpenAiChat, client, CHAT_TEXT, false).1,
                run_with_usage(ApiKind::OpenAiChat, client, CHAT_TEXT, true).1,
            );
        }
    }

    #[test]
    fn chat_tools_to_anthropic_makes_two_tool_blocks() {
        let (t, out) = run(ApiKind::OpenAiChat, ApiKind::AnthropicMessages, CHAT_TOOLS);
        assert_eq!(out.matches("event: message_start").count(), 1);
        assert_eq!(out.matches("event: message_stop").count(), 1);
        assert_eq!(out.matches("\"type\":\"tool_use\"").count(), 2);
        assert!(out.contains("\"stop_reason\":\"tool_use\""));
        assert!(out.contains("msg_B9MBs8CjcvOU2jLn4n570S5qMJKcT"));
        assert_eq!(t.hub().output_chars(), 38);
    }

    #[test]
    fn truncated_stream_ends_with_a_client_error() {
        let (t, out) = run(
            ApiKind::OpenAiChat,
            ApiKind::AnthropicMessages,
            CHAT_TRUNCATED,
        );
        assert!(out.ends_with(
            "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\",\
             \"message\":\"upstream stream ended early\"}}\n\n"
        ));
        assert!(!out.contains("message_stop"));
        assert!(!t.hub().is_complete());
    }

    #[test]
    fn malformed_json_is_an_error_event_not_a_panic() {
        let (_, out) = run(
            ApiKind::AnthropicMessages,
            ApiKind::OpenAiChat,
            "data: {\"type\":\n\n",
        );
        assert!(out.contains("\"code\":\"upstream_error\""));
        assert!(!out.contains("[DONE]"));
    }

    #[test]
    fn bedrock_is_rejected_as_client() {
        let err = Translator::new(
            ApiKind::OpenAiChat,
            ApiKind::BedrockConverse,
            None,
            None,
            true,
        );
        assert!(err.is_err());
    }

    const CLIENTS: [ApiKind; 4] = [
        ApiKind::OpenAiChat,
        ApiKind::AnthropicMessages,
        ApiKind::OpenAiResponses,
        ApiKind::Gemini,
    ];

    fn run_chunks(
        upstream: ApiKind,
        client: ApiKind,
        chunks: &[&[u8]],
        include_usage: bool,
    ) -> Vec<u8> {
        let Ok(mut t) = Translator::new(upstream, client, None, Some(5.0), include_usage) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for c in chunks {
            out.extend_from_slice(t.feed(c));
        }
        out.extend_from_slice(t.finish());
        out.extend_from_slice(t.abort("x"));
        out
    }

    #[test]
    fn crlf_terminal_event_split_before_its_last_lf_is_forwarded() {
        let stream = CHAT_USAGE_ON_FINISH.as_bytes();
        let cut = stream.len() - 1; // `data: [DONE]\r\n\r` | `\n`
        for include_usage in [true, false] {
            let (head, tail) = stream.split_at(cut);
            assert_eq!(
                run_chunks(
                    ApiKind::OpenAiChat,
                    ApiKind::OpenAiChat,
                    &[head, tail],
                    include_usage
                ),
                run_chunks(
                    ApiKind::OpenAiChat,
                    ApiKind::OpenAiChat,
                    &[stream],
                    include_usage
                ),
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(
            chunks in proptest::collection::vec(proptest::collection::vec(proptest::num::u8::ANY, 0..64), 0..6),
            up in 0usize..5,
            client in 0usize..4,
            include_usage: bool,
        ) {
            let chunks: Vec<&[u8]> = chunks.iter().map(Vec::as_slice).collect();
            let _ = run_chunks(ApiKind::ALL[up], CLIENTS[client], &chunks, include_usage);
        }

        #[test]
        fn chunking_never_changes_output(
            cut in proptest::collection::vec(0usize..4000, 0..8),
            client in 0usize..4,
            include_usage: bool,
        ) {
            let stream = CHAT_TOOLS.as_bytes();
            let mut bounds: Vec<usize> = cut.into_iter().map(|c| c.min(stream.len())).collect();
            bounds.push(0);
            bounds.push(stream.len());
            bounds.sort_unstable();
            let chunks: Vec<&[u8]> = bounds.windows(2).filter_map(|w| stream.get(w[0]..w[1])).collect();
            proptest::prop_assert_eq!(
                run_chunks(ApiKind::OpenAiChat, CLIENTS[client], &chunks, include_usage),
                run_chunks(ApiKind::OpenAiChat, CLIENTS[client], &[stream], include_usage)
            );
        }

        #[test]
        fn dropping_usage_never_depends_on_chunking(
            cut in proptest::collection::vec(0usize..4000, 0..8),
            fixture in 0usize..3,
        ) {
            let stream = [CHAT_TEXT, CHAT_TOOLS, CHAT_USAGE_ON_FINISH][fixture].as_bytes();
            let mut bounds: Vec<usize> = cut.into_iter().map(|c| c.min(stream.len())).collect();
            bounds.push(0);
            bounds.push(stream.len());
            bounds.sort_unstable();
            let chunks: Vec<&[u8]> = bounds.windows(2).filter_map(|w| stream.get(w[0]..w[1])).collect();
            proptest::prop_assert_eq!(
                run_chunks(ApiKind::OpenAiChat, ApiKind::OpenAiChat, &chunks, false),
                run_chunks(ApiKind::OpenAiChat, ApiKind::OpenAiChat, &[stream], false)
            );
        }
    }
}
