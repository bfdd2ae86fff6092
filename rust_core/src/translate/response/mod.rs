//! Non-streaming response translation (inventory §3.7 "Response (non-streaming)", §14 fixed):
//! upstream body → [`ir::Response`](crate::translate::ir::Response) → client body. Same-API
//! responses are returned byte for byte (the reference re-serialized them and lost fields).
//! `model` is the request's model, used only when the upstream does not report one (Bedrock).

pub mod from_anthropic_messages;
pub mod from_bedrock_converse;
pub mod from_gemini;
pub mod from_openai_chat;
pub mod from_openai_responses;
pub mod to_anthropic_messages;
pub mod to_gemini;
pub mod to_openai_chat;
pub mod to_openai_responses;

use std::borrow::Cow;

use super::common::Usage;
use super::error::TranslateError;
use super::ir::Response;
use super::wire::json::parse_object;
use super::ApiKind;

/// Reads an upstream response body into the IR.
pub fn read(upstream: ApiKind, body: &[u8]) -> Result<Response, TranslateError> {
    let obj = parse_object(body)?;
    match upstream {
        ApiKind::OpenAiChat => from_openai_chat::read(&obj),
        ApiKind::AnthropicMessages => from_anthropic_messages::read(&obj),
        ApiKind::OpenAiResponses => from_openai_responses::read(&obj),
        ApiKind::BedrockConverse => from_bedrock_converse::read(&obj),
        ApiKind::Gemini => from_gemini::read(&obj),
    }
}

/// Writes the IR as a client response body.
pub fn write(client: ApiKind, resp: &Response, model: &str) -> Result<Vec<u8>, TranslateError> {
    Ok(match client {
        ApiKind::OpenAiChat => to_openai_chat::write(resp, model),
        ApiKind::AnthropicMessages => to_anthropic_messages::write(resp, model),
        ApiKind::OpenAiResponses => to_openai_responses::write(resp, model),
        ApiKind::Gemini => to_gemini::write(resp, model),
        ApiKind::BedrockConverse => return Err(TranslateError::NotClientApi(client)),
    })
}

/// Translates an upstream response body for the client in one call.
pub fn translate<'b>(
    upstream: ApiKind,
    client: ApiKind,
    body: &'b [u8],
    model: &str,
) -> Result<Cow<'b, [u8]>, TranslateError> {
    if upstream == client {
        return Ok(Cow::Borrowed(body));
    }
    if client == ApiKind::BedrockConverse {
        return Err(TranslateError::NotClientApi(client));
    }
    let resp = read(upstream, body)?;
    write(client, &resp, model).map(Cow::Owned)
}

/// Token usage of a non-streaming response body of `api`, for metrics and rate limiting.
pub fn extract_usage(api: ApiKind, body: &[u8]) -> Result<Usage, TranslateError> {
    let obj = parse_object(body)?;
    match api {
        ApiKind::OpenAiChat => from_openai_chat::usage(&obj),
        ApiKind::AnthropicMessages => from_anthropic_messages::usage(&obj),
        ApiKind::OpenAiResponses => from_openai_responses::usage(&obj),
        ApiKind::BedrockConverse => from_bedrock_converse::usage(&obj),
        ApiKind::Gemini => from_gemini::usage(&obj),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::translate::common::StopReason;

    fn json(b: &[u8]) -> Value {
        serde_json::from_slice(b).unwrap()
    }

    #[test]
    fn anthropic_thinking_becomes_reasoning_content() {
        let body = br#"{"id":"msg_1","type":"message","role":"assistant","model":"claude-x",
          "content":[{"type":"thinking","thinking":"hmm","signature":"s"},{"type":"text","text":"hi"},
            {"type":"tool_use","id":"t1","name":"f","input":{"a":1}}],
          "stop_reason":"tool_use","stop_sequence":null,
          "usage":{"input_tokens":10,"cache_read_input_tokens":90,"cache_creation_input_tokens":0,"output_tokens":5}}"#;
        let v =
            json(&translate(ApiKind::AnthropicMessages, ApiKind::OpenAiChat, body, "req").unwrap());
        let m = &v["choices"][0]["message"];
        assert_eq!(m["content"], "hi");
        assert_eq!(m["reasoning_content"], "hmm");
        assert_eq!(m["tool_calls"][0]["function"]["arguments"], r#"{"a":1}"#);
        assert_eq!(v["choices"][0]["finish_reason"], "tool_calls");
        assert_eq!(v["id"], "msg_1");
        assert_eq!(v["model"], "claude-x");
        assert_eq!(v["usage"]["prompt_tokens"], 100);
        assert_eq!(v["usage"]["prompt_tokens_details"]["cached_tokens"], 90);
    }

    #[test]
    fn bedrock_gets_minted_id_and_request_model() {
        let body = br#"{"output":{"message":{"role":"assistant","content":[{"text":"ok"}]}},
          "stopReason":"max_tokens","usage":{"inputTokens":3,"outputTokens":4,"totalTokens":7}}"#;
        let v = json(
            &translate(
                ApiKind::BedrockConverse,
                ApiKind::AnthropicMessages,
                body,
                "claude-on-bedrock",
            )
            .unwrap(),
        );
        assert!(v["id"].as_str().unwrap().starts_with("msg_"));
        assert_eq!(v["model"], "claude-on-bedrock");
        assert_eq!(v["stop_reason"], "max_tokens");
    }

    #[test]
    fn gemini_function_call_stop_is_tool_use() {
        let body = br#"{"candidates":[{"content":{"role":"model","parts":[{"functionCall":{"name":"f","args":{}}}]},
          "finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":5,"candidatesTokenCount":2,"thoughtsTokenCount":3}}"#;
        let r = read(ApiKind::Gemini, body).unwrap();
        assert_eq!(r.stop_reason, Some(StopReason::ToolUse));
        assert_eq!(r.usage.output_tokens, 5);
    }

    #[test]
    fn same_api_is_untouched() {
        let body = br#"{"id":"x", "weird": true}"#;
        assert!(matches!(
            translate(ApiKind::OpenAiChat, ApiKind::OpenAiChat, body, "m").unwrap(),
            Cow::Borrowed(_)
        ));
    }
}
