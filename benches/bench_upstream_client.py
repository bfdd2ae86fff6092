"""Chooses the upstream HTTP client by measuring the real proxy path.

A raw RSGI proxy on Granian (1 worker, uvloop, pinned to core 0) forwards POST bodies to a fast
upstream (Granian RSGI on core 1: a ~1 KB JSON, or 20 paced SSE chunks); plano's Rust load
generator (`_core.run_load`, in this process) drives it from core 1. Candidates, side by side
and alternating in the same run:

- `native`: `plano.providers.client.UpstreamClient` (asyncio protocols + `_core` HTTP/1.1 parser)
- `aiohttp`: one `ClientSession`, `TCPConnector` tuned (no DNS cache churn, keep-alive pool)
- `pyreqwest`: pyreqwest 0.15.1 (Rust reqwest/hyper), HTTP/1 only

Per candidate: proxy CPU µs/request at 64 connections (CPU time of the proxy's process tree
over the window ÷ requests), req/s, p50 latency at 1 connection, CPU µs per relayed SSE chunk,
and added time to first byte (through the proxy minus direct, median of sequential requests).

    python benches/bench_upstream_client.py [--duration 10] [--rounds 2] [--candidates ...]

Needs pyreqwest and aiohttp (the `dev` extra); load comes from plano's own Rust load generator.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psutil

from plano._core import run_load

CANDIDATES = ("native", "aiohttp", "pyreqwest")
PROXY_CORE = 0
LOAD_CORE = 1
SSE_CHUNKS = 20
SSE_GAP_S = 0.001
REQUEST_BODY = json.dumps(
    {"model": "m", "messages": [{"role": "user", "content": "hello " * 20}]}
).encode()
JSON_REPLY = json.dumps(
    {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": "m",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "x" * 800}}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 200, "total_tokens": 210},
    }
).encode()
SSE_EVENT = b'data: {"choices":[{"delta":{"content":"token"}}]}\n\n'
MAX_BODY = 1 << 20


# ---- the upstream (run in its own Granian process) -------------------------------------------


async def upstream_app(scope: Any, proto: Any) -> None:
    await proto()
    if scope.path == "/sse":
        transport = proto.response_stream(200, [("content-type", "text/event-stream")])
        for i in range(SSE_CHUNKS):
            await transport.send_bytes(SSE_EVENT)
            if i + 1 < SSE_CHUNKS:
                await asyncio.sleep(SSE_GAP_S)
        return
    proto.response_bytes(200, [("content-type", "application/json")], JSON_REPLY)


# ---- the proxy: one app, the candidate picked by environment ---------------------------------


class NativeCandidate:
    def __init__(self) -> None:
        from plano.providers.client import UpstreamClient

        self.client = UpstreamClient(
            connect_timeout_s=5, read_timeout_s=30, ca_file=os.environ.get("BENCH_CA")
        )

    async def forward(self, url: str, body: bytes, proto: Any) -> None:
        headers = [("content-type", "application/json")]
        response = await self.client.request("POST", url, headers, body)
        ctype = response.header("content-type") or "application/json"
        if ctype.startswith("text/event-stream"):
            transport = proto.response_stream(response.status, [("content-type", ctype)])
            async for chunk in response:
                await transport.send_bytes(chunk)
            return
        data = await response.read(MAX_BODY)
        proto.response_bytes(response.status, [("content-type", ctype)], data)


class AiohttpCandidate:
    def __init__(self) -> None:
        import aiohttp

        ca_file = os.environ.get("BENCH_CA")
        connector = aiohttp.TCPConnector(
            limit=0,
            limit_per_host=0,
            ttl_dns_cache=None,
            keepalive_timeout=30,
            ssl=ssl.create_default_context(cafile=ca_file) if ca_file else True,
        )
        self.session = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(total=None, connect=5, sock_read=30),
            auto_decompress=False,
            skip_auto_headers=("User-Agent", "Accept-Encoding"),
        )

    async def forward(self, url: str, body: bytes, proto: Any) -> None:
        headers = {"content-type": "application/json"}
        async with self.session.post(url, data=body, headers=headers) as response:
            ctype = response.headers.get("content-type", "application/json")
            if ctype.startswith("text/event-stream"):
                transport = proto.response_stream(response.status, [("content-type", ctype)])
                async for chunk in response.content.iter_any():
                    await transport.send_bytes(chunk)
                return
            data = await response.read()
            proto.response_bytes(response.status, [("content-type", ctype)], data)


class PyreqwestCandidate:
    def __init__(self) -> None:
        from datetime import timedelta

        from pyreqwest.client import ClientBuilder

        builder = ClientBuilder()
        ca_file = os.environ.get("BENCH_CA")
        if ca_file:
            builder = builder.add_root_certificate_pem(Path(ca_file).read_bytes())
        self.client = (
            builder.http1_only()
            .tcp_nodelay(True)
            .pool_max_idle_per_host(64)
            .connect_timeout(timedelta(seconds=5))
            .read_timeout(timedelta(seconds=30))
            .build()
        )

    async def forward(self, url: str, body: bytes, proto: Any) -> None:
        headers = {"content-type": "application/json"}
        builder = self.client.post(url).headers(headers).body_bytes(body)
        if url.endswith("/sse"):
            # The default read buffer (64 KiB) holds the response back until it fills: measured
            # 30 ms to first byte on a 20-chunk stream; 0 forwards each chunk as it arrives.
            async with builder.streamed_read_buffer_limit(0).build_streamed() as response:
                ctype = response.headers.get("content-type") or "text/event-stream"
                transport = proto.response_stream(response.status, [("content-type", ctype)])
                reader = response.body_reader
                while (chunk := await reader.read_chunk()) is not None:
                    await transport.send_bytes(bytes(chunk))
            return
        response = await builder.build().send()
        ctype = response.headers.get("content-type") or "application/json"
        data = (await response.bytes()).to_bytes()
        proto.response_bytes(response.status, [("content-type", ctype)], data)


_candidate: Any = None


async def proxy_app(scope: Any, proto: Any) -> None:
    global _candidate
    if _candidate is None:
        kind = os.environ["BENCH_CANDIDATE"]
        _candidate = {
            "native": NativeCandidate,
            "aiohttp": AiohttpCandidate,
            "pyreqwest": PyreqwestCandidate,
        }[kind]()
    body = await proto()
    url = os.environ["BENCH_UPSTREAM"] + scope.path
    await _candidate.forward(url, body, proto)


# ---- the driver --------------------------------------------------------------------------------


@dataclass
class Result:
    candidate: str
    round: int
    cpu_us_per_req: float
    req_per_s: float
    p50_c1_us: float
    stream_cpu_us_per_chunk: float
    added_ttfb_us: float


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.contextmanager
def granian(
    app: str, core: int, env: dict[str, str], extra: tuple[str, ...] = ()
) -> Iterator[tuple[int, psutil.Process]]:
    port = free_port()
    cmd = [
        "taskset", "-c", str(core), sys.executable, "-m", "granian",
        "--interface", "rsgi", "--loop", "uvloop", "--workers", "1", "--http", "1",
        "--no-ws", "--host", "127.0.0.1", "--port", str(port), "--log-level", "error", *extra, app,
    ]  # fmt: skip
    full_env = {**os.environ, **env, "PYTHONPATH": str(Path(__file__).parent)}
    proc = subprocess.Popen(cmd, env=full_env, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            if proc.poll() is not None:
                raise RuntimeError(f"{app} exited with {proc.returncode}")
            time.sleep(0.1)
        else:
            raise RuntimeError(f"{app} did not start")
        yield port, psutil.Process(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def tree_cpu_s(proc: psutil.Process) -> float:
    total = 0.0
    for p in [proc, *proc.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            times = p.cpu_times()
            total += times.user + times.system
    return total


def parse_duration_us(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    if match is None:
        return float("nan")
    value, unit = float(match[1]), match[2]
    return value * {"us": 1.0, "ms": 1e3, "s": 1e6}[unit]


def drive(url: str, connections: int, duration_s: float) -> dict[str, float]:
    """Closed-loop load from plano's own Rust load generator, in this process (pinned to the
    load core by `run`), so the bench needs nothing outside the project."""
    result = run_load(
        url,
        duration_s=duration_s,
        headers=[("content-type", "application/json")],
        body=REQUEST_BODY,
        concurrency=connections,
    )
    failed = sum(result.errors.values())
    if failed or result.measured_ok == 0:
        raise RuntimeError(f"load failed: {result.errors} {result.error_samples}")
    return {
        "requests": float(result.measured_ok),
        "rate": result.requests_per_s,
        "p50_us": result.latency.quantile_ms(0.5) * 1e3,
    }


def ttfb_us(port: int, count: int, tls: ssl.SSLContext | None = None) -> float:
    """Median time from sending a streaming request to its first body byte, one connection."""
    request = (
        f"POST /sse HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n"
        f"content-length: {len(REQUEST_BODY)}\r\n\r\n"
    ).encode() + REQUEST_BODY
    samples = []
    with contextlib.ExitStack() as stack:
        sock = stack.enter_context(socket.create_connection(("127.0.0.1", port)))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if tls is not None:
            sock = stack.enter_context(tls.wrap_socket(sock, server_hostname="localhost"))
        for _ in range(count):
            buffer = b""
            start = time.perf_counter()
            sock.sendall(request)
            first = None
            while not buffer.endswith(b"0\r\n\r\n"):
                data = sock.recv(65536)
                if not data:
                    raise RuntimeError("closed")
                buffer += data
                if first is None and b"data:" in buffer:
                    first = time.perf_counter()
            assert first is not None
            samples.append((first - start) * 1e6)
    return statistics.median(samples)


def measure(
    candidate: str, rnd: int, upstream_port: int, duration_s: float, ca_file: str | None
) -> Result:
    env = {
        "BENCH_CANDIDATE": candidate,
        "BENCH_UPSTREAM": f"http://127.0.0.1:{upstream_port}",
    }
    if ca_file is not None:
        env["BENCH_UPSTREAM"] = f"https://localhost:{upstream_port}"
        env["BENCH_CA"] = ca_file
    with granian("bench_upstream_client:proxy_app", PROXY_CORE, env) as (port, proc):
        base = f"http://127.0.0.1:{port}"
        drive(f"{base}/json", 64, 1)  # warm up: pools, caches
        cpu0 = tree_cpu_s(proc)
        load = drive(f"{base}/json", 64, duration_s)
        cpu_json = tree_cpu_s(proc) - cpu0
        single = drive(f"{base}/json", 1, max(1.0, duration_s / 2))
        cpu0 = tree_cpu_s(proc)
        stream = drive(f"{base}/sse", 16, duration_s)
        cpu_sse = tree_cpu_s(proc) - cpu0
        samples = max(20, int(duration_s * 20))
        through = ttfb_us(port, samples)
        tls = None if ca_file is None else ssl.create_default_context(cafile=ca_file)
        direct = ttfb_us(upstream_port, samples, tls)
    return Result(
        candidate=candidate,
        round=rnd,
        cpu_us_per_req=cpu_json / load["requests"] * 1e6,
        req_per_s=load["rate"],
        p50_c1_us=single["p50_us"],
        stream_cpu_us_per_chunk=cpu_sse / (stream["requests"] * SSE_CHUNKS) * 1e6,
        added_ttfb_us=through - direct,
    )


def make_certs(directory: Path) -> tuple[str, str, str]:
    """A P-256 CA and a `localhost` leaf signed by it (rustls refuses a self-signed leaf)."""
    ca, ca_key = directory / "ca.pem", directory / "ca.key"
    cert, key, csr = directory / "cert.pem", directory / "key.pem", directory / "leaf.csr"
    ext = directory / "leaf.ext"
    ext.write_text(
        "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n"
        "keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n"
    )
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    for cmd in (
        ["req", "-x509", *ec, "-days", "1", "-subj", "/CN=bench-ca", "-keyout", ca_key, "-out", ca],
        ["req", *ec, "-subj", "/CN=localhost", "-keyout", key, "-out", csr],
        ["x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-days", "1",
         "-extfile", ext, "-out", cert],
    ):  # fmt: skip
        subprocess.run(["openssl", *map(str, cmd)], check=True, capture_output=True)
    return str(ca), str(cert), str(key)


def run(candidates: list[str], rounds: int, duration_s: float, tls: bool = False) -> list[Result]:
    with contextlib.suppress(OSError):
        os.sched_setaffinity(0, {LOAD_CORE})
    results = []
    with contextlib.ExitStack() as stack:
        ca_file: str | None = None
        extra: tuple[str, ...] = ()
        if tls:
            certs = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            ca_file, cert, key = make_certs(certs)
            extra = ("--ssl-certificate", cert, "--ssl-keyfile", key)
        upstream = stack.enter_context(
            granian("bench_upstream_client:upstream_app", LOAD_CORE, {}, extra)
        )
        upstream_port = upstream[0]
        for rnd in range(rounds):
            order = candidates if rnd % 2 == 0 else candidates[::-1]
            for candidate in order:
                result = measure(candidate, rnd, upstream_port, duration_s, ca_file)
                print(json.dumps(asdict(result)), flush=True)
                results.append(result)
    return results


def summarize(results: list[Result]) -> str:
    lines = [
        "| client | CPU µs/req c=64 | req/s c=64 | p50 c=1 µs | CPU µs/SSE chunk | added TTFB µs |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for candidate in dict.fromkeys(r.candidate for r in results):
        rows = [r for r in results if r.candidate == candidate]

        def span(values: list[float], fmt: str = "{:.0f}") -> str:
            low, high = min(values), max(values)
            return (
                fmt.format(low)
                if len(values) == 1
                else f"{fmt.format(low)}\u2013{fmt.format(high)}"
            )

        lines.append(
            f"| {candidate} | {span([r.cpu_us_per_req for r in rows], '{:.1f}')} "
            f"| {span([r.req_per_s for r in rows])} | {span([r.p50_c1_us for r in rows])} "
            f"| {span([r.stream_cpu_us_per_chunk for r in rows], '{:.1f}')} "
            f"| {span([r.added_ttfb_us for r in rows])} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per load window")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--candidates", nargs="+", default=list(CANDIDATES), choices=CANDIDATES)
    parser.add_argument("--tls", action="store_true", help="HTTPS upstream (self-signed, P-256)")
    args = parser.parse_args()
    results = run(args.candidates, args.rounds, args.duration, args.tls)
    print(summarize(results))


if __name__ == "__main__":
    main()


def test_smoke_run_measures_every_candidate() -> None:
    """A ~1 s window per candidate: the harness works and every candidate proxies both paths."""
    affinity = os.sched_getaffinity(0)
    try:
        results = run(list(CANDIDATES), rounds=1, duration_s=1.0)
    finally:
        os.sched_setaffinity(0, affinity)
    assert [r.candidate for r in results] == list(CANDIDATES)
    for r in results:
        assert r.cpu_us_per_req > 0
        assert r.req_per_s > 0
        assert r.stream_cpu_us_per_chunk > 0
    assert "| native |" in summarize(results)
