"""`plano bench`: what the gateway costs its users, measured against the mock provider.

`loadgen` wraps the native load generator (`rust_core/src/loadgen/`), `scenarios` defines what
is measured, `procs` starts, pins and measures processes, `runner` runs rounds, `report` writes
the results and `command` is the CLI. See `benches/README.md`.
"""
