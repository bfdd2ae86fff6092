//! Counting the prompt tokens of a whole request body, for any client API.
//!
//! An estimate in the style of the `openai-cookbook`'s `num_tokens_from_messages`: every message
//! costs [`TOKENS_PER_MESSAGE`] plus the tokens of its role and text, a `name` costs one more, and
//! [`REPLY_PRIMING`] is added once for the assistant reply. Tool calls count their name and JSON
//! arguments; tool definitions count their compact JSON. Images, audio, files and encrypted
//! reasoning count nothing. It is close to exact for GPT chat models and an estimate for every
//! other model and API (their tokenizers and prompt templates are not public).
//!
//! Counted per API:
//! * `openai-chat`: `messages[]` (role, content string or `text` parts, `name`, `tool_calls`,
//!   legacy `function_call`, `tool_call_id`), `tools[]`.
//! * `anthropic-messages`: `system` (string or text blocks), `messages[]` (string content or
//!   `text` / `tool_use` / `tool_result` / `thinking` blocks), `tools[]`.
//! * `openai-responses`: `instructions`, `input` (string or items: messages, `function_call`,
//!   `function_call_output`, custom tool calls), `tools[]`.
//! * `gemini`: `systemInstruction`, `contents[].parts[]` (`text`, `functionCall`,
//!   `functionResponse`), `tools[]`.
//! * `bedrock-converse`: `system[]`, `messages[].content[]` (`text`, `toolUse`, `toolResult`),
//!   `toolConfig.tools[]`.

use serde_json::{Map, Value};

use super::{Encoding, TokenizeError};
use crate::translate::ApiKind;

/// Framing tokens per message (`<|start|>{role}<|message|>…<|end|>`).
pub const TOKENS_PER_MESSAGE: usize = 3;
/// Extra tokens when a message has a `name`.
pub const TOKENS_PER_NAME: usize = 1;
/// Tokens priming the assistant reply, added once per request.
pub const REPLY_PRIMING: usize = 3;

/// Estimated prompt tokens of `body`, a request in `api`'s format. The encoding follows `model`,
/// else the body's own `model` field (see [`Encoding::for_model`]).
pub fn count_request_tokens(
    api: ApiKind,
    body: &[u8],
    model: Option<&str>,
) -> Result<usize, TokenizeError> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| TokenizeError::Json(e.to_string()))?;
    let Value::Object(body) = value else {
        return Err(shape(api, "the body is not a JSON object"));
    };
    let model = model.or_else(|| body.get("model").and_then(Value::as_str));
    let mut counter = Counter {
        encoding: Encoding::for_model(model),
        api,
        total: REPLY_PRIMING,
    };
    match api {
        ApiKind::OpenAiChat => counter.openai_chat(&body)?,
        ApiKind::AnthropicMessages => counter.anthropic_messages(&body)?,
        ApiKind::OpenAiResponses => counter.openai_responses(&body)?,
        ApiKind::Gemini => counter.gemini(&body)?,
        ApiKind::BedrockConverse => counter.bedrock_converse(&body)?,
    }
    Ok(counter.total)
}

fn shape(api: ApiKind, reason: impl Into<String>) -> TokenizeError {
    TokenizeError::Shape {
        api: api.as_str(),
        reason: reason.into(),
    }
}

struct Counter {
    encoding: Encoding,
    api: ApiKind,
    total: usize,
}

impl Counter {
    fn text(&mut self, value: Option<&Value>) {
        if let Some(Value::String(s)) = value {
            self.total += self.encoding.count(s);
        }
    }

    /// Counts a value's compact JSON (tool arguments and definitions); strings count as text.
    fn json(&mut self, value: Option<&Value>) {
        match value {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) => self.total += self.encoding.count(s),
            Some(v) => self.total += self.encoding.count(&v.to_string()),
        }
    }

    fn message(&mut self, message: &Map<String, Value>) {
        self.total += TOKENS_PER_MESSAGE;
        self.text(message.get("role"));
        if message.contains_key("name") {
            self.text(message.get("name"));
            self.total += TOKENS_PER_NAME;
        }
    }

    /// `body[field]` as a list of objects; absent is `None` unless `required`.
    fn objects<'a>(
        &self,
        body: &'a Map<String, Value>,
        field: &str,
        required: bool,
    ) -> Result<Vec<&'a Map<String, Value>>, TokenizeError> {
        match body.get(field) {
            None | Some(Value::Null) if !required => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| {
                    item.as_object()
                        .ok_or_else(|| shape(self.api, format!("`{field}` holds a non-object")))
                })
                .collect(),
            None | Some(Value::Null) => Err(shape(self.api, format!("`{field}` is missing"))),
            Some(_) => Err(shape(self.api, format!("`{field}` is not a list"))),
        }
    }

    /// A content value: a string, or a list of parts whose `text` counts.
    fn content(&mut self, content: Option<&Value>) {
        match content {
            Some(Value::String(_)) => self.text(content),
            Some(Value::Array(parts)) => {
                for part in parts {
                    self.text(part.get("text"));
                    self.text(part.get("refusal"));
                }
            }
            _ => {}
        }
    }

    fn tools(&mut self, tools: &[&Map<String, Value>]) {
        for tool in tools {
            if let Some(function) = tool.get("function").filter(|f| f.is_object()) {
                self.json(Some(function));
            } else {
                // Serializing a map of JSON values cannot fail.
                let json = serde_json::to_string(tool).unwrap_or_default();
                self.total += self.encoding.count(&json);
            }
        }
    }

    fn openai_chat(&mut self, body: &Map<String, Value>) -> Result<(), TokenizeError> {
        for message in self.objects(body, "messages", true)? {
            self.message(message);
            self.content(message.get("content"));
            self.text(message.get("tool_call_id"));
            let calls = self.objects(message, "tool_calls", false)?;
            let legacy = message.get("function_call").into_iter();
            for function in calls.iter().filter_map(|c| c.get("function")).chain(legacy) {
                self.text(function.get("name"));
                self.json(function.get("arguments"));
            }
        }
        let tools = self.objects(body, "tools", false)?;
        self.tools(&tools);
        Ok(())
    }

    fn anthropic_block(&mut self, block: &Value) {
        match block.get("type").and_then(Value::as_str) {
            Some("text") => self.text(block.get("text")),
            Some("thinking") => self.text(block.get("thinking")),
            Some("tool_use" | "server_tool_use" | "mcp_tool_use") => {
                self.text(block.get("name"));
                self.json(block.get("input"));
            }
            Some("tool_result") => match block.get("content") {
                Some(Value::Array(blocks)) => {
                    for block in blocks {
                        self.anthropic_block(block);
                    }
                }
                other => self.text(other),
            },
            _ => {}
        }
    }

    fn anthropic_messages(&mut self, body: &Map<String, Value>) -> Result<(), TokenizeError> {
        match body.get("system") {
            Some(Value::String(_)) => {
                self.total += TOKENS_PER_MESSAGE;
                self.text(body.get("system"));
            }
            Some(Value::Array(blocks)) => {
                self.total += TOKENS_PER_MESSAGE;
                for block in blocks {
                    self.anthropic_block(block);
                }
            }
            _ => {}
        }
        for message in self.objects(body, "messages", true)? {
            self.message(message);
            match message.get("content") {
                Some(Value::Array(blocks)) => {
                    for block in blocks {
                        self.anthropic_block(block);
                    }
                }
                other => self.text(other),
            }
        }
        let tools = self.objects(body, "tools", false)?;
        self.tools(&tools);
        Ok(())
    }

    fn openai_responses(&mut self, body: &Map<String, Value>) -> Result<(), TokenizeError> {
        if let Some(Value::String(_)) = body.get("instructions") {
            self.total += TOKENS_PER_MESSAGE;
            self.text(body.get("instructions"));
        }
        if let Some(Value::String(_)) = body.get("input") {
            self.total += TOKENS_PER_MESSAGE;
            self.text(body.get("input"));
        } else {
            for item in self.objects(body, "input", false)? {
                let kind = item.get("type").and_then(Value::as_str);
                match kind {
                    Some("function_call" | "custom_tool_call") => {
                        self.total += TOKENS_PER_MESSAGE;
                        self.text(item.get("name"));
                        self.json(item.get("arguments").or_else(|| item.get("input")));
                    }
                    Some("function_call_output" | "custom_tool_call_output") => {
                        self.total += TOKENS_PER_MESSAGE;
                        self.json(item.get("output"));
                    }
                    Some("message") | None if item.contains_key("role") => {
                        self.message(item);
                        self.content(item.get("content"));
                    }
                    _ => {}
                }
            }
        }
        let tools = self.objects(body, "tools", false)?;
        self.tools(&tools);
        Ok(())
    }

    fn gemini_parts(&mut self, content: &Map<String, Value>) -> Result<(), TokenizeError> {
        for part in self.objects(content, "parts", false)? {
            self.text(part.get("text"));
            for call in [
                "functionCall",
                "function_call",
                "functionResponse",
                "function_response",
            ] {
                if let Some(call) = part.get(call) {
                    self.text(call.get("name"));
                    self.json(call.get("args").or_else(|| call.get("response")));
                }
            }
        }
        Ok(())
    }

    fn gemini(&mut self, body: &Map<String, Value>) -> Result<(), TokenizeError> {
        let system = body
            .get("systemInstruction")
            .or_else(|| body.get("system_instruction"));
        if let Some(Value::Object(system)) = system {
            self.total += TOKENS_PER_MESSAGE;
            self.gemini_parts(system)?;
        }
        for content in self.objects(body, "contents", true)? {
            self.message(content);
            self.gemini_parts(content)?;
        }
        let tools = self.objects(body, "tools", false)?;
        self.tools(&tools);
        Ok(())
    }

    fn bedrock_block(&mut self, block: &Map<String, Value>) -> Result<(), TokenizeError> {
        self.text(block.get("text"));
        if let Some(tool_use) = block.get("toolUse") {
            self.text(tool_use.get("name"));
            self.json(tool_use.get("input"));
        }
        if let Some(Value::Object(result)) = block.get("toolResult") {
            for item in self.objects(result, "content", false)? {
                self.text(item.get("text"));
                self.json(item.get("json"));
            }
        }
        Ok(())
    }

    fn bedrock_converse(&mut self, body: &Map<String, Value>) -> Result<(), TokenizeError> {
        let system = self.objects(body, "system", false)?;
        if !system.is_empty() {
            self.total += TOKENS_PER_MESSAGE;
        }
        for block in system {
            self.bedrock_block(block)?;
        }
        for message in self.objects(body, "messages", true)? {
            self.message(message);
            for block in self.objects(message, "content", false)? {
                self.bedrock_block(block)?;
            }
        }
        if let Some(Value::Object(config)) = body.get("toolConfig") {
            for tool in self.objects(config, "tools", false)? {
                self.json(tool.get("toolSpec"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(api: ApiKind, body: &str) -> Result<usize, TokenizeError> {
        count_request_tokens(api, body.as_bytes(), Some("gpt-4o"))
    }

    fn o200k(text: &str) -> usize {
        Encoding::O200kBase.count(text)
    }

    #[test]
    fn openai_chat_follows_the_cookbook() {
        let body = r#"{"model":"gpt-4o","messages":[
            {"role":"system","content":"You are helpful."},
            {"role":"user","name":"ann","content":[{"type":"text","text":"Hi there"},{"type":"image_url","image_url":{"url":"x"}}]}]}"#;
        let want = REPLY_PRIMING
            + 2 * TOKENS_PER_MESSAGE
            + o200k("system")
            + o200k("You are helpful.")
            + o200k("user")
            + o200k("ann")
            + TOKENS_PER_NAME
            + o200k("Hi there");
        assert_eq!(count(ApiKind::OpenAiChat, body), Ok(want));
    }

    #[test]
    fn openai_chat_counts_tool_calls_and_definitions() {
        let body = r#"{"messages":[{"role":"assistant","content":null,"tool_calls":[
            {"id":"c1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},
            {"role":"tool","tool_call_id":"c1","content":"sunny"}],
            "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}]}"#;
        let want = REPLY_PRIMING
            + 2 * TOKENS_PER_MESSAGE
            + o200k("assistant")
            + o200k("get_weather")
            + o200k("{\"city\":\"Paris\"}")
            + o200k("tool")
            + o200k("c1")
            + o200k("sunny")
            + o200k(r#"{"name":"get_weather","parameters":{"type":"object"}}"#);
        assert_eq!(count(ApiKind::OpenAiChat, body), Ok(want));
    }

    #[test]
    fn anthropic_counts_system_blocks_and_tools() {
        let body = r#"{"model":"claude","system":[{"type":"text","text":"Be brief."}],"messages":[
            {"role":"user","content":"Weather?"},
            {"role":"assistant","content":[{"type":"tool_use","id":"t","name":"w","input":{"c":"P"}}]},
            {"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":[{"type":"text","text":"sun"}]}]}],
            "tools":[{"name":"w","input_schema":{"type":"object"}}]}"#;
        let want = REPLY_PRIMING
            + 4 * TOKENS_PER_MESSAGE
            + o200k("Be brief.")
            + 2 * o200k("user")
            + o200k("Weather?")
            + o200k("assistant")
            + o200k("w")
            + o200k(r#"{"c":"P"}"#)
            + o200k("sun")
            + o200k(r#"{"name":"w","input_schema":{"type":"object"}}"#);
        assert_eq!(count(ApiKind::AnthropicMessages, body), Ok(want));
    }

    #[test]
    fn responses_counts_instructions_and_items() {
        let plain = r#"{"instructions":"Be kind.","input":"Hello"}"#;
        let want = REPLY_PRIMING + 2 * TOKENS_PER_MESSAGE + o200k("Be kind.") + o200k("Hello");
        assert_eq!(count(ApiKind::OpenAiResponses, plain), Ok(want));
        let items = r#"{"input":[{"role":"user","content":[{"type":"input_text","text":"Hi"}]},
            {"type":"function_call","call_id":"c","name":"f","arguments":"{}"},
            {"type":"function_call_output","call_id":"c","output":"ok"},
            {"type":"reasoning","encrypted_content":"xyz"}]}"#;
        let want = REPLY_PRIMING
            + 3 * TOKENS_PER_MESSAGE
            + o200k("user")
            + o200k("Hi")
            + o200k("f")
            + o200k("{}")
            + o200k("ok");
        assert_eq!(count(ApiKind::OpenAiResponses, items), Ok(want));
    }

    #[test]
    fn gemini_counts_system_and_parts() {
        let body = r#"{"systemInstruction":{"parts":[{"text":"Sys"}]},
            "contents":[{"role":"user","parts":[{"text":"Hello"},{"functionCall":{"name":"f","args":{"a":1}}}]}]}"#;
        let want = REPLY_PRIMING
            + 2 * TOKENS_PER_MESSAGE
            + o200k("Sys")
            + o200k("user")
            + o200k("Hello")
            + o200k("f")
            + o200k(r#"{"a":1}"#);
        assert_eq!(count(ApiKind::Gemini, body), Ok(want));
    }

    #[test]
    fn bedrock_counts_blocks() {
        let body =
            r#"{"system":[{"text":"S"}],"messages":[{"role":"user","content":[{"text":"Hi"}]}]}"#;
        let want =
            REPLY_PRIMING + 2 * TOKENS_PER_MESSAGE + o200k("S") + o200k("user") + o200k("Hi");
        assert_eq!(count(ApiKind::BedrockConverse, body), Ok(want));
    }

    #[test]
    fn model_picks_the_encoding() {
        let body =
            r#"{"model":"gpt-3.5-turbo","messages":[{"role":"user","content":"héllo wörld 😀"}]}"#;
        let cl = count_request_tokens(ApiKind::OpenAiChat, body.as_bytes(), None);
        let want = REPLY_PRIMING
            + TOKENS_PER_MESSAGE
            + Encoding::Cl100kBase.count("user")
            + Encoding::Cl100kBase.count("héllo wörld 😀");
        assert_eq!(cl, Ok(want));
    }

    #[test]
    fn malformed_bodies_are_errors() {
        assert!(matches!(
            count(ApiKind::OpenAiChat, "{"),
            Err(TokenizeError::Json(_))
        ));
        assert!(matches!(
            count(ApiKind::OpenAiChat, "[]"),
            Err(TokenizeError::Shape { .. })
        ));
        assert!(matches!(
            count(ApiKind::OpenAiChat, "{}"),
            Err(TokenizeError::Shape { .. })
        ));
        assert!(matches!(
            count(ApiKind::OpenAiChat, r#"{"messages":{}}"#),
            Err(TokenizeError::Shape { .. })
        ));
        assert!(matches!(
            count(ApiKind::OpenAiChat, r#"{"messages":[1]}"#),
            Err(TokenizeError::Shape { .. })
        ));
        assert!(matches!(
            count(ApiKind::Gemini, r#"{"contents":[{"parts":"x"}]}"#),
            Err(TokenizeError::Shape { .. })
        ));
    }
}
