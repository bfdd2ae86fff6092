//! Rust errors become Python exceptions here and only here.
//!
//! Tree: `CoreError(ValueError)` with subclasses `SseError`, `EventStreamError`,
//! `TranslationError`, `RateLimitError`, `TokenizeError`, `Http1Error`.

use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

create_exception!(
    plano._core,
    CoreError,
    PyValueError,
    "Base class of every error raised by plano._core."
);
create_exception!(
    plano._core,
    SseError,
    CoreError,
    "Malformed or oversized server-sent-event input."
);
create_exception!(
    plano._core,
    EventStreamError,
    CoreError,
    "Malformed AWS event-stream input or an exception frame."
);
create_exception!(
    plano._core,
    TranslationError,
    CoreError,
    "A body or chunk that cannot be translated between APIs."
);
create_exception!(
    plano._core,
    RateLimitError,
    CoreError,
    "Invalid rate-limit configuration or arguments."
);
create_exception!(
    plano._core,
    TokenizeError,
    CoreError,
    "An unknown encoding or API, or a request body that cannot be counted."
);

impl From<crate::sse::SseError> for PyErr {
    fn from(err: crate::sse::SseError) -> Self {
        SseError::new_err(err.to_string())
    }
}

/// Exception frames keep their type and message as attributes (`exception_type`,
/// `upstream_message`); other event-stream errors leave them `None`.
impl From<crate::eventstream::FrameError> for PyErr {
    fn from(err: crate::eventstream::FrameError) -> Self {
        let text = err.to_string();
        let crate::eventstream::FrameError::Exception {
            exception_type,
            message,
        } = err
        else {
            return EventStreamError::new_err(text);
        };
        Python::attach(|py| {
            let err = EventStreamError::new_err(text);
            let value = err.value(py);
            let set = value
                .setattr("exception_type", exception_type)
                .and_then(|()| value.setattr("upstream_message", message));
            set.err().unwrap_or(err)
        })
    }
}

impl From<crate::ratelimit::RateLimitError> for PyErr {
    fn from(err: crate::ratelimit::RateLimitError) -> Self {
        RateLimitError::new_err(err.to_string())
    }
}

impl From<crate::tokenize::TokenizeError> for PyErr {
    fn from(err: crate::tokenize::TokenizeError) -> Self {
        TokenizeError::new_err(err.to_string())
    }
}

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
    let event_stream_error = py.get_type::<EventStreamError>();
    event_stream_error.setattr("exception_type", py.None())?;
    event_stream_error.setattr("upstream_message", py.None())?;
    m.add("CoreError", py.get_type::<CoreError>())?;
    m.add("SseError", py.get_type::<SseError>())?;
    m.add("EventStreamError", py.get_type::<EventStreamError>())?;
    m.add("TranslationError", py.get_type::<TranslationError>())?;
    m.add("RateLimitError", py.get_type::<RateLimitError>())?;
    m.add("TokenizeError", py.get_type::<TokenizeError>())?;
    m.add("Http1Error", py.get_type::<Http1Error>())?;
    Ok(())
}

impl From<crate::translate::error::TranslateError> for PyErr {
    fn from(err: crate::translate::error::TranslateError) -> Self {
        TranslationError::new_err(err.to_string())
    }
}
