//! [`Translator`]: one upstream response stream, configured once, fed chunk by chunk.

use std::sync::atomic::{AtomicU64, Ordering};

use super::from_bedrock_converse::Frame;
use super::hub::Hub;
use super::passthrough::{Observe, Passthrough};
use super::{
    from_anthropic_messages, from_bedrock_converse, from_gemini, from_openai_chat,
    from_openai_responses, ErrorKind,
};
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

/// Translates (or passes through and observes) one upstream stream for one client.
#[derive(Debug)]
pub struct Translator {
    upstream: Upstream,
    hub: Hub,
    passthrough: Option<Passthrough>,
    out: Vec<u8>,
}

static STREAMS: AtomicU64 = AtomicU64::new(0);

impl Translator {
    /// A translator for `upstream` → `client`. `model` is the fallback model name; `now_s` is the
    /// clock (Unix seconds) that dates the response and, when given, makes minted ids
    /// reproducible; without it ids are minted from the process clock and a stream counter.
    pub fn new(
        upstream: ApiKind,
        client: ApiKind,
        model: Option<&str>,
        now_s: Option<f64>,
    ) -> Result<Self, StreamConfigError> {
        let (created_s, seed) = match now_s {
            Some(t) => (t.max(0.0) as u64, t.to_bits()),
            None => {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap_or_default();
                let n = STREAMS.fetch_add(1, Ordering::Relaxed);
                (now.as_secs(), (now.as_nanos() as u64) ^ n.rotate_left(32))
            }
        };
        let mut hub = Hub::new(client, model, created_s, seed)
            .ok_or(StreamConfigError::NotAClient(client))?;
        let passthrough = (upstream == client).then(|| {
            hub.observe_only();
            Passthrough::new(upstream)
        });
        Ok(Self {
            upstream: Upstream::new(upstream),
            hub,
            passthrough,
            out: Vec::with_capacity(1024),
        })
    }

    /// Handles the data of one complete upstream SSE event.
    pub fn on_sse_data(&mut self, data: &str) {
        if self.hub.is_closed() {
            return;
        }
        if let Some(p) = &mut self.passthrough {
            match p.observe(data) {
                Observe::Parse => {}
                Observe::Estimate(chars) => {
                    self.hub.add_output_chars(chars);
                    return;
                }
            }
        }
        let (hub, out) = (&mut self.hub, &mut self.out);
        match &mut self.upstream {
            Upstream::Chat(p) => p.on_event(data, hub, out),
            Upstream::Anthropic(p) => p.on_event(data, hub, out),
            Upstream::Responses(p) => p.on_event(data, hub, out),
            Upstream::Gemini(p) => p.on_event(data, hub, out),
            Upstream::Bedrock(_) => {
                let message = "SSE event on a Bedrock event-stream";
                hub.emit(super::Event::Error(ErrorKind::Server, message), out);
            }
        }
    }

    /// Handles one decoded Bedrock event-stream frame.
    pub fn on_frame(&mut self, frame: Frame<'_>) {
        if self.hub.is_closed() {
            return;
        }
        if let Upstream::Bedrock(p) = &mut self.upstream {
            p.on_frame(frame, &mut self.hub, &mut self.out);
        }
    }

    /// Ends the stream with a client-dialect error of `kind` (no-op once it has ended).
    pub fn fail(&mut self, kind: ErrorKind, message: &str) {
        if let Some(p) = &self.passthrough {
            if self.hub.is_started() {
                self.hub.adopt_upstream_envelope(p.last_sequence_number());
            }
        }
        self.hub.fail(kind, message, &mut self.out);
    }

    /// Takes the client bytes produced so far.
    pub fn take_output(&mut self) -> &[u8] {
        &self.out
    }

    pub fn hub(&self) -> &Hub {
        &self.hub
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
        let mut t = Translator::new(upstream, client, Some("fallback-model"), Some(1.0e9))
            .unwrap_or_else(|e| panic!("{e}"));
        for data in data_events(fixture) {
            t.on_sse_data(&data);
        }
        t.hub.end_of_input(&mut t.out);
        let out = String::from_utf8(t.out.clone()).unwrap_or_default();
        (t, out)
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
        let err = Translator::new(ApiKind::OpenAiChat, ApiKind::BedrockConverse, None, None);
        assert!(err.is_err());
    }
}
