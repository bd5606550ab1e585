"""Entry point: `serialtrace serve masterdata` (settings → telemetry → migrate → serve)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from serialtrace.common.config import ServiceSettings
from serialtrace.common.db import Database
from serialtrace.common.governance_api import governance_service
from serialtrace.common.server import GrpcService, ServiceDefinition
from serialtrace.masterdata import api, governance
from serialtrace.masterdata.config import SERVICE_NAME, load_settings


def _build(settings: ServiceSettings, database: Database) -> Sequence[GrpcService]:
    return [*api.grpc_services(database), governance_service(database, governance.facts)]


MIGRATIONS = Path(__file__).parent / "migrations"
service = ServiceDefinition(SERVICE_NAME, MIGRATIONS, load_settings, _build)
