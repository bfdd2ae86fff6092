"""Prometheus metrics through a real `plano run --workers 2`: the LLM path's counters and
histograms, summed across workers, labelled by provider and model and never by key."""

from __future__ import annotations

import time

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.http.conftest import MockProvider
from tests.http.gateway import free_port, start_gateway

KEY = "sk-metrics-secret-key-0123456789"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def total(
    found: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str
) -> float:
    want = set(labels.items())
    return sum(v for (n, ls), v in found.items() if n == name and want <= set(ls))


def test_llm_metrics_are_aggregated_across_workers(
    mock_provider: MockProvider, tmp_path_factory: pytest.TempPathFactory
) -> None:
    metrics_port = free_port()
    config = {
        "version": "v0.4.0",
        "listeners": [{"name": "llm", "type": "model", "address": "127.0.0.1", "max_retries": 2}],
        "model_providers": [
            {"model": "openai/gpt-4o-mini", "base_url": mock_provider.base_url, "access_key": KEY},
            {
                "model": "openai/flaky",
                "base_url": mock_provider.base_url,
                "access_key": KEY,
                "headers": {
                    "x-mock-fail-status": "503",
                    "x-mock-fail-count": "2",
                    "x-mock-fail-key": "metrics-flaky",
                },
            },
            {
                "model": "openai/down",
                "base_url": mock_provider.base_url,
                "access_key": KEY,
                "headers": {
                    "x-mock-fail-status": "503",
                    "x-mock-fail-count": "-1",
                    "x-mock-fail-key": "metrics-down",
                },
            },
        ],
    }
    with start_gateway(
        config, tmp_path_factory.mktemp("metrics"), workers=2, metrics_port=metrics_port
    ) as gateway:
        for index in range(20):
            with httpx.Client() as client:  # new connections spread over both workers
                body = {
                    "model": "gpt-4o-mini",
                    "messages": [{"role": "user", "content": f"hi {index}"}],
                    "stream": index % 2 == 0,
                }
                assert (
                    client.post(f"{gateway.base_url}/v1/chat/completions", json=body).status_code
                    == 200
                )
        mock_provider.reset()
        for model, status in (("openai/flaky", 200), ("openai/down", 503)):
            body = {"model": model, "messages": [{"role": "user", "content": "hi"}]}
            response = httpx.post(f"{gateway.base_url}/v1/chat/completions", json=body)
            assert response.status_code == status
        deadline = time.monotonic() + 10
        while True:
            text = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics").text
            found = samples(text)
            upstream = total(
                found, "plano_llm_upstream_requests_total", provider="openai", model="gpt-4o-mini"
            )
            down = total(found, "plano_llm_upstream_requests_total", model="down")
            if (upstream >= 20 and down >= 3) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    assert upstream == 20
    assert (
        total(found, "plano_http_requests_total", handler="chat_completions", status_class="2xx")
        == 21  # 20 plain + the flaky one that succeeded on retry
    )
    assert total(found, "plano_llm_tokens_total", provider="openai", kind="output") > 0
    assert total(found, "plano_llm_time_to_first_token_seconds_count", model="gpt-4o-mini") == 20
    assert (
        total(found, "plano_http_requests_total", handler="chat_completions", status_class="5xx")
        == 1
    )
    # Every attempt is recorded exactly once: retried ones when given up, the answer when relayed.
    flaky = total(found, "plano_llm_upstream_requests_total", model="flaky")
    assert flaky == 3
    assert total(found, "plano_llm_upstream_requests_total", model="flaky", status_class="2xx") == 1
    assert total(found, "plano_llm_retries_total", model="flaky") == 2
    assert down == 3
    assert total(found, "plano_llm_upstream_requests_total", model="down", status_class="5xx") == 3
    assert KEY not in text
