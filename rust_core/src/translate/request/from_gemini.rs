//! Gemini `generateContent` request → IR (native Gemini surface, absent from the reference:
//! issue #798). The model and the streaming choice live in the URL
//! (`models/{model}:streamGenerateContent`), so the IR's `model` is `None` and `stream` false;
//! the server sets them from the path. Field names are accepted in both the documented
//! camelCase and the snake_case Google's own curl samples use. Function calls without an `id`
//! get one (`call_<n>`), and responses pair with the earliest unanswered call of the same name.

use crate::translate::error::TranslateError;
use crate::translate::ir::{
    Effort, Image, Part, Reasoning, Request, ResponseFormat, Role, Tool, ToolChoice,
};
use crate::translate::wire::json::{
    as_object, get, opt_array, opt_bool, opt_f64, opt_object, opt_str, opt_u64, req_str, to_text,
    Object, Path, Value,
};

use super::from_openai_chat::empty_schema;

/// The key as spelled in this body: camelCase unless only the snake_case spelling is present.
fn k<'a>(o: &Object, camel: &'a str, snake: &'a str) -> &'a str {
    if o.contains_key(camel) || !o.contains_key(snake) {
        camel
    } else {
        snake
    }
}

pub fn read(obj: &Object) -> Result<Request, TranslateError> {
    let root = Path::Root;
    let mut req = Request::default();
    if let Some(cfg) = opt_object(obj, k(obj, "generationConfig", "generation_config"), &root)? {
        let gp = root.key("generationConfig");
        req.max_tokens = opt_u64(cfg, k(cfg, "maxOutputTokens", "max_output_tokens"), &gp)?;
        req.temperature = opt_f64(cfg, "temperature", &gp)?;
        req.top_p = opt_f64(cfg, k(cfg, "topP", "top_p"), &gp)?;
        req.top_k = opt_u64(cfg, k(cfg, "topK", "top_k"), &gp)?;
        if let Some(stops) = opt_array(cfg, k(cfg, "stopSequences", "stop_sequences"), &gp)? {
            let sp = gp.key("stopSequences");
            for (i, s) in stops.iter().enumerate() {
                req.stop.push(
                    s.as_str()
                        .ok_or_else(|| sp.index(i).type_error("a string"))?
                        .to_owned(),
                );
            }
        }
        if opt_u64(cfg, k(cfg, "candidateCount", "candidate_count"), &gp)?.is_some_and(|n| n > 1) {
            req.mark_unsupported(
                gp.key("candidateCount").to_string(),
                "more than one candidate",
            );
        }
        let mime = opt_str(cfg, k(cfg, "responseMimeType", "response_mime_type"), &gp)?;
        if mime == Some("application/json") {
            let schema = get(cfg, k(cfg, "responseJsonSchema", "response_json_schema"))
                .or_else(|| get(cfg, k(cfg, "responseSchema", "response_schema")));
            req.response_format = Some(match schema {
                Some(s) => ResponseFormat::JsonSchema {
                    name: "response".into(),
                    description: None,
                    schema: lower_openapi_types(s),
                    strict: None,
                },
                None => ResponseFormat::JsonObject,
            });
        }
        if let Some(t) = opt_object(cfg, k(cfg, "thinkingConfig", "thinking_config"), &gp)? {
            let tp = gp.key("thinkingConfig");
            let budget = match get(t, k(t, "thinkingBudget", "thinking_budget")) {
                Some(v) => Some(
                    v.as_i64()
                        .ok_or_else(|| tp.key("thinkingBudget").type_error("an integer"))?,
                ),
                None => None,
            };
            let level = opt_str(t, k(t, "thinkingLevel", "thinking_level"), &tp)?;
            req.reasoning = match (budget, level) {
                (Some(b), _) if b > 0 => {
                    let b = b.unsigned_abs();
                    Some(Reasoning {
                        effort: Effort::from_budget_tokens(b),
                        budget_tokens: Some(b),
                    })
                }
                (_, Some(level)) => Effort::parse(level).map(|effort| Reasoning {
                    effort,
                    budget_tokens: None,
                }),
                (Some(_), None) => Some(Reasoning {
                    effort: Effort::Medium,
                    budget_tokens: None,
                }),
                (None, None) => None,
            };
        }
    }
    if let Some(si) = opt_object(
        obj,
        k(obj, "systemInstruction", "system_instruction"),
        &root,
    )? {
        let sp = root.key("systemInstruction");
        let parts = read_parts(si, &sp, &mut Vec::new(), &mut req)?;
        let text: Vec<String> = parts
            .into_iter()
            .filter_map(|p| if let Part::Text(t) = p { Some(t) } else { None })
            .collect();
        req.system.push(text.join("\n"));
    }
    read_tools(obj, &mut req)?;
    let cp = root.key("contents");
    let contents = opt_array(obj, "contents", &root)?.ok_or_else(|| cp.missing())?;
    let mut pending = Vec::new();
    for (i, c) in contents.iter().enumerate() {
        let p = cp.index(i);
        let c = as_object(c, &p)?;
        let role = match opt_str(c, "role", &p)? {
            None | Some("user" | "function") => Role::User,
            Some("model") => Role::Assistant,
            Some(other) => {
                return Err(p
                    .key("role")
                    .invalid(format!("unknown role {other:?} (expected user or model)")))
            }
        };
        let parts = read_parts(c, &p, &mut pending, &mut req)?;
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
            let decl_key = k(t, "functionDeclarations", "function_declarations");
            let Some(decls) = opt_array(t, decl_key, &p)? else {
                let kind = t.keys().next().unwrap_or("empty");
                req.mark_unsupported(p.to_string(), format!("the built-in tool {kind:?}"));
                continue;
            };
            let dp = p.key("functionDeclarations");
            for (j, d) in decls.iter().enumerate() {
                let fp = dp.index(j);
                let d = as_object(d, &fp)?;
                let params = get(d, k(d, "parametersJsonSchema", "parameters_json_schema"))
                    .or_else(|| get(d, "parameters"))
                    .map_or_else(empty_schema, lower_openapi_types);
                req.tools.push(Tool {
                    name: req_str(d, "name", &fp)?.to_owned(),
                    description: opt_str(d, "description", &fp)?.map(str::to_owned),
                    parameters: params,
                });
            }
        }
    }
    if let Some(tc) = opt_object(obj, k(obj, "toolConfig", "tool_config"), &root)? {
        let tp = root.key("toolConfig");
        if let Some(fc) = opt_object(
            tc,
            k(tc, "functionCallingConfig", "function_calling_config"),
            &tp,
        )? {
            let fp = tp.key("functionCallingConfig");
            let allowed = opt_array(
                fc,
                k(fc, "allowedFunctionNames", "allowed_function_names"),
                &fp,
            )?;
            req.tool_choice = match opt_str(fc, "mode", &fp)? {
                None | Some("AUTO" | "MODE_UNSPECIFIED" | "VALIDATED") => Some(ToolChoice::Auto),
                Some("NONE") => Some(ToolChoice::None),
                Some("ANY") => match allowed.map(Vec::as_slice) {
                    Some([Value::String(name)]) => Some(ToolChoice::Tool(name.to_string())),
                    _ => Some(ToolChoice::Required),
                },
                Some(other) => {
                    return Err(fp.key("mode").invalid(format!("unknown mode {other:?}")))
                }
            };
        }
    }
    Ok(())
}

/// Gemini's OpenAPI-style schemas spell types in upper case (`OBJECT`); JSON Schema wants them
/// lower case. Returns the schema as JSON text.
fn lower_openapi_types(v: &Value<'_>) -> String {
    fn walk(v: &mut Value<'_>) {
        match v {
            Value::Object(o) => {
                for (key, child) in &mut o.0 {
                    if key == "type" {
                        if let Value::String(s) = child {
                            if s.bytes().any(|b| b.is_ascii_uppercase()) {
                                *s = s.to_ascii_lowercase().into();
                            }
                        }
                    } else {
                        walk(child);
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(walk),
            _ => {}
        }
    }
    let mut v = v.clone();
    walk(&mut v);
    v.to_json()
}

/// Gemini carries images and documents alike as `inlineData`/`fileData`; the type decides.
fn media_part(media_type: &str, source: Image) -> Part {
    if media_type.starts_with("image/") {
        Part::Image(source)
    } else {
        Part::Document { source, name: None }
    }
}

fn read_parts(
    content: &Object,
    p: &Path<'_>,
    pending: &mut Vec<(String, String)>,
    req: &mut Request,
) -> Result<Vec<Part>, TranslateError> {
    let pp = p.key("parts");
    let Some(items) = opt_array(content, "parts", p)? else {
        return Ok(Vec::new());
    };
    let mut parts = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let ip = pp.index(i);
        let o = as_object(item, &ip)?;
        if let Some(text) = opt_str(o, "text", &ip)? {
            if opt_bool(o, "thought", &ip)?.unwrap_or(false) {
                let signature = opt_str(o, k(o, "thoughtSignature", "thought_signature"), &ip)?;
                parts.push(Part::Reasoning {
                    text: text.to_owned(),
                    signature: signature.map(str::to_owned),
                });
            } else {
                parts.push(Part::Text(text.to_owned()));
            }
        } else if let Some(d) = opt_object(o, k(o, "inlineData", "inline_data"), &ip)? {
            let dp = ip.key("inlineData");
            let media_type = req_str(d, k(d, "mimeType", "mime_type"), &dp)?;
            let source = Image::Base64 {
                media_type: media_type.to_owned(),
                data: req_str(d, "data", &dp)?.to_owned(),
            };
            parts.push(media_part(media_type, source));
        } else if let Some(d) = opt_object(o, k(o, "fileData", "file_data"), &ip)? {
            let dp = ip.key("fileData");
            let media_type = opt_str(d, k(d, "mimeType", "mime_type"), &dp)?.unwrap_or("image/*");
            let source = Image::Url(req_str(d, k(d, "fileUri", "file_uri"), &dp)?.to_owned());
            parts.push(media_part(media_type, source));
        } else if let Some(fc) = opt_object(o, k(o, "functionCall", "function_call"), &ip)? {
            let fp = ip.key("functionCall");
            let name = req_str(fc, "name", &fp)?.to_owned();
            let id = match opt_str(fc, "id", &fp)? {
                Some(id) => id.to_owned(),
                None => format!(
                    "call_{}",
                    req.messages.len() * 100 + pending.len() + parts.len()
                ),
            };
            pending.push((name.clone(), id.clone()));
            let arguments = get(fc, "args").map_or_else(|| "{}".to_owned(), to_text);
            parts.push(Part::ToolCall {
                id,
                name,
                arguments,
            });
        } else if let Some(fr) = opt_object(o, k(o, "functionResponse", "function_response"), &ip)?
        {
            let fp = ip.key("functionResponse");
            let name = req_str(fr, "name", &fp)?.to_owned();
            let call_id = match opt_str(fr, "id", &fp)? {
                Some(id) => {
                    pending.retain(|(_, pid)| pid != id);
                    id.to_owned()
                }
                None => match pending.iter().position(|(n, _)| *n == name) {
                    Some(pos) => pending.remove(pos).1,
                    None => format!("call_{name}"),
                },
            };
            let text = match get(fr, "response") {
                // The writers wrap plain text as `{"result": text}`; unwrap it again.
                Some(Value::Object(r)) if r.len() == 1 => {
                    match r.get("result").or_else(|| r.get("output")) {
                        Some(Value::String(s)) => s.to_string(),
                        _ => r.to_json(),
                    }
                }
                Some(v) => to_text(v),
                None => String::new(),
            };
            parts.push(Part::ToolResult {
                call_id,
                name: Some(name),
                content: vec![Part::Text(text)],
                is_error: false,
            });
        } else if o.contains_key("thoughtSignature") || o.contains_key("thought_signature") {
            // A bare signature part carries nothing another API can use.
        } else {
            let kind = o.keys().next().unwrap_or("empty");
            req.mark_unsupported(ip.to_string(), format!("a {kind:?} part"));
        }
    }
    Ok(parts)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::translate::wire::json::parse_object;

    #[test]
    fn reads_snake_and_camel_case_and_pairs_calls() {
        let body = r#"{"system_instruction":{"parts":[{"text":"s"}]},
          "contents":[{"role":"user","parts":[{"text":"q"},{"inline_data":{"mime_type":"image/png","data":"AA=="}}]},
            {"role":"model","parts":[{"functionCall":{"name":"f","args":{"a":1}}}]},
            {"role":"user","parts":[{"functionResponse":{"name":"f","response":{"result":"ok"}}}]}],
          "tools":[{"functionDeclarations":[{"name":"f","parameters":{"type":"OBJECT","properties":{"a":{"type":"NUMBER"}}}}]}],
          "generationConfig":{"maxOutputTokens":50,"stopSequences":["x"],"thinkingConfig":{"thinkingBudget":2048}}}"#;
        let r = read(&parse_object(body.as_bytes()).unwrap()).unwrap();
        assert_eq!(r.system, vec!["s"]);
        assert_eq!(r.max_tokens, Some(50));
        assert_eq!(
            r.tools[0].parameters,
            r#"{"type":"object","properties":{"a":{"type":"number"}}}"#
        );
        let Part::ToolCall { id, .. } = &r.messages[1].content[0] else {
            panic!()
        };
        let Part::ToolResult {
            call_id, content, ..
        } = &r.messages[2].content[0]
        else {
            panic!()
        };
        assert_eq!(id, call_id);
        assert_eq!(content, &vec![Part::Text("ok".into())]);
        assert_eq!(r.reasoning.unwrap().budget_tokens, Some(2048));
    }
}
