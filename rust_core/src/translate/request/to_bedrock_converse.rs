//! IR → Bedrock Converse request body, for `/model/{id}/converse` and `/converse-stream`
//! (inventory §3.7 "Chat→Converse", "Messages→Converse"). The model and the streaming choice
//! live in the URL, so neither is in the body.
//!
//! * System prompts → `system` text blocks (all kept, one block each).
//! * Images must be inline (Bedrock takes bytes only): a URL image is a clear error.
//! * Blank text is forbidden by Bedrock: empty text is dropped and an otherwise empty turn gets
//!   a single space.
//! * `toolConfig` is required whenever the history holds tool blocks, even without tools; then
//!   minimal specs are synthesized from the called names. Bedrock has no `none` tool choice:
//!   the choice is left to the model (`auto`).
//! * For Claude models, `top_k` and thinking go to `additionalModelRequestFields`, as Bedrock
//!   documents; for other models they are dropped.

use serde_json::{json, Value};

use crate::translate::error::TranslateError;
use crate::translate::ir::{Image, Part, Request, Role, ToolChoice};
use crate::translate::wire::json::{arguments_value, Object, Path};
use crate::translate::ApiKind;

fn image_block(img: &Image, p: &Path<'_>) -> Result<Value, TranslateError> {
    match img {
        Image::Base64 { media_type, data } => {
            let format = match media_type.as_str() {
                "image/png" => "png",
                "image/jpeg" | "image/jpg" => "jpeg",
                "image/gif" => "gif",
                "image/webp" => "webp",
                other => {
                    return Err(TranslateError::Unsupported {
                        path: p.to_string(),
                        what: format!(
                            "an image of type {other:?} (Bedrock takes png, jpeg, gif, webp)"
                        ),
                        target: ApiKind::BedrockConverse,
                    })
                }
            };
            Ok(json!({"image": {"format": format, "source": {"bytes": data}}}))
        }
        Image::Url(_) => Err(TranslateError::Unsupported {
            path: p.to_string(),
            what: "an image given by URL (Bedrock needs base64 image data)".into(),
            target: ApiKind::BedrockConverse,
        }),
    }
}

fn is_claude(model: Option<&str>) -> bool {
    model.is_some_and(|m| m.contains("anthropic") || m.contains("claude"))
}

pub fn write(req: &Request, model: Option<&str>) -> Result<Value, TranslateError> {
    let mut out = Object::new();
    let root = Path::Root;
    let mp = root.key("messages");
    let mut messages = Vec::with_capacity(req.messages.len());
    for (i, m) in req.messages.iter().enumerate() {
        let p = mp.index(i);
        let mut content = Vec::with_capacity(m.content.len());
        for (j, part) in m.content.iter().enumerate() {
            let pp = p.key("content");
            let pp = pp.index(j);
            match part {
                Part::Text(t) if t.trim().is_empty() => {}
                Part::Text(t) => content.push(json!({"text": t})),
                Part::Image(img) => content.push(image_block(img, &pp)?),
                Part::Reasoning { text, signature: Some(sig) } => content.push(json!({
                    "reasoningContent": {"reasoningText": {"text": text, "signature": sig}},
                })),
                Part::Reasoning { signature: None, .. } => {}
                Part::ToolCall { id, name, arguments } => content.push(json!({
                    "toolUse": {"toolUseId": id, "name": name, "input": arguments_value(arguments, &pp)?},
                })),
                Part::ToolResult { call_id, content: result, is_error, .. } => {
                    let mut blocks = Vec::with_capacity(result.len());
                    for c in result {
                        match c {
                            Part::Text(t) if !t.is_empty() => blocks.push(json!({"text": t})),
                            Part::Image(img) => blocks.push(image_block(img, &pp)?),
                            _ => {}
                        }
                    }
                    if blocks.is_empty() {
                        blocks.push(json!({"text": " "}));
                    }
                    content.push(json!({"toolResult": {
                        "toolUseId": call_id,
                        "content": blocks,
                        "status": if *is_error { "error" } else { "success" },
                    }}));
                }
            }
        }
        if content.is_empty() {
            content.push(json!({"text": " "}));
        }
        let role = match m.role {
            Role::User => "user",
            Role::Assistant => "assistant",
        };
        messages.push(json!({"role": role, "content": content}));
    }
    out.insert("messages".into(), Value::Array(messages));
    if !req.system.is_empty() {
        let blocks: Vec<Value> = req
            .system
            .iter()
            .filter(|s| !s.trim().is_empty())
            .map(|s| json!({"text": s}))
            .collect();
        if !blocks.is_empty() {
            out.insert("system".into(), Value::Array(blocks));
        }
    }
    let mut inference = Object::new();
    if let Some(n) = req.max_tokens {
        inference.insert("maxTokens".into(), json!(n));
    }
    let claude = is_claude(model.or(req.model.as_deref()));
    let thinking = claude && req.reasoning.is_some();
    if !thinking {
        if let Some(t) = req.temperature {
            inference.insert("temperature".into(), json!(t));
        }
        if let Some(p) = req.top_p {
            inference.insert("topP".into(), json!(p));
        }
    }
    if !req.stop.is_empty() {
        inference.insert("stopSequences".into(), json!(req.stop));
    }
    if !inference.is_empty() {
        out.insert("inferenceConfig".into(), Value::Object(inference));
    }
    if let Some(tool_config) = tool_config(req) {
        out.insert("toolConfig".into(), tool_config);
    }
    let mut extra = Object::new();
    if claude {
        if let Some(r) = req.reasoning {
            let budget = r
                .budget_tokens
                .unwrap_or_else(|| r.effort.budget_tokens())
                .max(1024);
            extra.insert(
                "thinking".into(),
                json!({"type": "enabled", "budget_tokens": budget}),
            );
        } else if let Some(k) = req.top_k {
            extra.insert("top_k".into(), json!(k));
        }
    }
    if !extra.is_empty() {
        out.insert("additionalModelRequestFields".into(), Value::Object(extra));
    }
    Ok(Value::Object(out))
}

fn tool_config(req: &Request) -> Option<Value> {
    let mut specs: Vec<Value> = req
        .tools
        .iter()
        .map(|t| {
            let mut spec = Object::new();
            spec.insert("name".into(), json!(t.name));
            if let Some(d) = &t.description {
                spec.insert("description".into(), json!(d));
            }
            spec.insert("inputSchema".into(), json!({"json": t.parameters}));
            json!({"toolSpec": spec})
        })
        .collect();
    if specs.is_empty() {
        if !req.has_tool_history() {
            return None;
        }
        let mut names: Vec<&str> = Vec::new();
        for part in req.messages.iter().flat_map(|m| &m.content) {
            if let Part::ToolCall { name, .. } = part {
                if !names.contains(&name.as_str()) {
                    names.push(name);
                }
            }
        }
        specs = names
            .into_iter()
            .map(|n| json!({"toolSpec": {"name": n, "inputSchema": {"json": {"type": "object"}}}}))
            .collect();
        if specs.is_empty() {
            return None;
        }
    }
    let mut config = json!({"tools": specs});
    let choice = match &req.tool_choice {
        Some(ToolChoice::Required) => Some(json!({"any": {}})),
        Some(ToolChoice::Tool(name)) => Some(json!({"tool": {"name": name}})),
        Some(ToolChoice::Auto | ToolChoice::None) if !req.tools.is_empty() => {
            Some(json!({"auto": {}}))
        }
        _ => None,
    };
    if let Some(c) = choice {
        config["toolChoice"] = c;
    }
    Some(config)
}
