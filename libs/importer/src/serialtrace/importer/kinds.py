"""The file kinds an import reads, their columns, and the order they apply in."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FileKind:
    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()

    @property
    def file_name(self) -> str:
        return f"{self.name}.csv"

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


# In dependency order: what a later kind refers to comes first.
KINDS: tuple[FileKind, ...] = (
    FileKind(
        "products",
        ("sku", "name", "kind", "tracking"),
        ("gtin", "serial_pattern", "uniqueness", "required_attributes"),
    ),
    FileKind("parties", ("code", "name", "kind"), ("gln",)),
    FileKind("locations", ("code", "name", "kind"), ("parent_code", "gln")),
    FileKind(
        "boms",
        ("sku", "revision", "component_sku", "quantity"),
        ("effective_from", "approved_by", "approved_at", "approval_meaning"),
    ),
    FileKind(
        "lots",
        ("sku", "lot_number"),
        (
            "supplier_code",
            "supplier_lot_number",
            "produced_at",
            "expires_at",
            "quantity",
            "location_code",
        ),
    ),
    FileKind(
        "units",
        ("sku", "serial"),
        ("status", "created_at", "attributes", "aliases", "location_code"),
    ),
    FileKind(
        "genealogy",
        ("parent_sku", "parent_serial", "installed_at"),
        (
            "component_sku",
            "component_serial",
            "lot_sku",
            "lot_number",
            "quantity",
            "installed_by",
            "removed_at",
            "removal_reason",
        ),
    ),
    FileKind(
        "operations",
        ("sku", "serial", "operation", "station", "operator", "finished_at", "result"),
        ("started_at", "measurements", "approved_by", "approved_at", "approval_meaning"),
    ),
    FileKind(
        "shipments",
        ("sku", "serial", "customer_code", "shipped_at"),
        ("carrier", "tracking_number", "sscc"),
    ),
)

BY_NAME: dict[str, FileKind] = {k.name: k for k in KINDS}

# Kinds that rest only on earlier stages, never on each other, apply side by side: the
# installations and the operation records both need the units and nothing of one
# another, so the services work on one while the importer prepares the other.
# Shipments come after both (a unit is shipped as built).
STAGE: dict[str, int] = {
    "products": 0,
    "parties": 1,
    "locations": 2,
    "boms": 3,
    "lots": 4,
    "units": 5,
    "genealogy": 6,
    "operations": 6,
    "shipments": 7,
}
