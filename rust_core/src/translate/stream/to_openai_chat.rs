//! Client writer for `OpenAI` Chat Completions streams: `chat.completion.chunk` objects as SSE
//! `data:` lines, a role chunk first, a finish chunk, a usage chunk (`choices: []`) when usage is
//! known and the client asked for it (`stream_options.include_usage`), then `data: [DONE]`.
//! Reasoning goes to `delta.reasoning_content`.
//!
//! Spec: <https://platform.openai.com/docs/api-reference/chat-streaming>. A failure is sent as
//! `data: {"error":{...}}` without `[DONE]`: the `OpenAI` SDKs raise on an `error` chunk, and a
//! client that only waits for `[DONE]` sees an unfinished stream instead of a false success.

use super::hub::Context;
use super::json_out::{push_escaped, push_str, push_u64};
use super::{ErrorKind, Event};
use crate::translate::common::StopReason;

#[derive(Debug, Default)]
pub struct Writer {
    /// `data: {"id":…,"object":…,"created":…,"model":…,"choices":[` shared by every chunk.
    head: Vec<u8>,
    /// Upstream tool keys in order of appearance; a key's position is its `index`.
    tool_keys: Vec<u32>,
    has_finish: bool,
    /// The client did not ask for usage: no usage-only chunk.
    skips_usage_chunk: bool,
}

const CHOICE_OPEN: &[u8] = b"{\"index\":0,\"delta\":{";
const CHOICE_CLOSE: &[u8] = b"},\"logprobs\":null,\"finish_reason\":null}]}\n\n";

/// The `OpenAI` error `type` and `code` for a failure.
pub fn error_type_code(kind: ErrorKind) -> (&'static str, &'static str) {
    match kind {
        ErrorKind::InvalidRequest => ("invalid_request_error", "upstream_invalid_request"),
        ErrorKind::RateLimited => ("rate_limit_error", "rate_limit_exceeded"),
        ErrorKind::Overloaded => ("server_error", "upstream_overloaded"),
        ErrorKind::Server | ErrorKind::Malformed => ("server_error", "upstream_error"),
        ErrorKind::Truncated => ("server_error", "stream_truncated"),
        ErrorKind::Aborted => ("server_error", "stream_aborted"),
    }
}

impl Writer {
    pub fn start(&mut self, ctx: &Context, out: &mut Vec<u8>) {
        self.head.clear();
        self.head.extend_from_slice(b"data: {\"id\":\"chatcmpl-");
        push_escaped(&mut self.head, &ctx.id_body);
        self.head
            .extend_from_slice(b"\",\"object\":\"chat.completion.chunk\",\"created\":");
        push_u64(&mut self.head, ctx.created_s);
        self.head.extend_from_slice(b",\"model\":");
        push_str(&mut self.head, &ctx.model);
        self.head.extend_from_slice(b",\"choices\":[");
        self.open(out);
        out.extend_from_slice(b"\"role\":\"assistant\",\"content\":\"\"");
        out.extend_from_slice(CHOICE_CLOSE);
    }

    pub fn skip_usage_chunk(&mut self) {
        self.skips_usage_chunk = true;
    }

    fn open(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.head);
        out.extend_from_slice(CHOICE_OPEN);
    }

    fn delta_str(&self, field: &str, s: &str, out: &mut Vec<u8>) {
        if s.is_empty() {
            return;
        }
        self.open(out);
        out.push(b'"');
        out.extend_from_slice(field.as_bytes());
        out.extend_from_slice(b"\":");
        push_str(out, s);
        out.extend_from_slice(CHOICE_CLOSE);
    }

    fn tool_start(
        &mut self,
        ctx: &Context,
        key: u32,
        id: Option<&str>,
        name: &str,
        out: &mut Vec<u8>,
    ) {
        let index = self.tool_keys.len();
        self.tool_keys.push(key);
        self.open(out);
        out.extend_from_slice(b"\"tool_calls\":[{\"index\":");
        push_u64(out, index as u64);
        out.extend_from_slice(b",\"id\":");
        match id {
            Some(id) => push_str(out, id),
            None => push_str(out, &format!("call_{}", ctx.mint(u64::from(key) + 1))),
        }
        out.extend_from_slice(b",\"type\":\"function\",\"function\":{\"name\":");
        push_str(out, name);
        out.extend_from_slice(b",\"arguments\":\"\"}}]");
        out.extend_from_slice(CHOICE_CLOSE);
    }

    pub fn on(&mut self, ev: &Event<'_>, ctx: &Context, out: &mut Vec<u8>) {
        match *ev {
            Event::Text(s) => self.delta_str("content", s, out),
            Event::Reasoning(s) => self.delta_str("reasoning_content", s, out),
            Event::ToolStart { key, id, name } => self.tool_start(ctx, key, id, name, out),
            Event::ToolArgs { key, delta } => {
                if delta.is_empty() {
                    return;
                }
                let index = if let Some(i) = self.tool_keys.iter().position(|&k| k == key) {
                    i
                } else {
                    self.tool_start(ctx, key, None, "", out);
                    self.tool_keys.len() - 1
                };
                self.open(out);
                out.extend_from_slice(b"\"tool_calls\":[{\"index\":");
                push_u64(out, index as u64);
                out.extend_from_slice(b",\"function\":{\"arguments\":");
                push_str(out, delta);
                out.extend_from_slice(b"}}]");
                out.extend_from_slice(CHOICE_CLOSE);
            }
            Event::Finish(stop) => self.finish(stop, out),
            _ => {}
        }
    }

    fn finish(&mut self, stop: StopReason, out: &mut Vec<u8>) {
        if self.has_finish {
            return;
        }
        self.has_finish = true;
        // A tool call turn is `tool_calls` even when the upstream called it a plain stop.
        let stop = if stop == StopReason::EndTurn && !self.tool_keys.is_empty() {
            StopReason::ToolUse
        } else {
            stop
        };
        self.open(out);
        out.extend_from_slice(b"},\"logprobs\":null,\"finish_reason\":\"");
        out.extend_from_slice(stop.to_openai_chat().as_bytes());
        out.extend_from_slice(b"\"}]}\n\n");
    }

    pub fn done(&mut self, ctx: &Context, out: &mut Vec<u8>) {
        self.finish(ctx.stop.unwrap_or(StopReason::EndTurn), out);
        if let Some(u) = ctx.usage.filter(|_| !self.skips_usage_chunk) {
            out.extend_from_slice(&self.head);
            out.extend_from_slice(b"],\"usage\":{\"prompt_tokens\":");
            push_u64(out, u.input_tokens);
            out.extend_from_slice(b",\"completion_tokens\":");
            push_u64(out, u.output_tokens);
            out.extend_from_slice(b",\"total_tokens\":");
            push_u64(out, u.total_tokens());
            out.extend_from_slice(b",\"prompt_tokens_details\":{\"cached_tokens\":");
            push_u64(out, u.cache_read_tokens);
            out.extend_from_slice(b"},\"completion_tokens_details\":{\"reasoning_tokens\":");
            push_u64(out, u.reasoning_tokens);
            out.extend_from_slice(b"}}}\n\n");
        }
        out.extend_from_slice(b"data: [DONE]\n\n");
    }

    #[allow(clippy::unused_self)] // every writer has the same interface
    pub fn error(&mut self, _ctx: &Context, kind: ErrorKind, message: &str, out: &mut Vec<u8>) {
        let (kind, code) = error_type_code(kind);
        out.extend_from_slice(b"data: {\"error\":{\"message\":");
        push_str(out, message);
        out.extend_from_slice(b",\"type\":\"");
        out.extend_from_slice(kind.as_bytes());
        out.extend_from_slice(b"\",\"param\":null,\"code\":\"");
        out.extend_from_slice(code.as_bytes());
        out.extend_from_slice(b"\"}}\n\n");
    }
}

#[cfg(test)]
mod tests {
    use super::super::hub::Hub;
    use super::super::{ErrorKind, Event};
    use crate::translate::common::StopReason;
    use crate::translate::ApiKind;

    fn run(client: ApiKind, events: &[Event<'_>]) -> String {
        let mut hub = Hub::for_tests(client);
        let mut out = Vec::new();
        for e in events {
            hub.emit(*e, &mut out);
        }
        String::from_utf8(out).unwrap_or_default()
    }

    fn data_lines(out: &str) -> Vec<serde_json::Value> {
        out.lines()
            .filter_map(|l| l.strip_prefix("data: "))
            .filter(|d| *d != "[DONE]")
            .map(|d| serde_json::from_str(d).unwrap_or_default())
            .collect()
    }

    #[test]
    fn parallel_tool_calls_get_sequential_indices() {
        let out = run(
            ApiKind::OpenAiChat,
            &[
                Event::ToolStart {
                    key: 7,
                    id: Some("a"),
                    name: "f",
                },
                Event::ToolStart {
                    key: 9,
                    id: None,
                    name: "g",
                },
                Event::ToolArgs {
                    key: 9,
                    delta: "{}",
                },
                Event::ToolArgs {
                    key: 7,
                    delta: "[]",
                },
                Event::Done,
            ],
        );
        let chunks = data_lines(&out);
        let index = |i: usize| chunks[i]["choices"][0]["delta"]["tool_calls"][0]["index"].clone();
        assert_eq!(
            (index(1), index(2), index(3), index(4)),
            (0.into(), 1.into(), 1.into(), 0.into())
        );
        assert!(chunks[2]["choices"][0]["delta"]["tool_calls"][0]["id"]
            .as_str()
            .is_some_and(|id| id.starts_with("call_")));
        assert_eq!(chunks[5]["choices"][0]["finish_reason"], "tool_calls");
        assert!(out.ends_with("data: [DONE]\n\n"));
    }

    #[test]
    fn error_has_message_type_and_code_and_no_done() {
        let out = run(
            ApiKind::OpenAiChat,
            &[Event::Error(ErrorKind::Aborted, "cut \"here\"")],
        );
        let err = &data_lines(&out)[1]["error"];
        assert_eq!(
            (err["message"].as_str(), err["code"].as_str()),
            (Some("cut \"here\""), Some("stream_aborted"))
        );
        assert!(!out.contains("[DONE]"));
    }

    #[test]
    fn finish_is_sent_once() {
        let out = run(
            ApiKind::OpenAiChat,
            &[Event::Finish(StopReason::MaxTokens), Event::Done],
        );
        assert_eq!(out.matches("finish_reason\":\"length").count(), 1);
    }
}
