"""What recording one proxied LLM request costs a worker.

One "request" is what the proxy path records for a streamed chat completion: `request_started`,
`upstream_finished` (outcome, latency, time to first token, time per output token, three token
kinds) and `request_finished`. It is timed in both value modes: in-process values, and the
memory-mapped files a worker writes under `plano run` (multiprocess mode, switched on here for
the test's duration the way `PROMETHEUS_MULTIPROC_DIR` does at import in a worker).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, values
from pytest_benchmark.fixture import BenchmarkFixture

from plano.observability.metrics import Metrics, UsageCounts

USAGE = UsageCounts(input_tokens=1200, output_tokens=350, cache_read_tokens=1024)


def record_one_request(m: Metrics) -> None:
    token = m.request_started("llm", "llm_chat", "POST")
    m.upstream_finished(
        provider="openai",
        model="gpt-4o",
        status=200,
        error_class="none",
        duration_s=4.2,
        ttft_s=0.35,
        usage=USAGE,
    )
    m.request_finished(token, 200)


@pytest.fixture(params=["in-process", "multiprocess"])
def metrics(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Metrics]:
    if request.param == "in-process":
        yield Metrics(CollectorRegistry())
        return
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
        patch.setattr(values, "ValueClass", values.MultiProcessValue())
        yield Metrics(CollectorRegistry())


def test_recording_a_request(benchmark: BenchmarkFixture, metrics: Metrics) -> None:
    record_one_request(metrics)
    metrics.flush()
    before = metrics.registry.get_sample_value(
        "plano_llm_tokens_total", {"provider": "openai", "model": "gpt-4o", "kind": "output"}
    )
    assert before == 350
    benchmark(record_one_request, metrics)
    metrics.flush()
    after = metrics.registry.get_sample_value(
        "plano_http_requests_total",
        {"listener": "llm", "handler": "llm_chat", "method": "POST", "status_class": "2xx"},
    )
    assert after is not None
    assert after >= 2
    in_flight = metrics.registry.get_sample_value(
        "plano_http_in_flight_requests", {"listener": "llm"}
    )
    assert in_flight == 0
