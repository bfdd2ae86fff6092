//! IR → Anthropic Messages response (inventory §3.7 "Chat→Messages", "Converse→Messages",
//! fixed): reasoning becomes `thinking` blocks (with an empty signature when the upstream had
//! none), the upstream id is kept or a `msg_` id minted, and `input_tokens` excludes cached
//! tokens as in Anthropic's own usage.

use crate::translate::common::{StopReason, Usage};
use crate::translate::ir::{Part, Response};
use crate::translate::wire::ids;
use crate::translate::wire::json::{arguments_raw, Path};
use crate::translate::wire::writer::JsonWriter;

/// Writes an Anthropic `usage` object (`input_tokens` without the cached part).
pub fn usage(w: &mut JsonWriter, u: &Usage) {
    let fresh = u
        .input_tokens
        .saturating_sub(u.cache_read_tokens)
        .saturating_sub(u.cache_creation_tokens);
    w.begin_object().field("input_tokens", &fresh);
    w.field("cache_creation_input_tokens", &u.cache_creation_tokens);
    w.field("cache_read_input_tokens", &u.cache_read_tokens);
    w.field("output_tokens", &u.output_tokens).end_object();
}

pub fn write(resp: &Response, model: &str) -> Vec<u8> {
    let mut w = JsonWriter::with_capacity(512);
    w.begin_object();
    match &resp.id {
        Some(id) => w.field("id", id),
        None => w.field("id", &ids::mint("msg_")),
    };
    w.field("type", "message").field("role", "assistant");
    w.field("model", resp.model.as_deref().unwrap_or(model));
    w.key("content").begin_array();
    for part in &resp.content {
        match part {
            Part::Text(t) => {
                w.begin_object()
                    .field("type", "text")
                    .field("text", t)
                    .end_object();
            }
            Part::Reasoning { text, signature } => {
                w.begin_object()
                    .field("type", "thinking")
                    .field("thinking", text);
                w.field("signature", signature.as_deref().unwrap_or_default())
                    .end_object();
            }
            Part::ToolCall {
                id,
                name,
                arguments,
            } => {
                w.begin_object()
                    .field("type", "tool_use")
                    .field("id", id)
                    .field("name", name);
                w.key("input");
                // Malformed arguments from the upstream are kept as a string field.
                match arguments_raw(arguments, &Path::Root) {
                    Ok(raw) => {
                        w.raw(raw);
                    }
                    Err(_) => {
                        w.begin_object().field("arguments", arguments).end_object();
                    }
                }
                w.end_object();
            }
            Part::Image(_) | Part::Document { .. } | Part::ToolResult { .. } => {}
        }
    }
    w.end_array();
    let stop = resp.stop_reason.unwrap_or(if resp.has_tool_calls() {
        StopReason::ToolUse
    } else {
        StopReason::EndTurn
    });
    w.field("stop_reason", stop.to_anthropic())
        .field("stop_sequence", &resp.stop_sequence);
    w.key("usage");
    usage(&mut w, &resp.usage);
    w.end_object();
    w.finish()
}
