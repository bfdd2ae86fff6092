//! Python wrappers for `http1`: `ResponseParser` (one per upstream connection), `ResponseHead`
//! and `encode_request`. One call per network chunk; the head comes back whole, in one object
//! whose header strings are made only when asked for.

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

/// A parsed response head; header strings are made only when asked for.
#[pyclass(module = "plano._core", name = "ResponseHead", frozen)]
pub struct PyResponseHead(http1::Head);

#[pymethods]
impl PyResponseHead {
    /// The status code.
    #[getter]
    fn status(&self) -> u16 {
        self.0.status
    }

    /// The first value of header `name` (give it lower-case), or None.
    fn get<'py>(&self, py: Python<'py>, name: &str) -> Option<Bound<'py, PyString>> {
        self.0.get(name.as_bytes()).map(|v| latin1(py, v))
    }

    /// Every header as (lower-case name, value), in order.
    fn items<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let fields = self
            .0
            .fields()
            .map(|(name, value)| PyTuple::new(py, [latin1(py, name), latin1(py, value)]))
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, fields)
    }

    fn __len__(&self) -> usize {
        self.0.len()
    }
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

    /// Feeds one network chunk; returns `(head, body, done)` where `head` is the final
    /// `ResponseHead` when this chunk completed it, else `None`.
    fn feed<'py>(
        &mut self,
        py: Python<'py>,
        data: &[u8],
    ) -> PyResult<(Option<PyResponseHead>, Bound<'py, PyBytes>, bool)> {
        self.body.clear();
        let head = self.inner.feed(data, &mut self.body)?.map(PyResponseHead);
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
    m.add_class::<PyResponseHead>()?;
    m.add_class::<PyResponseParser>()?;
    m.add_function(wrap_pyfunction!(encode_request, m)?)?;
    Ok(())
}
