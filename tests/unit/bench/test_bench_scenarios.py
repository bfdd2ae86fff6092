"""Scenario requests and the Plano configs they generate."""

from __future__ import annotations

import orjson
import pytest
import yaml

from plano.bench.scenarios import (
    MOCK_KEY_ENV,
    RATELIMIT_HEADER,
    SCENARIOS,
    api_request,
    select,
)
from plano.config.load import parse_config


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_every_generated_config_is_valid(scenario: object) -> None:
    from plano.bench.scenarios import Scenario

    assert isinstance(scenario, Scenario)
    text = scenario.config_yaml(gateway_port=12001, mock_port=12002)
    config = parse_config(yaml.safe_load(text), {MOCK_KEY_ENV: "k"}, source="bench")
    assert not config.warnings
    assert "http://127.0.0.1:12002" in text


def test_ratelimit_scenario_sends_the_selector_header() -> None:
    (scenario,) = select("openai-ratelimit", is_quick=False)
    assert dict(scenario.client_request().headers)[RATELIMIT_HEADER] == "bench"
    assert RATELIMIT_HEADER not in dict(scenario.upstream_request().headers)
    assert "ratelimits" in scenario.config_yaml(gateway_port=1, mock_port=2)


def test_translated_scenario_sends_the_upstream_format_directly() -> None:
    (scenario,) = select("anthropic-to-openai-stream", is_quick=False)
    assert scenario.is_translated
    assert scenario.client_request().path == "/v1/messages"
    assert scenario.upstream_request().path == "/v1/chat/completions"
    assert orjson.loads(scenario.client_request().body)["stream"] is True


def test_bedrock_requests_use_the_converse_paths() -> None:
    assert api_request("bedrock-converse", "m", False).path == "/model/m/converse"
    assert api_request("bedrock-converse", "m", True).path == "/model/m/converse-stream"


def test_select_defaults_and_rejects_unknown_names() -> None:
    assert [s.name for s in select(None, is_quick=True)] == ["openai", "openai-stream"]
    assert len(select(None, is_quick=False)) == len(SCENARIOS)
    assert len(select("all", is_quick=True)) == len(SCENARIOS)
    with pytest.raises(ValueError, match="nope"):
        select("openai,nope", is_quick=False)
