//! Anthropic Messages response → IR (inventory §3.7 "Messages→Chat", fixed: thinking stays
//! reasoning, never inlined as text). `input_tokens` excludes cached tokens in Anthropic's
//! usage; the IR's input count includes them.

use crate::translate::common::{StopReason, Usage};
use crate::translate::error::TranslateError;
use crate::translate::ir::{Part, Response};
use crate::translate::wire::json::{
    as_object, get, opt_array, opt_object, opt_str, opt_u64, req_str, to_text, Object, Path,
};

pub fn usage(obj: &Object) -> Result<Usage, TranslateError> {
    let root = Path::Root;
    let mut u = Usage::default();
    if let Some(usage) = opt_object(obj, "usage", &root)? {
        let up = root.key("usage");
        let fresh = opt_u64(usage, "input_tokens", &up)?.unwrap_or(0);
        u.cache_read_tokens = opt_u64(usage, "cache_read_input_tokens", &up)?.unwrap_or(0);
        u.cache_creation_tokens = opt_u64(usage, "cache_creation_input_tokens", &up)?.unwrap_or(0);
        u.input_tokens = fresh
            .saturating_add(u.cache_read_tokens)
            .saturating_add(u.cache_creation_tokens);
        u.output_tokens = opt_u64(usage, "output_tokens", &up)?.unwrap_or(0);
    }
    Ok(u)
}

pub fn read(obj: &Object) -> Result<Response, TranslateError> {
    let root = Path::Root;
    let mut resp = Response {
        id: opt_str(obj, "id", &root)?.map(str::to_owned),
        model: opt_str(obj, "model", &root)?.map(str::to_owned),
        stop_reason: opt_str(obj, "stop_reason", &root)?.and_then(StopReason::from_anthropic),
        stop_sequence: opt_str(obj, "stop_sequence", &root)?.map(str::to_owned),
        usage: usage(obj)?,
        ..Response::default()
    };
    let cp = root.key("content");
    for (i, b) in opt_array(obj, "content", &root)?
        .into_iter()
        .flatten()
        .enumerate()
    {
        let p = cp.index(i);
        let b = as_object(b, &p)?;
        match req_str(b, "type", &p)? {
            "text" => resp
                .content
                .push(Part::Text(req_str(b, "text", &p)?.to_owned())),
            "thinking" => resp.content.push(Part::Reasoning {
                text: req_str(b, "thinking", &p)?.to_owned(),
                signature: opt_str(b, "signature", &p)?
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned),
            }),
            "tool_use" => resp.content.push(Part::ToolCall {
                id: req_str(b, "id", &p)?.to_owned(),
                name: req_str(b, "name", &p)?.to_owned(),
                arguments: get(b, "input").map_or_else(|| "{}".to_owned(), to_text),
            }),
            // Server-side tool blocks and redacted thinking have no counterpart elsewhere.
            _ => {}
        }
    }
    Ok(resp)
}
