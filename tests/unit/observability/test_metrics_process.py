"""What the supervisor uses to run metrics across processes: directory, port, command, reaping."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from plano.config.model import Listener, MetricsListener
from plano.observability.metrics_process import (
    ENV_MULTIPROC_DIR,
    ENV_READY_FILE,
    metrics_endpoint,
    metrics_server_command,
    multiprocess_env,
    prepare_multiprocess_dir,
    reap_dead_processes,
    remove_multiprocess_dir,
    resolve_metrics_listener,
)
from plano.server.supervisor import PortUnavailable, check_ports


def test_multiprocess_dir_is_fresh_private_and_removable(tmp_path: Path) -> None:
    first = prepare_multiprocess_dir(tmp_path)
    second = prepare_multiprocess_dir(tmp_path)
    assert first != second
    assert list(first.iterdir()) == []
    assert first.stat().st_mode & 0o777 == 0o700
    (first / "counter_1.db").write_bytes(b"x")
    remove_multiprocess_dir(first)
    remove_multiprocess_dir(first)
    assert not first.exists()
    assert multiprocess_env(second) == {ENV_MULTIPROC_DIR: str(second)}


def test_metrics_port_override() -> None:
    configured = MetricsListener(address="127.0.0.1", port=9092)
    assert resolve_metrics_listener(configured, None) == configured
    assert resolve_metrics_listener(configured, 9500) == MetricsListener("127.0.0.1", 9500)
    assert resolve_metrics_listener(configured, 0) is None


def test_metrics_server_command_carries_the_directory_and_ready_file(tmp_path: Path) -> None:
    command = metrics_server_command(
        MetricsListener("127.0.0.1", 9500),
        tmp_path / "metrics",
        tmp_path,
        log_level="info",
        log_format="json",
        base_env={"PATH": "/bin", ENV_MULTIPROC_DIR: "/stale"},
    )
    assert command.argv[:3] == (sys.executable, "-m", "plano.observability.metrics_server")
    assert "--address=127.0.0.1" in command.argv
    assert "--port=9500" in command.argv
    assert command.env[ENV_MULTIPROC_DIR] == str(tmp_path / "metrics")
    assert command.env["PATH"] == "/bin"
    assert Path(command.env[ENV_READY_FILE]).parent == tmp_path
    assert not command.is_ready()
    command.ready_file.touch()
    assert command.is_ready()


def test_port_check_names_the_metrics_endpoint_when_its_port_is_taken() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        endpoint = metrics_endpoint(MetricsListener("127.0.0.1", port))
        with pytest.raises(PortUnavailable, match=rf"'metrics' \(metrics endpoint\).*:{port}"):
            check_ports((endpoint,))  # type: ignore[arg-type]


def test_port_check_catches_a_listener_on_the_metrics_port() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    listener = Listener(name="llm", type="model", address="127.0.0.1", port=port)
    endpoint = metrics_endpoint(MetricsListener("127.0.0.1", port))
    with pytest.raises(PortUnavailable, match="metrics endpoint"):
        check_ports((listener, endpoint))  # type: ignore[arg-type]


RECORD_IN_FLIGHT = """
import sys
from plano.observability.metrics import get_metrics
get_metrics().request_started("llm", "llm_chat", "POST")
get_metrics().flush()
print("ready", flush=True)
sys.stdin.readline()
"""


def test_reaping_drops_live_gauges_of_exited_processes_only(tmp_path: Path) -> None:
    env = {**os.environ, ENV_MULTIPROC_DIR: str(tmp_path)}
    alive = subprocess.Popen(
        [sys.executable, "-c", RECORD_IN_FLIGHT],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert alive.stdout is not None
        assert alive.stdout.readline() == b"ready\n"
        subprocess.run([sys.executable, "-c", RECORD_IN_FLIGHT], env=env, input=b"\n", check=True)
        before = sorted(path.name for path in tmp_path.iterdir())
        assert len([name for name in before if name.startswith("gauge_livesum_")]) == 2
        dead = reap_dead_processes(tmp_path)
        assert len(dead) == 1
        assert dead[0] != alive.pid
        after = sorted(path.name for path in tmp_path.iterdir())
        assert [n for n in after if n.startswith("gauge_livesum_")] == [
            f"gauge_livesum_{alive.pid}.db"
        ]
        assert f"histogram_{dead[0]}.db" in after  # what it counted keeps counting
    finally:
        alive.communicate(b"\n", timeout=10)


def test_reaping_a_missing_directory_is_a_no_op(tmp_path: Path) -> None:
    assert reap_dead_processes(tmp_path / "gone") == []
