//! The Python boundary: thin pyo3 wrappers over the pure modules, registered on `plano._core`.

mod errors;
mod eventstream;
mod http1;
mod loadgen;
mod ratelimit;
mod sse;
mod stream;
mod strings;
mod tokenize;
mod translate;

use pyo3::prelude::*;

/// Registers every native class, function and exception on the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    errors::register(m)?;
    translate::register(m)?;
    sse::register(m)?;
    eventstream::register(m)?;
    ratelimit::register(m)?;
    tokenize::register(m)?;
    stream::register(m)?;
    http1::register(m)?;
    loadgen::register(m)?;
    Ok(())
}
