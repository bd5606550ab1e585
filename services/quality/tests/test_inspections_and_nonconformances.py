"""Inspections and nonconformance reports with e-signed closure."""

from __future__ import annotations

from typing import Any

import grpc

from serialtrace.common.testing import rpc_error, unique
from serialtrace.core.v1 import core_pb2
from serialtrace.quality.v1 import quality_pb2 as qa

Plant = Any


def test_inspections_by_kind_with_the_caller_as_inspector(plant: Plant) -> None:
    unit = core_pb2.UnitKey(sku="FG", serial=unique("U"))
    lot = core_pb2.LotKey(sku="RESIN", lot_number=unique("L"))
    quality = plant.quality("quality", sub="ines")
    incoming = quality.RecordInspection(
        qa.RecordInspectionRequest(
            kind=qa.INSPECTION_KIND_INCOMING,
            lot=lot,
            result=core_pb2.RESULT_PASS,
            measurements_json='{"viscosity": 410}',
        )
    ).inspection
    final = quality.RecordInspection(
        qa.RecordInspectionRequest(
            kind=qa.INSPECTION_KIND_FINAL, unit=unit, result=core_pb2.RESULT_FAIL
        )
    ).inspection
    assert (incoming.inspector, final.inspector) == ("ines", "ines")
    assert incoming.measurements_json == '{"viscosity":410}'
    got = (
        plant.quality("viewer")
        .BatchGetInspections(qa.BatchGetInspectionsRequest(units=[unit], lots=[lot]))
        .inspections
    )
    assert sorted(i.id for i in got) == sorted([incoming.id, final.id])
    # A FAIL opens nothing by itself: the unit is not held.
    [s] = (
        plant.quality("viewer")
        .BatchGetQualityStatus(qa.BatchGetQualityStatusRequest(units=[unit]))
        .statuses
    )
    assert s.status == qa.QUALITY_STATUS_OK


def test_inspection_subject_must_fit_its_kind_and_role(plant: Plant) -> None:
    unit = core_pb2.UnitKey(sku="FG", serial="U1")
    wrong = rpc_error(
        plant.quality("quality").RecordInspection,
        qa.RecordInspectionRequest(
            kind=qa.INSPECTION_KIND_INCOMING, unit=unit, result=core_pb2.RESULT_PASS
        ),
    )
    assert wrong.code() == grpc.StatusCode.INVALID_ARGUMENT and "lot" in wrong.details()
    denied = rpc_error(
        plant.quality("operator").RecordInspection,
        qa.RecordInspectionRequest(
            kind=qa.INSPECTION_KIND_FINAL, unit=unit, result=core_pb2.RESULT_PASS
        ),
    )
    assert denied.code() == grpc.StatusCode.PERMISSION_DENIED


def test_scrap_disposition_rejects_and_closure_is_signed(plant: Plant) -> None:
    unit = core_pb2.UnitKey(sku="FG", serial=unique("U"))
    quality = plant.quality("quality", sub="nora")
    ncr = quality.OpenNonconformance(
        qa.OpenNonconformanceRequest(units=[unit], description="cracked housing")
    ).nonconformance
    no_disposition = rpc_error(
        quality.CloseNonconformance, qa.CloseNonconformanceRequest(id=ncr.id, meaning="done")
    )
    assert no_disposition.code() == grpc.StatusCode.FAILED_PRECONDITION
    closed = quality.CloseNonconformance(
        qa.CloseNonconformanceRequest(
            id=ncr.id, meaning="scrapped after review", disposition=qa.DISPOSITION_SCRAP
        )
    )
    assert (closed.nonconformance.closure.by, closed.nonconformance.opened_by) == ("nora", "nora")
    [s] = (
        plant.quality("viewer")
        .BatchGetQualityStatus(qa.BatchGetQualityStatusRequest(units=[unit]))
        .statuses
    )
    assert s.status == qa.QUALITY_STATUS_REJECTED
