//! IR → OpenAI Responses request, for clients of other APIs talking to a Responses-only
//! upstream. The system prompt becomes `instructions`; messages, tool calls and tool results
//! become `message`, `function_call` and `function_call_output` input items. Reasoning parts are
//! not sent back (Responses replays reasoning by item id or encrypted content, which other APIs
//! do not carry). `store` is left to the upstream default.

use crate::translate::ir::{Image, Part, Request, ResponseFormat, Role, ToolChoice};
use crate::translate::wire::writer::JsonWriter;

pub fn write(req: &Request, model: Option<&str>, size_hint: usize) -> Vec<u8> {
    let mut w = JsonWriter::with_capacity(size_hint);
    w.begin_object();
    if let Some(m) = model.or(req.model.as_deref()) {
        w.field("model", m);
    }
    if let Some(system) = req.system_text() {
        w.field("instructions", &system);
    }
    w.key("input").begin_array();
    for m in &req.messages {
        let (role, text_type) = match m.role {
            Role::User => ("user", "input_text"),
            Role::Assistant => ("assistant", "output_text"),
        };
        // Consecutive text and image parts share one message item; calls and results are
        // items of their own.
        let mut open = false;
        for part in &m.content {
            let is_content = matches!(part, Part::Text(_) | Part::Image(_) | Part::Document { .. });
            if is_content && !open {
                w.begin_object()
                    .field("type", "message")
                    .field("role", role);
                w.key("content").begin_array();
                open = true;
            } else if !is_content && open && !matches!(part, Part::Reasoning { .. }) {
                w.end_array().end_object();
                open = false;
            }
            match part {
                Part::Text(t) => {
                    w.begin_object()
                        .field("type", text_type)
                        .field("text", t)
                        .end_object();
                }
                Part::Image(img) => {
                    w.begin_object()
                        .field("type", "input_image")
                        .field("image_url", &img.to_url());
                    w.field("detail", "auto").end_object();
                }
                Part::Document { source, name } => {
                    w.begin_object().field("type", "input_file");
                    if let Some(name) = name {
                        w.field("filename", name);
                    }
                    match source {
                        Image::Url(url) => w.field("file_url", url),
                        inline @ Image::Base64 { .. } => w.field("file_data", &inline.to_url()),
                    };
                    w.end_object();
                }
                Part::Reasoning { .. } => {}
                Part::ToolCall {
                    id,
                    name,
                    arguments,
                } => {
                    w.begin_object()
                        .field("type", "function_call")
                        .field("call_id", id);
                    w.field("name", name)
                        .field("arguments", arguments)
                        .end_object();
                }
                Part::ToolResult {
                    call_id, content, ..
                } => {
                    let mut text = String::new();
                    for c in content {
                        if let Part::Text(t) = c {
                            text.push_str(t);
                        }
                    }
                    w.begin_object()
                        .field("type", "function_call_output")
                        .field("call_id", call_id);
                    w.field("output", &text).end_object();
                }
            }
        }
        if open {
            w.end_array().end_object();
        }
    }
    w.end_array();
    if let Some(n) = req.max_tokens {
        w.field("max_output_tokens", &n);
    }
    if let Some(t) = req.temperature {
        w.field("temperature", &t);
    }
    if let Some(p) = req.top_p {
        w.field("top_p", &p);
    }
    if req.stream {
        w.field("stream", &true);
    }
    if !req.tools.is_empty() {
        w.key("tools").begin_array();
        for t in &req.tools {
            w.begin_object()
                .field("type", "function")
                .field("name", &t.name);
            if let Some(d) = &t.description {
                w.field("description", d);
            }
            w.key("parameters").raw(&t.parameters).end_object();
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
                    .field("name", name)
                    .end_object();
            }
        }
    }
    if let Some(r) = req.reasoning {
        w.key("reasoning")
            .begin_object()
            .field("effort", r.effort.as_str())
            .end_object();
    }
    if let Some(rf) = &req.response_format {
        w.key("text").begin_object().key("format").begin_object();
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
                w.field("type", "json_schema").field("name", name);
                if let Some(d) = description {
                    w.field("description", d);
                }
                w.key("schema").raw(schema);
                if let Some(s) = strict {
                    w.field("strict", s);
                }
            }
        }
        w.end_object().end_object();
    }
    if let Some(u) = &req.user {
        w.field("user", u);
    }
    w.end_object();
    w.finish()
}
