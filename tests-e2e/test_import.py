"""Migration import end to end: a legacy export (GB18030, Chinese names) checked,
applied through the real services, verified, and traced in the graph; the dry run's
problems with nothing written; an apply killed half-way and run again."""

from __future__ import annotations

import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import grpc
import pytest

from serialtrace.common.db import normalize_url
from serialtrace.common.gs1 import gs1_check_digit
from serialtrace.common.testing import unique
from serialtrace.core.v1.core_pb2 import LotKey, LotQuantity, UnitKey
from serialtrace.masterdata.v1 import masterdata_pb2 as md
from serialtrace.masterdata.v1 import masterdata_pb2_grpc as md_grpc
from serialtrace.production.v1 import production_pb2 as pp
from serialtrace.production.v1 import production_pb2_grpc as pp_grpc
from serialtrace.testing import ADMIN, AUDITOR, GraphClient, ProcessSuite
from serialtrace.warehouse.v1 import warehouse_pb2 as wh
from serialtrace.warehouse.v1 import warehouse_pb2_grpc as wh_grpc


def run_import(
    suite: ProcessSuite, *args: str, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "serialtrace.common.cli", "import", *args],
        env={**suite.env, "SERIALTRACE_TOKEN": ADMIN},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def write(directory: Path, name: str, lines: list[str], encoding: str = "gb18030") -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))


def _new_gln() -> str:
    body = f"409{secrets.randbelow(10**9):09d}"
    return body + str(gs1_check_digit(body))


class Legacy:
    """A small legacy ERP/MES export: names unique to this run."""

    def __init__(self) -> None:
        tag = unique("L")
        self.ctrl, self.pcba, self.res, self.cap = (
            f"{p}-{tag}" for p in ("CTRL", "PCBA", "RES", "CAP")
        )
        self.sup, self.cust, self.site, self.wh = (
            f"{p}-{tag}" for p in ("SUP", "CUST", "SITE", "WH")
        )
        self.lot_res, self.lot_cap = f"R{tag}", f"C{tag}"
        self.cust_gln = _new_gln()

    def files(self, directory: Path) -> None:
        write(
            directory,
            "products.csv",
            [
                "sku,name,kind,tracking,serial_pattern,required_attributes",
                f"{self.ctrl},工业控制器,FINISHED,SERIAL,CT[0-9]{{6}},firmware",
                f"{self.pcba},主控板,SUBASSEMBLY,SERIAL,PB[0-9]{{6}},",
                f"{self.res},贴片电阻 10kΩ,MATERIAL,LOT,,",
                f"{self.cap},电解电容,MATERIAL,LOT,,",
            ],
        )
        write(
            directory,
            "parties.csv",
            [
                "code,name,kind,gln",
                f"{self.sup},深圳元件供应商,SUPPLIER,",
                f"{self.cust},华东客户,CUSTOMER,{self.cust_gln}",
            ],
        )
        write(
            directory,
            "locations.csv",
            [
                "code,name,kind,parent_code",
                f"{self.wh},原料仓,WAREHOUSE,{self.site}",
                f"{self.site},苏州工厂,SITE,",
            ],
        )
        write(
            directory,
            "boms.csv",
            [
                "sku,revision,component_sku,quantity,approved_by,approved_at,approval_meaning",
                f"{self.ctrl},A,{self.pcba},1,张工,2023-03-01T09:00:00+08:00,批准生产",
                f"{self.ctrl},A,{self.cap},2,张工,2023-03-01T09:00:00+08:00,批准生产",
                f"{self.pcba},A,{self.res},8,,,",
            ],
        )
        write(
            directory,
            "lots.csv",
            [
                "sku,lot_number,supplier_code,supplier_lot_number,produced_at,expires_at,quantity,location_code",
                f"{self.res},{self.lot_res},{self.sup},供应商批次-1,2023-01-05,2026-01-05,5000,{self.wh}",
                f"{self.cap},{self.lot_cap},{self.sup},,2023-01-06,,,",
            ],
        )
        write(
            directory,
            "units.csv",
            [
                "sku,serial,status,created_at,attributes,aliases,location_code",
                f'{self.ctrl},CT000001,COMPLETE,2023-04-01T08:00:00+08:00,"{{""firmware"": ""v1.2""}}",MAC:00-1B-63-84-45-E6,{self.wh}',  # noqa: E501 - one legacy row
                f'{self.ctrl},CT000002,COMPLETE,2023-04-02T08:00:00+08:00,"{{""firmware"": ""v1.3""}}",,{self.wh}',  # noqa: E501 - one legacy row
                f"{self.pcba},PB000001,COMPLETE,2023-03-20T08:00:00+08:00,,,",
                f"{self.pcba},PB000002,COMPLETE,2023-03-21T08:00:00+08:00,,,",
            ],
        )
        write(
            directory,
            "genealogy.csv",
            [
                "parent_sku,parent_serial,installed_at,component_sku,component_serial,lot_sku,lot_number,quantity,installed_by,removed_at,removal_reason",
                f"{self.pcba},PB000001,2023-03-20T10:00:00+08:00,,,{self.res},{self.lot_res},8,李娜,,",
                f"{self.pcba},PB000002,2023-03-21T10:00:00+08:00,,,{self.res},{self.lot_res},8,李娜,,",
                f"{self.ctrl},CT000001,2023-04-01T09:00:00+08:00,{self.pcba},PB000002,,,,王伟,2023-04-01T11:00:00+08:00,返工: 焊点虚焊",  # noqa: E501 - one legacy row
                f"{self.ctrl},CT000001,2023-04-01T12:00:00+08:00,{self.pcba},PB000001,,,,王伟,,",
                f"{self.ctrl},CT000001,2023-04-01T12:05:00+08:00,,,{self.cap},{self.lot_cap},2,王伟,,",
            ],
        )
        write(
            directory,
            "operations.csv",
            [
                "sku,serial,operation,station,operator,started_at,finished_at,result,measurements,approved_by,approved_at,approval_meaning",
                f'{self.ctrl},CT000001,ICT,ICT-01,王伟,2023-04-01T13:00:00+08:00,2023-04-01T13:05:00+08:00,PASS,"{{""电压"": 3.31}}",,,',  # noqa: E501 - one legacy row
                f"{self.ctrl},CT000001,FINAL,FT-02,李娜,,2023-04-01T15:00:00+08:00,PASS,,质检张,2023-04-01T16:00:00+08:00,终检合格",
            ],
        )
        write(
            directory,
            "shipments.csv",
            [
                "sku,serial,customer_code,shipped_at,carrier,tracking_number",
                f"{self.ctrl},CT000002,{self.cust},2023-05-01T10:00:00+08:00,顺丰速运,SF1234567890",
            ],
        )


TRACE = """query($sku: String!, $serial: String!) { unit(sku: $sku, serial: $serial) {
  product { name } createdAt attributes aliases { kind value }
  provenance { importBatchId file row } buildStatus
  operations { operation station operator startedAt finishedAt result measurements
    approval { by at meaning } }
  components(includeRemoved: true) { installedAt installedBy removedAt removalReason
    unit { serial } lot { lotNumber } }
  materialLots { sku lotNumber }
  custodyStatus location { code } movements { kind at reference toLocation { code } }
  shipment { id shippedAt carrier trackingNumber customer { code gln } }
  auditTrail { service action payload } } }"""
BATCHES = """query($id: ID!) { importBatches { id name state }
  importBatch(id: $id) { id name state createdBy createdAt files { file rows applied } } }"""
LEDGERS = "{ verifyAuditLedgers { service entries ok } }"


@pytest.fixture(scope="module")
def imported(suite: ProcessSuite, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    legacy = Legacy()
    directory = tmp_path_factory.mktemp("legacy")
    legacy.files(directory)
    checked = run_import(suite, "check", str(directory))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    applied = run_import(suite, "apply", str(directory), "--name", "第一波")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    batch_id = applied.stdout.strip().splitlines()[-1]
    return {"legacy": legacy, "batch": batch_id, "dir": directory, "apply": applied}


def test_a_gb18030_export_is_imported_and_traced_with_source_times_and_provenance(
    suite: ProcessSuite, imported: dict[str, Any]
) -> None:
    legacy, batch = imported["legacy"], imported["batch"]
    graph = GraphClient(suite.url, AUDITOR)
    unit = graph.data(TRACE, {"sku": legacy.ctrl, "serial": "CT000001"})["unit"]
    assert unit["product"]["name"] == "工业控制器"
    assert unit["createdAt"].startswith("2023-04-01T00:00:00")
    assert unit["attributes"] == {"firmware": "v1.2"}
    assert unit["aliases"] == [{"kind": "MAC", "value": "00-1B-63-84-45-E6"}]
    assert unit["provenance"] == {"importBatchId": batch, "file": "units.csv", "row": 2}
    assert unit["buildStatus"] == "COMPLETE"
    ict, final = unit["operations"]
    assert (ict["operation"], ict["operator"], ict["measurements"]) == (
        "ICT",
        "王伟",
        {"电压": 3.31},
    )
    assert ict["finishedAt"].startswith("2023-04-01T05:05:00")
    assert final["approval"]["by"] == "质检张" and final["approval"]["meaning"] == "终检合格"
    components = {
        (c["unit"] or {}).get("serial") or c["lot"]["lotNumber"]: c for c in unit["components"]
    }
    assert components["PB000002"]["removalReason"] == "返工: 焊点虚焊"
    assert components["PB000002"]["removedAt"].startswith("2023-04-01T03:00:00")
    assert components["PB000001"]["removedAt"] is None
    assert components["PB000001"]["installedBy"] == "王伟"
    assert sorted(lot["lotNumber"] for lot in unit["materialLots"]) == sorted(
        [legacy.lot_res, legacy.lot_cap]
    )
    imported_entries = [e for e in unit["auditTrail"] if e["action"].endswith("imported")]
    assert {(e["service"], e["action"]) for e in imported_entries} >= {
        ("masterdata", "unit.imported"),
        ("production", "unit.imported"),
        ("production", "component.imported"),
        ("production", "operation.imported"),
    }
    assert ("warehouse", "stock.imported") in {
        (e["service"], e["action"]) for e in imported_entries
    }
    for entry in imported_entries:
        assert entry["payload"]["provenance"]["import_batch_id"] == batch
    # In stock where the legacy system had it, received at its legacy time.
    assert unit["custodyStatus"] == "IN_STOCK" and unit["location"]["code"] == legacy.wh
    (receipt,) = unit["movements"]
    assert receipt["kind"] == "RECEIVE" and receipt["at"].startswith("2023-04-01T00:00:00")
    assert receipt["toLocation"]["code"] == legacy.wh


def test_a_legacy_shipment_keeps_its_time_carrier_and_customer(
    suite: ProcessSuite, imported: dict[str, Any]
) -> None:
    legacy = imported["legacy"]
    unit = GraphClient(suite.url, AUDITOR).data(TRACE, {"sku": legacy.ctrl, "serial": "CT000002"})[
        "unit"
    ]
    assert unit["custodyStatus"] == "SHIPPED" and unit["location"] is None
    shipment = unit["shipment"]
    assert shipment["shippedAt"].startswith("2023-05-01T02:00:00")
    assert (shipment["carrier"], shipment["trackingNumber"]) == ("顺丰速运", "SF1234567890")
    assert shipment["customer"] == {"code": legacy.cust, "gln": legacy.cust_gln}
    assert shipment["id"].startswith(f"SH-{imported['batch']}-")
    assert [m["kind"] for m in unit["movements"]] == ["RECEIVE", "SHIP"]


def test_the_batch_is_listed_verified_and_shown_in_the_graph(
    suite: ProcessSuite, imported: dict[str, Any]
) -> None:
    batch = imported["batch"]
    verified = run_import(suite, "verify", batch)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "genealogy: 5 installations consistent" in verified.stdout
    # Two units into stock, one shipped, and one lot's 5,000 into stock.
    assert "stock: 4 receipts and shipments consistent" in verified.stdout
    listed = run_import(suite, "list")
    assert batch in listed.stdout and "VERIFIED" in listed.stdout
    data = GraphClient(suite.url, AUDITOR).data(BATCHES, {"id": batch})
    assert data["importBatch"]["state"] == "VERIFIED"
    assert data["importBatch"]["name"] == "第一波" and data["importBatch"]["createdBy"] == "ada"
    files = {f["file"]: (f["rows"], f["applied"]) for f in data["importBatch"]["files"]}
    assert files["units.csv"] == (4, 4) and files["genealogy.csv"] == (5, 5)
    assert files["boms.csv"] == (3, 3) and files["operations.csv"] == (2, 2)
    assert files["shipments.csv"] == (1, 1)
    assert batch in [b["id"] for b in data["importBatches"]]


def test_the_dry_run_reports_every_kind_of_problem_and_writes_nothing(
    suite: ProcessSuite, imported: dict[str, Any], tmp_path: Path
) -> None:
    legacy = imported["legacy"]
    bad = tmp_path / "bad"
    new = unique("N")
    write(
        bad,
        "products.csv",
        [
            "sku,name,kind,tracking,serial_pattern",
            f"{new},新产品,FINISHED,SERIAL,NX[0-9]{{4}}",
            f"{legacy.ctrl},重复产品,FINISHED,SERIAL,",  # row 3: CONFLICT with the database
        ],
    )
    taken, twice = legacy.cust_gln, _new_gln()
    write(
        bad,
        "parties.csv",
        [
            "code,name,kind,gln",
            f"{new}-A,供应商甲,SUPPLIER,{twice}",
            f"{new}-B,供应商乙,SUPPLIER,{twice}",  # row 3: DUPLICATE within the file
            f"{new}-C,客户丙,CUSTOMER,{taken}",  # row 4: CONFLICT (the database's customer)
            f"{new}-D,客户丁,CUSTOMER,{twice[:-1]}{(int(twice[-1]) + 1) % 10}",  # row 5: BAD_GLN
        ],
    )
    write(
        bad,
        "boms.csv",
        [
            "sku,revision,component_sku,quantity",
            f"{new},A,{legacy.res},8",
            f"{new},B,{legacy.res},abc",  # row 3: BAD_NUMBER
        ],
    )
    write(
        bad,
        "units.csv",
        [
            "sku,serial,created_at,attributes",
            f"{new},NX0001,,",
            f"{new},NX0002,2024-02-30,",  # row 3: BAD_DATE
            f"{new},NX0003,,{{bad",  # row 4: BAD_JSON
            f"{new},XX9,,",  # row 5: PATTERN_MISMATCH
            f"{new},NX0001,,",  # row 6: DUPLICATE
            f'{legacy.ctrl},CT000002,,"{{""firmware"": ""x""}}"',  # row 7: CONFLICT (database)
        ],
    )
    write(
        bad,
        "genealogy.csv",
        [
            "parent_sku,parent_serial,installed_at,component_sku,component_serial,lot_sku,lot_number,quantity,removed_at,removal_reason",
            # row 2: NOT_FOUND parent
            f"{new},NX0404,2024-01-01,,,{legacy.res},{legacy.lot_res},1,,",
            # row 3: TWO_PARENTS (database)
            f"{legacy.ctrl},CT000002,2024-01-01,{legacy.pcba},PB000001,,,,,",
            # row 4: REMOVED_BEFORE_INSTALL
            f"{legacy.ctrl},CT000002,2024-01-01,,,{legacy.cap},{legacy.lot_cap},1,2023-12-01,rework",
            f"{legacy.pcba},PB000002,2024-01-01,{legacy.ctrl},CT000002,,,,,",  # row 5: NOT_IN_BOM
        ],
        encoding="utf-8",
    )
    write(
        bad,
        "operations.csv",
        [
            "sku,serial,operation,station,operator,finished_at,result,measurements",
            f"{legacy.ctrl},CT000001,T,S,O,2024-01-01,PASS,[1]",  # BAD_JSON (not an object)
        ],
    )
    before = GraphClient(suite.url, AUDITOR).data(LEDGERS)["verifyAuditLedgers"]
    checked = run_import(suite, "check", str(bad))
    assert checked.returncode == 1
    lines = checked.stdout.strip().splitlines()
    found = {" ".join(line.split(" ")[:3]) for line in lines}
    assert found == {
        "products.csv:3: sku: CONFLICT",
        "parties.csv:3: gln: DUPLICATE",
        "parties.csv:4: gln: CONFLICT",
        "parties.csv:5: gln: BAD_GLN",
        "boms.csv:3: quantity: BAD_NUMBER",
        "units.csv:3: created_at: BAD_DATE",
        "units.csv:4: attributes: BAD_JSON",
        "units.csv:5: serial: PATTERN_MISMATCH",
        "units.csv:6: serial: DUPLICATE",
        "units.csv:7: serial: CONFLICT",
        "genealogy.csv:2: parent_serial: NOT_FOUND",
        "genealogy.csv:3: component_serial: TWO_PARENTS",
        "genealogy.csv:4: removed_at: REMOVED_BEFORE_INSTALL",
        "genealogy.csv:5: component_sku: NOT_IN_BOM",
        "operations.csv:2: measurements: BAD_JSON",
    }, checked.stdout
    applied = run_import(suite, "apply", str(bad))
    assert applied.returncode == 1 and "nothing applied" in applied.stderr
    after = GraphClient(suite.url, AUDITOR).data(LEDGERS)["verifyAuditLedgers"]
    assert after == before


def _masterdata(suite: ProcessSuite) -> Any:
    return md_grpc.MasterdataServiceStub(grpc.insecure_channel(suite.addrs["masterdata"]))


def _warehouse(suite: ProcessSuite) -> Any:
    return wh_grpc.WarehouseServiceStub(grpc.insecure_channel(suite.addrs["warehouse"]))


def test_an_apply_killed_half_way_resumes_and_writes_each_row_once(
    suite: ProcessSuite, tmp_path: Path
) -> None:
    sku, count, name = unique("KILL"), 3_000, unique("wave")
    write(tmp_path, "products.csv", ["sku,name,kind,tracking", f"{sku},断点续传,FINISHED,SERIAL"])
    write(
        tmp_path,
        "units.csv",
        ["sku,serial,created_at", *(f"{sku},K{n:05d},2023-05-01" for n in range(count))],
    )
    write(
        tmp_path,
        "operations.csv",
        [
            "sku,serial,operation,station,operator,finished_at,result",
            *(f"{sku},K{n:05d},TEST,ST-1,王伟,2023-05-02T08:00:00Z,PASS" for n in range(count)),
        ],
    )
    metadata = [("authorization", f"Bearer {ADMIN}")]
    masterdata = _masterdata(suite)
    production = pp_grpc.ProductionServiceStub(grpc.insecure_channel(suite.addrs["production"]))
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [
            sys.executable,
            "-m",
            "serialtrace.common.cli",
            "import",
            "apply",
            str(tmp_path),
            "--name",
            name,
        ],
        env={**suite.env, "SERIALTRACE_TOKEN": ADMIN},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    batch_id, deadline = "", time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        batches = masterdata.ListImportBatches(
            md.ListImportBatchesRequest(), metadata=metadata
        ).batches
        batch_id = next((b.id for b in batches if b.name == name), "")
        if batch_id:
            # Half-way is anywhere between the first unit and the last operation: units
            # go in a few large calls, so a window of units alone is too short to hit.
            written = sum(
                c.count
                for c in masterdata.CountImportedFacts(
                    md.CountImportedFactsRequest(import_batch_id=batch_id), metadata=metadata
                ).counts
                if c.entity_type == "unit"
            ) + sum(
                c.count
                for c in production.CountImportedFacts(
                    pp.CountImportedFactsRequest(import_batch_id=batch_id), metadata=metadata
                ).counts
                if c.entity_type == "operation"
            )
            if 0 < written < 2 * count:
                process.send_signal(signal.SIGKILL)
                break
        time.sleep(0.02)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL, "the apply finished before it could be killed"

    rerun = run_import(suite, "apply", str(tmp_path), "--name", name)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert rerun.stdout.strip().splitlines()[-1] == batch_id
    verified = run_import(suite, "verify", batch_id)
    assert verified.returncode == 0, verified.stdout
    counts = {
        c.entity_type: c.count
        for c in masterdata.CountImportedFacts(
            md.CountImportedFactsRequest(import_batch_id=batch_id), metadata=metadata
        ).counts
    }
    counts.update(
        (c.entity_type, c.count)
        for c in production.CountImportedFacts(
            pp.CountImportedFactsRequest(import_batch_id=batch_id), metadata=metadata
        ).counts
    )
    assert counts == {"product": 1, "unit": count, "unit_build": count, "operation": count}
    # The first unit, certainly sent before the kill and again after: recorded once.
    ledger = GraphClient(suite.url, AUDITOR).data(
        '{ auditTrail(service: "masterdata", entityType: "unit", '
        f'entityId: "{sku}:K00000") {{ action }} }}'
    )
    assert [e["action"] for e in ledger["auditTrail"]] == ["unit.imported"]


def test_rollback_is_refused_naming_the_facts_that_depend_on_the_batch(
    suite: ProcessSuite, imported: dict[str, Any]
) -> None:
    legacy, batch = imported["legacy"], imported["batch"]
    # Production draws on the lot the batch put into stock: that issue rests on the batch.
    _warehouse(suite).IssueToProduction(
        wh.IssueToProductionRequest(
            lot=LotQuantity(lot=LotKey(sku=legacy.res, lot_number=legacy.lot_res), quantity=100),
            reference="WO-LATER",
            idempotency_key=unique("issue"),
        ),
        metadata=[("authorization", f"Bearer {ADMIN}")],
    )
    before = GraphClient(suite.url, AUDITOR).data(LEDGERS)["verifyAuditLedgers"]
    refused = run_import(suite, "rollback", batch)
    assert refused.returncode == 1
    assert "refused" in refused.stdout
    assert f"lot {legacy.res}/{legacy.lot_res} ISSUE of 100 at " in refused.stdout, refused.stdout
    assert GraphClient(suite.url, AUDITOR).data(LEDGERS)["verifyAuditLedgers"] == before
    unit = GraphClient(suite.url, AUDITOR).data(TRACE, {"sku": legacy.ctrl, "serial": "CT000001"})
    assert unit["unit"]["provenance"]["importBatchId"] == batch


ROLLED_BACK_TRAIL = """query($id: String!) {
  auditTrail(service: "masterdata", entityType: "unit", entityId: $id) { action } }"""


def test_a_rollback_takes_the_batch_back_as_new_ledger_entries_and_it_can_be_applied_again(
    suite: ProcessSuite, tmp_path: Path
) -> None:
    tag = unique("RB")
    fg, part, resin = f"FG-{tag}", f"PT-{tag}", f"RS-{tag}"
    write(
        tmp_path,
        "products.csv",
        [
            "sku,name,kind,tracking",
            f"{fg},回滚成品,FINISHED,SERIAL",
            f"{part},回滚部件,COMPONENT,SERIAL",
            f"{resin},树脂,MATERIAL,LOT",
        ],
    )
    write(
        tmp_path,
        "boms.csv",
        [
            "sku,revision,component_sku,quantity",
            f"{fg},A,{part},1",
            f"{fg},A,{resin},2",
        ],
    )
    write(tmp_path, "parties.csv", ["code,name,kind", f"CU-{tag},回滚客户,CUSTOMER"])
    write(tmp_path, "locations.csv", ["code,name,kind", f"WH-{tag},回滚仓库,WAREHOUSE"])
    write(
        tmp_path,
        "lots.csv",
        [
            "sku,lot_number,produced_at,quantity,location_code",
            f"{resin},LOT-{tag},2021-12-01,40,WH-{tag}",
        ],
    )
    write(
        tmp_path,
        "units.csv",
        [
            "sku,serial,status,location_code",
            f"{fg},S1,COMPLETE,WH-{tag}",
            f"{fg},S2,COMPLETE,WH-{tag}",
            f"{part},P1,,",
            # A purchased part on hand; its legacy status is no build, so it is stock.
            f"{part},P2,COMMISSIONED,WH-{tag}",
        ],
    )
    write(
        tmp_path,
        "shipments.csv",
        ["sku,serial,customer_code,shipped_at", f"{fg},S2,CU-{tag},2022-02-01"],
    )
    write(
        tmp_path,
        "genealogy.csv",
        [
            "parent_sku,parent_serial,installed_at,component_sku,component_serial,lot_sku,lot_number,quantity",
            f"{fg},S1,2022-01-01,{part},P1,,,",
            f"{fg},S1,2022-01-01,,,{resin},LOT-{tag},2",
        ],
    )
    write(
        tmp_path,
        "operations.csv",
        [
            "sku,serial,operation,station,operator,finished_at,result",
            f"{fg},S1,TEST,ST,王伟,2022-01-02,PASS",
        ],
    )
    applied = run_import(suite, "apply", str(tmp_path), "--name", tag)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    batch = applied.stdout.strip().splitlines()[-1]
    warehouse, admin = _warehouse(suite), [("authorization", f"Bearer {ADMIN}")]
    lot = LotKey(sku=resin, lot_number=f"LOT-{tag}")
    (received,) = warehouse.BatchGetLotStock(
        wh.BatchGetLotStockRequest(lots=[lot]), metadata=admin
    ).lots
    assert [(x.location_code, x.quantity) for x in received.levels] == [(f"WH-{tag}", 40)]
    (on_hand,) = warehouse.BatchGetUnitStock(
        wh.BatchGetUnitStockRequest(units=[UnitKey(sku=part, serial="P2")]), metadata=admin
    ).units
    assert (on_hand.custody, on_hand.location_code) == (wh.CUSTODY_STATUS_IN_STOCK, f"WH-{tag}")

    rolled = run_import(suite, "rollback", batch)
    assert rolled.returncode == 0, rolled.stdout + rolled.stderr
    assert "unit: 4 taken back" in rolled.stdout and "component_link: 2 taken back" in rolled.stdout
    assert "unit_stock: 3 taken back" in rolled.stdout
    assert "shipment_unit: 1 taken back" in rolled.stdout
    assert "lot_stock: 1 taken back" in rolled.stdout
    lots = warehouse.BatchGetLotStock(wh.BatchGetLotStockRequest(lots=[lot]), metadata=admin)
    assert list(lots.lots) == [], "the lot's stock is taken back with it"
    graph = GraphClient(suite.url, AUDITOR)
    assert graph.data(TRACE, {"sku": fg, "serial": "S1"})["unit"] is None
    stock = _warehouse(suite).BatchGetUnitStock(
        wh.BatchGetUnitStockRequest(units=[UnitKey(sku=fg, serial=s) for s in ("S1", "S2")]),
        metadata=[("authorization", f"Bearer {ADMIN}")],
    )
    assert list(stock.units) == [], "the batch's stock and shipment are taken back"
    shipped_trail = graph.data(
        '{ auditTrail(service: "warehouse", entityType: "unit", '
        f'entityId: "{fg}:S2") {{ action }} }}'
    )["auditTrail"]
    assert [e["action"] for e in shipped_trail] == [
        "stock.imported",
        "shipment.imported",
        "shipment.import_rolled_back",
        "stock.import_rolled_back",
    ]
    assert graph.data(BATCHES, {"id": batch})["importBatch"]["state"] == "ROLLED_BACK"
    trail = graph.data(ROLLED_BACK_TRAIL, {"id": f"{fg}:S1"})["auditTrail"]
    assert [e["action"] for e in trail] == ["unit.imported", "unit.import_rolled_back"]
    lot_trail = graph.data(
        '{ auditTrail(service: "warehouse", entityType: "lot", '
        f'entityId: "{resin}:LOT-{tag}") {{ action }} }}'
    )["auditTrail"]
    assert [e["action"] for e in lot_trail] == [
        "lot_stock.imported",
        "lot_stock.import_rolled_back",
    ]
    assert all(ledger["ok"] for ledger in graph.data(LEDGERS)["verifyAuditLedgers"])

    again = run_import(suite, "apply", str(tmp_path), "--name", tag)
    assert again.returncode == 0, again.stdout + again.stderr
    second = again.stdout.strip().splitlines()[-1]
    assert second != batch
    unit = graph.data(TRACE, {"sku": fg, "serial": "S1"})["unit"]
    assert unit["provenance"]["importBatchId"] == second
    assert [lot["lotNumber"] for lot in unit["materialLots"]] == [f"LOT-{tag}"]
    (again_stock,) = warehouse.BatchGetLotStock(
        wh.BatchGetLotStockRequest(lots=[lot]), metadata=admin
    ).lots
    assert again_stock.quantity_on_hand == 40


def _small_wave(directory: Path, tag: str, serials: int = 2) -> tuple[str, str]:
    """A finished product and a part with a BOM, `serials` of each, a location, one
    installation and one operation record per finished unit."""
    fg, part = f"FG-{tag}", f"PT-{tag}"
    write(
        directory,
        "products.csv",
        ["sku,name,kind,tracking", f"{fg},成品,FINISHED,SERIAL", f"{part},部件,COMPONENT,SERIAL"],
    )
    write(directory, "boms.csv", ["sku,revision,component_sku,quantity", f"{fg},A,{part},1"])
    write(directory, "locations.csv", ["code,name,kind", f"WH-{tag},仓库,WAREHOUSE"])
    write(
        directory,
        "units.csv",
        [
            "sku,serial,location_code",
            *(f"{fg},S{n},WH-{tag}" for n in range(serials)),
            *(f"{part},P{n}," for n in range(serials)),
        ],
    )
    write(
        directory,
        "genealogy.csv",
        [
            "parent_sku,parent_serial,installed_at,component_sku,component_serial",
            *(f"{fg},S{n},2022-01-01,{part},P{n}" for n in range(serials)),
        ],
    )
    write(
        directory,
        "operations.csv",
        [
            "sku,serial,operation,station,operator,finished_at,result",
            *(f"{fg},S{n},TEST,ST,王伟,2022-01-02,PASS" for n in range(serials)),
        ],
    )
    return fg, part


def test_rollback_is_refused_after_a_later_batch_installs_one_of_its_units_and_names_it(
    suite: ProcessSuite, tmp_path: Path
) -> None:
    tag = unique("DEP")
    fg, part = _small_wave(tmp_path / "first", tag)
    first = run_import(suite, "apply", str(tmp_path / "first"), "--name", tag)
    assert first.returncode == 0, first.stdout + first.stderr
    batch = first.stdout.strip().splitlines()[-1]
    later = tmp_path / "later"
    write(later, "units.csv", ["sku,serial", f"{part},P9"])
    write(
        later,
        "genealogy.csv",
        [
            "parent_sku,parent_serial,installed_at,component_sku,component_serial,removed_at,removal_reason",
            # A part of this later batch goes into the first batch's unit S0.
            f"{fg},S0,2022-03-01,{part},P9,,",
        ],
    )
    second = run_import(suite, "apply", str(later), "--name", f"{tag}-2")
    assert second.returncode == 0, second.stdout + second.stderr
    before = GraphClient(suite.url, AUDITOR).data(LEDGERS)["verifyAuditLedgers"]
    refused = run_import(suite, "rollback", batch)
    assert refused.returncode == 1
    assert f"{part}/P9 installed in {fg}/S0 at 2022-03-01" in refused.stdout, refused.stdout
    assert GraphClient(suite.url, AUDITOR).data(LEDGERS)["verifyAuditLedgers"] == before
    batches = GraphClient(suite.url, AUDITOR).data(BATCHES, {"id": batch})
    assert batches["importBatch"]["state"] == "APPLIED"


def _tamper(url: str, sql: str, **params: Any) -> int:
    """Changes a service's table directly, as no importer or API would."""
    from sqlalchemy import create_engine, text

    engine = create_engine(normalize_url(url))
    try:
        with engine.begin() as connection:
            return int(connection.execute(text(sql), params).rowcount)
    finally:
        engine.dispose()


def test_verify_finds_facts_removed_behind_the_importers_back(
    suite: ProcessSuite, tmp_path: Path
) -> None:
    tag = unique("TAMPER")
    fg, _ = _small_wave(tmp_path, tag)
    applied = run_import(suite, "apply", str(tmp_path), "--name", tag)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    batch = applied.stdout.strip().splitlines()[-1]
    assert run_import(suite, "verify", batch).returncode == 0
    removed = _tamper(
        suite.databases["production"],
        "DELETE FROM operation_records WHERE id IN (SELECT entity_id FROM import_provenance "
        "WHERE batch_id = :batch AND entity_type = 'operation' AND row = 2)",
        batch=batch,
    )
    assert removed == 1
    assert (
        _tamper(
            suite.databases["warehouse"],
            "DELETE FROM unit_stock WHERE sku = :sku AND serial = 'S1'",
            sku=fg,
        )
        == 1
    )
    verified = run_import(suite, "verify", batch)
    assert verified.returncode == 1
    assert "operations.csv: 2 rows read, 1 operation facts present" in verified.stdout
    assert f"stock: {fg}/S1 (units.csv:3): the warehouse does not know the unit" in verified.stdout


def test_an_apply_whose_service_goes_down_stops_cleanly_and_resumes_once_it_is_back(
    suite: ProcessSuite, tmp_path: Path
) -> None:
    tag, count = unique("DOWN"), 1_500
    _small_wave(tmp_path, tag, serials=count)
    metadata = [("authorization", f"Bearer {ADMIN}")]
    masterdata = _masterdata(suite)
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "serialtrace.common.cli", "import", "apply", str(tmp_path)],
        env={**suite.env, "SERIALTRACE_TOKEN": ADMIN},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    killed, deadline = False, time.monotonic() + 180
    try:
        while time.monotonic() < deadline and process.poll() is None:
            batches = masterdata.ListImportBatches(
                md.ListImportBatchesRequest(), metadata=metadata
            ).batches
            batch_id = next((b.id for b in batches if b.name == tmp_path.name), "")
            if batch_id:
                counts = masterdata.CountImportedFacts(
                    md.CountImportedFactsRequest(import_batch_id=batch_id), metadata=metadata
                ).counts
                if any(c.entity_type == "unit" and c.count > 0 for c in counts):
                    suite.kill("production")
                    killed = True
                    break
            time.sleep(0.05)
        _, stderr = process.communicate(timeout=120)
    finally:
        if not killed or "production" not in suite.processes:
            suite.start("production")
    assert killed, "the apply finished before production could be stopped"
    assert process.returncode == 1
    assert "Unavailable" in stderr and "Traceback" not in stderr, stderr
    rerun = run_import(suite, "apply", str(tmp_path))
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    batch_id = rerun.stdout.strip().splitlines()[-1]
    verified = run_import(suite, "verify", batch_id)
    assert verified.returncode == 0, verified.stdout
    assert f"genealogy: {count} installations consistent" in verified.stdout
