//! Keyed rate limits: GCRA token buckets with exact units and a caller-supplied clock.
//!
//! Spec: `shared/reference/plano_inventory.md` §3.8 (limits of N tokens per second, minute,
//! hour or day). Unlike the reference (which approximated `day` as `tokens/24` per hour and
//! panicked on a cost of 0) the arithmetic is exact: a bucket of `tokens` per `period` refills
//! one token every `period / tokens`, and all state is kept in integers scaled by `tokens`
//! (nanoseconds × tokens), so no rounding ever happens inside the limiter. `now_s` is quantized
//! to whole nanoseconds and `retry_after_s` rounded up to one, so waiting exactly `retry_after_s`
//! always succeeds (given an `f64` clock with nanosecond resolution, e.g. `time.monotonic()`).
//!
//! * [`RateLimiter::try_acquire`] admits a cost or says how long until it would be admitted, or
//!   that it never can be (cost above the bucket's capacity).
//! * [`RateLimiter::charge`] takes tokens unconditionally (output tokens known after the fact) and
//!   may put a bucket into debt, so later requests wait; [`RateLimiter::refund`] gives tokens back.
//! * Memory is bounded: a bucket that is full again holds no information and is dropped (when a
//!   call finds it full, by a periodic sweep amortized over calls, or by [`RateLimiter::sweep`]);
//!   past `max_keys` buckets the least recently used are evicted (in batches of `max_keys / 16`).
//! * Thread-safe: one `Mutex` around the state (calls are short and never block inside).
//!
//! The API is transport-free (no I/O, no clock), so the same limiter can be hosted in one process
//! and called by the gateway's workers over any channel.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

/// Default bound on the number of live buckets.
pub const DEFAULT_MAX_KEYS: usize = 100_000;

/// Minimum calls between two automatic sweeps of full buckets.
const SWEEP_EVERY: usize = 4096;

/// The refill period of a limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Unit {
    Second,
    Minute,
    Hour,
    Day,
}

impl Unit {
    pub fn parse(name: &str) -> Result<Self, RateLimitError> {
        match name {
            "second" => Ok(Unit::Second),
            "minute" => Ok(Unit::Minute),
            "hour" => Ok(Unit::Hour),
            "day" => Ok(Unit::Day),
            _ => Err(RateLimitError::UnknownUnit(name.to_owned())),
        }
    }

    pub fn period_ns(self) -> u64 {
        const S: u64 = 1_000_000_000;
        match self {
            Unit::Second => S,
            Unit::Minute => 60 * S,
            Unit::Hour => 3_600 * S,
            Unit::Day => 86_400 * S,
        }
    }
}

/// `tokens` per `unit`; also the bucket's capacity (burst).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Limit {
    tokens: u64,
    unit: Unit,
}

impl Limit {
    pub fn new(tokens: u64, unit: Unit) -> Result<Self, RateLimitError> {
        if tokens == 0 {
            return Err(RateLimitError::ZeroTokens);
        }
        Ok(Self { tokens, unit })
    }

    pub fn tokens(self) -> u64 {
        self.tokens
    }

    pub fn unit(self) -> Unit {
        self.unit
    }

    /// Scaled time (ns × tokens) one token takes to refill: exactly `period_ns`.
    fn per_token(self) -> i128 {
        i128::from(self.unit.period_ns())
    }

    /// Scaled time for a whole bucket.
    fn capacity(self) -> i128 {
        self.per_token() * i128::from(self.tokens)
    }
}

/// The outcome of [`RateLimiter::try_acquire`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decision {
    /// The cost was taken.
    Allowed,
    /// Not enough tokens now; exactly `retry_after_s` from `now_s` there will be.
    Denied { retry_after_s: f64 },
    /// The cost exceeds the bucket's capacity: it can never be admitted.
    Never,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RateLimitError {
    #[error("unknown rate-limit unit {0:?} (expected second, minute, hour or day)")]
    UnknownUnit(String),
    #[error("a rate limit needs at least 1 token")]
    ZeroTokens,
    #[error("now_s must be a finite number of seconds, got {0}")]
    BadClock(f64),
    #[error("rate-limit arithmetic overflows (tokens or cost too large)")]
    Overflow,
}

#[derive(Debug)]
struct Bucket {
    /// GCRA theoretical arrival time, scaled: the instant the bucket is full again. `tat <= now`
    /// means full; `tat > now + capacity` means in debt.
    tat: i128,
    /// Value of the call counter when the bucket was last touched (unique per bucket).
    last_used: u64,
}

#[derive(Debug, Default)]
struct State {
    /// Buckets per limit, then per key (so a lookup borrows the key instead of allocating).
    buckets: HashMap<Limit, HashMap<String, Bucket>>,
    len: usize,
    calls: u64,
    calls_since_sweep: usize,
}

/// A set of keyed buckets; each `(key, limit)` pair is its own bucket.
#[derive(Debug)]
pub struct RateLimiter {
    state: Mutex<State>,
    max_keys: usize,
}

impl Default for RateLimiter {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_KEYS)
    }
}

impl RateLimiter {
    pub fn new(max_keys: usize) -> Self {
        Self {
            state: Mutex::new(State::default()),
            max_keys: max_keys.max(1),
        }
    }

    /// Takes `cost` tokens if the bucket holds them.
    pub fn try_acquire(
        &self,
        key: &str,
        limit: Limit,
        cost: u64,
        now_s: f64,
    ) -> Result<Decision, RateLimitError> {
        if cost > limit.tokens {
            return Ok(Decision::Never);
        }
        let now = scaled_now(now_s, limit)?;
        let need = scaled_cost(cost, limit)?;
        self.with_bucket(key, limit, now, |tat| {
            let new_tat = (*tat)
                .max(now)
                .checked_add(need)
                .ok_or(RateLimitError::Overflow)?;
            let wait = new_tat - now - limit.capacity();
            if wait <= 0 {
                *tat = new_tat;
                return Ok(Decision::Allowed);
            }
            Ok(Decision::Denied {
                retry_after_s: to_seconds(wait, limit),
            })
        })
    }

    /// Takes `cost` tokens unconditionally; the bucket may go into debt.
    pub fn charge(
        &self,
        key: &str,
        limit: Limit,
        cost: u64,
        now_s: f64,
    ) -> Result<(), RateLimitError> {
        let now = scaled_now(now_s, limit)?;
        let need = scaled_cost(cost, limit)?;
        self.with_bucket(key, limit, now, |tat| {
            *tat = (*tat)
                .max(now)
                .checked_add(need)
                .ok_or(RateLimitError::Overflow)?;
            Ok(())
        })
    }

    /// Gives `tokens` back (never above the bucket's capacity).
    pub fn refund(
        &self,
        key: &str,
        limit: Limit,
        tokens: u64,
        now_s: f64,
    ) -> Result<(), RateLimitError> {
        let now = scaled_now(now_s, limit)?;
        let back = scaled_cost(tokens, limit)?;
        self.with_bucket(key, limit, now, |tat| {
            *tat = tat.saturating_sub(back).max(now);
            Ok(())
        })
    }

    /// Whole tokens available now (negative while in debt).
    pub fn remaining(&self, key: &str, limit: Limit, now_s: f64) -> Result<i128, RateLimitError> {
        let now = scaled_now(now_s, limit)?;
        let state = self.lock();
        let bucket = state
            .buckets
            .get(&limit)
            .and_then(|per_key| per_key.get(key));
        let tat = bucket.map_or(now, |b| b.tat.max(now));
        let used = tat - now;
        Ok((limit.capacity() - used).div_euclid(limit.per_token()))
    }

    /// Drops every bucket that is full at `now_s`; returns how many were dropped.
    pub fn sweep(&self, now_s: f64) -> Result<usize, RateLimitError> {
        Ok(self.lock().drop_full(clock_ns(now_s)?))
    }

    /// Live buckets.
    pub fn len(&self) -> usize {
        self.lock().len
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is consistent between statements, so a panic elsewhere cannot corrupt it.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the bucket's `tat` (a new bucket starts full), then keeps the bucket, or drops
    /// it if `f` left it full.
    fn with_bucket<T>(
        &self,
        key: &str,
        limit: Limit,
        now: i128,
        f: impl FnOnce(&mut i128) -> Result<T, RateLimitError>,
    ) -> Result<T, RateLimitError> {
        let mut state = self.lock();
        let state = &mut *state;
        state.calls += 1;
        let per_key = state.buckets.entry(limit).or_default();
        let out = if let Some(bucket) = per_key.get_mut(key) {
            let out = f(&mut bucket.tat)?;
            bucket.last_used = state.calls;
            if bucket.tat <= now {
                per_key.remove(key);
                state.len -= 1;
            }
            out
        } else {
            let mut tat = now;
            let out = f(&mut tat)?;
            if tat > now {
                let bucket = Bucket {
                    tat,
                    last_used: state.calls,
                };
                per_key.insert(key.to_owned(), bucket);
                state.len += 1;
            }
            out
        };
        if per_key.is_empty() {
            state.buckets.remove(&limit);
        }
        state.maintain(self.max_keys, now / i128::from(limit.tokens));
        Ok(out)
    }
}

impl State {
    /// Keeps memory bounded, amortized O(1) per call: every `max(len, SWEEP_EVERY)` calls, and
    /// whenever there are more than `max_keys` buckets, full buckets are dropped; if that is not
    /// enough, the least recently used are evicted down to `max_keys - max_keys / 16`, so the
    /// O(len) pass runs at most once per `max_keys / 16` new keys.
    fn maintain(&mut self, max_keys: usize, now_ns: i128) {
        self.calls_since_sweep += 1;
        if self.len <= max_keys && self.calls_since_sweep < self.len.max(SWEEP_EVERY) {
            return;
        }
        self.drop_full(now_ns);
        if self.len <= max_keys {
            return;
        }
        let keep = max_keys - max_keys / 16;
        let mut ages: Vec<u64> = self
            .buckets
            .values()
            .flat_map(|per_key| per_key.values().map(|b| b.last_used))
            .collect();
        let Some(youngest_evicted) = ages.len().checked_sub(keep + 1) else {
            return;
        };
        let (_, &mut cutoff, _) = ages.select_nth_unstable(youngest_evicted);
        for per_key in self.buckets.values_mut() {
            per_key.retain(|_, b| b.last_used > cutoff);
        }
        self.buckets.retain(|_, per_key| !per_key.is_empty());
        self.len = self.buckets.values().map(HashMap::len).sum();
    }

    /// Drops every bucket that is full at `now_ns` (unscaled: scaled here per limit).
    fn drop_full(&mut self, now_ns: i128) -> usize {
        self.calls_since_sweep = 0;
        let before = self.len;
        for (limit, per_key) in &mut self.buckets {
            if let Some(now) = now_ns.checked_mul(i128::from(limit.tokens)) {
                per_key.retain(|_, b| b.tat > now);
            }
        }
        self.buckets.retain(|_, per_key| !per_key.is_empty());
        self.len = self.buckets.values().map(HashMap::len).sum();
        before - self.len
    }
}

/// `now_s` in whole nanoseconds.
fn clock_ns(now_s: f64) -> Result<i128, RateLimitError> {
    if !now_s.is_finite() {
        return Err(RateLimitError::BadClock(now_s));
    }
    // A finite f64 saturates into i128 nanoseconds; any real clock is far inside the range.
    Ok((now_s * 1e9).round() as i128)
}

fn scaled_now(now_s: f64, limit: Limit) -> Result<i128, RateLimitError> {
    clock_ns(now_s)?
        .checked_mul(i128::from(limit.tokens))
        .ok_or(RateLimitError::Overflow)
}

fn scaled_cost(cost: u64, limit: Limit) -> Result<i128, RateLimitError> {
    i128::from(cost)
        .checked_mul(limit.per_token())
        .ok_or(RateLimitError::Overflow)
}

/// Scaled wait → seconds, rounded up to a whole nanosecond.
#[allow(clippy::cast_precision_loss)]
fn to_seconds(wait: i128, limit: Limit) -> f64 {
    let tokens = i128::from(limit.tokens);
    let ns = (wait + tokens - 1) / tokens;
    ns as f64 / 1e9
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit(tokens: u64, unit: &str) -> Limit {
        Unit::parse(unit)
            .and_then(|u| Limit::new(tokens, u))
            .unwrap_or(Limit {
                tokens: 1,
                unit: Unit::Second,
            })
    }

    fn acquire(rl: &RateLimiter, l: Limit, cost: u64, now: f64) -> Decision {
        rl.try_acquire("k", l, cost, now).unwrap_or(Decision::Never)
    }

    #[test]
    fn units_are_exact() {
        assert_eq!(Unit::Day.period_ns(), 86_400_000_000_000);
        assert!(Unit::parse("week").is_err());
        assert!(Limit::new(0, Unit::Second).is_err());
    }

    #[test]
    fn day_limit_refills_one_token_per_period_over_tokens() {
        let rl = RateLimiter::default();
        let l = limit(1000, "day");
        assert_eq!(acquire(&rl, l, 1000, 0.0), Decision::Allowed);
        // One token takes 86.4 s to come back: exact, no per-hour approximation.
        assert_eq!(
            acquire(&rl, l, 1, 0.0),
            Decision::Denied {
                retry_after_s: 86.4
            }
        );
        assert_eq!(
            acquire(&rl, l, 1, 86.399_999_999),
            Decision::Denied {
                retry_after_s: 1e-9
            }
        );
        assert_eq!(acquire(&rl, l, 1, 86.4), Decision::Allowed);
        assert_eq!(
            acquire(&rl, l, 10, 86.4),
            Decision::Denied {
                retry_after_s: 864.0
            }
        );
    }

    #[test]
    fn waiting_retry_after_always_succeeds() {
        let rl = RateLimiter::default();
        let l = limit(7, "minute");
        let mut now = 1000.0;
        for cost in [3, 5, 7, 1, 6, 2] {
            match acquire(&rl, l, cost, now) {
                Decision::Denied { retry_after_s } => {
                    now += retry_after_s;
                    assert_eq!(acquire(&rl, l, cost, now), Decision::Allowed);
                }
                other => assert_eq!(other, Decision::Allowed),
            }
        }
    }

    #[test]
    fn cost_above_capacity_is_never() {
        let rl = RateLimiter::default();
        assert_eq!(acquire(&rl, limit(10, "second"), 11, 0.0), Decision::Never);
    }

    #[test]
    fn cost_zero_is_fine_unless_in_debt() {
        let rl = RateLimiter::default();
        let l = limit(10, "second");
        assert_eq!(acquire(&rl, l, 0, 0.0), Decision::Allowed);
        assert_eq!(rl.charge("k", l, 15, 0.0), Ok(()));
        assert_eq!(
            acquire(&rl, l, 0, 0.0),
            Decision::Denied { retry_after_s: 0.5 }
        );
        assert_eq!(rl.remaining("k", l, 0.0), Ok(-5));
        assert_eq!(
            acquire(&rl, l, 10, 0.5),
            Decision::Denied { retry_after_s: 1.0 }
        );
        assert_eq!(acquire(&rl, l, 10, 1.5), Decision::Allowed);
    }

    #[test]
    fn refund_is_capped_at_capacity() {
        let rl = RateLimiter::default();
        let l = limit(10, "hour");
        assert_eq!(acquire(&rl, l, 8, 0.0), Decision::Allowed);
        assert_eq!(rl.refund("k", l, 5, 0.0), Ok(()));
        assert_eq!(rl.remaining("k", l, 0.0), Ok(7));
        assert_eq!(rl.refund("k", l, 100, 0.0), Ok(()));
        assert_eq!(rl.remaining("k", l, 0.0), Ok(10));
        assert!(rl.is_empty(), "a full bucket holds no state");
    }

    #[test]
    fn keys_and_limits_are_separate_buckets() {
        let rl = RateLimiter::default();
        let a = limit(1, "second");
        let b = limit(2, "second");
        assert_eq!(rl.try_acquire("x", a, 1, 0.0), Ok(Decision::Allowed));
        assert_eq!(rl.try_acquire("y", a, 1, 0.0), Ok(Decision::Allowed));
        assert_eq!(rl.try_acquire("x", b, 2, 0.0), Ok(Decision::Allowed));
        assert_eq!(rl.len(), 3);
    }

    #[test]
    fn memory_is_bounded_and_idle_buckets_go() {
        let rl = RateLimiter::new(160);
        let l = limit(10, "second");
        for i in 0..10_000 {
            let _ = rl.try_acquire(&format!("user-{i}"), l, 1, 0.0);
            assert!(rl.len() <= 160);
        }
        // The most recent keys survive the LRU eviction; the oldest are gone.
        assert_eq!(rl.remaining("user-9999", l, 0.0), Ok(9));
        assert_eq!(rl.remaining("user-0", l, 0.0), Ok(10));
        // Later every bucket is full again: going over the cap drops them all first.
        let old = rl.len();
        for i in 0..=160 - old {
            let _ = rl.try_acquire(&format!("late-{i}"), l, 1, 10.0);
        }
        assert_eq!(rl.len(), 161 - old);
        let late = rl.len();
        assert_eq!(rl.sweep(20.0), Ok(late));
        assert!(rl.is_empty());
    }

    #[test]
    fn bad_clock_and_overflow_are_errors() {
        let rl = RateLimiter::default();
        let l = limit(1, "second");
        let nan = rl.try_acquire("k", l, 1, f64::NAN);
        assert!(matches!(nan, Err(RateLimitError::BadClock(_))));
        let huge = limit(u64::MAX, "day");
        assert_eq!(
            rl.charge("k", huge, u64::MAX, 1e12),
            Err(RateLimitError::Overflow)
        );
    }

    #[test]
    fn threads_never_admit_more_than_the_budget() {
        let rl = std::sync::Arc::new(RateLimiter::default());
        let l = limit(1000, "day");
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let rl = rl.clone();
                std::thread::spawn(move || {
                    (0..500)
                        .filter(|_| acquire(&rl, l, 1, 5.0) == Decision::Allowed)
                        .count()
                })
            })
            .collect();
        let admitted: usize = handles.into_iter().map(|h| h.join().unwrap_or(0)).sum();
        assert_eq!(admitted, 1000);
    }
}
