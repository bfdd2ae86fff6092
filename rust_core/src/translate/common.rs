//! Vocabulary shared by request, response and stream translation: why a generation stopped and
//! how many tokens it used, in API-neutral form, with the mapping to and from each API's names.

/// Why the model stopped, in API-neutral terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StopReason {
    /// Natural end of turn (`stop`, `end_turn`, `STOP`).
    EndTurn,
    /// Output token limit (`length`, `max_tokens`, `MAX_TOKENS`).
    MaxTokens,
    /// A stop sequence matched.
    StopSequence,
    /// The model wants tool results (`tool_calls`, `tool_use`).
    ToolUse,
    /// A safety system or guardrail intervened (`content_filter`, `refusal`, `SAFETY`).
    ContentFilter,
    /// Anthropic `pause_turn`: a long-running server tool paused the turn.
    PauseTurn,
}

/// Token usage in API-neutral form. `input_tokens` excludes nothing: it is the prompt size as the
/// upstream reported it; cached and cache-creation counts are subsets reported alongside.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cache_read_tokens: u64,
    pub cache_creation_tokens: u64,
    pub reasoning_tokens: u64,
}

impl Usage {
    pub fn total_tokens(&self) -> u64 {
        self.input_tokens.saturating_add(self.output_tokens)
    }
}

impl StopReason {
    /// From an OpenAI Chat `finish_reason` (`function_call` is the legacy spelling of `tool_calls`).
    pub fn from_openai_chat(s: &str) -> Option<Self> {
        Some(match s {
            "stop" => Self::EndTurn,
            "length" => Self::MaxTokens,
            "tool_calls" | "function_call" => Self::ToolUse,
            "content_filter" => Self::ContentFilter,
            _ => return None,
        })
    }

    /// To an OpenAI Chat `finish_reason`; Chat has no stop-sequence or pause reason, so both are `stop`.
    pub fn to_openai_chat(self) -> &'static str {
        match self {
            Self::EndTurn | Self::StopSequence | Self::PauseTurn => "stop",
            Self::MaxTokens => "length",
            Self::ToolUse => "tool_calls",
            Self::ContentFilter => "content_filter",
        }
    }

    /// From an Anthropic Messages `stop_reason`.
    pub fn from_anthropic(s: &str) -> Option<Self> {
        Some(match s {
            "end_turn" => Self::EndTurn,
            "max_tokens" | "model_context_window_exceeded" => Self::MaxTokens,
            "stop_sequence" => Self::StopSequence,
            "tool_use" => Self::ToolUse,
            "refusal" => Self::ContentFilter,
            "pause_turn" => Self::PauseTurn,
            _ => return None,
        })
    }

    /// To an Anthropic Messages `stop_reason`.
    pub fn to_anthropic(self) -> &'static str {
        match self {
            Self::EndTurn => "end_turn",
            Self::MaxTokens => "max_tokens",
            Self::StopSequence => "stop_sequence",
            Self::ToolUse => "tool_use",
            Self::ContentFilter => "refusal",
            Self::PauseTurn => "pause_turn",
        }
    }

    /// From a Bedrock Converse `stopReason`.
    pub fn from_bedrock(s: &str) -> Option<Self> {
        Some(match s {
            "end_turn" => Self::EndTurn,
            "max_tokens" | "model_context_window_exceeded" => Self::MaxTokens,
            "stop_sequence" => Self::StopSequence,
            "tool_use" => Self::ToolUse,
            "guardrail_intervened" | "content_filtered" => Self::ContentFilter,
            _ => return None,
        })
    }

    /// From a Gemini `finishReason`. Gemini reports `STOP` even when the turn ends in function
    /// calls; readers upgrade that to [`StopReason::ToolUse`] when the candidate holds calls.
    pub fn from_gemini(s: &str) -> Option<Self> {
        Some(match s {
            "STOP" | "FINISH_REASON_UNSPECIFIED" | "OTHER" | "MALFORMED_FUNCTION_CALL" => {
                Self::EndTurn
            }
            "MAX_TOKENS" => Self::MaxTokens,
            "SAFETY" | "RECITATION" | "LANGUAGE" | "BLOCKLIST" | "PROHIBITED_CONTENT" | "SPII"
            | "IMAGE_SAFETY" => Self::ContentFilter,
            _ => return None,
        })
    }

    /// To a Gemini `finishReason`.
    pub fn to_gemini(self) -> &'static str {
        match self {
            Self::EndTurn | Self::StopSequence | Self::ToolUse | Self::PauseTurn => "STOP",
            Self::MaxTokens => "MAX_TOKENS",
            Self::ContentFilter => "SAFETY",
        }
    }

    /// To an OpenAI Responses `(status, incomplete_details.reason)` pair.
    pub fn to_openai_responses(self) -> (&'static str, Option<&'static str>) {
        match self {
            Self::MaxTokens => ("incomplete", Some("max_output_tokens")),
            Self::ContentFilter => ("incomplete", Some("content_filter")),
            _ => ("completed", None),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn stop_reasons_round_trip_through_each_api() {
        for r in [
            StopReason::EndTurn,
            StopReason::MaxTokens,
            StopReason::StopSequence,
            StopReason::ToolUse,
            StopReason::ContentFilter,
            StopReason::PauseTurn,
        ] {
            assert_eq!(StopReason::from_anthropic(r.to_anthropic()), Some(r));
        }
        assert_eq!(
            StopReason::from_openai_chat("length"),
            Some(StopReason::MaxTokens)
        );
        assert_eq!(
            StopReason::from_gemini("SAFETY"),
            Some(StopReason::ContentFilter)
        );
        assert_eq!(
            StopReason::from_bedrock("guardrail_intervened"),
            Some(StopReason::ContentFilter)
        );
        assert_eq!(StopReason::MaxTokens.to_openai_responses().0, "incomplete");
        assert_eq!(StopReason::from_openai_chat("bogus"), None);
    }
}
