"""Capture over gRPC: jobs, error behaviours, identity and repeats, immutability."""

from __future__ import annotations

import hashlib
import json
import time

import grpc
from sqlalchemy import text

from serialtrace.common.testing import rpc_error, sql_engine
from serialtrace.epcis.event_hash import event_hash
from serialtrace.epcis.testing import Repository, document, object_event, raw, serial, sgtin
from serialtrace.epcis.v1 import epcis_pb2 as pb

PROCEED = pb.CAPTURE_ERROR_BEHAVIOUR_PROCEED


def capture(repo: Repository, doc: dict, behaviour: int = 0) -> pb.CaptureJob:
    reply = repo.as_("operator").Capture(
        pb.CaptureRequest(document_json=raw(doc), capture_error_behaviour=behaviour)
    )
    assert reply.HasField("job"), reply.violations
    return wait(repo, reply.job.capture_id)


def wait(repo: Repository, capture_id: str) -> pb.CaptureJob:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job = repo.as_("viewer").GetCaptureJob(pb.GetCaptureJobRequest(capture_id=capture_id)).job
        if not job.running:
            return job
        time.sleep(0.02)
    raise AssertionError("the capture job did not finish in 30 s")


def events_of(repo: Repository, epc: str) -> list[dict]:
    reply = repo.as_("viewer").QueryEvents(
        pb.QueryEventsRequest(parameters=[pb.QueryParameter(name="MATCH_anyEPC", argument=epc)])
    )
    return [json.loads(e.event_json) for e in reply.events]


def test_a_document_is_captured_and_events_without_id_get_their_hash(
    repository: Repository,
) -> None:
    epc = sgtin(serial())
    first, second = (
        object_event(epc),
        object_event(
            epc, bizStep="receiving", eventID="urn:uuid:5f1ac3f6-0a2e-4c7e-9d3b-0a0b0c0d0e01"
        ),
    )
    job = capture(repository, document(first, second))
    assert (job.success, job.event_count, job.captured_count, list(job.errors)) == (True, 2, 2, [])
    stored = events_of(repository, epc)
    assert [e["eventID"] for e in stored] == [event_hash(first), second["eventID"]]
    assert all(e["recordTime"].endswith("Z") for e in stored)


def test_the_same_document_captured_twice_changes_nothing(repository: Repository) -> None:
    epc = sgtin(serial())
    doc = document(object_event(epc), object_event(epc, bizStep="receiving"))
    assert capture(repository, doc).captured_count == 2
    again = capture(repository, doc)
    assert (again.success, again.captured_count) == (True, 0)
    assert len(events_of(repository, epc)) == 2


def test_rollback_refuses_the_whole_document_for_one_bad_event(repository: Repository) -> None:
    epc = sgtin(serial())
    doc = document(object_event(epc), object_event(epc, bizStep="transforming"))
    reply = repository.as_("operator").Capture(pb.CaptureRequest(document_json=raw(doc)))
    assert not reply.HasField("job")
    assert [(v.event_index, v.pointer) for v in reply.violations] == [
        (1, "/epcisBody/eventList/1/bizStep")
    ]
    assert events_of(repository, epc) == []


def test_proceed_stores_the_valid_events_and_reports_each_invalid_one(
    repository: Repository,
) -> None:
    epc = sgtin(serial())
    doc = document(
        object_event(epc, bizStep="transforming"),
        object_event(epc),
        object_event(epc, eventTime="22-07-2026"),
    )
    job = capture(repository, doc, PROCEED)
    assert (job.success, job.captured_count) == (False, 1)
    assert [(e.event_index, e.pointer) for e in job.errors] == [
        (0, "/epcisBody/eventList/0/bizStep"),
        (2, "/epcisBody/eventList/2/eventTime"),
    ]
    assert [e["bizStep"] for e in events_of(repository, epc)] == ["shipping"]


def test_another_event_under_a_stored_event_id_is_refused(repository: Repository) -> None:
    epc = sgtin(serial())
    event_id = f"urn:uuid:5f1ac3f6-0a2e-4c7e-9d3b-{abs(hash(epc)) % 10**12:012d}"
    assert capture(repository, document(object_event(epc, eventID=event_id))).success
    job = capture(repository, document(object_event(epc, eventID=event_id, bizStep="receiving")))
    assert (job.success, job.captured_count) == (False, 0)
    assert [(e.code, e.event_id) for e in job.errors] == [("ALREADY_EXISTS", event_id)]


def test_an_error_declaration_is_kept_beside_the_event_it_corrects(repository: Repository) -> None:
    epc = sgtin(serial())
    original = object_event(epc)
    assert capture(repository, document(original)).success
    declared = {
        **original,
        "eventID": event_hash(original),
        "errorDeclaration": {"declarationTime": "2024-05-02T09:00:00Z", "reason": "incorrect_data"},
    }
    assert capture(repository, document(declared)).captured_count == 1
    both = repository.as_("viewer").GetEvent(pb.GetEventRequest(event_id=event_hash(original)))
    events = [json.loads(e.event_json) for e in both.events]
    assert ["errorDeclaration" in e for e in events] == [False, True]
    assert {e["eventID"] for e in events} == {event_hash(original)}


def test_one_event_is_captured_once(repository: Repository) -> None:
    event = object_event(sgtin(serial()))
    reply = repository.as_("quality").CaptureEvent(pb.CaptureEventRequest(event_json=raw(event)))
    assert (reply.event_id, list(reply.violations)) == (event_hash(event), [])
    error = rpc_error(
        repository.as_("quality").CaptureEvent, pb.CaptureEventRequest(event_json=raw(event))
    )
    assert error.code() == grpc.StatusCode.ALREADY_EXISTS
    bad = repository.as_("quality").CaptureEvent(
        pb.CaptureEventRequest(event_json=raw(object_event(action="CREATE")))
    )
    assert bad.event_id == "" and bad.violations[0].pointer == "/action"


def test_a_viewer_may_query_but_not_capture(repository: Repository) -> None:
    error = rpc_error(
        repository.as_("viewer").Capture, pb.CaptureRequest(document_json=raw(document()))
    )
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED


def test_stored_events_cannot_be_changed_and_each_capture_has_an_audit_entry(
    repository: Repository,
) -> None:
    epc = sgtin(serial())
    job = capture(repository, document(object_event(epc), object_event(epc, bizStep="receiving")))
    stored = events_of(repository, epc)
    engine = sql_engine(repository.database_url)
    try:
        with engine.connect() as connection:
            (payload,) = connection.execute(
                text("SELECT payload FROM audit_ledger WHERE entity_id = :id"),
                {"id": job.capture_id},
            ).scalars()
            audited = json.loads(payload)["events"]
            assert [e["eventID"] for e in audited] == [e["eventID"] for e in stored]
            rows = connection.execute(
                text("SELECT event_json FROM epcis_events WHERE capture_id = :id ORDER BY seq"),
                {"id": job.capture_id},
            ).scalars()
            assert [hashlib.sha256(r.encode()).hexdigest() for r in rows] == [
                e["sha256"] for e in audited
            ]
        with engine.begin() as connection:
            try:
                connection.execute(text("UPDATE epcis_events SET biz_step = 'receiving'"))
            except Exception as refused:
                assert "immutable" in str(refused)
            else:
                raise AssertionError("UPDATE of a captured event was not refused")
    finally:
        engine.dispose()


def test_the_same_document_captured_twice_at_once_is_stored_once(repository: Repository) -> None:
    epc = sgtin(serial())
    doc = raw(
        document(*(object_event(epc, eventTime=f"2024-05-01T10:00:{n:02d}Z") for n in range(50)))
    )
    caller = repository.as_("operator")
    first, second = (caller.Capture(pb.CaptureRequest(document_json=doc)).job for _ in range(2))
    jobs = [wait(repository, first.capture_id), wait(repository, second.capture_id)]
    assert [j.success for j in jobs] == [True, True]
    assert sum(j.captured_count for j in jobs) == 50
    assert len(events_of(repository, epc)) == 30  # one page of the 50, each once
    reply = repository.as_("viewer").QueryEvents(
        pb.QueryEventsRequest(
            parameters=[pb.QueryParameter(name="MATCH_epc", argument=epc)], page_size=1000
        )
    )
    ids = [json.loads(e.event_json)["eventID"] for e in reply.events]
    assert len(ids) == len(set(ids)) == 50
