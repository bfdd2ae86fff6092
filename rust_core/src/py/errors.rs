//! Rust errors become Python exceptions here and only here.
//!
//! Tree: `CoreError(ValueError)` with subclasses `SseError`, `EventStreamError`,
//! `TranslationError`, `RateLimitError`, `Http1Error`.

use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

create_exception!(
    _core,
    CoreError,
    PyValueError,
    "Base class of every error raised by plano._core."
);
create_exception!(
    _core,
    SseError,
    CoreError,
    "Malformed or oversized server-sent-event input."
);
create_exception!(
    _core,
    EventStreamError,
    CoreError,
    "Malformed AWS event-stream input or an exception frame."
);
create_exception!(
    _core,
    TranslationError,
    CoreError,
    "A body or chunk that cannot be translated between APIs."
);
create_exception!(
    _core,
    RateLimitError,
    CoreError,
    "Invalid rate-limit configuration or arguments."
);

create_exception!(
    _core,
    Http1Error,
    CoreError,
    "A malformed or oversized HTTP/1.1 response, or a request that cannot be encoded safely."
);

impl From<crate::http1::Http1Error> for PyErr {
    fn from(e: crate::http1::Http1Error) -> Self {
        Http1Error::new_err(e.to_string())
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("CoreError", py.get_type::<CoreError>())?;
    m.add("SseError", py.get_type::<SseError>())?;
    m.add("EventStreamError", py.get_type::<EventStreamError>())?;
    m.add("TranslationError", py.get_type::<TranslationError>())?;
    m.add("RateLimitError", py.get_type::<RateLimitError>())?;
    m.add("Http1Error", py.get_type::<Http1Error>())?;
    Ok(())
}
