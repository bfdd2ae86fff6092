//! IR → OpenAI Chat Completions request (inventory §3.7 "Messages→Chat", "Responses→Chat";
//! §3.6 body-shape quirks).
//!
//! * The system prompt becomes one leading `system` message.
//! * Tool results become `tool` messages placed before the rest of their user turn; images in a
//!   tool result (Chat tool messages are text-only) move to a user message right after them.
//! * Reasoning parts are not sent back: Chat has no input field for them (DeepSeek rejects
//!   `reasoning_content` in requests).
//! * `stream: true` forces `stream_options.include_usage` so the gateway sees usage.
//! * Reasoning models (`o1`/`o3`/`o4`…, `gpt-5` except `gpt-5-chat`) take
//!   `max_completion_tokens` and no sampling parameters; other models get `max_tokens`, which
//!   every OpenAI-compatible server understands. `top_k` is not an OpenAI field and is dropped.

use serde_json::{json, Map, Value};

use crate::translate::ir::{Part, Request, Role, ToolChoice};
use crate::translate::wire::json::Object;

/// The model id without a router prefix (`openai/`, `openrouter/`).
fn bare(model: &str) -> &str {
    model.rsplit('/').next().unwrap_or(model)
}

/// Whether the model is an OpenAI reasoning model with the restricted parameter set.
pub fn is_reasoning_model(model: &str) -> bool {
    let m = bare(model);
    let o_series =
        m.len() >= 2 && m.starts_with('o') && m.as_bytes().get(1).is_some_and(u8::is_ascii_digit);
    o_series || (m.starts_with("gpt-5") && !m.starts_with("gpt-5-chat"))
}

pub fn write(req: &Request, model: Option<&str>) -> Value {
    let mut out = Object::new();
    let model = model.or(req.model.as_deref());
    if let Some(m) = model {
        out.insert("model".into(), json!(m));
    }
    let mut messages = Vec::with_capacity(req.messages.len() + 1);
    if let Some(system) = req.system_text() {
        messages.push(json!({"role": "system", "content": system}));
    }
    for m in &req.messages {
        match m.role {
            Role::User => write_user(&m.content, &mut messages),
            Role::Assistant => write_assistant(&m.content, &mut messages),
        }
    }
    out.insert("messages".into(), Value::Array(messages));
    let reasoning_model = model.is_some_and(is_reasoning_model);
    if let Some(n) = req.max_tokens {
        let key = if reasoning_model {
            "max_completion_tokens"
        } else {
            "max_tokens"
        };
        out.insert(key.into(), json!(n));
    }
    if !reasoning_model {
        if let Some(t) = req.temperature {
            out.insert("temperature".into(), json!(t));
        }
        if let Some(p) = req.top_p {
            out.insert("top_p".into(), json!(p));
        }
    }
    if !req.stop.is_empty() {
        out.insert("stop".into(), json!(req.stop));
    }
    if req.stream {
        out.insert("stream".into(), json!(true));
        out.insert("stream_options".into(), json!({"include_usage": true}));
    }
    if !req.tools.is_empty() {
        let tools: Vec<Value> = req
            .tools
            .iter()
            .map(|t| {
                let mut f = Map::new();
                f.insert("name".into(), json!(t.name));
                if let Some(d) = &t.description {
                    f.insert("description".into(), json!(d));
                }
                f.insert("parameters".into(), t.parameters.clone());
                json!({"type": "function", "function": f})
            })
            .collect();
        out.insert("tools".into(), Value::Array(tools));
        if let Some(p) = req.parallel_tool_calls {
            out.insert("parallel_tool_calls".into(), json!(p));
        }
    }
    if let Some(choice) = &req.tool_choice {
        out.insert(
            "tool_choice".into(),
            match choice {
                ToolChoice::Auto => json!("auto"),
                ToolChoice::Required => json!("required"),
                ToolChoice::None => json!("none"),
                ToolChoice::Tool(name) => json!({"type": "function", "function": {"name": name}}),
            },
        );
    }
    if let Some(r) = req.reasoning {
        out.insert("reasoning_effort".into(), json!(r.effort.as_str()));
    }
    if let Some(u) = &req.user {
        out.insert("user".into(), json!(u));
    }
    if let Some(ws) = &req.web_search {
        out.insert("web_search_options".into(), Value::Object(ws.clone()));
    }
    Value::Object(out)
}

fn text_of(parts: &[Part]) -> String {
    let mut s = String::new();
    for p in parts {
        if let Part::Text(t) = p {
            s.push_str(t);
        }
    }
    s
}

fn content_value(parts: &[&Part]) -> Value {
    if let [Part::Text(t)] = parts {
        return json!(t);
    }
    Value::Array(
        parts
            .iter()
            .filter_map(|p| match p {
                Part::Text(t) => Some(json!({"type": "text", "text": t})),
                Part::Image(img) => {
                    Some(json!({"type": "image_url", "image_url": {"url": img.to_url()}}))
                }
                _ => None,
            })
            .collect(),
    )
}

fn write_user(parts: &[Part], messages: &mut Vec<Value>) {
    let mut rest: Vec<&Part> = Vec::new();
    let mut moved_images: Vec<&Part> = Vec::new();
    for p in parts {
        match p {
            Part::ToolResult {
                call_id,
                content,
                is_error,
                ..
            } => {
                let mut text = text_of(content);
                if *is_error && !text.starts_with("Error") {
                    text.insert_str(0, "Error: ");
                }
                moved_images.extend(content.iter().filter(|c| matches!(c, Part::Image(_))));
                messages.push(json!({"role": "tool", "tool_call_id": call_id, "content": text}));
            }
            Part::Text(_) | Part::Image(_) => rest.push(p),
            _ => {}
        }
    }
    moved_images.extend(rest);
    if !moved_images.is_empty() {
        messages.push(json!({"role": "user", "content": content_value(&moved_images)}));
    }
}

fn write_assistant(parts: &[Part], messages: &mut Vec<Value>) {
    let text = text_of(parts);
    let calls: Vec<Value> = parts
        .iter()
        .filter_map(|p| match p {
            Part::ToolCall {
                id,
                name,
                arguments,
            } => Some(json!({
                "id": id, "type": "function", "function": {"name": name, "arguments": arguments},
            })),
            _ => None,
        })
        .collect();
    let mut m = Object::new();
    m.insert("role".into(), json!("assistant"));
    m.insert(
        "content".into(),
        if text.is_empty() && !calls.is_empty() {
            Value::Null
        } else {
            json!(text)
        },
    );
    if !calls.is_empty() {
        m.insert("tool_calls".into(), Value::Array(calls));
    }
    messages.push(Value::Object(m));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasoning_models_are_recognised() {
        assert!(is_reasoning_model("o3"));
        assert!(is_reasoning_model("o4-mini"));
        assert!(is_reasoning_model("openrouter/o3-mini"));
        assert!(is_reasoning_model("gpt-5-mini"));
        assert!(!is_reasoning_model("gpt-5-chat-latest"));
        assert!(!is_reasoning_model("gpt-4o"));
        assert!(!is_reasoning_model("ollama"));
    }
}
