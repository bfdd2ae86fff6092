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

use serde_json::{json, Value};

use crate::translate::error::TranslateError;
use crate::translate::ir::{Image, Part, Request, Role, ToolChoice};
use crate::translate::wire::json::{arguments_value, Object, Path};

/// `max_tokens` sent to Anthropic when the client did not give one.
pub const DEFAULT_MAX_TOKENS: u64 = 4096;

pub fn write(req: &Request, model: Option<&str>) -> Result<Value, TranslateError> {
    let mut out = Object::new();
    if let Some(m) = model.or(req.model.as_deref()) {
        out.insert("model".into(), json!(m));
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
    out.insert("max_tokens".into(), json!(max_tokens));
    if let Some(system) = req.system_text() {
        out.insert("system".into(), json!(system));
    }
    let mut messages = Vec::with_capacity(req.messages.len());
    let mp = Path::Root;
    let mp = mp.key("messages");
    for (i, m) in req.messages.iter().enumerate() {
        let p = mp.index(i);
        let blocks = blocks(&m.content, &p)?;
        if blocks.is_empty() {
            continue;
        }
        let role = match m.role {
            Role::User => "user",
            Role::Assistant => "assistant",
        };
        let content = match blocks.as_slice() {
            [b] if b.get("type").and_then(Value::as_str) == Some("text") => b["text"].clone(),
            _ => Value::Array(blocks),
        };
        messages.push(json!({"role": role, "content": content}));
    }
    out.insert("messages".into(), Value::Array(messages));
    // Thinking needs a budget below max_tokens and at least Anthropic's minimum of 1024.
    let thinking = budget
        .map(|b| b.min(max_tokens.saturating_sub(1)))
        .filter(|b| *b >= 1024);
    if let Some(b) = thinking {
        out.insert(
            "thinking".into(),
            json!({"type": "enabled", "budget_tokens": b}),
        );
    } else {
        if let Some(t) = req.temperature {
            out.insert("temperature".into(), json!(t));
        }
        if let Some(p) = req.top_p {
            out.insert("top_p".into(), json!(p));
        }
        if let Some(k) = req.top_k {
            out.insert("top_k".into(), json!(k));
        }
    }
    if !req.stop.is_empty() {
        out.insert("stop_sequences".into(), json!(req.stop));
    }
    if req.stream {
        out.insert("stream".into(), json!(true));
    }
    if !req.tools.is_empty() {
        let tools: Vec<Value> = req
            .tools
            .iter()
            .map(|t| {
                let mut o = Object::new();
                o.insert("name".into(), json!(t.name));
                if let Some(d) = &t.description {
                    o.insert("description".into(), json!(d));
                }
                o.insert("input_schema".into(), t.parameters.clone());
                Value::Object(o)
            })
            .collect();
        out.insert("tools".into(), Value::Array(tools));
        let mut choice = match &req.tool_choice {
            None if req.parallel_tool_calls == Some(false) => Some(json!({"type": "auto"})),
            None => None,
            Some(ToolChoice::Auto) => Some(json!({"type": "auto"})),
            Some(ToolChoice::Required) => Some(json!({"type": "any"})),
            Some(ToolChoice::None) => Some(json!({"type": "none"})),
            Some(ToolChoice::Tool(name)) => Some(json!({"type": "tool", "name": name})),
        };
        if let (Some(Value::Object(c)), Some(false)) = (&mut choice, req.parallel_tool_calls) {
            if c.get("type").and_then(Value::as_str) != Some("none") {
                c.insert("disable_parallel_tool_use".into(), json!(true));
            }
        }
        if let Some(c) = choice {
            out.insert("tool_choice".into(), c);
        }
    }
    if let Some(u) = &req.user {
        out.insert("metadata".into(), json!({"user_id": u}));
    }
    Ok(Value::Object(out))
}

fn image_block(img: &Image) -> Value {
    match img {
        Image::Base64 { media_type, data } => json!({
            "type": "image", "source": {"type": "base64", "media_type": media_type, "data": data},
        }),
        Image::Url(url) => json!({"type": "image", "source": {"type": "url", "url": url}}),
    }
}

fn blocks(parts: &[Part], p: &Path<'_>) -> Result<Vec<Value>, TranslateError> {
    let mut out = Vec::with_capacity(parts.len());
    for (i, part) in parts.iter().enumerate() {
        match part {
            Part::Text(t) if t.is_empty() => {}
            Part::Text(t) => out.push(json!({"type": "text", "text": t})),
            Part::Image(img) => out.push(image_block(img)),
            Part::Reasoning {
                text,
                signature: Some(sig),
            } => {
                out.push(json!({"type": "thinking", "thinking": text, "signature": sig}));
            }
            Part::Reasoning {
                signature: None, ..
            } => {}
            Part::ToolCall {
                id,
                name,
                arguments,
            } => {
                let input = arguments_value(arguments, &p.key("content").index(i))?;
                out.push(json!({"type": "tool_use", "id": id, "name": name, "input": input}));
            }
            Part::ToolResult {
                call_id,
                content,
                is_error,
                ..
            } => {
                let content = match content.as_slice() {
                    [] => json!(""),
                    [Part::Text(t)] => json!(t),
                    many => Value::Array(
                        many.iter()
                            .filter_map(|c| match c {
                                Part::Text(t) => Some(json!({"type": "text", "text": t})),
                                Part::Image(img) => Some(image_block(img)),
                                _ => None,
                            })
                            .collect(),
                    ),
                };
                let mut b =
                    json!({"type": "tool_result", "tool_use_id": call_id, "content": content});
                if *is_error {
                    b["is_error"] = json!(true);
                }
                out.push(b);
            }
        }
    }
    Ok(out)
}
