//! Python wrappers for `sse`: `SseParser`, `SseEvent`, `encode_sse`.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString, PyTuple};

use super::strings::StringCache;
use crate::sse;

/// One dispatched server-sent event. Fields are Python strings, built once per event, so reading
/// them costs no copy.
#[pyclass(module = "plano._core", name = "SseEvent", frozen)]
pub struct PySseEvent {
    #[pyo3(get)]
    event: Option<Py<PyString>>,
    #[pyo3(get)]
    data: Py<PyString>,
    #[pyo3(get)]
    id: Option<Py<PyString>>,
    #[pyo3(get)]
    retry: Option<u64>,
}

impl PySseEvent {
    fn from_event(py: Python<'_>, e: sse::EventRef<'_>, strings: &mut StringCache) -> Self {
        let mut text = |s: &str| strings.get(py, s).unbind();
        Self {
            event: e.event.map(&mut text),
            id: e.id.map(&mut text),
            data: PyString::new(py, e.data).unbind(),
            retry: e.retry,
        }
    }

    fn fields<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        (&self.event, &self.data, &self.id, self.retry).into_pyobject(py)
    }
}

#[pymethods]
impl PySseEvent {
    #[new]
    #[pyo3(signature = (data, *, event=None, id=None, retry=None))]
    fn new(
        py: Python<'_>,
        data: &str,
        event: Option<&str>,
        id: Option<&str>,
        retry: Option<u64>,
    ) -> Self {
        let event = sse::EventRef {
            event,
            data,
            id,
            retry,
        };
        Self::from_event(py, event, &mut StringCache::default())
    }

    fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<bool> {
        let Ok(other) = other.cast::<PySseEvent>() else {
            return Ok(false);
        };
        self.fields(py)?.eq(other.get().fields(py)?)
    }

    fn __hash__(&self, py: Python<'_>) -> PyResult<isize> {
        self.fields(py)?.hash()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let fields = self.fields(py)?;
        let repr = |i: usize| -> PyResult<String> { Ok(fields.get_item(i)?.repr()?.to_string()) };
        Ok(format!(
            "SseEvent(data={}, event={}, id={}, retry={})",
            repr(1)?,
            repr(0)?,
            repr(2)?,
            repr(3)?
        ))
    }
}

/// Incremental SSE parser for one stream.
#[pyclass(module = "plano._core", name = "SseParser")]
pub struct PySseParser {
    parser: sse::Parser,
    strings: StringCache,
}

#[pymethods]
impl PySseParser {
    #[new]
    #[pyo3(signature = (*, max_event_bytes = sse::DEFAULT_MAX_EVENT_BYTES))]
    fn new(max_event_bytes: usize) -> Self {
        Self {
            parser: sse::Parser::new(max_event_bytes),
            strings: StringCache::default(),
        }
    }

    fn feed(&mut self, py: Python<'_>, chunk: &[u8]) -> PyResult<Vec<PySseEvent>> {
        let Self { parser, strings } = self;
        let mut events = Vec::new();
        let parsed = parser.feed_with_ref(chunk, |e| {
            events.push(PySseEvent::from_event(py, e, strings));
        });
        match parsed {
            // Events before an error go out first; the (sticky) error is raised by the next call.
            Err(err) if events.is_empty() => Err(err.into()),
            _ => Ok(events),
        }
    }

    fn finish(&mut self, py: Python<'_>) -> (usize, Option<PySseEvent>) {
        let tail = self.parser.finish();
        let strings = &mut self.strings;
        let unterminated = tail
            .unterminated
            .map(|e| PySseEvent::from_event(py, e.as_event_ref(), strings));
        (tail.leftover_bytes, unterminated)
    }
}

#[pyfunction]
#[pyo3(signature = (data, *, event = None, id = None))]
fn encode_sse<'py>(
    py: Python<'py>,
    data: &str,
    event: Option<&str>,
    id: Option<&str>,
) -> Bound<'py, PyBytes> {
    PyBytes::new(py, &sse::encode_event(event, data, id))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PySseEvent>()?;
    m.add_class::<PySseParser>()?;
    m.add_function(wrap_pyfunction!(encode_sse, m)?)?;
    Ok(())
}
