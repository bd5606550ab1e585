"""Products, BOM revisions, parties, locations and lots through the real service."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import grpc

from serialtrace.common.testing import rpc_error, unique
from serialtrace.common.timeutil import to_timestamp
from serialtrace.core.v1 import core_pb2
from serialtrace.masterdata.v1 import masterdata_pb2 as pb

Masterdata = Any


def test_product_gtin_is_normalized_validated_and_looked_up(masterdata: Masterdata) -> None:
    sku = unique("G")
    created = masterdata.admin.CreateProduct(
        pb.CreateProductRequest(
            product=pb.Product(
                sku=sku,
                name="Gizmo",
                kind=pb.PRODUCT_KIND_FINISHED,
                tracking=pb.TRACKING_MODE_SERIAL,
                gtin="4006381333931",
            )
        )
    ).product
    assert created.gtin == "04006381333931"
    assert created.serial_pattern  # SERIAL products always carry a pattern
    found = masterdata.as_role("viewer").BatchGetProducts(
        pb.BatchGetProductsRequest(gtins=["04006381333931"])
    )
    assert [p.sku for p in found.products] == [sku]
    error = rpc_error(
        masterdata.admin.CreateProduct,
        pb.CreateProductRequest(
            product=pb.Product(
                sku=unique("G"),
                name="Bad",
                kind=pb.PRODUCT_KIND_FINISHED,
                tracking=pb.TRACKING_MODE_SERIAL,
                gtin="4006381333932",
            )
        ),
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and "check digit" in error.details()


def test_product_rules_give_specific_messages(masterdata: Masterdata) -> None:
    admin = masterdata.admin
    cases = [
        (
            pb.Product(
                sku="bad sku",
                name="x",
                kind=pb.PRODUCT_KIND_FINISHED,
                tracking=pb.TRACKING_MODE_SERIAL,
            ),
            "SKU",
        ),
        (pb.Product(sku=unique("S"), name="x", tracking=pb.TRACKING_MODE_SERIAL), "product kind"),
        (
            pb.Product(
                sku=unique("S"),
                name="x",
                kind=pb.PRODUCT_KIND_FINISHED,
                tracking=pb.TRACKING_MODE_SERIAL,
                serial_pattern="(",
            ),
            "regular expression",
        ),
        (
            pb.Product(
                sku=unique("S"),
                name="x",
                kind=pb.PRODUCT_KIND_FINISHED,
                tracking=pb.TRACKING_MODE_SERIAL,
                serial_pattern=r"\d+",
                serial_template="SN{seq}",
            ),
            "does not match",
        ),
        (
            pb.Product(
                sku=unique("S"),
                name="x",
                kind=pb.PRODUCT_KIND_MATERIAL,
                tracking=pb.TRACKING_MODE_LOT,
                serial_pattern=r"\d+",
            ),
            "only SERIAL",
        ),
        (
            pb.Product(
                sku=unique("S"),
                name="",
                kind=pb.PRODUCT_KIND_FINISHED,
                tracking=pb.TRACKING_MODE_SERIAL,
            ),
            "name",
        ),
    ]
    for product, words in cases:
        error = rpc_error(admin.CreateProduct, pb.CreateProductRequest(product=product))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, (product, error.details())
        assert words in error.details()


def test_bom_revision_with_effectivity_items_and_unknown_sku(masterdata: Masterdata) -> None:
    parent, part = masterdata.serial_product(), masterdata.serial_product()
    when = datetime(2026, 1, 1, tzinfo=UTC)
    bom = masterdata.admin.CreateBomRevision(
        pb.CreateBomRevisionRequest(
            sku=parent,
            revision="B",
            effective_from=to_timestamp(when),
            items=[pb.BomItem(sku=part, quantity=2)],
        )
    ).bom_revision
    assert [(i.sku, i.quantity) for i in bom.items] == [(part, 2.0)]
    assert not bom.HasField("approval")
    got = (
        masterdata.as_role("viewer")
        .BatchGetBomRevisions(pb.BatchGetBomRevisionsRequest(skus=[parent]))
        .bom_revisions
    )
    assert [(b.revision, b.effective_from.ToDatetime(tzinfo=UTC)) for b in got] == [("B", when)]
    error = rpc_error(
        masterdata.admin.CreateBomRevision,
        pb.CreateBomRevisionRequest(
            sku=parent, revision="C", items=[pb.BomItem(sku="NOT-A-SKU", quantity=1)]
        ),
    )
    assert error.code() == grpc.StatusCode.NOT_FOUND and "NOT-A-SKU" in error.details()
    error = rpc_error(
        masterdata.admin.CreateBomRevision,
        pb.CreateBomRevisionRequest(
            sku=parent, revision="B", items=[pb.BomItem(sku=part, quantity=1)]
        ),
    )
    assert error.code() == grpc.StatusCode.ALREADY_EXISTS


def test_locations_form_a_tree_and_gln_is_checked(masterdata: Masterdata) -> None:
    site, bin_ = unique("SITE"), unique("BIN")
    admin = masterdata.admin
    admin.CreateLocation(
        pb.CreateLocationRequest(
            location=pb.Location(code=site, name="Plant", kind=pb.LOCATION_KIND_SITE)
        )
    )
    admin.CreateLocation(
        pb.CreateLocationRequest(
            location=pb.Location(
                code=bin_, name="Bin 1", kind=pb.LOCATION_KIND_BIN, parent_code=site
            )
        )
    )
    got = (
        masterdata.as_role("viewer")
        .BatchGetLocations(pb.BatchGetLocationsRequest(codes=[bin_, "nope"]))
        .locations
    )
    assert [(x.code, x.parent_code) for x in got] == [(bin_, site)]
    error = rpc_error(
        admin.CreateLocation,
        pb.CreateLocationRequest(
            location=pb.Location(
                code=unique("L"), name="x", kind=pb.LOCATION_KIND_SITE, gln="9520123456789"
            )
        ),
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and "GLN" in error.details()


def _gln(seed: int) -> str:
    from serialtrace.common.gs1 import gs1_check_digit

    body = f"408{seed:09d}"
    return body + str(gs1_check_digit(body))


def test_locations_and_parties_are_found_by_their_gln(masterdata: Masterdata) -> None:
    seed = int(unique("x")[2:], 16)
    place_gln, party_gln = _gln(seed), _gln(seed + 1)
    place, party = unique("LOC"), unique("CUST")
    admin = masterdata.admin
    admin.CreateLocation(
        pb.CreateLocationRequest(
            location=pb.Location(
                code=place, name="Dock", kind=pb.LOCATION_KIND_WAREHOUSE, gln=place_gln
            )
        )
    )
    created = admin.CreateParty(
        pb.CreatePartyRequest(
            party=pb.Party(code=party, name="ACME", kind=pb.PARTY_KIND_CUSTOMER, gln=party_gln)
        )
    ).party
    assert created.gln == party_gln
    found = masterdata.as_role("viewer").BatchGetByGln(
        pb.BatchGetByGlnRequest(glns=[place_gln, party_gln, _gln(seed + 2)])
    )
    assert [x.code for x in found.locations] == [place]
    assert [(x.code, x.gln) for x in found.parties] == [(party, party_gln)]
    # A GLN names one party; a bad one is refused naming it.
    taken = rpc_error(
        admin.CreateParty,
        pb.CreatePartyRequest(
            party=pb.Party(code=unique("C"), name="x", kind=pb.PARTY_KIND_CUSTOMER, gln=party_gln)
        ),
    )
    assert taken.code() == grpc.StatusCode.ALREADY_EXISTS and party_gln in taken.details()
    bad = rpc_error(
        admin.CreateParty,
        pb.CreatePartyRequest(
            party=pb.Party(
                code=unique("C"), name="x", kind=pb.PARTY_KIND_CUSTOMER, gln="9520123456789"
            )
        ),
    )
    assert bad.code() == grpc.StatusCode.INVALID_ARGUMENT and "GLN" in bad.details()


def test_lots_belong_to_lot_tracked_products_and_suppliers(masterdata: Masterdata) -> None:
    material, supplier, customer = masterdata.lot_product("RESIN"), unique("SUP"), unique("CUS")
    admin = masterdata.admin
    admin.CreateParty(
        pb.CreatePartyRequest(
            party=pb.Party(code=supplier, name="Supplier", kind=pb.PARTY_KIND_SUPPLIER)
        )
    )
    admin.CreateParty(
        pb.CreatePartyRequest(
            party=pb.Party(code=customer, name="Customer", kind=pb.PARTY_KIND_CUSTOMER)
        )
    )
    operator = masterdata.as_role("operator")
    lot = operator.RegisterLot(
        pb.RegisterLotRequest(
            lot=pb.Lot(
                sku=material, lot_number="L-001", supplier_code=supplier, supplier_lot_number="S-9"
            )
        )
    ).lot
    assert (lot.sku, lot.lot_number, lot.supplier_code) == (material, "L-001", supplier)
    again = rpc_error(
        operator.RegisterLot, pb.RegisterLotRequest(lot=pb.Lot(sku=material, lot_number="L-001"))
    )
    assert again.code() == grpc.StatusCode.ALREADY_EXISTS
    wrong_party = rpc_error(
        operator.RegisterLot,
        pb.RegisterLotRequest(lot=pb.Lot(sku=material, lot_number="L-002", supplier_code=customer)),
    )
    assert wrong_party.code() == grpc.StatusCode.FAILED_PRECONDITION
    found = operator.BatchGetLots(
        pb.BatchGetLotsRequest(keys=[core_pb2.LotKey(sku=material, lot_number="L-001")])
    ).lots
    assert [x.supplier_lot_number for x in found] == ["S-9"]
