"""Is the committed schema still what clients rely on?

Two checks over SDL text, both with graphql-core's `find_breaking_changes`:

- `breaking`: the committed schema (services/trace-gateway/schema.graphql) against its
  version on another git ref (main by default), as `buf breaking` does for proto/.
  `make lint` runs it; it says so and passes when the ref or the file is not there.
- `contract`: the committed schema against a contract: a core SDL, extended in order by
  the chosen parts of an extension file (parts start at lines `# --- <title>`).

    python -m serialtrace.gateway.schema_check breaking [--against REF]
    python -m serialtrace.gateway.schema_check contract CORE.graphql \
        [--next NEXT.graphql --part TITLE ...]

Exit status 0 when nothing breaks, 1 listing each breaking change, 2 on unusable input.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from graphql import (
    GraphQLError,
    GraphQLSchema,
    build_schema,
    extend_schema,
    find_breaking_changes,
    find_dangerous_changes,
    parse,
)

# The committed SDL snapshot (a gateway test fails when the code's schema drifts from it).
SNAPSHOT = Path(__file__).resolve().parents[3] / "schema.graphql"

PART_MARKER = "# --- "


class SchemaCheckError(Exception):
    """The input cannot be checked (unparsable SDL, unknown part...)."""


@dataclass(frozen=True)
class Part:
    title: str
    sdl: str


def schema_from(sdl: str, what: str) -> GraphQLSchema:
    try:
        return build_schema(sdl)
    except (GraphQLError, TypeError) as exc:
        raise SchemaCheckError(f"{what} is not a valid GraphQL schema: {exc}") from None


def breaking_changes(old: GraphQLSchema, new: GraphQLSchema) -> list[str]:
    """What a client of `old` would find broken in `new`, one line per change."""
    return [
        f"{change.type.name}: {change.description}" for change in find_breaking_changes(old, new)
    ]


def dangerous_changes(old: GraphQLSchema, new: GraphQLSchema) -> list[str]:
    """Changes that break no valid query but may change what a client sees."""
    return [
        f"{change.type.name}: {change.description}" for change in find_dangerous_changes(old, new)
    ]


def split_parts(text: str) -> list[Part]:
    """The parts of an extension file, in order; text before the first marker (the
    file's own introduction) belongs to no part."""
    parts: list[Part] = []
    title: str | None = None
    lines: list[str] = []
    for line in text.splitlines():
        if line.startswith(PART_MARKER):
            if title is not None:
                parts.append(Part(title, "\n".join(lines)))
            title, lines = line[len(PART_MARKER) :].strip(), []
        elif title is not None:
            lines.append(line)
    if title is not None:
        parts.append(Part(title, "\n".join(lines)))
    return parts


def select_parts(parts: Sequence[Part], wanted: Sequence[str]) -> list[Part]:
    """The parts named by `wanted`, in the file's order. Each entry is a piece of one
    part's title (case-insensitive) and must name exactly one part."""
    chosen: set[str] = set()
    for piece in wanted:
        matches = [p.title for p in parts if piece.strip().lower() in p.title.lower()]
        if len(matches) != 1:
            found = "no part" if not matches else f"{len(matches)} parts"
            titles = "; ".join(p.title for p in parts) or "none"
            raise SchemaCheckError(
                f"--part {piece!r} names {found}; it must name exactly one of: {titles}"
            )
        chosen.add(matches[0])
    return [p for p in parts if p.title in chosen]


def contract_schema(core_sdl: str, parts: Sequence[Part] = ()) -> GraphQLSchema:
    """The core contract, then each part applied on top of it in order."""
    schema = schema_from(core_sdl, "the core contract")
    for part in parts:
        try:
            schema = extend_schema(schema, parse(part.sdl))
        except (GraphQLError, TypeError) as exc:
            raise SchemaCheckError(
                f"part {part.title!r} does not extend the contract: {exc}"
            ) from None
    return schema


def sdl_at_ref(ref: str, path: Path) -> tuple[str | None, str]:
    """`path` as committed on git `ref`, or None with the reason it is not there."""
    directory = path.parent
    resolved = _git(directory, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    if resolved is None:
        return None, f"there is no git ref {ref!r} here"
    text = _git(directory, "show", f"{ref}:./{path.name}")
    if text is None:
        return None, f"{ref} has no {path.name} in {directory.name}/"
    return text, f"{ref} ({resolved.strip()[:12]})"


def _git(cwd: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(  # noqa: S603 - fixed git subcommands, no shell
            ["git", *args],  # noqa: S607 - git from PATH, as a developer runs it
            cwd=cwd,
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError:
        return None
    return done.stdout if done.returncode == 0 else None


def _report(problems: list[str], notes: list[str], ok: str, failed: str) -> int:
    for note in notes:
        print(f"  note (not breaking) {note}")
    if problems:
        print(failed, file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(ok)
    return 0


def check_breaking(schema_path: Path, against: str) -> int:
    old_sdl, where = sdl_at_ref(against, schema_path)
    if old_sdl is None:
        print(f"schema breaking-change check skipped: {where}")
        return 0
    old = schema_from(old_sdl, f"{schema_path.name} on {against}")
    new = schema_from(schema_path.read_text(), str(schema_path))
    return _report(
        breaking_changes(old, new),
        dangerous_changes(old, new),
        f"{schema_path.name}: no breaking change against {where}",
        f"{schema_path.name} breaks what clients of {where} rely on:",
    )


def check_contract(schema_path: Path, core: Path, next_file: Path | None, wanted: list[str]) -> int:
    parts: list[Part] = []
    if wanted:
        if next_file is None:
            raise SchemaCheckError("--part needs --next, the file the parts come from")
        parts = select_parts(split_parts(next_file.read_text()), wanted)
    contract = contract_schema(core.read_text(), parts)
    actual = schema_from(schema_path.read_text(), str(schema_path))
    applied = "".join(f"\n  + {p.title}" for p in parts)
    return _report(
        breaking_changes(contract, actual),
        [],
        f"{schema_path.name} satisfies {core.name}{applied}",
        f"{schema_path.name} does not satisfy {core.name}{applied}\nmissing or incompatible:",
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m serialtrace.gateway.schema_check",
        description="Is the committed schema still what clients rely on?",
    )
    parser.add_argument("--schema", type=Path, default=SNAPSHOT, help="the schema checked")
    commands = parser.add_subparsers(dest="command", required=True)
    breaking = commands.add_parser("breaking", help="against the schema on a git ref")
    breaking.add_argument("--against", default="main", help="git ref (default: main)")
    contract = commands.add_parser("contract", help="against a contract SDL and parts")
    contract.add_argument("core", type=Path, help="the core contract SDL")
    contract.add_argument("--next", type=Path, help="the file the parts come from")
    contract.add_argument(
        "--part", action="append", default=[], help="a piece of a binding part's title (repeat)"
    )
    args = parser.parse_args(argv)
    try:
        if args.command == "breaking":
            return check_breaking(args.schema, args.against)
        return check_contract(args.schema, args.core, args.next, args.part)
    except (SchemaCheckError, OSError) as exc:
        print(f"schema check: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())


__all__ = [
    "SNAPSHOT",
    "Part",
    "SchemaCheckError",
    "breaking_changes",
    "contract_schema",
    "select_parts",
    "split_parts",
]
