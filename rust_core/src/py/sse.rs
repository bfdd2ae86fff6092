//! Python wrappers for `sse`: `SseParser`, `SseEvent`, `encode_sse`.

use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::sse;

/// One dispatched server-sent event.
#[pyclass(module = "plano._core", name = "SseEvent", frozen, eq, hash, get_all)]
#[derive(PartialEq, Eq, Hash)]
pub struct PySseEvent {
    event: Option<String>,
    data: String,
    id: Option<String>,
    retry: Option<u64>,
}

impl From<sse::Event> for PySseEvent {
    fn from(e: sse::Event) -> Self {
        Self {
            event: e.event,
            data: e.data,
            id: e.id,
            retry: e.retry,
        }
    }
}

#[pymethods]
impl PySseEvent {
    #[new]
    #[pyo3(signature = (data, *, event=None, id=None, retry=None))]
    fn new(data: String, event: Option<String>, id: Option<String>, retry: Option<u64>) -> Self {
        Self {
            event,
            data,
            id,
            retry,
        }
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let data = self.data.as_str().into_pyobject(py)?.repr()?;
        let event = self.event.as_deref().into_pyobject(py)?.repr()?;
        let id = self.id.as_deref().into_pyobject(py)?.repr()?;
        let retry = self.retry.into_pyobject(py)?.repr()?;
        Ok(format!(
            "SseEvent(data={data}, event={event}, id={id}, retry={retry})"
        ))
    }
}

/// Incremental SSE parser for one stream.
#[pyclass(module = "plano._core", name = "SseParser")]
pub struct PySseParser(sse::Parser);

#[pymethods]
impl PySseParser {
    #[new]
    #[pyo3(signature = (*, max_event_bytes = sse::DEFAULT_MAX_EVENT_BYTES))]
    fn new(max_event_bytes: usize) -> Self {
        Self(sse::Parser::new(max_event_bytes))
    }

    fn feed(&mut self, chunk: &[u8]) -> PyResult<Vec<PySseEvent>> {
        Ok(self
            .0
            .feed(chunk)?
            .into_iter()
            .map(PySseEvent::from)
            .collect())
    }

    fn finish(&mut self) -> (usize, Option<PySseEvent>) {
        let tail = self.0.finish();
        (tail.leftover_bytes, tail.unterminated.map(PySseEvent::from))
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
