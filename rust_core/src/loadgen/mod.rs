//! The benchmark load generator: drives one HTTP/1.1 endpoint hard enough to measure a gateway
//! that costs well under 100 µs of CPU per request.
//!
//! Design (see `benches/README.md`): `threads` OS threads, each with its own current-thread
//! tokio runtime and its own [`Stats`], share nothing but a few atomics ([`Progress`]). Each
//! connection is a hyper keep-alive connection sending one request at a time.
//!
//! - **Closed loop** ([`Mode::Closed`]): `concurrency` connections, each sending its next request
//!   as soon as the previous one completes; latency is measured from the actual send.
//! - **Open loop** ([`Mode::Open`]): request `i` is due at `start + i / rate`, whoever is free
//!   takes it; latency is measured from the due time, so a stalled target is charged for the
//!   queueing it causes (no coordinated omission).
//!
//! A run lasts `warmup + duration`: requests due during warm-up are sent but not measured.
//! It stops early after `max_requests` sends or when [`Progress::stop`] is called.

mod histogram;
mod stats;
mod target;
mod worker;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use histogram::Histogram;
pub use stats::{Report, Stats};
pub use target::Template;

/// Longest time in-flight requests may take to finish after the measured window closes.
const MAX_DRAIN: Duration = Duration::from_secs(10);

/// Invalid load-run input, or a failure to start the run (never a per-request failure: those
/// are counted in [`Stats::errors`]).
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("invalid URL {url:?}: {reason}")]
    Url { url: String, reason: &'static str },
    #[error("cannot resolve {host:?}: {reason}")]
    Resolve { host: String, reason: String },
    #[error("invalid request: {reason}")]
    Request { reason: String },
    #[error("invalid load spec: {reason}")]
    Spec { reason: &'static str },
    #[error("cannot start the load threads: {0}")]
    Runtime(#[from] std::io::Error),
}

/// How requests are paced.
#[derive(Clone, Copy, Debug)]
pub enum Mode {
    /// `concurrency` connections, each sending back to back.
    Closed { concurrency: usize },
    /// `rate_per_s` requests per second on a fixed schedule, over up to `connections`
    /// connections.
    Open { rate_per_s: f64, connections: usize },
}

impl Mode {
    fn connections(self) -> usize {
        match self {
            Mode::Closed { concurrency } => concurrency,
            Mode::Open { connections, .. } => connections,
        }
    }
}

/// Everything a run needs.
#[derive(Clone, Debug)]
pub struct Spec {
    pub template: Template,
    pub mode: Mode,
    pub warmup: Duration,
    /// Length of the measured window, after warm-up.
    pub duration: Duration,
    pub max_requests: u64,
    pub is_streaming: bool,
    pub threads: usize,
    /// Per-request limit; a request over it counts as a `timeout` error.
    pub timeout: Duration,
}

/// Counters shared with the caller while a run is in progress.
#[derive(Debug, Default)]
pub struct Progress {
    next_ticket: AtomicU64,
    sent: AtomicU64,
    ok: AtomicU64,
    errors: AtomicU64,
    is_stopped: AtomicBool,
}

impl Progress {
    /// Asks every connection to stop after its current request.
    pub fn stop(&self) {
        self.is_stopped.store(true, Ordering::Relaxed);
    }

    /// Whether [`Progress::stop`] was called.
    pub fn is_stopped(&self) -> bool {
        self.is_stopped.load(Ordering::Relaxed)
    }

    /// `(sent, ok, errors)` so far, warm-up included.
    pub fn counts(&self) -> (u64, u64, u64) {
        (
            self.sent.load(Ordering::Relaxed),
            self.ok.load(Ordering::Relaxed),
            self.errors.load(Ordering::Relaxed),
        )
    }
}

impl Spec {
    fn validate(&self) -> Result<(), LoadError> {
        let invalid = |reason| Err(LoadError::Spec { reason });
        if self.mode.connections() == 0 {
            return invalid("need at least one connection");
        }
        if let Mode::Open { rate_per_s, .. } = self.mode {
            if !(rate_per_s.is_finite() && rate_per_s > 0.0) {
                return invalid("rate must be a positive number");
            }
        }
        if self.threads == 0 {
            return invalid("need at least one thread");
        }
        if self.duration.is_zero() {
            return invalid("duration must be positive");
        }
        Ok(())
    }
}

/// Runs the load described by `spec`, blocking the calling thread until it ends.
pub fn run(spec: Spec, progress: &Arc<Progress>) -> Result<Report, LoadError> {
    spec.validate()?;
    let connections = spec.mode.connections();
    let threads = spec.threads.min(connections);
    let start = Instant::now();
    let warmup_end = start + spec.warmup;
    let deadline = warmup_end + spec.duration;
    let hard_deadline = deadline + spec.timeout.min(MAX_DRAIN);
    let plan = Arc::new(worker::Plan {
        spec,
        progress: Arc::clone(progress),
        start,
        warmup_end,
        deadline,
        hard_deadline,
    });
    let results: Vec<Result<Stats, std::io::Error>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                // Spread connections evenly: the first `connections % threads` get one more.
                let share = connections / threads + usize::from(t < connections % threads);
                let plan = &plan;
                std::thread::Builder::new()
                    .name(format!("plano-loadgen-{t}"))
                    .spawn_scoped(scope, move || worker::run_thread(plan, share))
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| match handle {
                Ok(joinable) => joinable
                    .join()
                    .unwrap_or_else(|_| Err(std::io::Error::other("load thread panicked"))),
                Err(e) => Err(e),
            })
            .collect()
    });
    let mut total = Stats::default();
    for result in results {
        total.merge(&result?);
    }
    let window_end = match total.last_completion {
        Some(last) if last < deadline && plan.progress.is_stopped() => last,
        Some(last)
            if last < deadline
                && plan.progress.next_ticket.load(Ordering::Relaxed) >= plan.spec.max_requests =>
        {
            last
        }
        _ => deadline.min(Instant::now()),
    };
    let window_s = window_end
        .saturating_duration_since(warmup_end)
        .as_secs_f64();
    let (sent, ok, errors) = plan.progress.counts();
    Ok(Report {
        stats: total,
        sent,
        window_s,
        unfinished: sent.saturating_sub(ok + errors),
    })
}

#[cfg(test)]
mod tests;
