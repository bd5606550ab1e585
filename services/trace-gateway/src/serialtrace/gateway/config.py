"""The gateway's settings, read once from the environment at start-up."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from serialtrace.common.config import CommonSettings, ConfigError
from serialtrace.gateway.graphiql import default_assets_dir

T = TypeVar("T", int, float)


@dataclass(frozen=True)
class GatewaySettings:
    host: str
    port: int
    read_deadline: float  # seconds per read call to a service (retried while unreachable)
    write_deadline: float  # seconds per mutation call (never retried)
    max_depth: int
    max_aliases: int
    max_tokens: int
    max_page_size: int
    graphiql: bool
    graphiql_assets: Path | None  # a node_modules folder holding GraphiQL's npm packages
    common: CommonSettings
    # Seconds between background computations of the governance gauges (0: never).
    governance_interval: float = 300.0
    epcis_capture_limit: int = 10_000  # events in one captured document
    epcis_capture_bytes: int = 32 * 1024 * 1024  # size of one captured document

    @staticmethod
    def from_env(env: Mapping[str, str] | None = None) -> GatewaySettings:
        env = os.environ if env is None else env
        common = CommonSettings.from_env(env)
        return GatewaySettings(
            host=env.get("GATEWAY_HOST", "127.0.0.1"),
            port=_number(env, "GATEWAY_PORT", 8000, int),
            read_deadline=_number(env, "GATEWAY_READ_DEADLINE_SECONDS", 5.0, float),
            write_deadline=_number(env, "GATEWAY_WRITE_DEADLINE_SECONDS", 30.0, float),
            max_depth=_number(env, "GATEWAY_MAX_DEPTH", 15, int),
            max_aliases=_number(env, "GATEWAY_MAX_ALIASES", 30, int),
            max_tokens=_number(env, "GATEWAY_MAX_TOKENS", 5000, int),
            max_page_size=_number(env, "GATEWAY_MAX_PAGE_SIZE", 1000, int),
            # GraphiQL is a development tool; production serves the API only.
            graphiql=common.env != "production",
            graphiql_assets=(
                Path(env["GATEWAY_GRAPHIQL_ASSETS"])
                if env.get("GATEWAY_GRAPHIQL_ASSETS")
                else default_assets_dir()
            ),
            common=common,
            governance_interval=(
                0.0
                if env.get("GATEWAY_GOVERNANCE_INTERVAL_SECONDS") == "0"
                else _number(env, "GATEWAY_GOVERNANCE_INTERVAL_SECONDS", 300.0, float)
            ),
            epcis_capture_limit=_number(env, "GATEWAY_EPCIS_CAPTURE_LIMIT", 10_000, int),
            epcis_capture_bytes=_number(env, "GATEWAY_EPCIS_CAPTURE_BYTES", 32 * 1024 * 1024, int),
        )


def _number(env: Mapping[str, str], key: str, default: T, kind: type[T]) -> T:
    raw = env.get(key)
    if raw is None or raw == "":
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise ConfigError(f"{key} must be a number, got {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"{key} must be positive, got {raw!r}")
    return value
