//! Client writer for `OpenAI` Responses streams: `response.created`, `response.in_progress`, then
//! per output item `response.output_item.added`, its content events and `*.done` events, then
//! exactly one terminal event (`response.completed`, `response.incomplete` or `response.failed`)
//! carrying the full response object with usage. Every event has a `sequence_number`.
//!
//! Spec: <https://platform.openai.com/docs/api-reference/responses-streaming>. Items: `message`
//! (one `output_text` part), `function_call` (`fc_` id, `call_id` from the upstream), and
//! `reasoning` with a `reasoning_text` content part streamed by `response.reasoning_text.delta`:
//! upstream reasoning is the model's own text, not an `OpenAI` summary, so the summary events
//! would mislabel it.

use super::hub::Context;
use super::json_out::{push_escaped, push_str, push_u64};
use super::{ErrorKind, Event};
use crate::translate::common::StopReason;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Message,
    Reasoning,
    Call,
}

/// The output item being streamed.
#[derive(Debug)]
struct OpenItem {
    kind: Kind,
    output_index: u32,
    id: String,
    /// Accumulated text, reasoning text or arguments.
    text: String,
    key: u32,
    call_id: String,
    name: String,
}

#[derive(Debug, Default)]
pub struct Writer {
    next_seq: u64,
    /// Finished output items as JSON, comma-separated, for the terminal response object.
    items: Vec<u8>,
    item_count: u32,
    open: Option<OpenItem>,
    tool_keys: Vec<u32>,
    is_started: bool,
}

fn error_code(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::RateLimited => "rate_limit_exceeded",
        ErrorKind::InvalidRequest => "invalid_prompt",
        _ => "server_error",
    }
}

impl Writer {
    fn event(&mut self, name: &str, out: &mut Vec<u8>) {
        out.extend_from_slice(b"event: ");
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b"\ndata: {\"type\":\"");
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b"\",\"sequence_number\":");
        push_u64(out, self.next_seq);
        self.next_seq += 1;
    }

    fn response(
        &self,
        ctx: &Context,
        status: &str,
        out: &mut Vec<u8>,
        tail: impl FnOnce(&mut Vec<u8>),
    ) {
        out.extend_from_slice(b",\"response\":{\"id\":\"resp_");
        push_escaped(out, &ctx.id_body);
        out.extend_from_slice(b"\",\"object\":\"response\",\"created_at\":");
        push_u64(out, ctx.created_s);
        out.extend_from_slice(b",\"status\":\"");
        out.extend_from_slice(status.as_bytes());
        out.extend_from_slice(b"\",\"model\":");
        push_str(out, &ctx.model);
        out.extend_from_slice(b",\"output\":[");
        out.extend_from_slice(&self.items);
        out.extend_from_slice(
            b"],\"parallel_tool_calls\":true,\"tool_choice\":\"auto\",\"tools\":[],\
              \"temperature\":null,\"top_p\":null,\"instructions\":null,\"metadata\":{}",
        );
        tail(out);
        out.extend_from_slice(b"}}\n\n");
    }

    pub fn start(&mut self, ctx: &Context, out: &mut Vec<u8>) {
        self.is_started = true;
        for name in ["response.created", "response.in_progress"] {
            self.event(name, out);
            self.response(ctx, "in_progress", out, |out| {
                out.extend_from_slice(
                    b",\"error\":null,\"incomplete_details\":null,\"usage\":null",
                );
            });
        }
    }

    /// Passthrough: the upstream already sent the envelope start and `last_seq`.
    pub fn adopt_upstream_envelope(&mut self, last_seq: Option<u64>) {
        self.is_started = true;
        self.next_seq = last_seq.map_or(0, |s| s.saturating_add(1));
    }

    fn item_head(out: &mut Vec<u8>, item: &OpenItem, status: &str) {
        out.extend_from_slice(b"{\"id\":");
        push_str(out, &item.id);
        out.extend_from_slice(b",\"type\":\"");
        out.extend_from_slice(match item.kind {
            Kind::Message => b"message".as_slice(),
            Kind::Reasoning => b"reasoning",
            Kind::Call => b"function_call",
        });
        out.extend_from_slice(b"\",\"status\":\"");
        out.extend_from_slice(status.as_bytes());
        out.push(b'"');
    }

    /// The item as JSON; with `done` its full content, else the empty `added` form.
    fn item_json(out: &mut Vec<u8>, item: &OpenItem, done: bool) {
        Self::item_head(out, item, if done { "completed" } else { "in_progress" });
        let text = if done { item.text.as_str() } else { "" };
        match item.kind {
            Kind::Message => {
                out.extend_from_slice(b",\"role\":\"assistant\",\"content\":[");
                if done {
                    Self::part_json(out, Kind::Message, text);
                }
                out.extend_from_slice(b"]}");
            }
            Kind::Reasoning => {
                out.extend_from_slice(b",\"summary\":[],\"content\":[");
                if done {
                    Self::part_json(out, Kind::Reasoning, text);
                }
                out.extend_from_slice(b"]}");
            }
            Kind::Call => {
                out.extend_from_slice(b",\"call_id\":");
                push_str(out, &item.call_id);
                out.extend_from_slice(b",\"name\":");
                push_str(out, &item.name);
                out.extend_from_slice(b",\"arguments\":");
                push_str(out, text);
                out.push(b'}');
            }
        }
    }

    fn part_json(out: &mut Vec<u8>, kind: Kind, text: &str) {
        if kind == Kind::Reasoning {
            out.extend_from_slice(b"{\"type\":\"reasoning_text\",\"text\":");
            push_str(out, text);
            out.push(b'}');
        } else {
            out.extend_from_slice(b"{\"type\":\"output_text\",\"text\":");
            push_str(out, text);
            out.extend_from_slice(b",\"annotations\":[],\"logprobs\":[]}");
        }
    }

    fn item_ref(out: &mut Vec<u8>, item: &OpenItem) {
        out.extend_from_slice(b",\"item_id\":");
        push_str(out, &item.id);
        out.extend_from_slice(b",\"output_index\":");
        push_u64(out, u64::from(item.output_index));
    }

    fn open_item(
        &mut self,
        ctx: &Context,
        kind: Kind,
        key: u32,
        call: (Option<&str>, &str),
        out: &mut Vec<u8>,
    ) {
        self.close(out);
        let output_index = self.item_count;
        self.item_count += 1;
        let prefix = match kind {
            Kind::Message => "msg_",
            Kind::Reasoning => "rs_",
            Kind::Call => "fc_",
        };
        let minted = ctx.mint(1000 + u64::from(output_index));
        let call_id = match (kind, call.0) {
            (Kind::Call, Some(id)) => id.to_owned(),
            (Kind::Call, None) => format!("call_{}", ctx.mint(u64::from(key) + 1)),
            _ => String::new(),
        };
        let item = OpenItem {
            kind,
            output_index,
            id: format!("{prefix}{minted}"),
            text: String::new(),
            key,
            call_id,
            name: call.1.to_owned(),
        };
        self.event("response.output_item.added", out);
        out.extend_from_slice(b",\"output_index\":");
        push_u64(out, u64::from(output_index));
        out.extend_from_slice(b",\"item\":");
        Self::item_json(out, &item, false);
        out.extend_from_slice(b"}\n\n");
        if kind != Kind::Call {
            self.event("response.content_part.added", out);
            Self::item_ref(out, &item);
            out.extend_from_slice(b",\"content_index\":0,\"part\":");
            Self::part_json(out, kind, "");
            out.extend_from_slice(b"}\n\n");
        }
        self.open = Some(item);
    }

    fn close(&mut self, out: &mut Vec<u8>) {
        let Some(item) = self.open.take() else {
            return;
        };
        match item.kind {
            Kind::Message | Kind::Reasoning => {
                let name = if item.kind == Kind::Message {
                    "response.output_text.done"
                } else {
                    "response.reasoning_text.done"
                };
                self.event(name, out);
                Self::item_ref(out, &item);
                out.extend_from_slice(b",\"content_index\":0,\"text\":");
                push_str(out, &item.text);
                if item.kind == Kind::Message {
                    out.extend_from_slice(b",\"logprobs\":[]");
                }
                out.extend_from_slice(b"}\n\n");
                self.event("response.content_part.done", out);
                Self::item_ref(out, &item);
                out.extend_from_slice(b",\"content_index\":0,\"part\":");
                Self::part_json(out, item.kind, &item.text);
                out.extend_from_slice(b"}\n\n");
            }
            Kind::Call => {
                self.event("response.function_call_arguments.done", out);
                Self::item_ref(out, &item);
                out.extend_from_slice(b",\"name\":");
                push_str(out, &item.name);
                out.extend_from_slice(b",\"arguments\":");
                push_str(out, &item.text);
                out.extend_from_slice(b"}\n\n");
            }
        }
        self.event("response.output_item.done", out);
        out.extend_from_slice(b",\"output_index\":");
        push_u64(out, u64::from(item.output_index));
        out.extend_from_slice(b",\"item\":");
        Self::item_json(out, &item, true);
        out.extend_from_slice(b"}\n\n");
        if !self.items.is_empty() {
            self.items.push(b',');
        }
        Self::item_json(&mut self.items, &item, true);
    }

    fn delta(&mut self, ctx: &Context, kind: Kind, s: &str, out: &mut Vec<u8>) {
        if s.is_empty() {
            return;
        }
        if self.open.as_ref().map(|i| i.kind) != Some(kind) {
            self.open_item(ctx, kind, 0, (None, ""), out);
        }
        let name = if kind == Kind::Message {
            "response.output_text.delta"
        } else {
            "response.reasoning_text.delta"
        };
        self.event(name, out);
        if let Some(item) = self.open.as_mut() {
            Self::item_ref(out, item);
            item.text.push_str(s);
        }
        out.extend_from_slice(b",\"content_index\":0,\"delta\":");
        push_str(out, s);
        if kind == Kind::Message {
            out.extend_from_slice(b",\"logprobs\":[]");
        }
        out.extend_from_slice(b"}\n\n");
    }

    pub fn on(&mut self, ev: &Event<'_>, ctx: &Context, out: &mut Vec<u8>) {
        match *ev {
            Event::Text(s) => self.delta(ctx, Kind::Message, s, out),
            Event::Reasoning(s) => self.delta(ctx, Kind::Reasoning, s, out),
            Event::ToolStart { key, id, name } => {
                self.tool_keys.push(key);
                self.open_item(ctx, Kind::Call, key, (id, name), out);
            }
            Event::ToolArgs { key, delta } => {
                if delta.is_empty() {
                    return;
                }
                if !self.tool_keys.contains(&key) {
                    self.tool_keys.push(key);
                    self.open_item(ctx, Kind::Call, key, (None, ""), out);
                }
                let is_open = self
                    .open
                    .as_ref()
                    .is_some_and(|i| i.kind == Kind::Call && i.key == key);
                if !is_open {
                    return;
                }
                self.event("response.function_call_arguments.delta", out);
                if let Some(item) = self.open.as_mut() {
                    Self::item_ref(out, item);
                    item.text.push_str(delta);
                }
                out.extend_from_slice(b",\"delta\":");
                push_str(out, delta);
                out.extend_from_slice(b"}\n\n");
            }
            Event::BlockStop => self.close(out),
            _ => {}
        }
    }

    pub fn done(&mut self, ctx: &Context, out: &mut Vec<u8>) {
        self.close(out);
        let (status, incomplete) = ctx
            .stop
            .map_or(("completed", None), StopReason::to_openai_responses);
        let name = if incomplete.is_some() {
            "response.incomplete"
        } else {
            "response.completed"
        };
        self.event(name, out);
        self.response(ctx, status, out, |out| {
            out.extend_from_slice(b",\"error\":null,\"incomplete_details\":");
            match incomplete {
                Some(reason) => {
                    out.extend_from_slice(b"{\"reason\":\"");
                    out.extend_from_slice(reason.as_bytes());
                    out.extend_from_slice(b"\"}");
                }
                None => out.extend_from_slice(b"null"),
            }
            out.extend_from_slice(b",\"usage\":");
            match ctx.usage {
                Some(u) => {
                    out.extend_from_slice(b"{\"input_tokens\":");
                    push_u64(out, u.input_tokens);
                    out.extend_from_slice(b",\"input_tokens_details\":{\"cached_tokens\":");
                    push_u64(out, u.cache_read_tokens);
                    out.extend_from_slice(b",\"cache_write_tokens\":");
                    push_u64(out, u.cache_creation_tokens);
                    out.extend_from_slice(b"},\"output_tokens\":");
                    push_u64(out, u.output_tokens);
                    out.extend_from_slice(b",\"output_tokens_details\":{\"reasoning_tokens\":");
                    push_u64(out, u.reasoning_tokens);
                    out.extend_from_slice(b"},\"total_tokens\":");
                    push_u64(out, u.total_tokens());
                    out.push(b'}');
                }
                None => out.extend_from_slice(b"null"),
            }
        });
    }

    pub fn error(&mut self, ctx: &Context, kind: ErrorKind, message: &str, out: &mut Vec<u8>) {
        if !self.is_started {
            self.start(ctx, out);
        }
        self.event("response.failed", out);
        self.response(ctx, "failed", out, |out| {
            out.extend_from_slice(b",\"error\":{\"code\":\"");
            out.extend_from_slice(error_code(kind).as_bytes());
            out.extend_from_slice(b"\",\"message\":");
            push_str(out, message);
            out.extend_from_slice(b"},\"incomplete_details\":null,\"usage\":null");
        });
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
    fn sequence_numbers_are_consecutive_and_max_tokens_is_incomplete() {
        let out = run(
            ApiKind::OpenAiResponses,
            &[
                Event::Text("a"),
                Event::ToolStart {
                    key: 1,
                    id: Some("c"),
                    name: "f",
                },
                Event::ToolArgs {
                    key: 1,
                    delta: "{}",
                },
                Event::Finish(StopReason::MaxTokens),
                Event::Done,
            ],
        );
        let events = data_lines(&out);
        for (i, e) in events.iter().enumerate() {
            assert_eq!(e["sequence_number"], i);
        }
        let last = &events[events.len() - 1];
        assert_eq!(last["type"], "response.incomplete");
        assert_eq!(
            last["response"]["incomplete_details"]["reason"],
            "max_output_tokens"
        );
        assert_eq!(last["response"]["output"][1]["arguments"], "{}");
        assert_eq!(last["response"]["output"][0]["content"][0]["text"], "a");
    }

    #[test]
    fn error_before_start_still_opens_the_envelope() {
        let out = run(
            ApiKind::OpenAiResponses,
            &[Event::Error(ErrorKind::Server, "boom")],
        );
        let types: Vec<_> = data_lines(&out).iter().map(|e| e["type"].clone()).collect();
        assert_eq!(
            types,
            [
                "response.created",
                "response.in_progress",
                "response.failed"
            ]
        );
    }
}
