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
//!   documents; for other models they are dropped. A response format has no Converse field and
//!   is dropped.

use crate::translate::error::TranslateError;
use crate::translate::ir::{Image, Part, Request, Role, ToolChoice};
use crate::translate::wire::json::{arguments_raw, Path};
use crate::translate::wire::writer::JsonWriter;
use crate::translate::ApiKind;

fn image_format<'a>(
    img: &'a Image,
    p: &Path<'_>,
) -> Result<(&'static str, &'a str), TranslateError> {
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
            Ok((format, data))
        }
        Image::Url(_) => Err(TranslateError::Unsupported {
            path: p.to_string(),
            what: "an image given by URL (Bedrock needs base64 image data)".into(),
            target: ApiKind::BedrockConverse,
        }),
    }
}

fn image_block(w: &mut JsonWriter, img: &Image, p: &Path<'_>) -> Result<(), TranslateError> {
    let (format, data) = image_format(img, p)?;
    w.begin_object()
        .key("image")
        .begin_object()
        .field("format", format);
    w.key("source")
        .begin_object()
        .field("bytes", data)
        .end_object();
    w.end_object().end_object();
    Ok(())
}

/// A Converse `document` block: inline bytes only, one of Bedrock's formats, and a name made
/// of the characters Bedrock accepts.
fn document_block(
    w: &mut JsonWriter,
    source: &Image,
    name: Option<&str>,
    p: &Path<'_>,
) -> Result<(), TranslateError> {
    let unsupported = |what: String| TranslateError::Unsupported {
        path: p.to_string(),
        what,
        target: ApiKind::BedrockConverse,
    };
    let Image::Base64 { media_type, data } = source else {
        return Err(unsupported(
            "a document given by URL (Bedrock needs base64 data)".into(),
        ));
    };
    let format = match media_type.as_str() {
        "application/pdf" => "pdf",
        "text/csv" => "csv",
        "application/msword" => "doc",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => "docx",
        "application/vnd.ms-excel" => "xls",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => "xlsx",
        "text/html" => "html",
        "text/plain" => "txt",
        "text/markdown" => "md",
        other => return Err(unsupported(format!("a document of type {other:?}"))),
    };
    let mut clean: String = name
        .unwrap_or("document")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || " -()[]".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    if clean.trim().is_empty() {
        "document".clone_into(&mut clean);
    }
    w.begin_object()
        .key("document")
        .begin_object()
        .field("format", format)
        .field("name", &clean);
    w.key("source")
        .begin_object()
        .field("bytes", data)
        .end_object();
    w.end_object().end_object();
    Ok(())
}

fn is_claude(model: Option<&str>) -> bool {
    model.is_some_and(|m| m.contains("anthropic") || m.contains("claude"))
}

/// Whether a part becomes a Converse content block.
fn is_sent(part: &Part) -> bool {
    match part {
        Part::Text(t) => !t.trim().is_empty(),
        Part::Reasoning { signature, .. } => signature.is_some(),
        _ => true,
    }
}

fn text_block(w: &mut JsonWriter, text: &str) {
    w.begin_object().field("text", text).end_object();
}

fn content_block(w: &mut JsonWriter, part: &Part, p: &Path<'_>) -> Result<(), TranslateError> {
    match part {
        Part::Text(t) => text_block(w, t),
        Part::Image(img) => image_block(w, img, p)?,
        Part::Document { source, name } => document_block(w, source, name.as_deref(), p)?,
        Part::Reasoning { text, signature } => {
            w.begin_object()
                .key("reasoningContent")
                .begin_object()
                .key("reasoningText");
            w.begin_object()
                .field("text", text)
                .field("signature", signature.as_deref().unwrap_or_default());
            w.end_object().end_object().end_object();
        }
        Part::ToolCall {
            id,
            name,
            arguments,
        } => {
            let input = arguments_raw(arguments, p)?;
            w.begin_object()
                .key("toolUse")
                .begin_object()
                .field("toolUseId", id)
                .field("name", name);
            w.key("input").raw(input).end_object().end_object();
        }
        Part::ToolResult {
            call_id,
            content,
            is_error,
            ..
        } => {
            w.begin_object()
                .key("toolResult")
                .begin_object()
                .field("toolUseId", call_id);
            w.key("content").begin_array();
            let mut any = false;
            for c in content {
                match c {
                    Part::Text(t) if !t.is_empty() => {
                        text_block(w, t);
                        any = true;
                    }
                    Part::Image(img) => {
                        image_block(w, img, p)?;
                        any = true;
                    }
                    _ => {}
                }
            }
            if !any {
                text_block(w, " ");
            }
            w.end_array()
                .field("status", if *is_error { "error" } else { "success" });
            w.end_object().end_object();
        }
    }
    Ok(())
}

pub fn write(
    req: &Request,
    model: Option<&str>,
    size_hint: usize,
) -> Result<Vec<u8>, TranslateError> {
    let mut w = JsonWriter::with_capacity(size_hint);
    w.begin_object().key("messages").begin_array();
    let root = Path::Root;
    let mp = root.key("messages");
    for (i, m) in req.messages.iter().enumerate() {
        let role = match m.role {
            Role::User => "user",
            Role::Assistant => "assistant",
        };
        w.begin_object()
            .field("role", role)
            .key("content")
            .begin_array();
        let p = mp.index(i);
        let cp = p.key("content");
        let mut any = false;
        for (j, part) in m
            .content
            .iter()
            .enumerate()
            .filter(|(_, part)| is_sent(part))
        {
            content_block(&mut w, part, &cp.index(j))?;
            any = true;
        }
        if !any {
            text_block(&mut w, " ");
        }
        w.end_array().end_object();
    }
    w.end_array();
    if req.system.iter().any(|s| !s.trim().is_empty()) {
        w.key("system").begin_array();
        for s in req.system.iter().filter(|s| !s.trim().is_empty()) {
            text_block(&mut w, s);
        }
        w.end_array();
    }
    let claude = is_claude(model.or(req.model.as_deref()));
    let thinking = claude && req.reasoning.is_some();
    let temperature = req.temperature.filter(|_| !thinking);
    let top_p = req.top_p.filter(|_| !thinking);
    if req.max_tokens.is_some() || temperature.is_some() || top_p.is_some() || !req.stop.is_empty()
    {
        w.key("inferenceConfig").begin_object();
        if let Some(n) = req.max_tokens {
            w.field("maxTokens", &n);
        }
        if let Some(t) = temperature {
            w.field("temperature", &t);
        }
        if let Some(p) = top_p {
            w.field("topP", &p);
        }
        if !req.stop.is_empty() {
            w.field("stopSequences", &req.stop);
        }
        w.end_object();
    }
    tool_config(&mut w, req);
    if claude {
        if let Some(r) = req.reasoning {
            let budget = r
                .budget_tokens
                .unwrap_or_else(|| r.effort.budget_tokens())
                .max(1024);
            w.key("additionalModelRequestFields")
                .begin_object()
                .key("thinking")
                .begin_object();
            w.field("type", "enabled")
                .field("budget_tokens", &budget)
                .end_object()
                .end_object();
        } else if let Some(k) = req.top_k {
            w.key("additionalModelRequestFields")
                .begin_object()
                .field("top_k", &k)
                .end_object();
        }
    }
    w.end_object();
    Ok(w.finish())
}

fn tool_config(w: &mut JsonWriter, req: &Request) {
    let mut called: Vec<&str> = Vec::new();
    if req.tools.is_empty() {
        if !req.has_tool_history() {
            return;
        }
        for part in req.messages.iter().flat_map(|m| &m.content) {
            if let Part::ToolCall { name, .. } = part {
                if !called.contains(&name.as_str()) {
                    called.push(name);
                }
            }
        }
        if called.is_empty() {
            return;
        }
    }
    w.key("toolConfig")
        .begin_object()
        .key("tools")
        .begin_array();
    for t in &req.tools {
        w.begin_object()
            .key("toolSpec")
            .begin_object()
            .field("name", &t.name);
        if let Some(d) = &t.description {
            w.field("description", d);
        }
        w.key("inputSchema")
            .begin_object()
            .key("json")
            .raw(&t.parameters)
            .end_object();
        w.end_object().end_object();
    }
    for name in called {
        w.begin_object()
            .key("toolSpec")
            .begin_object()
            .field("name", name);
        w.key("inputSchema")
            .begin_object()
            .key("json")
            .raw(r#"{"type":"object"}"#)
            .end_object();
        w.end_object().end_object();
    }
    w.end_array();
    match &req.tool_choice {
        Some(ToolChoice::Required) => {
            w.key("toolChoice").raw(r#"{"any":{}}"#);
        }
        Some(ToolChoice::Tool(name)) => {
            w.key("toolChoice")
                .begin_object()
                .key("tool")
                .begin_object()
                .field("name", name);
            w.end_object().end_object();
        }
        Some(ToolChoice::Auto | ToolChoice::None) if !req.tools.is_empty() => {
            w.key("toolChoice").raw(r#"{"auto":{}}"#);
        }
        _ => {}
    }
    w.end_object();
}
