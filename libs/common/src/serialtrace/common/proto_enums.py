"""A service's proto enums as its domain's StrEnums, and the type stub that shows the type
checker their members.

Each domain enum is its proto enum's values without the `<ENUM>_` prefix and the
UNSPECIFIED zero, in proto order, and each member's value is its name: what the tables
store and the rules compare. A service's enums.py builds them from the proto descriptors
when it is imported (`globals().update(build(PROTO_ENUMS, __name__))`), so the values
are written once, in the proto. The type checker reads the members from enums.pyi beside
it, which `make proto` rewrites (`python -m serialtrace.common.proto_enums <module>...`);
a test fails when a committed stub has drifted from the protos.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, cast

from serialtrace.common.protomap import enum_str


@dataclass(frozen=True)
class Renamed:
    """A proto enum the domain calls by a name of its own (e.g. warehouse's Custody for
    the wire's CustodyStatus)."""

    name: str
    proto: Any


def names(proto: Any) -> list[str]:
    """The value names of a generated enum (EnumTypeWrapper) without prefix and zero."""
    return [n for v in proto.DESCRIPTOR.values if (n := enum_str(proto, v.number))]


def _named(entry: Any) -> tuple[str, Any]:
    """The domain name and the proto enum of a PROTO_ENUMS entry."""
    if isinstance(entry, Renamed):
        return entry.name, entry.proto
    return entry.DESCRIPTOR.name, entry


def build(entries: Sequence[Any], module: str) -> dict[str, type[StrEnum]]:
    """The StrEnum of each proto enum (or Renamed one), by its name, as members of `module`."""
    built: dict[str, type[StrEnum]] = {}
    for name, proto in map(_named, entries):
        # The functional API, which mypy reads as a member lookup: enums.pyi types these.
        members = [(n, n) for n in names(proto)]
        built[name] = cast(type[StrEnum], StrEnum(name, members, module=module))
    return built


def stub_path(module: str) -> Path:
    """Where the type stub of an enums module lives: beside it, as `<module>.pyi`."""
    source = importlib.import_module(module).__file__
    assert source is not None
    return Path(source).with_suffix(".pyi")


def render(module: str) -> str:
    """The source of the type stub of the enums module `module` for the current protos."""
    entries = importlib.import_module(module).PROTO_ENUMS
    classes = [
        f"# {proto.DESCRIPTOR.full_name}\nclass {name}(StrEnum):\n"
        + "".join(f'    {n} = "{n}"\n' for n in names(proto))
        for name, proto in map(_named, entries)
    ]
    header = (
        f'"""The members of {module} for the type checker, generated from the proto\n'
        'enums by serialtrace.common.proto_enums (`make proto`): do not edit."""\n\n'
        "from enum import StrEnum\nfrom typing import Any\n\n"
        "PROTO_ENUMS: tuple[Any, ...]\n\n"
    )
    return header + "\n".join(classes)


def main(modules: Sequence[str]) -> None:
    """`python -m serialtrace.common.proto_enums <module>...` rewrites each one's stub."""
    for module in modules:
        stub_path(module).write_text(render(module))
        print(f"wrote {stub_path(module)}")


if __name__ == "__main__":
    # Through the imported module, whose Renamed the enums modules' entries are.
    importlib.import_module("serialtrace.common.proto_enums").main(sys.argv[1:])
