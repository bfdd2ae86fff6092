//! A per-stream cache of short Python strings: header names, event types and the like repeat on
//! every frame or event, so each becomes a Python object once instead of once per use. The map
//! is bounded and cleared when full, so a fast non-DoS-resistant hash (Fx) is safe here.

use pyo3::prelude::*;
use pyo3::types::PyString;
use rustc_hash::FxHashMap;

/// Longer strings are not cached (they are payload, not vocabulary).
const CACHED_STRING_BYTES: usize = 64;
/// Bound on entries; the cache is simply cleared when full.
const CACHED_STRINGS: usize = 256;

#[derive(Default)]
pub struct StringCache(FxHashMap<String, Py<PyString>>);

impl StringCache {
    /// The Python string for `text`, created on first use.
    pub fn get<'py>(&mut self, py: Python<'py>, text: &str) -> Bound<'py, PyString> {
        if text.len() > CACHED_STRING_BYTES {
            return PyString::new(py, text);
        }
        if let Some(cached) = self.0.get(text) {
            return cached.bind(py).clone();
        }
        if self.0.len() >= CACHED_STRINGS {
            self.0.clear();
        }
        let fresh = PyString::new(py, text);
        self.0.insert(text.to_owned(), fresh.clone().unbind());
        fresh
    }
}
