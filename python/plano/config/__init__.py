"""plano's configuration: the reference Plano config format, loaded once into a frozen model.

    load_config(path, env=None, *, require_env=True) -> Config   (load.py)
    parse_config(data, env=None, *, require_env=True, source) -> Config
    zero_config(env, port=12000) -> Config                        (zero.py)

Pipeline: YAML (load.py) → `$VAR` substitution (load.py) → legacy rewrites (migrate.py) →
typed sections (validate.py, sections.py, settings.py) → cross-field checks (checks.py) → `Config`
(model.py). Every problem is reported at once as a `ConfigError`. Reference:
docs/config-reference.md.
"""

from plano.config.load import ConfigFileError, load_config, parse_config
from plano.config.model import Config, Secret
from plano.config.zero import zero_config

__all__ = ["Config", "ConfigFileError", "Secret", "load_config", "parse_config", "zero_config"]
