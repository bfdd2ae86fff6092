//! IR → Anthropic Messages response (inventory §3.7 "Chat→Messages", "Converse→Messages",
//! fixed): reasoning becomes `thinking` blocks (with an empty signature when the upstream had
//! none), the upstream id is kept or a `msg_` id minted, and `input_tokens` excludes cached
//! tokens as in Anthropic's own usage.

use serde_json::{json, Value};

use crate::translate::common::{StopReason, Usage};
use crate::translate::ir::{Part, Response};
use crate::translate::wire::ids;
use crate::translate::wire::json::{arguments_value, Path};

pub fn usage(u: &Usage) -> Value {
    let fresh = u
        .input_tokens
        .saturating_sub(u.cache_read_tokens)
        .saturating_sub(u.cache_creation_tokens);
    json!({
        "input_tokens": fresh,
        "cache_creation_input_tokens": u.cache_creation_tokens,
        "cache_read_input_tokens": u.cache_read_tokens,
        "output_tokens": u.output_tokens,
    })
}

pub fn write(resp: &Response, model: &str) -> Value {
    let mut content = Vec::with_capacity(resp.content.len());
    for part in &resp.content {
        match part {
            Part::Text(t) => content.push(json!({"type": "text", "text": t})),
            Part::Reasoning { text, signature } => content.push(json!({
                "type": "thinking", "thinking": text, "signature": signature.as_deref().unwrap_or(""),
            })),
            Part::ToolCall { id, name, arguments } => {
                // Malformed arguments from the upstream are kept as a string field.
                let input = arguments_value(arguments, &Path::Root).unwrap_or_else(|_| json!({"arguments": arguments}));
                content.push(json!({"type": "tool_use", "id": id, "name": name, "input": input}));
            }
            Part::Image(_) | Part::ToolResult { .. } => {}
        }
    }
    let stop = resp.stop_reason.unwrap_or(if resp.has_tool_calls() {
        StopReason::ToolUse
    } else {
        StopReason::EndTurn
    });
    json!({
        "id": resp.id.clone().unwrap_or_else(|| ids::mint("msg_")),
        "type": "message",
        "role": "assistant",
        "model": resp.model.as_deref().unwrap_or(model),
        "content": content,
        "stop_reason": stop.to_anthropic(),
        "stop_sequence": resp.stop_sequence,
        "usage": usage(&resp.usage),
    })
}
