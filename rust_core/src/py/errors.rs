//! Rust errors become Python exceptions here and only here.
//!
//! Tree: `CoreError(ValueError)` with subclasses `SseError`, `EventStreamError`,
//! `TranslationError`, `RateLimitError`.

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

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("CoreError", py.get_type::<CoreError>())?;
    m.add("SseError", py.get_type::<SseError>())?;
    m.add("EventStreamError", py.get_type::<EventStreamError>())?;
    m.add("TranslationError", py.get_type::<TranslationError>())?;
    m.add("RateLimitError", py.get_type::<RateLimitError>())?;
    Ok(())
}

impl From<crate::translate::error::TranslateError> for PyErr {
    fn from(err: crate::translate::error::TranslateError) -> Self {
        TranslationError::new_err(err.to_string())
    }
}
