"""Reading the structural sections of a config: listeners, model providers, agents, filters,
endpoints and prompt targets, each into its frozen model type with located problems.

Checks that need only one item live here (types, enums, required keys, the provider prefix and
base_url rules of reference inventory §2.3); checks across sections live in `validate.py`.
"""

from __future__ import annotations

import re
from types import MappingProxyType
from typing import Literal, cast
from urllib.parse import urlsplit

from plano.config.model import (
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MODEL_PORT,
    DEFAULT_PROMPT_PORT,
    DEFAULT_TIMEOUT_S,
    Agent,
    Endpoint,
    Filter,
    Listener,
    ListenerAgent,
    ListenerType,
    ModelProvider,
    ParameterDefault,
    PromptTarget,
    PromptTargetEndpoint,
    PromptTargetParameter,
    Secret,
)
from plano.config.reader import Section, join, type_name
from plano.providers.catalog import canonical_name, get_provider_info, interface_names
from plano.providers.catalog import resolve_interface as interface_of

LISTENER_KEYS = (
    "name",
    "type",
    "address",
    "port",
    "timeout",
    "router",
    "max_retries",
    "agents",
    "input_filters",
    "output_filters",
    "fallback_models",
    "max_body_bytes",
)
LISTENER_TYPES: tuple[ListenerType, ...] = ("model", "prompt", "agent")
PROVIDER_KEYS = (
    "name",
    "model",
    "access_key",
    "default",
    "base_url",
    "passthrough_auth",
    "http_host",
    "provider_interface",
    "headers",
)
ENDPOINT_NAME = re.compile(r"^[a-zA-Z][a-zA-Z0-9_]*$")
_ENDPOINT_ADDRESS = re.compile(r"^(?P<host>[^:/\s]+)(?::(?P<port>\d+))?$")


def read_listener(section: Section) -> Listener | None:
    """One `listeners[i]` item (list form; the legacy form is migrated before this)."""
    name = section.required_str("name")
    kind = section.choice("type", LISTENER_TYPES, None)
    if kind is None:
        return None
    if kind == "agent" and not section.has("port"):
        section.error("port", "is required for a listener of type agent")
    default_port = DEFAULT_PROMPT_PORT if kind == "prompt" else DEFAULT_MODEL_PORT
    agents = tuple(
        ListenerAgent(
            id=item.required_str("id"),
            description=item.required_str("description"),
            default=item.flag("default", False),
            input_filters=item.str_list("input_filters"),
        )
        for item in section.sections("agents", ("id", "description", "default", "input_filters"))
    )
    if agents and kind != "agent":
        section.error("agents", f"only listeners of type agent route to agents, not type {kind}")
    if kind != "model":
        for key in ("output_filters", "fallback_models", "max_body_bytes"):
            if section.has(key):
                section.error(key, f"only applies to listeners of type model, not type {kind}")
    return Listener(
        name=name,
        type=kind,
        address=section.text("address") or "0.0.0.0",
        port=section.integer("port", default_port, minimum=1, maximum=65535),
        timeout_s=section.duration("timeout", DEFAULT_TIMEOUT_S[kind]),
        max_retries=section.integer("max_retries", 0, minimum=0),
        input_filters=section.str_list("input_filters"),
        output_filters=section.str_list("output_filters"),
        agents=agents,
        router=section.choice("router", ("plano_orchestrator_v1",), "plano_orchestrator_v1")
        if section.has("router")
        else None,
        fallback_models=section.str_list("fallback_models"),
        max_body_bytes=section.integer("max_body_bytes", DEFAULT_MAX_BODY_BYTES, minimum=1),
    )


def read_provider(section: Section, unresolved: set[str]) -> ModelProvider | None:
    """One `model_providers[i]` item, with its prefix, interface and base_url checked."""
    model = section.text("model", required=True)
    if model is None:
        return None
    prefix, slash, model_id = model.partition("/")
    if not slash or not prefix or not model_id:
        section.error(
            "model",
            f"'{model}' must be written as <provider>/<model id>, e.g. openai/gpt-4o "
            "(or openai/* for every model of a provider)",
        )
        return None
    is_wildcard = model_id == "*"
    access_key = section.secret("access_key")
    passthrough = section.flag("passthrough_auth", False)
    default = section.flag("default", False)
    if default and is_wildcard:
        section.error("default", f"a wildcard provider ({model}) cannot be the default provider")
    base_url = section.text("base_url")
    path_prefix = None
    if base_url is not None and section.at("base_url") not in unresolved:
        path_prefix = _check_base_url(section, base_url)
    interface = _effective_interface(section, prefix, base_url)
    if prefix == "chatgpt" and access_key is None:
        passthrough = True  # ChatGPT subscriptions forward the client's OAuth token
    if passthrough and access_key is not None:
        section.problems.warn(
            f"{section.location}: passthrough_auth is on, so access_key is not used"
        )
    return ModelProvider(
        name=section.text("name") or model,
        model=model,
        provider=prefix,
        model_id=model_id,
        provider_interface=interface or prefix,
        is_wildcard=is_wildcard,
        access_key=access_key,
        default=default,
        base_url=base_url.rstrip("/") if base_url else None,
        base_url_path_prefix=path_prefix,
        passthrough_auth=passthrough,
        http_host=section.text("http_host"),
        headers=section.str_map("headers"),
    )


def _check_base_url(section: Section, base_url: str) -> str | None:
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        section.error(
            "base_url",
            "must be an http:// or https:// URL with a host, e.g. https://api.example.com/v1",
        )
        return None
    try:
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        section.error("base_url", "has an invalid port")
        return None
    path = parts.path.strip("/")
    return path or None


def _effective_interface(section: Section, prefix: str, base_url: str | None) -> str | None:
    explicit = section.text("provider_interface")
    known = canonical_name(prefix)
    if known is not None:
        info = get_provider_info(prefix)
        assert info is not None
        if explicit is not None and interface_of(explicit) != known:
            section.error(
                "provider_interface",
                f"'{prefix}' is a provider plano knows, so its API is already known: remove "
                f"provider_interface, or give the model a custom prefix (e.g. custom/<model>) "
                f"with base_url to speak the {explicit} API to another server",
            )
        elif explicit is not None:
            section.problems.warn(
                f"{section.at('provider_interface')}: redundant, the '{prefix}/' prefix "
                "already selects this interface"
            )
        if info.requires_base_url and base_url is None:
            section.error(
                "base_url",
                f"is required for {known} models: {known} has no public default endpoint",
            )
        return known
    if explicit is None or base_url is None:
        missing = " and ".join(
            k for k, v in (("base_url", base_url), ("provider_interface", explicit)) if v is None
        )
        section.error(
            "model",
            f"'{prefix}' is not a provider plano knows; a custom provider needs {missing} "
            f"(provider_interface is the API it speaks: {', '.join(interface_names())})",
        )
    if explicit is None:
        return None
    resolved = interface_of(explicit)
    if resolved is None:
        section.error(
            "provider_interface",
            f"must be one of {', '.join(interface_names())}; got '{explicit}'",
        )
    return resolved


def read_agent(section: Section) -> Agent:
    """One `agents[i]` item."""
    url = section.required_str("url")
    _check_service_url(section, url)
    return Agent(id=section.required_str("id"), url=url)


def read_filter(section: Section) -> Filter:
    """One `filters[i]` item; MCP over streamable HTTP unless told otherwise."""
    filter_id = section.required_str("id")
    url = section.required_str("url")
    _check_service_url(section, url)
    return Filter(
        id=filter_id,
        url=url,
        type=section.choice("type", ("mcp", "http"), "mcp") or "mcp",
        transport=section.choice("transport", ("streamable-http",), "streamable-http")
        or "streamable-http",
        tool=section.text("tool") or filter_id,
    )


def _check_service_url(section: Section, url: str) -> None:
    if not url or section.at("url") in section.problems.unresolved:
        return
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        section.error("url", "must be an http:// or https:// URL with a host")


def read_endpoint(section: Section, name: str) -> Endpoint:
    """One `endpoints.<name>` entry; `endpoint` is `host[:port]`."""
    if not ENDPOINT_NAME.match(name):
        section.problems.add(
            section.location,
            f"endpoint name '{name}' must start with a letter and contain only letters, "
            "digits and _",
        )
    address = section.required_str("endpoint")
    protocol = section.choice("protocol", ("http", "https"), "http") or "http"
    host, port = address, 443 if protocol == "https" else 80
    match = _ENDPOINT_ADDRESS.match(address)
    if address and section.at("endpoint") not in section.problems.unresolved:
        if match is None:
            section.error("endpoint", "must be host or host:port, e.g. 127.0.0.1:80")
        else:
            host = match.group("host")
            if match.group("port"):
                port = int(match.group("port"))
    return Endpoint(
        name=name,
        host=host,
        port=port,
        protocol=cast(Literal["http", "https"], protocol),
        connect_timeout_s=section.duration("connect_timeout", 0.0)
        if section.has("connect_timeout")
        else None,
        http_host=section.text("http_host"),
        prefix_affinity=section.flag("prefix_affinity", False),
    )


PARAMETER_KEYS = ("name", "description", "type", "required", "default", "enum", "in_path", "format")


def read_prompt_target(section: Section) -> PromptTarget:
    """One `prompt_targets[i]` item."""
    parameters = tuple(
        _read_parameter(item) for item in section.sections("parameters", PARAMETER_KEYS)
    )
    endpoint = None
    endpoint_section = section.section("endpoint", ("name", "path", "http_method", "http_headers"))
    if endpoint_section is not None:
        headers = endpoint_section.str_map("http_headers")
        endpoint = PromptTargetEndpoint(
            name=endpoint_section.required_str("name"),
            path=endpoint_section.text("path") or "/",
            http_method=endpoint_section.choice("http_method", ("GET", "POST"), "GET") or "GET",
            http_headers=MappingProxyType({k: Secret(v) for k, v in headers.items()}),
        )
    return PromptTarget(
        name=section.required_str("name"),
        description=section.required_str("description"),
        default=section.flag("default", False),
        parameters=parameters,
        endpoint=endpoint,
        system_prompt=section.text("system_prompt"),
        auto_llm_dispatch_on_response=section.flag("auto_llm_dispatch_on_response", True),
    )


def _read_parameter(section: Section) -> PromptTargetParameter:
    default = section.data.get("default")
    if default is not None and not isinstance(default, str | int | bool):
        section.error("default", f"expected a string, integer or boolean, got {type_name(default)}")
        default = None
    enum: list[ParameterDefault] = []
    raw_enum = section.data.get("enum")
    if raw_enum is not None and not isinstance(raw_enum, list):
        section.error("enum", f"expected a list, got {type_name(raw_enum)}")
    elif raw_enum is not None:
        for index, item in enumerate(raw_enum):
            if isinstance(item, str | int | bool) and not isinstance(item, float):
                enum.append(item)
            else:
                section.problems.add(
                    join(section.at("enum"), index),
                    f"expected a string, integer or boolean, got {type_name(item)}",
                )
    return PromptTargetParameter(
        name=section.required_str("name"),
        description=section.required_str("description"),
        type=section.required_str("type"),
        required=section.flag("required", False),
        default=default,
        enum=tuple(enum),
        in_path=section.flag("in_path", False),
        format=section.text("format"),
    )
