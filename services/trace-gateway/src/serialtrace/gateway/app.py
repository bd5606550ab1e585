"""The gateway's HTTP app: /graphql (GraphiQL in development, with its assets under
/graphiql/assets), /epcis (EPCIS 2.0 REST, see epcis_http.py), /healthz, /readyz, /metrics,
/labels/... (GS1 labels, see labels.py) and /evidence/... (evidence package downloads, see
evidence.py)."""

from __future__ import annotations

import asyncio
import json
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
from starlette.types import Message, Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

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


# What a POST may run (strawberry's own rule for POST).
_POSTED = OperationType.from_http("POST")


class GatewayView(GraphQL[GatewayContext, None]):
    """strawberry's ASGI view, with a shorter way for what nearly every request is: one
    operation POSTed as JSON. That one is executed here with the same schema, context,
    result and errors; strawberry's view machinery around it (its request adapter, a
    sub-response per request, content-type parsing through `email`, stream transport
    look-ups) was a tenth of the gateway's CPU on a scan. Anything else (GET, GraphiQL,
    another content type, a batch, a body that is not a JSON object of the expected
    shape) goes to strawberry's view as before, body and all."""

    def __init__(
        self, settings: GatewaySettings, state: dict[str, Backends], page: GraphiQLPage
    ) -> None:
        super().__init__(
            build_schema(settings),
            graphql_ide="graphiql" if settings.graphiql else None,
            allow_queries_via_get=False,  # queries by POST only; GET serves GraphiQL
        )
        self.settings, self.state, self.page = settings, state, page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            request = Request(scope, receive)
            if _posts_plain_json(request):
                body = await request.body()
                operation = _single_operation(body)
                if operation is not None:
                    response = await self._execute_posted(request, *operation)
                    await response(scope, receive, send)
                    return
                receive = _replaying(body, receive)
        await super().__call__(scope, receive, send)

    async def _execute_posted(
        self,
        request: Request,
        query: str,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        extensions: dict[str, Any] | None,
    ) -> Response:
        """What strawberry's view answers for this POST (`execute_single`, then
        `create_response`), without its view machinery."""
        context = await self.get_context(request, None)
        try:
            result = await self.schema.execute(
                query,
                variable_values=variables,
                context_value=context,
                operation_name=operation_name,
                allowed_operation_types=_POSTED,
                operation_extensions=extensions,
            )
        except CannotGetOperationTypeError as error:
            return PlainTextResponse(error.as_http_error_reason(), status_code=400)
        except InvalidOperationTypeError as error:
            return PlainTextResponse(error.as_http_error_reason("POST"), status_code=400)
        except MissingQueryError:
            return PlainTextResponse("No GraphQL query found in the request", status_code=400)
        answer = await self.process_result(request, result)
        return Response(self.encode_json(answer), media_type="application/json")

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


def _posts_plain_json(request: Request) -> bool:
    """A JSON body, and an answer wanted as one JSON document (not a stream)."""
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    accept = request.headers.get("accept", "")
    return media_type == "application/json" and not (
        "multipart/" in accept or "text/event-stream" in accept
    )


def _single_operation(
    body: bytes,
) -> tuple[str, dict[str, Any] | None, str | None, dict[str, Any] | None] | None:
    """(query, variables, operationName, extensions) of a body that is one operation of
    the usual shape; None for anything strawberry's view should judge (and word the
    400 for): no JSON, a batch, a missing query, a member of the wrong type."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    query, variables = data.get("query"), data.get("variables")
    name, extensions = data.get("operationName"), data.get("extensions")
    if not (isinstance(query, str) and query):
        return None
    if not (variables is None or isinstance(variables, dict)):
        return None
    if not (extensions is None or isinstance(extensions, dict)):
        return None
    if not (name is None or isinstance(name, str)):
        return None
    return query, variables, name, extensions


def _replaying(body: bytes, receive: Receive) -> Receive:
    """`receive` with the body already read from it handed out again first."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


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
