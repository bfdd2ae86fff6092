//! `plano._core`: the byte-level hot paths of the plano gateway.
//!
//! Pure logic lives in one module per concern (no pyo3 types there); `py/` holds the only code
//! that touches pyo3 and registers the Python-facing classes and functions.

pub mod eventstream;
pub mod http1;
pub mod loadgen;
pub mod ratelimit;
pub mod sse;
pub mod tokenize;
pub mod translate;

mod py;

use pyo3::prelude::*;

/// The `plano._core` extension module.
#[pymodule]
#[pyo3(name = "_core")]
fn core_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    py::register(m)
}
