//! IR → Gemini `GenerateContentResponse`: reasoning becomes parts with `thought: true`, tool
//! calls `functionCall` parts (with their id), and usage `usageMetadata` (with
//! `candidatesTokenCount` excluding thinking tokens, as Gemini counts them).

use crate::translate::common::{StopReason, Usage};
use crate::translate::ir::{Part, Response};
use crate::translate::wire::json::{arguments_raw, Path};
use crate::translate::wire::writer::JsonWriter;

/// Writes a Gemini `usageMetadata` object.
pub fn usage(w: &mut JsonWriter, u: &Usage) {
    w.begin_object().field("promptTokenCount", &u.input_tokens);
    w.field(
        "candidatesTokenCount",
        &u.output_tokens.saturating_sub(u.reasoning_tokens),
    );
    w.field("totalTokenCount", &u.total_tokens());
    if u.cache_read_tokens > 0 {
        w.field("cachedContentTokenCount", &u.cache_read_tokens);
    }
    if u.reasoning_tokens > 0 {
        w.field("thoughtsTokenCount", &u.reasoning_tokens);
    }
    w.end_object();
}

pub fn write(resp: &Response, model: &str) -> Vec<u8> {
    let mut w = JsonWriter::with_capacity(512);
    w.begin_object()
        .key("candidates")
        .begin_array()
        .begin_object();
    w.key("content")
        .begin_object()
        .field("role", "model")
        .key("parts")
        .begin_array();
    for part in &resp.content {
        match part {
            Part::Text(t) => {
                w.begin_object().field("text", t).end_object();
            }
            Part::Reasoning { text, .. } => {
                w.begin_object()
                    .field("text", text)
                    .field("thought", &true)
                    .end_object();
            }
            Part::ToolCall {
                id,
                name,
                arguments,
            } => {
                w.begin_object()
                    .key("functionCall")
                    .begin_object()
                    .field("id", id)
                    .field("name", name);
                w.key("args");
                match arguments_raw(arguments, &Path::Root) {
                    Ok(raw) => {
                        w.raw(raw);
                    }
                    Err(_) => {
                        w.begin_object().field("arguments", arguments).end_object();
                    }
                }
                w.end_object().end_object();
            }
            Part::Image(_) | Part::Document { .. } | Part::ToolResult { .. } => {}
        }
    }
    w.end_array().end_object();
    let stop = resp.stop_reason.unwrap_or(StopReason::EndTurn);
    w.field("finishReason", stop.to_gemini())
        .field("index", &0)
        .end_object()
        .end_array();
    w.key("usageMetadata");
    usage(&mut w, &resp.usage);
    w.field("modelVersion", resp.model.as_deref().unwrap_or(model));
    if let Some(id) = &resp.id {
        w.field("responseId", id);
    }
    w.end_object();
    w.finish()
}
