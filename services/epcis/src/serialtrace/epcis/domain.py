"""EPCIS rules without I/O: an event's identity, what it is indexed by, and the
standard query parameters.

Identifiers are indexed in their canonical GS1 Digital Link form, so a query by EPC URN
finds an event captured with Digital Links and the other way round. Standard vocabulary
values are indexed as their bare CBV word (`shipping`), whatever form they came in
(`https://ref.gs1.org/cbv/BizStep-shipping`, `urn:epcglobal:cbv:bizstep:shipping`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property, lru_cache
from typing import Any

from serialtrace.common.epc import EpcError, EpcId, EpcKind, canonical_digital_link, parse_epc
from serialtrace.common.errors import InvalidArgument, ServiceError
from serialtrace.epcis.event_hash import event_hash

EVENT_TYPES = frozenset(
    {"ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent",
     "AssociationEvent"}
)  # fmt: skip
KIND_EVENT = "EVENT"
KIND_ERROR_DECLARATION = "ERROR_DECLARATION"

# Where an identifier sits in an event (the query parameters name these roles).
ROLE_EPC = "epc"  # epcList, childEPCs
ROLE_PARENT = "parent"
ROLE_INPUT = "input"
ROLE_OUTPUT = "output"
ROLE_CLASS = "class"  # quantity lists' epcClass

_VOCABULARY_FORMS = {
    "bizStep": ("https://ref.gs1.org/cbv/BizStep-", "urn:epcglobal:cbv:bizstep:"),
    "disposition": ("https://ref.gs1.org/cbv/Disp-", "urn:epcglobal:cbv:disp:"),
}

DEFAULT_PAGE_SIZE = 30
MAX_PAGE_SIZE = 1000
_SHOWN = 100


def _show(value: str) -> str:
    return repr(value if len(value) <= _SHOWN else value[:_SHOWN] + "...")


def vocabulary_word(kind: str, value: str) -> str:
    """A CBV term as its bare word (`shipping`); any other value as it is."""
    for prefix in _VOCABULARY_FORMS[kind]:
        if value.startswith(prefix):
            return value[len(prefix) :]
    return value


def canonical_id(value: str) -> str:
    """An identifier in the form it is indexed by: its canonical Digital Link if it names
    a GS1 key, else as given."""
    return canonical_digital_link(value.strip()) or value.strip()


def parse_time(value: str, what: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidArgument(
            f"{what} must be an ISO 8601 date-time such as 2024-05-01T10:00:00Z, got {_show(value)}"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True)
class IndexedEvent:
    """One event as the repository stores and finds it."""

    event_id: str
    content_hash: str  # the CBV 2.0 hash, whatever eventID the event carries
    kind: str  # KIND_EVENT, or KIND_ERROR_DECLARATION for a declaration about an event
    event_type: str
    action: str | None
    biz_step: str | None
    disposition: str | None
    read_point: str | None
    biz_location: str | None
    event_time: datetime
    identifiers: frozenset[tuple[str, str]]  # (role, canonical identifier)
    event: dict[str, Any] = field(compare=False)  # as captured, with its eventID

    @cached_property
    def effect(self) -> Effect | None:
        """What the event does in the suite (`effect_of`), worked out once."""
        return _effect(self)

    @cached_property
    def stored_json(self) -> str:
        """The JSON the event is stored as (and its audit digest is taken of): made
        once, though both need it."""
        return json.dumps(self.event, ensure_ascii=False, separators=(",", ":"))


def _ids(values: Any) -> list[str]:
    return [canonical_id(v) for v in values or [] if isinstance(v, str)]


def _classes(quantities: Any) -> list[str]:
    return [
        canonical_id(q["epcClass"])
        for q in quantities or []
        if isinstance(q, dict) and isinstance(q.get("epcClass"), str)
    ]


def identifiers_of(event: Mapping[str, Any]) -> frozenset[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    found |= {(ROLE_EPC, i) for i in _ids(event.get("epcList")) + _ids(event.get("childEPCs"))}
    if isinstance(event.get("parentID"), str):
        found.add((ROLE_PARENT, canonical_id(event["parentID"])))
    found |= {(ROLE_INPUT, i) for i in _ids(event.get("inputEPCList"))}
    found |= {(ROLE_OUTPUT, i) for i in _ids(event.get("outputEPCList"))}
    for key in ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList"):
        found |= {(ROLE_CLASS, c) for c in _classes(event.get(key))}
    return frozenset(found)


def _place(event: Mapping[str, Any], key: str) -> str | None:
    value = event.get(key)
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return canonical_id(value["id"])
    return None


def index_event(
    event: dict[str, Any], context: Any = None, content_hash: str | None = None
) -> IndexedEvent:
    """The identity and index of a schema-valid event. An event without an eventID gets
    its CBV 2.0 hash as its ID (and the stored event carries it). `content_hash` is the
    event's hash when the caller computed it with its document (`document_hashes`)."""
    content_hash = content_hash or event_hash(event, context)
    given = event.get("eventID")
    event_id = given if isinstance(given, str) and given else content_hash
    stored = event if given else {**event, "eventID": event_id}
    biz_step, disposition = event.get("bizStep"), event.get("disposition")
    return IndexedEvent(
        event_id=event_id,
        content_hash=content_hash,
        kind=KIND_ERROR_DECLARATION if "errorDeclaration" in event else KIND_EVENT,
        event_type=str(event["type"]),
        action=event.get("action"),
        biz_step=vocabulary_word("bizStep", biz_step) if isinstance(biz_step, str) else None,
        disposition=(
            vocabulary_word("disposition", disposition) if isinstance(disposition, str) else None
        ),
        read_point=_place(event, "readPoint"),
        biz_location=_place(event, "bizLocation"),
        event_time=parse_time(str(event["eventTime"]), "eventTime"),
        identifiers=identifiers_of(event),
        event=stored,
    )


# --- query parameters --------------------------------------------------------------------

_LIST_PARAMETERS = {
    "eventType": "event_types",
    "EQ_action": "actions",
    "EQ_bizStep": "biz_steps",
    "EQ_disposition": "dispositions",
    "EQ_readPoint": "read_points",
    "EQ_bizLocation": "biz_locations",
    "EQ_eventID": "event_ids",
}
_MATCH_PARAMETERS = {
    "MATCH_epc": (ROLE_EPC,),
    "MATCH_parentID": (ROLE_PARENT,),
    "MATCH_inputEPC": (ROLE_INPUT,),
    "MATCH_outputEPC": (ROLE_OUTPUT,),
    "MATCH_anyEPC": (ROLE_EPC, ROLE_PARENT, ROLE_INPUT, ROLE_OUTPUT),
    "MATCH_epcClass": (ROLE_CLASS,),
}
_TIME_PARAMETERS = ("GE_eventTime", "LT_eventTime", "GE_recordTime", "LT_recordTime")


@dataclass
class EventQuery:
    """A parsed query: every condition must hold; the values of one are alternatives."""

    event_types: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    biz_steps: list[str] = field(default_factory=list)
    dispositions: list[str] = field(default_factory=list)
    read_points: list[str] = field(default_factory=list)
    biz_locations: list[str] = field(default_factory=list)
    event_ids: list[str] = field(default_factory=list)
    matches: list[tuple[tuple[str, ...], list[str]]] = field(default_factory=list)
    times: dict[str, datetime] = field(default_factory=dict)
    error_declared: bool | None = None  # EXISTS_errorDeclaration


def parse_query(parameters: Iterable[tuple[str, str]]) -> EventQuery:
    """The standard EPCIS query parameters (pipe-separated alternatives); anything else
    is refused, as the query schema refuses it."""
    query = EventQuery()
    for name, raw in parameters:
        values = [v.strip() for v in raw.split("|") if v.strip()]
        if name in _LIST_PARAMETERS:
            if not values:
                raise InvalidArgument(f"{name} needs a value (alternatives separated by |)")
            if name == "eventType":
                unknown = [v for v in values if v not in EVENT_TYPES]
                if unknown:
                    raise InvalidArgument(
                        f"eventType {_show(unknown[0])} is not one of "
                        f"{', '.join(sorted(EVENT_TYPES))}"
                    )
            elif name == "EQ_action":
                unknown = [v for v in values if v not in ("ADD", "OBSERVE", "DELETE")]
                if unknown:
                    raise InvalidArgument(
                        f"EQ_action {_show(unknown[0])} is not one of ADD, OBSERVE, DELETE"
                    )
            elif name == "EQ_bizStep":
                values = [vocabulary_word("bizStep", v) for v in values]
            elif name == "EQ_disposition":
                values = [vocabulary_word("disposition", v) for v in values]
            elif name in ("EQ_readPoint", "EQ_bizLocation"):
                values = [canonical_id(v) for v in values]
            getattr(query, _LIST_PARAMETERS[name]).extend(values)
        elif name in _MATCH_PARAMETERS:
            if not values:
                raise InvalidArgument(f"{name} needs an EPC (alternatives separated by |)")
            query.matches.append((_MATCH_PARAMETERS[name], [canonical_id(v) for v in values]))
        elif name in _TIME_PARAMETERS:
            query.times[name] = parse_time(raw, name)
        elif name == "EXISTS_errorDeclaration":
            query.error_declared = raw.strip().lower() not in ("false", "0")
        else:
            raise InvalidArgument(
                f"{_show(name)} is not a supported query parameter; use eventType, EQ_action, "
                "EQ_bizStep, EQ_disposition, EQ_readPoint, EQ_bizLocation, EQ_eventID, "
                "MATCH_epc, MATCH_parentID, MATCH_inputEPC, MATCH_outputEPC, MATCH_anyEPC, "
                "MATCH_epcClass, GE_/LT_eventTime, GE_/LT_recordTime, EXISTS_errorDeclaration"
            )
    return query


def page_size_of(requested: int) -> int:
    if requested < 0 or requested > MAX_PAGE_SIZE:
        raise InvalidArgument(f"perPage must be between 1 and {MAX_PAGE_SIZE}, got {requested}")
    return requested or DEFAULT_PAGE_SIZE


def page_token(last_seq: int) -> str:
    return base64.urlsafe_b64encode(f"after:{last_seq}".encode()).decode().rstrip("=")


def after_seq(token: str) -> int:
    """The position a nextPageToken continues after (0 for the first page)."""
    if not token:
        return 0
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        prefix, _, number = text.partition(":")
        if prefix != "after" or not number.isdigit():
            raise ValueError
        return int(number)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidArgument(
            f"nextPageToken {_show(token)} is not one this service issued; start again without it"
        ) from None


# --- what an event does in the suite ------------------------------------------------------

COMMISSION, INSPECT, PACK, UNPACK = "commission", "inspect", "pack", "unpack"
INSTALL, REMOVE = "install", "remove"
RECEIVE, SHIP = "receive", "ship"
STORE = "store"  # a unit production built goes into stock: production completes it
BUILD = "build"  # commissioning for a work order: production commissions the units
HOLD, RELEASE, RECALL = "hold", "release", "recall"  # quality's holds and recalls
RETURN = "return"  # a shipped unit comes back (RMA): the warehouse's return
DESTROY = "destroy"  # units destroyed: quality's nonconformance, dispositioned SCRAP
TRANSFORM = "transform"  # lots consumed into several output units: each gets its share
_INSTALLING = ("installing", "assembling")
_REMOVING = ("removing", "replacing", "disassembling")
_PASSED, _FAILED = "conformant", "non_conformant"
_HELD = ("unavailable", "non_sellable_other")  # a `holding` with these places a hold
_AVAILABLE = "available"  # a `holding` with this (or unsetting a held one) releases
_RECALLED = "recalled"
# The bizSteps an event may act by (any other is stored and queryable only), besides
# holding and recalls (`_quality_effect`) and transformations (any bizStep).
_ACTING_STEPS = frozenset(
    {"commissioning", "inspecting", "storing", "shipping", "receiving", "packing", "unpacking",
     "destroying", *_INSTALLING, *_REMOVING}
)  # fmt: skip


@dataclass(frozen=True)
class Effect:
    """The state change a captured event stands for (CBV meaning → the suite's rule)."""

    kind: str  # COMMISSION, BUILD, INSPECT, PACK, UNPACK, INSTALL, REMOVE, RECEIVE, SHIP,
    # STORE, HOLD, RELEASE, RECALL, RETURN, DESTROY or TRANSFORM
    items: tuple[tuple[str, str], ...] = ()  # (GTIN-14, serial) of the units concerned
    sscc: str = ""  # the package, for PACK and UNPACK
    passed: bool = True  # the inspection's result
    parent: tuple[str, str] | None = None  # (GTIN-14, serial), for INSTALL and REMOVE
    work_order: str = ""  # for BUILD
    packages: tuple[str, ...] = ()  # SSCCs shipped (SHIP), held or released (HOLD, RELEASE)
    # (GTIN-14, lot, quantity) received, installed; held or recalled (quantity 0: all of it)
    lots: tuple[tuple[str, str, float], ...] = ()
    location_gln: str = ""  # where units are received, for RECEIVE
    party_gln: str = ""  # the supplier (RECEIVE) or the customer (SHIP)
    reason: str = ""  # why quality holds, recalls (HOLD, RECALL) or scraps (DESTROY)
    rma: str = ""  # the return's RMA number, for RETURN ("" when the event names none)
    outputs: tuple[tuple[str, str], ...] = ()  # (GTIN-14, serial) made, for TRANSFORM


@dataclass(frozen=True)
class Checked:
    """Each event's verdict (None: it may apply, or it has no effect) and the ledger
    entries its effect will write (service, action, entity), for the ledger follower."""

    verdicts: list[ServiceError | None]
    claims: list[list[tuple[str, str, str]]]


@lru_cache(maxsize=65_536)
def _parsed(identifier: str) -> EpcId | None:
    """The GS1 keys of an identifier, None for one that names none (remembered: the
    events of a document name the same identifiers in several roles)."""
    try:
        return parse_epc(identifier)
    except EpcError:
        return None


def _items(identifiers: Iterable[str]) -> tuple[tuple[str, str], ...]:
    found = []
    for identifier in sorted(identifiers):
        parsed = _parsed(identifier)
        if parsed is not None and parsed.kind is EpcKind.SGTIN:
            found.append((parsed.key, parsed.qualifier))
    return tuple(found)


def _ssccs(identifiers: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({sscc for i in identifiers if (sscc := _sscc(i))}))


def _lot_classes(quantities: Any) -> tuple[tuple[str, str, float], ...]:
    """The lots (LGTIN classes) a quantity list names, whatever the quantity: a hold or a
    recall covers the whole lot."""
    found = set()
    for q in quantities or []:
        named = isinstance(q, dict) and isinstance(q.get("epcClass"), str)
        parsed = _parsed(q["epcClass"]) if named else None
        if parsed is not None and parsed.kind is EpcKind.LGTIN:
            found.add((parsed.key, parsed.qualifier, 0.0))
    return tuple(sorted(found))


def _lots(quantities: Any) -> tuple[tuple[str, str, float], ...]:
    found = []
    for q in quantities or []:
        if not isinstance(q, dict) or not isinstance(q.get("epcClass"), str):
            continue
        parsed = _parsed(q["epcClass"])
        quantity = q.get("quantity")
        if (
            parsed is not None
            and parsed.kind is EpcKind.LGTIN
            and isinstance(quantity, (int, float))
            and quantity > 0
        ):
            found.append((parsed.key, parsed.qualifier, float(quantity)))
    return tuple(found)


_GLN_LINK = re.compile(r"https://id\.gs1\.org/(?:414|417)/(\d{13})")
_OWNING_PARTY = (
    "owning_party",
    "https://ref.gs1.org/cbv/SDT-owning_party",
    "urn:epcglobal:cbv:sdt:owning_party",
)


def gln_of(identifier: str | None) -> str:
    """The GLN an SGLN or PGLN (URN or Digital Link) names; "" for anything else. An SGLN
    extension is left out: masterdata names places by GLN alone."""
    match = _GLN_LINK.match(canonical_id(identifier)) if identifier else None
    return match[1] if match else ""


def party_gln(event: Mapping[str, Any], key: str) -> str:
    """The GLN of the owning party in a sourceList or destinationList."""
    for entry in event.get(key) or []:
        owner = isinstance(entry, dict) and entry.get("type") in _OWNING_PARTY
        if owner and (gln := gln_of(entry.get(key.removesuffix("List")))):
            return gln
    return ""


def _sscc(identifier: str | None) -> str:
    parsed = _parsed(identifier) if identifier else None
    return parsed.key if parsed is not None and parsed.kind is EpcKind.SSCC else ""


def effect_of(event: IndexedEvent) -> Effect | None:
    """What `event` does in the suite, or None when it has no meaning here (it is stored
    and queryable only): commissioning ADD registers units (production commissions them
    when a `prodorder` business transaction names the work order), inspecting records an
    inspection (conformant passes, non_conformant fails), packing ADD packs units under
    the SSCC parentID and DELETE unpacks it, an AssociationEvent installing or
    assembling ADD installs its child units and lot quantities into the parentID unit
    and removing (or a DELETE) takes them out, shipping ships the units and SSCCs to the
    owning party of its destinationList, receiving takes units and lot quantities into
    stock at its bizLocation (from the owning party of its sourceList), storing completes
    the units production is building (which puts them into stock at their work order's
    output location), holding holds or releases (`_quality_effect`; a release is refused
    while anything it names is held), recalled recalls, a receiving with disposition
    returned takes shipped units back at its bizLocation (the warehouse's return, under
    the RMA its `rma` business transaction names), destroying opens a nonconformance of
    the units dispositioned SCRAP, and a TransformationEvent installs its inputs into its
    output unit (lots into several output units: `_transformation_effect`). Error
    declarations change nothing."""
    return event.effect


def _effect(event: IndexedEvent) -> Effect | None:
    if event.kind != KIND_EVENT:
        return None
    if event.event_type == "ObjectEvent" and (quality := _quality_effect(event)):
        return quality
    if event.event_type == "TransformationEvent":
        return _transformation_effect(event)
    if event.biz_step not in _ACTING_STEPS:
        return None
    if event.event_type == "ObjectEvent" and event.biz_step == "shipping":
        customer = party_gln(event.event, "destinationList")
        if not customer:  # shipped to no party the suite can name: stored only
            return None
    epcs = _items(i for role, i in event.identifiers if role == ROLE_EPC)
    if event.event_type == "ObjectEvent":
        if event.biz_step == "commissioning" and event.action == "ADD" and epcs:
            work_order = work_order_of(event.event)
            if work_order:
                return Effect(BUILD, epcs, work_order=work_order)
            return Effect(COMMISSION, epcs)
        if event.biz_step == "inspecting" and event.disposition in (_PASSED, _FAILED) and epcs:
            return Effect(INSPECT, epcs, passed=event.disposition == _PASSED)
        if event.action == "DELETE":
            return None
        if event.disposition == "returned":
            location = gln_of(event.biz_location)
            if event.biz_step != "receiving" or not (epcs and location):
                return None
            rma = business_transaction(event.event, _RMA)
            return Effect(RETURN, epcs, location_gln=location, rma=rma)
        if event.biz_step == "destroying" and epcs:
            reason = f"destroyed, as EPCIS event {event.event_id[:300]} says"
            return Effect(DESTROY, epcs, reason=reason)
        if event.biz_step == "storing" and epcs:
            return Effect(STORE, epcs)
        ssccs = _ssccs(i for role, i in event.identifiers if role == ROLE_EPC)
        if event.biz_step == "shipping" and (epcs or ssccs):
            return Effect(SHIP, epcs, packages=ssccs, party_gln=customer)
        lots = _lots(event.event.get("quantityList"))
        location = gln_of(event.biz_location)
        if event.biz_step == "receiving" and location and (epcs or lots):
            supplier = party_gln(event.event, "sourceList")
            return Effect(RECEIVE, epcs, lots=lots, location_gln=location, party_gln=supplier)
        return None
    parent = next((i for role, i in event.identifiers if role == ROLE_PARENT), None)
    if event.event_type == "AssociationEvent":
        parents = _items([parent]) if parent else ()
        lots = _lots(event.event.get("childQuantityList"))
        if len(parents) != 1 or not (epcs or lots):
            return None
        unit = parents[0]
        if event.action == "ADD" and event.biz_step in _INSTALLING:
            return Effect(INSTALL, epcs, parent=unit, lots=lots)
        if not epcs:
            return None
        if event.action == "DELETE" and event.biz_step in (*_REMOVING, *_INSTALLING):
            return Effect(REMOVE, epcs, parent=unit)
        return None
    if event.event_type == "AggregationEvent":
        sscc = _sscc(parent)
        if not sscc:
            return None
        if event.action == "ADD" and event.biz_step == "packing" and epcs:
            return Effect(PACK, epcs, sscc)
        if event.action == "DELETE" and event.biz_step in ("unpacking", "packing"):
            return Effect(UNPACK, (), sscc)
    return None


def _quality_effect(event: IndexedEvent) -> Effect | None:
    """Holding and recalls (CBV): bizStep `holding` with disposition `unavailable` or
    `non_sellable_other` holds the units, SSCC contents and lots it names; `holding` with
    `available`, or unsetting one of those persistent dispositions, releases them; the
    disposition `recalled` (bizStep `holding` or none) recalls them (SSCCs: their units)."""
    if event.action == "DELETE" or event.biz_step not in ("holding", None):
        return None
    epcs = [i for role, i in event.identifiers if role == ROLE_EPC]
    units, packages = _items(epcs), _ssccs(epcs)
    lots = _lot_classes(event.event.get("quantityList"))
    if not (units or packages or lots):
        return None
    if event.disposition == _RECALLED:
        reason = f"recalled, as EPCIS event {event.event_id[:300]} says"
        return Effect(RECALL, units, packages=packages, lots=lots, reason=reason)
    if event.biz_step != "holding":
        return None
    if event.disposition in _HELD:
        reason = f"{event.disposition}, as EPCIS event {event.event_id[:300]} says"
        return Effect(HOLD, units, packages=packages, lots=lots, reason=reason)
    persistent = event.event.get("persistentDisposition")
    unset = persistent.get("unset") if isinstance(persistent, dict) else None
    unset_words = {vocabulary_word("disposition", d) for d in unset or [] if isinstance(d, str)}
    if event.disposition == _AVAILABLE or unset_words & set(_HELD):
        return Effect(RELEASE, units, packages=packages, lots=lots)
    return None


def _transformation_effect(event: IndexedEvent) -> Effect | None:
    """Input units and lot quantities irreversibly consumed into output units (their
    genealogy). Into one output unit: every input is installed into it. Into several
    output units from lot quantities only: each output is made of every input lot, an
    equal share of each quantity (the event does not say who took how much; for the
    trace what counts is that each output contains each lot). Several outputs with
    serialized inputs (a unit is a component of one parent, and the event does not say
    which), output quantities (production makes units, not lots) or any output that is
    not a unit: stored only."""
    outputs = [i for role, i in event.identifiers if role == ROLE_OUTPUT]
    output_units = _items(outputs)
    if not outputs or len(output_units) != len(outputs) or event.event.get("outputQuantityList"):
        return None
    inputs = _items(i for role, i in event.identifiers if role == ROLE_INPUT)
    lots = _lots(event.event.get("inputQuantityList"))
    if not (inputs or lots):
        return None
    if len(output_units) == 1:
        return Effect(INSTALL, inputs, parent=output_units[0], lots=lots)
    if inputs or not lots:
        return None
    share = tuple((gtin, lot, quantity / len(output_units)) for gtin, lot, quantity in lots)
    return Effect(TRANSFORM, lots=share, outputs=output_units)


_PRODORDER = (
    "prodorder",
    "https://ref.gs1.org/cbv/BTT-prodorder",
    "urn:epcglobal:cbv:btt:prodorder",
)


_RMA = ("rma", "https://ref.gs1.org/cbv/BTT-rma", "urn:epcglobal:cbv:btt:rma")


def work_order_of(event: Mapping[str, Any]) -> str:
    """The work order a commissioning is for: the last segment (after the last "/" or
    ":") of its `prodorder` business transaction, e.g. WO-17 of
    urn:epcglobal:cbv:bt:4012345000009:WO-17; "" when it names none."""
    return business_transaction(event, _PRODORDER)


def business_transaction(event: Mapping[str, Any], kinds: tuple[str, ...]) -> str:
    """The last segment (after the last "/" or ":") of the event's first business
    transaction of one of `kinds` (a type in its three spellings); "" when none."""
    for transaction in event.get("bizTransactionList") or []:
        if isinstance(transaction, dict) and transaction.get("type") in kinds:
            value = str(transaction.get("bizTransaction", "")).rstrip("/")
            return value.replace(":", "/").rsplit("/", 1)[-1]
    return ""


def idempotency_key(event_id: str) -> str:
    """The key an event's effect is applied under: a retry of the capture (or a job
    that stopped half-way) applies it at most once."""
    return "epcis:" + hashlib.sha256(event_id.encode()).hexdigest()[:48]
