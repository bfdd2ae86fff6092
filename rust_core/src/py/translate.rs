//! Python wrappers for request, non-streaming response and error-body translation
//! (`crate::translate::{request, response, error_body}`; inventory §3.7, §1.6).
//!
//! Routing flow without a second parse: `inspect_request(client, body)` validates the body and
//! returns a `RequestInfo` that keeps the parsed request; `RequestTranslator.translate` accepts
//! that `RequestInfo` in place of the bytes and reuses it. Unchanged passthrough bodies come
//! back as the very same `bytes` object (no copy).

use std::borrow::Cow;
use std::sync::Arc;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::translate::common::Usage;
use crate::translate::ir::Request;
use crate::translate::{error_body, request, response, ApiKind};

/// Bodies at least this large (inline images, long conversations) are translated without the
/// GIL; below it, releasing and retaking the GIL costs more than it frees.
const DETACH_MIN_BYTES: usize = 256 * 1024;

fn parse_api(name: &str) -> PyResult<ApiKind> {
    name.parse::<ApiKind>()
        .map_err(|e| PyValueError::new_err(e.to_string()))
}

/// What the gateway needs to route a request; also a pre-parsed body for `RequestTranslator`.
#[pyclass(module = "plano._core", name = "RequestInfo", frozen)]
pub struct PyRequestInfo {
    #[pyo3(get)]
    model: Option<String>,
    #[pyo3(get)]
    is_streaming: bool,
    #[pyo3(get)]
    has_tools: bool,
    #[pyo3(get)]
    wants_usage: bool,
    client: ApiKind,
    body: Py<PyBytes>,
    parsed: Arc<Request>,
}

#[pymethods]
impl PyRequestInfo {
    /// The client API the body was read as.
    #[getter]
    fn client(&self) -> &'static str {
        self.client.as_str()
    }

    fn __repr__(&self) -> String {
        format!(
            "RequestInfo(client={:?}, model={}, is_streaming={}, has_tools={})",
            self.client.as_str(),
            self.model
                .as_ref()
                .map_or_else(|| "None".to_owned(), |m| format!("{m:?}")),
            if self.is_streaming { "True" } else { "False" },
            if self.has_tools { "True" } else { "False" },
        )
    }
}

/// Validates a client request body and reads its routing facts.
#[pyfunction]
fn inspect_request(client: &str, body: Bound<'_, PyBytes>) -> PyResult<PyRequestInfo> {
    let kind = parse_api(client)?;
    let parsed = request::read(kind, body.as_bytes())?;
    let info = request::RequestInfo::of(&parsed);
    Ok(PyRequestInfo {
        model: info.model,
        is_streaming: info.is_streaming,
        has_tools: info.has_tools,
        wants_usage: info.wants_usage,
        client: kind,
        body: body.unbind(),
        parsed: Arc::new(parsed),
    })
}

#[derive(FromPyObject)]
enum RequestInput<'py> {
    Bytes(Bound<'py, PyBytes>),
    Info(PyRef<'py, PyRequestInfo>),
}

/// Translates request bodies from one client API to one upstream API.
#[pyclass(module = "plano._core", name = "RequestTranslator", frozen)]
pub struct PyRequestTranslator {
    client: ApiKind,
    upstream: ApiKind,
}

#[pymethods]
impl PyRequestTranslator {
    #[new]
    #[pyo3(signature = (*, client, upstream))]
    fn new(client: &str, upstream: &str) -> PyResult<Self> {
        let client = parse_api(client)?;
        if !client.is_client_api() {
            return Err(crate::translate::error::TranslateError::NotClientApi(client).into());
        }
        Ok(Self {
            client,
            upstream: parse_api(upstream)?,
        })
    }

    #[getter]
    fn client(&self) -> &'static str {
        self.client.as_str()
    }

    #[getter]
    fn upstream(&self) -> &'static str {
        self.upstream.as_str()
    }

    /// Translates a body (or a `RequestInfo` from `inspect_request`) for the upstream API.
    #[pyo3(signature = (body, *, model = None))]
    fn translate<'py>(
        &self,
        py: Python<'py>,
        body: RequestInput<'py>,
        model: Option<&str>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        match body {
            RequestInput::Info(info) => {
                if info.client != self.client {
                    return Err(PyValueError::new_err(format!(
                        "RequestInfo was read as {}, but this translator expects {}",
                        info.client, self.client
                    )));
                }
                let bytes = info.body.bind(py).clone();
                if self.client == self.upstream {
                    return passthrough(py, self.client, bytes, model);
                }
                let out = request::write(
                    self.upstream,
                    &info.parsed,
                    model,
                    bytes.as_bytes().len() + 256,
                )?;
                Ok(PyBytes::new(py, &out))
            }
            RequestInput::Bytes(bytes) => {
                if self.client == self.upstream {
                    return passthrough(py, self.client, bytes, model);
                }
                let (client, upstream, body) = (self.client, self.upstream, bytes.as_bytes());
                let work = || {
                    let parsed = request::read(client, body)?;
                    request::write(upstream, &parsed, model, body.len() + 256)
                };
                // `bytes` is immutable and held for the whole call, so its buffer stays valid
                // while other threads run.
                let out = if body.len() >= DETACH_MIN_BYTES {
                    py.detach(work)
                } else {
                    work()
                }?;
                Ok(PyBytes::new(py, &out))
            }
        }
    }
}

fn passthrough<'py>(
    py: Python<'py>,
    api: ApiKind,
    bytes: Bound<'py, PyBytes>,
    model: Option<&str>,
) -> PyResult<Bound<'py, PyBytes>> {
    match request::passthrough(api, bytes.as_bytes(), model)? {
        Cow::Borrowed(_) => Ok(bytes),
        Cow::Owned(out) => Ok(PyBytes::new(py, &out)),
    }
}

/// Translates non-streaming response bodies from one upstream API to one client API.
#[pyclass(module = "plano._core", name = "ResponseTranslator", frozen)]
pub struct PyResponseTranslator {
    upstream: ApiKind,
    client: ApiKind,
}

#[pymethods]
impl PyResponseTranslator {
    #[new]
    #[pyo3(signature = (*, upstream, client))]
    fn new(upstream: &str, client: &str) -> PyResult<Self> {
        let client = parse_api(client)?;
        if !client.is_client_api() {
            return Err(crate::translate::error::TranslateError::NotClientApi(client).into());
        }
        Ok(Self {
            upstream: parse_api(upstream)?,
            client,
        })
    }

    #[getter]
    fn client(&self) -> &'static str {
        self.client.as_str()
    }

    #[getter]
    fn upstream(&self) -> &'static str {
        self.upstream.as_str()
    }

    /// Translates one response body; `model` is used when the upstream reports none.
    #[pyo3(signature = (body, *, model))]
    fn translate<'py>(
        &self,
        py: Python<'py>,
        body: Bound<'py, PyBytes>,
        model: &str,
    ) -> PyResult<Bound<'py, PyBytes>> {
        if self.upstream == self.client {
            return Ok(body);
        }
        let (upstream, client, bytes) = (self.upstream, self.client, body.as_bytes());
        let work = || response::translate(upstream, client, bytes, model).map(Cow::into_owned);
        let out = if bytes.len() >= DETACH_MIN_BYTES {
            py.detach(work)
        } else {
            work()
        }?;
        Ok(PyBytes::new(py, &out))
    }
}

/// Token counts of one response. `input_tokens` is the whole prompt (cached tokens included).
#[pyclass(module = "plano._core", name = "TokenUsage", frozen, eq)]
#[derive(PartialEq)]
#[allow(clippy::struct_field_names)] // the Python attribute names
pub struct PyTokenUsage {
    #[pyo3(get)]
    input_tokens: u64,
    #[pyo3(get)]
    output_tokens: u64,
    #[pyo3(get)]
    cache_read_tokens: u64,
    #[pyo3(get)]
    cache_creation_tokens: u64,
    #[pyo3(get)]
    reasoning_tokens: u64,
}

impl From<Usage> for PyTokenUsage {
    fn from(u: Usage) -> Self {
        Self {
            input_tokens: u.input_tokens,
            output_tokens: u.output_tokens,
            cache_read_tokens: u.cache_read_tokens,
            cache_creation_tokens: u.cache_creation_tokens,
            reasoning_tokens: u.reasoning_tokens,
        }
    }
}

#[pymethods]
impl PyTokenUsage {
    #[getter]
    fn total_tokens(&self) -> u64 {
        self.input_tokens.saturating_add(self.output_tokens)
    }

    fn __repr__(&self) -> String {
        format!(
            "TokenUsage(input_tokens={}, output_tokens={}, cache_read_tokens={}, \
             cache_creation_tokens={}, reasoning_tokens={})",
            self.input_tokens,
            self.output_tokens,
            self.cache_read_tokens,
            self.cache_creation_tokens,
            self.reasoning_tokens
        )
    }
}

/// Token usage of a non-streaming response body of `api`.
#[pyfunction]
fn extract_usage(api: &str, body: &[u8]) -> PyResult<PyTokenUsage> {
    Ok(response::extract_usage(parse_api(api)?, body)?.into())
}

/// An error body (upstream's, or plano's own when `upstream` is None) in the client's dialect.
#[pyfunction]
#[pyo3(signature = (*, client, status, body, upstream = None, error_type = None))]
fn translate_error<'py>(
    py: Python<'py>,
    client: &str,
    status: u16,
    body: Bound<'py, PyBytes>,
    upstream: Option<&str>,
    error_type: Option<&str>,
) -> PyResult<Bound<'py, PyBytes>> {
    let upstream = upstream.map(parse_api).transpose()?;
    match error_body::translate(
        parse_api(client)?,
        status,
        body.as_bytes(),
        upstream,
        error_type,
    )? {
        Cow::Borrowed(_) => Ok(body),
        Cow::Owned(out) => Ok(PyBytes::new(py, &out)),
    }
}

/// Plano's own error as the client API's error envelope.
#[pyfunction]
#[pyo3(signature = (*, client, status, message, code = None))]
fn error_envelope<'py>(
    py: Python<'py>,
    client: &str,
    status: u16,
    message: &str,
    code: Option<&str>,
) -> PyResult<Bound<'py, PyBytes>> {
    let out = error_body::own_error(parse_api(client)?, status, message, code)?;
    Ok(PyBytes::new(py, &out))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyRequestInfo>()?;
    m.add_class::<PyRequestTranslator>()?;
    m.add_class::<PyResponseTranslator>()?;
    m.add_class::<PyTokenUsage>()?;
    m.add_function(wrap_pyfunction!(inspect_request, m)?)?;
    m.add_function(wrap_pyfunction!(extract_usage, m)?)?;
    m.add_function(wrap_pyfunction!(translate_error, m)?)?;
    m.add_function(wrap_pyfunction!(error_envelope, m)?)?;
    Ok(())
}
