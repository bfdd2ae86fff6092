//! Client writer for Anthropic Messages streams: `message_start`, then per content block
//! `content_block_start` / `content_block_delta` (`text_delta`, `thinking_delta`,
//! `signature_delta`, `input_json_delta`) / `content_block_stop`, then one `message_delta`
//! carrying the stop reason and usage, then `message_stop`. Every event has an `event:` line
//! (the Anthropic SDK ignores events without one).
//!
//! Spec: <https://docs.anthropic.com/en/docs/build-with-claude/streaming>. A failure is the
//! dialect's `event: error`, after which the stream closes (no `message_stop`, as Anthropic does).

use super::hub::Context;
use super::json_out::{push_escaped, push_str, push_u64};
use super::{ErrorKind, Event};
use crate::translate::common::StopReason;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Block {
    #[default]
    None,
    Text,
    Thinking,
    Tool(u32),
}

#[derive(Debug, Default)]
pub struct Writer {
    open: Block,
    /// Index of the next content block.
    next_index: u32,
    /// Upstream tool keys already given a block (a closed block cannot be reopened).
    tool_keys: Vec<u32>,
}

fn error_type(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::InvalidRequest => "invalid_request_error",
        ErrorKind::RateLimited => "rate_limit_error",
        ErrorKind::Overloaded => "overloaded_error",
        ErrorKind::Server | ErrorKind::Malformed | ErrorKind::Truncated | ErrorKind::Aborted => {
            "api_error"
        }
    }
}

fn event_head(name: &str, out: &mut Vec<u8>) {
    out.extend_from_slice(b"event: ");
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\ndata: {\"type\":\"");
    out.extend_from_slice(name.as_bytes());
    out.push(b'"');
}

impl Writer {
    #[allow(clippy::unused_self)] // every writer has the same interface
    pub fn start(&mut self, ctx: &Context, out: &mut Vec<u8>) {
        event_head("message_start", out);
        out.extend_from_slice(b",\"message\":{\"id\":\"msg_");
        push_escaped(out, &ctx.id_body);
        out.extend_from_slice(b"\",\"type\":\"message\",\"role\":\"assistant\",\"model\":");
        push_str(out, &ctx.model);
        out.extend_from_slice(
            b",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":",
        );
        let u = ctx.usage.unwrap_or_default();
        push_u64(out, uncached_input(&u));
        if u.cache_creation_tokens > 0 || u.cache_read_tokens > 0 {
            out.extend_from_slice(b",\"cache_creation_input_tokens\":");
            push_u64(out, u.cache_creation_tokens);
            out.extend_from_slice(b",\"cache_read_input_tokens\":");
            push_u64(out, u.cache_read_tokens);
        }
        out.extend_from_slice(b",\"output_tokens\":");
        push_u64(out, u.output_tokens);
        out.extend_from_slice(b"}}}\n\n");
    }

    fn close(&mut self, out: &mut Vec<u8>) {
        if self.open == Block::None {
            return;
        }
        event_head("content_block_stop", out);
        out.extend_from_slice(b",\"index\":");
        push_u64(out, u64::from(self.next_index - 1));
        out.extend_from_slice(b"}\n\n");
        self.open = Block::None;
    }

    /// Closes the open block and starts a new one; `content_block` is its JSON object minus `}`.
    fn open_block(
        &mut self,
        block: Block,
        content_block: impl FnOnce(&mut Vec<u8>),
        out: &mut Vec<u8>,
    ) {
        self.close(out);
        event_head("content_block_start", out);
        out.extend_from_slice(b",\"index\":");
        push_u64(out, u64::from(self.next_index));
        out.extend_from_slice(b",\"content_block\":{");
        content_block(out);
        out.extend_from_slice(b"}}\n\n");
        self.next_index += 1;
        self.open = block;
    }

    fn delta(&self, delta_type: &str, field: &str, value: &str, out: &mut Vec<u8>) {
        event_head("content_block_delta", out);
        out.extend_from_slice(b",\"index\":");
        push_u64(out, u64::from(self.next_index.saturating_sub(1)));
        out.extend_from_slice(b",\"delta\":{\"type\":\"");
        out.extend_from_slice(delta_type.as_bytes());
        out.extend_from_slice(b"\",\"");
        out.extend_from_slice(field.as_bytes());
        out.extend_from_slice(b"\":");
        push_str(out, value);
        out.extend_from_slice(b"}}\n\n");
    }

    fn tool_start(
        &mut self,
        ctx: &Context,
        key: u32,
        id: Option<&str>,
        name: &str,
        out: &mut Vec<u8>,
    ) {
        self.tool_keys.push(key);
        self.open_block(
            Block::Tool(key),
            |out| {
                out.extend_from_slice(b"\"type\":\"tool_use\",\"id\":");
                match id {
                    Some(id) => push_str(out, id),
                    None => push_str(out, &format!("toolu_{}", ctx.mint(u64::from(key) + 1))),
                }
                out.extend_from_slice(b",\"name\":");
                push_str(out, name);
                out.extend_from_slice(b",\"input\":{}");
            },
            out,
        );
    }

    pub fn on(&mut self, ev: &Event<'_>, ctx: &Context, out: &mut Vec<u8>) {
        match *ev {
            Event::Text(s) => {
                if s.is_empty() {
                    return;
                }
                if self.open != Block::Text {
                    self.open_block(
                        Block::Text,
                        |out| out.extend_from_slice(b"\"type\":\"text\",\"text\":\"\""),
                        out,
                    );
                }
                self.delta("text_delta", "text", s, out);
            }
            Event::Reasoning(s) => {
                if s.is_empty() {
                    return;
                }
                if self.open != Block::Thinking {
                    self.open_block(
                        Block::Thinking,
                        |out| {
                            out.extend_from_slice(
                                b"\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"",
                            );
                        },
                        out,
                    );
                }
                self.delta("thinking_delta", "thinking", s, out);
            }
            Event::ReasoningSignature(s) if self.open == Block::Thinking && !s.is_empty() => {
                self.delta("signature_delta", "signature", s, out);
            }
            Event::ToolStart { key, id, name } => self.tool_start(ctx, key, id, name, out),
            Event::ToolArgs { key, delta } => {
                if delta.is_empty() {
                    return;
                }
                if !self.tool_keys.contains(&key) {
                    self.tool_start(ctx, key, None, "", out);
                }
                // Arguments for a tool block that was already closed cannot be delivered.
                if self.open == Block::Tool(key) {
                    self.delta("input_json_delta", "partial_json", delta, out);
                }
            }
            Event::BlockStop => self.close(out),
            _ => {}
        }
    }

    pub fn done(&mut self, ctx: &Context, out: &mut Vec<u8>) {
        self.close(out);
        let stop = match ctx.stop {
            Some(StopReason::EndTurn) | None if !self.tool_keys.is_empty() => StopReason::ToolUse,
            Some(stop) => stop,
            None => StopReason::EndTurn,
        };
        event_head("message_delta", out);
        out.extend_from_slice(b",\"delta\":{\"stop_reason\":\"");
        out.extend_from_slice(stop.to_anthropic().as_bytes());
        out.extend_from_slice(b"\",\"stop_sequence\":null},\"usage\":{");
        match ctx.usage {
            Some(u) => {
                out.extend_from_slice(b"\"input_tokens\":");
                push_u64(out, uncached_input(&u));
                out.extend_from_slice(b",\"cache_creation_input_tokens\":");
                push_u64(out, u.cache_creation_tokens);
                out.extend_from_slice(b",\"cache_read_input_tokens\":");
                push_u64(out, u.cache_read_tokens);
                out.extend_from_slice(b",\"output_tokens\":");
                push_u64(out, u.output_tokens);
            }
            None => out.extend_from_slice(b"\"output_tokens\":0"),
        }
        out.extend_from_slice(b"}}\n\n");
        event_head("message_stop", out);
        out.extend_from_slice(b"}\n\n");
    }

    #[allow(clippy::unused_self)] // every writer has the same interface
    pub fn error(&mut self, _ctx: &Context, kind: ErrorKind, message: &str, out: &mut Vec<u8>) {
        event_head("error", out);
        out.extend_from_slice(b",\"error\":{\"type\":\"");
        out.extend_from_slice(error_type(kind).as_bytes());
        out.extend_from_slice(b"\",\"message\":");
        push_str(out, message);
        out.extend_from_slice(b"}}\n\n");
    }
}

/// Anthropic's `input_tokens` excludes cache reads and writes; the hub's count includes them.
fn uncached_input(u: &crate::translate::common::Usage) -> u64 {
    u.input_tokens
        .saturating_sub(u.cache_read_tokens)
        .saturating_sub(u.cache_creation_tokens)
}

#[cfg(test)]
mod tests {
    use super::super::hub::Hub;
    use super::super::{ErrorKind, Event};
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
    fn blocks_open_and_close_in_order() {
        let out = run(
            ApiKind::AnthropicMessages,
            &[
                Event::Reasoning("r"),
                Event::ReasoningSignature("sig"),
                Event::Text("t"),
                Event::ToolStart {
                    key: 0,
                    id: None,
                    name: "f",
                },
                Event::ToolArgs {
                    key: 0,
                    delta: "{}",
                },
                Event::Text("u"),
                Event::Done,
            ],
        );
        let kinds: Vec<String> = data_lines(&out)
            .iter()
            .map(|e| format!("{}{}", e["type"].as_str().unwrap_or(""), e["index"]))
            .collect();
        assert_eq!(
            kinds,
            [
                "message_startnull",
                "content_block_start0",
                "content_block_delta0",
                "content_block_delta0",
                "content_block_stop0",
                "content_block_start1",
                "content_block_delta1",
                "content_block_stop1",
                "content_block_start2",
                "content_block_delta2",
                "content_block_stop2",
                "content_block_start3",
                "content_block_delta3",
                "content_block_stop3",
                "message_deltanull",
                "message_stopnull",
            ]
        );
        assert!(out.contains(r#""stop_reason":"tool_use""#));
        assert!(out.contains(r#""id":"toolu_"#));
    }

    #[test]
    fn error_is_an_error_event() {
        let out = run(
            ApiKind::AnthropicMessages,
            &[Event::Error(ErrorKind::RateLimited, "x")],
        );
        assert!(out.ends_with(
            "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"x\"}}\n\n"
        ));
        assert!(!out.contains("message_stop"));
    }
}
