"""The production service's settings: the one place it reads the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from serialtrace.common.config import ServiceSettings

SERVICE_NAME = "production"


@dataclass(frozen=True)
class ProductionOptions:
    # Where completed units enter stock when a work order names no output location and
    # no WAREHOUSE sits above its line (a masterdata location code), or None.
    finished_goods_location: str | None = None


def load_settings() -> ServiceSettings:
    return ServiceSettings.from_env(SERVICE_NAME)


def load_options(env: Mapping[str, str] | None = None) -> ProductionOptions:
    env = os.environ if env is None else env
    return ProductionOptions(env.get("WAREHOUSE_FINISHED_GOODS_LOCATION", "").strip() or None)
