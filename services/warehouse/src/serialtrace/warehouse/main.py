"""Entry point: `serialtrace serve warehouse` (settings → telemetry → migrate → serve)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from serialtrace.common.config import ServiceSettings
from serialtrace.common.db import Database
from serialtrace.common.governance_api import governance_service
from serialtrace.common.server import GrpcService, ServiceDefinition
from serialtrace.warehouse import api, governance
from serialtrace.warehouse.config import SERVICE_NAME, load_options, load_settings
from serialtrace.warehouse.peers import Masterdata, Production, Quality
from serialtrace.warehouse.usecases import Peers


def _build(settings: ServiceSettings, database: Database) -> Sequence[GrpcService]:
    addrs = settings.common.service_addrs
    peers = Peers(
        Masterdata(addrs["masterdata"]), Production(addrs["production"]), Quality(addrs["quality"])
    )
    return [
        *api.grpc_services(database, peers, load_options()),
        governance_service(database, governance.facts),
    ]


MIGRATIONS = Path(__file__).parent / "migrations"
service = ServiceDefinition(SERVICE_NAME, MIGRATIONS, load_settings, _build)
