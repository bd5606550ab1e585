"""Evidence packages: one zip an auditor checks offline, with no service running.

Layout (every path below is listed in manifest.json with its SHA-256 and size):

  manifest.json            what the package is about, and every other file's SHA-256
  trace.json               the trace as the graph answered it
  ledger/<service>.json    the entries the trace rests on (`cited`), and every entry
                           from each of them up to the nearest signed checkpoint
                           (`entries`), with which checkpoint each one links to (`links`)
  checkpoints.json         those signed checkpoints
  public-key.pem           the Ed25519 key that signed them
  report.html, report.pdf  the same trace for people

`verify_package` checks it all: the manifest's hashes, each checkpoint's signature,
each entry's own hash, and every link from a cited entry up to its checkpoint.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from serialtrace.common import checkpoints, ledger_entries
from serialtrace.common.checkpoints import Checkpoint
from serialtrace.common.timeutil import iso

FORMAT = "serialtrace.evidence.v1"
MANIFEST = "manifest.json"
TRACE = "trace.json"
CHECKPOINTS = "checkpoints.json"
PUBLIC_KEY = "public-key.pem"
LEDGER_DIR = "ledger/"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def json_bytes(value: Any) -> bytes:
    """Stable, readable JSON for the package's files: sorted keys, indented by two per
    level, except that an object or array holding only scalars (a ledger entry, a
    checkpoint, a list of seqs) is written on one line. A ledger file is then one line
    per entry, and is written by the json module's C encoder: `indent` would switch to
    its pure-Python one, which took most of a unit package's build time. A `OneLine`
    in `value` is such a line written already (`one_line`), and is put in as it is."""
    return (_readable(value, "\n") + "\n").encode()


class OneLine(str):
    """An object or array `json_bytes` writes on one line, written already: a ledger
    entry kept as its line (a few hundred bytes) rather than as a dict of ten strings
    (about four times that), while a big package's tens of thousands are gathered."""

    __slots__ = ()


_one_line = json.JSONEncoder(sort_keys=True, ensure_ascii=False).encode
_SCALARS = (str, int, float, bool, type(None))


def one_line(value: Mapping[str, Any] | list[Any]) -> OneLine:
    """`value` (of scalars only) as `json_bytes` writes it inside a file."""
    return OneLine(_one_line(value))


def _readable(value: Any, newline: str) -> str:
    members: Iterable[Any]
    if isinstance(value, OneLine):
        return value
    if isinstance(value, dict):
        members = value.values()
    elif isinstance(value, (list, tuple)):
        members = value
    else:
        return _one_line(value)
    if not members or all(isinstance(m, _SCALARS) and not isinstance(m, OneLine) for m in members):
        return _one_line(value)
    inner = newline + "  "
    if isinstance(value, dict):
        items = [
            f"{inner}{_one_line(str(key))}: {_readable(value[key], inner)}" for key in sorted(value)
        ]
        return "{" + ",".join(items) + newline + "}"
    # Joined with the separator rather than each member prefixed: a ledger file's tens
    # of thousands of lines are not copied once more before the join.
    return (
        "[" + inner + ("," + inner).join(_readable(item, inner) for item in value) + newline + "]"
    )


def nearest_checkpoints(cited: Iterable[int], signed_seqs: Iterable[int]) -> dict[int, int | None]:
    """For each cited seq, the smallest signed seq at or after it (None: not signed yet)."""
    ordered = sorted(set(signed_seqs))
    links: dict[int, int | None] = {}
    for seq in sorted(set(cited)):
        at = bisect.bisect_left(ordered, seq)
        links[seq] = ordered[at] if at < len(ordered) else None
    return links


def link_ranges(links: Mapping[int, int | None]) -> list[tuple[int, int]]:
    """The merged seq ranges that hold every cited entry and its path to a checkpoint."""
    spans = sorted((seq, end if end is not None else seq) for seq, end in links.items())
    merged: list[tuple[int, int]] = []
    for first, last in spans:
        if merged and first <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def entry_json(entry: ledger_entries.Entry, service: str) -> dict[str, Any]:
    return {
        "service": service,
        "seq": entry.seq,
        "at": iso(entry.at),
        "actor": entry.actor,
        "action": entry.action,
        "entity_type": entry.entity_type,
        "entity_id": entry.entity_id,
        "payload": entry.payload,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


def checkpoint_from_json(item: Mapping[str, Any]) -> Checkpoint:
    return Checkpoint(
        service=str(item["service"]),
        seq=int(item["seq"]),
        hash=str(item["hash"]),
        signed_at=datetime.fromisoformat(str(item["signed_at"])),
        key_id=str(item["key_id"]),
        signature=str(item["signature"]),
    )


def write_package(path: Path, files: Mapping[str, bytes], about: Mapping[str, Any]) -> bytes:
    """Writes the zip with its manifest; returns the manifest's bytes."""
    body = {
        **about,
        "format": FORMAT,
        "files": [
            {"path": name, "sha256": sha256(data), "bytes": len(data)}
            for name, data in sorted(files.items())
        ],
    }
    manifest = manifest_bytes(body)
    # Level 1: a unit package's 9 MB of JSON deflate in half the time of the default
    # level, to a zip 15 % larger (1.1 MB instead of 0.97 MB).
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr(MANIFEST, manifest)
        for name, data in sorted(files.items()):
            archive.writestr(name, data)
    return manifest


def manifest_bytes(body: Mapping[str, Any]) -> bytes:
    """The manifest in canonical JSON with a digest of itself, so that a change to any
    byte of it is named as a change to the manifest (not as one to the file it lists).
    Not a signature: whoever rewrites a file can rewrite the manifest too; what they
    cannot rewrite is the ledger entries' links to the signed checkpoints."""
    unsigned = {k: v for k, v in body.items() if k != "manifest_sha256"}
    digest = sha256(ledger_entries.canonical_json(unsigned).encode("utf-8"))
    return (ledger_entries.canonical_json({**unsigned, "manifest_sha256": digest}) + "\n").encode()


class EvidenceError(Exception):
    """The package does not verify; the message names the file, entry or link."""


@dataclass(frozen=True)
class PackageSummary:
    subject: str
    files: int
    cited_entries: int
    checkpoints: int
    key_id: str


def verify_package(path: Path) -> PackageSummary:
    """Checks an evidence package offline; raises EvidenceError at the first failure."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise EvidenceError(f"{path}: not a readable zip ({exc})") from None
    with archive:
        contents = {info.filename: archive.read(info) for info in archive.infolist()}
    files = _check_manifest(contents)
    public_key = _public_key(files)
    signed = _checkpoints(files, public_key)
    cited = 0
    for name in sorted(n for n in files if n.startswith(LEDGER_DIR)):
        cited += _check_ledger_file(name, files[name], signed)
    _check_trace_cites_ledger(files, contents[MANIFEST])
    manifest = json.loads(contents[MANIFEST])
    return PackageSummary(
        subject=str(manifest.get("subject", {}).get("label", "")),
        files=len(files),
        cited_entries=cited,
        checkpoints=len(signed),
        key_id=checkpoints.key_id(public_key),
    )


def _json(name: str, data: bytes) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        raise EvidenceError(f"{name}: not valid JSON") from None


def _check_manifest(contents: Mapping[str, bytes]) -> dict[str, bytes]:
    if MANIFEST not in contents:
        raise EvidenceError(f"{MANIFEST}: missing from the package")
    manifest = _json(MANIFEST, contents[MANIFEST])
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise EvidenceError(f"{MANIFEST}: not a {FORMAT} manifest")
    if manifest_bytes(manifest) != contents[MANIFEST]:
        raise EvidenceError(f"{MANIFEST}: changed (it does not match its own digest)")
    listed: dict[str, str] = {}
    for item in manifest.get("files", []):
        listed[str(item["path"])] = str(item["sha256"])
    for name in sorted(contents):
        if name != MANIFEST and name not in listed:
            raise EvidenceError(f"{name}: in the package but not in the manifest")
    for name, digest in sorted(listed.items()):
        if name not in contents:
            raise EvidenceError(f"{name}: listed in the manifest but missing")
        if sha256(contents[name]) != digest:
            raise EvidenceError(f"{name}: SHA-256 does not match the manifest (file changed)")
    for required in (TRACE, CHECKPOINTS, PUBLIC_KEY):
        if required not in listed:
            raise EvidenceError(f"{required}: missing from the package")
    return {name: contents[name] for name in listed}


def _public_key(files: Mapping[str, bytes]) -> Any:
    try:
        return checkpoints.load_public_key_pem(files[PUBLIC_KEY].decode("ascii"))
    except (ValueError, UnicodeDecodeError):
        raise EvidenceError(f"{PUBLIC_KEY}: not an Ed25519 public key in PEM") from None


def _checkpoints(files: Mapping[str, bytes], public_key: Any) -> dict[tuple[str, int], Checkpoint]:
    signed: dict[tuple[str, int], Checkpoint] = {}
    for item in _json(CHECKPOINTS, files[CHECKPOINTS]):
        try:
            checkpoint = checkpoint_from_json(item)
        except (KeyError, ValueError, TypeError):
            raise EvidenceError(f"{CHECKPOINTS}: an item is not a checkpoint") from None
        problem = checkpoints.signature_problem(checkpoint, public_key)
        if problem:
            raise EvidenceError(f"{CHECKPOINTS}: {checkpoint.service} {problem}")
        signed[(checkpoint.service, checkpoint.seq)] = checkpoint
    return signed


def _entry(name: str, item: Mapping[str, Any]) -> ledger_entries.Entry:
    try:
        return ledger_entries.Entry(
            seq=int(item["seq"]),
            at=datetime.fromisoformat(str(item["at"])),
            actor=str(item["actor"]),
            action=str(item["action"]),
            entity_type=str(item["entity_type"]),
            entity_id=str(item["entity_id"]),
            payload=str(item["payload"]),
            prev_hash=str(item["prev_hash"]),
            hash=str(item["hash"]),
        )
    except (KeyError, ValueError, TypeError):
        raise EvidenceError(f"{name}: an entry lacks a field or has a malformed one") from None


def _check_ledger_file(name: str, data: bytes, signed: Mapping[tuple[str, int], Checkpoint]) -> int:
    body = _json(name, data)
    service = str(body.get("service", ""))
    entries: dict[int, ledger_entries.Entry] = {}
    for item in body.get("entries", []):
        entry = _entry(name, item)
        recomputed = entry.recomputed_hash()
        if recomputed != entry.hash:
            raise EvidenceError(
                f"{name}: {service} entry {entry.seq}: content does not match its hash"
            )
        entries[entry.seq] = entry
    links = {int(k): v for k, v in body.get("links", {}).items()}
    for seq in body.get("cited", []):
        if seq not in entries:
            raise EvidenceError(f"{name}: {service} entry {seq} is cited but not included")
        end = links.get(seq)
        if end is None:
            raise EvidenceError(
                f"{name}: {service} entry {seq} links to no signed checkpoint "
                "(it was not signed when the package was made)"
            )
        _check_link(name, service, entries, seq, int(end), signed)
    return len(body.get("cited", []))


def _check_link(
    name: str,
    service: str,
    entries: Mapping[int, ledger_entries.Entry],
    first: int,
    last: int,
    signed: Mapping[tuple[str, int], Checkpoint],
) -> None:
    checkpoint = signed.get((service, last))
    if checkpoint is None:
        raise EvidenceError(f"{name}: {service} entry {first} links to checkpoint {last}, absent")
    for seq in range(first, last):
        after = entries.get(seq + 1)
        if after is None:
            raise EvidenceError(
                f"{name}: {service} entry {seq + 1} is missing from the link {first}→{last}"
            )
        if after.prev_hash != entries[seq].hash:
            raise EvidenceError(
                f"{name}: {service} entry {seq}: its hash is not the prev_hash of entry "
                f"{seq + 1}; the chain to checkpoint {last} is broken at entry {seq}"
            )
    if entries[last].hash != checkpoint.hash:
        raise EvidenceError(
            f"{name}: {service} entry {last}: its hash is not the one signed in checkpoint "
            f"{service}@{last}"
        )


def _check_trace_cites_ledger(files: Mapping[str, bytes], manifest: bytes) -> None:
    """Every audit entry the trace shows is one of the verified ledger entries."""
    verified: set[tuple[str, int, str]] = set()
    for name in (n for n in files if n.startswith(LEDGER_DIR)):
        body = json.loads(files[name])
        by_seq = {int(item["seq"]): str(item["hash"]) for item in body.get("entries", [])}
        for seq in body.get("cited", []):
            verified.add((str(body.get("service")), int(seq), by_seq[int(seq)]))
    for shown in _audit_entries_in(json.loads(files[TRACE])):
        if shown not in verified:
            service, seq, _ = shown
            raise EvidenceError(
                f"{TRACE}: shows {service} entry {seq}, which no ledger file cites and verifies"
            )


def _audit_entries_in(value: Any) -> Iterable[tuple[str, int, str]]:
    if isinstance(value, dict):
        if {"service", "seq", "hash", "prevHash"} <= value.keys():
            yield str(value["service"]), int(value["seq"]), str(value["hash"])
            return
        for child in value.values():
            yield from _audit_entries_in(child)
    elif isinstance(value, list):
        for child in value:
            yield from _audit_entries_in(child)
