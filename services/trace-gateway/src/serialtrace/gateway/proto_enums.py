"""Which proto enums the graph shows, how each is built from its proto, and the generator
of their type stub (types/enums.pyi).

Each graph enum is its proto enum's values without the `<ENUM>_` prefix and the
UNSPECIFIED zero, in proto order, plus the few values only the graph has (listed here,
with why). types/enums.py builds the enums from the proto descriptors when it is
imported, so a value added to a proto enum reaches the graph with the stubs alone; the
type checker reads the members from types/enums.pyi, which `make proto` rewrites
(`python -m serialtrace.gateway.proto_enums`), and a test fails when the committed stub
has drifted from the protos.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import strawberry

from serialtrace.common.protomap import enum_str
from serialtrace.core.v1 import core_pb2
from serialtrace.masterdata.v1 import masterdata_pb2 as md
from serialtrace.production.v1 import production_pb2 as pp
from serialtrace.quality.v1 import quality_pb2 as qa
from serialtrace.warehouse.v1 import warehouse_pb2 as wh

ENUMS_PACKAGE = "serialtrace.gateway.types.enums"
ENUMS_MODULE = Path(__file__).resolve().parent / "types" / "enums.pyi"


@dataclass(frozen=True)
class GraphValue:
    """A value the graph has and the proto enum does not."""

    name: str
    description: str | None = None


@dataclass(frozen=True)
class GraphEnum:
    proto: Any  # the generated EnumTypeWrapper, e.g. md.ProductKind
    first: tuple[GraphValue, ...] = ()
    last: tuple[GraphValue, ...] = ()
    # What a field that cannot be null shows when the service left the value unset.
    unset: str | None = None

    @property
    def name(self) -> str:
        name: str = self.proto.DESCRIPTOR.name
        return name

    def values(self) -> list[GraphValue]:
        from_proto = [enum_str(self.proto, v.number) for v in self.proto.DESCRIPTOR.values]
        return [*self.first, *(GraphValue(n) for n in from_proto if n), *self.last]

    def build(self) -> type[enum.Enum]:
        """The strawberry enum: each member's value is its name (callers send `.value` on)."""
        members = [
            (v.name, v.name if v.description is None else _described(v)) for v in self.values()
        ]
        # mypy reads only literal members of a functional Enum; enums.pyi types these.
        built = enum.Enum(self.name, members, module=ENUMS_PACKAGE)  # type: ignore[misc]
        return strawberry.enum(built)


def _described(value: GraphValue) -> Any:
    return strawberry.enum_value(value.name, description=value.description)


# In the order the module lists them.
GRAPH_ENUMS = (
    GraphEnum(md.ProductKind, unset="COMPONENT"),
    GraphEnum(md.TrackingMode, unset="NONE"),
    GraphEnum(md.Uniqueness, unset="PRODUCT"),
    GraphEnum(md.PartyKind, unset="SUPPLIER"),
    GraphEnum(md.LocationKind, unset="SITE"),
    # Production builds commissioned units only; a purchased unit (masterdata's unit
    # source) has no build, and the graph reports it as PURCHASED.
    GraphEnum(pp.BuildStatus, first=(GraphValue("PURCHASED"),)),
    GraphEnum(
        wh.CustodyStatus,
        last=(
            GraphValue("UNKNOWN", "The warehouse could not be asked; see the response's errors."),
        ),
    ),
    GraphEnum(
        qa.QualityStatus,
        last=(GraphValue("UNKNOWN", "Quality could not be asked; see the response's errors."),),
    ),
    GraphEnum(core_pb2.Result, unset="FAIL"),
    GraphEnum(wh.MovementKind, unset="MOVE"),
    GraphEnum(wh.PackageKind, unset="CARTON"),
    GraphEnum(qa.InspectionKind, unset="IN_PROCESS"),
    GraphEnum(qa.Disposition),
    GraphEnum(qa.RecallStatus, unset="OPEN"),
    GraphEnum(qa.RecallUnitState, unset="IN_PRODUCTION"),
    GraphEnum(md.ImportBatchState),
)

HEADER = '''"""The members of the graph's enums for the type checker, generated from the
services' proto enums: do not edit.

`make proto` rewrites this file (`python -m serialtrace.gateway.proto_enums`); enums.py
builds the same enums from the proto descriptors at import, as serialtrace/gateway/
proto_enums.py lists them.
"""

import enum

import strawberry
'''


def _member(value: GraphValue) -> str:
    return f'    {value.name} = "{value.name}"\n'


def render() -> str:
    """The source of types/enums.pyi for the protos this interpreter has."""
    classes = []
    for graph_enum in GRAPH_ENUMS:
        source = graph_enum.proto.DESCRIPTOR.full_name
        members = "".join(_member(v) for v in graph_enum.values())
        classes.append(
            f"# {source}\n@strawberry.enum\nclass {graph_enum.name}(enum.Enum):\n{members}"
        )
    return HEADER + "\n" + "\n".join(classes)


def main() -> None:
    """`python -m serialtrace.gateway.proto_enums` rewrites types/enums.pyi."""
    ENUMS_MODULE.write_text(render())
    print(f"wrote {ENUMS_MODULE}")


if __name__ == "__main__":
    main()
