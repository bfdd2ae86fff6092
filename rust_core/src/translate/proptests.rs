//! Property tests over the whole of request, response and error-body translation: arbitrary
//! bytes and arbitrary JSON shaped like API bodies either translate or fail with a
//! [`TranslateError`](super::error::TranslateError); nothing panics.

use proptest::prelude::*;
use serde_json::{Map, Value};

use super::{error_body, request, response, ApiKind};

const KEYS: &[&str] = &[
    "model",
    "messages",
    "max_tokens",
    "system",
    "input",
    "instructions",
    "contents",
    "tools",
    "tool_choice",
    "stream",
    "stop",
    "temperature",
    "role",
    "content",
    "type",
    "text",
    "tool_calls",
    "function",
    "arguments",
    "tool_call_id",
    "parts",
    "image_url",
    "url",
    "source",
    "functionCall",
    "functionResponse",
    "generationConfig",
    "thinking",
    "name",
    "input_schema",
    "choices",
    "message",
    "usage",
    "candidates",
    "output",
    "stopReason",
    "toolUse",
    "error",
    "call_id",
    "id",
    "tool_use_id",
    "data",
    "media_type",
    "inlineData",
    "args",
    "response",
];
const STRINGS: &[&str] = &[
    "user",
    "assistant",
    "system",
    "developer",
    "tool",
    "model",
    "text",
    "image",
    "image_url",
    "tool_use",
    "tool_result",
    "function",
    "function_call",
    "function_call_output",
    "message",
    "thinking",
    "auto",
    "any",
    "none",
    "required",
    "data:image/png;base64,AA==",
    "{}",
    "{\"a\":1}",
    "input_text",
    "base64",
    "url",
    "STOP",
    "end_turn",
    "tool_calls",
    "o3",
    "gpt-5",
    "claude",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        prop::sample::select(STRINGS).prop_map(Value::from),
        ".{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..7).prop_map(|kvs| {
                Value::Object(
                    kvs.into_iter()
                        .map(|(k, v)| (k.to_owned(), v))
                        .collect::<Map<_, _>>(),
                )
            }),
        ]
    })
}

fn exercise(body: &[u8]) {
    for client in ApiKind::ALL {
        let _ = request::read(client, body);
        for upstream in ApiKind::ALL {
            let _ = request::translate(client, upstream, body, Some("m"));
            let _ = response::translate(upstream, client, body, "m");
            let _ = error_body::translate(client, 500, body, Some(upstream), None);
        }
        let _ = response::extract_usage(client, body);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..256)) {
        exercise(&body);
    }

    #[test]
    fn arbitrary_shaped_json_never_panics(value in json_value()) {
        let body = serde_json::to_vec(&value).unwrap_or_default();
        exercise(&body);
    }

    #[test]
    fn successful_translations_are_json(value in json_value()) {
        let body = serde_json::to_vec(&value).unwrap_or_default();
        for client in [ApiKind::OpenAiChat, ApiKind::AnthropicMessages, ApiKind::OpenAiResponses, ApiKind::Gemini] {
            for upstream in ApiKind::ALL {
                if let Ok(out) = request::translate(client, upstream, &body, Some("m")) {
                    prop_assert!(serde_json::from_slice::<Value>(&out).is_ok());
                }
            }
        }
    }
}
