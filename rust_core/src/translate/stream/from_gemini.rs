//! Upstream parser for Gemini `streamGenerateContent?alt=sse`: each `data:` line is a whole
//! `GenerateContentResponse` (candidates with parts, `usageMetadata`, `modelVersion`,
//! `responseId`). There is no terminal event: the stream ends at EOF after a chunk with a
//! `finishReason`; a later usage-only chunk still counts.
//!
//! Spec: <https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent>.
//! Parts with `thought: true` are reasoning; a `functionCall` part is a whole tool call (its
//! `args` object arrives complete). `candidatesTokenCount` excludes thoughts, so output tokens
//! are candidates + thoughts, as the other APIs count them.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::hub::Hub;
use super::{ErrorKind, Event, UsagePatch};
use crate::translate::common::StopReason;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Chunk<'a> {
    #[serde(default, borrow)]
    candidates: Vec<Candidate<'a>>,
    usage_metadata: Option<UsageMetadata>,
    #[serde(borrow)]
    model_version: Option<Cow<'a, str>>,
    #[serde(borrow)]
    response_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    error: Option<ErrorBody<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Candidate<'a> {
    #[serde(default)]
    index: u32,
    #[serde(borrow)]
    content: Option<Content<'a>>,
    #[serde(borrow)]
    finish_reason: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Content<'a> {
    #[serde(default, borrow)]
    parts: Vec<Part<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Part<'a> {
    #[serde(borrow)]
    text: Option<Cow<'a, str>>,
    #[serde(default)]
    thought: bool,
    #[serde(borrow)]
    function_call: Option<FunctionCall<'a>>,
}

#[derive(Deserialize)]
struct FunctionCall<'a> {
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    args: Option<&'a RawValue>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(clippy::struct_field_names)] // the wire names
struct UsageMetadata {
    prompt_token_count: Option<u64>,
    candidates_token_count: Option<u64>,
    thoughts_token_count: Option<u64>,
    cached_content_token_count: Option<u64>,
}

#[derive(Deserialize)]
struct ErrorBody<'a> {
    #[serde(default)]
    code: u32,
    #[serde(borrow)]
    message: Option<Cow<'a, str>>,
    #[serde(borrow)]
    status: Option<Cow<'a, str>>,
}

fn error_kind(code: u32, status: &str) -> ErrorKind {
    match (code, status) {
        (429, _) | (_, "RESOURCE_EXHAUSTED") => ErrorKind::RateLimited,
        (400, _) | (_, "INVALID_ARGUMENT" | "FAILED_PRECONDITION") => ErrorKind::InvalidRequest,
        (503, _) | (_, "UNAVAILABLE") => ErrorKind::Overloaded,
        _ => ErrorKind::Server,
    }
}

#[derive(Debug, Default)]
pub struct Parser {
    /// Function calls seen so far; each one's key.
    tool_calls: u32,
}

impl Parser {
    pub fn on_event(&mut self, data: &str, hub: &mut Hub, out: &mut Vec<u8>) {
        let data = data.trim_ascii();
        if data.is_empty() {
            return;
        }
        let chunk: Chunk<'_> = match serde_json::from_str(data) {
            Ok(c) => c,
            Err(e) => {
                let message = format!("malformed upstream chunk: {e}");
                hub.emit(Event::Error(ErrorKind::Malformed, &message), out);
                return;
            }
        };
        if let Some(err) = &chunk.error {
            let kind = error_kind(err.code, err.status.as_deref().unwrap_or(""));
            let message = err.message.as_deref().filter(|m| !m.is_empty());
            hub.emit(Event::Error(kind, message.unwrap_or("upstream error")), out);
            return;
        }
        if let Some(u) = &chunk.usage_metadata {
            let thoughts = u.thoughts_token_count.unwrap_or(0);
            let patch = UsagePatch {
                input_tokens: u.prompt_token_count,
                output_tokens: u.candidates_token_count.map(|n| n.saturating_add(thoughts)),
                cache_read_tokens: u.cached_content_token_count,
                cache_creation_tokens: None,
                reasoning_tokens: u.thoughts_token_count,
            };
            hub.emit(Event::Usage(patch), out);
        }
        hub.emit(
            Event::Start {
                id: chunk.response_id.as_deref(),
                model: chunk.model_version.as_deref(),
            },
            out,
        );
        for cand in chunk.candidates.iter().filter(|c| c.index == 0) {
            for part in cand.content.iter().flat_map(|c| c.parts.iter()) {
                self.on_part(part, hub, out);
            }
            if let Some(reason) = cand.finish_reason.as_deref() {
                let stop = if self.tool_calls > 0 && reason == "STOP" {
                    StopReason::ToolUse
                } else {
                    StopReason::from_gemini(reason).unwrap_or(StopReason::EndTurn)
                };
                hub.emit(Event::Finish(stop), out);
            }
        }
    }

    fn on_part(&mut self, part: &Part<'_>, hub: &mut Hub, out: &mut Vec<u8>) {
        if let Some(text) = part.text.as_deref().filter(|t| !t.is_empty()) {
            hub.emit(
                if part.thought {
                    Event::Reasoning(text)
                } else {
                    Event::Text(text)
                },
                out,
            );
        }
        if let Some(call) = &part.function_call {
            let key = self.tool_calls;
            self.tool_calls += 1;
            hub.emit(
                Event::ToolStart {
                    key,
                    id: call.id.as_deref(),
                    name: call.name.as_deref().unwrap_or(""),
                },
                out,
            );
            let args = call.args.map_or("{}", RawValue::get);
            hub.emit(Event::ToolArgs { key, delta: args }, out);
            hub.emit(Event::BlockStop, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::translate::ApiKind;

    #[test]
    fn function_calls_are_whole_tool_calls_and_stop_means_tool_use() {
        let mut hub = Hub::for_tests(ApiKind::OpenAiChat);
        let mut p = Parser::default();
        let mut out = Vec::new();
        p.on_event(
            r#"{"candidates":[{"content":{"parts":[{"functionCall":{"name":"f","args":{"a":[1, 2]}}}]},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":4,"candidatesTokenCount":2,"thoughtsTokenCount":3},"modelVersion":"g"}"#,
            &mut hub,
            &mut out,
        );
        let text = String::from_utf8(out).unwrap_or_default();
        assert!(text.contains(r#""name":"f","arguments":"""#));
        assert!(text.contains(r#""arguments":"{\"a\":[1, 2]}""#));
        assert_eq!(hub.stop_reason(), Some(StopReason::ToolUse));
        let usage = hub.usage().unwrap_or_default();
        assert_eq!((usage.output_tokens, usage.reasoning_tokens), (5, 3));
    }

    #[test]
    fn error_chunk_maps_status() {
        let mut hub = Hub::for_tests(ApiKind::OpenAiChat);
        let mut out = Vec::new();
        Parser::default().on_event(
            r#"{"error":{"code":429,"message":"quota","status":"RESOURCE_EXHAUSTED"}}"#,
            &mut hub,
            &mut out,
        );
        assert!(String::from_utf8(out)
            .unwrap_or_default()
            .contains("rate_limit_exceeded"));
    }
}
