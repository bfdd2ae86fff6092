//! Upstream parser for Anthropic Messages streams: `message_start`, content blocks
//! (`content_block_start` / `_delta` / `_stop`), `message_delta` (stop reason, cumulative usage),
//! `message_stop`, plus `ping` and `error`.
//!
//! Spec: <https://docs.anthropic.com/en/docs/build-with-claude/streaming>. The event's JSON
//! `type` decides, not the `event:` line. Anthropic's `input_tokens` excludes cache reads and
//! writes; the patch sent to the hub adds them back so every API's input count means the same.
//! Server-side tool blocks (`server_tool_use`, web search results) are not client tool calls and
//! are skipped.

use std::borrow::Cow;

use serde::Deserialize;

use super::hub::Hub;
use super::{ErrorKind, Event, UsagePatch};
use crate::translate::common::StopReason;

#[derive(Deserialize)]
struct RawEvent<'a> {
    #[serde(borrow, rename = "type")]
    kind: Cow<'a, str>,
    index: Option<u32>,
    #[serde(borrow)]
    message: Option<Message<'a>>,
    #[serde(borrow)]
    content_block: Option<Block<'a>>,
    #[serde(borrow)]
    delta: Option<Delta<'a>>,
    usage: Option<AnthropicUsage>,
    #[serde(borrow)]
    error: Option<ErrorBody<'a>>,
}

#[derive(Deserialize)]
struct Message<'a> {
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    model: Option<Cow<'a, str>>,
    usage: Option<AnthropicUsage>,
}

#[derive(Deserialize)]
struct Block<'a> {
    #[serde(borrow, rename = "type")]
    kind: Cow<'a, str>,
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    text: Option<Cow<'a, str>>,
    #[serde(borrow)]
    thinking: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Delta<'a> {
    #[serde(borrow, rename = "type")]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    text: Option<Cow<'a, str>>,
    #[serde(borrow)]
    partial_json: Option<Cow<'a, str>>,
    #[serde(borrow)]
    thinking: Option<Cow<'a, str>>,
    #[serde(borrow)]
    signature: Option<Cow<'a, str>>,
    #[serde(borrow)]
    stop_reason: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
#[allow(clippy::struct_field_names)] // the wire names
struct AnthropicUsage {
    input_tokens: Option<u64>,
    output_tokens: Option<u64>,
    cache_read_input_tokens: Option<u64>,
    cache_creation_input_tokens: Option<u64>,
}

#[derive(Deserialize)]
struct ErrorBody<'a> {
    #[serde(borrow, rename = "type")]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    message: Option<Cow<'a, str>>,
}

/// `cache` holds the last cache counts seen, for reports that repeat `input_tokens` without them.
fn usage_patch(u: &AnthropicUsage, cache: &mut (u64, u64)) -> UsagePatch {
    if let Some(n) = u.cache_read_input_tokens {
        cache.0 = n;
    }
    if let Some(n) = u.cache_creation_input_tokens {
        cache.1 = n;
    }
    let (cached, created) = *cache;
    UsagePatch {
        input_tokens: u
            .input_tokens
            .map(|n| n.saturating_add(cached).saturating_add(created)),
        output_tokens: u.output_tokens,
        cache_read_tokens: u.cache_read_input_tokens,
        cache_creation_tokens: u.cache_creation_input_tokens,
        reasoning_tokens: None,
    }
}

fn error_kind(kind: &str) -> ErrorKind {
    match kind {
        "overloaded_error" => ErrorKind::Overloaded,
        "rate_limit_error" => ErrorKind::RateLimited,
        "invalid_request_error" | "request_too_large" => ErrorKind::InvalidRequest,
        _ => ErrorKind::Server,
    }
}

#[derive(Debug, Default)]
pub struct Parser {
    /// Block indices whose deltas are not translated (server tools, redacted thinking).
    skipped: Vec<u32>,
    /// Last (cache read, cache creation) input token counts reported.
    cache: (u64, u64),
}

impl Parser {
    pub fn on_event(&mut self, data: &str, hub: &mut Hub, out: &mut Vec<u8>) {
        if data.trim_ascii().is_empty() {
            return;
        }
        let ev: RawEvent<'_> = match serde_json::from_str(data) {
            Ok(e) => e,
            Err(e) => {
                let message = format!("malformed upstream event: {e}");
                hub.emit(Event::Error(ErrorKind::Malformed, &message), out);
                return;
            }
        };
        let index = ev.index.unwrap_or(0);
        match ev.kind.as_ref() {
            "message_start" => {
                let message = ev.message.as_ref();
                if let Some(u) = message.and_then(|m| m.usage.as_ref()) {
                    hub.emit(Event::Usage(usage_patch(u, &mut self.cache)), out);
                }
                hub.emit(
                    Event::Start {
                        id: message.and_then(|m| m.id.as_deref()),
                        model: message.and_then(|m| m.model.as_deref()),
                    },
                    out,
                );
            }
            "content_block_start" => {
                if let Some(block) = &ev.content_block {
                    self.on_block_start(index, block, hub, out);
                }
            }
            "content_block_delta" if !self.skipped.contains(&index) => {
                if let Some(d) = &ev.delta {
                    on_block_delta(index, d, hub, out);
                }
            }
            "content_block_stop" if !self.skipped.contains(&index) => {
                hub.emit(Event::BlockStop, out);
            }
            "message_delta" => {
                if let Some(reason) = ev.delta.as_ref().and_then(|d| d.stop_reason.as_deref()) {
                    hub.emit(
                        Event::Finish(
                            StopReason::from_anthropic(reason).unwrap_or(StopReason::EndTurn),
                        ),
                        out,
                    );
                }
                if let Some(u) = &ev.usage {
                    hub.emit(Event::Usage(usage_patch(u, &mut self.cache)), out);
                }
            }
            "message_stop" => hub.emit(Event::Done, out),
            "error" => {
                let err = ev.error.as_ref();
                let kind = error_kind(err.and_then(|e| e.kind.as_deref()).unwrap_or(""));
                let message = err
                    .and_then(|e| e.message.as_deref())
                    .filter(|m| !m.is_empty())
                    .unwrap_or("upstream error");
                hub.emit(Event::Error(kind, message), out);
            }
            _ => {}
        }
    }

    fn on_block_start(&mut self, index: u32, block: &Block<'_>, hub: &mut Hub, out: &mut Vec<u8>) {
        match block.kind.as_ref() {
            "tool_use" => hub.emit(
                Event::ToolStart {
                    key: index,
                    id: block.id.as_deref(),
                    name: block.name.as_deref().unwrap_or(""),
                },
                out,
            ),
            "text" => {
                if let Some(t) = block.text.as_deref().filter(|t| !t.is_empty()) {
                    hub.emit(Event::Text(t), out);
                }
            }
            "thinking" => {
                if let Some(t) = block.thinking.as_deref().filter(|t| !t.is_empty()) {
                    hub.emit(Event::Reasoning(t), out);
                }
            }
            _ => self.skipped.push(index),
        }
    }
}

fn on_block_delta(index: u32, d: &Delta<'_>, hub: &mut Hub, out: &mut Vec<u8>) {
    match d.kind.as_deref().unwrap_or("") {
        "text_delta" => hub.emit(Event::Text(d.text.as_deref().unwrap_or("")), out),
        "input_json_delta" => hub.emit(
            Event::ToolArgs {
                key: index,
                delta: d.partial_json.as_deref().unwrap_or(""),
            },
            out,
        ),
        "thinking_delta" => hub.emit(Event::Reasoning(d.thinking.as_deref().unwrap_or("")), out),
        "signature_delta" => hub.emit(
            Event::ReasoningSignature(d.signature.as_deref().unwrap_or("")),
            out,
        ),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::translate::ApiKind;

    fn run(events: &[&str]) -> (Hub, String) {
        let mut hub = Hub::for_tests(ApiKind::OpenAiChat);
        let mut parser = Parser::default();
        let mut out = Vec::new();
        for e in events {
            parser.on_event(e, &mut hub, &mut out);
        }
        (hub, String::from_utf8(out).unwrap_or_default())
    }

    #[test]
    fn server_tool_blocks_are_skipped() {
        let (_, out) = run(&[
            r#"{"type":"content_block_start","index":0,"content_block":{"type":"server_tool_use","id":"s","name":"web_search"}}"#,
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"q\":1}"}}"#,
        ]);
        assert!(!out.contains("tool_calls"));
    }

    #[test]
    fn cache_counts_persist_into_later_usage_reports() {
        let (hub, _) = run(&[
            r#"{"type":"message_start","message":{"id":"msg_1","model":"c","usage":{"input_tokens":10,"cache_read_input_tokens":90,"output_tokens":1}}}"#,
            r#"{"type":"message_delta","delta":{"stop_reason":"max_tokens"},"usage":{"input_tokens":10,"output_tokens":7}}"#,
        ]);
        let usage = hub.usage().unwrap_or_default();
        assert_eq!(
            (
                usage.input_tokens,
                usage.cache_read_tokens,
                usage.output_tokens
            ),
            (100, 90, 7)
        );
        assert_eq!(hub.stop_reason(), Some(StopReason::MaxTokens));
    }

    #[test]
    fn error_event_maps_overloaded() {
        let (_, out) = run(&[
            r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
        ]);
        assert!(out.contains(r#""code":"upstream_overloaded""#));
    }
}
