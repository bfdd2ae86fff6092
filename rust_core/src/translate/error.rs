//! The one error type of request, response and error-body translation (`TranslationError` in
//! Python, mapped in `py/errors.rs`). Variants carry the offending field's path so the gateway can
//! show the caller exactly what is wrong, e.g. `messages[2].content: expected a string or an array
//! of content parts`.

use super::ApiKind;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TranslateError {
    /// The body is not JSON; `detail` is serde's message, which names the line and column.
    #[error("body is not valid JSON: {detail}")]
    Json { detail: String },
    /// A field has the wrong JSON type or shape.
    #[error("{path}: expected {expected}")]
    Type {
        path: String,
        expected: &'static str,
    },
    /// A field the API requires is absent.
    #[error("{path}: missing required field")]
    Missing { path: String },
    /// A field has the right type but a value the API does not accept.
    #[error("{path}: {reason}")]
    Invalid { path: String, reason: String },
    /// The content is valid for the source API but cannot be expressed in the target API.
    #[error("{path}: {what} cannot be translated to {target}")]
    Unsupported {
        path: String,
        what: String,
        target: ApiKind,
    },
    /// The API is upstream-only (Bedrock Converse) and was named as a client.
    #[error("{0} can only be used as an upstream API, not as a client API")]
    NotClientApi(ApiKind),
}

impl TranslateError {
    pub(crate) fn json(err: &serde_json::Error) -> Self {
        Self::Json {
            detail: err.to_string(),
        }
    }
}
