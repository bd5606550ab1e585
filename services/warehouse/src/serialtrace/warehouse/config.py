"""The warehouse service's settings: the one place it reads the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from serialtrace.common.config import ConfigError, ServiceSettings

SERVICE_NAME = "warehouse"
# GS1's documentation example prefix: fine for development, replace in production.
DEV_COMPANY_PREFIX = "0614141"


@dataclass(frozen=True)
class WarehouseOptions:
    # GS1 company prefix for SSCCs the warehouse generates (7-10 digits).
    gs1_company_prefix: str


def load_settings() -> ServiceSettings:
    return ServiceSettings.from_env(SERVICE_NAME)


def load_options(env: Mapping[str, str] | None = None) -> WarehouseOptions:
    env = os.environ if env is None else env
    prefix = env.get("WAREHOUSE_GS1_COMPANY_PREFIX") or DEV_COMPANY_PREFIX
    if not (prefix.isdigit() and 7 <= len(prefix) <= 10):
        raise ConfigError(f"WAREHOUSE_GS1_COMPANY_PREFIX must be 7-10 digits, got {prefix!r}")
    return WarehouseOptions(prefix)
