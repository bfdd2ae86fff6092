# syntax=docker/dockerfile:1
# Builder: compile the wheel (Rust extension + Python package) with maturin.
FROM rust:1-slim-bookworm AS builder
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-venv python3-dev \
    && rm -rf /var/lib/apt/lists/*
RUN python3 -m venv /opt/build && /opt/build/bin/pip install --no-cache-dir "maturin>=1.9.4,<2"
WORKDIR /src
COPY Cargo.toml Cargo.lock pyproject.toml README.md ./
COPY rust_core ./rust_core
COPY python ./python
RUN /opt/build/bin/maturin build --release --locked --out /dist --interpreter python3

# Runtime: only the wheel and its dependencies, run as a non-root user.
FROM python:3.11-slim
COPY --from=builder /dist/*.whl /tmp/wheels/
RUN pip install --no-cache-dir /tmp/wheels/*.whl && rm -rf /tmp/wheels \
    && useradd --create-home --uid 10001 plano
WORKDIR /app
USER plano
# Mount your config at /app/plano_config.yaml; without one, plano runs zero-config from the
# provider key variables in the environment (OPENAI_API_KEY, ANTHROPIC_API_KEY, ...).
# Ports: model listener 12000, prompt listener 10000, agent listeners as configured, metrics 9092.
EXPOSE 12000 10000 9092
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:12000/healthz', timeout=2)"
STOPSIGNAL SIGTERM
ENTRYPOINT ["plano", "run"]
