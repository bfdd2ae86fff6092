//! Streaming response translation: one upstream response stream in, client-ready bytes out.
//!
//! Spec: `shared/reference/plano_inventory.md` §3.7 (Streaming), §10.1 (usage) and §14. Hub and
//! spoke: each upstream API has a parser (`from_*`) turning its events into the intermediate
//! [`Event`]s below, and each client API has a writer (`to_*`) turning those into its SSE bytes;
//! the [`Hub`] between them guarantees the envelope (exactly one start and one end, a synthesized
//! start when the upstream skipped it, a client-dialect error when it failed or was cut) and
//! records what the gateway needs (usage, stop reason, output size). Same-API pairs are forwarded
//! byte-identical by [`passthrough`], which parses only the events that carry usage or end the
//! stream.

mod from_anthropic_messages;
mod from_bedrock_converse;
mod from_gemini;
mod from_openai_chat;
mod from_openai_responses;
mod hub;
mod json_out;
mod passthrough;
mod to_anthropic_messages;
mod to_gemini;
mod to_openai_chat;
mod to_openai_responses;
mod translator;

pub use hub::{Context, Hub};
pub use translator::{StreamConfigError, Translator};

use crate::translate::common::StopReason;

/// One intermediate stream event. Borrowed from the upstream event being parsed, so producing it
/// costs no allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event<'a> {
    /// The response began; the upstream's id and model when it reports them.
    Start {
        id: Option<&'a str>,
        model: Option<&'a str>,
    },
    /// Visible output text.
    Text(&'a str),
    /// Reasoning ("thinking") text.
    Reasoning(&'a str),
    /// An opaque signature over the reasoning so far (Anthropic, Bedrock).
    ReasoningSignature(&'a str),
    /// A tool call begins. `key` is the upstream's handle for it (a block or call index), used by
    /// the argument deltas that follow; `id` is `None` when the upstream gives none.
    ToolStart {
        key: u32,
        id: Option<&'a str>,
        name: &'a str,
    },
    /// A fragment of a tool call's JSON arguments.
    ToolArgs { key: u32, delta: &'a str },
    /// The current content block ended.
    BlockStop,
    /// Why the generation stopped.
    Finish(StopReason),
    /// Token counts; fields the upstream did not report in this event are `None`.
    Usage(UsagePatch),
    /// The upstream failed mid-stream.
    Error(ErrorKind, &'a str),
    /// The upstream's terminal event (`[DONE]`, `message_stop`, `response.completed`, ...).
    Done,
}

/// A partial usage report; the hub merges successive reports field by field.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UsagePatch {
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    pub cache_read_tokens: Option<u64>,
    pub cache_creation_tokens: Option<u64>,
    pub reasoning_tokens: Option<u64>,
}

/// What kind of failure ended a stream, mapped to each client dialect's error type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The upstream rejected the request (validation).
    InvalidRequest,
    /// Throttled by the upstream.
    RateLimited,
    /// The upstream is overloaded or unavailable.
    Overloaded,
    /// The upstream reported an internal error.
    Server,
    /// The upstream sent something unparseable (ignored by passthrough: the client parses it).
    Malformed,
    /// The upstream closed the stream before its terminal event.
    Truncated,
    /// The gateway gave up on the stream (cut connection, timeout).
    Aborted,
}

/// The neutral name of a stop reason, as returned by `StreamTranslator.stop_reason()`.
pub fn stop_reason_name(stop: StopReason) -> &'static str {
    match stop {
        StopReason::EndTurn => "end_turn",
        StopReason::MaxTokens => "max_tokens",
        StopReason::StopSequence => "stop_sequence",
        StopReason::ToolUse => "tool_use",
        StopReason::ContentFilter => "content_filter",
        StopReason::PauseTurn => "pause_turn",
    }
}
