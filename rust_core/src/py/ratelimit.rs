//! Python wrapper for `ratelimit`: `RateLimiter`.

use pyo3::prelude::*;

use crate::ratelimit::{self, Decision, Limit, Unit};

/// Keyed GCRA token buckets; safe to share between threads.
#[pyclass(module = "plano._core", name = "RateLimiter", frozen)]
pub struct PyRateLimiter(ratelimit::RateLimiter);

fn limit(limit_tokens: u64, unit: &str) -> PyResult<Limit> {
    Ok(Limit::new(limit_tokens, Unit::parse(unit)?)?)
}

#[pymethods]
impl PyRateLimiter {
    #[new]
    #[pyo3(signature = (*, max_keys = ratelimit::DEFAULT_MAX_KEYS))]
    fn new(max_keys: usize) -> Self {
        Self(ratelimit::RateLimiter::new(max_keys))
    }

    #[pyo3(signature = (key, *, limit_tokens, unit, cost, now_s))]
    fn try_acquire(
        &self,
        key: &str,
        limit_tokens: u64,
        unit: &str,
        cost: u64,
        now_s: f64,
    ) -> PyResult<Option<f64>> {
        Ok(
            match self
                .0
                .try_acquire(key, limit(limit_tokens, unit)?, cost, now_s)?
            {
                Decision::Allowed => None,
                Decision::Denied { retry_after_s } => Some(retry_after_s),
                Decision::Never => Some(f64::INFINITY),
            },
        )
    }

    #[pyo3(signature = (key, *, limit_tokens, unit, cost, now_s))]
    fn charge(
        &self,
        key: &str,
        limit_tokens: u64,
        unit: &str,
        cost: u64,
        now_s: f64,
    ) -> PyResult<()> {
        Ok(self
            .0
            .charge(key, limit(limit_tokens, unit)?, cost, now_s)?)
    }

    #[pyo3(signature = (key, *, limit_tokens, unit, tokens, now_s))]
    fn refund(
        &self,
        key: &str,
        limit_tokens: u64,
        unit: &str,
        tokens: u64,
        now_s: f64,
    ) -> PyResult<()> {
        Ok(self
            .0
            .refund(key, limit(limit_tokens, unit)?, tokens, now_s)?)
    }

    #[pyo3(signature = (key, *, limit_tokens, unit, now_s))]
    fn remaining(&self, key: &str, limit_tokens: u64, unit: &str, now_s: f64) -> PyResult<i128> {
        Ok(self.0.remaining(key, limit(limit_tokens, unit)?, now_s)?)
    }

    fn sweep(&self, now_s: f64) -> PyResult<usize> {
        Ok(self.0.sweep(now_s)?)
    }

    fn __len__(&self) -> usize {
        self.0.len()
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyRateLimiter>()
}
