//! IR → OpenAI Responses object (inventory §3.7 "Chat→Responses"): reasoning becomes a
//! `reasoning` output item with a summary, text a `message` item, tool calls `function_call`
//! items. The id is kept when the upstream's is a `resp_` id, otherwise a `resp_` id is minted
//! (the state layer stores conversations under it).

use crate::translate::common::{StopReason, Usage};
use crate::translate::ir::{Part, Response};
use crate::translate::wire::ids;
use crate::translate::wire::writer::JsonWriter;

/// Writes a Responses `usage` object.
pub fn usage(w: &mut JsonWriter, u: &Usage) {
    w.begin_object().field("input_tokens", &u.input_tokens);
    w.key("input_tokens_details")
        .begin_object()
        .field("cached_tokens", &u.cache_read_tokens);
    w.end_object().field("output_tokens", &u.output_tokens);
    w.key("output_tokens_details").begin_object();
    w.field("reasoning_tokens", &u.reasoning_tokens)
        .end_object();
    w.field("total_tokens", &u.total_tokens()).end_object();
}

pub fn write(resp: &Response, model: &str) -> Vec<u8> {
    let stop = resp.stop_reason.unwrap_or(StopReason::EndTurn);
    let (status, incomplete) = stop.to_openai_responses();
    let mut w = JsonWriter::with_capacity(768);
    w.begin_object();
    match &resp.id {
        Some(id) if id.starts_with("resp_") => w.field("id", id),
        _ => w.field("id", &ids::mint("resp_")),
    };
    w.field("object", "response")
        .field("created_at", &resp.created.unwrap_or_else(ids::now_s));
    w.field("status", status)
        .field("error", &serde_json::Value::Null);
    w.key("incomplete_details");
    match incomplete {
        Some(reason) => {
            w.begin_object().field("reason", reason).end_object();
        }
        None => {
            w.value(&serde_json::Value::Null);
        }
    }
    w.field("model", resp.model.as_deref().unwrap_or(model));
    w.key("output").begin_array();
    // Consecutive text parts share one message item.
    let mut open = false;
    for part in &resp.content {
        if open && !matches!(part, Part::Text(_)) {
            w.end_array().end_object();
            open = false;
        }
        match part {
            Part::Text(t) => {
                if !open {
                    w.begin_object()
                        .field("id", &ids::mint("msg_"))
                        .field("type", "message");
                    w.field("status", "completed").field("role", "assistant");
                    w.key("content").begin_array();
                    open = true;
                }
                w.begin_object()
                    .field("type", "output_text")
                    .field("text", t);
                w.key("annotations").raw("[]").end_object();
            }
            Part::Reasoning { text, .. } => {
                w.begin_object()
                    .field("id", &ids::mint("rs_"))
                    .field("type", "reasoning");
                w.key("summary")
                    .begin_array()
                    .begin_object()
                    .field("type", "summary_text");
                w.field("text", text).end_object().end_array().end_object();
            }
            Part::ToolCall {
                id,
                name,
                arguments,
            } => {
                w.begin_object()
                    .field("id", &ids::mint("fc_"))
                    .field("type", "function_call");
                w.field("status", "completed")
                    .field("call_id", id)
                    .field("name", name);
                w.field("arguments", arguments).end_object();
            }
            Part::Image(_) | Part::Document { .. } | Part::ToolResult { .. } => {}
        }
    }
    if open {
        w.end_array().end_object();
    }
    w.end_array();
    w.field("parallel_tool_calls", &true)
        .field("tool_choice", "auto")
        .key("tools")
        .raw("[]");
    w.key("usage");
    usage(&mut w, &resp.usage);
    w.end_object();
    w.finish()
}
