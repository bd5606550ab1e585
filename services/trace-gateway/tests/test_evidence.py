"""Evidence packages: built by the gateway from the real services, saved by
`serialtrace evidence`, verified offline by `serialtrace verify-evidence`."""

from __future__ import annotations

import argparse
import io
import json
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from serialtrace.common import evidence, ledger
from serialtrace.common.evidence_cli import run_evidence, run_verify_evidence
from serialtrace.common.testing import TEST_JWT_SECRET
from serialtrace.core.v1 import core_pb2
from serialtrace.gateway.evidence import rests_on
from serialtrace.testing import (
    ADMIN,
    AUDITOR,
    QUALITY,
    GraphClient,
    GraphFactory,
    RunningSuite,
    build_and_ship,
    codes,
)


@pytest.fixture(scope="module")
def built(suite: RunningSuite) -> dict[str, Any]:
    return build_and_ship(GraphFactory(GraphClient(suite.url)))


def cli_env(suite: RunningSuite) -> dict[str, str]:
    url = urllib.parse.urlsplit(suite.url)
    return {
        "SERIALTRACE_JWT_SECRET": TEST_JWT_SECRET,
        "GATEWAY_HOST": url.hostname or "127.0.0.1",
        "GATEWAY_PORT": str(url.port),
    }


def make(suite: RunningSuite, out: Path, subject: str, *keys: str) -> int:
    fields = {"unit": ("sku", "serial"), "lot": ("sku", "lot_number"), "recall": ("recall_id",)}
    args = argparse.Namespace(
        subject=subject, out=out, token=AUDITOR, **dict(zip(fields[subject], keys, strict=True))
    )
    return run_evidence(args, cli_env(suite), io.StringIO())


def verify(path: Path) -> tuple[int, str]:
    printed = io.StringIO()
    code = run_verify_evidence(argparse.Namespace(file=path), None, printed)
    return code, printed.getvalue()


def rewrite(source: Path, target: Path, change: dict[str, bytes]) -> None:
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as changed:
        for info in original.infolist():
            changed.writestr(info.filename, change.get(info.filename, original.read(info)))


@pytest.fixture(scope="module")
def unit_package(
    suite: RunningSuite, built: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    out = tmp_path_factory.mktemp("evidence") / "unit.zip"
    fg = built["fg"]
    assert make(suite, out, "unit", fg["sku"], fg["serial"]) == 0
    return out


def test_a_unit_package_holds_the_trace_its_ledger_links_and_a_report(
    unit_package: Path, built: dict[str, Any]
) -> None:
    with zipfile.ZipFile(unit_package) as archive:
        names = set(archive.namelist())
        trace = json.loads(archive.read("trace.json"))
        html = archive.read("report.html").decode()
        pdf = archive.read("report.pdf")
        production = json.loads(archive.read("ledger/production.json"))
        signed = json.loads(archive.read("checkpoints.json"))
    assert names >= {
        "manifest.json",
        "trace.json",
        "checkpoints.json",
        "public-key.pem",
        "report.html",
        "report.pdf",
        "ledger/masterdata.json",
        "ledger/production.json",
        "ledger/warehouse.json",
        "ledger/quality.json",
    }
    fg, sub = built["fg"], built["sub"]
    subject = trace["units"][f"{fg['sku']}:{fg['serial']}"]
    assert f"{sub['sku']}:{sub['serial']}" in trace["units"]  # the subassembly's own trace
    assert subject["shipment"]["carrier"] == "DHL"
    assert {op["operation"] for op in subject["operations"]} == {"FINAL_TEST"}
    # Every entry the trace shows is cited, and each cited one links to a checkpoint.
    shown = {(e["service"], e["seq"]) for e in subject["auditTrail"]}
    assert {("production", s) for s in production["cited"]} >= {
        x for x in shown if x[0] == "production"
    }
    assert all(production["links"][str(s)] is not None for s in production["cited"])
    assert {c["service"] for c in signed} == {"masterdata", "production", "warehouse", "quality"}
    assert pdf.startswith(b"%PDF-")
    assert "FINAL_TEST at TEST-3" in html and "test record reviewed" in html
    assert f"{sub['sku']} / {sub['serial']}" in html and "SHIPPED" in html


def test_a_package_verifies_offline(unit_package: Path) -> None:
    code, printed = verify(unit_package)
    assert code == 0, printed
    assert printed.startswith("ok: unit ")


def test_changing_one_byte_of_any_file_fails_naming_that_file(
    unit_package: Path, tmp_path: Path
) -> None:
    with zipfile.ZipFile(unit_package) as archive:
        contents = {name: archive.read(name) for name in archive.namelist()}
    for name, data in contents.items():
        flipped = bytearray(data)
        flipped[len(data) // 2] ^= 0x01
        target = tmp_path / f"{name.replace('/', '_')}.zip"
        rewrite(unit_package, target, {name: bytes(flipped)})
        code, printed = verify(target)
        assert code == 1, name
        assert printed.startswith(f"FAILED: {name}: "), printed


def test_an_entry_changed_with_its_hash_breaks_the_link_and_is_named(
    unit_package: Path, tmp_path: Path
) -> None:
    with zipfile.ZipFile(unit_package) as archive:
        contents = {name: archive.read(name) for name in archive.namelist()}
    body = json.loads(contents["ledger/production.json"])
    seq = body["cited"][0]
    (entry,) = [e for e in body["entries"] if e["seq"] == seq]
    entry["payload"] = '{"forged":true}'
    entry["hash"] = ledger.entry_hash(
        entry["seq"],
        datetime.fromisoformat(entry["at"]),
        entry["actor"],
        entry["action"],
        entry["entity_type"],
        entry["entity_id"],
        entry["payload"],
        entry["prev_hash"],
    )
    forged = evidence.json_bytes(body)
    # Whoever forges an entry can also fix the manifest (it is not signed) ...
    manifest = json.loads(contents["manifest.json"])
    for item in manifest["files"]:
        if item["path"] == "ledger/production.json":
            item["sha256"], item["bytes"] = evidence.sha256(forged), len(forged)
    target = tmp_path / "forged.zip"
    rewrite(
        unit_package,
        target,
        {"ledger/production.json": forged, "manifest.json": evidence.manifest_bytes(manifest)},
    )
    code, printed = verify(target)
    # ... but not the chain from the entry to the signed checkpoint.
    assert code == 1
    assert printed.startswith(f"FAILED: ledger/production.json: production entry {seq}")


def test_lot_and_recall_packages_verify(
    suite: RunningSuite, built: dict[str, Any], tmp_path: Path
) -> None:
    factory = GraphFactory(GraphClient(suite.url))
    factory.setup_master_data()
    lot_out, recall_out = tmp_path / "lot.zip", tmp_path / "recall.zip"
    assert make(suite, lot_out, "lot", factory.resin, factory.lot) == 0
    assert verify(lot_out)[0] == 0
    recall = factory.as_(QUALITY).data(
        """mutation($lot: LotKey!) { createRecall(input: {reason: "resin batch", lots: [$lot],
             holdStock: true}) { id } }""",
        {"lot": {"sku": factory.resin, "lotNumber": factory.lot}},
    )["createRecall"]
    assert make(suite, recall_out, "recall", recall["id"]) == 0
    code, printed = verify(recall_out)
    assert code == 0, printed


def test_packages_need_an_auditor_and_a_download_only_serves_its_maker(
    suite: RunningSuite, built: dict[str, Any]
) -> None:
    query = """query($u: UnitKey) { evidencePackage(unit: $u) { downloadUrl sha256 } }"""
    variables = {"u": built["fg"]}
    assert codes(GraphClient(suite.url, QUALITY).errors(query, variables)) == ["FORBIDDEN"]
    both = GraphClient(suite.url, AUDITOR).errors(
        """{ evidencePackage(recallId: "1", unit: {sku: "A", serial: "B"}) { sha256 } }"""
    )
    assert codes(both) == ["BAD_USER_INPUT"]
    package = GraphClient(suite.url, AUDITOR).data(query, variables)["evidencePackage"]
    base = suite.url.removesuffix("/graphql")

    def get(token: str) -> int:
        request = urllib.request.Request(  # noqa: S310 - the test's own gateway
            base + package["downloadUrl"], headers={"Authorization": f"Bearer {token}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as reply:  # noqa: S310
                data = reply.read()
                assert evidence.sha256(data) == package["sha256"]
                return int(reply.status)
        except urllib.error.HTTPError as error:
            return int(error.code)

    assert get(AUDITOR) == 200
    assert get(ADMIN) == 404  # another caller


def test_a_unit_package_leaves_out_a_lots_uses_in_other_units() -> None:
    def lot_entry(payload: dict[str, Any]) -> Any:
        return core_pb2.AuditEntry(entity_type="lot", payload_json=json.dumps(payload))

    ours = {"FG:1", "SUB:7"}
    received = lot_entry({"location": "BIN-1", "quantity": 100.0})
    into_ours = lot_entry({"parent": "SUB/7", "quantity": 1.0})
    issued_to_ours = lot_entry({"quantity": 1.0, "reference": "FG/1"})
    into_another = lot_entry({"parent": "SUB/8", "quantity": 1.0})
    issued_to_another = lot_entry({"quantity": 1.0, "reference": "FG/2"})
    kept = [rests_on(e, ours) for e in (received, into_ours, issued_to_ours)]
    assert kept == [True, True, True]
    assert [rests_on(e, ours) for e in (into_another, issued_to_another)] == [False, False]
    # A lot's or a recall's package rests on every entry it cites.
    assert rests_on(into_another, None)
    unit = core_pb2.AuditEntry(entity_type="unit", payload_json='{"parent": "SUB/8"}')
    assert rests_on(unit, ours)
