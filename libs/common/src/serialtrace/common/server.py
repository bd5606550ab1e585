"""gRPC server bootstrap shared by every service.

settings → telemetry → database → migrations → server with health, reflection, the
ledger service and the interceptors (tracing, auth, metrics, error mapping) → serve
until SIGTERM/SIGINT, then drain.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent import futures
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
from google.protobuf.descriptor import ServiceDescriptor
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from serialtrace.common import telemetry
from serialtrace.common.auth import Role, acting_as, bearer_token, verify_token
from serialtrace.common.checkpoint_store import Checkpointer
from serialtrace.common.config import ServiceSettings
from serialtrace.common.db import Database, migrate
from serialtrace.common.errors import (
    VERDICT_METADATA_KEY,
    PermissionDenied,
    ServiceError,
    Unauthenticated,
    capped,
)
from serialtrace.common.signing import load_signer
from serialtrace.common.validation import check_request

log = logging.getLogger(__name__)

_OPEN_PREFIXES = ("/grpc.health.", "/grpc.reflection.")


@dataclass(frozen=True)
class GrpcService:
    """One servicer to mount, with the roles allowed to call each of its methods."""

    descriptor: ServiceDescriptor
    method_roles: Mapping[str, frozenset[Role]]
    add_to_server: Callable[[grpc.Server], None]
    # Work the servicer runs in the background (e.g. a follower thread), stopped with
    # the server.
    on_stop: Callable[[], None] | None = None

    def check_roles_cover_every_method(self) -> None:
        missing = [m.name for m in self.descriptor.methods if m.name not in self.method_roles]
        if missing:
            raise RuntimeError(f"{self.descriptor.full_name}: no roles declared for {missing}")


@dataclass(frozen=True)
class ServiceDefinition:
    """What a service hands the bootstrap: its name, migrations and servicers."""

    name: str
    migrations: Path
    load_settings: Callable[[], ServiceSettings]
    build: Callable[[ServiceSettings, Database], Sequence[GrpcService]]

    def serve(self) -> None:
        """`serialtrace serve <name>`: migrate, then serve until SIGTERM or SIGINT."""
        settings = self.load_settings()
        telemetry.setup_logging(self.name, settings.common.log_level)
        running = start(self, settings)
        telemetry.start_metrics_server(settings.metrics_port)
        log.info("serving %s on %s", self.name, running.address)
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        stop.wait()
        log.info("shutting down %s", self.name)
        running.stop()
        telemetry.shutdown_tracing()

    def migrate(self) -> None:
        """`serialtrace migrate <name>`: apply migrations and exit."""
        settings = self.load_settings()
        database = Database(settings.database_url)
        try:
            migrate(database, self.migrations)
        finally:
            database.dispose()


class RunningServer:
    """A started server; `stop` marks it NOT_SERVING, drains in-flight calls, and closes."""

    def __init__(
        self,
        server: grpc.Server,
        port: int,
        host: str,
        database: Database,
        health_servicer: health.HealthServicer,
        checkpointer: Checkpointer,
        on_stop: Sequence[Callable[[], None]] = (),
    ) -> None:
        self.server, self.port, self.database = server, port, database
        self.address = f"{host}:{port}"
        self._health = health_servicer
        self.checkpointer = checkpointer
        self._on_stop = list(on_stop)

    def stop(self, grace: float = 5.0) -> None:
        self._health.enter_graceful_shutdown()
        self.checkpointer.stop()
        for stop_background_work in self._on_stop:
            stop_background_work()
        self.server.stop(grace).wait()
        self.database.dispose()


def start(
    definition: ServiceDefinition, settings: ServiceSettings, migrate_first: bool = True
) -> RunningServer:
    """Builds and starts the server for `definition` (returns once it listens)."""
    # The key first: a service that could not sign its ledger must not start.
    signer = load_signer(settings.signing, settings.common.data_dir, settings.common.env)
    log.info("ledger checkpoints signed with key %s (%s)", signer.key_id, signer.source)
    provider = telemetry.setup_tracing(definition.name, settings.common.otlp_endpoint)
    database = Database(settings.database_url)
    for engine in database.engines:
        telemetry.instrument_engine(engine, provider)
    if migrate_first:
        migrate(database, definition.migrations)

    from serialtrace.common.ledger_api import ledger_service

    services = [
        *definition.build(settings, database),
        ledger_service(definition.name, database, signer),
    ]
    roles: dict[str, frozenset[Role]] = {}
    for service in services:
        service.check_roles_cover_every_method()
        for method, allowed in service.method_roles.items():
            roles[f"/{service.descriptor.full_name}/{method}"] = allowed

    server = grpc.server(
        futures.ThreadPoolExecutor(
            max_workers=settings.grpc_workers, thread_name_prefix=definition.name
        ),
        interceptors=[Guard(definition.name, settings.common.jwt_secret, roles, provider)],
        options=[
            ("grpc.max_receive_message_length", 64 * 1024 * 1024),
            ("grpc.max_send_message_length", 64 * 1024 * 1024),
        ],
    )
    for service in services:
        service.add_to_server(server)
    health_servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    names = [s.descriptor.full_name for s in services]
    for name in ["", *names]:
        health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    reflection.enable_server_reflection(
        [
            *names,
            health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
            reflection.SERVICE_NAME,
        ],
        server,
    )
    host = settings.addr.rpartition(":")[0]
    port = server.add_insecure_port(settings.addr)
    if port == 0:
        raise RuntimeError(f"cannot bind {settings.addr}")
    server.start()
    checkpointer = Checkpointer(definition.name, database, signer, settings.signing)
    checkpointer.start()
    background = [s.on_stop for s in services if s.on_stop is not None]
    return RunningServer(
        server, port, host or "127.0.0.1", database, health_servicer, checkpointer, background
    )


class Guard(grpc.ServerInterceptor):  # type: ignore[type-arg]
    """The server span, auth, role checks, RED metrics and error mapping around every
    unary call.

    The span is made here, child of the W3C trace context the caller sent, rather than
    by opentelemetry-instrumentation-grpc's server interceptor, which wrapped every
    call's context in a proxy and cost a write about as much CPU as its auth."""

    def __init__(
        self,
        service: str,
        jwt_secret: str,
        roles: Mapping[str, frozenset[Role]],
        provider: trace.TracerProvider | None = None,
    ):
        self.service, self.secret, self.roles = service, jwt_secret, roles
        self.tracer = (provider or trace.get_tracer_provider()).get_tracer("serialtrace.grpc")

    def intercept_service(self, continuation: Callable[[Any], Any], details: Any) -> Any:
        handler = continuation(details)
        method: str = details.method
        if handler is None or method.startswith(_OPEN_PREFIXES) or not handler.unary_unary:
            return handler
        inner = handler.unary_unary
        allowed = self.roles.get(method)
        metadata = tuple(details.invocation_metadata or ())
        short = method.rsplit("/", 1)[-1]

        rpc_service = method.lstrip("/").rpartition("/")[0]
        attributes = {"rpc.system": "grpc", "rpc.service": rpc_service, "rpc.method": short}

        def guarded(request: Any, context: grpc.ServicerContext) -> Any:
            with self.tracer.start_as_current_span(
                method,
                context=propagate.extract(dict(metadata)),
                kind=SpanKind.SERVER,
                attributes=attributes,
                record_exception=False,
                set_status_on_exception=False,
            ) as span:
                return served(request, context, span)

        def served(request: Any, context: grpc.ServicerContext, span: trace.Span) -> Any:
            started = time.perf_counter()
            code = grpc.StatusCode.OK
            try:
                token = bearer_token(metadata)
                if token is None:
                    raise Unauthenticated("no bearer token: send `authorization: Bearer <JWT>`")
                principal = verify_token(self.secret, token)
                if allowed is None:
                    raise PermissionDenied(f"{short} is not open to any role")
                principal.require(allowed, short)
                # Every text field and list of the request within its bound, before any
                # use case reads it (the gateway checks the same bounds on the graph).
                check_request(request)
                with acting_as(principal):
                    return inner(request, context)
            except ServiceError as exc:
                code = exc.code
                # Marks the status as this service's own verdict, so a caller can tell
                # "warehouse says quality is unavailable" from "warehouse is unreachable".
                context.set_trailing_metadata(((VERDICT_METADATA_KEY, self.service),))
                context.abort(exc.code, capped(exc.message))
            except NotImplementedError:
                code = grpc.StatusCode.UNIMPLEMENTED
                context.set_trailing_metadata(((VERDICT_METADATA_KEY, self.service),))
                context.abort(code, f"{short} is not implemented by the {self.service} service yet")
            except Exception:
                code = grpc.StatusCode.INTERNAL
                trace_id = telemetry.current_trace_id()
                log.exception("unhandled error in %s", method)
                context.set_trailing_metadata(((VERDICT_METADATA_KEY, self.service),))
                context.abort(
                    grpc.StatusCode.INTERNAL,
                    f"internal error in the {self.service} service (trace id {trace_id})",
                )
            finally:
                span.set_attribute("rpc.grpc.status_code", code.value[0])
                if code != grpc.StatusCode.OK:
                    span.set_status(Status(StatusCode.ERROR, code.name))
                telemetry.GRPC_REQUESTS.labels(self.service, short, code.name).inc()
                telemetry.GRPC_LATENCY.labels(self.service, short).observe(
                    time.perf_counter() - started
                )

        return grpc.unary_unary_rpc_method_handler(
            guarded,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
