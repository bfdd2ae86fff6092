//! Wire-level building blocks shared by the request and response converters: a borrowed JSON
//! document for reading bodies (`dom`) with path-aware access to it (`json`), byte-preserving edits of a body's top-level fields for same-API passthrough
//! (`edit`), id minting for responses that lack one (`ids`), and a streaming JSON
//! writer for the IR → wire direction (`writer`).

pub mod dom;
pub mod edit;
pub mod ids;
pub mod json;
pub mod writer;
