//! Python wrappers for `eventstream`: `EventStreamDecoder`, `encode_event_stream_frame`.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyInt, PyString};

use super::strings::StringCache;
use crate::eventstream::{self, FrameRef, HeaderRef, HeaderValue};

/// Incremental AWS event-stream decoder for one stream.
#[pyclass(module = "plano._core", name = "EventStreamDecoder")]
pub struct PyEventStreamDecoder {
    decoder: eventstream::Decoder,
    strings: StringCache,
}

fn frame_to_py<'py>(
    strings: &mut StringCache,
    py: Python<'py>,
    frame: &FrameRef<'_>,
) -> PyResult<(Bound<'py, PyDict>, Bound<'py, PyBytes>)> {
    let headers = PyDict::new(py);
    for &(name, value) in frame.headers {
        let name = strings.get(py, name);
        match value {
            HeaderRef::Bool(v) => headers.set_item(name, v)?,
            HeaderRef::Byte(v) => headers.set_item(name, v)?,
            HeaderRef::Short(v) => headers.set_item(name, v)?,
            HeaderRef::Int(v) => headers.set_item(name, v)?,
            HeaderRef::Long(v) | HeaderRef::Timestamp(v) => headers.set_item(name, v)?,
            HeaderRef::Bytes(v) => headers.set_item(name, PyBytes::new(py, v))?,
            HeaderRef::String(v) => headers.set_item(name, strings.get(py, v))?,
            HeaderRef::Uuid(v) => headers.set_item(name, PyBytes::new(py, &v))?,
        }
    }
    Ok((headers, PyBytes::new(py, frame.payload)))
}

#[pymethods]
impl PyEventStreamDecoder {
    #[new]
    #[pyo3(signature = (*, max_frame_bytes = eventstream::DEFAULT_MAX_FRAME_BYTES))]
    fn new(max_frame_bytes: usize) -> Self {
        Self {
            decoder: eventstream::Decoder::new(max_frame_bytes),
            strings: StringCache::default(),
        }
    }

    fn feed<'py>(
        &mut self,
        py: Python<'py>,
        chunk: &[u8],
    ) -> PyResult<Vec<(Bound<'py, PyDict>, Bound<'py, PyBytes>)>> {
        let Self { decoder, strings } = self;
        let mut frames = Vec::new();
        let mut py_err = None;
        let decoded = decoder.feed_with_ref(chunk, |frame| {
            if py_err.is_none() {
                match frame_to_py(strings, py, &frame) {
                    Ok(pair) => frames.push(pair),
                    Err(err) => py_err = Some(err),
                }
            }
        });
        if let Some(err) = py_err {
            return Err(err);
        }
        match decoded {
            // Frames before an error go out first; the (sticky) error is raised by the next call.
            Err(err) if frames.is_empty() => Err(err.into()),
            _ => Ok(frames),
        }
    }

    fn finish(&mut self) -> PyResult<()> {
        Ok(self.decoder.finish()?)
    }
}

fn value_from_py(value: &Bound<'_, PyAny>) -> PyResult<HeaderValue> {
    if let Ok(v) = value.cast::<PyBool>() {
        return Ok(HeaderValue::Bool(v.is_true()));
    }
    if value.is_instance_of::<PyInt>() {
        let v: i64 = value.extract()?;
        return Ok(i32::try_from(v).map_or(HeaderValue::Long(v), HeaderValue::Int));
    }
    if let Ok(v) = value.cast::<PyString>() {
        return Ok(HeaderValue::String(v.to_str()?.to_owned()));
    }
    if let Ok(v) = value.cast::<PyBytes>() {
        return Ok(HeaderValue::Bytes(v.as_bytes().to_vec()));
    }
    Err(PyTypeError::new_err(format!(
        "event-stream header values must be bool, int, str or bytes, not {}",
        value.get_type().name()?
    )))
}

#[pyfunction]
fn encode_event_stream_frame<'py>(
    py: Python<'py>,
    headers: &Bound<'py, PyDict>,
    payload: &[u8],
) -> PyResult<Bound<'py, PyBytes>> {
    let headers = headers
        .iter()
        .map(|(k, v)| Ok((k.extract::<String>()?, value_from_py(&v)?)))
        .collect::<PyResult<Vec<_>>>()?;
    Ok(PyBytes::new(
        py,
        &eventstream::encode_frame(&headers, payload)?,
    ))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyEventStreamDecoder>()?;
    m.add_function(wrap_pyfunction!(encode_event_stream_frame, m)?)?;
    Ok(())
}
