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

use crate::translate::ir::{Part, Request, ResponseFormat, Role, ToolChoice};
use crate::translate::wire::writer::JsonWriter;

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

pub fn write(req: &Request, model: Option<&str>, size_hint: usize) -> Vec<u8> {
    let mut w = JsonWriter::with_capacity(size_hint);
    w.begin_object();
    let model = model.or(req.model.as_deref());
    if let Some(m) = model {
        w.field("model", m);
    }
    w.key("messages").begin_array();
    if let Some(system) = req.system_text() {
        w.begin_object()
            .field("role", "system")
            .field("content", &system)
            .end_object();
    }
    for m in &req.messages {
        match m.role {
            Role::User => write_user(&mut w, &m.content),
            Role::Assistant => write_assistant(&mut w, &m.content),
        }
    }
    w.end_array();
    let reasoning_model = model.is_some_and(is_reasoning_model);
    if let Some(n) = req.max_tokens {
        w.field(
            if reasoning_model {
                "max_completion_tokens"
            } else {
                "max_tokens"
            },
            &n,
        );
    }
    if !reasoning_model {
        if let Some(t) = req.temperature {
            w.field("temperature", &t);
        }
        if let Some(p) = req.top_p {
            w.field("top_p", &p);
        }
    }
    if !req.stop.is_empty() {
        w.field("stop", &req.stop);
    }
    if req.stream {
        w.field("stream", &true)
            .key("stream_options")
            .raw(r#"{"include_usage":true}"#);
    }
    if !req.tools.is_empty() {
        w.key("tools").begin_array();
        for t in &req.tools {
            w.begin_object()
                .field("type", "function")
                .key("function")
                .begin_object();
            w.field("name", &t.name);
            if let Some(d) = &t.description {
                w.field("description", d);
            }
            w.key("parameters")
                .raw(&t.parameters)
                .end_object()
                .end_object();
        }
        w.end_array();
        if let Some(p) = req.parallel_tool_calls {
            w.field("parallel_tool_calls", &p);
        }
    }
    if let Some(choice) = &req.tool_choice {
        w.key("tool_choice");
        match choice {
            ToolChoice::Auto => {
                w.value("auto");
            }
            ToolChoice::Required => {
                w.value("required");
            }
            ToolChoice::None => {
                w.value("none");
            }
            ToolChoice::Tool(name) => {
                w.begin_object()
                    .field("type", "function")
                    .key("function")
                    .begin_object();
                w.field("name", name).end_object().end_object();
            }
        }
    }
    if let Some(r) = req.reasoning {
        w.field("reasoning_effort", r.effort.as_str());
    }
    if let Some(u) = &req.user {
        w.field("user", u);
    }
    if let Some(rf) = &req.response_format {
        w.key("response_format").begin_object();
        match rf {
            ResponseFormat::Text => {
                w.field("type", "text");
            }
            ResponseFormat::JsonObject => {
                w.field("type", "json_object");
            }
            ResponseFormat::JsonSchema {
                name,
                description,
                schema,
                strict,
            } => {
                w.field("type", "json_schema")
                    .key("json_schema")
                    .begin_object()
                    .field("name", name);
                if let Some(d) = description {
                    w.field("description", d);
                }
                w.key("schema").raw(schema);
                if let Some(s) = strict {
                    w.field("strict", s);
                }
                w.end_object();
            }
        }
        w.end_object();
    }
    if let Some(ws) = &req.web_search {
        w.key("web_search_options").raw(ws);
    }
    w.end_object();
    w.finish()
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

fn content_value(w: &mut JsonWriter, parts: &[&Part]) {
    if let [Part::Text(t)] = parts {
        w.value(t);
        return;
    }
    w.begin_array();
    for p in parts {
        match p {
            Part::Text(t) => {
                w.begin_object()
                    .field("type", "text")
                    .field("text", t)
                    .end_object();
            }
            Part::Document { source, name } => {
                // URL documents are refused before writing (`check_chat_documents`).
                w.begin_object()
                    .field("type", "file")
                    .key("file")
                    .begin_object();
                w.field("filename", name.as_deref().unwrap_or("document"));
                w.field("file_data", &source.to_url())
                    .end_object()
                    .end_object();
            }
            Part::Image(img) => {
                w.begin_object()
                    .field("type", "image_url")
                    .key("image_url")
                    .begin_object();
                w.field("url", &img.to_url()).end_object().end_object();
            }
            _ => {}
        }
    }
    w.end_array();
}

fn write_user(w: &mut JsonWriter, parts: &[Part]) {
    let mut rest: Vec<&Part> = Vec::new();
    for p in parts {
        if let Part::ToolResult {
            call_id,
            content,
            is_error,
            ..
        } = p
        {
            let mut text = text_of(content);
            if *is_error && !text.starts_with("Error") {
                text.insert_str(0, "Error: ");
            }
            w.begin_object()
                .field("role", "tool")
                .field("tool_call_id", call_id);
            w.field("content", &text).end_object();
            rest.extend(content.iter().filter(|c| matches!(c, Part::Image(_))));
        }
    }
    // Images from tool results come first, then the turn's own content.
    rest.extend(
        parts
            .iter()
            .filter(|p| matches!(p, Part::Text(_) | Part::Image(_) | Part::Document { .. })),
    );
    if !rest.is_empty() {
        w.begin_object().field("role", "user").key("content");
        content_value(w, &rest);
        w.end_object();
    }
}

fn write_assistant(w: &mut JsonWriter, parts: &[Part]) {
    let text = text_of(parts);
    let has_calls = parts.iter().any(|p| matches!(p, Part::ToolCall { .. }));
    if text.is_empty() && !has_calls {
        // Only reasoning (which Chat cannot take back) or nothing: no message at all.
        return;
    }
    w.begin_object().field("role", "assistant").key("content");
    if text.is_empty() {
        w.value(&serde_json::Value::Null);
    } else {
        w.value(&text);
    }
    if has_calls {
        w.key("tool_calls").begin_array();
        for p in parts {
            if let Part::ToolCall {
                id,
                name,
                arguments,
            } = p
            {
                w.begin_object()
                    .field("id", id)
                    .field("type", "function")
                    .key("function");
                w.begin_object()
                    .field("name", name)
                    .field("arguments", arguments);
                w.end_object().end_object();
            }
        }
        w.end_array();
    }
    w.end_object();
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
