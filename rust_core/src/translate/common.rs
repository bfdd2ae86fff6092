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
