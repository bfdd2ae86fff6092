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
        out.extend_from_slice(stop.to_gemini().as_bytes());
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

    #[allow(clippy::unused_self)] // every writer has the same interface
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

#[cfg(test)]
mod tests {
    use super::super::hub::Hub;
    use super::super::Event;
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
    fn tool_args_are_buffered_into_one_function_call() {
        let out = run(
            ApiKind::Gemini,
            &[
                Event::ToolStart {
                    key: 0,
                    id: Some("c"),
                    name: "f",
                },
                Event::ToolArgs {
                    key: 0,
                    delta: "{\"a\":",
                },
                Event::ToolArgs {
                    key: 0,
                    delta: "1}",
                },
                Event::ToolStart {
                    key: 1,
                    id: None,
                    name: "g",
                },
                Event::ToolArgs {
                    key: 1,
                    delta: "not json",
                },
                Event::Finish(StopReason::ToolUse),
                Event::Done,
            ],
        );
        let chunks = data_lines(&out);
        let call =
            |i: usize| chunks[i]["candidates"][0]["content"]["parts"][0]["functionCall"].clone();
        assert_eq!(call(0)["args"], serde_json::json!({"a": 1}));
        assert_eq!(
            call(1)["args"],
            serde_json::json!({"arguments": "not json"})
        );
        assert_eq!(chunks[2]["candidates"][0]["finishReason"], "STOP");
        assert!(out.ends_with("\r\n\r\n"));
    }
}
