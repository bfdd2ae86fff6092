"""The recording API lands values in the right series, with bounded, secret-free labels."""

from __future__ import annotations

import asyncio

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from plano.observability.metric_labels import looks_like_secret
from plano.observability.metrics import (
    MAX_MODEL_SERIES,
    BuildInfoCollector,
    Metrics,
    UsageCounts,
    get_metrics,
)


@pytest.fixture
def metrics() -> Metrics:
    return Metrics(CollectorRegistry())


def value(m: Metrics, name: str, **labels: str) -> float:
    m.flush()
    sample = m.registry.get_sample_value(name, labels)
    return 0.0 if sample is None else sample


def upstream(m: Metrics, **overrides: object) -> None:
    args: dict[str, object] = {
        "provider": "openai",
        "model": "gpt-4o",
        "status": 200,
        "error_class": "none",
        "duration_s": 2.0,
        "ttft_s": 0.5,
        "usage": UsageCounts(input_tokens=100, output_tokens=31),
    }
    args.update(overrides)
    m.upstream_finished(**args)  # type: ignore[arg-type]


def test_finished_request_counts_by_status_class_and_leaves_nothing_in_flight(
    metrics: Metrics,
) -> None:
    token = metrics.request_started("llm", "llm_chat", "POST")
    assert value(metrics, "plano_http_in_flight_requests", listener="llm") == 1
    metrics.request_finished(token, 429)
    labels = {"listener": "llm", "handler": "llm_chat", "method": "POST"}
    assert value(metrics, "plano_http_requests_total", status_class="4xx", **labels) == 1
    assert value(metrics, "plano_http_in_flight_requests", listener="llm") == 0
    assert (
        value(
            metrics, "plano_http_request_duration_seconds_count", listener="llm", handler="llm_chat"
        )
        == 1
    )


def test_finishing_a_request_twice_counts_it_once(metrics: Metrics) -> None:
    token = metrics.request_started("llm", "llm_chat", "POST")
    metrics.request_finished(token, 200)
    metrics.request_finished(token, 500)
    labels = {"listener": "llm", "handler": "llm_chat", "method": "POST"}
    assert value(metrics, "plano_http_requests_total", status_class="2xx", **labels) == 1
    assert value(metrics, "plano_http_requests_total", status_class="5xx", **labels) == 0
    assert value(metrics, "plano_http_in_flight_requests", listener="llm") == 0


def test_in_flight_counts_concurrent_requests_per_listener(metrics: Metrics) -> None:
    first = metrics.request_started("llm", "llm_chat", "POST")
    metrics.request_started("llm", "list_models", "GET")
    metrics.request_started("agents", "agent_chat", "POST")
    assert value(metrics, "plano_http_in_flight_requests", listener="llm") == 2
    assert value(metrics, "plano_http_in_flight_requests", listener="agents") == 1
    metrics.request_finished(first, 200)
    assert value(metrics, "plano_http_in_flight_requests", listener="llm") == 1


def test_unknown_http_method_is_recorded_as_other(metrics: Metrics) -> None:
    for method in ("BREW", "PROPFIND"):
        metrics.request_finished(metrics.request_started("llm", "not_found", method), 405)
    labels = {"listener": "llm", "handler": "not_found", "status_class": "4xx"}
    assert value(metrics, "plano_http_requests_total", method="other", **labels) == 2
    assert value(metrics, "plano_http_requests_total", method="BREW", **labels) == 0


def test_upstream_attempt_records_outcome_latency_ttft_and_tokens(metrics: Metrics) -> None:
    upstream(
        metrics,
        usage=UsageCounts(
            input_tokens=100,
            output_tokens=31,
            cache_read_tokens=40,
            cache_creation_tokens=7,
            reasoning_tokens=12,
        ),
    )
    pm = {"provider": "openai", "model": "gpt-4o"}
    assert (
        value(
            metrics,
            "plano_llm_upstream_requests_total",
            status_class="2xx",
            error_class="none",
            **pm,
        )
        == 1
    )
    assert value(metrics, "plano_llm_upstream_duration_seconds_sum", **pm) == 2.0
    assert value(metrics, "plano_llm_time_to_first_token_seconds_sum", **pm) == 0.5
    # (2.0 - 0.5) s over the 30 tokens after the first.
    assert value(metrics, "plano_llm_time_per_output_token_seconds_sum", **pm) == pytest.approx(
        0.05
    )
    tokens = {
        kind: value(metrics, "plano_llm_tokens_total", kind=kind, **pm)
        for kind in ("input", "output", "cache_read", "cache_write", "reasoning")
    }
    assert tokens == {
        "input": 100,
        "output": 31,
        "cache_read": 40,
        "cache_write": 7,
        "reasoning": 12,
    }
    assert value(metrics, "plano_llm_usage_missing_total", **pm) == 0


def test_time_per_output_token_without_first_token_time_spreads_whole_duration(
    metrics: Metrics,
) -> None:
    upstream(metrics, ttft_s=None, duration_s=3.0, usage=UsageCounts(output_tokens=30))
    pm = {"provider": "openai", "model": "gpt-4o"}
    assert value(metrics, "plano_llm_time_per_output_token_seconds_sum", **pm) == pytest.approx(0.1)
    assert value(metrics, "plano_llm_time_to_first_token_seconds_count", **pm) == 0


def test_missing_usage_counts_only_for_completed_successful_attempts(metrics: Metrics) -> None:
    upstream(metrics, usage=None)
    upstream(metrics, usage=None, status=500)
    upstream(metrics, usage=None, status=200, error_class="stream")
    upstream(metrics, usage=None, status=None, error_class="connect", ttft_s=None)
    pm = {"provider": "openai", "model": "gpt-4o"}
    assert value(metrics, "plano_llm_usage_missing_total", **pm) == 1
    assert value(metrics, "plano_llm_time_per_output_token_seconds_count", **pm) == 0
    outcomes = {
        ("other", "connect"): 1,
        ("2xx", "stream"): 1,
        ("5xx", "none"): 1,
        ("2xx", "none"): 1,
    }
    for (klass, error), count in outcomes.items():
        assert (
            value(
                metrics,
                "plano_llm_upstream_requests_total",
                status_class=klass,
                error_class=error,
                **pm,
            )
            == count
        )


def test_unknown_error_class_is_recorded_as_other(metrics: Metrics) -> None:
    upstream(metrics, status=None, error_class="ssl-handshake", usage=None)
    assert (
        value(
            metrics,
            "plano_llm_upstream_requests_total",
            provider="openai",
            model="gpt-4o",
            status_class="other",
            error_class="other",
        )
        == 1
    )


def test_retries_failovers_and_rate_limits_are_counted(metrics: Metrics) -> None:
    metrics.retry(provider="anthropic", model="claude-sonnet-4", reason="rate_limited")
    metrics.retry(provider="anthropic", model="claude-sonnet-4", reason="rate_limited")
    metrics.retry(provider="anthropic", model="claude-sonnet-4", reason="cosmic-ray")  # type: ignore[arg-type]
    metrics.failover(from_model="anthropic/claude-sonnet-4", to_model="openai/gpt-4o")
    metrics.rate_limited(model="openai/gpt-4o")
    pm = {"provider": "anthropic", "model": "claude-sonnet-4"}
    assert value(metrics, "plano_llm_retries_total", reason="rate_limited", **pm) == 2
    assert value(metrics, "plano_llm_retries_total", reason="other", **pm) == 1
    assert (
        value(
            metrics,
            "plano_llm_failovers_total",
            from_model="anthropic/claude-sonnet-4",
            to_model="openai/gpt-4o",
        )
        == 1
    )
    assert value(metrics, "plano_ratelimited_requests_total", model="openai/gpt-4o") == 1


@pytest.mark.parametrize(
    "secret",
    [
        "sk-proj-Abc123def456ghi789",
        "sk-ant-api03-abcdefghijklmnop",
        "Bearer abc",
        "AKIAIOSFODNN7EXAMPLE",
        "AIzaSyA1234567890abcdefghijklmnop",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig",
        "gsk_abcdefgh12345678",
        "4f3c2b1a9e8d7c6b5a4f3c2b1a9e8d7c",
        "openai/sk-abcdef123456789",
    ],
)
def test_secret_shaped_label_values_are_redacted(metrics: Metrics, secret: str) -> None:
    assert looks_like_secret(secret)
    upstream(metrics, provider=secret, model=secret)
    metrics.rate_limited(model=secret)
    metrics.failover(from_model=secret, to_model="gpt-4o")
    metrics.retry(provider="openai", model=secret, reason="timeout")
    metrics.flush()
    text = generate_latest(metrics.registry).decode()
    assert secret not in text
    assert 'provider="redacted"' in text
    assert 'model="redacted"' in text


def test_only_strings_become_labels(metrics: Metrics) -> None:
    class Secret:
        def __str__(self) -> str:
            return "sk-should-never-be-seen"

    with pytest.raises(TypeError, match="plain names"):
        upstream(metrics, provider=Secret())


def test_distinct_models_beyond_the_cap_fold_into_other(metrics: Metrics) -> None:
    for index in range(MAX_MODEL_SERIES + 5):
        upstream(metrics, model=f"m{index}", usage=None)
    assert (
        value(
            metrics,
            "plano_llm_upstream_requests_total",
            provider="other",
            model="other",
            status_class="2xx",
            error_class="none",
        )
        == 5
    )


def test_build_info_reports_the_version() -> None:
    registry = CollectorRegistry()
    registry.register(BuildInfoCollector("1.2.3"))
    assert registry.get_sample_value("plano_build_info", {"version": "1.2.3"}) == 1


def test_process_has_one_metrics_object() -> None:
    assert get_metrics() is get_metrics()


def test_pending_observations_land_in_the_same_buckets_as_observe() -> None:
    observations = [0.0, 0.001, 0.05, 0.0500001, 0.1, 2.5, 7.0, 120.0, 121.0, 1e9]
    buffered = Metrics(CollectorRegistry())
    direct = Metrics(CollectorRegistry())
    for seconds in observations:
        buffered.upstream_finished(
            provider="p",
            model="m",
            status=200,
            error_class="none",
            duration_s=seconds,
            ttft_s=None,
            usage=UsageCounts(),
        )
        direct.upstream_duration.labels("p", "m").observe(seconds)
    buffered.flush()

    def histogram(m: Metrics) -> list[tuple[str, float]]:
        name = "plano_llm_upstream_duration_seconds"
        family = next(f for f in m.registry.collect() if f.name == name)
        samples = (s for s in family.samples if not s.name.endswith("_created"))
        return sorted((s.name + s.labels.get("le", ""), s.value) for s in samples)

    assert histogram(buffered) == histogram(direct)


def test_recording_flushes_by_itself_once_the_interval_passed(metrics: Metrics) -> None:
    labels = {"listener": "llm", "handler": "llm_chat", "method": "POST", "status_class": "2xx"}
    metrics.request_finished(metrics.request_started("llm", "llm_chat", "POST"), 200)
    assert metrics.registry.get_sample_value("plano_http_requests_total", labels) is None
    metrics._next_flush_s = 0.0
    metrics.request_finished(metrics.request_started("llm", "llm_chat", "POST"), 200)
    assert metrics.registry.get_sample_value("plano_http_requests_total", labels) == 2


def test_flushing_timer_runs_on_the_event_loop_and_close_flushes(metrics: Metrics) -> None:
    labels = {"listener": "llm", "handler": "llm_chat", "method": "POST", "status_class": "2xx"}

    async def serve() -> tuple[float | None, float | None]:
        metrics.start_flushing(asyncio.get_running_loop(), interval_s=0.01)
        metrics.request_finished(metrics.request_started("llm", "llm_chat", "POST"), 200)
        await asyncio.sleep(0.1)
        after_tick = metrics.registry.get_sample_value("plano_http_requests_total", labels)
        metrics.request_started("llm", "llm_chat", "POST")
        metrics.close()
        in_flight = metrics.registry.get_sample_value(
            "plano_http_in_flight_requests", {"listener": "llm"}
        )
        await asyncio.sleep(0.05)
        return after_tick, in_flight

    assert asyncio.run(serve()) == (1, 1)
    assert metrics._timer is None


def test_a_failing_metrics_write_never_reaches_the_request(
    metrics: Metrics, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def disk_full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    metrics.request_started("llm", "llm_chat", "POST")
    token = metrics.request_started("llm", "llm_chat", "POST")
    monkeypatch.setattr(metrics.http_in_flight.labels("llm"), "inc", disk_full)
    metrics._next_flush_s = 0.0
    metrics.request_finished(token, 200)
    assert "could not write metrics" in caplog.text
