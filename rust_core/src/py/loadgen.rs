//! Python boundary of the load generator: `run_load`, `LoadResult`, `LatencyHistogram`,
//! `LoadProgress`.
//!
//! `run_load` is one blocking call: the load runs on its own threads while the calling thread
//! waits with the GIL released, waking every `progress_interval_s` (and exactly at the end of
//! warm-up and of the measured window) to call the optional progress callback and to check for
//! Ctrl-C. The callback is where the benchmark samples the gateway's CPU time, so phase changes
//! are reported at the moment they happen.

use std::collections::BTreeMap;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use pyo3::prelude::*;

use super::errors::CoreError;
use crate::loadgen::{self, Histogram, LoadError, Mode, Progress, Report, Spec, Template};

// Load errors are argument errors raised before any request is sent; they map to the base
// `CoreError` (a `ValueError`) so this concern adds no exception class of its own.
impl From<LoadError> for PyErr {
    fn from(error: LoadError) -> Self {
        CoreError::new_err(error.to_string())
    }
}

const NS_PER_MS: f64 = 1e6;

#[allow(clippy::cast_precision_loss)]
fn ms(ns: u64) -> f64 {
    ns as f64 / NS_PER_MS
}

/// A distribution of durations, reported in milliseconds.
#[pyclass(module = "plano._core", name = "LatencyHistogram", frozen)]
pub struct PyLatencyHistogram(Histogram);

#[pymethods]
impl PyLatencyHistogram {
    /// Number of recorded values.
    #[getter]
    fn count(&self) -> u64 {
        self.0.count()
    }

    /// Smallest recorded value (exact), 0 when empty.
    #[getter]
    fn min_ms(&self) -> f64 {
        ms(self.0.min_ns())
    }

    /// Largest recorded value (exact), 0 when empty.
    #[getter]
    fn max_ms(&self) -> f64 {
        ms(self.0.max_ns())
    }

    /// Mean of recorded values (exact), 0 when empty.
    #[getter]
    fn mean_ms(&self) -> f64 {
        self.0.mean_ns() / NS_PER_MS
    }

    /// Value at quantile `q` in [0, 1], within 0.1 % of the exact nearest-rank value.
    fn quantile_ms(&self, q: f64) -> f64 {
        ms(self.0.quantile_ns(q))
    }

    /// Non-empty buckets as `(low_ms, high_ms, count)`, in increasing order.
    fn buckets_ms(&self) -> Vec<(f64, f64, u64)> {
        self.0
            .buckets()
            .into_iter()
            .map(|(low, high, count)| (ms(low), ms(high), count))
            .collect()
    }
}

/// A snapshot handed to the progress callback.
#[pyclass(module = "plano._core", name = "LoadProgress", frozen, get_all)]
pub struct PyLoadProgress {
    /// `"warmup"`, `"measure"` or `"drain"` (waiting for in-flight requests after the window).
    phase: &'static str,
    elapsed_s: f64,
    sent: u64,
    ok: u64,
    errors: u64,
}

/// The outcome of one `run_load` call.
#[pyclass(module = "plano._core", name = "LoadResult", frozen, get_all)]
pub struct PyLoadResult {
    ok: u64,
    measured_ok: u64,
    sent: u64,
    unfinished: u64,
    errors: BTreeMap<String, u64>,
    error_samples: BTreeMap<String, String>,
    window_s: f64,
    requests_per_s: f64,
    chunks: u64,
    body_bytes: u64,
    latency: Py<PyLatencyHistogram>,
    ttft: Py<PyLatencyHistogram>,
    inter_chunk: Py<PyLatencyHistogram>,
}

impl PyLoadResult {
    fn new(py: Python<'_>, report: Report) -> PyResult<Self> {
        let requests_per_s = report.requests_per_s();
        let s = report.stats;
        Ok(Self {
            ok: s.ok,
            measured_ok: s.measured_ok,
            sent: report.sent,
            unfinished: report.unfinished,
            errors: s.errors,
            error_samples: s.error_samples,
            window_s: report.window_s,
            requests_per_s,
            chunks: s.chunks,
            body_bytes: s.body_bytes,
            latency: Py::new(py, PyLatencyHistogram(s.latency))?,
            ttft: Py::new(py, PyLatencyHistogram(s.ttft))?,
            inter_chunk: Py::new(py, PyLatencyHistogram(s.inter_chunk))?,
        })
    }
}

type Outcome = Arc<(Mutex<Option<Result<Report, LoadError>>>, Condvar)>;

/// Waits up to `timeout` for the run's outcome; `None` if it is not there yet.
fn wait_for(outcome: &Outcome, timeout: Duration) -> Option<Result<Report, LoadError>> {
    let (slot, ready) = &**outcome;
    let guard = slot
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let (mut guard, _) = ready
        .wait_timeout_while(guard, timeout, |value| value.is_none())
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    guard.take()
}

fn duration_arg(name: &'static str, seconds: f64) -> Result<Duration, LoadError> {
    Duration::try_from_secs_f64(seconds).map_err(|_| LoadError::Request {
        reason: format!("{name} must be a non-negative number of seconds, got {seconds}"),
    })
}

/// Sends load to one HTTP/1.1 URL and measures it. Blocks with the GIL released.
#[pyfunction]
#[pyo3(signature = (
    url, *, duration_s, method = "POST", headers = Vec::new(), body = Vec::new(),
    warmup_s = 0.0, max_requests = 100_000_000, concurrency = 1, rate_per_s = None,
    is_streaming = false, threads = 1, timeout_s = 30.0, progress = None,
    progress_interval_s = 0.5,
))]
#[allow(clippy::too_many_arguments, clippy::needless_pass_by_value)]
pub fn run_load(
    py: Python<'_>,
    url: &str,
    duration_s: f64,
    method: &str,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    warmup_s: f64,
    max_requests: u64,
    concurrency: usize,
    rate_per_s: Option<f64>,
    is_streaming: bool,
    threads: usize,
    timeout_s: f64,
    progress: Option<Bound<'_, PyAny>>,
    progress_interval_s: f64,
) -> PyResult<PyLoadResult> {
    let mode = match rate_per_s {
        Some(rate_per_s) => Mode::Open {
            rate_per_s,
            connections: concurrency,
        },
        None => Mode::Closed { concurrency },
    };
    let spec = Spec {
        template: Template::new(url, method, &headers, Bytes::from(body))?,
        mode,
        warmup: duration_arg("warmup_s", warmup_s)?,
        duration: duration_arg("duration_s", duration_s)?,
        max_requests,
        is_streaming,
        threads,
        timeout: duration_arg("timeout_s", timeout_s)?,
    };
    let interval =
        duration_arg("progress_interval_s", progress_interval_s)?.max(Duration::from_millis(10));
    let warmup = spec.warmup;
    let duration = spec.duration;
    let counters = Arc::new(Progress::default());
    let outcome: Outcome = Arc::new((Mutex::new(None), Condvar::new()));
    let start = Instant::now();
    {
        let counters = Arc::clone(&counters);
        let outcome = Arc::clone(&outcome);
        std::thread::Builder::new()
            .name("plano-loadgen".to_owned())
            .spawn(move || {
                let result = loadgen::run(spec, &counters);
                let (slot, ready) = &*outcome;
                *slot
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(result);
                ready.notify_all();
            })?;
    }
    let boundaries = [start + warmup, start + warmup + duration];
    let phase_at = |now: Instant| {
        if now < boundaries[0] {
            "warmup"
        } else if now < boundaries[1] {
            "measure"
        } else {
            "drain"
        }
    };
    let mut next_report = start;
    loop {
        let now = Instant::now();
        if now >= next_report {
            let interrupted = py.check_signals().err().or_else(|| {
                let callback = progress.as_ref()?;
                let (sent, ok, errors) = counters.counts();
                let snapshot = PyLoadProgress {
                    phase: phase_at(now),
                    elapsed_s: now.duration_since(start).as_secs_f64(),
                    sent,
                    ok,
                    errors,
                };
                callback.call1((snapshot,)).err()
            });
            if let Some(error) = interrupted {
                counters.stop();
                // The threads finish their in-flight requests (bounded by the drain limit).
                py.detach(|| loop {
                    if wait_for(&outcome, Duration::from_secs(1)).is_some() {
                        break;
                    }
                });
                return Err(error);
            }
            next_report = now + interval;
            // Wake exactly at a phase change so the callback sees it when it happens.
            if let Some(&boundary) = boundaries.iter().find(|&&b| b > now && b < next_report) {
                next_report = boundary;
            }
        }
        let wait = next_report.saturating_duration_since(Instant::now());
        if let Some(result) = py.detach(|| wait_for(&outcome, wait)) {
            return PyLoadResult::new(py, result?);
        }
    }
}

/// Registers the load generator's classes and function.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyLatencyHistogram>()?;
    m.add_class::<PyLoadProgress>()?;
    m.add_class::<PyLoadResult>()?;
    m.add_function(wrap_pyfunction!(run_load, m)?)?;
    Ok(())
}
