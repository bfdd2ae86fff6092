//! Python wrappers for `eventstream`: `EventStreamDecoder`, `encode_event_stream_frame`.

use std::collections::HashMap;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyInt, PyString};

use crate::eventstream::{self, Frame, HeaderValue};

/// Short strings cached per decoder: header names and values like `:event-type` and
/// `contentBlockDelta` repeat on every frame, so each becomes a Python string once.
const CACHED_STRING_BYTES: usize = 64;
const CACHED_STRINGS: usize = 256;

/// Incremental AWS event-stream decoder for one stream.
#[pyclass(module = "plano._core", name = "EventStreamDecoder")]
pub struct PyEventStreamDecoder {
    decoder: eventstream::Decoder,
    strings: HashMap<String, Py<PyString>>,
}

impl PyEventStreamDecoder {
    fn string<'py>(&mut self, py: Python<'py>, text: String) -> Bound<'py, PyString> {
        if text.len() > CACHED_STRING_BYTES {
            return PyString::new(py, &text);
        }
        if let Some(cached) = self.strings.get(&text) {
            return cached.bind(py).clone();
        }
        if self.strings.len() >= CACHED_STRINGS {
            self.strings.clear();
        }
        let fresh = PyString::new(py, &text);
        self.strings.insert(text, fresh.clone().unbind());
        fresh
    }

    fn frame_to_py<'py>(
        &mut self,
        py: Python<'py>,
        frame: Frame,
    ) -> PyResult<(Bound<'py, PyDict>, Bound<'py, PyBytes>)> {
        let headers = PyDict::new(py);
        for (name, value) in frame.headers {
            let name = self.string(py, name);
            match value {
                HeaderValue::Bool(v) => headers.set_item(name, v)?,
                HeaderValue::Byte(v) => headers.set_item(name, v)?,
                HeaderValue::Short(v) => headers.set_item(name, v)?,
                HeaderValue::Int(v) => headers.set_item(name, v)?,
                HeaderValue::Long(v) | HeaderValue::Timestamp(v) => headers.set_item(name, v)?,
                HeaderValue::Bytes(v) => headers.set_item(name, PyBytes::new(py, &v))?,
                HeaderValue::String(v) => headers.set_item(name, self.string(py, v))?,
                HeaderValue::Uuid(v) => headers.set_item(name, PyBytes::new(py, &v))?,
            }
        }
        Ok((headers, PyBytes::new(py, &frame.payload)))
    }
}

#[pymethods]
impl PyEventStreamDecoder {
    #[new]
    #[pyo3(signature = (*, max_frame_bytes = eventstream::DEFAULT_MAX_FRAME_BYTES))]
    fn new(max_frame_bytes: usize) -> Self {
        Self {
            decoder: eventstream::Decoder::new(max_frame_bytes),
            strings: HashMap::new(),
        }
    }

    fn feed<'py>(
        &mut self,
        py: Python<'py>,
        chunk: &[u8],
    ) -> PyResult<Vec<(Bound<'py, PyDict>, Bound<'py, PyBytes>)>> {
        let frames = self.decoder.feed(chunk)?;
        frames
            .into_iter()
            .map(|frame| self.frame_to_py(py, frame))
            .collect()
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
