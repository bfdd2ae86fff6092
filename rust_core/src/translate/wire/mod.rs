//! Wire-level building blocks shared by the request and response converters: path-aware JSON
//! access (`json`), byte-preserving edits of a body's top-level fields for same-API passthrough
//! (`edit`), and id minting for responses that lack one (`ids`).

pub mod edit;
pub mod ids;
pub mod json;
