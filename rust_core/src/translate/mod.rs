//! API translation between the client APIs plano serves and the upstream APIs it calls.
//!
//! Spec: `shared/reference/plano_inventory.md` §3.4–§3.7 and §14. The design is hub and spoke:
//! every API converts to and from the intermediate forms in this module's children, so N client
//! APIs and M upstream APIs need N + M converters, not N × M. Same-API pairs never go through the
//! hub: their bytes pass through untouched.

// Provider names (OpenAI, camelCase field spellings) are prose here, not code.
#![allow(clippy::doc_markdown)]
// Field-by-field wire mappers read best as one linear function per direction.
#![allow(clippy::too_many_lines)]

pub mod common;
pub mod error;
pub mod error_body;
pub mod ir;
pub mod request;
pub mod response;
pub mod stream;
pub mod wire;

#[cfg(test)]
mod proptests;

use std::fmt;
use std::str::FromStr;

/// A wire API, named the way the providers name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApiKind {
    OpenAiChat,
    OpenAiResponses,
    AnthropicMessages,
    BedrockConverse,
    Gemini,
}

impl ApiKind {
    pub const ALL: [ApiKind; 5] = [
        ApiKind::OpenAiChat,
        ApiKind::OpenAiResponses,
        ApiKind::AnthropicMessages,
        ApiKind::BedrockConverse,
        ApiKind::Gemini,
    ];

    /// The boundary name, e.g. `openai-chat`.
    pub fn as_str(self) -> &'static str {
        match self {
            ApiKind::OpenAiChat => "openai-chat",
            ApiKind::OpenAiResponses => "openai-responses",
            ApiKind::AnthropicMessages => "anthropic-messages",
            ApiKind::BedrockConverse => "bedrock-converse",
            ApiKind::Gemini => "gemini",
        }
    }

    /// Whether clients may speak this API to plano (Bedrock is upstream-only).
    pub fn is_client_api(self) -> bool {
        !matches!(self, ApiKind::BedrockConverse)
    }
}

/// An API name that is not one of [`ApiKind`]'s boundary names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown API kind {0:?} (expected one of openai-chat, openai-responses, anthropic-messages, bedrock-converse, gemini)")]
pub struct UnknownApiKind(pub String);

impl FromStr for ApiKind {
    type Err = UnknownApiKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ApiKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownApiKind(s.to_owned()))
    }
}

impl fmt::Display for ApiKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundary_names_round_trip() {
        for kind in ApiKind::ALL {
            assert_eq!(kind.as_str().parse::<ApiKind>(), Ok(kind));
        }
        assert!("openai".parse::<ApiKind>().is_err());
    }
}
