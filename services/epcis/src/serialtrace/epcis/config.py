"""The EPCIS service's settings: the one place it reads the environment."""

from __future__ import annotations

from serialtrace.common.config import ServiceSettings

SERVICE_NAME = "epcis"


def load_settings() -> ServiceSettings:
    return ServiceSettings.from_env(SERVICE_NAME)
