//! Python wrappers for `tokenize`: `count_tokens`, `count_request_tokens`, `encoding_for_model`.

use pyo3::prelude::*;

use crate::tokenize::{self, Encoding};
use crate::translate::ApiKind;

/// Below this many bytes counting is quicker than releasing and re-taking the GIL.
const DETACH_BYTES: usize = 4096;

#[pyfunction]
#[pyo3(signature = (text, encoding = "o200k_base"))]
fn count_tokens(py: Python<'_>, text: &str, encoding: &str) -> PyResult<usize> {
    let encoding = Encoding::parse(encoding)?;
    if text.len() < DETACH_BYTES {
        return Ok(encoding.count(text));
    }
    Ok(py.detach(|| encoding.count(text)))
}

#[pyfunction]
#[pyo3(signature = (api, body, model = None))]
fn count_request_tokens(
    py: Python<'_>,
    api: &str,
    body: &[u8],
    model: Option<&str>,
) -> PyResult<usize> {
    let api: ApiKind = api.parse().map_err(tokenize::TokenizeError::from)?;
    if body.len() < DETACH_BYTES {
        return Ok(tokenize::count_request_tokens(api, body, model)?);
    }
    Ok(py.detach(|| tokenize::count_request_tokens(api, body, model))?)
}

#[pyfunction]
#[pyo3(signature = (model))]
fn encoding_for_model(model: Option<&str>) -> &'static str {
    Encoding::for_model(model).as_str()
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(count_tokens, m)?)?;
    m.add_function(wrap_pyfunction!(count_request_tokens, m)?)?;
    m.add_function(wrap_pyfunction!(encoding_for_model, m)?)?;
    Ok(())
}
