//! IR → Gemini `GenerateContentResponse`: reasoning becomes parts with `thought: true`, tool
//! calls `functionCall` parts (with their id), and usage `usageMetadata` (with
//! `candidatesTokenCount` excluding thinking tokens, as Gemini counts them).

use serde_json::{json, Value};

use crate::translate::common::{StopReason, Usage};
use crate::translate::ir::{Part, Response};
use crate::translate::wire::json::{arguments_value, Object, Path};

pub fn usage(u: &Usage) -> Value {
    let mut m = Object::new();
    m.insert("promptTokenCount".into(), json!(u.input_tokens));
    m.insert(
        "candidatesTokenCount".into(),
        json!(u.output_tokens.saturating_sub(u.reasoning_tokens)),
    );
    m.insert("totalTokenCount".into(), json!(u.total_tokens()));
    if u.cache_read_tokens > 0 {
        m.insert("cachedContentTokenCount".into(), json!(u.cache_read_tokens));
    }
    if u.reasoning_tokens > 0 {
        m.insert("thoughtsTokenCount".into(), json!(u.reasoning_tokens));
    }
    Value::Object(m)
}

pub fn write(resp: &Response, model: &str) -> Value {
    let mut parts = Vec::with_capacity(resp.content.len());
    for part in &resp.content {
        match part {
            Part::Text(t) => parts.push(json!({"text": t})),
            Part::Reasoning { text, .. } => parts.push(json!({"text": text, "thought": true})),
            Part::ToolCall {
                id,
                name,
                arguments,
            } => {
                let args = arguments_value(arguments, &Path::Root)
                    .unwrap_or_else(|_| json!({"arguments": arguments}));
                parts.push(json!({"functionCall": {"id": id, "name": name, "args": args}}));
            }
            Part::Image(_) | Part::ToolResult { .. } => {}
        }
    }
    let stop = resp.stop_reason.unwrap_or(StopReason::EndTurn);
    let mut out = Object::new();
    out.insert(
        "candidates".into(),
        json!([{"content": {"role": "model", "parts": parts}, "finishReason": stop.to_gemini(), "index": 0}]),
    );
    out.insert("usageMetadata".into(), usage(&resp.usage));
    out.insert(
        "modelVersion".into(),
        json!(resp.model.as_deref().unwrap_or(model)),
    );
    if let Some(id) = &resp.id {
        out.insert("responseId".into(), json!(id));
    }
    Value::Object(out)
}
