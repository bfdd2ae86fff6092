//! Bedrock Converse response → IR (inventory §3.7 "Converse→Chat/Messages", fixed: no
//! synthetic `bedrock-<nanos>` id or `bedrock-model` name; the writers mint a proper id and use
//! the request's model unless the prompt router reports the invoked model).

use crate::translate::common::{StopReason, Usage};
use crate::translate::error::TranslateError;
use crate::translate::ir::{Part, Response};
use crate::translate::wire::json::{
    as_object, get, opt_object, opt_str, opt_u64, req_str, to_text, Object, Path, Value,
};

pub fn usage(obj: &Object) -> Result<Usage, TranslateError> {
    let root = Path::Root;
    let mut u = Usage::default();
    if let Some(usage) = opt_object(obj, "usage", &root)? {
        let up = root.key("usage");
        let fresh = opt_u64(usage, "inputTokens", &up)?.unwrap_or(0);
        u.cache_read_tokens = opt_u64(usage, "cacheReadInputTokens", &up)?.unwrap_or(0);
        u.cache_creation_tokens = opt_u64(usage, "cacheWriteInputTokens", &up)?.unwrap_or(0);
        u.input_tokens = fresh
            .saturating_add(u.cache_read_tokens)
            .saturating_add(u.cache_creation_tokens);
        u.output_tokens = opt_u64(usage, "outputTokens", &up)?.unwrap_or(0);
    }
    Ok(u)
}

pub fn read(obj: &Object) -> Result<Response, TranslateError> {
    let root = Path::Root;
    let mut resp = Response {
        stop_reason: opt_str(obj, "stopReason", &root)?.and_then(StopReason::from_bedrock),
        usage: usage(obj)?,
        ..Response::default()
    };
    resp.model = obj
        .get("trace")
        .and_then(|t| t.get("promptRouter"))
        .and_then(|r| r.get("invokedModelId"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let op = root.key("output");
    let mp = op.key("message");
    let message = opt_object(obj, "output", &root)?
        .and_then(|o| o.get("message"))
        .and_then(Value::as_object);
    let cp = mp.key("content");
    for (i, b) in message
        .and_then(|m| m.get("content"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let p = cp.index(i);
        let b = as_object(b, &p)?;
        if let Some(t) = opt_str(b, "text", &p)? {
            resp.content.push(Part::Text(t.to_owned()));
        } else if let Some(tu) = opt_object(b, "toolUse", &p)? {
            let tp = p.key("toolUse");
            resp.content.push(Part::ToolCall {
                id: req_str(tu, "toolUseId", &tp)?.to_owned(),
                name: req_str(tu, "name", &tp)?.to_owned(),
                arguments: get(tu, "input").map_or_else(|| "{}".to_owned(), to_text),
            });
        } else if let Some(rc) = opt_object(b, "reasoningContent", &p)? {
            if let Some(rt) = rc.get("reasoningText").and_then(Value::as_object) {
                resp.content.push(Part::Reasoning {
                    text: rt
                        .get("text")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                    signature: rt
                        .get("signature")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                });
            }
        }
    }
    Ok(resp)
}
