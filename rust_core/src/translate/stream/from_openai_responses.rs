//! Upstream parser for `OpenAI` Responses streams: typed events from `response.created` to
//! `response.completed` / `response.incomplete`, with output items (`message`, `reasoning`,
//! `function_call`) announced by `response.output_item.added` and closed by `.done`.
//!
//! Spec: <https://platform.openai.com/docs/api-reference/responses-streaming>. Reasoning arrives
//! as `response.reasoning_text.delta` (raw) or `response.reasoning_summary_text.delta`
//! (summaries); both become reasoning. A function call's key is its `output_index`. Failures are
//! `response.failed` (with `response.error`) or a bare `error` event.

use std::borrow::Cow;

use serde::Deserialize;

use super::hub::Hub;
use super::{ErrorKind, Event, UsagePatch};
use crate::translate::common::StopReason;

#[derive(Deserialize)]
struct RawEvent<'a> {
    #[serde(borrow, rename = "type")]
    kind: Cow<'a, str>,
    #[serde(borrow)]
    response: Option<Response<'a>>,
    output_index: Option<u32>,
    #[serde(borrow)]
    item: Option<Item<'a>>,
    #[serde(borrow)]
    delta: Option<Cow<'a, str>>,
    #[serde(borrow)]
    code: Option<Cow<'a, str>>,
    #[serde(borrow)]
    message: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Response<'a> {
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    model: Option<Cow<'a, str>>,
    usage: Option<ResponsesUsage>,
    #[serde(borrow)]
    error: Option<ErrorBody<'a>>,
    #[serde(borrow)]
    incomplete_details: Option<IncompleteDetails<'a>>,
    #[serde(default, borrow)]
    output: Vec<OutputItem<'a>>,
}

#[derive(Deserialize)]
struct OutputItem<'a> {
    #[serde(borrow, rename = "type")]
    kind: Cow<'a, str>,
}

#[derive(Deserialize)]
struct Item<'a> {
    #[serde(borrow, rename = "type")]
    kind: Cow<'a, str>,
    #[serde(borrow)]
    call_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct ResponsesUsage {
    input_tokens: Option<u64>,
    output_tokens: Option<u64>,
    input_tokens_details: Option<InputDetails>,
    output_tokens_details: Option<OutputDetails>,
}

#[derive(Deserialize)]
struct InputDetails {
    cached_tokens: Option<u64>,
}

#[derive(Deserialize)]
struct OutputDetails {
    reasoning_tokens: Option<u64>,
}

#[derive(Deserialize)]
struct ErrorBody<'a> {
    #[serde(borrow)]
    code: Option<Cow<'a, str>>,
    #[serde(borrow)]
    message: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct IncompleteDetails<'a> {
    #[serde(borrow)]
    reason: Option<Cow<'a, str>>,
}

fn error_kind(code: &str) -> ErrorKind {
    match code {
        "rate_limit_exceeded" => ErrorKind::RateLimited,
        "server_error" | "" => ErrorKind::Server,
        c if c.starts_with("invalid") => ErrorKind::InvalidRequest,
        _ => ErrorKind::Server,
    }
}

#[derive(Debug, Default)]
pub struct Parser {
    saw_function_call: bool,
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
        let key = ev.output_index.unwrap_or(0);
        let delta = ev.delta.as_deref().unwrap_or("");
        match ev.kind.as_ref() {
            "response.created" | "response.in_progress" => {
                let r = ev.response.as_ref();
                hub.emit(
                    Event::Start {
                        id: r.and_then(|r| r.id.as_deref()),
                        model: r.and_then(|r| r.model.as_deref()),
                    },
                    out,
                );
            }
            "response.output_item.added" => {
                if let Some(item) = ev.item.as_ref().filter(|i| i.kind == "function_call") {
                    self.saw_function_call = true;
                    hub.emit(
                        Event::ToolStart {
                            key,
                            id: item.call_id.as_deref(),
                            name: item.name.as_deref().unwrap_or(""),
                        },
                        out,
                    );
                }
            }
            "response.output_text.delta" | "response.refusal.delta" => {
                hub.emit(Event::Text(delta), out);
            }
            "response.reasoning_text.delta" | "response.reasoning_summary_text.delta" => {
                hub.emit(Event::Reasoning(delta), out);
            }
            "response.function_call_arguments.delta" => {
                hub.emit(Event::ToolArgs { key, delta }, out);
            }
            "response.output_item.done" => hub.emit(Event::BlockStop, out),
            "response.completed" | "response.incomplete" => {
                let r = ev.response.as_ref();
                if let Some(u) = r.and_then(|r| r.usage.as_ref()) {
                    let patch = UsagePatch {
                        input_tokens: u.input_tokens,
                        output_tokens: u.output_tokens,
                        cache_read_tokens: u
                            .input_tokens_details
                            .as_ref()
                            .and_then(|d| d.cached_tokens),
                        cache_creation_tokens: None,
                        reasoning_tokens: u
                            .output_tokens_details
                            .as_ref()
                            .and_then(|d| d.reasoning_tokens),
                    };
                    hub.emit(Event::Usage(patch), out);
                }
                let reason = r
                    .and_then(|r| r.incomplete_details.as_ref())
                    .and_then(|d| d.reason.as_deref());
                let called = self.saw_function_call
                    || r.is_some_and(|r| r.output.iter().any(|i| i.kind == "function_call"));
                let stop = match reason {
                    Some("max_output_tokens") => StopReason::MaxTokens,
                    Some("content_filter") => StopReason::ContentFilter,
                    _ if called => StopReason::ToolUse,
                    _ => StopReason::EndTurn,
                };
                hub.emit(Event::Finish(stop), out);
                hub.emit(Event::Done, out);
            }
            "response.failed" => {
                let err = ev.response.as_ref().and_then(|r| r.error.as_ref());
                let kind = error_kind(err.and_then(|e| e.code.as_deref()).unwrap_or(""));
                let message = err
                    .and_then(|e| e.message.as_deref())
                    .filter(|m| !m.is_empty());
                hub.emit(
                    Event::Error(kind, message.unwrap_or("upstream response failed")),
                    out,
                );
            }
            "error" => {
                let kind = error_kind(ev.code.as_deref().unwrap_or(""));
                let message = ev.message.as_deref().filter(|m| !m.is_empty());
                hub.emit(Event::Error(kind, message.unwrap_or("upstream error")), out);
            }
            _ => {}
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
    fn incomplete_response_stops_for_max_tokens() {
        let (hub, out) = run(&[
            r#"{"type":"response.created","response":{"id":"resp_1","model":"o"}}"#,
            r#"{"type":"response.output_text.delta","output_index":0,"delta":"x"}"#,
            r#"{"type":"response.incomplete","response":{"incomplete_details":{"reason":"max_output_tokens"},"usage":{"input_tokens":1,"output_tokens":2}}}"#,
        ]);
        assert!(hub.is_complete());
        assert!(out.contains(r#""stop_reason":"max_tokens""#));
        assert!(out.contains(r#""id":"msg_1""#));
    }

    #[test]
    fn failed_response_is_an_error() {
        let (hub, out) = run(&[
            r#"{"type":"response.failed","response":{"error":{"code":"rate_limit_exceeded","message":"later"}}}"#,
        ]);
        assert!(out.contains(r#""type":"rate_limit_error","message":"later""#));
        assert!(!hub.is_complete());
    }
}
