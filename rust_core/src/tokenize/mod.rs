//! Token counting: `o200k_base` and `cl100k_base` BPE with ranks embedded in the binary
//! (`tiktoken-rs`), nothing downloaded at run time, and request-body counting for every client API.
//!
//! Spec: `shared/reference/plano_inventory.md` §3.8 (the rate limiter's cost is the token count
//! of the request). Model → encoding: `gpt-4o*` and `gpt-4.1*` → `o200k_base`; other `gpt-4*` and
//! `gpt-3.5*` → `cl100k_base`; everything else (newer GPT models and every model of another vendor,
//! whose real tokenizers are not public) → `o200k_base`. A provider prefix (`openai/gpt-4`) is
//! ignored. Text is encoded as ordinary text: special-token strings in user input count as text.
//!
//! The first count with an encoding builds its rank table (~0.1–0.3 s); later counts
//! reuse it. [`count_request_tokens`] is in [`request`].

pub mod request;

pub use request::count_request_tokens;

use tiktoken_rs::CoreBPE;

/// A supported BPE encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    O200kBase,
    Cl100kBase,
}

impl Encoding {
    pub fn parse(name: &str) -> Result<Self, TokenizeError> {
        match name {
            "o200k_base" => Ok(Encoding::O200kBase),
            "cl100k_base" => Ok(Encoding::Cl100kBase),
            _ => Err(TokenizeError::UnknownEncoding(name.to_owned())),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::O200kBase => "o200k_base",
            Encoding::Cl100kBase => "cl100k_base",
        }
    }

    /// The encoding used to count tokens for `model` (see the module docs).
    pub fn for_model(model: Option<&str>) -> Self {
        let Some(model) = model else {
            return Encoding::O200kBase;
        };
        let bare = model.rsplit('/').next().unwrap_or(model);
        if bare.starts_with("gpt-4o") || bare.starts_with("gpt-4.1") {
            Encoding::O200kBase
        } else if bare.starts_with("gpt-4") || bare.starts_with("gpt-3.5") {
            Encoding::Cl100kBase
        } else {
            Encoding::O200kBase
        }
    }

    fn bpe(self) -> &'static CoreBPE {
        match self {
            Encoding::O200kBase => tiktoken_rs::o200k_base_singleton(),
            Encoding::Cl100kBase => tiktoken_rs::cl100k_base_singleton(),
        }
    }

    /// Tokens in `text`.
    pub fn count(self, text: &str) -> usize {
        if text.is_empty() {
            return 0;
        }
        self.bpe().encode_ordinary(text).len()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenizeError {
    #[error("unknown encoding {0:?} (expected o200k_base or cl100k_base)")]
    UnknownEncoding(String),
    #[error(transparent)]
    UnknownApi(#[from] crate::translate::UnknownApiKind),
    #[error("request body is not valid JSON: {0}")]
    Json(String),
    #[error("malformed {api} request body: {reason}")]
    Shape { api: &'static str, reason: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn models_map_to_encodings() {
        let cases = [
            (Some("gpt-4o-mini"), Encoding::O200kBase),
            (Some("gpt-4.1-nano"), Encoding::O200kBase),
            (Some("openai/gpt-4-turbo"), Encoding::Cl100kBase),
            (Some("gpt-4"), Encoding::Cl100kBase),
            (Some("gpt-3.5-turbo"), Encoding::Cl100kBase),
            (Some("gpt-5"), Encoding::O200kBase),
            (Some("claude-sonnet-4-5"), Encoding::O200kBase),
            (None, Encoding::O200kBase),
        ];
        for (model, want) in cases {
            assert_eq!(Encoding::for_model(model), want, "{model:?}");
        }
    }

    #[test]
    fn known_counts() {
        assert_eq!(Encoding::O200kBase.count(""), 0);
        assert_eq!(Encoding::O200kBase.count("hello world"), 2);
        assert_eq!(Encoding::Cl100kBase.count("hello world"), 2);
        // Special tokens in user text are ordinary text, not one special token.
        assert!(Encoding::Cl100kBase.count("<|endoftext|>") > 1);
        assert!(Encoding::parse("p50k_base").is_err());
    }
}
