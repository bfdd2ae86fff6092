//! OpenAI Chat Completions response → IR (inventory §3.7 "Chat→Messages", "Chat→Responses").
//! Reasoning is read from `reasoning_content` (DeepSeek, vLLM) or `reasoning` (OpenRouter,
//! Ollama); only the first choice is translated.

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
        u.input_tokens = opt_u64(usage, "prompt_tokens", &up)?.unwrap_or(0);
        u.output_tokens = opt_u64(usage, "completion_tokens", &up)?.unwrap_or(0);
        if let Some(d) = opt_object(usage, "prompt_tokens_details", &up)? {
            u.cache_read_tokens =
                opt_u64(d, "cached_tokens", &up.key("prompt_tokens_details"))?.unwrap_or(0);
        }
        if let Some(d) = opt_object(usage, "completion_tokens_details", &up)? {
            u.reasoning_tokens =
                opt_u64(d, "reasoning_tokens", &up.key("completion_tokens_details"))?.unwrap_or(0);
        }
    }
    Ok(u)
}

pub fn read(obj: &Object) -> Result<Response, TranslateError> {
    let root = Path::Root;
    let mut resp = Response {
        id: opt_str(obj, "id", &root)?.map(str::to_owned),
        model: opt_str(obj, "model", &root)?.map(str::to_owned),
        created: opt_u64(obj, "created", &root)?,
        usage: usage(obj)?,
        ..Response::default()
    };
    let cp = root.key("choices");
    let Some(choice) = opt_array(obj, "choices", &root)?.and_then(|c| c.first()) else {
        return Ok(resp);
    };
    let p = cp.index(0);
    let choice = as_object(choice, &p)?;
    resp.stop_reason = opt_str(choice, "finish_reason", &p)?.and_then(StopReason::from_openai_chat);
    let mp = p.key("message");
    let Some(message) = opt_object(choice, "message", &p)? else {
        return Ok(resp);
    };
    let reasoning = match opt_str(message, "reasoning_content", &mp)? {
        Some(r) => Some(r),
        None => opt_str(message, "reasoning", &mp)?,
    };
    if let Some(r) = reasoning.filter(|r| !r.is_empty()) {
        resp.content.push(Part::Reasoning {
            text: r.to_owned(),
            signature: None,
        });
    }
    match message.get("content") {
        Some(Value::String(s)) if !s.is_empty() => resp.content.push(Part::Text(s.to_string())),
        Some(Value::Array(parts)) => {
            for part in parts.iter().filter_map(Value::as_object) {
                if let Some(Value::String(t)) = part.get("text") {
                    resp.content.push(Part::Text(t.to_string()));
                }
            }
        }
        _ => {}
    }
    if let Some(refusal) = opt_str(message, "refusal", &mp)?.filter(|r| !r.is_empty()) {
        resp.content.push(Part::Text(refusal.to_owned()));
    }
    if let Some(calls) = opt_array(message, "tool_calls", &mp)? {
        let tp = mp.key("tool_calls");
        for (i, c) in calls.iter().enumerate() {
            let cpi = tp.index(i);
            let c = as_object(c, &cpi)?;
            let fp = cpi.key("function");
            let f = opt_object(c, "function", &cpi)?.ok_or_else(|| fp.missing())?;
            resp.content.push(Part::ToolCall {
                id: req_str(c, "id", &cpi)?.to_owned(),
                name: req_str(f, "name", &fp)?.to_owned(),
                arguments: opt_str(f, "arguments", &fp)?.unwrap_or("{}").to_owned(),
            });
        }
    }
    Ok(resp)
}
