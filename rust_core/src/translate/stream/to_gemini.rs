//! Client writer for Gemini `streamGenerateContent?alt=sse`: each event is a `data:` line holding
//! a `GenerateContentResponse` chunk; the last chunk carries `finishReason` and `usageMetadata`.
//!
//! Spec: <https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent>.
//! Reasoning becomes parts with `thought: true`. Gemini has no argument deltas: a `functionCall`
//! part carries its whole `args` object, so tool arguments are buffered until the call's block
//! ends. A failure is a final `data: {"error":{"code","message","status"}}` chunk.

use serde_json::value::RawValue;

use super::hub::Context;
use super::json_out::{push_str, push_u64};
use super::{ErrorKind, Event};
use crate::translate::common::StopReason;

#[derive(Debug)]
struct PendingCall {
    key: u32,
    id: String,
    name: String,
    args: String,
}

#[derive(Debug, Default)]
pub struct Writer {
    /// `,"modelVersion":…,"responseId":…}` closing every chunk.
    tail: Vec<u8>,
    pending: Option<PendingCall>,
    tool_keys: Vec<u32>,
}

const END: &[u8] = b"\r\n\r\n";

fn finish_reason(stop: StopReason) -> &'static str {
    match stop {
        StopReason::MaxTokens => "MAX_TOKENS",
        StopReason::ContentFilter => "SAFETY",
        _ => "STOP",
    }
}

impl Writer {
    pub fn start(&mut self, ctx: &Context, _out: &mut Vec<u8>) {
        self.tail.clear();
        self.tail.extend_from_slice(b",\"modelVersion\":");
        push_str(&mut self.tail, &ctx.model);
        self.tail.extend_from_slice(b",\"responseId\":");
        push_str(&mut self.tail, &ctx.id_body);
        self.tail.push(b'}');
    }

    fn chunk(&self, out: &mut Vec<u8>, part: impl FnOnce(&mut Vec<u8>)) {
        out.extend_from_slice(b"data: {\"candidates\":[{\"content\":{\"parts\":[{");
        part(out);
        out.extend_from_slice(b"}],\"role\":\"model\"},\"index\":0}]");
        out.extend_from_slice(&self.tail);
        out.extend_from_slice(END);
    }

    fn flush_call(&mut self, out: &mut Vec<u8>) {
        let Some(call) = self.pending.take() else {
            return;
        };
        self.chunk(out, |out| {
            out.extend_from_slice(b"\"functionCall\":{\"id\":");
            push_str(out, &call.id);
            out.extend_from_slice(b",\"name\":");
            push_str(out, &call.name);
            out.extend_from_slice(b",\"args\":");
            let args = call.args.trim();
            match serde_json::from_str::<&RawValue>(args) {
                Ok(raw) if args.starts_with('{') => out.extend_from_slice(raw.get().as_bytes()),
                _ if args.is_empty() => out.extend_from_slice(b"{}"),
                // Gemini needs an object; keep unparseable arguments visible rather than drop them.
                _ => {
                    out.extend_from_slice(b"{\"arguments\":");
                    push_str(out, args);
                    out.push(b'}');
                }
            }
            out.push(b'}');
        });
    }

    pub fn on(&mut self, ev: &Event<'_>, ctx: &Context, out: &mut Vec<u8>) {
        match *ev {
            Event::Text(s) | Event::Reasoning(s) if !s.is_empty() => {
                self.flush_call(out);
                let thought = matches!(ev, Event::Reasoning(_));
                self.chunk(out, |out| {
                    out.extend_from_slice(b"\"text\":");
                    push_str(out, s);
                    if thought {
                        out.extend_from_slice(b",\"thought\":true");
                    }
                });
            }
            Event::ToolStart { key, id, name } => {
                self.flush_call(out);
                self.tool_keys.push(key);
                self.pending = Some(PendingCall {
                    key,
                    id: id.map_or_else(
                        || format!("call_{}", ctx.mint(u64::from(key) + 1)),
                        str::to_owned,
                    ),
                    name: name.to_owned(),
                    args: String::new(),
                });
            }
            Event::ToolArgs { key, delta } => {
                if !self.tool_keys.contains(&key) {
                    self.on(
                        &Event::ToolStart {
                            key,
                            id: None,
                            name: "",
                        },
                        ctx,
                        out,
                    );
                }
                if let Some(call) = self.pending.as_mut().filter(|c| c.key == key) {
                    call.args.push_str(delta);
                }
            }
            Event::BlockStop => self.flush_call(out),
            _ => {}
        }
    }

    pub fn done(&mut self, ctx: &Context, out: &mut Vec<u8>) {
        self.flush_call(out);
        let stop = ctx.stop.unwrap_or(StopReason::EndTurn);
        out.extend_from_slice(
            b"data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"\"}],\"role\":\"model\"},\"finishReason\":\"",
        );
        out.extend_from_slice(finish_reason(stop).as_bytes());
        out.extend_from_slice(b"\",\"index\":0}]");
        if let Some(u) = ctx.usage {
            out.extend_from_slice(b",\"usageMetadata\":{\"promptTokenCount\":");
            push_u64(out, u.input_tokens);
            out.extend_from_slice(b",\"candidatesTokenCount\":");
            push_u64(out, u.output_tokens.saturating_sub(u.reasoning_tokens));
            out.extend_from_slice(b",\"totalTokenCount\":");
            push_u64(out, u.total_tokens());
            if u.reasoning_tokens > 0 {
                out.extend_from_slice(b",\"thoughtsTokenCount\":");
                push_u64(out, u.reasoning_tokens);
            }
            if u.cache_read_tokens > 0 {
                out.extend_from_slice(b",\"cachedContentTokenCount\":");
                push_u64(out, u.cache_read_tokens);
            }
            out.push(b'}');
        }
        out.extend_from_slice(&self.tail);
        out.extend_from_slice(END);
    }

    pub fn error(&mut self, _ctx: &Context, kind: ErrorKind, message: &str, out: &mut Vec<u8>) {
        let (code, status) = match kind {
            ErrorKind::InvalidRequest => (400, "INVALID_ARGUMENT"),
            ErrorKind::RateLimited => (429, "RESOURCE_EXHAUSTED"),
            ErrorKind::Overloaded => (503, "UNAVAILABLE"),
            _ => (500, "INTERNAL"),
        };
        out.extend_from_slice(b"data: {\"error\":{\"code\":");
        push_u64(out, code);
        out.extend_from_slice(b",\"message\":");
        push_str(out, message);
        out.extend_from_slice(b",\"status\":\"");
        out.extend_from_slice(status.as_bytes());
        out.extend_from_slice(b"\"}}");
        out.extend_from_slice(END);
    }
}
