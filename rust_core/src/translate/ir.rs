//! The hub of request and non-streaming response translation (inventory §3.7): an API-neutral
//! request and response. Each client API has a reader into [`Request`] (`request/from_*.rs`) and
//! each upstream API a writer out of it (`request/to_*.rs`); responses go the other way
//! (`response/from_*.rs` → [`Response`] → `response/to_*.rs`).
//!
//! The IR keeps what at least two APIs can express. Whatever only one API has is either dropped
//! on cross-API translation (documented per writer) or rejected with a clear error.

use super::common::{StopReason, Usage};
use super::error::TranslateError;
use super::ApiKind;

/// Who said a message. System prompts live in [`Request::system`], not here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    User,
    Assistant,
}

/// An image, inline or by URL.
#[derive(Debug, Clone, PartialEq)]
pub enum Image {
    /// Base64 data with its media type (`image/png`).
    Base64 { media_type: String, data: String },
    /// A URL the provider fetches itself.
    Url(String),
}

impl Image {
    /// A file given as a `data:` URL or as bare base64 (assumed to be a PDF, as OpenAI does).
    pub fn from_file_data(file_data: &str) -> Self {
        if file_data.starts_with("data:") {
            Self::from_url(file_data)
        } else {
            Self::Base64 {
                media_type: "application/pdf".to_owned(),
                data: file_data.to_owned(),
            }
        }
    }

    /// From an OpenAI-style image URL: `data:<type>;base64,<data>` becomes inline data.
    pub fn from_url(url: &str) -> Self {
        if let Some(rest) = url.strip_prefix("data:") {
            if let Some((meta, data)) = rest.split_once(',') {
                if let Some(media_type) = meta.strip_suffix(";base64") {
                    let media_type = if media_type.is_empty() {
                        "image/jpeg"
                    } else {
                        media_type
                    };
                    return Self::Base64 {
                        media_type: media_type.to_owned(),
                        data: data.to_owned(),
                    };
                }
            }
        }
        Self::Url(url.to_owned())
    }

    /// As an OpenAI-style URL (inline data becomes a `data:` URL).
    pub fn to_url(&self) -> String {
        match self {
            Self::Base64 { media_type, data } => format!("data:{media_type};base64,{data}"),
            Self::Url(u) => u.clone(),
        }
    }
}

/// One piece of message content.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Text(String),
    Image(Image),
    /// A document such as a PDF (Anthropic `document`, Chat `file`, Responses `input_file`,
    /// Gemini non-image `inlineData`, Bedrock `document`); inline or by URL like an image.
    Document {
        source: Image,
        name: Option<String>,
    },
    /// A tool call made by the assistant; `arguments` is JSON text (an object).
    ToolCall {
        id: String,
        name: String,
        arguments: String,
    },
    /// A tool's result, paired with its call by `call_id`. Content is text and image parts.
    ToolResult {
        call_id: String,
        /// The called tool's name when the source API carries it (Gemini needs it).
        name: Option<String>,
        content: Vec<Part>,
        is_error: bool,
    },
    /// Model reasoning (Anthropic `thinking`, OpenAI `reasoning_content`, Gemini `thought`).
    Reasoning {
        text: String,
        /// Anthropic's `signature`, needed to send thinking back on a later turn.
        signature: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub role: Role,
    pub content: Vec<Part>,
}

/// A function tool the model may call; `parameters` is a JSON Schema object as JSON text,
/// copied through byte for byte (writers embed it raw).
#[derive(Debug, Clone, PartialEq)]
pub struct Tool {
    pub name: String,
    pub description: Option<String>,
    pub parameters: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolChoice {
    Auto,
    /// The model must call some tool (`required`, Anthropic/Bedrock `any`).
    Required,
    None,
    /// The model must call this tool.
    Tool(String),
}

/// Reasoning effort, OpenAI's scale. Anthropic's token budget maps onto it (see the writers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effort {
    Minimal,
    Low,
    Medium,
    High,
}

impl Effort {
    /// An OpenAI effort name; `none` (no reasoning) is not an effort and gives `None`.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "minimal" => Self::Minimal,
            "low" => Self::Low,
            "medium" => Self::Medium,
            "high" | "xhigh" | "max" => Self::High,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Minimal => "minimal",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
        }
    }

    /// The Anthropic `thinking.budget_tokens` used for this effort (Anthropic's minimum is 1024).
    pub fn budget_tokens(self) -> u64 {
        match self {
            Self::Minimal => 1024,
            Self::Low => 2048,
            Self::Medium => 8192,
            Self::High => 24576,
        }
    }

    /// The effort an Anthropic/Gemini thinking budget corresponds to.
    pub fn from_budget_tokens(budget: u64) -> Self {
        match budget {
            0..=1024 => Self::Minimal,
            1025..=4096 => Self::Low,
            4097..=16384 => Self::Medium,
            _ => Self::High,
        }
    }
}

/// The shape the answer must take (OpenAI `response_format`, Responses `text.format`, Gemini
/// `responseMimeType` + `responseJsonSchema`). Anthropic and Bedrock have no stable equivalent:
/// their writers drop it.
#[derive(Debug, Clone, PartialEq)]
pub enum ResponseFormat {
    Text,
    JsonObject,
    JsonSchema {
        name: String,
        description: Option<String>,
        /// JSON Schema as JSON text.
        schema: String,
        strict: Option<bool>,
    },
}

/// Whether and how much the model should reason before answering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reasoning {
    pub effort: Effort,
    /// An explicit token budget when the source API gave one (Anthropic, Gemini).
    pub budget_tokens: Option<u64>,
}

/// A chat request in API-neutral form.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Request {
    pub model: Option<String>,
    /// Every system/developer instruction, in order; writers join them with a blank line.
    pub system: Vec<String>,
    pub messages: Vec<Message>,
    pub tools: Vec<Tool>,
    pub tool_choice: Option<ToolChoice>,
    pub parallel_tool_calls: Option<bool>,
    pub max_tokens: Option<u64>,
    pub temperature: Option<f64>,
    pub top_p: Option<f64>,
    pub top_k: Option<u64>,
    pub stop: Vec<String>,
    pub stream: bool,
    /// Chat `stream_options.include_usage`: whether the client asked for a usage-only chunk at
    /// the end of the stream. `None` for APIs whose streams always report usage.
    pub stream_usage: Option<bool>,
    pub reasoning: Option<Reasoning>,
    /// OpenAI `user` / Anthropic `metadata.user_id`.
    pub user: Option<String>,
    /// Chat `web_search_options` (from Responses `web_search_preview` tools); only the Chat writer
    /// can express it.
    /// As a JSON object's text.
    pub web_search: Option<String>,
    pub response_format: Option<ResponseFormat>,
    /// The first thing the client API allows but no other API can express (path, what). Readers
    /// record it instead of failing so that same-API passthrough and `inspect` still work; every
    /// cross-API writer refuses a request that has one.
    pub unsupported: Option<(String, String)>,
}

impl Request {
    /// Appends a message, merging it into the previous one when the role repeats: Anthropic,
    /// Bedrock and Gemini want alternating turns, and tool results arrive as separate messages.
    pub fn push(&mut self, role: Role, content: Vec<Part>) {
        if let Some(last) = self.messages.last_mut() {
            if last.role == role {
                last.content.extend(content);
                return;
            }
        }
        self.messages.push(Message { role, content });
    }

    /// Records content only the client API can express (the first one wins).
    pub fn mark_unsupported(&mut self, path: String, what: impl Into<String>) {
        if self.unsupported.is_none() {
            self.unsupported = Some((path, what.into()));
        }
    }

    /// Fails when the request holds content the target API cannot express.
    pub fn check_supported(&self, target: ApiKind) -> Result<(), TranslateError> {
        match &self.unsupported {
            None => Ok(()),
            Some((path, what)) => Err(TranslateError::Unsupported {
                path: path.clone(),
                what: what.clone(),
                target,
            }),
        }
    }

    /// Every tool result must answer an earlier tool call: each target API rejects orphans, and
    /// saying so here names the id instead of relaying an upstream's puzzling 400.
    pub fn check_tool_pairing(&self) -> Result<(), TranslateError> {
        let mut calls: Vec<&str> = Vec::new();
        for part in self.messages.iter().flat_map(|m| &m.content) {
            match part {
                Part::ToolCall { id, .. } => calls.push(id),
                Part::ToolResult { call_id, .. } if !calls.contains(&call_id.as_str()) => {
                    return Err(TranslateError::Invalid {
                        path: "messages".into(),
                        reason: format!(
                            "the tool result for {call_id:?} answers no earlier tool call"
                        ),
                    });
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Whether any message carries a tool call or result.
    pub fn has_tool_history(&self) -> bool {
        self.messages
            .iter()
            .flat_map(|m| &m.content)
            .any(|p| matches!(p, Part::ToolCall { .. } | Part::ToolResult { .. }))
    }

    /// The joined system prompt, or `None` when there is none.
    pub fn system_text(&self) -> Option<String> {
        if self.system.is_empty() {
            None
        } else {
            Some(self.system.join("\n\n"))
        }
    }
}

/// A complete (non-streaming) model response in API-neutral form.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Response {
    /// The upstream's id, when it reported one.
    pub id: Option<String>,
    /// The upstream-reported model, when it reported one.
    pub model: Option<String>,
    /// Unix seconds, when the upstream reported it.
    pub created: Option<u64>,
    /// Text, reasoning and tool-call parts in output order.
    pub content: Vec<Part>,
    pub stop_reason: Option<StopReason>,
    pub stop_sequence: Option<String>,
    pub usage: Usage,
}

impl Response {
    pub fn has_tool_calls(&self) -> bool {
        self.content
            .iter()
            .any(|p| matches!(p, Part::ToolCall { .. }))
    }
}
