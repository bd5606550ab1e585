"""GS1's own test vectors run against our scanner parser (see data/README.md).

Each vector is run the way its upstream test runs it: a "syntax" test checks an element
string without GS1's association rules, every other scope with them. A vector agrees
when we accept exactly what it accepts, with the same AI values where it states them.
The cases we knowingly read differently are listed in docs/gs1-and-labels.md.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from serialtrace.common import gs1

VECTORS: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent / "data" / "gs1-vectors.json").read_text(encoding="utf-8")
)["vectors"]
REQUIRED_AGREEMENT = 0.98


def _read(vector: dict[str, Any], *, check_associations: bool) -> dict[str, str] | None:
    """The AIs we read from the vector's input, or None when we refuse it."""
    text: str = vector["input"]
    try:
        if vector["kind"] == "sscc" or text.startswith("]"):
            return gs1.read_scan(text, check_associations=check_associations)
        if vector["kind"] == "digital_link":
            return gs1.parse_digital_link(text, check_associations=check_associations)
        return gs1.parse_element_string(text, check_associations=check_associations)
    except gs1.Gs1Error:
        return None


def _agrees(vector: dict[str, Any], ais: dict[str, str] | None) -> bool:
    if (ais is not None) != vector["valid"]:
        return False
    return ais is None or "expected" not in vector or ais == vector["expected"]


def test_parser_agrees_with_at_least_98_percent_of_gs1s_vectors() -> None:
    disagreements = [
        v for v in VECTORS if not _agrees(v, _read(v, check_associations=v["scope"] != "syntax"))
    ]
    agreement = 1 - len(disagreements) / len(VECTORS)
    print(
        f"\nGS1 vectors: {len(VECTORS) - len(disagreements)}/{len(VECTORS)} agree "
        f"({agreement:.2%}); differing: "
        + "; ".join(f"{v['input'][:60]!r} ({v['scope']})" for v in disagreements)
    )
    assert len(VECTORS) == 769
    assert agreement >= REQUIRED_AGREEMENT, f"only {agreement:.2%} of GS1's vectors agree"


def test_every_vector_is_answered_without_a_crash() -> None:
    # _read lets anything but Gs1Error through: an IndexError or ValueError would fail here.
    for vector in VECTORS:
        _read(vector, check_associations=True)


def test_full_validation_agrees_with_the_reference_engine_on_association_vectors() -> None:
    association = [v for v in VECTORS if v["scope"].startswith("association:")]
    assert len(association) == 67
    for vector in association:
        ais = _read(vector, check_associations=True)
        assert (ais is not None) == vector["reference"]["valid"], vector["input"]
