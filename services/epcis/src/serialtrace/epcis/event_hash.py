"""The CBV 2.0 event hash: an EPCIS event's identity when it carries no eventID.

`ni:///sha-256;<hex>?ver=CBV2.0` (RFC 6920) over a canonical pre-hash string, so that
the same event written two ways (other key order, local time instead of UTC, an EPC URN
instead of a Digital Link, a bare CBV word instead of its URI) gets one ID, and a
partner can compute it too. Byte-exact with the published test vectors of the CBV 2.0
event-hash algorithm (tests/data/event-hash-vectors); the rules below are what those
vectors require:

- properties in a fixed order (`PROPERTY_ORDER`), the values of one property sorted;
- each value as `name=value`; containers as their name followed by their children;
- times in UTC at millisecond precision with `Z`; numbers without trailing zeros;
- bare CBV words and old CBV URNs as `https://ref.gs1.org/cbv/...` URIs, measurement
  types as `https://gs1.org/voc/...`; GS1 keys as canonical Digital Links;
- extension properties as `{namespace}local=value`, after the standard ones, sorted;
  business transactions, sources and destinations as (type, value) pairs, sorted;
- recordTime, eventID, errorDeclaration (and comments) are not part of the event.

The event is first put in the shape of its XML binding (each JSON list of `x` becomes
`xList` of `x` elements; quantity lists hold `quantityElement`s), as the algorithm is
defined on that shape.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import cache, lru_cache
from importlib.resources import files
from typing import Any

from serialtrace.common.epc import canonical_digital_link

# (name, value, children) — or, for a business transaction, source or destination, a
# (type, value) pair of such nodes. Tuples (not classes): the order of values is
# Python's tuple order, which is what the published vectors sort by.
Node = tuple[str, str, list[Any]]
Child = Any

Order = list[Any]  # [(name, sub-order or None)]; a pair list names a (type, value) pair

_SENSOR_METADATA = ("time", "startTime", "endTime", "deviceID", "deviceMetadata", "rawData",
                    "dataProcessingMethod", "bizRules")  # fmt: skip
_SENSOR_REPORT = ("type", "exception", "deviceID", "deviceMetadata", "rawData",
                  "dataProcessingMethod", "time", "microorganism", "chemicalSubstance", "value",
                  "component", "stringValue", "booleanValue", "hexBinaryValue", "uriValue",
                  "minValue", "maxValue", "meanValue", "sDev", "percRank", "percValue", "uom",
                  "coordinateReferenceSystem")  # fmt: skip
_QUANTITY: Order = [("epcClass", None), ("quantity", None), ("uom", None)]
_PAIR: Any = (("type", None), ("source", None))
PROPERTY_ORDER: Order = [
    ("eventTime", None),
    ("eventTimeZoneOffset", None),
    ("certificationInfo", None),
    ("parentID", None),
    ("epcList", [("epc", None)]),
    ("inputEPCList", [("epc", None)]),
    ("childEPCs", [("epc", None)]),
    ("quantityList", [("quantityElement", _QUANTITY)]),
    ("childQuantityList", [("quantityElement", _QUANTITY)]),
    ("inputQuantityList", [("quantityElement", _QUANTITY)]),
    ("outputEPCList", [("epc", None)]),
    ("outputQuantityList", [("quantityElement", _QUANTITY)]),
    ("action", None),
    ("transformationID", None),
    ("bizStep", None),
    ("disposition", None),
    ("persistentDisposition", [("set", None), ("unset", None)]),
    ("readPoint", [("id", None)]),
    ("bizLocation", [("id", None)]),
    # Pairs: never matched by name here, so they are written with the extensions.
    ("bizTransactionList", [(("type", None), ("bizTransaction", None))]),
    ("sourceList", [_PAIR]),
    ("destinationList", [(("type", None), ("destination", None))]),
    (
        "sensorElementList",
        [
            (
                "sensorElement",
                [
                    (
                        "sensorMetadata",
                        [(name, None) for name in _SENSOR_METADATA],
                    ),
                    (
                        "sensorReport",
                        [(name, None) for name in _SENSOR_REPORT],
                    ),
                ],
            )
        ],
    ),
]

NOT_HASHED = frozenset({"recordTime", "eventID", "type", "errorDeclaration"})
_COMMENTS = frozenset({"#text", "rdfs:comment", "comment"})
_PAIR_LISTS = frozenset({"sourceList", "destinationList", "bizTransactionList"})
_PAIR_VALUES = frozenset({"bizTransaction", "source", "destination"})
_OLD_CBV_URNS = (
    ("urn:epcglobal:cbv:bizstep:", "https://ref.gs1.org/cbv/BizStep-"),
    ("urn:epcglobal:cbv:disp:", "https://ref.gs1.org/cbv/Disp-"),
    ("urn:epcglobal:cbv:btt:", "https://ref.gs1.org/cbv/BTT-"),
    ("urn:epcglobal:cbv:sdt:", "https://ref.gs1.org/cbv/SDT-"),
    ("urn:epcglobal:cbv:er:", "https://ref.gs1.org/cbv/ER-"),
)
_VOCABULARY_PREFIXES = ("https://ref.gs1.org/cbv", "https://gs1.org/voc")


# --- bare words of the standard vocabularies -------------------------------------------


@cache
def _vocabularies() -> dict[str, dict[str, str]]:
    """Bare word → URI for each property whose values are CBV or GS1 vocabulary terms,
    from the EPCIS 2.0 JSON-LD context (package data)."""
    context = json.loads(
        files("serialtrace.epcis").joinpath("schema/epcis-context.jsonld").read_text("utf-8")
    )["@context"]
    prefixes = {"cbv:": "https://ref.gs1.org/cbv/", "gs1:": "https://gs1.org/voc/"}

    def terms(scoped: Any) -> dict[str, str]:
        found: dict[str, str] = {}
        for part in scoped if isinstance(scoped, list) else [scoped]:
            for word, term in (part or {}).items():
                if isinstance(term, str):
                    for curie, uri in prefixes.items():
                        if term.startswith(curie):
                            found[word] = uri + term[len(curie) :]
        return found

    report = context["sensorElementList"]["@context"]["sensorReport"]["@context"]
    persistent = context["persistentDisposition"]["@context"]
    return {
        "bizStep": terms(context["bizStep"]["@context"]),
        "disposition": terms(context["disposition"]["@context"]),
        "persistentDisposition": terms(persistent),
        "bizTransactionType": terms(context["bizTransactionList"]["@context"]["type"]["@context"]),
        "sourceOrDestinationType": terms(context["sourceList"]["@context"]["type"]["@context"]),
        "measurementType": terms(report["type"]["@context"]),
        "exception": terms(report["exception"]["@context"]),
        "component": terms(report["component"]["@context"]),
        "reason": terms(context["errorDeclaration"]["@context"]["reason"]["@context"]),
    }


def _vocabulary_values(event: dict[str, Any]) -> set[str]:
    """The vocabulary URIs the event's standard properties name (bare words expanded)."""
    vocab = _vocabularies()
    named: list[tuple[str, Any]] = [
        ("bizStep", event.get("bizStep")),
        ("disposition", event.get("disposition")),
    ]
    persistent = event.get("persistentDisposition")
    if isinstance(persistent, dict):
        for key in ("set", "unset"):
            named += [("persistentDisposition", v) for v in _as_list(persistent.get(key))]
    for field, kind in (
        ("bizTransactionList", "bizTransactionType"),
        ("sourceList", "sourceOrDestinationType"),
        ("destinationList", "sourceOrDestinationType"),
    ):
        named += [(kind, e.get("type")) for e in _as_list(event.get(field)) if isinstance(e, dict)]
    for element in _as_list(event.get("sensorElementList")):
        if isinstance(element, dict):
            for report in _as_list(element.get("sensorReport")):
                if isinstance(report, dict):
                    named += [
                        ("measurementType", report.get("type")),
                        ("exception", report.get("exception")),
                        ("component", report.get("component")),
                    ]
    declaration = event.get("errorDeclaration")
    if isinstance(declaration, dict):
        named.append(("reason", declaration.get("reason")))
    found: set[str] = set()
    for kind, value in named:
        if isinstance(value, str):
            uri = vocab[kind].get(value, value)
            if uri.startswith(_VOCABULARY_PREFIXES):
                found.add(uri)
    return found


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def _expand_bare_words(value: Any, vocabulary: set[str]) -> Any:
    """Every string that is the last word of exactly one of the event's vocabulary URIs
    (the part after a "-" or "/") becomes that URI: a word like "po" stands for the one
    term the event uses."""
    unique = _unique_words(frozenset(vocabulary))
    return _replace_words(value, unique) if unique else value


@lru_cache(maxsize=64)
def _unique_words(vocabulary: frozenset[str]) -> dict[str, str]:
    """Last word → URI, for the words only one URI of the vocabulary ends with (asked
    once per document: its events share one vocabulary)."""
    by_word: dict[str, set[str]] = {}
    for uri in vocabulary:
        for n, char in enumerate(uri):
            if char in "-/":
                by_word.setdefault(uri[n + 1 :], set()).add(uri)
    return {word: next(iter(uris)) for word, uris in by_word.items() if len(uris) == 1}


def _replace_words(value: Any, words: dict[str, str]) -> Any:
    if isinstance(value, str):
        return words.get(value, value)
    if isinstance(value, list):
        return [_replace_words(v, words) for v in value]
    if isinstance(value, dict):
        return {k: _replace_words(v, words) for k, v in value.items()}
    return value


# --- the XML-shaped tree ---------------------------------------------------------------


class _Namespaces:
    """CURIE prefixes from the document's @context (and any @xmlns of the event)."""

    def __init__(self, context: Any) -> None:
        self.prefixes: dict[str, str] = {}
        for part in context if isinstance(context, list) else []:
            if isinstance(part, dict):
                for prefix, uri in part.items():
                    if isinstance(uri, str):
                        self.prefixes[prefix] = uri

    def key(self, text: str) -> str:
        prefix, colon, local = text.partition(":")
        return f"{{{self.prefixes[prefix]}}}{local}" if colon and prefix in self.prefixes else text

    def value(self, text: str) -> str:
        prefix, colon, local = text.partition(":")
        return self.prefixes[prefix] + local if colon and prefix in self.prefixes else text


def _scalar(value: Any) -> str:
    # What the reference algorithm writes for JSON scalars (Python's str of the value).
    return str(value)


def _tree(value: Any, ns: _Namespaces) -> Node:
    if isinstance(value, list):
        node: Node = ("", "", [_tree(v, ns) for v in value])
        node[2].sort()
        return node
    if not isinstance(value, dict):
        return ("", _scalar(ns.value(value) if isinstance(value, str) else value), [])
    name = value["type"] if isinstance(value.get("type"), str) else ""
    text = _scalar(value["#text"]) if "#text" in value else ""
    children: list[Child] = []
    for key, item in value.items():
        if key in _COMMENTS:
            continue
        if key.startswith("@xmlns"):
            ns.prefixes[key[7:]] = str(item)
            continue
        child = _tree(item, ns)
        key = ns.key(key)
        if isinstance(item, list):
            children += [(key, element[1], element[2]) for element in child[2]]
        else:
            children.append((key, child[1], child[2]))
    if not _PAIR_VALUES & value.keys():
        children.sort()
    return (name, text, children)


def _pair(children: list[Child]) -> tuple[Child, ...]:
    """A business transaction, source or destination as its (type, value) pair: the
    type first whatever the JSON's key order (the XML binding has it as an attribute),
    or the value alone when it has no type."""
    types = [c for c in children if c[0] == "type"]
    values = [c for c in children if c[0] != "type"]
    return tuple((types[:1] + values)[:2])


def _xml_shape(node: Node) -> Node:
    """JSON lists as their XML containers (`epcList` of `epc`, ...), recursively."""
    name, text, children = node
    lists: dict[str, list[Node]] = {}
    kept: list[Child] = []
    child_epcs: list[Child] = []
    for child in children:
        if isinstance(child[0], str) and child[0].endswith("List"):
            lists.setdefault(child[0], []).append((child[0][:-4], child[1], child[2]))
        elif child[0] == "childEPCs":
            child_epcs.append(("epc", child[1], []))
        else:
            kept.append(child)
    for list_name, elements in lists.items():
        if list_name in _PAIR_LISTS:
            kept.append((list_name, "", [_pair(e[2]) for e in elements]))
        else:
            kept.append((list_name, "", list(elements)))
    if child_epcs:
        kept.append(("childEPCs", "", child_epcs))
    shaped: list[Child] = [c if c[0] in _PAIR_LISTS else _xml_shape(c) for c in kept]
    if name in ("inputEPC", "outputEPC"):
        name = "epc"
    elif name in ("inputQuantity", "outputQuantity", "childQuantity") or (
        name == "quantity" and shaped
    ):
        name = "quantityElement"
    return (name, text, shaped)


# --- the pre-hash string -----------------------------------------------------------------


def _utc_millis(text: str) -> str:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    # Half-to-even at the millisecond, as the published vectors round.
    millis = round(moment.microsecond, -3)
    if millis == 1_000_000:
        return text
    return moment.replace(microsecond=millis).isoformat(timespec="milliseconds")[:-6] + "Z"


def _number(text: str) -> str:
    # float() fails fast only after building an exception: skip what cannot be a number
    # (its first character is no digit, sign, point or the start of inf/nan).
    if not text or not (text[0].isdecimal() or text[0] in "+-.iInN"):
        return text
    try:
        number = float(text)
        return str(int(number)) if int(number) == number else str(number)
    except (ValueError, OverflowError):
        return text


@lru_cache(maxsize=65_536)  # pure, and places, classes and words recur in every event
def canonical_value(text: str) -> str:
    if "urn:epcglobal:cbv:" in text:
        for old, new in _OLD_CBV_URNS:
            text = text.replace(old, new)
    text = _number(text)
    return canonical_digital_link(text) or text


def _is_extension(name: Any) -> bool:
    return isinstance(name, str) and "{" in name and "/}" in name


def _take_extensions(children: list[Child]) -> list[Child]:
    """A container's own extension properties (not the event's: those come last)."""
    if len(children) <= 1 or any(
        isinstance(c[0], str) and ("eventTime" in c[0] or "action" in c[0]) for c in children
    ):
        return []
    extensions = [c for c in children if _is_extension(c[0])]
    for extension in extensions:
        children.remove(extension)
    return extensions


def _ordered(children: list[Child], order: Order) -> str:
    """The children named in `order`, in that order (consumed from `children`), then the
    container's extensions."""
    text = ""
    extensions = _take_extensions(children)
    # Children only go from here on: a property absent now stays absent.
    present = {c[0] for c in children if isinstance(c[0], str)}
    for name, sub_order in order:
        if isinstance(name, str) and name not in present:
            continue
        values: list[str] = []
        for child in [c for c in children if c[0] == name]:
            written = _property(child, sub_order)
            if written:
                values.append(written)
            if not child[2]:
                children.remove(child)
        text += "".join(sorted(values))
    if extensions:
        text += _remaining(extensions)
    return text


def _property(node: Node, sub_order: Order | None) -> str:
    name, raw, children = node
    nested = _ordered(children, sub_order) if sub_order else ""
    value = raw.strip()
    if value:
        lowered = name.lower()
        value = (
            _utc_millis(value)
            if "time" in lowered and "offset" not in lowered
            else (canonical_value(value))
        )
    if value or nested:
        return name + (f"={value}" if value else "") + nested
    return ""


def _remaining(children: Iterable[Child]) -> str:
    items = list(children)
    written: list[str] = []
    for child in items:
        if isinstance(child[0], tuple):  # a (type, value) pair, or a value alone
            written.append(_remaining(child))
            continue
        name, raw, grandchildren = child
        value = raw.strip()
        written.append(
            name + (f"={canonical_value(value)}" if value else "") + _remaining(grandchildren)
        )
    if len(items) > 1 and not any(isinstance(c[0], str) and c[0] in _PAIR_VALUES for c in items):
        written.sort()
    return "".join(written)


# --- the common shape, written straight from the JSON -----------------------------------

_PLAIN_SCALARS = ("eventTime", "eventTimeZoneOffset", "parentID", "action", "transformationID",
                  "bizStep", "disposition")  # fmt: skip
_PLAIN_EPC_LISTS = ("epcList", "inputEPCList", "childEPCs", "outputEPCList")
_PLAIN_QUANTITY_LISTS = ("quantityList", "childQuantityList", "inputQuantityList",
                         "outputQuantityList")  # fmt: skip
_PLAIN_PAIR_LISTS = {"bizTransactionList": "bizTransaction", "sourceList": "source",
                     "destinationList": "destination"}  # fmt: skip
_PLAIN_PLACES = ("readPoint", "bizLocation")
_PLAIN_KEYS = frozenset({"type", "eventID", "recordTime", *_PLAIN_SCALARS, *_PLAIN_EPC_LISTS,
                         *_PLAIN_QUANTITY_LISTS, *_PLAIN_PAIR_LISTS, *_PLAIN_PLACES,
                         "persistentDisposition"})  # fmt: skip
# The standard properties in PROPERTY_ORDER's order (the pair lists come after, sorted).
_PLAIN_ORDER = [name for name, _ in PROPERTY_ORDER if name in _PLAIN_KEYS and
                name not in _PLAIN_PAIR_LISTS]  # fmt: skip
_QUANTITY_KEYS = frozenset({"epcClass", "quantity", "uom"})


class _NotPlain(Exception):
    """The event has a part only the general algorithm writes (extensions, sensor
    data, ILMD, comments, certification, a value that is not a string)."""


def _plain_prehash(event: dict[str, Any], ns: _Namespaces, words: dict[str, str]) -> str | None:
    """The pre-hash string of an event made only of the common standard properties
    (identifiers, quantities, vocabulary, places, business transactions, sources and
    destinations), written in one pass over its JSON: what `_tree`, `_xml_shape` and
    `_ordered` write for such an event, at a fraction of their cost. None for any other
    event. tests/test_event_hash.py checks both ways give the same string."""
    if not _PLAIN_KEYS.issuperset(event) or not isinstance(event.get("type"), str):
        return None

    def text(value: Any) -> str:
        if not isinstance(value, str):
            raise _NotPlain
        return ns.value(words.get(value, value)).strip()

    def leaf(name: str, value: Any) -> str:
        written = text(value)
        if not written:
            return ""
        return f"{name}={_utc_millis(written) if name == 'eventTime' else canonical_value(written)}"

    def strings(value: Any) -> list[Any]:
        if not isinstance(value, list):
            raise _NotPlain
        return value

    def quantity_element(element: Any) -> str:
        if not isinstance(element, dict) or "epcClass" not in element:
            raise _NotPlain
        if not _QUANTITY_KEYS.issuperset(element):
            raise _NotPlain
        written = leaf("epcClass", element["epcClass"])
        if "quantity" in element:
            number = element["quantity"]
            if isinstance(number, bool) or not isinstance(number, (int, float)):
                raise _NotPlain
            written += f"quantity={canonical_value(str(number).strip())}"
        if "uom" in element:
            written += leaf("uom", element["uom"])
        return "quantityElement" + written if written else ""

    def pair(element: Any, value_key: str) -> str:
        if not isinstance(element, dict) or value_key not in element:
            raise _NotPlain
        keys = element.keys()
        if not (keys == {value_key} or keys == {"type", value_key}):
            raise _NotPlain
        written = ""
        for key in ("type", value_key):
            if key in element:
                value = text(element[key])
                written += f"{key}={canonical_value(value)}" if value else key
        return written

    try:
        out = [f"eventType={words.get(event['type'], event['type'])}"]
        for name in _PLAIN_ORDER:
            if name not in event or name in ("type", "eventID", "recordTime"):
                continue
            value = event[name]
            if name in _PLAIN_EPC_LISTS:
                written = "".join(sorted(filter(None, (leaf("epc", v) for v in strings(value)))))
            elif name in _PLAIN_QUANTITY_LISTS:
                written = "".join(sorted(filter(None, map(quantity_element, strings(value)))))
            elif name in _PLAIN_PLACES:
                if not isinstance(value, dict) or value.keys() != {"id"}:
                    raise _NotPlain
                written = leaf("id", value["id"])
            elif name == "persistentDisposition":
                if not isinstance(value, dict) or not {"set", "unset"}.issuperset(value):
                    raise _NotPlain
                written = "".join(
                    "".join(sorted(filter(None, (leaf(key, v) for v in strings(value[key])))))
                    for key in ("set", "unset")
                    if key in value
                )
            else:
                out.append(leaf(name, value))
                continue
            if written:
                out.append(name + written)
        pairs = []
        for name, value_key in _PLAIN_PAIR_LISTS.items():
            if name in event and (elements := strings(event[name])):
                pairs.append(name + "".join(sorted(pair(e, value_key) for e in elements)))
        out += sorted(pairs)
    except _NotPlain:
        return None
    return "".join(out)


def prehash(
    event: dict[str, Any],
    context: Any = None,
    vocabulary: set[str] | None = None,
    ignored: frozenset[str] = frozenset(),
) -> str:
    """The canonical pre-hash string of one event. `context` is the document's @context
    (it names the namespaces of CURIE keys and values); `vocabulary` the vocabulary URIs
    of the whole document (`document_vocabulary`), the event's own by default; `ignored`
    the event properties the document says are not part of the event (`ignore_fields`)."""
    ns = _Namespaces(context)
    if ignored:
        event = {k: v for k, v in event.items() if k not in ignored}
    if vocabulary is None:
        vocabulary = _vocabulary_values(event)
    plain = _plain_prehash(event, ns, _unique_words(frozenset(vocabulary)))
    if plain is not None:
        return plain
    return _general_prehash(event, ns, vocabulary)


def _general_prehash(event: dict[str, Any], ns: _Namespaces, vocabulary: set[str]) -> str:
    """The pre-hash string by the general algorithm: the event in the shape of its XML
    binding, then written in PROPERTY_ORDER."""
    expanded = _expand_bare_words(event, vocabulary)
    root = _xml_shape(_tree(expanded, ns))
    children = root[2]
    ordered = _ordered(children, PROPERTY_ORDER)
    rest = [c for c in children if c[0] not in NOT_HASHED]
    return f"eventType={root[0]}{ordered}{_remaining(rest) if rest else ''}"


def document_vocabulary(events: Iterable[dict[str, Any]]) -> set[str]:
    """The vocabulary URIs a whole document names: a bare word in one event may stand
    for a term another event of the same document spells out."""
    found: set[str] = set()
    for event in events:
        found |= _vocabulary_values(event)
    return found


def ignore_fields(document: dict[str, Any]) -> frozenset[str]:
    """The properties a repository added to the events it sends (its own hash, capture
    ID), named in the document's (or query result's) `<prefix>:ignoreFields`."""
    results = ((document.get("epcisBody") or {}).get("queryResults")) or {}
    names: set[str] = set()
    for holder in (document, results):
        for key, value in holder.items() if isinstance(holder, dict) else ():
            if key.rpartition(":")[2] == "ignoreFields" and isinstance(value, list):
                names |= {v for v in value if isinstance(v, str)}
    return frozenset(names)


def document_prehashes(document: dict[str, Any]) -> list[str]:
    """The pre-hash string of each event of a document, in order."""
    events = document_events(document)
    vocabulary = document_vocabulary(events)
    ignored = ignore_fields(document)
    return [prehash(e, document.get("@context"), vocabulary, ignored) for e in events]


def document_hashes(document: dict[str, Any]) -> list[str]:
    """The hash ID of each event of a document, in order."""
    return [hash_of_prehash(p) for p in document_prehashes(document)]


def hash_of_prehash(text: str) -> str:
    return f"ni:///sha-256;{hashlib.sha256(text.encode('utf-8')).hexdigest()}?ver=CBV2.0"


def event_hash(event: dict[str, Any], context: Any = None) -> str:
    """The CBV 2.0 event hash ID of one event (`ni:///sha-256;<hex>?ver=CBV2.0`)."""
    return hash_of_prehash(prehash(event, context))


def document_events(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The events of an EPCISDocument or EPCISQueryDocument, in order."""
    body = document.get("epcisBody") or {}
    if "eventList" in body:
        return list(body["eventList"])
    if "event" in body:
        return [body["event"]]
    results = (body.get("queryResults") or {}).get("resultsBody") or {}
    return list(results.get("eventList") or [])
