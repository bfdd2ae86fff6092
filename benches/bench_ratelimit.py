"""Rate limiting: plano._core.RateLimiter against a pure-Python GCRA with the same arithmetic.

The workload is 10 000 try_acquire calls over 1 000 keys with a clock that moves forward.
"""

import math
import random
from collections.abc import Callable

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from plano._core import RateLimiter

PERIOD_NS = {"second": 10**9, "minute": 60 * 10**9, "hour": 3600 * 10**9, "day": 86400 * 10**9}
Op = tuple[str, int, str, int, float]


class PyLimiter:
    """GCRA in integers scaled by the limit's tokens (ns * tokens), as RateLimiter does."""

    def __init__(self) -> None:
        self.tat: dict[tuple[str, int, str], int] = {}

    def try_acquire(
        self, key: str, *, limit_tokens: int, unit: str, cost: int, now_s: float
    ) -> float | None:
        if cost > limit_tokens:
            return math.inf
        per_token = PERIOD_NS[unit]
        now = round(now_s * 1e9) * limit_tokens
        tat = max(self.tat.get((key, limit_tokens, unit), now), now) + cost * per_token
        wait = tat - now - per_token * limit_tokens
        if wait <= 0:
            self.tat[(key, limit_tokens, unit)] = tat
            return None
        return -(-wait // limit_tokens) / 1e9


def workload(n: int = 10_000) -> list[Op]:
    rng = random.Random(7)
    units = list(PERIOD_NS)
    return [
        (f"user-{rng.randrange(1000)}", 50, units[i % 4], rng.randrange(0, 60), i * 0.01)
        for i in range(n)
    ]


OPS = workload()


def run(limiter: RateLimiter | PyLimiter) -> list[float | None]:
    acquire = limiter.try_acquire
    return [
        acquire(key, limit_tokens=tokens, unit=unit, cost=cost, now_s=now)  # type: ignore[arg-type]
        for key, tokens, unit, cost, now in OPS
    ]


IMPLS: dict[str, Callable[[], RateLimiter | PyLimiter]] = {"core": RateLimiter, "python": PyLimiter}


def test_reference_agrees() -> None:
    decisions = run(RateLimiter())
    assert decisions == run(PyLimiter())
    assert None in decisions
    assert any(d not in (None, math.inf) for d in decisions)


@pytest.mark.parametrize("impl", IMPLS)
def test_try_acquire(benchmark: BenchmarkFixture, impl: str) -> None:
    benchmark.extra_info["calls"] = len(OPS)
    benchmark.group = "ratelimit 10k try_acquire"
    assert benchmark(lambda: run(IMPLS[impl]()))
