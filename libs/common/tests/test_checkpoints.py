"""Signed checkpoints without I/O: signing, signature checks, matching a chain against
its checkpoints, when the schedule signs, and where the key comes from."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from serialtrace.common import checkpoints
from serialtrace.common.checkpoint_store import checkpoint_due
from serialtrace.common.checkpoints import CheckpointMatcher
from serialtrace.common.config import ConfigError, ServiceSettings, SigningSettings
from serialtrace.common.signing import (
    DEV_KEY_FILE_NAME,
    load_signer,
    parse_private_key,
    private_key_pem,
)

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def chain(n: int, tag: str = "") -> list[tuple[int, str]]:
    """n (seq, hash) pairs standing in for a ledger's entries."""
    return [(seq, hashlib.sha256(f"{tag}{seq}".encode()).hexdigest()) for seq in range(1, n + 1)]


def signed(entries: list[tuple[int, str]], at_seqs: list[int], service: str = "production"):
    by_seq = dict(entries)
    return [
        checkpoints.sign(KEY, service, seq, by_seq[seq], T0 + timedelta(minutes=seq))
        for seq in at_seqs
    ]


def run(entries: list[tuple[int, str]], signed_checkpoints, service: str = "production"):
    matcher = CheckpointMatcher(service, signed_checkpoints, KEY.public_key())
    for seq, digest in entries:
        matcher.see(seq, digest)
    return matcher, matcher.finish(entries[-1][0] if entries else 0)


def test_a_checkpoint_verifies_with_its_key_only() -> None:
    checkpoint = checkpoints.sign(KEY, "quality", 7, "ab" * 32, T0)
    assert checkpoints.signature_problem(checkpoint, KEY.public_key()) is None
    assert "not the trusted key" in (
        checkpoints.signature_problem(checkpoint, OTHER_KEY.public_key()) or ""
    )


@pytest.mark.parametrize(
    "change",
    [
        {"seq": 8},
        {"hash": "cd" * 32},
        {"service": "warehouse"},
        {"signed_at": T0 + timedelta(seconds=1)},
        {"signature": "AAAA"},
        {"signature": "not base64!"},
    ],
)
def test_changing_any_signed_field_breaks_the_signature(change: dict[str, object]) -> None:
    checkpoint = dataclasses.replace(checkpoints.sign(KEY, "quality", 7, "ab" * 32, T0), **change)
    assert "does not verify" in (checkpoints.signature_problem(checkpoint, KEY.public_key()) or "")


def test_an_intact_chain_matches_every_checkpoint() -> None:
    entries = chain(30)
    matcher, finding = run(entries, signed(entries, [10, 20, 30]))
    assert finding is None and matcher.count == 3
    assert matcher.latest is not None and matcher.latest.seq == 30


def test_a_removed_tail_names_the_first_missing_seq() -> None:
    entries = chain(30)
    checkpoints_ = signed(entries, [10, 30])
    _, finding = run(entries[:25], checkpoints_)
    assert finding is not None and finding.seq == 26
    assert "entries 26..30 were removed" in finding.problem


def test_a_removed_tail_that_was_never_signed_goes_unseen() -> None:
    # What checkpoints cannot see: entries after the newest one (hence the schedule).
    entries = chain(30)
    _, finding = run(entries[:25], signed(entries, [20]))
    assert finding is None


def test_a_rewrite_with_recomputed_hashes_names_the_checkpoint_it_breaks() -> None:
    original = chain(30)
    checkpoints_ = signed(original, [10, 20, 30])
    # Entry 14 rewritten and every hash after it recomputed: 14..30 all differ.
    rewritten = original[:13] + chain(30, tag="forged")[13:]
    _, finding = run(rewritten, checkpoints_)
    assert finding is not None and finding.seq == 20
    assert "in 11..20 was rewritten" in finding.problem


def test_a_removed_tail_refilled_with_new_entries_is_a_rewrite() -> None:
    original = chain(30)
    refilled = original[:25] + chain(32, tag="new")[25:]
    _, finding = run(refilled, signed(original, [10, 30]))
    assert finding is not None and finding.seq == 30


def test_a_forged_or_foreign_checkpoint_is_itself_a_finding() -> None:
    entries = chain(10)
    forged = checkpoints.sign(OTHER_KEY, "production", 5, dict(entries)[5], T0)
    foreign = checkpoints.sign(KEY, "quality", 8, dict(entries)[8], T0)
    matcher, finding = run(entries, [*signed(entries, [10]), forged, foreign])
    assert finding is not None and finding.seq == 5 and "not the trusted key" in finding.problem
    assert matcher.count == 1


def test_the_schedule_signs_after_every_n_entries_or_after_the_interval() -> None:
    settings = SigningSettings(key_text=None, key_file=None, every=100, interval_seconds=3600)
    last = checkpoints.sign(KEY, "production", 50, "ab" * 32, T0)
    assert not checkpoint_due(149, last, T0 + timedelta(minutes=5), settings, T0)
    assert checkpoint_due(150, last, T0 + timedelta(minutes=5), settings, T0)
    assert checkpoint_due(50, last, T0 + timedelta(hours=1), settings, T0)
    assert not checkpoint_due(0, None, T0 + timedelta(days=1), settings, T0)
    assert checkpoint_due(3, None, T0 + timedelta(hours=1), settings, T0)
    off = dataclasses.replace(settings, every=0, interval_seconds=0)
    assert not checkpoint_due(10_000, last, T0 + timedelta(days=9), off, T0)


def test_production_refuses_to_start_without_a_signing_key() -> None:
    env = {
        "SERIALTRACE_ENV": "production",
        "SERIALTRACE_JWT_SECRET": "x" * 40,
    }
    with pytest.raises(ConfigError, match="SERIALTRACE_SIGNING_KEY"):
        ServiceSettings.from_env("quality", env)
    settings = ServiceSettings.from_env("quality", {**env, "SERIALTRACE_SIGNING_KEY": "ab" * 32})
    assert "ab" * 32 not in repr(settings)  # the key never reaches a log line


def test_checkpoint_counts_must_not_be_negative() -> None:
    with pytest.raises(ConfigError, match="SERIALTRACE_CHECKPOINT_EVERY"):
        SigningSettings.from_env({"SERIALTRACE_CHECKPOINT_EVERY": "-1"}, "development")


def test_the_key_is_read_as_pem_base64_or_hex_and_anything_else_is_refused() -> None:
    import base64

    seed = bytes(range(32))
    for text in (private_key_pem(KEY).decode(), base64.b64encode(seed).decode(), seed.hex()):
        assert checkpoints.key_id(parse_private_key(text, "K").public_key()) == checkpoints.key_id(
            KEY.public_key()
        )
    with pytest.raises(ConfigError, match="32-byte seed"):
        parse_private_key("too-short", "SERIALTRACE_SIGNING_KEY")


def test_development_generates_one_key_into_the_data_dir_and_keeps_it(tmp_path: Path) -> None:
    settings = SigningSettings(key_text=None, key_file=None, every=0, interval_seconds=0)
    first = load_signer(settings, tmp_path, "development")
    again = load_signer(settings, tmp_path, "development")
    assert first.key_id == again.key_id
    key_file = tmp_path / DEV_KEY_FILE_NAME
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert first.key_id not in repr(first) and first.key_id[:16] in repr(first)
    from_file = load_signer(
        dataclasses.replace(settings, key_file=key_file), tmp_path / "other", "production"
    )
    assert from_file.key_id == first.key_id
