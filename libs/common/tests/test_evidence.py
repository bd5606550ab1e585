"""Evidence packages without any service: linking entries to checkpoints, and what the
offline verifier says of a package made here by hand."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from serialtrace.common import checkpoints, evidence, ledger

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def test_each_cited_entry_links_to_the_nearest_checkpoint_at_or_after_it() -> None:
    links = evidence.nearest_checkpoints([3, 10, 11, 25], [10, 20])
    assert links == {3: 10, 10: 10, 11: 20, 25: None}
    assert evidence.link_ranges(links) == [(3, 20), (25, 25)]
    assert evidence.link_ranges({1: 2, 8: 9}) == [(1, 2), (8, 9)]


def chain(n: int) -> list[ledger.Entry]:
    entries, prev = [], ledger.GENESIS_HASH
    for seq in range(1, n + 1):
        at = T0 + timedelta(seconds=seq)
        payload = ledger.canonical_json({"n": seq})
        digest = ledger.entry_hash(seq, at, "alice", "x.done", "unit", "A:1", payload, prev)
        entries.append(
            ledger.Entry(seq, at, "alice", "x.done", "unit", "A:1", payload, prev, digest)
        )
        prev = digest
    return entries


def package(tmp_path: Path, cited: list[int], signed_at: int = 6, **change: Any) -> Path:
    entries = chain(8)
    checkpoint = checkpoints.sign(
        change.get("key", KEY), "quality", signed_at, entries[signed_at - 1].hash, T0
    )
    links = evidence.nearest_checkpoints(cited, [signed_at])
    included = [
        evidence.entry_json(e, "quality")
        for e in entries
        if any(first <= e.seq <= last for first, last in evidence.link_ranges(links))
    ]
    if "drop" in change:
        included = [e for e in included if e["seq"] != change["drop"]]
    files = {
        "trace.json": evidence.json_bytes({"kind": "unit", "units": {}}),
        "checkpoints.json": evidence.json_bytes([checkpoint.as_json()]),
        "public-key.pem": checkpoints.public_key_pem(KEY.public_key()).encode(),
        "ledger/quality.json": evidence.json_bytes(
            {
                "service": "quality",
                "cited": cited,
                "links": {str(k): v for k, v in links.items()},
                "entries": included,
            }
        ),
    }
    path = tmp_path / "package.zip"
    evidence.write_package(path, files, {"subject": {"label": "unit A 1"}})
    return path


def test_a_package_made_by_hand_verifies(tmp_path: Path) -> None:
    summary = evidence.verify_package(package(tmp_path, [2, 5]))
    assert (summary.cited_entries, summary.checkpoints, summary.files) == (2, 1, 4)


def test_an_entry_after_the_newest_checkpoint_is_named_as_unsigned(tmp_path: Path) -> None:
    with pytest.raises(evidence.EvidenceError, match="quality entry 7 links to no signed"):
        evidence.verify_package(package(tmp_path, [2, 7]))


def test_a_missing_link_entry_is_named(tmp_path: Path) -> None:
    with pytest.raises(evidence.EvidenceError, match="quality entry 4 is missing from the link"):
        evidence.verify_package(package(tmp_path, [2], drop=4))


def test_checkpoints_signed_by_another_key_fail(tmp_path: Path) -> None:
    other = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
    with pytest.raises(evidence.EvidenceError, match=r"checkpoints\.json: quality checkpoint"):
        evidence.verify_package(package(tmp_path, [2], key=other))


def test_the_trace_may_show_only_entries_the_ledger_files_verify(tmp_path: Path) -> None:
    path = package(tmp_path, [2])
    with zipfile.ZipFile(path) as archive:
        files = {n: archive.read(n) for n in archive.namelist() if n != "manifest.json"}
    shown = {"service": "quality", "seq": 3, "hash": "ab" * 32, "prevHash": "cd" * 32}
    files["trace.json"] = evidence.json_bytes({"kind": "unit", "units": {"A:1": [shown]}})
    evidence.write_package(path, files, {"subject": {"label": "unit A 1"}})
    with pytest.raises(evidence.EvidenceError, match=r"trace\.json: shows quality entry 3"):
        evidence.verify_package(path)


def test_package_json_is_sorted_indented_and_one_line_per_ledger_entry() -> None:
    entries = [evidence.entry_json(e, "quality") for e in chain(3)]
    body = {"service": "quality", "cited": [1, 3], "links": {"1": 3, "3": 3}, "entries": entries}
    text = evidence.json_bytes(body).decode()
    assert json.loads(text) == body
    lines = text.splitlines()
    assert lines[0] == "{" and lines[1] == '  "cited": [1, 3],' and lines[-1] == "}"
    assert [line for line in lines if '"seq"' in line] == [
        "    " + json.dumps(e, sort_keys=True, ensure_ascii=False) + ("," if e["seq"] < 3 else "")
        for e in entries
    ]
    nested = {"b": {"é": [{"x": None}, []]}, "a": float("1.5")}
    assert (
        evidence.json_bytes(nested)
        == (
            '{\n  "a": 1.5,\n  "b": {\n    "é": [\n      {"x": null},\n      []\n    ]\n  }\n}\n'
        ).encode()
    )


def test_entries_written_as_lines_already_give_the_same_file() -> None:
    entries = [evidence.entry_json(e, "quality") for e in chain(3)]
    body = {"service": "quality", "cited": [1, 3], "links": {"1": 3, "3": 3}, "entries": entries}
    lines = {**body, "entries": [evidence.one_line(e) for e in entries]}
    assert evidence.json_bytes(lines) == evidence.json_bytes(body)
    # A line among other members, and alone: still as the value it stands for.
    mixed = {"a": [evidence.one_line({"x": 1}), {"y": [1, {"z": 2}]}], "b": evidence.one_line([])}
    plain = {"a": [{"x": 1}, {"y": [1, {"z": 2}]}], "b": []}
    assert evidence.json_bytes(mixed) == evidence.json_bytes(plain)
    assert json.loads(evidence.json_bytes(mixed)) == plain
