"""Starter configs written by `plano init` (one YAML file per template; the first comment line
is the template's one-line description)."""
