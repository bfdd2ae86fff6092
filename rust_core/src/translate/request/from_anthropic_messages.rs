//! Anthropic Messages request → IR (inventory §3.7 "Messages→Chat", §14 data model).
//! `model`, `max_tokens` and `messages` are required, as in Anthropic's API. Server-side
//! artifacts other APIs cannot replay (`redacted_thinking`, `server_tool_use`, `*_tool_result`
//! of server tools) are dropped; user content that would be lost (`document`, server tools) is
//! recorded as unsupported.

use crate::translate::error::TranslateError;
use crate::translate::ir::{Effort, Image, Part, Reasoning, Request, Role, Tool, ToolChoice};
use crate::translate::wire::json::{
    as_object, get, opt_array, opt_bool, opt_f64, opt_object, opt_str, opt_u64, req_str,
    str_or_strs, to_text, Object, Path, Value,
};

use super::from_openai_chat::empty_schema;

pub fn read(obj: &Object) -> Result<Request, TranslateError> {
    let root = Path::Root;
    let mut req = Request {
        model: Some(req_str(obj, "model", &root)?.to_owned()),
        stream: opt_bool(obj, "stream", &root)?.unwrap_or(false),
        max_tokens: Some(
            opt_u64(obj, "max_tokens", &root)?.ok_or_else(|| root.key("max_tokens").missing())?,
        ),
        temperature: opt_f64(obj, "temperature", &root)?,
        top_p: opt_f64(obj, "top_p", &root)?,
        top_k: opt_u64(obj, "top_k", &root)?,
        stop: str_or_strs(obj, "stop_sequences", &root)?,
        ..Request::default()
    };
    if let Some(meta) = opt_object(obj, "metadata", &root)? {
        req.user = opt_str(meta, "user_id", &root.key("metadata"))?.map(str::to_owned);
    }
    if let Some(thinking) = opt_object(obj, "thinking", &root)? {
        let tp = root.key("thinking");
        if matches!(
            opt_str(thinking, "type", &tp)?,
            Some("enabled" | "adaptive")
        ) {
            let budget = opt_u64(thinking, "budget_tokens", &tp)?;
            req.reasoning = Some(Reasoning {
                effort: budget.map_or(Effort::Medium, Effort::from_budget_tokens),
                budget_tokens: budget,
            });
        }
    }
    match get(obj, "system") {
        None => {}
        Some(Value::String(s)) => req.system.push(s.to_string()),
        Some(Value::Array(blocks)) => {
            let sp = root.key("system");
            let mut text = String::new();
            for (i, b) in blocks.iter().enumerate() {
                let bp = sp.index(i);
                let b = as_object(b, &bp)?;
                if !text.is_empty() {
                    text.push('\n');
                }
                text.push_str(req_str(b, "text", &bp)?);
            }
            req.system.push(text);
        }
        Some(_) => {
            return Err(root
                .key("system")
                .type_error("a string or an array of text blocks"))
        }
    }
    read_tools(obj, &mut req)?;
    let mp = root.key("messages");
    let messages = opt_array(obj, "messages", &root)?.ok_or_else(|| mp.missing())?;
    for (i, m) in messages.iter().enumerate() {
        let p = mp.index(i);
        let m = as_object(m, &p)?;
        let role = match req_str(m, "role", &p)? {
            "user" => Role::User,
            "assistant" => Role::Assistant,
            "system" => {
                // Accepted by the reference (#967); it joins the system prompt.
                let parts = blocks(m, &p, &mut req)?;
                req.system.push(join_text(&parts));
                continue;
            }
            other => {
                return Err(p.key("role").invalid(format!(
                    "unknown role {other:?} (expected user or assistant)"
                )));
            }
        };
        let parts = blocks(m, &p, &mut req)?;
        req.push(role, parts);
    }
    Ok(req)
}

fn read_tools(obj: &Object, req: &mut Request) -> Result<(), TranslateError> {
    let root = Path::Root;
    if let Some(tools) = opt_array(obj, "tools", &root)? {
        let tp = root.key("tools");
        for (i, t) in tools.iter().enumerate() {
            let p = tp.index(i);
            let t = as_object(t, &p)?;
            match opt_str(t, "type", &p)? {
                None | Some("custom") => {}
                Some(kind) => {
                    req.mark_unsupported(
                        p.key("type").to_string(),
                        format!("the server tool {kind:?}"),
                    );
                    continue;
                }
            }
            req.tools.push(Tool {
                name: req_str(t, "name", &p)?.to_owned(),
                description: opt_str(t, "description", &p)?.map(str::to_owned),
                parameters: get(t, "input_schema").map_or_else(empty_schema, Value::to_json),
            });
        }
    }
    if let Some(choice) = opt_object(obj, "tool_choice", &root)? {
        let p = root.key("tool_choice");
        req.tool_choice = Some(match req_str(choice, "type", &p)? {
            "auto" => ToolChoice::Auto,
            "any" => ToolChoice::Required,
            "none" => ToolChoice::None,
            "tool" => ToolChoice::Tool(req_str(choice, "name", &p)?.to_owned()),
            other => {
                return Err(p
                    .key("type")
                    .invalid(format!("unknown tool_choice type {other:?}")))
            }
        });
        if let Some(disable) = opt_bool(choice, "disable_parallel_tool_use", &p)? {
            req.parallel_tool_calls = Some(!disable);
        }
    }
    Ok(())
}

fn join_text(parts: &[Part]) -> String {
    let mut out = String::new();
    for part in parts {
        if let Part::Text(t) = part {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(t);
        }
    }
    out
}

fn blocks(m: &Object, p: &Path<'_>, req: &mut Request) -> Result<Vec<Part>, TranslateError> {
    let cp = p.key("content");
    match get(m, "content") {
        None => Err(cp.missing()),
        Some(Value::String(s)) => Ok(vec![Part::Text(s.to_string())]),
        Some(Value::Array(items)) => {
            let mut parts = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let bp = cp.index(i);
                if let Some(part) = block(as_object(item, &bp)?, &bp, req)? {
                    parts.push(part);
                }
            }
            Ok(parts)
        }
        Some(_) => Err(cp.type_error("a string or an array of content blocks")),
    }
}

fn block(b: &Object, p: &Path<'_>, req: &mut Request) -> Result<Option<Part>, TranslateError> {
    Ok(Some(match req_str(b, "type", p)? {
        "text" => Part::Text(req_str(b, "text", p)?.to_owned()),
        "image" => Part::Image(image(b, p)?),
        "document" => {
            let sp = p.key("source");
            let source = opt_object(b, "source", p)?.ok_or_else(|| sp.missing())?;
            let name = opt_str(b, "title", p)?.map(str::to_owned);
            match req_str(source, "type", &sp)? {
                "base64" => Part::Document {
                    source: Image::Base64 {
                        media_type: req_str(source, "media_type", &sp)?.to_owned(),
                        data: req_str(source, "data", &sp)?.to_owned(),
                    },
                    name,
                },
                "url" => Part::Document {
                    source: Image::Url(req_str(source, "url", &sp)?.to_owned()),
                    name,
                },
                "text" => Part::Text(req_str(source, "data", &sp)?.to_owned()),
                other => {
                    req.mark_unsupported(sp.to_string(), format!("a {other:?} document source"));
                    return Ok(None);
                }
            }
        }
        "thinking" => Part::Reasoning {
            text: req_str(b, "thinking", p)?.to_owned(),
            signature: opt_str(b, "signature", p)?.map(str::to_owned),
        },
        "tool_use" => Part::ToolCall {
            id: req_str(b, "id", p)?.to_owned(),
            name: req_str(b, "name", p)?.to_owned(),
            arguments: get(b, "input").map_or_else(|| "{}".to_owned(), to_text),
        },
        "tool_result" => {
            let call_id = req_str(b, "tool_use_id", p)?.to_owned();
            let is_error = opt_bool(b, "is_error", p)?.unwrap_or(false);
            let content = match get(b, "content") {
                None => Vec::new(),
                Some(Value::String(s)) => vec![Part::Text(s.to_string())],
                Some(Value::Array(items)) => {
                    let cp = p.key("content");
                    let mut parts = Vec::new();
                    for (i, item) in items.iter().enumerate() {
                        let ip = cp.index(i);
                        let item = as_object(item, &ip)?;
                        match req_str(item, "type", &ip)? {
                            "text" => {
                                parts.push(Part::Text(req_str(item, "text", &ip)?.to_owned()));
                            }
                            "image" => parts.push(Part::Image(image(item, &ip)?)),
                            other => req.mark_unsupported(
                                ip.to_string(),
                                format!("a {other:?} block in a tool result"),
                            ),
                        }
                    }
                    parts
                }
                Some(_) => {
                    return Err(p
                        .key("content")
                        .type_error("a string or an array of content blocks"))
                }
            };
            Part::ToolResult {
                call_id,
                name: None,
                content,
                is_error,
            }
        }
        "redacted_thinking"
        | "server_tool_use"
        | "web_search_tool_result"
        | "web_fetch_tool_result"
        | "code_execution_tool_result"
        | "mcp_tool_use"
        | "mcp_tool_result"
        | "container_upload" => return Ok(None),
        other => {
            req.mark_unsupported(p.to_string(), format!("a {other:?} content block"));
            return Ok(None);
        }
    }))
}

fn image(b: &Object, p: &Path<'_>) -> Result<Image, TranslateError> {
    let sp = p.key("source");
    let source = opt_object(b, "source", p)?.ok_or_else(|| sp.missing())?;
    match req_str(source, "type", &sp)? {
        "base64" => Ok(Image::Base64 {
            media_type: req_str(source, "media_type", &sp)?.to_owned(),
            data: req_str(source, "data", &sp)?.to_owned(),
        }),
        "url" => Ok(Image::Url(req_str(source, "url", &sp)?.to_owned())),
        other => Err(sp
            .key("type")
            .invalid(format!("unsupported image source type {other:?}"))),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::translate::wire::json::parse_object;

    fn parse(body: &str) -> Result<Request, TranslateError> {
        read(&parse_object(body.as_bytes()).unwrap())
    }

    #[test]
    fn max_tokens_is_required() {
        let err = parse(r#"{"model":"m","messages":[]}"#).unwrap_err();
        assert_eq!(err.to_string(), "max_tokens: missing required field");
    }

    #[test]
    fn reads_thinking_tools_and_results() {
        let r = parse(
            r#"{"model":"m","max_tokens":10,"system":[{"type":"text","text":"s"}],
            "thinking":{"type":"enabled","budget_tokens":2000},
            "tool_choice":{"type":"any","disable_parallel_tool_use":true},
            "tools":[{"name":"f","input_schema":{"type":"object"}}],
            "messages":[{"role":"user","content":"q"},
              {"role":"assistant","content":[{"type":"thinking","thinking":"t","signature":"s"},
                {"type":"tool_use","id":"t1","name":"f","input":{"a":1}}]},
              {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"ok"}]}]}"#,
        )
        .unwrap();
        assert_eq!(r.system, vec!["s"]);
        assert_eq!(r.reasoning.unwrap().budget_tokens, Some(2000));
        assert_eq!(r.parallel_tool_calls, Some(false));
        assert_eq!(r.tool_choice, Some(ToolChoice::Required));
        assert_eq!(r.messages[1].content.len(), 2);
    }
}
