//! Error bodies in the client's dialect (inventory §1.6, and §14 consequence 4 fixed: the
//! reference forwarded upstream error bodies untranslated).
//!
//! An upstream error (OpenAI/Gemini `{"error": {...}}`, Anthropic `{"type": "error", ...}`,
//! Bedrock `{"message": ...}` with the `x-amzn-errortype` header value passed separately, or a
//! non-JSON body such as a proxy's HTML 502 page) is reduced to a message plus the upstream's own
//! error kind, then rebuilt as the client API's envelope with the error type mapped from the
//! HTTP status. Only the upstream's body is used: no request header ever reaches the text.

use std::borrow::Cow;

use serde_json::{json, Value};

use super::error::TranslateError;
type Object = serde_json::Map<String, Value>;
use super::ApiKind;

/// Longest message kept from a non-JSON body, in bytes.
const MAX_TEXT_MESSAGE_BYTES: usize = 500;

/// What an upstream error body says, API-neutrally.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UpstreamError {
    pub message: String,
    /// The upstream's error kind (`overloaded_error`, `ThrottlingException`, `RESOURCE_EXHAUSTED`).
    pub kind: Option<String>,
    /// OpenAI's `code` and `param`, kept for OpenAI-dialect clients.
    pub code: Option<Value>,
    pub param: Option<Value>,
}

fn str_field(o: &Object, key: &str) -> Option<String> {
    o.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// Reads an error body of any known shape; never fails.
pub fn parse(status: u16, body: &[u8], error_type: Option<&str>) -> UpstreamError {
    let mut err = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(o)) => from_object(&o),
        // Gemini sometimes wraps its error object in a one-element array.
        Ok(Value::Array(a)) => match a.first() {
            Some(Value::Object(o)) => from_object(o),
            _ => UpstreamError::default(),
        },
        Ok(Value::String(s)) => UpstreamError {
            message: s,
            ..UpstreamError::default()
        },
        _ => UpstreamError {
            message: text_message(body),
            ..UpstreamError::default()
        },
    };
    if let Some(t) = error_type.filter(|t| !t.is_empty()) {
        // `ValidationException:http://internal.amazon.com/coral/...` → `ValidationException`.
        err.kind = Some(t.split(':').next().unwrap_or(t).to_owned());
    }
    if err.message.is_empty() {
        err.message = format!(
            "upstream returned HTTP {status} ({})",
            reason_phrase(status)
        );
    }
    err
}

fn from_object(o: &Object) -> UpstreamError {
    match o.get("error") {
        Some(Value::Object(e)) => UpstreamError {
            message: str_field(e, "message").unwrap_or_default(),
            kind: str_field(e, "type").or_else(|| str_field(e, "status")),
            // Gemini's numeric `code` only repeats the HTTP status; its `status` is the kind.
            code: e.get("code").filter(|c| c.is_string()).cloned(),
            param: e.get("param").filter(|p| !p.is_null()).cloned(),
        },
        Some(Value::String(s)) => UpstreamError {
            message: str_field(o, "message").unwrap_or_else(|| s.clone()),
            kind: Some(s.clone()).filter(|_| o.contains_key("message")),
            ..UpstreamError::default()
        },
        _ => UpstreamError {
            message: ["message", "Message", "detail", "error_message"]
                .iter()
                .find_map(|k| str_field(o, k))
                .unwrap_or_default(),
            kind: str_field(o, "__type").or_else(|| str_field(o, "code")),
            ..UpstreamError::default()
        },
    }
}

/// A short plain-text message from a non-JSON body: tags stripped, whitespace collapsed.
fn text_message(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out = String::with_capacity(text.len().min(MAX_TEXT_MESSAGE_BYTES));
    let mut in_tag = false;
    let mut last_space = true;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                if !last_space {
                    out.push(' ');
                    last_space = true;
                }
            }
            _ if in_tag => {}
            c if c.is_whitespace() => {
                if !last_space {
                    out.push(' ');
                    last_space = true;
                }
            }
            c => {
                if out.len() + c.len_utf8() > MAX_TEXT_MESSAGE_BYTES {
                    break;
                }
                out.push(c);
                last_space = false;
            }
        }
    }
    out.trim().to_owned()
}

fn reason_phrase(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        413 => "Payload Too Large",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        529 => "Overloaded",
        _ => "error",
    }
}

/// Anthropic's error `type` for an HTTP status.
pub fn anthropic_type(status: u16) -> &'static str {
    match status {
        401 => "authentication_error",
        402 => "billing_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        504 => "timeout_error",
        503 | 529 => "overloaded_error",
        500..=599 => "api_error",
        _ => "invalid_request_error",
    }
}

/// OpenAI's error `type` for an HTTP status.
pub fn openai_type(status: u16) -> &'static str {
    match status {
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        429 => "rate_limit_error",
        500..=599 => "server_error",
        _ => "invalid_request_error",
    }
}

/// Gemini's (google.rpc) `status` for an HTTP status.
pub fn gemini_status(status: u16) -> &'static str {
    match status {
        400 | 413 | 422 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        409 => "ABORTED",
        429 => "RESOURCE_EXHAUSTED",
        499 => "CANCELLED",
        501 => "UNIMPLEMENTED",
        503 | 529 => "UNAVAILABLE",
        504 => "DEADLINE_EXCEEDED",
        500..=599 => "INTERNAL",
        _ => "FAILED_PRECONDITION",
    }
}

/// The client API's error envelope.
pub fn envelope(
    client: ApiKind,
    status: u16,
    err: &UpstreamError,
) -> Result<Vec<u8>, TranslateError> {
    let value = match client {
        ApiKind::OpenAiChat | ApiKind::OpenAiResponses => json!({"error": {
            "message": err.message,
            "type": openai_type(status),
            "param": err.param,
            "code": err.code.clone().or_else(|| err.kind.clone().map(Value::String)),
        }}),
        ApiKind::AnthropicMessages => json!({
            "type": "error",
            "error": {"type": anthropic_type(status), "message": err.message},
        }),
        ApiKind::Gemini => json!({"error": {
            "code": status, "message": err.message, "status": gemini_status(status),
        }}),
        ApiKind::BedrockConverse => return Err(TranslateError::NotClientApi(client)),
    };
    serde_json::to_vec(&value).map_err(|e| TranslateError::json(&e))
}

/// Whether the body already is a well-formed error envelope of `api`.
fn is_envelope_of(api: ApiKind, body: &[u8]) -> bool {
    let Ok(Value::Object(o)) = serde_json::from_slice::<Value>(body) else {
        return false;
    };
    let inner = o.get("error").and_then(Value::as_object);
    let has_message = inner.is_some_and(|e| e.get("message").is_some_and(Value::is_string));
    match api {
        ApiKind::AnthropicMessages => {
            has_message && o.get("type").and_then(Value::as_str) == Some("error")
        }
        ApiKind::OpenAiChat | ApiKind::OpenAiResponses | ApiKind::Gemini => has_message,
        ApiKind::BedrockConverse => false,
    }
}

/// Translates an error body for the client. `upstream: None` means plano's own error, whose body
/// is read the same way (any known shape, or plain text). An upstream body that already is the
/// client's envelope is returned unchanged.
pub fn translate<'b>(
    client: ApiKind,
    status: u16,
    body: &'b [u8],
    upstream: Option<ApiKind>,
    error_type: Option<&str>,
) -> Result<Cow<'b, [u8]>, TranslateError> {
    if upstream == Some(client) && is_envelope_of(client, body) {
        return Ok(Cow::Borrowed(body));
    }
    envelope(client, status, &parse(status, body, error_type)).map(Cow::Owned)
}

/// Plano's own error as the client's envelope.
pub fn own_error(
    client: ApiKind,
    status: u16,
    message: &str,
    code: Option<&str>,
) -> Result<Vec<u8>, TranslateError> {
    let err = UpstreamError {
        message: message.to_owned(),
        code: code.map(|c| Value::String(c.to_owned())),
        ..UpstreamError::default()
    };
    envelope(client, status, &err)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn v(b: &[u8]) -> Value {
        serde_json::from_slice(b).unwrap()
    }

    #[test]
    fn anthropic_overload_for_openai_client() {
        let body =
            br#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#;
        let out = translate(
            ApiKind::OpenAiChat,
            529,
            body,
            Some(ApiKind::AnthropicMessages),
            None,
        )
        .unwrap();
        let out = v(&out);
        assert_eq!(out["error"]["message"], "Overloaded");
        assert_eq!(out["error"]["type"], "server_error");
        assert_eq!(out["error"]["code"], "overloaded_error");
    }

    #[test]
    fn bedrock_with_header_type() {
        let body = br#"{"message":"Too many requests, please wait"}"#;
        let out = translate(
            ApiKind::AnthropicMessages,
            429,
            body,
            Some(ApiKind::BedrockConverse),
            Some("ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/"),
        )
        .unwrap();
        let out = v(&out);
        assert_eq!(out["type"], "error");
        assert_eq!(out["error"]["type"], "rate_limit_error");
        assert_eq!(out["error"]["message"], "Too many requests, please wait");
    }

    #[test]
    fn html_page_becomes_text() {
        let body = b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>";
        let out =
            v(&translate(ApiKind::Gemini, 502, body, Some(ApiKind::OpenAiChat), None).unwrap());
        assert_eq!(out["error"]["message"], "502 Bad Gateway 502 Bad Gateway");
        assert_eq!(out["error"]["status"], "INTERNAL");
        assert_eq!(out["error"]["code"], 502);
    }

    #[test]
    fn same_api_envelope_is_untouched() {
        let body = br#"{"error":{"message":"bad","type":"invalid_request_error","param":"x","code":null}}"#;
        let out = translate(
            ApiKind::OpenAiChat,
            400,
            body,
            Some(ApiKind::OpenAiChat),
            None,
        )
        .unwrap();
        assert!(matches!(out, Cow::Borrowed(_)));
    }

    #[test]
    fn empty_body_names_the_status() {
        let out = v(&translate(
            ApiKind::AnthropicMessages,
            503,
            b"",
            Some(ApiKind::OpenAiChat),
            None,
        )
        .unwrap());
        assert_eq!(
            out["error"]["message"],
            "upstream returned HTTP 503 (Service Unavailable)"
        );
        assert_eq!(out["error"]["type"], "overloaded_error");
    }
}
