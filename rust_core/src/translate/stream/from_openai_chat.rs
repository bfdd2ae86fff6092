//! Upstream parser for `OpenAI` Chat Completions streams: `data:` lines holding
//! `chat.completion.chunk` objects, ended by `data: [DONE]`.
//!
//! Spec: <https://platform.openai.com/docs/api-reference/chat-streaming>. Only choice 0 is
//! translated. Reasoning arrives as `delta.reasoning_content` (`DeepSeek`, vLLM) or
//! `delta.reasoning` (`OpenRouter`, Groq, Ollama). Usage arrives in a final chunk with `choices: []`,
//! and only when the request set `stream_options.include_usage` (the request translator forces
//! it). A `data: {"error": …}` chunk is a mid-stream failure.

use std::borrow::Cow;

use serde::Deserialize;

use super::hub::Hub;
use super::{ErrorKind, Event, UsagePatch};
use crate::translate::common::StopReason;

#[derive(Deserialize)]
struct Chunk<'a> {
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    model: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    choices: Vec<Choice<'a>>,
    usage: Option<ChatUsage>,
    #[serde(borrow)]
    error: Option<ErrorBody<'a>>,
}

#[derive(Deserialize)]
struct Choice<'a> {
    #[serde(default)]
    index: u32,
    #[serde(borrow)]
    delta: Option<Delta<'a>>,
    #[serde(borrow)]
    finish_reason: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Delta<'a> {
    #[serde(borrow)]
    content: Option<Cow<'a, str>>,
    #[serde(borrow)]
    reasoning_content: Option<Cow<'a, str>>,
    #[serde(borrow)]
    reasoning: Option<Cow<'a, str>>,
    #[serde(borrow)]
    refusal: Option<Cow<'a, str>>,
    #[serde(borrow)]
    tool_calls: Option<Vec<ToolCallDelta<'a>>>,
}

#[derive(Deserialize)]
struct ToolCallDelta<'a> {
    index: Option<u32>,
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    function: Option<FunctionDelta<'a>>,
}

#[derive(Deserialize)]
struct FunctionDelta<'a> {
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    arguments: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct ChatUsage {
    prompt_tokens: Option<u64>,
    completion_tokens: Option<u64>,
    prompt_tokens_details: Option<PromptDetails>,
    completion_tokens_details: Option<CompletionDetails>,
}

#[derive(Deserialize)]
struct PromptDetails {
    cached_tokens: Option<u64>,
}

#[derive(Deserialize)]
struct CompletionDetails {
    reasoning_tokens: Option<u64>,
}

/// An OpenAI-style `{"message", "type", "code"}` error object.
#[derive(Deserialize)]
pub struct ErrorBody<'a> {
    #[serde(borrow)]
    pub message: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "type")]
    pub kind: Option<Cow<'a, str>>,
    #[serde(default)]
    pub code: Option<serde_json::Value>,
}

impl ErrorBody<'_> {
    /// Classifies an `OpenAI` error by its `type` / `code`.
    pub fn kind(&self) -> ErrorKind {
        let code = self
            .code
            .as_ref()
            .and_then(serde_json::Value::as_str)
            .unwrap_or("");
        let kind = self.kind.as_deref().unwrap_or("");
        if kind.contains("rate_limit") || code.contains("rate_limit") {
            ErrorKind::RateLimited
        } else if kind.contains("invalid_request") {
            ErrorKind::InvalidRequest
        } else if kind.contains("overloaded") || code.contains("overloaded") {
            ErrorKind::Overloaded
        } else {
            ErrorKind::Server
        }
    }

    pub fn message_or<'s>(&'s self, default: &'s str) -> &'s str {
        self.message
            .as_deref()
            .filter(|m| !m.is_empty())
            .unwrap_or(default)
    }
}

fn usage_patch(u: &ChatUsage) -> UsagePatch {
    UsagePatch {
        input_tokens: u.prompt_tokens,
        output_tokens: u.completion_tokens,
        cache_read_tokens: u
            .prompt_tokens_details
            .as_ref()
            .and_then(|d| d.cached_tokens),
        cache_creation_tokens: None,
        reasoning_tokens: u
            .completion_tokens_details
            .as_ref()
            .and_then(|d| d.reasoning_tokens),
    }
}

#[derive(Debug, Default)]
pub struct Parser {
    /// Tool call indices already announced with a `ToolStart`.
    started_tools: Vec<u32>,
}

impl Parser {
    pub fn on_event(&mut self, data: &str, hub: &mut Hub, out: &mut Vec<u8>) {
        let data = data.trim_ascii();
        if data == "[DONE]" {
            hub.emit(Event::Done, out);
            return;
        }
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
            hub.emit(
                Event::Error(err.kind(), err.message_or("upstream error")),
                out,
            );
            return;
        }
        hub.emit(
            Event::Start {
                id: chunk.id.as_deref(),
                model: chunk.model.as_deref(),
            },
            out,
        );
        for choice in chunk.choices.iter().filter(|c| c.index == 0) {
            if let Some(delta) = &choice.delta {
                self.on_delta(delta, hub, out);
            }
            if let Some(reason) = choice.finish_reason.as_deref() {
                hub.emit(
                    Event::Finish(
                        StopReason::from_openai_chat(reason).unwrap_or(StopReason::EndTurn),
                    ),
                    out,
                );
            }
        }
        if let Some(u) = &chunk.usage {
            hub.emit(Event::Usage(usage_patch(u)), out);
        }
    }

    fn on_delta(&mut self, delta: &Delta<'_>, hub: &mut Hub, out: &mut Vec<u8>) {
        if let Some(r) = delta
            .reasoning_content
            .as_deref()
            .or(delta.reasoning.as_deref())
        {
            if !r.is_empty() {
                hub.emit(Event::Reasoning(r), out);
            }
        }
        for s in [delta.content.as_deref(), delta.refusal.as_deref()]
            .into_iter()
            .flatten()
        {
            if !s.is_empty() {
                hub.emit(Event::Text(s), out);
            }
        }
        for (pos, call) in delta.tool_calls.iter().flatten().enumerate() {
            let key = call.index.unwrap_or(pos as u32);
            let function = call.function.as_ref();
            if !self.started_tools.contains(&key) {
                self.started_tools.push(key);
                let name = function.and_then(|f| f.name.as_deref()).unwrap_or("");
                hub.emit(
                    Event::ToolStart {
                        key,
                        id: call.id.as_deref(),
                        name,
                    },
                    out,
                );
            }
            if let Some(args) = function.and_then(|f| f.arguments.as_deref()) {
                if !args.is_empty() {
                    hub.emit(Event::ToolArgs { key, delta: args }, out);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::translate::ApiKind;

    fn run(events: &[&str]) -> (Hub, String) {
        let mut hub = Hub::for_tests(ApiKind::AnthropicMessages);
        let mut parser = Parser::default();
        let mut out = Vec::new();
        for e in events {
            parser.on_event(e, &mut hub, &mut out);
        }
        (hub, String::from_utf8(out).unwrap_or_default())
    }

    #[test]
    fn reasoning_alias_and_tool_call_without_index() {
        let (hub, out) = run(&[
            r#"{"id":"chatcmpl-1","model":"m","choices":[{"index":0,"delta":{"reasoning":"hm"}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"id":"c1","function":{"name":"f","arguments":"{}"}}]}}]}"#,
            r#"{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#,
            "[DONE]",
        ]);
        assert!(out.contains(r#""thinking":"hm""#));
        assert!(out.contains(r#""type":"tool_use","id":"c1","name":"f""#));
        assert!(out.contains(r#""partial_json":"{}""#));
        assert!(hub.is_complete());
        assert_eq!(hub.stop_reason(), Some(StopReason::ToolUse));
    }

    #[test]
    fn error_chunk_is_classified() {
        let (hub, out) =
            run(&[r#"{"error":{"message":"slow down","type":"rate_limit_exceeded"}}"#]);
        assert!(out.contains(r#""type":"rate_limit_error","message":"slow down""#));
        assert!(hub.is_closed() && !hub.is_complete());
    }

    #[test]
    fn other_choices_are_ignored() {
        let (_, out) = run(&[r#"{"choices":[{"index":1,"delta":{"content":"no"}}]}"#]);
        assert!(!out.contains("text_delta"));
    }
}
