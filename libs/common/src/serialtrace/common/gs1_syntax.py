"""The GS1 Application Identifier table, read from GS1's Barcode Syntax Dictionary.

gs1data/gs1-syntax-dictionary.txt is GS1's machine-readable description of every AI:
its components (type, length, content checks), whether it needs a separator, its data
title, the AIs it requires or excludes, and its role in GS1 Digital Link. This module
reads it once and checks values and whole messages against it. Nothing here does I/O
after import; errors are Gs1Error with a sentence a person can act on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources

from serialtrace.common.gs1_linters import CSET39, CSET64, CSET82, LINTERS, Linter

__all__ = [
    "AI_TABLE",
    "AiSpec",
    "Gs1Error",
    "ai_at",
    "check_associations",
    "check_value",
]


class Gs1Error(ValueError):
    """A GS1 code, value or combination of AIs that GS1's rules do not allow; the
    message says what is wrong."""


_CHARSETS = {"N": "0123456789", "X": CSET82, "Y": CSET39, "Z": CSET64 + "="}
_CHARSET_NAMES = {
    "N": "digits",
    "X": "GS1 character set 82 (A-Z a-z 0-9 ! \" % & ' ( ) * + , - . / : ; < = > ? _)",
    "Y": "GS1 character set 39",
    "Z": "base64url (GS1 character set 64)",
}


@dataclass(frozen=True)
class Component:
    kind: str  # N, X, Y or Z
    min_length: int
    max_length: int
    optional: bool
    linters: tuple[tuple[str, Linter], ...]


@dataclass(frozen=True)
class AiSpec:
    ai: str
    title: str
    predefined_length: bool  # "*": no separator after it in a raw element string
    dl_attribute: bool  # "?": may be a GS1 Digital Link data attribute (query string)
    components: tuple[Component, ...]
    requires: tuple[tuple[tuple[str, ...], ...], ...]  # each: alternatives of AI groups
    excludes: tuple[str, ...]  # AIs or patterns such as 310n
    dl_primary_key: bool
    dl_qualifiers: tuple[tuple[str, ...], ...] = field(default=())  # alternative sequences

    @property
    def max_length(self) -> int:
        return sum(c.max_length for c in self.components)

    @property
    def min_length(self) -> int:
        return sum(c.min_length for c in self.components if not c.optional)


_COMPONENT = re.compile(r"(\[)?([NXYZ])(\.\.)?([0-9]+)(\])?((?:,[a-z0-9]+)*)")


def _component(text: str, ai: str) -> Component:
    match = _COMPONENT.fullmatch(text)
    if match is None:
        raise RuntimeError(f"syntax dictionary: cannot read component {text!r} of AI {ai}")
    optional, kind, variable, size, _, linters = match.groups()
    names = [n for n in linters.split(",") if n]
    unknown = [n for n in names if n not in LINTERS]
    if unknown:
        raise RuntimeError(f"syntax dictionary: AI {ai} names unknown checks {unknown}")
    return Component(
        kind=kind,
        min_length=1 if variable else int(size),
        max_length=int(size),
        optional=bool(optional),
        linters=tuple((n, LINTERS[n]) for n in names),
    )


def _expand(ais: str) -> list[str]:
    first, _, last = ais.partition("-")
    if not last:
        return [first]
    return [str(n).zfill(len(first)) for n in range(int(first), int(last) + 1)]


def _load() -> dict[str, AiSpec]:
    text = (
        resources.files("serialtrace.common")
        .joinpath("gs1data/gs1-syntax-dictionary.txt")
        .read_text(encoding="utf-8")
    )
    table: dict[str, AiSpec] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        body, _, title = line.partition("#")
        tokens = body.split()
        ais, rest = tokens[0], tokens[1:]
        flags = rest.pop(0) if rest and re.fullmatch(r"[*?!]+", rest[0]) else ""
        components: list[Component] = []
        requires: list[tuple[tuple[str, ...], ...]] = []
        excludes: list[str] = []
        primary = False
        qualifiers: tuple[tuple[str, ...], ...] = ()
        for token in rest:
            if token.startswith("req="):
                requires.append(tuple(tuple(g.split("+")) for g in token[4:].split(",")))
            elif token.startswith("ex="):
                excludes.extend(token[3:].split(","))
            elif token.startswith("dlpkey"):
                primary = True
                _, _, seqs = token.partition("=")
                qualifiers = tuple(tuple(s.split(",")) for s in seqs.split("|")) if seqs else ()
            else:
                components.append(_component(token, ais))
        for ai in _expand(ais):
            table[ai] = AiSpec(
                ai=ai,
                title=title.strip() or f"AI {ai}",
                predefined_length="*" in flags,
                dl_attribute="?" in flags,
                components=tuple(components),
                requires=tuple(requires),
                excludes=tuple(excludes),
                dl_primary_key=primary,
                dl_qualifiers=qualifiers,
            )
    return table


AI_TABLE: dict[str, AiSpec] = _load()


def ai_at(text: str, at: int = 0) -> AiSpec | None:
    """The AI that starts text[at:], if any (AIs are 2 to 4 digits, none a prefix of
    another)."""
    for size in (2, 3, 4):
        spec = AI_TABLE.get(text[at : at + size])
        if spec is not None:
            return spec
    return None


def _show(value: str, limit: int = 40) -> str:
    return repr(value if len(value) <= limit else value[:limit] + "...")


def check_value(spec: AiSpec, value: str) -> None:
    """Raise Gs1Error unless `value` is a valid data field for the AI."""
    name = f"AI ({spec.ai}) {spec.title}"
    if not value:
        raise Gs1Error(f"{name} has no value")
    unit = "digits" if all(c.kind == "N" for c in spec.components) else "characters"
    if len(value) > spec.max_length:
        raise Gs1Error(f"{name} allows at most {spec.max_length} {unit}, got {len(value)}")
    at = 0
    for component in spec.components:
        rest = len(value) - at
        if rest == 0 and component.optional:
            break
        size = min(rest, component.max_length)
        if size < component.min_length or (rest == 0):
            raise Gs1Error(
                f"{name} expects {spec.min_length}"
                + (f" to {spec.max_length}" if spec.max_length != spec.min_length else "")
                + f" {unit}, got {_show(value)}"
            )
        part = value[at : at + size]
        allowed = _CHARSETS[component.kind]
        bad = next((ch for ch in part if ch not in allowed), None)
        if bad is not None:
            if component.kind == "N":
                raise Gs1Error(f"{name} must be digits only here, got {_show(value)}")
            raise Gs1Error(
                f"{name} contains {bad!r}, which is outside the "
                f"{_CHARSET_NAMES[component.kind]}: {_show(value)}"
            )
        if component.kind == "Z" and "=" in part:
            padding = len(part) - len(part.rstrip("="))
            # GS1's rule for the optional padding of CSET 64 data.
            if "=" in part.rstrip("=") or padding > 2 or len(part) % 3:
                raise Gs1Error(f"{name} has misplaced base64 padding '=': {_show(value)}")
        for _, linter in component.linters:
            problem = linter(part)
            if problem:
                raise Gs1Error(f"{name}: {problem}")
        at += size
    if at != len(value):
        raise Gs1Error(
            f"{name} allows at most {at} characters here, got {len(value)}: {_show(value)}"
        )


def _matches(pattern: str, ai: str) -> bool:
    return len(pattern) == len(ai) and all(p in ("n", a) for p, a in zip(pattern, ai, strict=True))


def _present(pattern: str, ais: dict[str, str]) -> bool:
    return any(_matches(pattern, ai) for ai in ais)


# Keys whose optional serial component must be there when a digital signature signs them.
_SERIALISED_KEYS = ("253", "255", "8003")


def check_associations(ais: dict[str, str]) -> None:
    """Raise Gs1Error when AIs that must appear together do not, when AIs that
    must not appear together do, or when a digital signature (8030) signs a key
    without its serial component."""
    for ai in ais:
        spec = AI_TABLE[ai]
        for pattern in spec.excludes:
            clash = next((o for o in ais if o != ai and _matches(pattern, o)), None)
            if clash is not None:
                raise Gs1Error(
                    f"AI ({ai}) {spec.title} must not appear together with AI ({clash}) "
                    f"{AI_TABLE[clash].title}"
                )
        for alternatives in spec.requires:
            if not any(all(_present(p, ais) for p in group) for group in alternatives):
                wanted = " or ".join("+".join(f"({p})" for p in g) for g in alternatives)
                raise Gs1Error(f"AI ({ai}) {spec.title} needs {wanted} in the same scan")
    if "8030" in ais:
        for key in _SERIALISED_KEYS:
            spec = AI_TABLE[key]
            if key in ais and len(ais[key]) <= spec.components[0].max_length + (
                spec.components[1].max_length if key == "8003" else 0
            ):
                raise Gs1Error(
                    f"AI ({key}) {spec.title} needs its serial component when signed by "
                    "AI (8030) DIGSIG"
                )
