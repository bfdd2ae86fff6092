//! Python wrappers for `http1`: `ResponseParser` (one per upstream connection) and
//! `encode_request`. One call per network chunk; headers come back all at once.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple};

use crate::http1;

/// One connection's incremental HTTP/1.1 response parser.
#[pyclass(module = "plano._core", name = "ResponseParser")]
pub struct PyResponseParser {
    inner: http1::ResponseParser,
    body: Vec<u8>,
}

/// Header values are ISO-8859-1 on the wire (RFC 9110 §5.5); ASCII, the usual case, is copied.
fn latin1<'py>(py: Python<'py>, bytes: &[u8]) -> Bound<'py, PyString> {
    match std::str::from_utf8(bytes) {
        Ok(s) if bytes.is_ascii() => PyString::new(py, s),
        _ => PyString::new(
            py,
            &bytes.iter().map(|&b| char::from(b)).collect::<String>(),
        ),
    }
}

fn head_to_py<'py>(py: Python<'py>, head: &http1::Head) -> PyResult<Bound<'py, PyTuple>> {
    let fields = head
        .fields()
        .map(|(name, value)| PyTuple::new(py, [latin1(py, name), latin1(py, value)]))
        .collect::<PyResult<Vec<_>>>()?;
    let list = PyList::new(py, fields)?;
    PyTuple::new(
        py,
        [head.status.into_pyobject(py)?.into_any(), list.into_any()],
    )
}

#[pymethods]
impl PyResponseParser {
    #[new]
    #[pyo3(signature = (*, max_head_bytes = 65536))]
    fn new(max_head_bytes: usize) -> Self {
        Self {
            inner: http1::ResponseParser::new(max_head_bytes),
            body: Vec::new(),
        }
    }

    /// Prepares for the response to the next request on this connection.
    fn start(&mut self, is_head_request: bool) {
        self.inner.start(is_head_request);
    }

    /// Feeds one network chunk; returns `(head, body, done)` where `head` is `(status, headers)`
    /// when this chunk completed the final head, else `None`.
    fn feed<'py>(
        &mut self,
        py: Python<'py>,
        data: &[u8],
    ) -> PyResult<(Option<Bound<'py, PyTuple>>, Bound<'py, PyBytes>, bool)> {
        self.body.clear();
        let head = self.inner.feed(data, &mut self.body)?;
        let head = head.map(|h| head_to_py(py, &h)).transpose()?;
        Ok((head, PyBytes::new(py, &self.body), self.inner.is_done()))
    }

    /// The peer closed the connection; returns whether that completes the response.
    fn eof(&mut self) -> bool {
        self.inner.eof()
    }

    /// Whether the final head has been parsed.
    #[getter]
    fn has_head(&self) -> bool {
        self.inner.has_head()
    }

    /// Whether the response is complete.
    #[getter]
    fn is_done(&self) -> bool {
        self.inner.is_done()
    }

    /// Whether the connection can carry another request (only once the response is done).
    #[getter]
    fn keep_alive(&self) -> bool {
        self.inner.keep_alive()
    }
}

/// The whole request as one buffer: request line, `host`, `headers`, `content-length`, body.
#[pyfunction]
#[allow(clippy::needless_pass_by_value)]
fn encode_request<'py>(
    py: Python<'py>,
    method: &str,
    target: &str,
    host: &str,
    headers: Vec<(Bound<'py, PyString>, Bound<'py, PyString>)>,
    body: &[u8],
) -> PyResult<Bound<'py, PyBytes>> {
    let pairs = headers
        .iter()
        .map(|(n, v)| Ok((n.to_str()?, v.to_str()?)))
        .collect::<PyResult<Vec<_>>>()?;
    let mut out = Vec::new();
    http1::encode_request(&mut out, method, target, host, pairs, body)?;
    Ok(PyBytes::new(py, &out))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyResponseParser>()?;
    m.add_function(wrap_pyfunction!(encode_request, m)?)?;
    Ok(())
}
