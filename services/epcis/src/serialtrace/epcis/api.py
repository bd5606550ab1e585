"""The EPCIS gRPC servicer: proto ⇄ use-case mapping and nothing else."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from serialtrace.common.auth import ANY_ROLE, Role, acting_as, current_principal, roles
from serialtrace.common.db import Database
from serialtrace.common.server import GrpcService
from serialtrace.common.timeutil import to_timestamp, utcnow
from serialtrace.epcis import store, usecases, validation
from serialtrace.epcis.usecases import PROCEED, ROLLBACK, CaptureError, Effects
from serialtrace.epcis.v1 import epcis_pb2 as pb
from serialtrace.epcis.v1 import epcis_pb2_grpc as pb_grpc

# Capturing changes the suite (units, stock, packs, inspections): the roles that may do
# those. What each event does is checked again by the service it acts on.
CAPTURE_ROLES = roles(Role.OPERATOR, Role.PLANNER, Role.QUALITY)
METHOD_ROLES: dict[str, frozenset[Role]] = {
    "Capture": CAPTURE_ROLES,
    "CaptureEvent": CAPTURE_ROLES,
    "GetCaptureJob": ANY_ROLE,
    "QueryEvents": ANY_ROLE,
    "GetEvent": ANY_ROLE,
}
_BEHAVIOUR = {
    pb.CAPTURE_ERROR_BEHAVIOUR_UNSPECIFIED: ROLLBACK,
    pb.CAPTURE_ERROR_BEHAVIOUR_ROLLBACK: ROLLBACK,
    pb.CAPTURE_ERROR_BEHAVIOUR_PROCEED: PROCEED,
}
_BEHAVIOUR_ENUM = {
    ROLLBACK: pb.CAPTURE_ERROR_BEHAVIOUR_ROLLBACK,
    PROCEED: pb.CAPTURE_ERROR_BEHAVIOUR_PROCEED,
}
CAPTURE_WORKERS = 2  # capture jobs at once; more wait their turn (the machine has 2 cores)


def error_message(error: CaptureError | dict[str, Any]) -> pb.CaptureError:
    data = error.as_dict() if isinstance(error, CaptureError) else error
    return pb.CaptureError(
        event_index=int(data.get("event_index", -1)),
        event_id=str(data.get("event_id") or ""),
        code=str(data.get("code", "")),
        pointer=str(data.get("pointer") or ""),
        message=str(data.get("message", "")),
    )


def job_message(row: store.CaptureJobRow) -> pb.CaptureJob:
    return pb.CaptureJob(
        capture_id=row.capture_id,
        created_at=to_timestamp(row.created_at),
        finished_at=to_timestamp(row.finished_at),
        running=row.running,
        success=row.success,
        capture_error_behaviour=_BEHAVIOUR_ENUM[row.behaviour],
        errors=[error_message(e) for e in row.errors or []],
        event_count=row.event_count,
        captured_count=row.captured_count,
    )


def stored_events(rows: Sequence[store.EventRow]) -> list[pb.StoredEvent]:
    return [
        pb.StoredEvent(event_json=event, context_json=context)
        for event, context in map(usecases.answer, rows)
    ]


class EpcisServicer(pb_grpc.EpcisServiceServicer):
    def __init__(self, database: Database, effects: Effects) -> None:
        self.database, self.effects = database, effects
        self.jobs = ThreadPoolExecutor(CAPTURE_WORKERS, thread_name_prefix="epcis-capture")

    def Capture(self, request: pb.CaptureRequest, context: Any) -> pb.CaptureResponse:
        behaviour = _BEHAVIOUR.get(request.capture_error_behaviour, ROLLBACK)
        receipt = usecases.receive(request.document_json, behaviour)
        if receipt.violations:
            return pb.CaptureResponse(violations=[error_message(v) for v in receipt.violations])
        principal = current_principal()
        job = usecases.start_job(self.database, receipt, behaviour, principal)

        def run() -> None:
            # The job calls other services as the caller who captured the document.
            with acting_as(principal):
                usecases.run_job(
                    self.database, job.capture_id, receipt, behaviour, principal, self.effects
                )

        self.jobs.submit(run)
        return pb.CaptureResponse(job=job_message(job))

    def GetCaptureJob(
        self, request: pb.GetCaptureJobRequest, context: Any
    ) -> pb.GetCaptureJobResponse:
        with self.database.reader() as session:
            return pb.GetCaptureJobResponse(
                job=job_message(usecases.get_job(session, request.capture_id))
            )

    def CaptureEvent(
        self, request: pb.CaptureEventRequest, context: Any
    ) -> pb.CaptureEventResponse:
        event, errors, record_time = usecases.capture_event(
            self.database, request.event_json, current_principal(), self.effects
        )
        return pb.CaptureEventResponse(
            event_id=event.event_id if event else "",
            record_time=to_timestamp(record_time),
            violations=[error_message(e) for e in errors],
        )

    def QueryEvents(self, request: pb.QueryEventsRequest, context: Any) -> pb.QueryEventsResponse:
        parameters = [(p.name, p.argument) for p in request.parameters]
        with self.database.reader() as session:
            rows, token = usecases.query(session, parameters, request.page_size, request.page_token)
            return pb.QueryEventsResponse(events=stored_events(rows), next_page_token=token)

    def GetEvent(self, request: pb.GetEventRequest, context: Any) -> pb.GetEventResponse:
        with self.database.reader() as session:
            return pb.GetEventResponse(
                events=stored_events(usecases.event_by_id(session, request.event_id))
            )


def grpc_services(database: Database, effects: Effects) -> list[GrpcService]:
    validation.warm_up()  # compile the schema validators before the first capture
    with database.transaction() as session:
        store.interrupt_running_jobs(session, utcnow())
    servicer = EpcisServicer(database, effects)
    return [
        GrpcService(
            descriptor=pb.DESCRIPTOR.services_by_name["EpcisService"],
            method_roles=METHOD_ROLES,
            add_to_server=lambda server: pb_grpc.add_EpcisServiceServicer_to_server(
                servicer, server
            ),
        )
    ]
