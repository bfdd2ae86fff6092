//! IR → OpenAI Responses object (inventory §3.7 "Chat→Responses"): reasoning becomes a
//! `reasoning` output item with a summary, text a `message` item, tool calls `function_call`
//! items. The id is kept when the upstream's is a `resp_` id, otherwise a `resp_` id is minted
//! (the state layer stores conversations under it).

use serde_json::{json, Value};

use crate::translate::common::{StopReason, Usage};
use crate::translate::ir::{Part, Response};
use crate::translate::wire::ids;

pub fn usage(u: &Usage) -> Value {
    json!({
        "input_tokens": u.input_tokens,
        "input_tokens_details": {"cached_tokens": u.cache_read_tokens},
        "output_tokens": u.output_tokens,
        "output_tokens_details": {"reasoning_tokens": u.reasoning_tokens},
        "total_tokens": u.total_tokens(),
    })
}

pub fn write(resp: &Response, model: &str) -> Value {
    let mut output = Vec::new();
    let mut text_parts: Vec<Value> = Vec::new();
    let flush = |text_parts: &mut Vec<Value>, output: &mut Vec<Value>| {
        if !text_parts.is_empty() {
            output.push(json!({
                "id": ids::mint("msg_"), "type": "message", "status": "completed", "role": "assistant",
                "content": std::mem::take(text_parts),
            }));
        }
    };
    for part in &resp.content {
        match part {
            Part::Text(t) => {
                text_parts.push(json!({"type": "output_text", "text": t, "annotations": []}));
            }
            Part::Reasoning { text, .. } => {
                flush(&mut text_parts, &mut output);
                output.push(json!({
                    "id": ids::mint("rs_"), "type": "reasoning",
                    "summary": [{"type": "summary_text", "text": text}],
                }));
            }
            Part::ToolCall {
                id,
                name,
                arguments,
            } => {
                flush(&mut text_parts, &mut output);
                output.push(json!({
                    "id": ids::mint("fc_"), "type": "function_call", "status": "completed",
                    "call_id": id, "name": name, "arguments": arguments,
                }));
            }
            Part::Image(_) | Part::ToolResult { .. } => {}
        }
    }
    flush(&mut text_parts, &mut output);
    let stop = resp.stop_reason.unwrap_or(StopReason::EndTurn);
    let (status, incomplete) = stop.to_openai_responses();
    let id = match &resp.id {
        Some(id) if id.starts_with("resp_") => id.clone(),
        _ => ids::mint("resp_"),
    };
    json!({
        "id": id,
        "object": "response",
        "created_at": resp.created.unwrap_or_else(ids::now_s),
        "status": status,
        "error": null,
        "incomplete_details": incomplete.map(|r| json!({"reason": r})),
        "model": resp.model.as_deref().unwrap_or(model),
        "output": output,
        "parallel_tool_calls": true,
        "tool_choice": "auto",
        "tools": [],
        "usage": usage(&resp.usage),
    })
}
