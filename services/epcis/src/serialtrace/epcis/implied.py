"""The EPCIS events the suite's own state changes imply, from the owners' audit ledgers
(plain rules, no I/O).

Every change the suite makes is an entry in its owner's hash-chained ledger, in order;
an entry below becomes one event, written with Digital Links (the GS1 names of a unit,
lot, package or place), at the entry's time. Its eventID is its CBV 2.0 hash, so it is
the same whenever and however often the ledger is followed.

- masterdata unit.registered (commissioned): ObjectEvent ADD commissioning, active
- production operation.recorded, quality inspection.recorded: ObjectEvent OBSERVE
  inspecting, conformant or non_conformant
- production component.installed / .removed: AssociationEvent ADD installing /
  DELETE removing
- warehouse package.packed / .unpacked: AggregationEvent ADD packing / DELETE unpacking
- warehouse unit.shipped: ObjectEvent OBSERVE shipping, in_transit, to the customer
- warehouse unit.received, lot.received: ObjectEvent OBSERVE receiving (storing when
  production completed it) at the location; unit.returned: receiving, returned
- quality hold.placed_on, recall.item: ObjectEvent OBSERVE holding, non_sellable_other
  or recalled, also set as the persistent disposition; hold.released_from of a unit no
  other hold covers: ObjectEvent OBSERVE, available, non_sellable_other unset

A captured event's own effect also writes such entries: `claims_of` names them in
advance, so the follower recognises them and implies no second event.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from serialtrace.common.epc import EpcId, EpcKind, to_digital_link
from serialtrace.common.ledger import lot_entity, unit_entity
from serialtrace.common.timeutil import as_utc
from serialtrace.epcis.domain import (
    BUILD,
    COMMISSION,
    HOLD,
    INSPECT,
    INSTALL,
    PACK,
    RECALL,
    RECEIVE,
    REMOVE,
    RETURN,
    SHIP,
    STORE,
    TRANSFORM,
    UNPACK,
    Effect,
)

FOLLOWED = ("masterdata", "production", "quality", "warehouse")  # ledgers implying events


@dataclass(frozen=True)
class LedgerEntry:
    service: str
    seq: int
    at: datetime
    action: str
    entity_type: str
    entity_id: str
    payload: dict[str, Any]

    @property
    def fact(self) -> tuple[str, str, str]:
        """(service, action, entity): what a captured event's claim names."""
        return self.service, self.action, self.entity_id

    @property
    def position(self) -> str:
        return f"{self.service}:{self.seq}"


def entry_of(
    service: str, seq: int, at: datetime, action: str, entity_type: str, entity_id: str,
    payload_json: str,
) -> LedgerEntry:  # fmt: skip
    return LedgerEntry(
        service, seq, at, action, entity_type, entity_id, json.loads(payload_json or "{}")
    )


@dataclass
class Names:
    """The GS1 names of the suite's things: product SKU → GTIN-14, location code → GLN,
    party code → GLN ("" when masterdata has none)."""

    gtins: dict[str, str] = field(default_factory=dict)
    location_glns: dict[str, str] = field(default_factory=dict)
    party_glns: dict[str, str] = field(default_factory=dict)


def names_needed(entries: list[LedgerEntry]) -> tuple[set[str], set[str], set[str]]:
    """(SKUs, location codes, party codes) the entries name."""
    skus: set[str] = set()
    locations: set[str] = set()
    parties: set[str] = set()
    for entry in entries:
        for text in (entry.entity_id, entry.payload.get("parent"), entry.payload.get("component")):
            if isinstance(text, str) and (":" in text or "/" in text):
                skus.add(text.replace("/", ":").split(":", 1)[0])
        for unit in entry.payload.get("units") or []:
            if isinstance(unit, str):
                skus.add(unit.split("/", 1)[0])
        if isinstance(entry.payload.get("location"), str):
            locations.add(entry.payload["location"])
        for key in ("customer", "supplier"):
            if isinstance(entry.payload.get(key), str):
                parties.add(entry.payload[key])
    return skus, locations, parties


def _split(text: str, separator: str) -> tuple[str, str]:
    sku, _, key = text.partition(separator)
    return sku, key


def _item(names: Names, sku: str, serial: str) -> str | None:
    gtin = names.gtins.get(sku)
    return to_digital_link(EpcId(EpcKind.SGTIN, gtin, serial)) if gtin else None


def _lot(names: Names, sku: str, lot: str) -> str | None:
    gtin = names.gtins.get(sku)
    return to_digital_link(EpcId(EpcKind.LGTIN, gtin, lot)) if gtin else None


def _sscc(sscc: str) -> str:
    return to_digital_link(EpcId(EpcKind.SSCC, sscc))


def _place(gln: str) -> dict[str, str]:
    return {"id": to_digital_link(EpcId(EpcKind.SGLN, gln))}


def _party(gln: str) -> str:
    return f"https://id.gs1.org/417/{gln}"


def _base(entry: LedgerEntry, event_type: str, action: str, biz_step: str) -> dict[str, Any]:
    moment = as_utc(entry.at)
    return {
        "type": event_type,
        "eventTime": moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z",
        "eventTimeZoneOffset": "+00:00",
        "action": action,
        "bizStep": biz_step,
    }


def implied_event(entry: LedgerEntry, names: Names) -> dict[str, Any] | None:
    """The event an entry implies, or None (no EPCIS meaning, or a thing without a GS1
    name: a product without a GTIN)."""
    p, kind = entry.payload, (entry.service, entry.action)
    sku, key = _split(entry.entity_id, ":")
    if entry.entity_type == "unit" and kind in _UNIT_OBJECT_EVENTS:
        epc = _item(names, sku, key)
        if epc is None or (kind == ("masterdata", "unit.registered") and
                           p.get("source") != "COMMISSIONED"):  # fmt: skip
            return None
        action, biz_step, disposition = _UNIT_OBJECT_EVENTS[kind]
        if kind in (("production", "operation.recorded"), ("quality", "inspection.recorded")):
            disposition = "conformant" if p.get("result") == "PASS" else "non_conformant"
        if kind == ("warehouse", "unit.received") and p.get("work_order"):
            biz_step = "storing"
        event = {**_base(entry, "ObjectEvent", action, biz_step), "epcList": [epc]}
        event["disposition"] = disposition
        if disposition in ("non_sellable_other", "recalled"):
            event["persistentDisposition"] = {"set": [disposition]}
        location = names.location_glns.get(str(p.get("location") or ""))
        if location:
            event["bizLocation"] = _place(location)
        customer = names.party_glns.get(str(p.get("customer") or ""))
        if customer:
            event["destinationList"] = [{"type": "owning_party", "destination": _party(customer)}]
        supplier = names.party_glns.get(str(p.get("supplier") or ""))
        if supplier:
            event["sourceList"] = [{"type": "owning_party", "source": _party(supplier)}]
        return event
    if kind == ("quality", "hold.released_from") and entry.entity_type == "unit":
        epc = _item(names, sku, key)
        if epc is None or p.get("still_held"):  # another hold keeps it unavailable
            return None
        moment = _base(entry, "ObjectEvent", "OBSERVE", "")
        del moment["bizStep"]  # CBV names no step for a release: only the disposition changes
        return {
            **moment,
            "epcList": [epc],
            "disposition": "available",
            "persistentDisposition": {"unset": ["non_sellable_other"]},
        }
    if kind == ("warehouse", "lot.received"):
        epc_class = _lot(names, sku, key)
        if epc_class is None:
            return None
        event = {
            **_base(entry, "ObjectEvent", "OBSERVE", "receiving"),
            "quantityList": [{"epcClass": epc_class, "quantity": float(p.get("quantity") or 0)}],
        }
        location = names.location_glns.get(str(p.get("location") or ""))
        if location:
            event["bizLocation"] = _place(location)
        return event
    if kind in (("production", "component.installed"), ("production", "component.removed")):
        parent = _item(names, sku, key)
        c_sku, c_key = _split(str(p.get("component", "")), "/")
        if parent is None:
            return None
        installed = entry.action == "component.installed"
        event = _base(
            entry,
            "AssociationEvent",
            "ADD" if installed else "DELETE",
            "installing" if installed else "removing",
        )
        event["parentID"] = parent
        if p.get("component_kind", "UNIT") == "LOT":
            epc_class = _lot(names, c_sku, c_key)
            if epc_class is None:
                return None
            event["childQuantityList"] = [
                {"epcClass": epc_class, "quantity": float(p.get("quantity") or 0)}
            ]
        else:
            child = _item(names, c_sku, c_key)
            if child is None:
                return None
            event["childEPCs"] = [child]
        return event
    if kind == ("warehouse", "package.packed"):
        children = [_item(names, *_split(u, "/")) for u in p.get("units") or []]
        children += [_sscc(s) for s in p.get("packages") or []]
        if None in children:
            return None
        event = _base(entry, "AggregationEvent", "ADD", "packing")
        return {**event, "parentID": _sscc(entry.entity_id), "childEPCs": children}
    if kind == ("warehouse", "package.unpacked"):
        event = _base(entry, "AggregationEvent", "DELETE", "unpacking")
        return {**event, "parentID": _sscc(entry.entity_id)}
    return None


# (service, action) of a unit's entry → (action, bizStep, disposition) of its ObjectEvent
_UNIT_OBJECT_EVENTS: Mapping[tuple[str, str], tuple[str, str, str]] = {
    ("masterdata", "unit.registered"): ("ADD", "commissioning", "active"),
    ("production", "operation.recorded"): ("OBSERVE", "inspecting", "conformant"),
    ("quality", "inspection.recorded"): ("OBSERVE", "inspecting", "conformant"),
    ("warehouse", "unit.shipped"): ("OBSERVE", "shipping", "in_transit"),
    ("warehouse", "unit.received"): ("OBSERVE", "receiving", "in_progress"),
    ("warehouse", "unit.returned"): ("OBSERVE", "receiving", "returned"),
    ("quality", "hold.placed_on"): ("OBSERVE", "holding", "non_sellable_other"),
    ("quality", "recall.item"): ("OBSERVE", "holding", "recalled"),
}


def claims_of(
    effect: Effect,
    skus: Mapping[str, str],
    contents: Mapping[str, list[tuple[str, str]]],
    existing: set[tuple[str, str]],
    building: set[tuple[str, str]],
) -> list[tuple[str, str, str]]:
    """The ledger entries (service, action, entity) a captured event's effect writes,
    for the follower to recognise as that event's. `contents`: the units inside each
    SSCC a shipment names (the warehouse writes one entry per unit shipped); `existing`:
    the units the suite knows (receiving moves those, and a move implies no event);
    `building`: the units production has not completed (storing completes those, and
    completion receives them into stock)."""
    units = [unit_entity(skus[g], s) for g, s in effect.items if g in skus]
    if effect.kind in (COMMISSION, BUILD):
        return [("masterdata", "unit.registered", u) for u in units]
    if effect.kind == INSPECT:
        return [("quality", "inspection.recorded", u) for u in units]
    if effect.kind == PACK:
        return [("warehouse", "package.packed", effect.sscc)]
    if effect.kind == UNPACK:
        return [("warehouse", "package.unpacked", effect.sscc)]
    if effect.kind == RETURN:
        return [("warehouse", "unit.returned", u) for u in units]
    if effect.kind == TRANSFORM:
        outputs = [unit_entity(skus[g], s) for g, s in effect.outputs if g in skus]
        return [("production", "component.installed", o) for o in outputs for _ in effect.lots]
    if effect.kind in (INSTALL, REMOVE) and effect.parent and effect.parent[0] in skus:
        action = "component.installed" if effect.kind == INSTALL else "component.removed"
        parent = unit_entity(skus[effect.parent[0]], effect.parent[1])
        return [("production", action, parent) for _ in [*units, *effect.lots]]
    if effect.kind == SHIP:
        inside = [unit_entity(*u) for sscc in effect.packages for u in contents.get(sscc, [])]
        return [("warehouse", "unit.shipped", u) for u in [*units, *inside]]
    packed = {u for sscc in effect.packages for u in contents.get(sscc, [])}
    named = sorted({(skus[g], s) for g, s in effect.items if g in skus} | packed)
    if effect.kind == HOLD:
        # Quality writes one hold.placed_on per subject: each unit (named or packed in an
        # SSCC the event names) and each lot.
        lots = sorted({lot_entity(skus[g], lot) for g, lot, _ in effect.lots if g in skus})
        return [("quality", "hold.placed_on", unit_entity(*u)) for u in named] + [
            ("quality", "hold.placed_on", lot) for lot in lots
        ]
    if effect.kind == RECALL:
        # One recall.item per top-level unit in scope: the units the event names (or packs)
        # are those when nothing contains them (a lot's or a component's scope is the
        # suite's own).
        return [("quality", "recall.item", unit_entity(*u)) for u in named]
    if effect.kind == STORE:
        done = [unit_entity(skus[g], s) for g, s in effect.items if (skus.get(g), s) in building]
        return [("warehouse", "unit.received", u) for u in done]
    if effect.kind == RECEIVE:
        lots = [lot_entity(skus[g], lot) for g, lot, _ in effect.lots if g in skus]
        new = [
            unit_entity(skus[g], s)
            for g, s in effect.items
            if g in skus and (skus[g], s) not in existing
        ]
        return [("warehouse", "unit.received", u) for u in new] + [
            ("warehouse", "lot.received", lot) for lot in lots
        ]
    return []
