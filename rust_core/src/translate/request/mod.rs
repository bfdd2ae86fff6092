//! Request translation (inventory §3.7): client body → IR → upstream body.

pub mod from_anthropic_messages;
pub mod from_gemini;
pub mod from_openai_chat;
pub mod from_openai_responses;
