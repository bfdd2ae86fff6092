//! IR → OpenAI Responses request, for clients of other APIs talking to a Responses-only
//! upstream. The system prompt becomes `instructions`; messages, tool calls and tool results
//! become `message`, `function_call` and `function_call_output` input items. Reasoning parts are
//! not sent back (Responses replays reasoning by item id or encrypted content, which other APIs
//! do not carry). `store` is left to the upstream default.

use serde_json::{json, Value};

use crate::translate::ir::{Part, Request, Role, ToolChoice};
use crate::translate::wire::json::Object;

pub fn write(req: &Request, model: Option<&str>) -> Value {
    let mut out = Object::new();
    if let Some(m) = model.or(req.model.as_deref()) {
        out.insert("model".into(), json!(m));
    }
    if let Some(system) = req.system_text() {
        out.insert("instructions".into(), json!(system));
    }
    let mut input = Vec::new();
    for m in &req.messages {
        let (role, text_type) = match m.role {
            Role::User => ("user", "input_text"),
            Role::Assistant => ("assistant", "output_text"),
        };
        let mut content = Vec::new();
        let flush = |content: &mut Vec<Value>, input: &mut Vec<Value>| {
            if !content.is_empty() {
                input.push(
                    json!({"type": "message", "role": role, "content": std::mem::take(content)}),
                );
            }
        };
        for part in &m.content {
            match part {
                Part::Text(t) => content.push(json!({"type": text_type, "text": t})),
                Part::Image(img) => {
                    content.push(
                        json!({"type": "input_image", "image_url": img.to_url(), "detail": "auto"}),
                    );
                }
                Part::Reasoning { .. } => {}
                Part::ToolCall {
                    id,
                    name,
                    arguments,
                } => {
                    flush(&mut content, &mut input);
                    input.push(json!({"type": "function_call", "call_id": id, "name": name, "arguments": arguments}));
                }
                Part::ToolResult {
                    call_id,
                    content: result,
                    ..
                } => {
                    flush(&mut content, &mut input);
                    let mut text = String::new();
                    for c in result {
                        if let Part::Text(t) = c {
                            text.push_str(t);
                        }
                    }
                    input.push(
                        json!({"type": "function_call_output", "call_id": call_id, "output": text}),
                    );
                }
            }
        }
        flush(&mut content, &mut input);
    }
    out.insert("input".into(), Value::Array(input));
    if let Some(n) = req.max_tokens {
        out.insert("max_output_tokens".into(), json!(n));
    }
    if let Some(t) = req.temperature {
        out.insert("temperature".into(), json!(t));
    }
    if let Some(p) = req.top_p {
        out.insert("top_p".into(), json!(p));
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
                o.insert("type".into(), json!("function"));
                o.insert("name".into(), json!(t.name));
                if let Some(d) = &t.description {
                    o.insert("description".into(), json!(d));
                }
                o.insert("parameters".into(), t.parameters.clone());
                Value::Object(o)
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
                ToolChoice::Tool(name) => json!({"type": "function", "name": name}),
            },
        );
    }
    if let Some(r) = req.reasoning {
        out.insert("reasoning".into(), json!({"effort": r.effort.as_str()}));
    }
    if let Some(u) = &req.user {
        out.insert("user".into(), json!(u));
    }
    Value::Object(out)
}
