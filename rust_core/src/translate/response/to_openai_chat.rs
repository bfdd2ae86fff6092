//! IR → OpenAI Chat Completions response (inventory §3.7 "Messages→Chat", fixed): reasoning goes
//! to `message.reasoning_content` (the de-facto field of DeepSeek and vLLM), never into
//! `content`; the upstream id is kept, or a `chatcmpl-` id minted; the model is the upstream's.

use serde_json::{json, Value};

use crate::translate::common::StopReason;
use crate::translate::ir::{Part, Response};
use crate::translate::wire::ids;
use crate::translate::wire::json::Object;

pub fn usage(u: &crate::translate::common::Usage) -> Value {
    json!({
        "prompt_tokens": u.input_tokens,
        "completion_tokens": u.output_tokens,
        "total_tokens": u.total_tokens(),
        "prompt_tokens_details": {"cached_tokens": u.cache_read_tokens},
        "completion_tokens_details": {"reasoning_tokens": u.reasoning_tokens},
    })
}

pub fn write(resp: &Response, model: &str) -> Value {
    let mut text = String::new();
    let mut reasoning = String::new();
    let mut calls = Vec::new();
    for part in &resp.content {
        match part {
            Part::Text(t) => text.push_str(t),
            Part::Reasoning { text: r, .. } => reasoning.push_str(r),
            Part::ToolCall {
                id,
                name,
                arguments,
            } => calls.push(json!({
                "id": id, "type": "function", "function": {"name": name, "arguments": arguments},
            })),
            Part::Image(_) | Part::ToolResult { .. } => {}
        }
    }
    let mut message = Object::new();
    message.insert("role".into(), json!("assistant"));
    message.insert(
        "content".into(),
        if text.is_empty() && !calls.is_empty() {
            Value::Null
        } else {
            json!(text)
        },
    );
    if !reasoning.is_empty() {
        message.insert("reasoning_content".into(), json!(reasoning));
    }
    if !calls.is_empty() {
        message.insert("tool_calls".into(), Value::Array(calls));
    }
    let stop = resp.stop_reason.unwrap_or(if resp.has_tool_calls() {
        StopReason::ToolUse
    } else {
        StopReason::EndTurn
    });
    json!({
        "id": resp.id.clone().unwrap_or_else(|| ids::mint("chatcmpl-")),
        "object": "chat.completion",
        "created": resp.created.unwrap_or_else(ids::now_s),
        "model": resp.model.as_deref().unwrap_or(model),
        "choices": [{
            "index": 0,
            "message": message,
            "logprobs": null,
            "finish_reason": stop.to_openai_chat(),
        }],
        "usage": usage(&resp.usage),
    })
}
