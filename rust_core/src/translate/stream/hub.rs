//! The hub between an upstream parser and a client writer: it owns the stream's lifecycle
//! (idle → open → done | failed), injects the start an upstream skipped, turns an early end into
//! a client-dialect error, and records the observations the gateway reads (usage, stop reason,
//! output size, upstream id and model).

use super::json_out::char_count;
use super::{
    to_anthropic_messages, to_gemini, to_openai_chat, to_openai_responses, ErrorKind, Event,
    UsagePatch,
};
use crate::translate::common::{StopReason, Usage};
use crate::translate::ApiKind;

/// What every writer may read: ids, model, clock and what the upstream reported so far.
#[derive(Debug, Clone)]
pub struct Context {
    /// The upstream id without its API prefix (`chatcmpl-`, `msg_`, `resp_`), else a minted one;
    /// each writer prepends its own prefix.
    pub id_body: String,
    /// The upstream-reported model, else the one the translator was configured with.
    pub model: String,
    /// Unix seconds at which the translator was created (`created`, `created_at`).
    pub created_s: u64,
    pub usage: Option<Usage>,
    pub stop: Option<StopReason>,
    seed: u64,
}

impl Context {
    /// A 24-hex-digit identifier unique to this stream and `salt`, stable for a given clock.
    pub fn mint(&self, salt: u64) -> String {
        let a = splitmix64(self.seed ^ salt.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let b = splitmix64(a ^ salt);
        format!("{a:016x}{:08x}", b >> 32)
    }
}

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Strips the id prefix an API puts on its response ids.
fn id_body(id: &str) -> &str {
    ["chatcmpl-", "msg_", "resp_"]
        .iter()
        .find_map(|p| id.strip_prefix(p))
        .filter(|rest| !rest.is_empty())
        .unwrap_or(id)
}

/// The client-dialect writer the hub drives.
#[derive(Debug)]
enum Writer {
    Chat(to_openai_chat::Writer),
    Anthropic(to_anthropic_messages::Writer),
    Responses(to_openai_responses::Writer),
    Gemini(to_gemini::Writer),
}

impl Writer {
    fn new(client: ApiKind) -> Option<Self> {
        Some(match client {
            ApiKind::OpenAiChat => Writer::Chat(to_openai_chat::Writer::default()),
            ApiKind::AnthropicMessages => {
                Writer::Anthropic(to_anthropic_messages::Writer::default())
            }
            ApiKind::OpenAiResponses => Writer::Responses(to_openai_responses::Writer::default()),
            ApiKind::Gemini => Writer::Gemini(to_gemini::Writer::default()),
            ApiKind::BedrockConverse => return None,
        })
    }

    fn start(&mut self, ctx: &Context, out: &mut Vec<u8>) {
        match self {
            Writer::Chat(w) => w.start(ctx, out),
            Writer::Anthropic(w) => w.start(ctx, out),
            Writer::Responses(w) => w.start(ctx, out),
            Writer::Gemini(w) => w.start(ctx, out),
        }
    }

    fn on(&mut self, ev: &Event<'_>, ctx: &Context, out: &mut Vec<u8>) {
        match self {
            Writer::Chat(w) => w.on(ev, ctx, out),
            Writer::Anthropic(w) => w.on(ev, ctx, out),
            Writer::Responses(w) => w.on(ev, ctx, out),
            Writer::Gemini(w) => w.on(ev, ctx, out),
        }
    }

    fn done(&mut self, ctx: &Context, out: &mut Vec<u8>) {
        match self {
            Writer::Chat(w) => w.done(ctx, out),
            Writer::Anthropic(w) => w.done(ctx, out),
            Writer::Responses(w) => w.done(ctx, out),
            Writer::Gemini(w) => w.done(ctx, out),
        }
    }

    fn error(&mut self, ctx: &Context, kind: ErrorKind, message: &str, out: &mut Vec<u8>) {
        match self {
            Writer::Chat(w) => w.error(ctx, kind, message, out),
            Writer::Anthropic(w) => w.error(ctx, kind, message, out),
            Writer::Responses(w) => w.error(ctx, kind, message, out),
            Writer::Gemini(w) => w.error(ctx, kind, message, out),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Idle,
    Open,
    Done,
    Failed,
}

/// Drives one client writer from intermediate events and records observations.
#[derive(Debug)]
pub struct Hub {
    pub ctx: Context,
    writer: Writer,
    state: State,
    /// False for same-API passthrough: events are only observed, the raw bytes go to the client.
    is_translating: bool,
    output_chars: u64,
    upstream_id: Option<String>,
    has_tool_calls: bool,
}

impl Hub {
    /// A hub writing for `client`; `None` when `client` is not a client API.
    pub fn new(client: ApiKind, model: Option<&str>, created_s: u64, seed: u64) -> Option<Self> {
        let ctx = Context {
            id_body: String::new(),
            model: model.unwrap_or_default().to_owned(),
            created_s,
            usage: None,
            stop: None,
            seed,
        };
        Some(Self {
            ctx,
            writer: Writer::new(client)?,
            state: State::Idle,
            is_translating: true,
            output_chars: 0,
            upstream_id: None,
            has_tool_calls: false,
        })
    }

    /// A translating hub for `client` with a fixed clock (unit tests of parsers and writers).
    ///
    /// # Panics
    /// When `client` is not a client API.
    #[cfg(test)]
    pub fn for_tests(client: ApiKind) -> Self {
        match Self::new(client, Some("test-model"), 1_700_000_000, 7) {
            Some(hub) => hub,
            None => panic!("{client} is not a client API"),
        }
    }

    /// Switches to observe-only mode (same-API passthrough).
    pub fn observe_only(&mut self) {
        self.is_translating = false;
    }

    /// Keeps the usage-only chunk out of a Chat client's stream (it did not ask for usage).
    pub fn skip_usage_chunk(&mut self) {
        if let Writer::Chat(w) = &mut self.writer {
            w.skip_usage_chunk();
        }
    }

    /// Handles one intermediate event, appending client bytes to `out`.
    pub fn emit(&mut self, ev: Event<'_>, out: &mut Vec<u8>) {
        if matches!(self.state, State::Done | State::Failed) {
            // Late usage (e.g. Gemini's usage-only chunk after the end) still counts.
            if let Event::Usage(patch) = ev {
                self.merge_usage(patch);
            }
            return;
        }
        match ev {
            Event::Start { id, model } => {
                if self.state == State::Idle {
                    self.begin(id, model, out);
                }
            }
            Event::Usage(patch) => self.merge_usage(patch),
            Event::Error(kind, message) => {
                if self.is_translating {
                    self.fail(kind, message, out);
                } else if kind != ErrorKind::Malformed {
                    // Passthrough: the upstream's own error event already went to the client.
                    self.state = State::Failed;
                }
            }
            Event::Done => {
                self.ensure_started(out);
                if self.is_translating {
                    self.writer.done(&self.ctx, out);
                }
                self.state = State::Done;
            }
            _ => {
                let ev = match ev {
                    // Some upstreams (Ollama, Gemini via Chat) say `stop` after tool calls.
                    Event::Finish(StopReason::EndTurn) if self.has_tool_calls => {
                        Event::Finish(StopReason::ToolUse)
                    }
                    other => other,
                };
                match ev {
                    Event::Text(s) | Event::Reasoning(s) | Event::ToolArgs { delta: s, .. } => {
                        self.output_chars += char_count(s);
                    }
                    Event::ToolStart { .. } => self.has_tool_calls = true,
                    Event::Finish(stop) => self.ctx.stop = Some(stop),
                    _ => {}
                }
                self.ensure_started(out);
                if self.is_translating {
                    self.writer.on(&ev, &self.ctx, out);
                }
            }
        }
    }

    fn begin(&mut self, id: Option<&str>, model: Option<&str>, out: &mut Vec<u8>) {
        match id.filter(|s| !s.is_empty()) {
            Some(id) => {
                id_body(id).clone_into(&mut self.ctx.id_body);
                self.upstream_id = Some(id.to_owned());
            }
            None => self.ctx.id_body = self.ctx.mint(0),
        }
        if let Some(model) = model.filter(|s| !s.is_empty()) {
            self.ctx.model.clear();
            self.ctx.model.push_str(model);
        }
        self.state = State::Open;
        if self.is_translating {
            self.writer.start(&self.ctx, out);
        }
    }

    fn ensure_started(&mut self, out: &mut Vec<u8>) {
        if self.state == State::Idle {
            self.begin(None, None, out);
        }
    }

    fn merge_usage(&mut self, p: UsagePatch) {
        let u = self.ctx.usage.get_or_insert_with(Usage::default);
        let fields = [
            (&mut u.input_tokens, p.input_tokens),
            (&mut u.output_tokens, p.output_tokens),
            (&mut u.cache_read_tokens, p.cache_read_tokens),
            (&mut u.cache_creation_tokens, p.cache_creation_tokens),
            (&mut u.reasoning_tokens, p.reasoning_tokens),
        ];
        for (field, value) in fields {
            if let Some(v) = value {
                *field = v;
            }
        }
    }

    /// Ends the stream with a client-dialect error (no-op once the stream has ended).
    /// `upstream_started` tells a passthrough hub the upstream already sent its start event.
    pub fn fail(&mut self, kind: ErrorKind, message: &str, out: &mut Vec<u8>) {
        if matches!(self.state, State::Done | State::Failed) {
            return;
        }
        if self.is_translating {
            self.ensure_started(out);
        } else if self.state == State::Idle {
            self.ctx.id_body = self.ctx.mint(0);
        }
        self.writer.error(&self.ctx, kind, message, out);
        self.state = State::Failed;
    }

    /// For passthrough: the client already holds `last_sequence_number` events of a Responses
    /// stream, so a synthesized error must continue the numbering and not restart the envelope.
    pub fn adopt_upstream_envelope(&mut self, last_sequence_number: Option<u64>) {
        if let Writer::Responses(w) = &mut self.writer {
            w.adopt_upstream_envelope(last_sequence_number);
        }
    }

    /// The upstream reached EOF: complete the envelope if the generation finished, else report
    /// the truncation to the client.
    pub fn end_of_input(&mut self, out: &mut Vec<u8>) {
        match self.state {
            State::Done | State::Failed => {}
            State::Idle | State::Open => {
                if self.ctx.stop.is_some() {
                    self.emit(Event::Done, out);
                } else {
                    self.fail(ErrorKind::Truncated, "upstream stream ended early", out);
                }
            }
        }
    }

    pub fn is_started(&self) -> bool {
        self.state != State::Idle
    }

    pub fn is_closed(&self) -> bool {
        matches!(self.state, State::Done | State::Failed)
    }

    pub fn is_complete(&self) -> bool {
        self.state == State::Done
    }

    pub fn usage(&self) -> Option<Usage> {
        self.ctx.usage
    }

    pub fn stop_reason(&self) -> Option<StopReason> {
        self.ctx.stop
    }

    pub fn output_chars(&self) -> u64 {
        self.output_chars
    }

    pub fn add_output_chars(&mut self, n: u64) {
        self.output_chars += n;
    }

    pub fn upstream_id(&self) -> Option<&str> {
        self.upstream_id.as_deref()
    }

    pub fn model(&self) -> &str {
        &self.ctx.model
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_known_id_prefixes() {
        assert_eq!(id_body("chatcmpl-abc"), "abc");
        assert_eq!(id_body("msg_01X"), "01X");
        assert_eq!(id_body("resp_9"), "9");
        assert_eq!(id_body("plain"), "plain");
        assert_eq!(id_body("msg_"), "msg_");
    }

    #[test]
    fn minted_ids_are_stable_and_distinct() {
        let hub = Hub::new(ApiKind::OpenAiChat, None, 0, 42);
        let Some(hub) = hub else {
            panic!("chat is a client API")
        };
        assert_eq!(hub.ctx.mint(1), hub.ctx.mint(1));
        assert_ne!(hub.ctx.mint(1), hub.ctx.mint(2));
        assert_eq!(hub.ctx.mint(1).len(), 24);
    }

    #[test]
    fn bedrock_is_not_a_client() {
        assert!(Hub::new(ApiKind::BedrockConverse, None, 0, 0).is_none());
    }
}
