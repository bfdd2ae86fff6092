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

use serde_json::value::RawValue;

use crate::translate::error::TranslateError;
use crate::translate::ir::{Image, Part, Request, ResponseFormat, Role, ToolChoice};
use crate::translate::wire::json::{arguments_raw, Path};
use crate::translate::wire::writer::JsonWriter;

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

fn image_part(w: &mut JsonWriter, img: &Image) {
    w.begin_object();
    match img {
        Image::Base64 { media_type, data } => {
            w.key("inlineData")
                .begin_object()
                .field("mimeType", media_type)
                .field("data", data);
        }
        Image::Url(url) => {
            w.key("fileData")
                .begin_object()
                .field("mimeType", guess_media_type(url));
            w.field("fileUri", url);
        }
    }
    w.end_object().end_object();
}

fn is_sent(part: &Part) -> bool {
    match part {
        Part::Text(t) => !t.is_empty(),
        Part::Reasoning { .. } => false,
        _ => true,
    }
}

pub fn write(req: &Request, size_hint: usize) -> Result<Vec<u8>, TranslateError> {
    let names: HashMap<&str, &str> = req
        .messages
        .iter()
        .flat_map(|m| &m.content)
        .filter_map(|p| match p {
            Part::ToolCall { id, name, .. } => Some((id.as_str(), name.as_str())),
            _ => None,
        })
        .collect();
    let mut w = JsonWriter::with_capacity(size_hint);
    w.begin_object().key("contents").begin_array();
    let root = Path::Root;
    let mp = root.key("messages");
    for (i, m) in req.messages.iter().enumerate() {
        if !m.content.iter().any(is_sent) {
            continue;
        }
        let role = match m.role {
            Role::User => "user",
            Role::Assistant => "model",
        };
        w.begin_object()
            .field("role", role)
            .key("parts")
            .begin_array();
        let p = mp.index(i);
        let cp = p.key("content");
        for (j, part) in m.content.iter().enumerate() {
            match part {
                Part::Text(t) if t.is_empty() => {}
                Part::Text(t) => {
                    w.begin_object().field("text", t).end_object();
                }
                Part::Image(img) | Part::Document { source: img, .. } => image_part(&mut w, img),
                Part::Reasoning { .. } => {}
                Part::ToolCall {
                    name, arguments, ..
                } => {
                    let args = arguments_raw(arguments, &cp.index(j))?;
                    w.begin_object()
                        .key("functionCall")
                        .begin_object()
                        .field("name", name);
                    w.key("args").raw(args).end_object().end_object();
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
                    w.begin_object()
                        .key("functionResponse")
                        .begin_object()
                        .field("name", fname);
                    w.key("response");
                    match serde_json::from_str::<&RawValue>(&text) {
                        Ok(raw) if !is_error && raw.get().starts_with('{') => {
                            w.raw(raw.get());
                        }
                        _ => {
                            let key = if *is_error { "error" } else { "result" };
                            w.begin_object().field(key, &text).end_object();
                        }
                    }
                    w.end_object().end_object();
                    for c in content {
                        if let Part::Image(img) = c {
                            image_part(&mut w, img);
                        }
                    }
                }
            }
        }
        w.end_array().end_object();
    }
    w.end_array();
    if let Some(system) = req.system_text() {
        w.key("systemInstruction")
            .begin_object()
            .key("parts")
            .begin_array();
        w.begin_object().field("text", &system).end_object();
        w.end_array().end_object();
    }
    if !req.tools.is_empty() {
        w.key("tools")
            .begin_array()
            .begin_object()
            .key("functionDeclarations")
            .begin_array();
        for t in &req.tools {
            w.begin_object().field("name", &t.name);
            if let Some(desc) = &t.description {
                w.field("description", desc);
            }
            w.key("parametersJsonSchema")
                .raw(&t.parameters)
                .end_object();
        }
        w.end_array().end_object().end_array();
    }
    if let Some(choice) = &req.tool_choice {
        w.key("toolConfig")
            .begin_object()
            .key("functionCallingConfig")
            .begin_object();
        match choice {
            ToolChoice::Auto => {
                w.field("mode", "AUTO");
            }
            ToolChoice::Required => {
                w.field("mode", "ANY");
            }
            ToolChoice::None => {
                w.field("mode", "NONE");
            }
            ToolChoice::Tool(name) => {
                w.field("mode", "ANY")
                    .key("allowedFunctionNames")
                    .begin_array()
                    .value(name)
                    .end_array();
            }
        }
        w.end_object().end_object();
    }
    let json_mode = matches!(
        req.response_format,
        Some(ResponseFormat::JsonObject | ResponseFormat::JsonSchema { .. })
    );
    let has_config = req.max_tokens.is_some()
        || req.temperature.is_some()
        || req.top_p.is_some()
        || req.top_k.is_some()
        || !req.stop.is_empty()
        || req.reasoning.is_some()
        || json_mode;
    if has_config {
        w.key("generationConfig").begin_object();
        if let Some(n) = req.max_tokens {
            w.field("maxOutputTokens", &n);
        }
        if let Some(t) = req.temperature {
            w.field("temperature", &t);
        }
        if let Some(p) = req.top_p {
            w.field("topP", &p);
        }
        if let Some(k) = req.top_k {
            w.field("topK", &k);
        }
        if !req.stop.is_empty() {
            w.field("stopSequences", &req.stop);
        }
        if json_mode {
            w.field("responseMimeType", "application/json");
        }
        if let Some(ResponseFormat::JsonSchema { schema, .. }) = &req.response_format {
            w.key("responseJsonSchema").raw(schema);
        }
        if let Some(r) = req.reasoning {
            let budget = r.budget_tokens.unwrap_or_else(|| r.effort.budget_tokens());
            w.key("thinkingConfig")
                .begin_object()
                .field("thinkingBudget", &budget);
            w.field("includeThoughts", &true).end_object();
        }
        w.end_object();
    }
    w.end_object();
    Ok(w.finish())
}
