"""`serialtrace checkpoint`, `serialtrace verify-ledgers` and `serialtrace signing-key`:
the operator's and the auditor's side of signed ledger checkpoints."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, TextIO

import grpc

from serialtrace.common import checkpoints
from serialtrace.common.auth import Role, issue_token
from serialtrace.common.client import CHANNEL_OPTIONS
from serialtrace.common.config import CommonSettings, ConfigError
from serialtrace.common.errors import from_rpc_error
from serialtrace.common.evidence import checkpoint_from_json
from serialtrace.common.ledger_messages import checkpoint_message, checkpoint_of
from serialtrace.common.timeutil import from_timestamp, iso
from serialtrace.core.v1 import core_pb2, core_pb2_grpc

# The actor a self-minted token names in the services' logs.
SCHEDULE_ACTOR = "serialtrace-checkpoint"
DEADLINE_SECONDS = 60.0


def add_commands(commands: Any) -> dict[str, Callable[[argparse.Namespace], int]]:
    """Registers the subcommands on `serialtrace`'s parser; returns their handlers."""
    # Both call every service's ledger, with a token, and keep checkpoints in a file apart.
    for name, does, file_option, file_holds in (
        (
            "checkpoint",
            "sign every service's ledger head now (before a backup or an audit)",
            "--out",
            "also append the signed checkpoints to this JSON-lines file, kept apart",
        ),
        (
            "verify-ledgers",
            "verify every service's ledger against its signed checkpoints",
            "--checkpoints",
            "a JSON-lines file of checkpoints kept outside the databases (from --out)",
        ),
    ):
        command = commands.add_parser(name, help=does)
        command.add_argument(file_option, type=Path, help=file_holds)
        _token_option(command)
    key = commands.add_parser(
        "signing-key", help="make a new Ed25519 checkpoint signing key (PEM, mode 0600)"
    )
    key.add_argument("--out", type=Path, required=True, help="where to write the private key")
    from serialtrace.common import evidence_cli

    return {
        "checkpoint": run_checkpoint,
        "verify-ledgers": run_verify,
        "signing-key": run_keygen,
        **evidence_cli.add_commands(commands),
    }


def _token_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--token",
        help="an auditor or admin bearer token (default: SERIALTRACE_TOKEN, else one "
        "minted for a minute from SERIALTRACE_JWT_SECRET)",
    )


def bearer(explicit: str | None, env: Mapping[str, str] | None = None) -> str:
    """The token to call the services with (see --token)."""
    env = os.environ if env is None else env
    token = explicit or env.get("SERIALTRACE_TOKEN")
    if token:
        return token
    secret = CommonSettings.from_env(env).jwt_secret
    return issue_token(secret, SCHEDULE_ACTOR, [Role.AUDITOR.value], 60)


def ledger_stubs(
    settings: CommonSettings,
) -> Iterator[tuple[str, core_pb2_grpc.LedgerServiceStub, grpc.Channel]]:
    for name, addr in settings.service_addrs.items():
        channel = grpc.insecure_channel(addr.replace("0.0.0.0", "127.0.0.1"), CHANNEL_OPTIONS)  # noqa: S104
        yield name, core_pb2_grpc.LedgerServiceStub(channel), channel


def _each_ledger(
    settings: CommonSettings,
    ask: Callable[[str, core_pb2_grpc.LedgerServiceStub], Any],
    not_done: str,
    out: TextIO,
    failed: list[str],
) -> Iterator[tuple[str, Any]]:
    """Each service's name and its ledger's answer to `ask`, one service at a time; a
    service that cannot answer is reported (`<name>: not <not_done>: ...`) and added to
    `failed`."""
    for name, stub, channel in ledger_stubs(settings):
        try:
            reply = ask(name, stub)
        except grpc.RpcError as error:
            failed.append(name)
            problem = from_rpc_error(error, name)
            print(f"{name}: not {not_done}: {problem.code.name} {problem.message}", file=out)
            continue
        finally:
            channel.close()
        yield name, reply


def run_checkpoint(
    args: argparse.Namespace, env: Mapping[str, str] | None = None, out: TextIO = sys.stdout
) -> int:
    settings = CommonSettings.from_env(env)
    metadata = [("authorization", f"Bearer {bearer(args.token, env)}")]
    failed: list[str] = []
    signed: list[core_pb2.LedgerCheckpoint] = []

    def sign(_name: str, stub: core_pb2_grpc.LedgerServiceStub) -> Any:
        request = core_pb2.SignCheckpointRequest()
        return stub.SignCheckpoint(request, metadata=metadata, timeout=DEADLINE_SECONDS)

    for name, reply in _each_ledger(settings, sign, "signed", out, failed):
        if not reply.HasField("checkpoint"):
            print(f"{name}: ledger is empty, nothing to sign", file=out)
            continue
        checkpoint = reply.checkpoint
        signed.append(checkpoint)
        print(
            f"{name}: signed seq {checkpoint.seq} hash {checkpoint.hash[:16]}… "
            f"key {checkpoint.key_id[:16]}… at {iso(_at(checkpoint))}",
            file=out,
        )
    if args.out is not None and signed:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        with args.out.open("a", encoding="utf-8") as kept:
            for message in signed:
                kept.write(json.dumps(checkpoint_of(message).as_json(), sort_keys=True) + "\n")
        print(f"appended {len(signed)} checkpoint(s) to {args.out}", file=out)
    return 1 if failed else 0


def _at(message: core_pb2.LedgerCheckpoint) -> Any:
    return from_timestamp(message.signed_at)


def read_checkpoint_file(path: Path) -> list[checkpoints.Checkpoint]:
    """Checkpoints from a JSON-lines file written by `serialtrace checkpoint --out`."""
    found: list[checkpoints.Checkpoint] = []
    try:
        lines = path.read_text("utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            found.append(checkpoint_from_json(item))
        except (ValueError, KeyError, TypeError):
            raise ConfigError(f"{path}:{number}: not a checkpoint line") from None
    return found


def run_verify(
    args: argparse.Namespace, env: Mapping[str, str] | None = None, out: TextIO = sys.stdout
) -> int:
    settings = CommonSettings.from_env(env)
    kept = read_checkpoint_file(args.checkpoints) if args.checkpoints else []
    metadata = [("authorization", f"Bearer {bearer(args.token, env)}")]
    failed: list[str] = []

    def verify(name: str, stub: core_pb2_grpc.LedgerServiceStub) -> Any:
        request = core_pb2.VerifyLedgerRequest(
            checkpoints=[checkpoint_message(c) for c in kept if c.service == name]
        )
        return stub.VerifyLedger(request, metadata=metadata, timeout=DEADLINE_SECONDS)

    for name, reply in _each_ledger(settings, verify, "verified", out, failed):
        if reply.ok:
            print(
                f"{name}: ok, {reply.entries} entries, {reply.checkpoints} checkpoint(s), "
                f"signed up to seq {reply.last_checkpoint_seq}, "
                f"{reply.unsigned_entries} not yet signed",
                file=out,
            )
        else:
            failed.append(name)
            print(f"{name}: FAILED at seq {reply.first_broken_seq}: {reply.problem}", file=out)
    return 1 if failed else 0


def run_keygen(
    args: argparse.Namespace, env: Mapping[str, str] | None = None, out: TextIO = sys.stdout
) -> int:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from serialtrace.common.signing import write_private_key

    key = Ed25519PrivateKey.generate()
    try:
        write_private_key(args.out, key)
    except FileExistsError:
        raise ConfigError(f"{args.out} exists; a signing key is never overwritten") from None
    print(f"wrote {args.out} (set SERIALTRACE_SIGNING_KEY_FILE={args.out})", file=out)
    print(f"key id {checkpoints.key_id(key.public_key())}", file=out)
    print(checkpoints.public_key_pem(key.public_key()), end="", file=out)
    return 0
