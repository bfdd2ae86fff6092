"""Rewrites of legacy config shapes into the current one, each recorded as a warning.

Runs on the raw (env-substituted) mapping before validation; see reference inventory §2.9:
`llm_providers` → `model_providers`; provider `provider` → `provider_interface`; inline
`model_providers[].routing_preferences` → top-level `routing_preferences`; the legacy listener
object form → the list form; an implicit model listener when providers exist but no listener
serves them; versions before v0.4.0 → v0.4.0. Beyond the reference: listener and agent
`filter_chain` → `input_filters` (and `output_filter_chain` → `output_filters`),
`routing_budget.max_overhead_pct` → `max_switch_spend_pct`, `overrides.router_model` →
`llm_routing_model`, `overrides.orchestrator_model` → `agent_orchestration_model`, and
`tracing.span_attribute_header_prefixes` → `tracing.span_attributes.header_prefixes`.
Shapes this module does not recognise are left for validation to report.
"""

from __future__ import annotations

from typing import Any

from plano.config.reader import Problems, join, type_name, unknown_key_message

CURRENT_VERSION = "v0.4.0"
VERSIONS = ("v0.1", "v0.1.0", "0.1-beta", "0.2.0", "v0.3.0", "v0.4.0")
LEGACY_LISTENER_KEYS = ("address", "port", "message_format", "timeout")
IMPLICIT_MODEL_LISTENER = "egress_traffic"


def migrate(data: dict[str, Any], problems: Problems) -> dict[str, Any]:
    """A copy of `data` in the current format; warnings and conflicts go to `problems`."""
    out = dict(data)
    _rename_providers_key(out, problems)
    _rename_provider_field(out, problems)
    _hoist_inline_routing_preferences(out, problems)
    _convert_legacy_listeners(out, problems)
    _rename_filter_chain(out, problems)
    _rename_budget_key(out, problems)
    _rename_overrides(out, problems)
    _move_span_attribute_prefixes(out, problems)
    _reject_session_stickiness(out, problems)
    _bump_version(out, problems)
    return out


def _rename_providers_key(out: dict[str, Any], problems: Problems) -> None:
    if "llm_providers" not in out:
        return
    if "model_providers" in out:
        problems.add(
            "llm_providers",
            "both llm_providers and model_providers are set; "
            "llm_providers is the old name of model_providers, keep only model_providers",
        )
        del out["llm_providers"]
        return
    out["model_providers"] = out.pop("llm_providers")
    problems.warn("llm_providers was renamed to model_providers; read it as model_providers")


def _providers(out: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    providers = out.get("model_providers")
    if not isinstance(providers, list):
        return []
    return [(i, p) for i, p in enumerate(providers) if isinstance(p, dict)]


def _rename_provider_field(out: dict[str, Any], problems: Problems) -> None:
    items = _providers(out)
    if not items:
        return
    providers = list(out["model_providers"])
    for index, provider in items:
        if "provider" not in provider:
            continue
        location = join(join("model_providers", index), "provider")
        if "provider_interface" in provider:
            problems.add(
                location,
                "both provider and provider_interface are set; provider is the old name of "
                "provider_interface, keep only provider_interface",
            )
            continue
        fixed = {k: v for k, v in provider.items() if k != "provider"}
        fixed["provider_interface"] = provider["provider"]
        providers[index] = fixed
        problems.warn(f"{location} was renamed to provider_interface")
    out["model_providers"] = providers


def _hoist_inline_routing_preferences(out: dict[str, Any], problems: Problems) -> None:
    items = [(i, p) for i, p in _providers(out) if "routing_preferences" in p]
    if not items:
        return
    top = out.get("routing_preferences")
    if top is not None and not isinstance(top, list):
        return  # validation reports the wrong type
    merged: list[Any] = list(top or [])
    user_names = {p.get("name") for p in merged if isinstance(p, dict)}
    hoisted: dict[str, dict[str, Any]] = {}
    providers = list(out["model_providers"])
    for index, provider in items:
        location = join(join("model_providers", index), "routing_preferences")
        providers[index] = {k: v for k, v in provider.items() if k != "routing_preferences"}
        prefs = provider["routing_preferences"]
        model = provider.get("model")
        ref = provider.get("name") or model
        if isinstance(model, str) and model.endswith("/*"):
            problems.add(
                location,
                "a wildcard provider cannot carry routing_preferences; list concrete models "
                "under the top-level routing_preferences instead",
            )
            continue
        if not isinstance(prefs, list):
            problems.add(location, f"expected a list, got {type_name(prefs)}")
            continue
        for pref_index, pref in enumerate(prefs):
            pref_location = join(location, pref_index)
            if not _valid_inline_preference(pref, pref_location, problems):
                continue
            name, description = pref["name"], pref["description"]
            if name in user_names:
                problems.warn(
                    f"{pref_location}: routing preference '{name}' is also declared at the top "
                    "level; the top-level entry wins"
                )
                continue
            entry = hoisted.get(name)
            if entry is None:
                entry = {"name": name, "description": description, "models": []}
                hoisted[name] = entry
                merged.append(entry)
            elif entry["description"] != description:
                problems.warn(
                    f"{pref_location}: routing preference '{name}' has a different description "
                    "than its first declaration; the first one is kept"
                )
            if isinstance(ref, str) and ref not in entry["models"]:
                entry["models"].append(ref)
    out["model_providers"] = providers
    out["routing_preferences"] = merged
    problems.warn(
        "routing_preferences under model_providers moved to the top-level routing_preferences "
        f"list ({', '.join(hoisted) or 'none'})"
    )


def _valid_inline_preference(pref: object, location: str, problems: Problems) -> bool:
    if not isinstance(pref, dict):
        problems.add(location, f"expected a mapping, got {type_name(pref)}")
        return False
    ok = True
    for key in pref:
        if key not in ("name", "description"):
            problems.add(
                join(location, str(key)), unknown_key_message(str(key), ("name", "description"))
            )
            ok = False
    for key in ("name", "description"):
        if not isinstance(pref.get(key), str):
            problems.add(join(location, key), "is required and must be a string")
            ok = False
    return ok


def _convert_legacy_listeners(out: dict[str, Any], problems: Problems) -> None:
    listeners = out.get("listeners")
    has_providers = bool(out.get("model_providers"))
    if isinstance(listeners, dict):
        out["listeners"] = _legacy_listeners(listeners, has_providers, problems)
        problems.warn(
            "listeners uses the legacy ingress_traffic/egress_traffic form; "
            "read it as a list of listeners"
        )
        return
    if not isinstance(listeners, list) or not has_providers:
        return
    if any(isinstance(li, dict) and li.get("type") == "model" for li in listeners):
        return
    out["listeners"] = [
        *listeners,
        {"name": IMPLICIT_MODEL_LISTENER, "type": "model", "address": "0.0.0.0", "port": 12000},
    ]
    problems.warn(
        "no listener of type model serves model_providers; "
        "added model listener egress_traffic on 0.0.0.0:12000"
    )


def _legacy_listeners(
    legacy: dict[str, Any], has_providers: bool, problems: Problems
) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = []
    for key in legacy:
        if key not in ("ingress_traffic", "egress_traffic"):
            problems.add(
                join("listeners", str(key)),
                f"unknown key '{key}'; the legacy listener form allows ingress_traffic and "
                "egress_traffic (or use the list form)",
            )
    for name, listener_type, port in (
        ("egress_traffic", "model", 12000),
        ("ingress_traffic", "prompt", 10000),
    ):
        section = legacy.get(name)
        if section is None and name == "ingress_traffic":
            continue
        if section is None:
            section = {}
            if not has_providers:
                problems.add(
                    "listeners",
                    "the legacy listener form needs model_providers for its egress_traffic "
                    "model listener",
                )
        location = join("listeners", name)
        if not isinstance(section, dict):
            problems.add(location, f"expected a mapping, got {type_name(section)}")
            continue
        entry: dict[str, Any] = {"name": name, "type": listener_type, "port": port}
        for key, value in section.items():
            if key not in LEGACY_LISTENER_KEYS:
                problems.add(
                    join(location, str(key)),
                    unknown_key_message(str(key), LEGACY_LISTENER_KEYS),
                )
            elif key == "message_format":
                if value != "openai":
                    problems.add(join(location, key), "must be openai")
            else:
                entry[key] = value
        result.append(entry)
    return result


def _rename_filter_chain(out: dict[str, Any], problems: Problems) -> None:
    listeners = out.get("listeners")
    if not isinstance(listeners, list):
        return
    fixed_listeners: list[Any] = []
    for index, listener in enumerate(listeners):
        location = join("listeners", index)
        if isinstance(listener, dict):
            listener = _renamed(listener, location, problems)
            agents = listener.get("agents")
            if isinstance(agents, list):
                listener = dict(listener)
                listener["agents"] = [
                    _renamed(a, join(join(location, "agents"), i), problems)
                    if isinstance(a, dict)
                    else a
                    for i, a in enumerate(agents)
                ]
        fixed_listeners.append(listener)
    out["listeners"] = fixed_listeners


def _renamed(item: dict[str, Any], location: str, problems: Problems) -> dict[str, Any]:
    for old, new in (("filter_chain", "input_filters"), ("output_filter_chain", "output_filters")):
        item = _rename_key(item, old, new, location, problems)
    return item


def _rename_key(
    item: dict[str, Any], old: str, new: str, location: str, problems: Problems
) -> dict[str, Any]:
    if old not in item:
        return item
    if new in item:
        problems.add(
            join(location, old),
            f"both {old} and {new} are set; {old} is the old name of {new}, keep only {new}",
        )
        return item
    fixed = {k: v for k, v in item.items() if k != old}
    fixed[new] = item[old]
    problems.warn(f"{join(location, old)} was renamed to {new}")
    return fixed


def _rename_overrides(out: dict[str, Any], problems: Problems) -> None:
    overrides = out.get("overrides")
    if not isinstance(overrides, dict):
        return
    for old, new in (
        ("router_model", "llm_routing_model"),
        ("orchestrator_model", "agent_orchestration_model"),
    ):
        overrides = _rename_key(overrides, old, new, "overrides", problems)
    out["overrides"] = overrides


def _move_span_attribute_prefixes(out: dict[str, Any], problems: Problems) -> None:
    tracing = out.get("tracing")
    old = "span_attribute_header_prefixes"
    if not isinstance(tracing, dict) or old not in tracing:
        return
    attributes = tracing.get("span_attributes")
    if attributes is not None and (
        not isinstance(attributes, dict) or "header_prefixes" in attributes
    ):
        problems.add(
            join("tracing", old),
            f"both {old} and span_attributes.header_prefixes are set; {old} is the old name, "
            "keep only span_attributes.header_prefixes",
        )
        return
    fixed = {k: v for k, v in tracing.items() if k != old}
    fixed["span_attributes"] = {**(attributes or {}), "header_prefixes": tracing[old]}
    out["tracing"] = fixed
    problems.warn(f"tracing.{old} was moved to tracing.span_attributes.header_prefixes")


def _rename_budget_key(out: dict[str, Any], problems: Problems) -> None:
    routing = out.get("routing")
    if not isinstance(routing, dict):
        return
    budget = routing.get("routing_budget")
    if not isinstance(budget, dict) or "max_overhead_pct" not in budget:
        return
    fixed = _rename_key(
        budget, "max_overhead_pct", "max_switch_spend_pct", "routing.routing_budget", problems
    )
    out["routing"] = {**routing, "routing_budget": fixed}


def _bump_version(out: dict[str, Any], problems: Problems) -> None:
    version = out.get("version")
    if not isinstance(version, str) or version not in VERSIONS or version == CURRENT_VERSION:
        return  # missing or unknown versions are reported by validation
    out["version"] = CURRENT_VERSION
    problems.warn(f"version {version} was upgraded to {CURRENT_VERSION}")


def _reject_session_stickiness(out: dict[str, Any], problems: Problems) -> None:
    caching = out.get("prompt_caching")
    if not isinstance(caching, dict) or "session_stickiness" not in caching:
        return
    # An interim reference release; its USD seed budget cannot be converted to a percentage cap.
    problems.add(
        "prompt_caching.session_stickiness",
        "was replaced by routing.routing_budget; set routing.routing_budget.max_switch_spend_pct "
        "(a percentage of the never-switch cost, not a USD seed) instead",
    )
    out["prompt_caching"] = {k: v for k, v in caching.items() if k != "session_stickiness"}
