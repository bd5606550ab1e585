"""`serialtrace evidence unit|lot|recall … --out FILE` (asks the gateway to build the
package and downloads it) and `serialtrace verify-evidence FILE` (offline)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TextIO

from serialtrace.common import evidence
from serialtrace.common.config import ConfigError

QUERY = """query Evidence($unit: UnitKey, $lot: LotKey, $recallId: ID) {
  evidencePackage(unit: $unit, lot: $lot, recallId: $recallId) {
    fileName sha256 sizeBytes downloadUrl } }"""
TIMEOUT_SECONDS = 300.0


def add_commands(commands: Any) -> dict[str, Callable[[argparse.Namespace], int]]:
    make = commands.add_parser(
        "evidence", help="build an evidence package through the gateway and save it"
    )
    subjects = make.add_subparsers(dest="subject", required=True)
    for name, fields in (
        ("unit", ("sku", "serial")),
        ("lot", ("sku", "lot_number")),
        ("recall", ("recall_id",)),
    ):
        one = subjects.add_parser(name, help=f"the package for one {name}")
        for field in fields:
            one.add_argument(field, metavar=field.upper())
        one.add_argument("--out", type=Path, required=True, help="where to write the zip")
        one.add_argument(
            "--token",
            help="an auditor or admin bearer token (default: SERIALTRACE_TOKEN, else one "
            "minted for a minute from SERIALTRACE_JWT_SECRET)",
        )
    check = commands.add_parser(
        "verify-evidence", help="check an evidence package offline (exit 1 names what fails)"
    )
    check.add_argument("file", type=Path)
    kpi = commands.add_parser(
        "kpi", help="print the data-governance indicators (through the gateway)"
    )
    kpi.add_argument("--token", help="an auditor, quality or admin token (as for evidence)")
    kpi.add_argument("--json", action="store_true", help="print the graph's answer as JSON")
    return {"evidence": run_evidence, "verify-evidence": run_verify_evidence, "kpi": run_kpi}


def variables(args: argparse.Namespace) -> dict[str, Any]:
    if args.subject == "unit":
        return {"unit": {"sku": args.sku, "serial": args.serial}}
    if args.subject == "lot":
        return {"lot": {"sku": args.sku, "lotNumber": args.lot_number}}
    return {"recallId": args.recall_id}


def _request(url: str, token: str, body: bytes | None = None) -> bytes:
    request = urllib.request.Request(  # noqa: S310 - the configured gateway's own URL
        url,
        data=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST" if body is not None else "GET",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as reply:  # noqa: S310
            return bytes(reply.read())
    except urllib.error.HTTPError as error:
        detail = error.read()[:300].decode("utf-8", "replace")
        raise ConfigError(f"the gateway answered {error.code}: {detail}") from None
    except (urllib.error.URLError, OSError) as error:
        raise ConfigError(f"cannot reach the gateway at {url}: {error}") from None


def _data_or_report(answer: dict[str, Any], command: str) -> dict[str, Any] | None:
    """The graph's data, or None once its first error is reported on stderr."""
    if not answer.get("errors"):
        return dict(answer["data"])
    error = answer["errors"][0]
    code = error.get("extensions", {}).get("code", "ERROR")
    print(f"serialtrace {command}: {code}: {error.get('message')}", file=sys.stderr)
    return None


def run_evidence(
    args: argparse.Namespace, env: Mapping[str, str] | None = None, out: TextIO = sys.stdout
) -> int:
    from serialtrace.common.audit_cli import bearer
    from serialtrace.common.cli import gateway_url

    env = os.environ if env is None else env
    token = bearer(args.token, env)
    base = gateway_url(env)
    body = json.dumps({"query": QUERY, "variables": variables(args)}).encode()
    answer = json.loads(_request(f"{base}/graphql", token, body))
    graph = _data_or_report(answer, "evidence")
    if graph is None:
        return 1
    package = graph["evidencePackage"]
    data = _request(f"{base}{package['downloadUrl']}", token)
    if evidence.sha256(data) != package["sha256"]:
        print("serialtrace evidence: the download does not match its SHA-256", file=sys.stderr)
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    print(f"wrote {args.out} ({package['sizeBytes']} bytes, sha256 {package['sha256']})", file=out)
    return 0


KPI_QUERY = """{ governance { completeness units changeTraceability traceP50Ms traceP95Ms
  recallScopeMsMean recallHandlingHoursMean auditPreparationMsLast auditPreparationMsMean
  consistency { name ok offenderCount offenders(first: 5) cached computedAt } } }"""


def _number(value: Any, unit: str = "", digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}{unit}"


def run_kpi(
    args: argparse.Namespace, env: Mapping[str, str] | None = None, out: TextIO = sys.stdout
) -> int:
    from serialtrace.common.audit_cli import bearer
    from serialtrace.common.cli import gateway_url

    env = os.environ if env is None else env
    body = json.dumps({"query": KPI_QUERY}).encode()
    answer = json.loads(_request(f"{gateway_url(env)}/graphql", bearer(args.token, env), body))
    graph = _data_or_report(answer, "kpi")
    if graph is None:
        return 1
    found = graph["governance"]
    if args.json:
        print(json.dumps(found, indent=2, sort_keys=True), file=out)
        return 0
    rows = [
        ("completeness", f"{found['completeness'] * 100:.1f}% of {found['units']} units"),
        ("change traceability", f"{found['changeTraceability'] * 100:.1f}% of ledger entries"),
        (
            "trace response time",
            f"p50 {_number(found['traceP50Ms'], ' ms')}, p95 {_number(found['traceP95Ms'], ' ms')}"
            " (last hour)",
        ),
        (
            "recall handling",
            f"scope {_number(found['recallScopeMsMean'], ' ms')} mean, "
            f"resolved in {_number(found['recallHandlingHoursMean'], ' h', 2)} mean",
        ),
        (
            "audit preparation",
            f"last {_number(found['auditPreparationMsLast'], ' ms', 0)}, "
            f"mean {_number(found['auditPreparationMsMean'], ' ms', 0)}",
        ),
    ]
    for name, value in rows:
        print(f"{name:<22} {value}", file=out)
    print("consistency", file=out)
    for check in found["consistency"]:
        verdict = "ok" if check["ok"] else f"{check['offenderCount']} offender(s)"
        if check["cached"]:  # its facts were slow to compute: say how old they are
            verdict += f" (as computed at {check['computedAt']})"
        print(f"  {'✓' if check['ok'] else '✗'} {check['name']}: {verdict}", file=out)
        for offender in check["offenders"]:
            print(f"      {offender}", file=out)
    return 0 if all(check["ok"] for check in found["consistency"]) else 1


def run_verify_evidence(
    args: argparse.Namespace, env: Mapping[str, str] | None = None, out: TextIO = sys.stdout
) -> int:
    try:
        summary = evidence.verify_package(args.file)
    except evidence.EvidenceError as failure:
        print(f"FAILED: {failure}", file=out)
        return 1
    print(
        f"ok: {summary.subject}: {summary.files} files match the manifest, "
        f"{summary.cited_entries} ledger entries link to {summary.checkpoints} signed "
        f"checkpoint(s) of key {summary.key_id}",
        file=out,
    )
    return 0
