//! Request translation (inventory §3.7): client body → [`ir::Request`] → upstream body, and the
//! routing facts the gateway needs (`inspect`). Same-API pairs skip the IR: the body passes
//! through byte for byte except the fields we must change (`model`; for OpenAI Chat the §3.6
//! quirks of reasoning models and, on streaming requests, `stream_options.include_usage: true`
//! so the gateway sees usage), and is returned unchanged when nothing changes.
//!
//! Bedrock Converse is upstream-only; Gemini and Bedrock carry the model in the URL, so the
//! `model` argument is not written into their bodies.

pub mod from_anthropic_messages;
pub mod from_gemini;
pub mod from_openai_chat;
pub mod from_openai_responses;
pub mod to_anthropic_messages;
pub mod to_bedrock_converse;
pub mod to_gemini;
pub mod to_openai_chat;
pub mod to_openai_responses;

use std::borrow::Cow;

use super::error::TranslateError;
use super::ir::{self, Request};
use super::wire::edit::{self, Edit, TopLevel};
use super::wire::json::{parse_object, Object};
use super::ApiKind;

/// What the gateway needs to route a request, read in the same pass that validates it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestInfo {
    /// The body's `model` (always `None` for Gemini, whose model is in the URL).
    pub model: Option<String>,
    pub is_streaming: bool,
    pub has_tools: bool,
    /// Whether the client's stream should end with usage: Chat `stream_options.include_usage`,
    /// always for other APIs (usage is part of their stream protocol).
    pub wants_usage: bool,
}

impl RequestInfo {
    pub fn of(req: &Request) -> Self {
        Self {
            model: req.model.clone(),
            is_streaming: req.stream,
            has_tools: !req.tools.is_empty(),
            wants_usage: req.stream_usage.unwrap_or(true),
        }
    }
}

/// Reads a parsed client body into the IR, validating it.
pub fn read_object(client: ApiKind, obj: &Object) -> Result<Request, TranslateError> {
    match client {
        ApiKind::OpenAiChat => from_openai_chat::read(obj),
        ApiKind::AnthropicMessages => from_anthropic_messages::read(obj),
        ApiKind::OpenAiResponses => from_openai_responses::read(obj),
        ApiKind::Gemini => from_gemini::read(obj),
        ApiKind::BedrockConverse => Err(TranslateError::NotClientApi(client)),
    }
}

/// Parses and validates a client body.
pub fn read(client: ApiKind, body: &[u8]) -> Result<Request, TranslateError> {
    if client == ApiKind::BedrockConverse {
        return Err(TranslateError::NotClientApi(client));
    }
    read_object(client, &parse_object(body)?)
}

/// Writes the IR as an upstream body. `model` overrides the IR's model where the body has one;
/// `size_hint` (about the client body's length) sizes the output buffer.
pub fn write(
    upstream: ApiKind,
    req: &Request,
    model: Option<&str>,
    size_hint: usize,
) -> Result<Vec<u8>, TranslateError> {
    req.check_supported(upstream)?;
    req.check_tool_pairing()?;
    if upstream == ApiKind::OpenAiChat {
        check_chat_documents(req)?;
    }
    match upstream {
        ApiKind::AnthropicMessages => to_anthropic_messages::write(req, model, size_hint),
        ApiKind::BedrockConverse => to_bedrock_converse::write(req, model, size_hint),
        ApiKind::Gemini => to_gemini::write(req, size_hint),
        ApiKind::OpenAiChat => Ok(to_openai_chat::write(req, model, size_hint)),
        ApiKind::OpenAiResponses => Ok(to_openai_responses::write(req, model, size_hint)),
    }
}

/// Chat takes files inline only (`file_data`), not by URL.
fn check_chat_documents(req: &Request) -> Result<(), TranslateError> {
    for (i, m) in req.messages.iter().enumerate() {
        for part in &m.content {
            if let ir::Part::Document {
                source: ir::Image::Url(_),
                ..
            } = part
            {
                return Err(TranslateError::Unsupported {
                    path: format!("messages[{i}]"),
                    what: "a document given by URL (Chat takes inline file data)".into(),
                    target: ApiKind::OpenAiChat,
                });
            }
        }
    }
    Ok(())
}

/// Same-API passthrough: the input bytes, or a copy with only the required edits.
pub fn passthrough<'b>(
    api: ApiKind,
    body: &'b [u8],
    model: Option<&str>,
) -> Result<Cow<'b, [u8]>, TranslateError> {
    if api == ApiKind::BedrockConverse {
        return Err(TranslateError::NotClientApi(api));
    }
    let top = TopLevel::parse(body)?;
    let mut edits = Vec::new();
    if api != ApiKind::Gemini {
        if let Some(m) = model {
            edits.push(Edit::Set("model", edit::json_string(m)));
        }
    }
    if api == ApiKind::OpenAiChat {
        let effective = model.map(str::to_owned).or_else(|| top.str_field("model"));
        if effective
            .as_deref()
            .is_some_and(to_openai_chat::is_reasoning_model)
        {
            edits.push(Edit::Rename("max_tokens", "max_completion_tokens"));
            edits.push(Edit::Remove("temperature"));
            edits.push(Edit::Remove("top_p"));
        }
        if top.raw("stream") == Some("true") {
            if let Some(options) = stream_options_with_usage(top.raw("stream_options")) {
                edits.push(Edit::Set("stream_options", options));
            }
        }
    }
    Ok(match edit::apply(&top, &edits) {
        Some(out) => Cow::Owned(out),
        None => Cow::Borrowed(body),
    })
}

/// The `stream_options` that make a streaming Chat upstream report usage (the gateway meters
/// and rate-limits on it), or `None` when the client's already do.
fn stream_options_with_usage(raw: Option<&str>) -> Option<String> {
    const USAGE_ON: &str = r#"{"include_usage":true}"#;
    let Some(raw) = raw.filter(|r| *r != "null") else {
        return Some(USAGE_ON.to_owned());
    };
    match super::wire::dom::parse(raw.as_bytes()) {
        Ok(super::wire::dom::Value::Object(mut options)) => {
            if matches!(
                options.get("include_usage"),
                Some(super::wire::dom::Value::Bool(true))
            ) {
                return None;
            }
            options.insert("include_usage", super::wire::dom::Value::Bool(true));
            Some(options.to_json())
        }
        _ => Some(USAGE_ON.to_owned()),
    }
}

/// Translates a client body for an upstream API in one call.
pub fn translate<'b>(
    client: ApiKind,
    upstream: ApiKind,
    body: &'b [u8],
    model: Option<&str>,
) -> Result<Cow<'b, [u8]>, TranslateError> {
    if client == upstream {
        return passthrough(client, body, model);
    }
    let req = read(client, body)?;
    write(upstream, &req, model, body.len() + 256).map(Cow::Owned)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::Value;

    use super::*;

    fn json(b: &[u8]) -> Value {
        serde_json::from_slice(b).unwrap()
    }

    #[test]
    fn passthrough_without_changes_borrows_the_input() {
        let body = br#"{ "model" : "gpt-4o", "messages": [], "vendor_extra": {"a": 1} }"#;
        let out = translate(
            ApiKind::OpenAiChat,
            ApiKind::OpenAiChat,
            body,
            Some("gpt-4o"),
        )
        .unwrap();
        assert!(matches!(out, Cow::Borrowed(_)));
    }

    #[test]
    fn passthrough_applies_reasoning_model_quirks() {
        let body = br#"{"model":"o3","max_tokens":5,"temperature":0.2,"messages":[]}"#;
        let out = translate(ApiKind::OpenAiChat, ApiKind::OpenAiChat, body, None).unwrap();
        assert_eq!(
            &*out,
            br#"{"model":"o3","max_completion_tokens":5,"messages":[]}"#
        );
    }

    #[test]
    fn only_chat_clients_can_decline_stream_usage() {
        let wants = |client, body: &[u8]| RequestInfo::of(&read(client, body).unwrap()).wants_usage;
        let chat = ApiKind::OpenAiChat;
        assert!(!wants(
            chat,
            br#"{"model":"m","stream":true,"messages":[]}"#
        ));
        assert!(!wants(
            chat,
            br#"{"stream":true,"stream_options":{"include_usage":false},"messages":[]}"#
        ));
        assert!(!wants(chat, br#"{"stream_options":"bogus","messages":[]}"#));
        assert!(wants(
            chat,
            br#"{"stream":true,"stream_options":{"include_usage":true},"messages":[]}"#
        ));
        let anthropic = br#"{"model":"m","max_tokens":5,"stream":true,"messages":[]}"#;
        assert!(wants(ApiKind::AnthropicMessages, anthropic));
        assert!(wants(
            ApiKind::OpenAiResponses,
            br#"{"model":"m","input":"hi"}"#
        ));
        assert!(wants(ApiKind::Gemini, br#"{"contents":[]}"#));
    }

    #[test]
    fn streaming_chat_passthrough_asks_for_usage() {
        let body = br#"{"model":"m","stream":true,"messages":[]}"#;
        let out = translate(ApiKind::OpenAiChat, ApiKind::OpenAiChat, body, None).unwrap();
        assert_eq!(
            &*out,
            br#"{"stream_options":{"include_usage":true},"model":"m","stream":true,"messages":[]}"#
        );
        let body = br#"{"model":"m","stream":true,"stream_options":{"include_usage":false,"x":1},"messages":[]}"#;
        let out = translate(ApiKind::OpenAiChat, ApiKind::OpenAiChat, body, None).unwrap();
        assert_eq!(
            json(&out)["stream_options"],
            serde_json::json!({"include_usage": true, "x": 1})
        );
        let body =
            br#"{"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[]}"#;
        let out = translate(ApiKind::OpenAiChat, ApiKind::OpenAiChat, body, None).unwrap();
        assert!(matches!(out, Cow::Borrowed(_)));
    }

    #[test]
    fn chat_to_anthropic_defaults_max_tokens_and_joins_system() {
        let body = br#"{"model":"gpt-4o","messages":[{"role":"system","content":"a"},
            {"role":"system","content":"b"},{"role":"user","content":"hi"}],"stop":"x"}"#;
        let out = translate(
            ApiKind::OpenAiChat,
            ApiKind::AnthropicMessages,
            body,
            Some("claude"),
        )
        .unwrap();
        let v = json(&out);
        assert_eq!(v["max_tokens"], 4096);
        assert_eq!(v["system"], "a\n\nb");
        assert_eq!(v["model"], "claude");
        assert_eq!(v["stop_sequences"][0], "x");
        assert_eq!(v["messages"][0]["content"], "hi");
    }

    #[test]
    fn chat_stream_to_chat_forces_usage() {
        let body = br#"{"model":"claude","max_tokens":9,"stream":true,"messages":[{"role":"user","content":"hi"}]}"#;
        let out = translate(
            ApiKind::AnthropicMessages,
            ApiKind::OpenAiChat,
            body,
            Some("gpt-4o"),
        )
        .unwrap();
        let v = json(&out);
        assert_eq!(v["stream_options"]["include_usage"], true);
        assert_eq!(v["max_tokens"], 9);
    }

    #[test]
    fn bedrock_rejects_url_images() {
        let body = br#"{"model":"m","messages":[{"role":"user","content":[
            {"type":"image_url","image_url":{"url":"https://x/y.png"}}]}]}"#;
        let err = translate(ApiKind::OpenAiChat, ApiKind::BedrockConverse, body, None).unwrap_err();
        assert!(err.to_string().contains("Bedrock needs base64"), "{err}");
    }

    #[test]
    fn orphan_tool_results_are_named() {
        let body =
            br#"{"model":"m","messages":[{"role":"tool","tool_call_id":"nope","content":"x"}]}"#;
        let err =
            translate(ApiKind::OpenAiChat, ApiKind::AnthropicMessages, body, None).unwrap_err();
        assert!(
            err.to_string()
                .contains(r#""nope" answers no earlier tool call"#),
            "{err}"
        );
    }

    #[test]
    fn forced_tool_choice_turns_thinking_off() {
        let body = br#"{"model":"m","reasoning_effort":"high","tool_choice":"required",
            "tools":[{"type":"function","function":{"name":"f"}}],"messages":[{"role":"user","content":"q"}]}"#;
        let v =
            json(&translate(ApiKind::OpenAiChat, ApiKind::AnthropicMessages, body, None).unwrap());
        assert!(v.get("thinking").is_none());
        let body = br#"{"model":"m","reasoning_effort":"none","messages":[]}"#;
        let v =
            json(&translate(ApiKind::OpenAiChat, ApiKind::AnthropicMessages, body, None).unwrap());
        assert!(v.get("thinking").is_none());
    }

    #[test]
    fn bedrock_is_not_a_client() {
        assert_eq!(
            translate(ApiKind::BedrockConverse, ApiKind::OpenAiChat, b"{}", None).unwrap_err(),
            TranslateError::NotClientApi(ApiKind::BedrockConverse)
        );
    }

    #[test]
    fn unsupported_content_fails_only_cross_api() {
        let body = br#"{"model":"m","messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{}}]}]}"#;
        assert!(translate(ApiKind::OpenAiChat, ApiKind::OpenAiChat, body, None).is_ok());
        let err =
            translate(ApiKind::OpenAiChat, ApiKind::AnthropicMessages, body, None).unwrap_err();
        assert!(
            err.to_string().starts_with("messages[0].content[0]"),
            "{err}"
        );
    }
}
