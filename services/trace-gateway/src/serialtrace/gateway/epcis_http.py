"""EPCIS 2.0 over HTTP (the REST binding), under /epcis: capture and query.

The gateway keeps no EPCIS data: it checks the caller (the graph's bearer tokens and
roles), the media type and the capture limits, turns query strings into the standard
parameters, and wraps what the EPCIS service answers in EPCIS documents. Errors are
RFC 7807 problem+json with the EPCIS exception types.

- `OPTIONS /epcis/capture`: the limits and the supported behaviours, in headers.
- `POST /epcis/capture`: a document → 202, `Location: /epcis/capture/{captureID}`.
- `GET /epcis/capture/{captureID}`: the capture job.
- `POST /epcis/events`: one event → 201 (409 when its eventID is captured).
- `GET /epcis/events`, `/epcis/events/{eventID}`, `/epcis/epcs/{epc}/events`:
  EPCISQueryDocuments, paged by `perPage` and `nextPageToken` with `Link: rel="next"`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from serialtrace.common.access import roles_of
from serialtrace.common.auth import Role
from serialtrace.common.errors import InvalidArgument, ServiceError
from serialtrace.common.timeutil import from_timestamp, iso, utcnow
from serialtrace.epcis.v1 import epcis_pb2 as pb
from serialtrace.gateway.backends import Backends, Calls
from serialtrace.gateway.config import GatewaySettings
from serialtrace.gateway.context import GatewayContext

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
PROBLEM = "application/problem+json"
JSON_TYPES = ("application/json", "application/ld+json")
# Who may capture: the roles the EPCIS service's capture RPCs declare in their .proto.
_EPCIS = pb.DESCRIPTOR.services_by_name["EpcisService"]
CAPTURE_ROLES = roles_of(_EPCIS, "Capture")
CAPTURE_EVENT_ROLES = roles_of(_EPCIS, "CaptureEvent")
BEHAVIOURS = {"rollback": pb.CAPTURE_ERROR_BEHAVIOUR_ROLLBACK,
              "proceed": pb.CAPTURE_ERROR_BEHAVIOUR_PROCEED}  # fmt: skip
BEHAVIOUR_NAMES = {v: k for k, v in BEHAVIOURS.items()}
VERSION_HEADERS = {"GS1-EPCIS-Version": "2.0.0", "GS1-CBV-Version": "2.0.0"}

# The EPCIS exception type and HTTP status of each gRPC verdict.
_PROBLEMS: dict[str, tuple[int, str]] = {
    "INVALID_ARGUMENT": (400, "ValidationException"),
    "FAILED_PRECONDITION": (400, "ValidationException"),
    "NOT_FOUND": (404, "NoSuchResourceException"),
    "ALREADY_EXISTS": (409, "ResourceAlreadyExistsException"),
    "UNAUTHENTICATED": (401, "SecurityException"),
    "PERMISSION_DENIED": (403, "SecurityException"),
    "UNAVAILABLE": (503, "ImplementationException"),
    "DEADLINE_EXCEEDED": (504, "ImplementationException"),
}


class HttpProblem(Exception):
    def __init__(self, status: int, kind: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.kind, self.detail, self.extra = status, kind, detail, extra


def problem(status: int, kind: str, detail: str, **extra: Any) -> JSONResponse:
    body = {
        "type": f"epcisException:{kind}",
        "title": kind,
        "status": status,
        "detail": detail,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=VERSION_HEADERS)


def _from_service(error: ServiceError) -> JSONResponse:
    status, kind = _PROBLEMS.get(error.code.name, (500, "ImplementationException"))
    return problem(status, kind, error.message)


def _not_captured(detail: str, violations: Any) -> HttpProblem:
    """The 400 of a capture the service refused, listing its violations."""
    return HttpProblem(400, "ValidationException", detail, errors=_errors(violations))


def _created(status: int, location: str) -> Response:
    return Response(status_code=status, headers={**VERSION_HEADERS, "Location": location})


def _errors(errors: Any) -> list[dict[str, Any]]:
    return [
        {
            key: value
            for key, value in (
                ("eventIndex", e.event_index if e.event_index >= 0 else None),
                ("eventID", e.event_id or None),
                ("code", e.code),
                ("pointer", e.pointer or None),
                ("message", e.message),
            )
            if value is not None
        }
        for e in errors
    ]


def _job(job: pb.CaptureJob) -> dict[str, Any]:
    body: dict[str, Any] = {
        "captureID": job.capture_id,
        "createdAt": iso(from_timestamp(job.created_at) or utcnow()),
        "running": job.running,
        "success": job.success,
        "captureErrorBehaviour": BEHAVIOUR_NAMES.get(job.capture_error_behaviour, "rollback"),
        "errors": _errors(job.errors),
        "eventCount": job.event_count,
        "capturedCount": job.captured_count,
    }
    finished = from_timestamp(job.finished_at)
    if finished is not None:
        body["finishedAt"] = iso(finished)
    return body


def _merged_context(contexts: list[str]) -> list[Any]:
    """The query document's @context: the standard one, then the prefixes the events
    were captured with (first definition of a prefix wins)."""
    urls: list[str] = [EPCIS_CONTEXT]
    prefixes: dict[str, Any] = {}
    for text in contexts:
        if not text:
            continue
        parsed = json.loads(text)
        for part in parsed if isinstance(parsed, list) else [parsed]:
            if isinstance(part, str) and part not in urls:
                urls.append(part)
            elif isinstance(part, dict):
                for prefix, uri in part.items():
                    prefixes.setdefault(prefix, uri)
    return [*urls, prefixes] if prefixes else urls


def query_document(events: Any, query_name: str = "SimpleEventQuery") -> dict[str, Any]:
    return {
        "@context": _merged_context([e.context_json for e in events]),
        "type": "EPCISQueryDocument",
        "schemaVersion": "2.0",
        "creationDate": iso(utcnow()),
        "epcisBody": {
            "queryResults": {
                "queryName": query_name,
                "resultsBody": {"eventList": [json.loads(e.event_json) for e in events]},
            }
        },
    }


def epcis_routes(settings: GatewaySettings, state: Mapping[str, Backends]) -> list[Route]:
    """The /epcis routes (mounted by the app); `state` holds the backends once started."""

    def calls(request: Request, action: str, roles: frozenset[Role] | None) -> Calls:
        context = GatewayContext.for_request(
            settings,
            lambda bearer: Calls(state["backends"], bearer),
            request.headers.get("authorization"),
        )
        if roles is None:
            context.caller()
        else:
            context.require(roles, action)
        return context.calls

    async def body_of(request: Request) -> bytes:
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media not in JSON_TYPES:
            raise HttpProblem(
                415,
                "UnsupportedMediaTypeException",
                "send the document as application/json or application/ld+json",
            )
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > settings.epcis_capture_bytes:
            raise _too_large(settings)
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > settings.epcis_capture_bytes:
                raise _too_large(settings)
        return body

    async def capture_options(request: Request) -> Response:
        return Response(
            status_code=204,
            headers={
                **VERSION_HEADERS,
                "Allow": "OPTIONS, POST",
                "GS1-EPCIS-Capture-Limit": str(settings.epcis_capture_limit),
                "GS1-EPCIS-Capture-File-Size-Limit": str(settings.epcis_capture_bytes),
                "GS1-Capture-Error-Behaviour": "rollback, proceed",
                "GS1-Extensions": "",
            },
        )

    async def capture(request: Request) -> Response:
        caller = calls(request, "capturing EPCIS events", CAPTURE_ROLES)
        behaviour_name = request.headers.get("gs1-capture-error-behaviour", "rollback").lower()
        if behaviour_name not in BEHAVIOURS:
            raise HttpProblem(
                400,
                "ValidationException",
                "GS1-Capture-Error-Behaviour must be rollback or proceed, "
                f"got {behaviour_name[:100]!r}",
            )
        body = await body_of(request)
        _check_event_count(body, settings)
        reply = await caller.write(
            "epcis",
            "Capture",
            pb.CaptureRequest(
                document_json=body, capture_error_behaviour=BEHAVIOURS[behaviour_name]
            ),
        )
        if not reply.HasField("job"):
            raise _not_captured(
                "the document does not conform to the EPCIS 2.0.1 schema; nothing was captured",
                reply.violations,
            )
        return _created(202, f"/epcis/capture/{reply.job.capture_id}")

    async def capture_job(request: Request) -> Response:
        caller = calls(request, "reading a capture job", None)
        reply = await caller.read(
            "epcis",
            "GetCaptureJob",
            pb.GetCaptureJobRequest(capture_id=request.path_params["capture_id"]),
        )
        return JSONResponse(_job(reply.job), headers=VERSION_HEADERS)

    async def capture_event(request: Request) -> Response:
        caller = calls(request, "capturing EPCIS events", CAPTURE_EVENT_ROLES)
        body = await body_of(request)
        reply = await caller.write("epcis", "CaptureEvent", pb.CaptureEventRequest(event_json=body))
        if reply.violations:
            raise _not_captured("the event was not captured", reply.violations)
        return _created(201, f"/epcis/events/{quote(reply.event_id, safe='')}")

    async def query(request: Request, extra: list[tuple[str, str]] | None = None) -> Response:
        caller = calls(request, "querying EPCIS events", None)
        parameters: list[tuple[str, str]] = list(extra or [])
        per_page, token = 0, ""
        for name, value in request.query_params.multi_items():
            if name == "perPage":
                if not value.isdigit():
                    raise InvalidArgument(f"perPage must be a number, got {value[:100]!r}")
                per_page = int(value)
            elif name == "nextPageToken":
                token = value
            else:
                parameters.append((name, value))
        reply = await caller.read(
            "epcis",
            "QueryEvents",
            pb.QueryEventsRequest(
                parameters=[pb.QueryParameter(name=n, argument=v) for n, v in parameters],
                page_size=per_page,
                page_token=token,
            ),
        )
        headers = dict(VERSION_HEADERS)
        if reply.next_page_token:
            following = [
                (n, v) for n, v in request.query_params.multi_items() if n != "nextPageToken"
            ]
            following.append(("nextPageToken", reply.next_page_token))
            headers["Link"] = f'<{request.url.path}?{urlencode(following)}>; rel="next"'
        return JSONResponse(query_document(reply.events), headers=headers)

    async def events(request: Request) -> Response:
        return await query(request)

    async def event(request: Request) -> Response:
        caller = calls(request, "querying EPCIS events", None)
        event_id = request.path_params["event_id"]
        # A hash ID's "?ver=CBV2.0" arrives as the query string when it was not encoded.
        if event_id.startswith("ni:") and request.url.query.startswith("ver="):
            event_id = f"{event_id}?{request.url.query}"
        reply = await caller.read("epcis", "GetEvent", pb.GetEventRequest(event_id=event_id))
        return JSONResponse(query_document(reply.events), headers=VERSION_HEADERS)

    async def events_of_epc(request: Request) -> Response:
        return await query(request, [("MATCH_anyEPC", request.path_params["epc"])])

    def guarded(handler: Any) -> Any:
        async def run(request: Request) -> Response:
            try:
                response: Response = await handler(request)
            except HttpProblem as failure:
                return problem(failure.status, failure.kind, failure.detail, **failure.extra)
            except ServiceError as error:
                return _from_service(error)
            return response

        return run

    return [
        Route("/capture", guarded(capture), methods=["POST"]),
        Route("/capture", guarded(capture_options), methods=["OPTIONS"]),
        Route("/capture/{capture_id}", guarded(capture_job), methods=["GET"]),
        Route("/events", guarded(capture_event), methods=["POST"]),
        Route("/events", guarded(events), methods=["GET"]),
        Route("/events/{event_id:path}", guarded(event), methods=["GET"]),
        Route("/epcs/{epc:path}/events", guarded(events_of_epc), methods=["GET"]),
    ]


def _too_large(settings: GatewaySettings) -> HttpProblem:
    return HttpProblem(
        413,
        "CaptureLimitExceededException",
        f"the document is larger than {settings.epcis_capture_bytes} bytes "
        "(GS1-EPCIS-Capture-File-Size-Limit); split it",
    )


def _check_event_count(body: bytes, settings: GatewaySettings) -> None:
    """413 over GS1-EPCIS-Capture-Limit events; a body that is not JSON is left for the
    EPCIS service to refuse with its reason."""
    try:
        document = json.loads(body)
    except ValueError:
        return
    events = (
        ((document.get("epcisBody") or {}).get("eventList")) if isinstance(document, dict) else None
    )
    if isinstance(events, list) and len(events) > settings.epcis_capture_limit:
        raise HttpProblem(
            413,
            "CaptureLimitExceededException",
            f"the document has {len(events)} events; at most {settings.epcis_capture_limit} "
            "are captured at once (GS1-EPCIS-Capture-Limit); split it",
        )
