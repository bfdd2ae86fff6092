//! IR → Gemini `generateContent` / `streamGenerateContent` request body. The model and the
//! streaming choice live in the URL, so neither is in the body.
//!
//! * System prompts → `systemInstruction` (joined).
//! * Tool parameters go in `parametersJsonSchema`, which takes full JSON Schema (the older
//!   `parameters` field rejects common keywords such as `additionalProperties`).
//! * A tool result needs the function's name: it is looked up from the matching call. Text that
//!   is a JSON object is sent as the response object; other text as `{"result": text}`
//!   (`{"error": text}` for failed calls). Call ids are not sent (Gemini pairs by order).
//! * URL images become `fileData` with a media type guessed from the extension.
//! * Reasoning parts are not sent back (Gemini replays thoughts through signatures we lack).

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::translate::error::TranslateError;
use crate::translate::ir::{Image, Part, Request, Role, ToolChoice};
use crate::translate::wire::json::{arguments_value, Object, Path};

fn guess_media_type(url: &str) -> &'static str {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let ext = path.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "png" => "image/png",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "pdf" => "application/pdf",
        _ => "image/jpeg",
    }
}

fn image_part(img: &Image) -> Value {
    match img {
        Image::Base64 { media_type, data } => {
            json!({"inlineData": {"mimeType": media_type, "data": data}})
        }
        Image::Url(url) => json!({"fileData": {"mimeType": guess_media_type(url), "fileUri": url}}),
    }
}

pub fn write(req: &Request) -> Result<Value, TranslateError> {
    let mut out = Object::new();
    let names: HashMap<&str, &str> = req
        .messages
        .iter()
        .flat_map(|m| &m.content)
        .filter_map(|p| match p {
            Part::ToolCall { id, name, .. } => Some((id.as_str(), name.as_str())),
            _ => None,
        })
        .collect();
    let root = Path::Root;
    let mp = root.key("messages");
    let mut contents = Vec::with_capacity(req.messages.len());
    for (i, m) in req.messages.iter().enumerate() {
        let p = mp.index(i);
        let mut parts = Vec::with_capacity(m.content.len());
        for (j, part) in m.content.iter().enumerate() {
            match part {
                Part::Text(t) if t.is_empty() => {}
                Part::Text(t) => parts.push(json!({"text": t})),
                Part::Image(img) => parts.push(image_part(img)),
                Part::Reasoning { .. } => {}
                Part::ToolCall {
                    name, arguments, ..
                } => {
                    let pp = p.key("content");
                    let args = arguments_value(arguments, &pp.index(j))?;
                    parts.push(json!({"functionCall": {"name": name, "args": args}}));
                }
                Part::ToolResult {
                    call_id,
                    name,
                    content,
                    is_error,
                } => {
                    let fname = names
                        .get(call_id.as_str())
                        .copied()
                        .or(name.as_deref())
                        .unwrap_or(call_id.as_str());
                    let mut text = String::new();
                    for c in content {
                        if let Part::Text(t) = c {
                            text.push_str(t);
                        }
                    }
                    let response = match serde_json::from_str::<Value>(&text) {
                        Ok(obj @ Value::Object(_)) if !is_error => obj,
                        _ if *is_error => json!({"error": text}),
                        _ => json!({"result": text}),
                    };
                    parts.push(json!({"functionResponse": {"name": fname, "response": response}}));
                    for c in content {
                        if let Part::Image(img) = c {
                            parts.push(image_part(img));
                        }
                    }
                }
            }
        }
        if parts.is_empty() {
            continue;
        }
        let role = match m.role {
            Role::User => "user",
            Role::Assistant => "model",
        };
        contents.push(json!({"role": role, "parts": parts}));
    }
    out.insert("contents".into(), Value::Array(contents));
    if let Some(system) = req.system_text() {
        out.insert(
            "systemInstruction".into(),
            json!({"parts": [{"text": system}]}),
        );
    }
    if !req.tools.is_empty() {
        let decls: Vec<Value> = req
            .tools
            .iter()
            .map(|t| {
                let mut d = Object::new();
                d.insert("name".into(), json!(t.name));
                if let Some(desc) = &t.description {
                    d.insert("description".into(), json!(desc));
                }
                d.insert("parametersJsonSchema".into(), t.parameters.clone());
                Value::Object(d)
            })
            .collect();
        out.insert("tools".into(), json!([{"functionDeclarations": decls}]));
    }
    if let Some(choice) = &req.tool_choice {
        let config = match choice {
            ToolChoice::Auto => json!({"mode": "AUTO"}),
            ToolChoice::Required => json!({"mode": "ANY"}),
            ToolChoice::None => json!({"mode": "NONE"}),
            ToolChoice::Tool(name) => json!({"mode": "ANY", "allowedFunctionNames": [name]}),
        };
        out.insert(
            "toolConfig".into(),
            json!({"functionCallingConfig": config}),
        );
    }
    let mut gen = Object::new();
    if let Some(n) = req.max_tokens {
        gen.insert("maxOutputTokens".into(), json!(n));
    }
    if let Some(t) = req.temperature {
        gen.insert("temperature".into(), json!(t));
    }
    if let Some(p) = req.top_p {
        gen.insert("topP".into(), json!(p));
    }
    if let Some(k) = req.top_k {
        gen.insert("topK".into(), json!(k));
    }
    if !req.stop.is_empty() {
        gen.insert("stopSequences".into(), json!(req.stop));
    }
    if let Some(r) = req.reasoning {
        let budget = r.budget_tokens.unwrap_or_else(|| r.effort.budget_tokens());
        gen.insert(
            "thinkingConfig".into(),
            json!({"thinkingBudget": budget, "includeThoughts": true}),
        );
    }
    if !gen.is_empty() {
        out.insert("generationConfig".into(), Value::Object(gen));
    }
    Ok(Value::Object(out))
}
