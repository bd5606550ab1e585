"""EPCIS 2.0.1 JSON schema validation, with format checks (uri, date-time) on.

The schema (package data, `schema/epcis-json-schema.json`) is GS1's 2.0.1 artefact. It
says that bare vocabulary words must be the standard ones (a custom bizStep must be a
URI), extension keys must be namespaced, and every `uri`/`date-time` is checked: the
`jsonschema` format checker does the last only with rfc3986-validator and
rfc3339-validator installed, which is why this package depends on them and why
`_check_format_checkers` refuses to start without them.

Two validators, one schema: fastjsonschema (compiled to Python, 20 times faster) decides
whether a document is valid; only a document it refuses is explained by `jsonschema`,
whose errors name the failing path and the reason (and only the events that fail, so a
1,000-event document with one bad event is explained in milliseconds). Both pass and
refuse the same samples (tests/test_validation.py); bench/README of this service has the
figures.

A violation names the failing place as a JSON pointer into the document (e.g.
`/epcisBody/eventList/1/bizStep`) and, for a violation inside an event, its index, so
that with `GS1-Capture-Error-Behaviour: proceed` the other events can still be captured.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

import fastjsonschema
from jsonschema import Draft7Validator, FormatChecker
from jsonschema.exceptions import ValidationError, best_match

SCHEMA_FILE = "schema/epcis-json-schema.json"
MAX_VIOLATIONS = 20  # per document: enough to fix a document, not a flood
_SHOWN = 100


@dataclass(frozen=True)
class Violation:
    """One place where a document breaks the schema."""

    pointer: str  # JSON pointer into the document, "" for the document itself
    message: str
    event_index: int | None  # the event of `epcisBody.eventList` it is in, if any

    def __str__(self) -> str:
        return f"{self.pointer or '/'}: {self.message}"


def _schema() -> dict[str, Any]:
    text = files("serialtrace.epcis").joinpath(SCHEMA_FILE).read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _fast() -> Any:
    """The compiled validator (about 0.3 s to build: done once, at start-up)."""
    return fastjsonschema.compile(enums_first(_schema()))


def enums_first(schema: Any) -> Any:
    """The same schema with the alternatives of every anyOf tried enum (or const) first.

    Whether a value matches anyOf does not depend on the order its alternatives are
    tried in, but the compiled validator tries them in order and every one that fails
    costs it an exception: the schema lists the URI alternative before the standard
    words (`bizStep`: a URI outside the CBV, or one of the CBV words), so every bare
    word failed the URI check first. Enums first halves the time of a typical document.
    (The schema has no `default`s, the one way fastjsonschema lets order matter.)"""
    if isinstance(schema, list):
        return [enums_first(part) for part in schema]
    if not isinstance(schema, dict):
        return schema
    reordered = {key: enums_first(part) for key, part in schema.items()}
    alternatives = reordered.get("anyOf")
    if isinstance(alternatives, list):
        reordered["anyOf"] = sorted(
            alternatives,
            key=lambda a: 0 if isinstance(a, dict) and ("enum" in a or "const" in a) else 1,
        )
    return reordered


def warm_up() -> None:
    _fast()
    _validator()


@cache
def _validator() -> Draft7Validator:
    checker = FormatChecker(["uri", "date-time"])
    _check_format_checkers(checker)
    return Draft7Validator(_schema(), format_checker=checker)


def _check_format_checkers(checker: FormatChecker) -> None:
    # jsonschema silently skips a format whose optional checker is not installed.
    probes = {"uri": "not a uri", "date-time": "22-07-2026"}
    for fmt, bad in probes.items():
        if checker.conforms(bad, fmt):
            raise RuntimeError(
                f"the JSON schema format checker for {fmt!r} is missing "
                "(install rfc3986-validator and rfc3339-validator)"
            )


def _pointer(path: Iterable[Any]) -> str:
    return "".join(f"/{str(p).replace('~', '~0').replace('/', '~1')}" for p in path)


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "..."


def _message(error: ValidationError) -> str:
    """A message a person can act on, echoing at most 100 characters of the input."""
    validator = error.validator
    if validator == "required":
        missing = str(error.message).split("'")[1] if "'" in error.message else "a property"
        return f"the required property {missing!r} is missing"
    if validator == "format":
        return f"{_shown(error.instance)} is not a valid {error.validator_value}"
    if validator in ("enum", "const"):
        return f"{_shown(error.instance)} is not one of the allowed values"
    if validator == "type":
        return f"{_shown(error.instance)} is not of type {error.validator_value}"
    if validator == "additionalProperties":
        return "a property is not allowed here (" + str(error.message).split("(", 1)[-1]
    if validator == "propertyNames":
        return f"the property name {_shown(error.instance)} must be a URI or a prefixed name"
    if validator in ("anyOf", "oneOf"):
        return f"{_shown(error.instance)} is not valid here"
    text = str(error.message)
    return text if len(text) <= 200 else text[:200] + "..."


def _deepest(error: ValidationError) -> ValidationError:
    """The most specific reason under an anyOf/oneOf (e.g. the bad bizStep, not 'the event
    matches none of the event types')."""
    if error.context:
        chosen = best_match(error.context)
        if chosen is not None and len(chosen.absolute_path) >= len(error.absolute_path):
            return _deepest(chosen)
    return error


def _event_index(path: list[Any]) -> int | None:
    for body in (
        ["epcisBody", "eventList"],
        ["epcisBody", "queryResults", "resultsBody", "eventList"],
    ):
        n = len(body)
        if path[:n] == body and len(path) > n and isinstance(path[n], int):
            return int(path[n])
    return None


def is_valid(document: Any) -> bool:
    try:
        _fast()(document)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


def _event_list(document: Any) -> tuple[list[Any], list[Any]] | None:
    """The document's event list and its path, when the document has that shape."""
    if not isinstance(document, dict) or not isinstance(document.get("epcisBody"), dict):
        return None
    body = document["epcisBody"]
    if isinstance(body.get("eventList"), list):
        return body["eventList"], ["epcisBody", "eventList"]
    results = (body.get("queryResults") or {}) if isinstance(body.get("queryResults"), dict) else {}
    inner = results.get("resultsBody")
    if isinstance(inner, dict) and isinstance(inner.get("eventList"), list):
        return inner["eventList"], ["epcisBody", "queryResults", "resultsBody", "eventList"]
    return None


def _with_events(document: dict[str, Any], path: list[Any], events: list[Any]) -> dict[str, Any]:
    """A shallow copy of `document` whose event list (at `path`) is `events`."""
    if len(path) == 1:
        return {**document, path[0]: events}
    return {**document, path[0]: _with_events(document[path[0]], path[1:], events)}


def validate_document(document: Any) -> list[Violation]:
    """Every way (up to MAX_VIOLATIONS) `document` breaks the EPCIS 2.0.1 schema."""
    if is_valid(document):
        return []
    located = _event_list(document)
    if located is None:
        return _explain(document)
    events, path = located
    # The document without its events, then each event that fails on its own.
    violations = _explain(_with_events(document, path, []))
    for n, event in enumerate(events):
        if len(violations) >= MAX_VIOLATIONS:
            break
        alone = _with_events(document, path, [event])
        if is_valid(alone):
            continue
        prefix = _pointer([*path, 0])
        for v in _explain(alone):
            if v.pointer.startswith(prefix):
                pointer = _pointer([*path, n]) + v.pointer[len(prefix) :]
                violations.append(Violation(pointer, v.message, n))
    return violations[:MAX_VIOLATIONS]


def _explain(document: Any) -> list[Violation]:
    violations: list[Violation] = []
    seen: set[str] = set()
    for error in _validator().iter_errors(document):
        specific = _deepest(error)
        path = list(specific.absolute_path)
        violation = Violation(_pointer(path), _message(specific), _event_index(path))
        # One reason per place: the schema's alternatives (e.g. the action enum and the
        # per-type pattern) would otherwise say the same thing twice.
        if violation.pointer not in seen:
            seen.add(violation.pointer)
            violations.append(violation)
        if len(violations) >= MAX_VIOLATIONS:
            break
    return violations


def validate_event(event: Any) -> list[Violation]:
    """The schema violations of one event, as if captured alone (`POST /events`)."""
    document = {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2000-01-01T00:00:00Z",
        "epcisBody": {"eventList": [event]},
    }
    prefix = "/epcisBody/eventList/0"
    return [
        Violation(v.pointer.removeprefix(prefix), v.message, 0 if v.event_index == 0 else None)
        for v in validate_document(document)
    ]
