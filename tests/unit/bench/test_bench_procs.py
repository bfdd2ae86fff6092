"""Process starting, pinning and measuring."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from plano.bench.procs import ProcessFailed, attach, free_port, pinned, plan_cpus, running, start


def test_one_worker_gets_the_first_cpu_and_the_load_the_rest() -> None:
    plan = plan_cpus(1, [0, 1])
    assert plan.gateway == {0}
    assert plan.load == {1}
    assert plan.is_isolated


def test_several_workers_get_every_cpu() -> None:
    assert plan_cpus(2, [0, 1, 2]).gateway == {0, 1, 2}
    assert plan_cpus(2, [0, 1, 2]).load == {1, 2}


def test_a_single_cpu_is_shared() -> None:
    plan = plan_cpus(1, [3])
    assert plan.gateway == plan.load == {3}
    assert not plan.is_isolated


def test_pinned_restores_the_previous_mask() -> None:
    before = os.sched_getaffinity(0)
    one = frozenset([min(before)])
    with pinned(one):
        assert os.sched_getaffinity(0) == one
    assert os.sched_getaffinity(0) == before


def test_children_inherit_the_pin_and_are_measured(tmp_path: Path) -> None:
    cpu = frozenset([min(os.sched_getaffinity(0))])
    port = free_port()
    server = f"import socket,time; s=socket.socket(); s.bind(('127.0.0.1',{port})); s.listen(); "
    server += "sum(range(3_000_000)); time.sleep(60)"
    with running(
        "child",
        [sys.executable, "-c", server],
        port=port,
        cpus=cpu,
        log_path=tmp_path / "c.log",
        is_http=False,
    ) as child:
        assert os.sched_getaffinity(child.popen.pid) == cpu
        assert child.cpu_s() > 0
        assert child.peak_rss_mb() > 1
        assert attach(child.popen.pid).cpu_s() > 0
    assert child.popen.poll() is not None


def test_an_early_exit_is_reported_with_its_output(tmp_path: Path) -> None:
    child = start(
        "broken",
        [sys.executable, "-c", "print('config rejected'); raise SystemExit(3)"],
        cpus=None,
        log_path=tmp_path / "b.log",
    )
    with pytest.raises(ProcessFailed, match="exited with 3: config rejected"):
        child.wait_listening(free_port(), timeout_s=10)


def test_attach_to_a_missing_process_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="no process"):
        attach(2**22 + 12345)
