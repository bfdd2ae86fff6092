"""plano._core RateLimiter: exact units, exact retry_after, bounded memory, thread safety."""

import math
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plano._core import RateLimiter, RateLimitError

PERIOD_S = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


@pytest.mark.parametrize("unit", ["second", "minute", "hour", "day"])
def test_one_token_refills_in_exactly_period_over_tokens(unit: str) -> None:
    rl = RateLimiter()
    kw = {"limit_tokens": 100, "unit": unit}
    assert rl.try_acquire("k", **kw, cost=100, now_s=0.0) is None  # type: ignore[arg-type]
    retry = rl.try_acquire("k", **kw, cost=1, now_s=0.0)  # type: ignore[arg-type]
    assert retry == PERIOD_S[unit] / 100
    assert rl.try_acquire("k", **kw, cost=1, now_s=PERIOD_S[unit] / 100) is None  # type: ignore[arg-type]


def test_day_is_not_approximated_by_hours() -> None:
    rl = RateLimiter()
    assert rl.try_acquire("k", limit_tokens=10, unit="day", cost=10, now_s=0.0) is None
    # 10/day: the full bucket is back after exactly one day (per-hour/24 would give 10/24 h).
    assert rl.try_acquire("k", limit_tokens=10, unit="day", cost=10, now_s=0.0) == 86400.0
    assert rl.remaining("k", limit_tokens=10, unit="day", now_s=43200.0) == 5


@given(
    limit_tokens=st.integers(1, 10_000),
    unit=st.sampled_from(["second", "minute", "hour", "day"]),
    costs=st.lists(st.integers(0, 10_000), min_size=1, max_size=8),
    start=st.floats(0, 1e5),
)
def test_waiting_retry_after_is_exactly_enough(
    limit_tokens: int, unit: str, costs: list[int], start: float
) -> None:
    rl = RateLimiter()
    now = start
    for cost in costs:
        kw = {"limit_tokens": limit_tokens, "unit": unit, "cost": cost}
        retry = rl.try_acquire("k", **kw, now_s=now)  # type: ignore[arg-type]
        if retry is None:
            continue
        if cost > limit_tokens:
            assert retry == math.inf
            continue
        assert retry > 0
        # Just before the deadline it is still denied; at it, it is admitted.
        if retry > 1e-6:
            assert rl.try_acquire("k", **kw, now_s=now + retry - 1e-6) is not None  # type: ignore[arg-type]
        now += retry
        assert rl.try_acquire("k", **kw, now_s=now) is None  # type: ignore[arg-type]


def test_cost_above_capacity_can_never_succeed() -> None:
    rl = RateLimiter()
    assert rl.try_acquire("k", limit_tokens=5, unit="second", cost=6, now_s=0.0) == math.inf
    assert len(rl) == 0


def test_cost_zero_is_allowed() -> None:
    rl = RateLimiter()
    assert rl.try_acquire("k", limit_tokens=5, unit="second", cost=0, now_s=0.0) is None


def test_charge_puts_the_bucket_in_debt_and_refund_repays() -> None:
    rl = RateLimiter()
    kw = {"limit_tokens": 100, "unit": "minute"}
    assert rl.try_acquire("k", **kw, cost=40, now_s=0.0) is None  # type: ignore[arg-type]
    rl.charge("k", **kw, cost=110, now_s=0.0)  # type: ignore[arg-type]
    assert rl.remaining("k", **kw, now_s=0.0) == -50  # type: ignore[arg-type]
    # 50 tokens of debt + 10 wanted = 60 tokens = 36 s at 100/min.
    assert rl.try_acquire("k", **kw, cost=10, now_s=0.0) == 36.0  # type: ignore[arg-type]
    rl.refund("k", **kw, tokens=50, now_s=0.0)  # type: ignore[arg-type]
    assert rl.try_acquire("k", **kw, cost=10, now_s=6.0) is None  # type: ignore[arg-type]


def test_memory_stays_bounded_under_many_distinct_keys() -> None:
    rl = RateLimiter(max_keys=1000)
    for i in range(200_000):
        rl.try_acquire(f"user-{i}", limit_tokens=10, unit="minute", cost=1, now_s=i * 1e-3)
        assert len(rl) <= 1000
    live = len(rl)
    assert live > 900  # evictions come in batches of max_keys / 16
    assert rl.sweep(1e6) == live
    assert len(rl) == 0


def test_idle_buckets_are_dropped_before_active_ones() -> None:
    rl = RateLimiter(max_keys=600)
    for i in range(500):
        rl.try_acquire(f"old-{i}", limit_tokens=10, unit="second", cost=1, now_s=0.0)
    for i in range(500):
        rl.try_acquire(f"new-{i}", limit_tokens=10, unit="second", cost=1, now_s=100.0)
    # Passing 600 buckets dropped the 500 full ones, not the least recently used active ones.
    assert len(rl) == 500
    assert rl.remaining("new-0", limit_tokens=10, unit="second", now_s=100.0) == 9


def test_threads_never_admit_more_than_the_budget() -> None:
    rl = RateLimiter()
    admitted = [0] * 8

    def hammer(slot: int) -> None:
        for _ in range(2000):
            if rl.try_acquire("shared", limit_tokens=5000, unit="hour", cost=3, now_s=1.0) is None:
                admitted[slot] += 3

    threads = [threading.Thread(target=hammer, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(admitted) == 4998


@pytest.mark.parametrize(
    ("limit_tokens", "unit", "now_s"),
    [(10, "week", 0.0), (0, "second", 0.0), (10, "second", math.nan), (10, "second", math.inf)],
)
def test_bad_arguments_raise(limit_tokens: int, unit: str, now_s: float) -> None:
    with pytest.raises(RateLimitError):
        RateLimiter().try_acquire("k", limit_tokens=limit_tokens, unit=unit, cost=1, now_s=now_s)  # type: ignore[arg-type]


def test_negative_cost_is_refused() -> None:
    with pytest.raises(OverflowError):
        RateLimiter().try_acquire("k", limit_tokens=1, unit="second", cost=-1, now_s=0.0)
