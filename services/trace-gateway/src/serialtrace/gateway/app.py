"""The gateway's HTTP app: /graphql (GraphiQL in development, with its assets under
/graphiql/assets), /epcis (EPCIS 2.0 REST, see epcis_http.py), /healthz, /readyz, /metrics,
/labels/... (GS1 labels, see labels.py) and /evidence/... (evidence package downloads, see
evidence.py)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from opentelemetry import propagate
from prometheus_client import make_asgi_app
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from strawberry.asgi import GraphQL
from strawberry.types import ExecutionResult

from serialtrace.gateway.backends import Backends, Calls
from serialtrace.gateway.config import GatewaySettings
from serialtrace.gateway.context import GatewayContext
from serialtrace.gateway.epcis_http import epcis_routes
from serialtrace.gateway.errors import format_error
from serialtrace.gateway.evidence import download_endpoint as evidence_download
from serialtrace.gateway.governance import refresh_forever as governance_refresh
from serialtrace.gateway.graphiql import ASSET_ROUTE, GraphiQLPage
from serialtrace.gateway.labels import routes as label_routes
from serialtrace.gateway.schema import build_schema

log = logging.getLogger(__name__)


class GatewayView(GraphQL[GatewayContext, None]):
    def __init__(
        self, settings: GatewaySettings, state: dict[str, Backends], page: GraphiQLPage
    ) -> None:
        super().__init__(
            build_schema(settings),
            graphql_ide="graphiql" if settings.graphiql else None,
            allow_queries_via_get=False,  # queries by POST only; GET serves GraphiQL
        )
        self.settings, self.state, self.page = settings, state, page

    async def render_graphql_ide(self, request: Any) -> Response:
        # Our own page, with its assets served from here instead of a CDN.
        return self.page.render()

    async def get_context(self, request: Any, response: Any) -> GatewayContext:
        backends = self.state["backends"]
        context = GatewayContext.for_request(
            self.settings,
            lambda bearer: Calls(backends, bearer),
            request.headers.get("authorization"),
        )
        # A client that sends W3C trace context gets the operation in its own trace.
        context.parent_trace = propagate.extract(dict(request.headers))
        request.state.gateway_context = context
        return context

    async def process_result(self, request: Any, result: ExecutionResult) -> Any:
        context: GatewayContext | None = getattr(request.state, "gateway_context", None)
        trace_id = context.trace_id if context else ""
        errors = [*(result.errors or []), *(context.partial_errors if context else [])]
        response: dict[str, Any] = {"data": result.data}
        if errors:
            response["errors"] = [format_error(e, trace_id) for e in errors]
        response["extensions"] = {"traceId": trace_id}
        return response


def create_app(settings: GatewaySettings) -> Starlette:
    state: dict[str, Backends] = {}

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # asyncio gRPC channels belong to the loop that serves requests.
        state["backends"] = Backends(
            settings.common.service_addrs, settings.read_deadline, settings.write_deadline
        )
        refresh = (
            asyncio.create_task(governance_refresh(settings, state["backends"]))
            if settings.governance_interval
            else None
        )
        try:
            yield
        finally:
            if refresh is not None:
                refresh.cancel()
            await state["backends"].close()

    async def healthz(request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    async def readyz(request: Request) -> JSONResponse:
        statuses = await state["backends"].readiness()
        ready = all(status == "SERVING" for status in statuses.values())
        return JSONResponse(
            {"ready": ready, "services": statuses}, status_code=200 if ready else 503
        )

    page = GraphiQLPage(
        settings.graphiql_assets,
        settings.common.jwt_secret,
        # The dev token is for a developer's own machine, never for production.
        with_dev_token=settings.graphiql and settings.common.env != "production",
    )
    if settings.graphiql and page.missing:
        log.warning(
            "GraphiQL cannot load: %s not installed (run make setup)", ", ".join(page.missing)
        )
    routes = [Route("/graphql", GatewayView(settings, state, page), methods=["GET", "POST"])]
    if settings.graphiql:
        routes.append(Route(f"{ASSET_ROUTE}/{{name}}", page.asset))
    return Starlette(
        routes=[
            *routes,
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/evidence/{package_id}/{file_name}", evidence_download(settings)),
            *label_routes(settings, state),  # GET /labels/unit/... and /labels/package/...
            Mount("/metrics", make_asgi_app()),
            Mount("/epcis", routes=epcis_routes(settings, state)),
        ],
        lifespan=lifespan,
    )
