"""`plano bench run --quick`: a few seconds against the real mock on loopback.

Checks that the harness runs end to end and writes sane, parsable results. It does not judge
the gateway's numbers (the full benchmark is not part of the suite); while the gateway cannot
proxy, its arm must be reported as a note rather than crash the run.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson

from plano.bench.procs import free_port


def test_quick_bench_writes_sane_results(tmp_path: Path) -> None:
    out = tmp_path / "results"
    completed = subprocess.run(
        [
            sys.executable, "-m", "plano.bench", "run", "--quick",
            "--duration", "1", "--warmup", "0.2", "--out", str(out),
        ],
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert "| openai |" in completed.stdout
    data = orjson.loads((out / "results.json").read_bytes())
    assert (out / "results.md").read_text().startswith("## plano bench")
    assert (out / "results.png").read_bytes().startswith(b"\x89PNG")

    scenarios = {s["summary"]["scenario"]: s for s in data["scenarios"]}
    assert set(scenarios) == {"openai", "openai-stream"}
    for name, shapes in (("openai", ("c1", "c64")), ("openai-stream", ("s1", "s16"))):
        scenario = scenarios[name]
        for shape in shapes:
            (direct,) = scenario["runs"][shape]["direct"]
            assert direct["errors"] == {}, direct["error_samples"]
            assert direct["measured_ok"] > 0
            assert direct["latency"]["p50_ms"] > 0
            assert direct["requests_per_s"] > 0
        gateway = scenario["runs"]["c1" if name == "openai" else "s1"].get("gateway", [])
        has_gateway_numbers = bool(gateway) and gateway[0]["measured_ok"] > 0
        # Either the gateway was measured or the reason it was not is reported.
        assert has_gateway_numbers or scenario["summary"]["notes"]
    stream = scenarios["openai-stream"]["runs"]["s16"]["direct"][0]
    # The streaming mock: ~20 ms to the first token, then chunks ~2 ms apart.
    assert stream["ttft"]["p50_ms"] >= 15
    assert stream["chunks_per_response"] >= 10
    assert 1 <= stream["inter_chunk"]["p50_ms"] <= 20


def test_target_url_arm_is_compared_with_direct(tmp_path: Path) -> None:
    # The mock itself stands in for a gateway that adds nothing: both arms get numbers and the
    # report computes the added cost from same-round pairs.
    port = free_port()
    out = tmp_path / "results"
    completed = subprocess.run(
        [
            sys.executable, "-m", "plano.bench", "run", "--quick", "--scenarios", "openai",
            "--duration", "0.8", "--warmup", "0.2", "--out", str(out),
            "--mock-port", str(port), "--target-url", f"http://127.0.0.1:{port}",
        ],
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-2000:]
    (scenario,) = orjson.loads((out / "results.json").read_bytes())["scenarios"]
    summary = scenario["summary"]
    # Values are not judged: on a busy machine even a zero-cost hop can measure milliseconds.
    assert summary["gateway_requests_per_s"] > 0, summary
    assert summary["added_p50_ms"] is not None, summary
    assert {g["goal"] for g in scenario["goals"]} >= {"added p50 ≤ 0.3 ms (1 conn)"}
