//! IR → Anthropic Messages request (inventory §3.7 "Chat→Messages", fixed).
//!
//! * Every system message is kept: the prompt is their join (blank line between).
//! * `max_tokens` is required by Anthropic: when the client API left it optional and the client
//!   sent none, it is [`DEFAULT_MAX_TOKENS`] (plus the thinking budget when thinking is on, as
//!   Anthropic requires `max_tokens > budget_tokens`).
//! * Reasoning effort becomes `thinking.budget_tokens` (see `Effort::budget_tokens`); with
//!   thinking on, `temperature`, `top_p` and `top_k` are dropped (Anthropic rejects them).
//! * Thinking parts are sent back only when signed (Anthropic verifies the signature).
//! * `parallel_tool_calls: false` becomes `tool_choice.disable_parallel_tool_use: true`.
//! * A response format (JSON mode, JSON schema) has no stable Anthropic field and is dropped.

use crate::translate::error::TranslateError;
use crate::translate::ir::{Image, Part, Request, Role, ToolChoice};
use crate::translate::wire::json::{arguments_raw, Path};
use crate::translate::wire::writer::JsonWriter;

/// `max_tokens` sent to Anthropic when the client did not give one.
pub const DEFAULT_MAX_TOKENS: u64 = 4096;

pub fn write(
    req: &Request,
    model: Option<&str>,
    size_hint: usize,
) -> Result<Vec<u8>, TranslateError> {
    let mut w = JsonWriter::with_capacity(size_hint);
    w.begin_object();
    if let Some(m) = model.or(req.model.as_deref()) {
        w.field("model", m);
    }
    let budget = req.reasoning.map(|r| {
        r.budget_tokens
            .unwrap_or_else(|| r.effort.budget_tokens())
            .max(1024)
    });
    let max_tokens = match (req.max_tokens, budget) {
        (Some(n), _) => n,
        (None, Some(b)) => b + DEFAULT_MAX_TOKENS,
        (None, None) => DEFAULT_MAX_TOKENS,
    };
    w.field("max_tokens", &max_tokens);
    if let Some(system) = req.system_text() {
        w.field("system", &system);
    }
    w.key("messages").begin_array();
    let mp = Path::Root;
    let mp = mp.key("messages");
    for (i, m) in req.messages.iter().enumerate() {
        let shown: Vec<&Part> = m.content.iter().filter(|p| is_sent(p)).collect();
        if shown.is_empty() {
            continue;
        }
        let role = match m.role {
            Role::User => "user",
            Role::Assistant => "assistant",
        };
        w.begin_object().field("role", role).key("content");
        if let [Part::Text(t)] = shown.as_slice() {
            w.value(t);
        } else {
            let p = mp.index(i);
            let cp = p.key("content");
            w.begin_array();
            for (j, part) in shown.into_iter().enumerate() {
                block(&mut w, part, &cp.index(j))?;
            }
            w.end_array();
        }
        w.end_object();
    }
    w.end_array();
    // Thinking needs a budget below max_tokens and at least Anthropic's minimum of 1024.
    // Anthropic allows thinking only with tool_choice auto or none: a forced tool wins.
    let forced_tool = matches!(
        req.tool_choice,
        Some(ToolChoice::Required | ToolChoice::Tool(_))
    );
    let thinking = budget
        .map(|b| b.min(max_tokens.saturating_sub(1)))
        .filter(|b| *b >= 1024 && !forced_tool);
    if let Some(b) = thinking {
        w.key("thinking")
            .begin_object()
            .field("type", "enabled")
            .field("budget_tokens", &b)
            .end_object();
    } else {
        if let Some(t) = req.temperature {
            w.field("temperature", &t);
        }
        if let Some(p) = req.top_p {
            w.field("top_p", &p);
        }
        if let Some(k) = req.top_k {
            w.field("top_k", &k);
        }
    }
    if !req.stop.is_empty() {
        w.field("stop_sequences", &req.stop);
    }
    if req.stream {
        w.field("stream", &true);
    }
    if !req.tools.is_empty() {
        w.key("tools").begin_array();
        for t in &req.tools {
            w.begin_object().field("name", &t.name);
            if let Some(d) = &t.description {
                w.field("description", d);
            }
            w.key("input_schema").raw(&t.parameters).end_object();
        }
        w.end_array();
        let choice = match &req.tool_choice {
            None if req.parallel_tool_calls == Some(false) => Some(("auto", None)),
            None => None,
            Some(ToolChoice::Auto) => Some(("auto", None)),
            Some(ToolChoice::Required) => Some(("any", None)),
            Some(ToolChoice::None) => Some(("none", None)),
            Some(ToolChoice::Tool(name)) => Some(("tool", Some(name))),
        };
        if let Some((kind, name)) = choice {
            w.key("tool_choice").begin_object().field("type", kind);
            if let Some(name) = name {
                w.field("name", name);
            }
            if req.parallel_tool_calls == Some(false) && kind != "none" {
                w.field("disable_parallel_tool_use", &true);
            }
            w.end_object();
        }
    }
    if let Some(u) = &req.user {
        w.key("metadata")
            .begin_object()
            .field("user_id", u)
            .end_object();
    }
    w.end_object();
    Ok(w.finish())
}

/// Whether a part is sent to Anthropic at all (empty text and unsigned thinking are not).
fn is_sent(part: &Part) -> bool {
    match part {
        Part::Text(t) => !t.is_empty(),
        Part::Reasoning { signature, .. } => signature.is_some(),
        _ => true,
    }
}

fn image_block(w: &mut JsonWriter, img: &Image) {
    w.begin_object()
        .field("type", "image")
        .key("source")
        .begin_object();
    match img {
        Image::Base64 { media_type, data } => {
            w.field("type", "base64")
                .field("media_type", media_type)
                .field("data", data);
        }
        Image::Url(url) => {
            w.field("type", "url").field("url", url);
        }
    }
    w.end_object().end_object();
}

fn block(w: &mut JsonWriter, part: &Part, p: &Path<'_>) -> Result<(), TranslateError> {
    match part {
        Part::Text(t) => {
            w.begin_object()
                .field("type", "text")
                .field("text", t)
                .end_object();
        }
        Part::Image(img) => image_block(w, img),
        Part::Document { source, name } => {
            w.begin_object()
                .field("type", "document")
                .key("source")
                .begin_object();
            match source {
                Image::Base64 { media_type, data } => {
                    w.field("type", "base64")
                        .field("media_type", media_type)
                        .field("data", data);
                }
                Image::Url(url) => {
                    w.field("type", "url").field("url", url);
                }
            }
            w.end_object();
            if let Some(name) = name {
                w.field("title", name);
            }
            w.end_object();
        }
        Part::Reasoning { text, signature } => {
            w.begin_object()
                .field("type", "thinking")
                .field("thinking", text);
            w.field("signature", signature.as_deref().unwrap_or_default())
                .end_object();
        }
        Part::ToolCall {
            id,
            name,
            arguments,
        } => {
            let input = arguments_raw(arguments, p)?;
            w.begin_object()
                .field("type", "tool_use")
                .field("id", id)
                .field("name", name);
            w.key("input").raw(input).end_object();
        }
        Part::ToolResult {
            call_id,
            content,
            is_error,
            ..
        } => {
            w.begin_object()
                .field("type", "tool_result")
                .field("tool_use_id", call_id)
                .key("content");
            match content.as_slice() {
                [] => {
                    w.value("");
                }
                [Part::Text(t)] => {
                    w.value(t);
                }
                many => {
                    w.begin_array();
                    for c in many {
                        match c {
                            Part::Text(t) => {
                                w.begin_object()
                                    .field("type", "text")
                                    .field("text", t)
                                    .end_object();
                            }
                            Part::Image(img) => image_block(w, img),
                            _ => {}
                        }
                    }
                    w.end_array();
                }
            }
            if *is_error {
                w.field("is_error", &true);
            }
            w.end_object();
        }
    }
    Ok(())
}
