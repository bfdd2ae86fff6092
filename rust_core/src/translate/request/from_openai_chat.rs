//! OpenAI Chat Completions request → IR (inventory §3.7 "Chat→Messages/Converse" field mapping,
//! §14 data model). Every system and developer message is kept, in order (the reference kept
//! only the last). Consecutive tool messages merge into one user turn of tool results.

use crate::translate::error::TranslateError;
use crate::translate::ir::{
    Effort, Image, Part, Reasoning, Request, ResponseFormat, Role, Tool, ToolChoice,
};
use crate::translate::wire::json::{
    as_object, get, opt_array, opt_bool, opt_f64, opt_object, opt_str, opt_u64, req_str,
    str_or_strs, Object, Path, Value,
};

pub fn read(obj: &Object) -> Result<Request, TranslateError> {
    let root = Path::Root;
    let mut req = Request {
        model: opt_str(obj, "model", &root)?.map(str::to_owned),
        stream: opt_bool(obj, "stream", &root)?.unwrap_or(false),
        // Read leniently: a malformed `stream_options` is the upstream's to reject.
        stream_usage: Some(
            get(obj, "stream_options")
                .and_then(Value::as_object)
                .and_then(|o| get(o, "include_usage"))
                .is_some_and(|v| matches!(v, Value::Bool(true))),
        ),
        max_tokens: match opt_u64(obj, "max_completion_tokens", &root)? {
            Some(n) => Some(n),
            None => opt_u64(obj, "max_tokens", &root)?,
        },
        temperature: opt_f64(obj, "temperature", &root)?,
        top_p: opt_f64(obj, "top_p", &root)?,
        top_k: opt_u64(obj, "top_k", &root)?,
        stop: str_or_strs(obj, "stop", &root)?,
        parallel_tool_calls: opt_bool(obj, "parallel_tool_calls", &root)?,
        user: opt_str(obj, "user", &root)?.map(str::to_owned),
        ..Request::default()
    };
    if let Some(effort) = opt_str(obj, "reasoning_effort", &root)?.filter(|e| *e != "none") {
        let effort = Effort::parse(effort).ok_or_else(|| {
            root.key("reasoning_effort")
                .invalid("expected one of none, minimal, low, medium, high")
        })?;
        req.reasoning = Some(Reasoning {
            effort,
            budget_tokens: None,
        });
    }
    if opt_u64(obj, "n", &root)?.is_some_and(|n| n > 1) {
        req.mark_unsupported("n".into(), "more than one choice (n > 1)");
    }
    if let Some(opts) = opt_object(obj, "web_search_options", &root)? {
        req.web_search = Some(opts_text(opts));
    }
    if let Some(rf) = opt_object(obj, "response_format", &root)? {
        let p = root.key("response_format");
        req.response_format = Some(match req_str(rf, "type", &p)? {
            "text" => ResponseFormat::Text,
            "json_object" => ResponseFormat::JsonObject,
            "json_schema" => {
                let sp = p.key("json_schema");
                let js = opt_object(rf, "json_schema", &p)?.ok_or_else(|| sp.missing())?;
                ResponseFormat::JsonSchema {
                    name: opt_str(js, "name", &sp)?.unwrap_or("response").to_owned(),
                    description: opt_str(js, "description", &sp)?.map(str::to_owned),
                    schema: get(js, "schema").map_or_else(empty_schema, Value::to_json),
                    strict: opt_bool(js, "strict", &sp)?,
                }
            }
            other => {
                return Err(p
                    .key("type")
                    .invalid(format!("unknown response format {other:?}")))
            }
        });
    }
    read_tools(obj, &mut req)?;
    let messages_path = root.key("messages");
    let messages = opt_array(obj, "messages", &root)?.ok_or_else(|| messages_path.missing())?;
    for (i, m) in messages.iter().enumerate() {
        read_message(m, &messages_path.index(i), &mut req)?;
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
            let kind = opt_str(t, "type", &p)?.unwrap_or("function");
            if kind != "function" {
                req.mark_unsupported(p.key("type").to_string(), format!("a {kind:?} tool"));
                continue;
            }
            let fp = p.key("function");
            let f = opt_object(t, "function", &p)?.ok_or_else(|| fp.missing())?;
            req.tools.push(Tool {
                name: req_str(f, "name", &fp)?.to_owned(),
                description: opt_str(f, "description", &fp)?.map(str::to_owned),
                parameters: get(f, "parameters").map_or_else(empty_schema, Value::to_json),
            });
        }
    }
    req.tool_choice = match get(obj, "tool_choice") {
        None => None,
        Some(Value::String(s)) => Some(match s.as_ref() {
            "auto" => ToolChoice::Auto,
            "required" => ToolChoice::Required,
            "none" => ToolChoice::None,
            _ => {
                return Err(root
                    .key("tool_choice")
                    .invalid("expected auto, required or none"));
            }
        }),
        Some(Value::Object(o)) => {
            let p = root.key("tool_choice");
            let fp = p.key("function");
            let f = opt_object(o, "function", &p)?.ok_or_else(|| fp.missing())?;
            Some(ToolChoice::Tool(req_str(f, "name", &fp)?.to_owned()))
        }
        Some(_) => return Err(root.key("tool_choice").type_error("a string or an object")),
    };
    Ok(())
}

/// `{"type": "object", "properties": {}}`: the schema of a tool without parameters.
pub fn empty_schema() -> String {
    r#"{"type":"object","properties":{}}"#.to_owned()
}

fn opts_text(opts: &crate::translate::wire::json::Object<'_>) -> String {
    serde_json::to_string(opts).unwrap_or_default()
}

fn read_message(m: &Value, p: &Path<'_>, req: &mut Request) -> Result<(), TranslateError> {
    let m = as_object(m, p)?;
    let role = req_str(m, "role", p)?;
    match role {
        "system" | "developer" => {
            let text = text_only(m, p, req)?;
            req.system.push(text);
        }
        "user" => {
            let parts = content_parts(m, p, req)?;
            req.push(Role::User, parts);
        }
        "assistant" => {
            let mut parts = Vec::new();
            let reasoning = match opt_str(m, "reasoning_content", p)? {
                Some(r) => Some(r),
                None => opt_str(m, "reasoning", p)?,
            };
            if let Some(r) = reasoning.filter(|r| !r.is_empty()) {
                parts.push(Part::Reasoning {
                    text: r.to_owned(),
                    signature: None,
                });
            }
            parts.extend(content_parts(m, p, req)?);
            if let Some(calls) = opt_array(m, "tool_calls", p)? {
                let cp = p.key("tool_calls");
                for (i, c) in calls.iter().enumerate() {
                    let cpi = cp.index(i);
                    let c = as_object(c, &cpi)?;
                    let fp = cpi.key("function");
                    let f = opt_object(c, "function", &cpi)?.ok_or_else(|| fp.missing())?;
                    parts.push(Part::ToolCall {
                        id: req_str(c, "id", &cpi)?.to_owned(),
                        name: req_str(f, "name", &fp)?.to_owned(),
                        arguments: opt_str(f, "arguments", &fp)?.unwrap_or("{}").to_owned(),
                    });
                }
            }
            req.push(Role::Assistant, parts);
        }
        "tool" => {
            let call_id = req_str(m, "tool_call_id", p)?.to_owned();
            let content = content_parts(m, p, req)?;
            req.push(
                Role::User,
                vec![Part::ToolResult {
                    call_id,
                    name: None,
                    content,
                    is_error: false,
                }],
            );
        }
        "function" => {
            req.mark_unsupported(p.key("role").to_string(), "a legacy function-role message");
        }
        other => {
            return Err(p.key("role").invalid(format!(
                "unknown role {other:?} (expected system, developer, user, assistant or tool)"
            )));
        }
    }
    Ok(())
}

/// A system/developer message's text (parts joined by newlines).
fn text_only(m: &Object, p: &Path<'_>, req: &mut Request) -> Result<String, TranslateError> {
    let parts = content_parts(m, p, req)?;
    let mut out = String::new();
    for part in parts {
        if let Part::Text(t) = part {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&t);
        }
    }
    Ok(out)
}

fn content_parts(m: &Object, p: &Path<'_>, req: &mut Request) -> Result<Vec<Part>, TranslateError> {
    let cp = p.key("content");
    match get(m, "content") {
        None => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(if s.is_empty() {
            Vec::new()
        } else {
            vec![Part::Text(s.to_string())]
        }),
        Some(Value::Array(items)) => {
            let mut parts = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let ip = cp.index(i);
                let item = as_object(item, &ip)?;
                match req_str(item, "type", &ip)? {
                    "text" => parts.push(Part::Text(req_str(item, "text", &ip)?.to_owned())),
                    "refusal" => parts.push(Part::Text(req_str(item, "refusal", &ip)?.to_owned())),
                    "image_url" => {
                        let url = match get(item, "image_url") {
                            Some(Value::String(u)) => u.as_ref(),
                            Some(Value::Object(o)) => req_str(o, "url", &ip.key("image_url"))?,
                            Some(_) => {
                                return Err(ip.key("image_url").type_error("an object with a url"))
                            }
                            None => return Err(ip.key("image_url").missing()),
                        };
                        parts.push(Part::Image(Image::from_url(url)));
                    }
                    "file" => {
                        let fp = ip.key("file");
                        let file = opt_object(item, "file", &ip)?.ok_or_else(|| fp.missing())?;
                        match opt_str(file, "file_data", &fp)? {
                            Some(data) => parts.push(Part::Document {
                                source: Image::from_file_data(data),
                                name: opt_str(file, "filename", &fp)?.map(str::to_owned),
                            }),
                            None => req.mark_unsupported(ip.to_string(), "a file given by file_id"),
                        }
                    }
                    other => {
                        req.mark_unsupported(ip.to_string(), format!("a {other:?} content part"));
                    }
                }
            }
            Ok(parts)
        }
        Some(_) => Err(cp.type_error("a string or an array of content parts")),
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
    fn keeps_every_system_message() {
        let r = parse(
            r#"{"model":"m","messages":[{"role":"system","content":"a"},
            {"role":"developer","content":[{"type":"text","text":"b"}]},
            {"role":"user","content":"hi"}]}"#,
        )
        .unwrap();
        assert_eq!(r.system, vec!["a", "b"]);
        assert_eq!(r.messages.len(), 1);
    }

    #[test]
    fn wrong_content_type_names_the_path() {
        let err = parse(
            r#"{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"},
            {"role":"user","content":5}]}"#,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "messages[2].content: expected a string or an array of content parts"
        );
    }

    #[test]
    fn tool_messages_merge_into_one_user_turn() {
        let r = parse(
            r#"{"messages":[{"role":"user","content":"q"},
            {"role":"assistant","content":null,"tool_calls":[
              {"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}},
              {"id":"c2","type":"function","function":{"name":"g","arguments":"{}"}}]},
            {"role":"tool","tool_call_id":"c1","content":"1"},
            {"role":"tool","tool_call_id":"c2","content":"2"}]}"#,
        )
        .unwrap();
        assert_eq!(r.messages.len(), 3);
        assert_eq!(r.messages[2].content.len(), 2);
    }

    #[test]
    fn missing_messages_is_named() {
        assert_eq!(
            parse(r#"{"model":"m"}"#).unwrap_err().to_string(),
            "messages: missing required field"
        );
    }
}
