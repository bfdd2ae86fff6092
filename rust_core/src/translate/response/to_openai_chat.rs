//! IR → OpenAI Chat Completions response (inventory §3.7 "Messages→Chat", fixed): reasoning goes
//! to `message.reasoning_content` (the de-facto field of DeepSeek and vLLM), never into
//! `content`; the upstream id is kept, or a `chatcmpl-` id minted; the model is the upstream's.

use crate::translate::common::{StopReason, Usage};
use crate::translate::ir::{Part, Response};
use crate::translate::wire::ids;
use crate::translate::wire::writer::JsonWriter;

/// Writes a Chat `usage` object.
pub fn usage(w: &mut JsonWriter, u: &Usage) {
    w.begin_object();
    w.field("prompt_tokens", &u.input_tokens)
        .field("completion_tokens", &u.output_tokens);
    w.field("total_tokens", &u.total_tokens());
    w.key("prompt_tokens_details")
        .begin_object()
        .field("cached_tokens", &u.cache_read_tokens);
    w.end_object();
    w.key("completion_tokens_details").begin_object();
    w.field("reasoning_tokens", &u.reasoning_tokens)
        .end_object();
    w.end_object();
}

pub fn write(resp: &Response, model: &str) -> Vec<u8> {
    let mut text = String::new();
    let mut reasoning = String::new();
    for part in &resp.content {
        match part {
            Part::Text(t) => text.push_str(t),
            Part::Reasoning { text: r, .. } => reasoning.push_str(r),
            _ => {}
        }
    }
    let has_calls = resp.has_tool_calls();
    let stop = resp.stop_reason.unwrap_or(if has_calls {
        StopReason::ToolUse
    } else {
        StopReason::EndTurn
    });
    let mut w = JsonWriter::with_capacity(512 + text.len() + reasoning.len());
    w.begin_object();
    match &resp.id {
        Some(id) => w.field("id", id),
        None => w.field("id", &ids::mint("chatcmpl-")),
    };
    w.field("object", "chat.completion")
        .field("created", &resp.created.unwrap_or_else(ids::now_s));
    w.field("model", resp.model.as_deref().unwrap_or(model));
    w.key("choices")
        .begin_array()
        .begin_object()
        .field("index", &0);
    w.key("message")
        .begin_object()
        .field("role", "assistant")
        .key("content");
    if text.is_empty() && has_calls {
        w.value(&serde_json::Value::Null);
    } else {
        w.value(&text);
    }
    if !reasoning.is_empty() {
        w.field("reasoning_content", &reasoning);
    }
    if has_calls {
        w.key("tool_calls").begin_array();
        for part in &resp.content {
            if let Part::ToolCall {
                id,
                name,
                arguments,
            } = part
            {
                w.begin_object()
                    .field("id", id)
                    .field("type", "function")
                    .key("function");
                w.begin_object()
                    .field("name", name)
                    .field("arguments", arguments);
                w.end_object().end_object();
            }
        }
        w.end_array();
    }
    w.end_object();
    w.field("logprobs", &serde_json::Value::Null)
        .field("finish_reason", stop.to_openai_chat());
    w.end_object().end_array();
    w.key("usage");
    usage(&mut w, &resp.usage);
    w.end_object();
    w.finish()
}
