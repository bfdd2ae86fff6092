//! Gemini `GenerateContentResponse` → IR. Only the first candidate is translated. Parts with
//! `thought: true` are reasoning; `functionCall` parts are tool calls (ids minted when Gemini
//! gives none). Gemini reports `STOP` when it ends on function calls: that becomes tool use.
//! A prompt blocked before any candidate (`promptFeedback.blockReason`) is a content filter stop.
//! `candidatesTokenCount` excludes thinking tokens; the IR's output count includes them.

use crate::translate::common::{StopReason, Usage};
use crate::translate::error::TranslateError;
use crate::translate::ir::{Part, Response};
use crate::translate::wire::ids;
use crate::translate::wire::json::{
    as_object, get, opt_array, opt_bool, opt_object, opt_str, opt_u64, req_str, to_text, Object,
    Path, Value,
};

pub fn usage(obj: &Object) -> Result<Usage, TranslateError> {
    let root = Path::Root;
    let mut u = Usage::default();
    if let Some(m) = opt_object(obj, "usageMetadata", &root)? {
        let up = root.key("usageMetadata");
        u.input_tokens = opt_u64(m, "promptTokenCount", &up)?.unwrap_or(0);
        u.cache_read_tokens = opt_u64(m, "cachedContentTokenCount", &up)?.unwrap_or(0);
        u.reasoning_tokens = opt_u64(m, "thoughtsTokenCount", &up)?.unwrap_or(0);
        u.output_tokens = opt_u64(m, "candidatesTokenCount", &up)?
            .unwrap_or(0)
            .saturating_add(u.reasoning_tokens);
    }
    Ok(u)
}

/// RFC 3339 `createTime` → Unix seconds (UTC; fractional seconds ignored).
fn parse_rfc3339(s: &str) -> Option<u64> {
    let num = |a: usize, b: usize| s.get(a..b).and_then(|x| x.parse::<i64>().ok());
    let (y, mo, d, h, mi, se) = (
        num(0, 4)?,
        num(5, 7)?,
        num(8, 10)?,
        num(11, 13)?,
        num(14, 16)?,
        num(17, 19)?,
    );
    // Days from civil (Howard Hinnant's algorithm).
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    u64::try_from(days * 86_400 + h * 3600 + mi * 60 + se).ok()
}

pub fn read(obj: &Object) -> Result<Response, TranslateError> {
    let root = Path::Root;
    let mut resp = Response {
        id: opt_str(obj, "responseId", &root)?.map(str::to_owned),
        model: opt_str(obj, "modelVersion", &root)?.map(str::to_owned),
        created: opt_str(obj, "createTime", &root)?.and_then(parse_rfc3339),
        usage: usage(obj)?,
        ..Response::default()
    };
    let cp = root.key("candidates");
    let Some(candidate) = opt_array(obj, "candidates", &root)?.and_then(|c| c.first()) else {
        if opt_object(obj, "promptFeedback", &root)?
            .and_then(|f| f.get("blockReason"))
            .is_some()
        {
            resp.stop_reason = Some(StopReason::ContentFilter);
        }
        return Ok(resp);
    };
    let p = cp.index(0);
    let candidate = as_object(candidate, &p)?;
    resp.stop_reason = opt_str(candidate, "finishReason", &p)?.and_then(StopReason::from_gemini);
    let pp = p.key("content");
    let pp = pp.key("parts");
    let parts = opt_object(candidate, "content", &p)?
        .and_then(|c| c.get("parts"))
        .and_then(Value::as_array);
    for (i, part) in parts.into_iter().flatten().enumerate() {
        let ip = pp.index(i);
        let part = as_object(part, &ip)?;
        if let Some(text) = opt_str(part, "text", &ip)? {
            if opt_bool(part, "thought", &ip)?.unwrap_or(false) {
                resp.content.push(Part::Reasoning {
                    text: text.to_owned(),
                    signature: None,
                });
            } else {
                resp.content.push(Part::Text(text.to_owned()));
            }
        } else if let Some(fc) = opt_object(part, "functionCall", &ip)? {
            let fp = ip.key("functionCall");
            resp.content.push(Part::ToolCall {
                id: opt_str(fc, "id", &fp)?.map_or_else(|| ids::mint("call_"), str::to_owned),
                name: req_str(fc, "name", &fp)?.to_owned(),
                arguments: get(fc, "args").map_or_else(|| "{}".to_owned(), to_text),
            });
        }
    }
    if resp.has_tool_calls() && matches!(resp.stop_reason, None | Some(StopReason::EndTurn)) {
        resp.stop_reason = Some(StopReason::ToolUse);
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_to_unix() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339("2025-06-01T12:30:15.123456Z"),
            Some(1_748_781_015)
        );
        assert_eq!(parse_rfc3339("garbage"), None);
    }
}
