"""Entry point: `serialtrace serve production` (settings → telemetry → migrate → serve)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from serialtrace.common.config import ServiceSettings
from serialtrace.common.db import Database
from serialtrace.common.governance_api import governance_service
from serialtrace.common.server import GrpcService, ServiceDefinition
from serialtrace.production import api, governance
from serialtrace.production.config import SERVICE_NAME, load_options, load_settings
from serialtrace.production.peers import Masterdata, Quality, Warehouse


def _build(settings: ServiceSettings, database: Database) -> Sequence[GrpcService]:
    addrs = settings.common.service_addrs
    masterdata = Masterdata(addrs["masterdata"])
    return [
        *api.grpc_services(
            database,
            masterdata,
            Quality(addrs["quality"]),
            Warehouse(addrs["warehouse"]),
            load_options(),
        ),
        governance_service(database, governance.facts_with(masterdata)),
    ]


MIGRATIONS = Path(__file__).parent / "migrations"
service = ServiceDefinition(SERVICE_NAME, MIGRATIONS, load_settings, _build)
