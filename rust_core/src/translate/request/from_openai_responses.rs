//! OpenAI Responses request → IR (inventory §3.7 "Responses→Chat", §3.6 tool conversion).
//! `instructions` and system/developer items become the system prompt; `function_call` and
//! `function_call_output` items become tool calls and results; `custom` tools become function
//! tools taking `{input: string}` and their calls carry `{"input": …}` arguments; `namespace`
//! members are hoisted; `web_search_preview` becomes Chat `web_search_options`; hosted tools
//! (`file_search`, `code_interpreter`, `computer`, …) are unsupported outside Responses.
//! `previous_response_id` is resolved by the state layer before translation, so it is ignored.

use crate::translate::error::TranslateError;
use crate::translate::ir::{
    Effort, Image, Part, Reasoning, Request, ResponseFormat, Role, Tool, ToolChoice,
};
use crate::translate::wire::json::{
    as_object, get, opt_array, opt_bool, opt_f64, opt_object, opt_str, opt_u64, req_str, to_text,
    Object, Path, Value,
};

use super::from_openai_chat::empty_schema;
use crate::translate::wire::edit;

pub fn read(obj: &Object) -> Result<Request, TranslateError> {
    let root = Path::Root;
    let mut req = Request {
        model: opt_str(obj, "model", &root)?.map(str::to_owned),
        stream: opt_bool(obj, "stream", &root)?.unwrap_or(false),
        max_tokens: opt_u64(obj, "max_output_tokens", &root)?,
        temperature: opt_f64(obj, "temperature", &root)?,
        top_p: opt_f64(obj, "top_p", &root)?,
        parallel_tool_calls: opt_bool(obj, "parallel_tool_calls", &root)?,
        user: opt_str(obj, "user", &root)?.map(str::to_owned),
        ..Request::default()
    };
    if let Some(instructions) = opt_str(obj, "instructions", &root)? {
        req.system.push(instructions.to_owned());
    }
    if let Some(r) = opt_object(obj, "reasoning", &root)? {
        if let Some(effort) = opt_str(r, "effort", &root.key("reasoning"))? {
            if let Some(effort) = Effort::parse(effort) {
                req.reasoning = Some(Reasoning {
                    effort,
                    budget_tokens: None,
                });
            }
        }
    }
    if let Some(text) = opt_object(obj, "text", &root)? {
        let tp = root.key("text");
        if let Some(f) = opt_object(text, "format", &tp)? {
            let p = tp.key("format");
            req.response_format = Some(match req_str(f, "type", &p)? {
                "json_object" => ResponseFormat::JsonObject,
                "json_schema" => ResponseFormat::JsonSchema {
                    name: opt_str(f, "name", &p)?.unwrap_or("response").to_owned(),
                    description: opt_str(f, "description", &p)?.map(str::to_owned),
                    schema: get(f, "schema").map_or_else(empty_schema, Value::to_json),
                    strict: opt_bool(f, "strict", &p)?,
                },
                _ => ResponseFormat::Text,
            });
        }
    }
    read_tools(obj, &mut req)?;
    match get(obj, "input") {
        // Optional in the Responses API (a stored prompt or previous_response_id may supply it).
        None => {}
        Some(Value::String(s)) => req.push(Role::User, vec![Part::Text(s.to_string())]),
        Some(Value::Array(items)) => {
            let ip = root.key("input");
            for (i, item) in items.iter().enumerate() {
                read_item(item, &ip.index(i), &mut req)?;
            }
        }
        Some(item @ Value::Object(_)) => read_item(item, &root.key("input"), &mut req)?,
        Some(_) => {
            return Err(root
                .key("input")
                .type_error("a string or an array of input items"))
        }
    }
    Ok(req)
}

fn read_tools(obj: &Object, req: &mut Request) -> Result<(), TranslateError> {
    let root = Path::Root;
    if let Some(tools) = opt_array(obj, "tools", &root)? {
        let tp = root.key("tools");
        for (i, t) in tools.iter().enumerate() {
            read_tool(t, &tp.index(i), req)?;
        }
    }
    req.tool_choice = match get(obj, "tool_choice") {
        None => None,
        Some(Value::String(s)) => Some(match s.as_ref() {
            "required" => ToolChoice::Required,
            "none" => ToolChoice::None,
            _ => ToolChoice::Auto,
        }),
        Some(Value::Object(o)) => Some(match opt_str(o, "type", &root.key("tool_choice"))? {
            Some("function" | "custom") => {
                ToolChoice::Tool(req_str(o, "name", &root.key("tool_choice"))?.to_owned())
            }
            _ => ToolChoice::Auto,
        }),
        Some(_) => return Err(root.key("tool_choice").type_error("a string or an object")),
    };
    Ok(())
}

/// Custom (free-text) tools become function tools taking `{input: string}` (§3.6).
const CUSTOM_TOOL_SCHEMA: &str =
    r#"{"type":"object","properties":{"input":{"type":"string"}},"required":["input"]}"#;

fn read_tool(t: &Value, p: &Path<'_>, req: &mut Request) -> Result<(), TranslateError> {
    let t = as_object(t, p)?;
    match req_str(t, "type", p)? {
        "function" => {
            // §3.6: Chat needs `type: object` with `properties`.
            let parameters = match get(t, "parameters") {
                Some(Value::Object(schema)) => {
                    let mut schema = schema.clone();
                    if !schema.contains_key("type") {
                        schema.insert("type", Value::String("object".into()));
                    }
                    if !schema.contains_key("properties") {
                        schema.insert("properties", Value::Object(Object::default()));
                    }
                    Value::Object(schema).to_json()
                }
                Some(other) => other.to_json(),
                None => empty_schema(),
            };
            req.tools.push(Tool {
                name: req_str(t, "name", p)?.to_owned(),
                description: opt_str(t, "description", p)?.map(str::to_owned),
                parameters,
            });
        }
        "custom" => {
            let n = req.tools.len();
            req.tools.push(Tool {
                name: opt_str(t, "name", p)?
                    .map_or_else(|| format!("custom_tool_{n}"), str::to_owned),
                description: opt_str(t, "description", p)?.map(str::to_owned),
                parameters: CUSTOM_TOOL_SCHEMA.to_owned(),
            });
        }
        "namespace" => {
            if let Some(members) = opt_array(t, "tools", p)? {
                let mp = p.key("tools");
                for (i, m) in members.iter().enumerate() {
                    read_tool(m, &mp.index(i), req)?;
                }
            }
        }
        "web_search_preview" | "web_search" | "web_search_preview_2025_03_11" => {
            let mut opts = Object::default();
            if let Some(size) = get(t, "search_context_size") {
                opts.insert("search_context_size", size.clone());
            }
            if let Some(loc) = opt_object(t, "user_location", p)? {
                let mut approx = Object::default();
                for key in ["city", "country", "region", "timezone"] {
                    if let Some(v) = get(loc, key) {
                        approx.insert(key, v.clone());
                    }
                }
                let mut location = Object::default();
                location.insert("type", Value::String("approximate".into()));
                location.insert("approximate", Value::Object(approx));
                opts.insert("user_location", Value::Object(location));
            }
            req.web_search = Some(Value::Object(opts).to_json());
        }
        other => req.mark_unsupported(
            p.key("type").to_string(),
            format!("the hosted tool {other:?}"),
        ),
    }
    Ok(())
}

fn read_item(item: &Value, p: &Path<'_>, req: &mut Request) -> Result<(), TranslateError> {
    let o = as_object(item, p)?;
    let kind = match opt_str(o, "type", p)? {
        Some(k) => k,
        None if get(o, "role").is_some() => "message",
        None => return Err(p.key("type").missing()),
    };
    match kind {
        "message" => {
            let parts = message_content(o, p, req)?;
            match req_str(o, "role", p)? {
                "user" => req.push(Role::User, parts),
                "assistant" => req.push(Role::Assistant, parts),
                "system" | "developer" => {
                    let text: Vec<String> = parts
                        .into_iter()
                        .filter_map(|p| if let Part::Text(t) = p { Some(t) } else { None })
                        .collect();
                    req.system.push(text.join("\n"));
                }
                other => return Err(p.key("role").invalid(format!("unknown role {other:?}"))),
            }
        }
        "function_call" => req.push(
            Role::Assistant,
            vec![Part::ToolCall {
                id: req_str(o, "call_id", p)?.to_owned(),
                name: req_str(o, "name", p)?.to_owned(),
                arguments: req_str(o, "arguments", p)?.to_owned(),
            }],
        ),
        "custom_tool_call" => req.push(
            Role::Assistant,
            vec![Part::ToolCall {
                id: req_str(o, "call_id", p)?.to_owned(),
                name: req_str(o, "name", p)?.to_owned(),
                arguments: format!(
                    r#"{{"input":{}}}"#,
                    edit::json_string(req_str(o, "input", p)?)
                ),
            }],
        ),
        "function_call_output" | "custom_tool_call_output" => {
            let call_id = req_str(o, "call_id", p)?.to_owned();
            let content = match get(o, "output") {
                None => Vec::new(),
                Some(Value::String(s)) => vec![Part::Text(s.to_string())],
                Some(Value::Array(items)) => {
                    let op = p.key("output");
                    content_items(items, &op, req)?
                }
                Some(other) => vec![Part::Text(to_text(other))],
            };
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
        "reasoning" => {
            let mut text = String::new();
            if let Some(summary) = opt_array(o, "summary", p)? {
                for s in summary.iter().filter_map(Value::as_object) {
                    if let Some(Value::String(t)) = get(s, "text") {
                        if !text.is_empty() {
                            text.push('\n');
                        }
                        text.push_str(t);
                    }
                }
            }
            if !text.is_empty() {
                req.push(
                    Role::Assistant,
                    vec![Part::Reasoning {
                        text,
                        signature: None,
                    }],
                );
            }
        }
        "item_reference" => {}
        other => req.mark_unsupported(p.to_string(), format!("a {other:?} input item")),
    }
    Ok(())
}

fn message_content(
    o: &Object,
    p: &Path<'_>,
    req: &mut Request,
) -> Result<Vec<Part>, TranslateError> {
    match get(o, "content") {
        None => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![Part::Text(s.to_string())]),
        Some(Value::Array(items)) => content_items(items, &p.key("content"), req),
        Some(_) => Err(p
            .key("content")
            .type_error("a string or an array of content parts")),
    }
}

fn content_items(
    items: &[Value],
    p: &Path<'_>,
    req: &mut Request,
) -> Result<Vec<Part>, TranslateError> {
    let mut parts = Vec::with_capacity(items.len());
    for (i, c) in items.iter().enumerate() {
        let cp = p.index(i);
        let c = as_object(c, &cp)?;
        match req_str(c, "type", &cp)? {
            "input_text" | "output_text" | "text" => {
                parts.push(Part::Text(req_str(c, "text", &cp)?.to_owned()));
            }
            "refusal" => parts.push(Part::Text(req_str(c, "refusal", &cp)?.to_owned())),
            "input_image" => match opt_str(c, "image_url", &cp)? {
                Some(url) => parts.push(Part::Image(Image::from_url(url))),
                None => req.mark_unsupported(cp.to_string(), "an image given by file_id"),
            },
            "input_file" => {
                let name = opt_str(c, "filename", &cp)?.map(str::to_owned);
                if let Some(data) = opt_str(c, "file_data", &cp)? {
                    parts.push(Part::Document {
                        source: Image::from_file_data(data),
                        name,
                    });
                } else if let Some(url) = opt_str(c, "file_url", &cp)? {
                    parts.push(Part::Document {
                        source: Image::Url(url.to_owned()),
                        name,
                    });
                } else {
                    req.mark_unsupported(cp.to_string(), "a file given by file_id");
                }
            }
            other => req.mark_unsupported(cp.to_string(), format!("a {other:?} content part")),
        }
    }
    Ok(parts)
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
    fn reads_items_and_tools() {
        let r = parse(
            r#"{"model":"gpt-4o","instructions":"be brief","max_output_tokens":100,
            "tools":[{"type":"function","name":"f","parameters":{}},{"type":"custom","name":"c"},
              {"type":"web_search_preview","search_context_size":"low"}],
            "input":[{"role":"user","content":"q"},
              {"type":"function_call","call_id":"c1","name":"f","arguments":"{}"},
              {"type":"function_call","call_id":"c2","name":"f","arguments":"{}"},
              {"type":"function_call_output","call_id":"c1","output":"r"}]}"#,
        )
        .unwrap();
        assert_eq!(r.system, vec!["be brief"]);
        assert_eq!(r.tools.len(), 2);
        assert_eq!(
            r.tools[0].parameters,
            r#"{"type":"object","properties":{}}"#
        );
        assert!(r.web_search.is_some());
        assert_eq!(r.messages.len(), 3);
        assert_eq!(r.messages[1].content.len(), 2);
    }

    #[test]
    fn hosted_tools_are_unsupported() {
        let r = parse(r#"{"input":"x","tools":[{"type":"file_search"}]}"#).unwrap();
        assert!(r.unsupported.is_some());
    }
}
