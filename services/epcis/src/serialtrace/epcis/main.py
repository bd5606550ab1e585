"""Entry point: `serialtrace serve epcis` (settings → telemetry → migrate → serve)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from serialtrace.common.config import ServiceSettings
from serialtrace.common.db import Database
from serialtrace.common.server import GrpcService, ServiceDefinition
from serialtrace.epcis import api
from serialtrace.epcis.config import SERVICE_NAME, load_settings
from serialtrace.epcis.peers import SuiteEffects, SuiteLedgers


def _build(settings: ServiceSettings, database: Database) -> Sequence[GrpcService]:
    addrs = settings.common.service_addrs
    return api.grpc_services(
        database, SuiteEffects(addrs), SuiteLedgers(addrs, settings.common.jwt_secret)
    )


MIGRATIONS = Path(__file__).parent / "migrations"
service = ServiceDefinition(SERVICE_NAME, MIGRATIONS, load_settings, _build)
