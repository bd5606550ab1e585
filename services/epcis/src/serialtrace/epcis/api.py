"""The EPCIS gRPC servicer: one table of RPCs, each mapped proto ⇄ use case."""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.orm import Session

from serialtrace.common import rpc
from serialtrace.common.auth import acting_as, current_principal
from serialtrace.common.db import Database
from serialtrace.common.server import GrpcService
from serialtrace.common.timeutil import to_timestamp, utcnow
from serialtrace.epcis import store, usecases, validation
from serialtrace.epcis.usecases import PROCEED, ROLLBACK, CaptureError, Effects
from serialtrace.epcis.v1 import epcis_pb2 as pb
from serialtrace.epcis.v1 import epcis_pb2_grpc as pb_grpc

log = logging.getLogger(__name__)

SERVICE = pb.DESCRIPTOR.services_by_name["EpcisService"]
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


@dataclass(eq=False)
class EpcisServicer(rpc.Servicer, pb_grpc.EpcisServiceServicer):
    effects: Effects
    jobs: ThreadPoolExecutor = field(init=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        self.jobs = ThreadPoolExecutor(CAPTURE_WORKERS, thread_name_prefix="epcis-capture")


S = EpcisServicer


def capture(s: S, r: pb.CaptureRequest) -> pb.CaptureResponse:
    behaviour = _BEHAVIOUR.get(r.capture_error_behaviour, ROLLBACK)
    receipt = usecases.receive(r.document_json, behaviour)
    if receipt.violations:
        return pb.CaptureResponse(violations=[error_message(v) for v in receipt.violations])
    principal = current_principal()
    job = usecases.start_job(s.database, receipt, behaviour, principal)

    def run() -> None:
        # The job calls other services as the caller who captured the document.
        with acting_as(principal):
            usecases.run_job(s.database, job.capture_id, receipt, behaviour, principal, s.effects)

    s.jobs.submit(run)
    return pb.CaptureResponse(job=job_message(job))


def get_capture_job(s: S, session: Session, r: pb.GetCaptureJobRequest) -> pb.GetCaptureJobResponse:
    return pb.GetCaptureJobResponse(job=job_message(usecases.get_job(session, r.capture_id)))


def capture_event(s: S, r: pb.CaptureEventRequest) -> pb.CaptureEventResponse:
    event, errors, record_time = usecases.capture_event(
        s.database, r.event_json, current_principal(), s.effects
    )
    return pb.CaptureEventResponse(
        event_id=event.event_id if event else "",
        record_time=to_timestamp(record_time),
        violations=[error_message(e) for e in errors],
    )


def query_events(s: S, session: Session, r: pb.QueryEventsRequest) -> pb.QueryEventsResponse:
    parameters = [(p.name, p.argument) for p in r.parameters]
    rows, token = usecases.query(session, parameters, r.page_size, r.page_token)
    return pb.QueryEventsResponse(events=stored_events(rows), next_page_token=token)


def get_event(s: S, session: Session, r: pb.GetEventRequest) -> pb.GetEventResponse:
    return pb.GetEventResponse(events=stored_events(usecases.event_by_id(session, r.event_id)))


def follower_positions(
    s: S, session: Session, r: pb.GetFollowerPositionsRequest
) -> pb.GetFollowerPositionsResponse:
    return pb.GetFollowerPositionsResponse(
        positions=[
            pb.FollowerPosition(service=service, last_seq=seq)
            for service, seq in usecases.follower_positions(session)
        ]
    )


# Capture and CaptureEvent keep their own transactions: a capture job stores each event
# as it goes, and its outcome is the job's record, not an idempotent response.
RPCS: dict[str, rpc.Rpc] = {
    "Capture": rpc.custom(capture),
    "GetCaptureJob": rpc.read(get_capture_job),
    "CaptureEvent": rpc.custom(capture_event),
    "QueryEvents": rpc.read(query_events),
    "GetEvent": rpc.read(get_event),
    "GetFollowerPositions": rpc.read(follower_positions),
}
# Who may call each RPC, as its .proto declares it (the auth interceptor checks it).
METHOD_ROLES = rpc.implement(EpcisServicer, SERVICE, RPCS)


class LedgerFollower:
    """Turns the owners' new ledger entries into implied events, a pass every
    FOLLOW_SECONDS (passes follow each other at once while a ledger has more)."""

    FOLLOW_SECONDS = 0.5

    def __init__(self, database: Database, ledgers: usecases.Ledgers) -> None:
        self.database, self.ledgers = database, ledgers
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="epcis-ledger-follower", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stopped.wait(self.FOLLOW_SECONDS):
            try:
                with acting_as(self.ledgers.identity()):
                    while (
                        usecases.follow(self.database, self.ledgers) > 0
                        and not self._stopped.is_set()
                    ):
                        pass
            except Exception as failure:  # an owner down, a lost connection: next pass
                log.warning("following the audit ledgers failed: %s", str(failure)[:200])


def grpc_services(
    database: Database, effects: Effects, ledgers: usecases.Ledgers | None = None
) -> list[GrpcService]:
    validation.warm_up()  # compile the schema validators before the first capture
    # What start-up made (modules, the compiled schema, protobuf descriptors) lives as long
    # as the process: out of the collector's full passes, which otherwise walk it all,
    # about 180,000 objects, 0.1 s a pass, every few 1,000-event documents.
    gc.freeze()
    with database.transaction() as session:
        store.interrupt_running_jobs(session, utcnow())
    servicer = EpcisServicer(database, effects)
    follower = LedgerFollower(database, ledgers) if ledgers is not None else None
    if follower is not None:
        follower.start()
    service = rpc.grpc_service(SERVICE, pb_grpc, servicer)
    return [replace(service, on_stop=follower.stop) if follower else service]
