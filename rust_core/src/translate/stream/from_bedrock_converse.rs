//! Upstream parser for Bedrock `ConverseStream`: decoded AWS event-stream frames whose
//! `:event-type` is `messageStart`, `contentBlockStart`, `contentBlockDelta` (text, `toolUse`
//! input, `reasoningContent`), `contentBlockStop`, `messageStop` or `metadata` (usage), plus
//! exception frames (`:message-type: exception`).
//!
//! Spec: <https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html>.
//! The turn ends with `messageStop` and then `metadata`; the hub's end comes after `metadata` so
//! the client's final event can carry usage (or at EOF when `metadata` never arrives). Bedrock's
//! `inputTokens` excludes cache reads and writes; the hub's input count adds them back.

use std::borrow::Cow;

use serde::Deserialize;

use super::hub::Hub;
use super::{ErrorKind, Event, UsagePatch};
use crate::translate::common::StopReason;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Payload<'a> {
    content_block_index: Option<u32>,
    #[serde(borrow)]
    start: Option<BlockStart<'a>>,
    #[serde(borrow)]
    delta: Option<Delta<'a>>,
    #[serde(borrow)]
    stop_reason: Option<Cow<'a, str>>,
    usage: Option<BedrockUsage>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BlockStart<'a> {
    #[serde(borrow)]
    tool_use: Option<ToolUseStart<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ToolUseStart<'a> {
    #[serde(borrow)]
    tool_use_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Delta<'a> {
    #[serde(borrow)]
    text: Option<Cow<'a, str>>,
    #[serde(borrow)]
    tool_use: Option<ToolUseDelta<'a>>,
    #[serde(borrow)]
    reasoning_content: Option<ReasoningDelta<'a>>,
}

#[derive(Deserialize)]
struct ToolUseDelta<'a> {
    #[serde(borrow)]
    input: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct ReasoningDelta<'a> {
    #[serde(borrow)]
    text: Option<Cow<'a, str>>,
    #[serde(borrow)]
    signature: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(clippy::struct_field_names)] // the wire names
struct BedrockUsage {
    input_tokens: Option<u64>,
    output_tokens: Option<u64>,
    cache_read_input_tokens: Option<u64>,
    cache_write_input_tokens: Option<u64>,
}

fn exception_kind(exception_type: &str) -> ErrorKind {
    match exception_type {
        "throttlingException" => ErrorKind::RateLimited,
        "validationException" => ErrorKind::InvalidRequest,
        "serviceUnavailableException" | "modelNotReadyException" => ErrorKind::Overloaded,
        _ => ErrorKind::Server,
    }
}

#[derive(Debug, Default)]
pub struct Parser {
    saw_message_stop: bool,
}

impl Parser {
    /// An exception frame (`:message-type` `exception` or `error`), already decoded.
    pub fn on_exception(exception_type: &str, message: &str, hub: &mut Hub, out: &mut Vec<u8>) {
        let message = if message.is_empty() {
            exception_type
        } else {
            message
        };
        hub.emit(Event::Error(exception_kind(exception_type), message), out);
    }

    /// An event frame: its `:event-type` and JSON payload.
    pub fn on_event(&mut self, event_type: &str, payload: &[u8], hub: &mut Hub, out: &mut Vec<u8>) {
        let p: Payload<'_> = match serde_json::from_slice(payload) {
            Ok(p) => p,
            Err(e) => {
                let message = format!("malformed upstream {event_type} event: {e}");
                hub.emit(Event::Error(ErrorKind::Malformed, &message), out);
                return;
            }
        };
        let key = p.content_block_index.unwrap_or(0);
        match event_type {
            "messageStart" => hub.emit(
                Event::Start {
                    id: None,
                    model: None,
                },
                out,
            ),
            "contentBlockStart" => {
                if let Some(tool) = p.start.as_ref().and_then(|s| s.tool_use.as_ref()) {
                    hub.emit(
                        Event::ToolStart {
                            key,
                            id: tool.tool_use_id.as_deref(),
                            name: tool.name.as_deref().unwrap_or(""),
                        },
                        out,
                    );
                }
            }
            "contentBlockDelta" => {
                let Some(d) = &p.delta else {
                    return;
                };
                if let Some(text) = d.text.as_deref() {
                    hub.emit(Event::Text(text), out);
                }
                if let Some(input) = d.tool_use.as_ref().and_then(|t| t.input.as_deref()) {
                    hub.emit(Event::ToolArgs { key, delta: input }, out);
                }
                if let Some(r) = &d.reasoning_content {
                    if let Some(text) = r.text.as_deref() {
                        hub.emit(Event::Reasoning(text), out);
                    }
                    if let Some(sig) = r.signature.as_deref() {
                        hub.emit(Event::ReasoningSignature(sig), out);
                    }
                }
            }
            "contentBlockStop" => hub.emit(Event::BlockStop, out),
            "messageStop" => {
                let reason = p.stop_reason.as_deref().unwrap_or("end_turn");
                hub.emit(
                    Event::Finish(StopReason::from_bedrock(reason).unwrap_or(StopReason::EndTurn)),
                    out,
                );
                self.saw_message_stop = true;
            }
            "metadata" => {
                if let Some(u) = &p.usage {
                    let cached = u.cache_read_input_tokens.unwrap_or(0);
                    let written = u.cache_write_input_tokens.unwrap_or(0);
                    let patch = UsagePatch {
                        input_tokens: u
                            .input_tokens
                            .map(|n| n.saturating_add(cached).saturating_add(written)),
                        output_tokens: u.output_tokens,
                        cache_read_tokens: u.cache_read_input_tokens,
                        cache_creation_tokens: u.cache_write_input_tokens,
                        reasoning_tokens: None,
                    };
                    hub.emit(Event::Usage(patch), out);
                }
                if self.saw_message_stop {
                    hub.emit(Event::Done, out);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::translate::ApiKind;

    #[test]
    fn done_waits_for_metadata_after_message_stop() {
        let mut hub = Hub::for_tests(ApiKind::OpenAiChat);
        let mut p = Parser::default();
        let mut out = Vec::new();
        p.on_event(
            "messageStart",
            br#"{"role":"assistant"}"#,
            &mut hub,
            &mut out,
        );
        p.on_event(
            "contentBlockDelta",
            br#"{"contentBlockIndex":0,"delta":{"text":"hi"}}"#,
            &mut hub,
            &mut out,
        );
        p.on_event(
            "messageStop",
            br#"{"stopReason":"max_tokens"}"#,
            &mut hub,
            &mut out,
        );
        assert!(!hub.is_complete());
        p.on_event(
            "metadata",
            br#"{"usage":{"inputTokens":3,"outputTokens":1,"cacheReadInputTokens":2}}"#,
            &mut hub,
            &mut out,
        );
        assert!(hub.is_complete());
        assert_eq!(hub.usage().map(|u| u.input_tokens), Some(5));
        let text = String::from_utf8(out).unwrap_or_default();
        assert!(text.contains(r#""finish_reason":"length""#));
        assert!(text.contains(r#""prompt_tokens":5"#));
    }

    #[test]
    fn exceptions_map_to_error_kinds() {
        let mut hub = Hub::for_tests(ApiKind::AnthropicMessages);
        let mut out = Vec::new();
        Parser::on_exception("throttlingException", "", &mut hub, &mut out);
        let text = String::from_utf8(out).unwrap_or_default();
        assert!(text.contains(r#""type":"rate_limit_error","message":"throttlingException""#));
    }
}
