//! OpenAI Responses object → IR. Reasoning items' summaries (or reasoning text) become reasoning
//! parts; `function_call` items tool calls; `status: incomplete` with `max_output_tokens` the
//! max-tokens stop reason.

use crate::translate::common::{StopReason, Usage};
use crate::translate::error::TranslateError;
use crate::translate::ir::{Part, Response};
use crate::translate::wire::json::{
    as_object, opt_array, opt_object, opt_str, opt_u64, req_str, Object, Path, Value,
};

pub fn usage(obj: &Object) -> Result<Usage, TranslateError> {
    let root = Path::Root;
    let mut u = Usage::default();
    if let Some(usage) = opt_object(obj, "usage", &root)? {
        let up = root.key("usage");
        u.input_tokens = opt_u64(usage, "input_tokens", &up)?.unwrap_or(0);
        u.output_tokens = opt_u64(usage, "output_tokens", &up)?.unwrap_or(0);
        if let Some(d) = opt_object(usage, "input_tokens_details", &up)? {
            u.cache_read_tokens =
                opt_u64(d, "cached_tokens", &up.key("input_tokens_details"))?.unwrap_or(0);
        }
        if let Some(d) = opt_object(usage, "output_tokens_details", &up)? {
            u.reasoning_tokens =
                opt_u64(d, "reasoning_tokens", &up.key("output_tokens_details"))?.unwrap_or(0);
        }
    }
    Ok(u)
}

fn texts(items: Option<&Vec<Value>>, key: &str) -> String {
    let mut out = String::new();
    for item in items.into_iter().flatten().filter_map(Value::as_object) {
        if let Some(Value::String(t)) = item.get(key) {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(t);
        }
    }
    out
}

pub fn read(obj: &Object) -> Result<Response, TranslateError> {
    let root = Path::Root;
    let mut resp = Response {
        id: opt_str(obj, "id", &root)?.map(str::to_owned),
        model: opt_str(obj, "model", &root)?.map(str::to_owned),
        created: opt_u64(obj, "created_at", &root)?,
        usage: usage(obj)?,
        ..Response::default()
    };
    let op = root.key("output");
    for (i, item) in opt_array(obj, "output", &root)?
        .into_iter()
        .flatten()
        .enumerate()
    {
        let p = op.index(i);
        let item = as_object(item, &p)?;
        match opt_str(item, "type", &p)? {
            Some("message") => {
                for c in opt_array(item, "content", &p)?
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_object)
                {
                    match c.get("type").and_then(Value::as_str) {
                        Some("output_text") => {
                            if let Some(Value::String(t)) = c.get("text") {
                                resp.content.push(Part::Text(t.to_string()));
                            }
                        }
                        Some("refusal") => {
                            if let Some(Value::String(t)) = c.get("refusal") {
                                resp.content.push(Part::Text(t.to_string()));
                            }
                            resp.stop_reason = Some(StopReason::ContentFilter);
                        }
                        _ => {}
                    }
                }
            }
            Some("reasoning") => {
                let mut text = texts(opt_array(item, "summary", &p)?, "text");
                if text.is_empty() {
                    text = texts(opt_array(item, "content", &p)?, "text");
                }
                if !text.is_empty() {
                    resp.content.push(Part::Reasoning {
                        text,
                        signature: None,
                    });
                }
            }
            Some("function_call") => resp.content.push(Part::ToolCall {
                id: req_str(item, "call_id", &p)?.to_owned(),
                name: req_str(item, "name", &p)?.to_owned(),
                arguments: opt_str(item, "arguments", &p)?.unwrap_or("{}").to_owned(),
            }),
            _ => {}
        }
    }
    let incomplete = opt_object(obj, "incomplete_details", &root)?
        .and_then(|d| d.get("reason"))
        .and_then(Value::as_str);
    resp.stop_reason = match (opt_str(obj, "status", &root)?, incomplete) {
        (_, Some("max_output_tokens")) => Some(StopReason::MaxTokens),
        (_, Some("content_filter")) => Some(StopReason::ContentFilter),
        _ if resp.has_tool_calls() => Some(StopReason::ToolUse),
        _ => resp.stop_reason.or(Some(StopReason::EndTurn)),
    };
    Ok(resp)
}
