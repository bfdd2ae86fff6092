"""Observability: logging set-up and the per-request access log (metrics and traces join later)."""
