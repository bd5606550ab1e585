"""`serialtrace import template|check|apply|verify|rollback|list`, registered with the
`serialtrace` command through the serialtrace.commands entry point."""

from __future__ import annotations

import argparse
import csv
import os
import sys
from pathlib import Path
from typing import Any

from serialtrace.common.errors import ServiceError
from serialtrace.importer.kinds import KINDS

EXIT_PROBLEMS = 1
EXIT_USAGE = 2


def register(commands: Any) -> None:
    """Adds the `import` subcommand to the `serialtrace` parser's subcommands."""
    parser = commands.add_parser(
        "import", help="migrate a legacy export: template, check, apply, verify, rollback, list"
    )
    parser.add_argument("--token", help="bearer token (default: $SERIALTRACE_TOKEN)")
    verbs = parser.add_subparsers(dest="import_command", required=True)
    template = verbs.add_parser("template", help="write an empty file of each kind into DIR")
    template.add_argument("directory", type=Path)
    check = verbs.add_parser("check", help="dry run: every problem in every file; writes nothing")
    check.add_argument("directory", type=Path)
    check.add_argument("--encoding", choices=("auto", "utf-8", "gb18030"), default="auto")
    apply = verbs.add_parser("apply", help="check, then apply DIR as one batch (resumable)")
    apply.add_argument("directory", type=Path)
    apply.add_argument("--name", help="the batch's name (default: the directory's name)")
    apply.add_argument("--encoding", choices=("auto", "utf-8", "gb18030"), default="auto")
    verify = verbs.add_parser("verify", help="reconcile a batch's rows with the facts present")
    verify.add_argument("batch")
    rollback = verbs.add_parser("rollback", help="take back what a batch created")
    rollback.add_argument("batch")
    verbs.add_parser("list", help="every import batch: name, state, counts, who and when")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.import_command == "template":
        return write_templates(args.directory)
    token = args.token or os.environ.get("SERIALTRACE_TOKEN", "")
    if not token:
        print(
            "serialtrace import: no token; set SERIALTRACE_TOKEN or pass --token", file=sys.stderr
        )
        return EXIT_USAGE
    from serialtrace.importer.client import Services

    services = Services(token)
    try:
        return _dispatch(args, services)
    except ServiceError as exc:
        print(f"serialtrace import: {type(exc).__name__}: {exc.message}", file=sys.stderr)
        return EXIT_PROBLEMS
    finally:
        services.close()


def _dispatch(args: argparse.Namespace, services: Any) -> int:
    from serialtrace.importer import planning

    if args.import_command == "check":
        problems = planning.check_directory(args.directory, services, args.encoding)
        for problem in problems:
            print(problem)
        print(f"{len(problems)} problem(s)", file=sys.stderr)
        return EXIT_PROBLEMS if problems else 0
    from serialtrace.importer import batches

    if args.import_command == "apply":
        return batches.apply_directory(args.directory, services, args.name, args.encoding)
    if args.import_command == "verify":
        return batches.verify_batch(args.batch, services)
    if args.import_command == "rollback":
        return batches.rollback_batch(args.batch, services)
    if args.import_command == "list":
        return batches.list_batches(services)
    raise AssertionError(f"unknown import command {args.import_command}")


def write_templates(directory: Path) -> int:
    """An empty CSV of each kind: the header row, every column, required ones first."""
    directory.mkdir(parents=True, exist_ok=True)
    for kind in KINDS:
        with (directory / kind.file_name).open("w", encoding="utf-8", newline="") as out:
            csv.writer(out).writerow(kind.columns)
        print(directory / kind.file_name)
    return 0
