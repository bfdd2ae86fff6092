"""`plano bench` argument handling and `plano bench load` end to end."""

from __future__ import annotations

import io
from pathlib import Path

import orjson
import pytest

from plano.bench.__main__ import main
from plano.bench.command import ProgressLine, _parse_headers, _read_body


def test_headers_parse_and_reject_garbage() -> None:
    assert _parse_headers(["a: b", "x-y:z:w"]) == [("a", "b"), ("x-y", "z:w")]
    with pytest.raises(ValueError, match="NAME: VALUE"):
        _parse_headers(["no colon"])


def test_body_from_file(tmp_path: Path) -> None:
    path = tmp_path / "req.json"
    path.write_bytes(b'{"m":1}')
    assert _read_body(f"@{path}") == b'{"m":1}'
    assert _read_body("{}") == b"{}"


def test_progress_prints_plain_lines_off_a_tty() -> None:
    stream = io.StringIO()
    line = ProgressLine(stream)
    line("openai r1/1 c1 direct", None)
    line.close()
    assert stream.getvalue() == "openai r1/1 c1 direct\n"


def test_bench_load_reports_and_writes_json(
    tiny_server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "load.json"
    code = main(
        [
            "load", "--url", f"{tiny_server}/ok", "--body", "{}", "-c", "2",
            "--duration", "0.3", "--warmup", "0", "--json", str(out),
        ]
    )  # fmt: skip
    assert code == 0
    assert "req/s" in capsys.readouterr().out
    assert orjson.loads(out.read_bytes())["measured_ok"] > 0


def test_bench_load_fails_cleanly_on_a_bad_url(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["load", "--url", "ftp://x/", "--duration", "1"]) == 2
    assert "only http://" in capsys.readouterr().err


def test_bench_run_rejects_unknown_scenarios(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--scenarios", "nope"]) == 2
    assert "unknown scenario" in capsys.readouterr().err
