//! `StreamTranslator`: the Python face of [`crate::translate::stream::Translator`].

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use super::errors::TranslationError;
use crate::translate::stream::{stop_reason_name, Translator};
use crate::translate::ApiKind;

/// Translates one upstream response stream for one client, chunk by chunk.
#[pyclass(module = "plano._core", name = "StreamTranslator")]
pub struct PyStreamTranslator(Translator);

fn api_kind(name: &str) -> PyResult<ApiKind> {
    name.parse()
        .map_err(|e: crate::translate::UnknownApiKind| TranslationError::new_err(e.to_string()))
}

#[pymethods]
impl PyStreamTranslator {
    #[new]
    #[pyo3(signature = (*, upstream, client, model = None, now_s = None, include_usage = true))]
    fn new(
        upstream: &str,
        client: &str,
        model: Option<&str>,
        now_s: Option<f64>,
        include_usage: bool,
    ) -> PyResult<Self> {
        let (upstream, client) = (api_kind(upstream)?, api_kind(client)?);
        let t = Translator::new(upstream, client, model, now_s, include_usage)
            .map_err(|e| TranslationError::new_err(e.to_string()))?;
        Ok(Self(t))
    }

    /// Feeds one upstream chunk; returns client-ready bytes (possibly empty).
    fn feed<'py>(&mut self, py: Python<'py>, chunk: &[u8]) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.0.feed(chunk))
    }

    /// Ends the stream at upstream EOF; returns the final client bytes.
    fn finish<'py>(&mut self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.0.finish())
    }

    /// Ends the stream with a client-dialect error event (cut connection, timeout).
    fn abort<'py>(&mut self, py: Python<'py>, message: &str) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.0.abort(message))
    }

    /// Token usage reported by the upstream so far, or `None`.
    fn usage<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        let Some(u) = self.0.hub().usage() else {
            return Ok(None);
        };
        let d = PyDict::new(py);
        d.set_item("input_tokens", u.input_tokens)?;
        d.set_item("output_tokens", u.output_tokens)?;
        d.set_item("cache_read_tokens", u.cache_read_tokens)?;
        d.set_item("cache_creation_tokens", u.cache_creation_tokens)?;
        d.set_item("reasoning_tokens", u.reasoning_tokens)?;
        Ok(Some(d))
    }

    /// Why the generation stopped (neutral name), or `None`.
    fn stop_reason(&self) -> Option<&'static str> {
        self.0.hub().stop_reason().map(stop_reason_name)
    }

    /// Characters of text, reasoning and tool arguments seen (for a token estimate).
    fn output_chars(&self) -> u64 {
        self.0.hub().output_chars()
    }

    /// Whether the stream ended normally (not cut, not failed).
    fn is_complete(&self) -> bool {
        self.0.hub().is_complete()
    }

    /// The upstream's response id, when it reported one.
    fn response_id(&self) -> Option<&str> {
        self.0.hub().upstream_id()
    }

    /// The upstream-reported model, else the configured one.
    fn model(&self) -> &str {
        self.0.hub().model()
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyStreamTranslator>()
}
