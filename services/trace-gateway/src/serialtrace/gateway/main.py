"""`serialtrace serve gateway`: the GraphQL graph on uvicorn (the gateway has no database)."""

from __future__ import annotations

import importlib.util
import logging
import threading
import time
from dataclasses import dataclass

import uvicorn

from serialtrace.common import process_memory, telemetry
from serialtrace.gateway.app import create_app
from serialtrace.gateway.config import GatewaySettings

log = logging.getLogger(__name__)


def event_loop() -> str:
    """uvicorn's event loop: uvloop (libuv's, in C) wherever it is installed, as it is
    on every platform but Windows; it took a third off the CPU of a request that calls
    no service (accepting the connection, the transport, the callbacks). asyncio's own
    loop otherwise."""
    return "uvloop" if importlib.util.find_spec("uvloop") is not None else "asyncio"


class GatewayDefinition:
    name = "gateway"

    def serve(self) -> None:
        settings = GatewaySettings.from_env()
        telemetry.setup_logging(self.name, settings.common.log_level)
        telemetry.setup_tracing(self.name, settings.common.otlp_endpoint)
        # An evidence package's buffers unmapped once it is built, not kept in the heap
        # for the rest of the process (docs/operations.md, "Memory").
        process_memory.give_big_buffers_back()
        log.info("serving the graph on http://%s:%s/graphql", settings.host, settings.port)
        # uvicorn drains in-flight requests on SIGTERM/SIGINT, then the lifespan closes
        # the gRPC channels.
        uvicorn.run(
            create_app(settings),
            host=settings.host,
            port=settings.port,
            log_config=None,
            access_log=False,
            loop=event_loop(),
        )
        telemetry.shutdown_tracing()

    def migrate(self) -> None:
        """Nothing to migrate: the gateway owns no data."""

    def after_start(self) -> str:
        """`serialtrace run`: loads the demo factory into empty databases (through the
        graph), then returns what to print: GraphiQL's URL and a query that works."""
        from serialtrace.gateway.demo import EXAMPLE_QUERY, load_demo

        settings = GatewaySettings.from_env()
        url = f"http://{settings.host.replace('0.0.0.0', '127.0.0.1')}:{settings.port}/graphql"  # noqa: S104
        load_demo(url, settings.common.jwt_secret)
        return (
            f"\nGraphiQL: {url}  (it opens with the dev token in its Headers tab)\n"
            f"\nTry this trace of a shipped widget:\n{EXAMPLE_QUERY}"
        )


service = GatewayDefinition()


@dataclass
class RunningGateway:
    """A gateway served from a background thread (tests, `serialtrace run` helpers)."""

    url: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def start_in_thread(settings: GatewaySettings) -> RunningGateway:
    """Starts the gateway on `settings.host:settings.port` and returns once it listens."""
    telemetry.setup_tracing("gateway", settings.common.otlp_endpoint)
    config = uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        lifespan="on",
        loop=event_loop(),
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="gateway", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the gateway did not start")
        time.sleep(0.02)
    return RunningGateway(f"http://{settings.host}:{settings.port}/graphql", server, thread)


__all__ = ["GatewayDefinition", "RunningGateway", "event_loop", "service", "start_in_thread"]
