//! What one load run observed: per-thread tallies merged into a [`Report`].

use std::collections::BTreeMap;
use std::time::Instant;

use super::histogram::Histogram;

/// Longest error-body excerpt kept per error kind.
pub const SAMPLE_BYTES: usize = 300;

/// Tallies of one worker thread (or of the whole run once merged).
#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// Successful (2xx) responses completed, warm-up included.
    pub ok: u64,
    /// Successful responses whose send was due inside the measured window.
    pub measured_ok: u64,
    /// Failures by kind (`status_501`, `connect`, `timeout`, `io`), warm-up included.
    pub errors: BTreeMap<String, u64>,
    /// First body excerpt or error text seen per kind.
    pub error_samples: BTreeMap<String, String>,
    /// Total latency of measured successes, from the intended send time to the last body byte.
    pub latency: Histogram,
    /// Time to the first non-empty body chunk of measured successes (streams only).
    pub ttft: Histogram,
    /// Gaps between consecutive body chunks of measured successful streams.
    pub inter_chunk: Histogram,
    /// Body chunks received by measured successful streams.
    pub chunks: u64,
    /// Body bytes received by measured successes.
    pub body_bytes: u64,
    /// When the last measured success completed.
    pub last_completion: Option<Instant>,
}

impl Stats {
    /// Counts one failure of `kind`, keeping the first sample text.
    pub fn error(&mut self, kind: &str, sample: impl FnOnce() -> String) {
        *self.errors.entry(kind.to_owned()).or_insert(0) += 1;
        if !self.error_samples.contains_key(kind) {
            let mut text = sample();
            if text.len() > SAMPLE_BYTES {
                let mut end = SAMPLE_BYTES;
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                text.truncate(end);
            }
            self.error_samples.insert(kind.to_owned(), text);
        }
    }

    /// Total failures of every kind.
    pub fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }

    /// Adds `other` into `self`.
    pub fn merge(&mut self, other: &Stats) {
        self.ok += other.ok;
        self.measured_ok += other.measured_ok;
        for (kind, count) in &other.errors {
            *self.errors.entry(kind.clone()).or_insert(0) += count;
        }
        for (kind, text) in &other.error_samples {
            self.error_samples
                .entry(kind.clone())
                .or_insert_with(|| text.clone());
        }
        self.latency.merge(&other.latency);
        self.ttft.merge(&other.ttft);
        self.inter_chunk.merge(&other.inter_chunk);
        self.chunks += other.chunks;
        self.body_bytes += other.body_bytes;
        self.last_completion = match (self.last_completion, other.last_completion) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }
}

/// The outcome of a whole run.
#[derive(Clone, Debug)]
pub struct Report {
    /// Everything observed, merged over threads.
    pub stats: Stats,
    /// Requests sent (warm-up included).
    pub sent: u64,
    /// Length of the measured window in seconds (shorter than asked if `max_requests` ran out).
    pub window_s: f64,
    /// Requests still in flight when the run was cut off at its hard deadline.
    pub unfinished: u64,
}

impl Report {
    /// Measured successes per second.
    #[allow(clippy::cast_precision_loss)]
    pub fn requests_per_s(&self) -> f64 {
        if self.window_s > 0.0 {
            self.stats.measured_ok as f64 / self.window_s
        } else {
            0.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_keep_first_sample_truncated() {
        let mut s = Stats::default();
        s.error("status_501", || "é".repeat(400));
        s.error("status_501", || "second".to_owned());
        assert_eq!(s.errors["status_501"], 2);
        let sample = &s.error_samples["status_501"];
        assert!(sample.len() <= SAMPLE_BYTES && sample.starts_with('é'));
    }

    #[test]
    fn merge_sums_counts_and_keeps_latest_completion() {
        let now = Instant::now();
        let mut a = Stats {
            ok: 1,
            last_completion: Some(now),
            ..Stats::default()
        };
        let mut b = Stats {
            ok: 2,
            ..Stats::default()
        };
        b.error("io", || "reset".to_owned());
        a.merge(&b);
        assert_eq!(a.ok, 3);
        assert_eq!(a.error_count(), 1);
        assert_eq!(a.last_completion, Some(now));
    }

    #[test]
    fn requests_per_s_is_zero_for_an_empty_window() {
        let r = Report {
            stats: Stats::default(),
            sent: 0,
            window_s: 0.0,
            unfinished: 0,
        };
        assert!(r.requests_per_s().abs() < f64::EPSILON);
    }
}
