"""Signed checkpoints of an audit ledger's head, and checking a chain against them.

The hash chain alone catches an entry edited in place, but not a removed tail nor a
chain rewritten with every later hash recomputed: both leave a chain that links up.
A checkpoint is an Ed25519 signature over (service, seq, hash, signed_at) of the head
at some moment, as Certificate Transparency signs its tree heads. Whoever lacks the
key cannot make one, so once a head is signed, the entry at that seq must keep that
hash for as long as the ledger lives.

Everything here is plain computation (no database, no files): the ledger, the
verify-evidence command and the tests all share it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from serialtrace.common.ledger_entries import canonical_json
from serialtrace.common.timeutil import iso

# Names the signed statement's layout, so a signature over anything else never verifies.
STATEMENT_KIND = "serialtrace.ledger-checkpoint.v1"


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement: `service`'s ledger had head `seq` with hash `hash` at `signed_at`."""

    service: str
    seq: int
    hash: str
    signed_at: datetime
    key_id: str
    signature: str  # base64 of the 64-byte Ed25519 signature

    def as_json(self) -> dict[str, object]:
        return {
            "service": self.service,
            "seq": self.seq,
            "hash": self.hash,
            "signed_at": iso(self.signed_at),
            "key_id": self.key_id,
            "signature": self.signature,
        }


def statement(service: str, seq: int, head_hash: str, signed_at: datetime) -> bytes:
    """The exact bytes a checkpoint signs (canonical JSON, UTF-8)."""
    return canonical_json(
        {
            "kind": STATEMENT_KIND,
            "service": service,
            "seq": seq,
            "hash": head_hash,
            "signed_at": iso(signed_at),
        }
    ).encode("utf-8")


def key_id(public_key: Ed25519PublicKey) -> str:
    """SHA-256 (hex) of the raw 32-byte public key: how a checkpoint names its key."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def public_key_pem(public_key: Ed25519PublicKey) -> str:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def load_public_key_pem(pem: str) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM (SubjectPublicKeyInfo); ValueError otherwise."""
    key = serialization.load_pem_public_key(pem.encode("ascii"))
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("the public key is not an Ed25519 key")
    return key


def sign(
    private_key: Ed25519PrivateKey, service: str, seq: int, head_hash: str, signed_at: datetime
) -> Checkpoint:
    """Signs one ledger head."""
    signature = private_key.sign(statement(service, seq, head_hash, signed_at))
    return Checkpoint(
        service=service,
        seq=seq,
        hash=head_hash,
        signed_at=signed_at,
        key_id=key_id(private_key.public_key()),
        signature=base64.b64encode(signature).decode("ascii"),
    )


def signature_problem(checkpoint: Checkpoint, public_key: Ed25519PublicKey) -> str | None:
    """None when `checkpoint` is signed by `public_key`; otherwise what is wrong."""
    if checkpoint.key_id != key_id(public_key):
        return (
            f"checkpoint at seq {checkpoint.seq} names key {checkpoint.key_id[:16]}…, "
            f"not the trusted key {key_id(public_key)[:16]}…"
        )
    try:
        raw = base64.b64decode(checkpoint.signature, validate=True)
        public_key.verify(
            raw,
            statement(checkpoint.service, checkpoint.seq, checkpoint.hash, checkpoint.signed_at),
        )
    except (InvalidSignature, binascii.Error, ValueError):
        return f"checkpoint at seq {checkpoint.seq} has a signature that does not verify"
    return None


@dataclass(frozen=True)
class CheckpointFinding:
    """The first place where a chain and its signed checkpoints disagree."""

    seq: int
    problem: str


class CheckpointMatcher:
    """Checks a ledger, read once in seq order, against its signed checkpoints.

    Feed it, in seq order, the (seq, hash) of every verified entry that a checkpoint
    names (`by_seq`; other entries may be skipped) with `see`, then call `finish` with
    the chain's last seq. Checkpoints of another service or with a bad signature are findings in
    themselves: they are in the ledger's store, and only tampering puts them there.
    """

    def __init__(
        self, service: str, checkpoints: Iterable[Checkpoint], public_key: Ed25519PublicKey
    ) -> None:
        self.service = service
        self.finding: CheckpointFinding | None = None
        self.by_seq: dict[int, list[Checkpoint]] = {}
        self.count = 0
        self.latest: Checkpoint | None = None
        for checkpoint in sorted(checkpoints, key=lambda c: (c.seq, c.signed_at)):
            problem = (
                f"checkpoint at seq {checkpoint.seq} is signed for the {checkpoint.service} "
                f"ledger, not {service}"
                if checkpoint.service != service
                else signature_problem(checkpoint, public_key)
            )
            if problem:
                self._found(checkpoint.seq, problem)
                continue
            self.count += 1
            self.by_seq.setdefault(checkpoint.seq, []).append(checkpoint)
            if self.latest is None or (checkpoint.seq, checkpoint.signed_at) > (
                self.latest.seq,
                self.latest.signed_at,
            ):
                self.latest = checkpoint
        self._last_matched_seq = 0

    def _found(self, seq: int, problem: str) -> None:
        if self.finding is None or seq < self.finding.seq:
            self.finding = CheckpointFinding(seq, problem)

    def see(self, seq: int, entry_hash: str) -> None:
        """One entry of the chain, in seq order."""
        for checkpoint in self.by_seq.get(seq, ()):
            if checkpoint.hash != entry_hash:
                self._found(
                    seq,
                    f"entry {seq} no longer has the hash signed at "
                    f"{iso(checkpoint.signed_at)}: an entry in {self._last_matched_seq + 1}..{seq} "
                    "was rewritten and the hashes after it recomputed",
                )
                return
        if seq in self.by_seq:
            self._last_matched_seq = seq

    def finish(self, last_seq: int) -> CheckpointFinding | None:
        """The first disagreement, once the whole chain (ending at `last_seq`) was seen."""
        if self.latest is not None and self.latest.seq > last_seq:
            self._found(
                last_seq + 1,
                f"the ledger ends at seq {last_seq}, but a checkpoint signed at "
                f"{iso(self.latest.signed_at)} covers seq {self.latest.seq}: entries "
                f"{last_seq + 1}..{self.latest.seq} were removed",
            )
        return self.finding
