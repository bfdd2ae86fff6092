//! HTTP/1.1 client-side message handling for the upstream client (`plano.providers.client`).
//!
//! Spec: RFC 9112 (HTTP/1.1 message syntax and framing). `request` assembles one request in a
//! single buffer (request line, headers, body) after checking every header for injection;
//! `response` parses a response incrementally, bytes in and (head?, body bytes, done?) out.
//! The Python side owns sockets, pools and timeouts; this module owns the bytes.

pub mod request;
pub mod response;

pub use request::encode_request;
pub use response::{Head, ResponseParser};

/// Why a request could not be encoded or a response could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Http1Error {
    #[error("malformed response head: {0}")]
    MalformedHead(String),
    #[error("response head exceeds {0} bytes")]
    HeadTooLarge(usize),
    #[error("response has more than {} header fields", response::MAX_HEADERS)]
    TooManyHeaders,
    #[error("invalid content-length")]
    InvalidContentLength,
    #[error("malformed chunked body")]
    MalformedChunk,
    #[error("line in chunked body exceeds {0} bytes")]
    LineTooLong(usize),
    #[error("unexpected 101 switching protocols")]
    UnexpectedUpgrade,
    #[error("invalid request {part}: {value:?}")]
    InvalidRequest { part: &'static str, value: String },
}
