"""The dry run's rules, without I/O: rows in, problems out, against a database held in
a dict (DictCatalog)."""

from __future__ import annotations

from collections.abc import Iterator

from serialtrace.importer.checking import Checker, DictCatalog, ProductInfo
from serialtrace.importer.kinds import BY_NAME
from serialtrace.importer.problems import Problem
from serialtrace.importer.reading import Row


def rows(kind: str, *lines: str) -> Iterator[Row]:
    header = BY_NAME[kind].columns
    for number, line in enumerate(lines, start=2):
        cells = line.split("|")
        yield Row(number, dict(zip(header, cells + [""] * (len(header) - len(cells)), strict=True)))


PRODUCTS = (
    # sku|name|kind|tracking|gtin|serial_pattern|uniqueness|required_attributes
    "CTRL|控制器|FINISHED|SERIAL||CT[0-9]{6}",
    "PCBA|主板|SUBASSEMBLY|SERIAL||PB[0-9]{6}",
    "RES|电阻|MATERIAL|LOT",
)
BOMS = ("CTRL|A|PCBA|1", "CTRL|A|RES|4", "PCBA|A|RES|2")


def check(files: dict[str, tuple[str, ...]], catalog: DictCatalog | None = None) -> list[str]:
    checker = Checker(catalog or DictCatalog())
    for kind in (
        "products",
        "parties",
        "locations",
        "boms",
        "lots",
        "units",
        "genealogy",
        "operations",
        "shipments",
    ):
        if kind in files:
            checker.check_rows(kind, f"{kind}.csv", rows(kind, *files[kind]))
    return [str(p) for p in checker.finish()]


def test_a_consistent_set_of_files_has_no_problem() -> None:
    assert (
        check(
            {
                "products": PRODUCTS,
                "parties": ("SUP1|供应商|SUPPLIER", "CUST1|客户|CUSTOMER"),
                "locations": ("SITE|工厂|SITE", "WH1|仓库|WAREHOUSE|SITE"),
                "boms": BOMS,
                "lots": ("RES|L1|SUP1||2024-01-02|2026-01-02|500|WH1",),
                "units": (
                    "CTRL|CT000001|COMPLETE|2024-02-01T08:00:00+08:00|"
                    '{"fw": "1.2"}|MAC:00-1B-63-84-45-E6',
                    "PCBA|PB000001",
                ),
                "genealogy": (
                    "CTRL|CT000001|2024-02-01T09:00:00Z|PCBA|PB000001",
                    "CTRL|CT000001|2024-02-01T09:00:00Z|||RES|L1|4",
                ),
                "operations": (
                    "CTRL|CT000001|TEST|ST-1|王伟|2024-02-01T10:00:00Z|PASS|"
                    '2024-02-01T09:50:00Z|{"v": 3.3}',
                ),
                "shipments": ("CTRL|CT000001|CUST1|2024-03-01",),
            }
        )
        == []
    )


def test_each_cell_problem_names_file_row_column_and_code() -> None:
    problems = check(
        {
            "products": PRODUCTS,
            "units": (
                "CTRL|CT000001||2024-13-01",
                "CTRL|CT000002|||{not json",
                "CTRL|XX1",
            ),
            "operations": ("CTRL|CT000001|TEST|ST|OP|2024-02-01|MAYBE||||",),
            "boms": ("CTRL|B|RES|-2",),
        }
    )
    assert problems == [
        "boms.csv:2: quantity: BAD_NUMBER '-2' is not a positive number",
        "units.csv:2: created_at: BAD_DATE '2024-13-01' is not an ISO 8601 date "
        "such as 2024-05-01T08:30:00+08:00",
        "units.csv:3: attributes: BAD_JSON is not JSON "
        "(Expecting property name enclosed in double quotes at character 1)",
        "units.csv:4: serial: PATTERN_MISMATCH 'XX1' does not match CTRL's serial pattern "
        "'CT[0-9]{6}'",
        "operations.csv:2: result: BAD_VALUE 'MAYBE' is not one of PASS, FAIL",
    ]


def test_duplicates_within_the_files_and_against_the_database() -> None:
    catalog = DictCatalog(
        product_info={"CTRL": ProductInfo("SERIAL", "CT[0-9]{6}")},
        unit_keys={("CTRL", "CT000009")},
        party_kinds={"SUP1": "SUPPLIER"},
    )
    problems = check(
        {
            "products": ("CTRL|控制器|FINISHED|SERIAL",),
            "parties": ("SUP1|x|SUPPLIER",),
            "units": ("CTRL|CT000001", "CTRL|CT000001", "CTRL|CT000009"),
        },
        catalog,
    )
    assert [p.split(" ", 2)[:2] for p in problems] == [
        ["products.csv:2:", "sku:"],
        ["parties.csv:2:", "code:"],
        ["units.csv:3:", "serial:"],
        ["units.csv:4:", "serial:"],
    ]
    assert [p.split(" ")[2] for p in problems] == ["CONFLICT", "CONFLICT", "DUPLICATE", "CONFLICT"]
    assert "also in units.csv row 2" in problems[2]


def test_references_are_found_in_the_files_or_the_database_or_reported() -> None:
    catalog = DictCatalog(
        product_info={"CTRL": ProductInfo("SERIAL", "CT[0-9]{6}"), "RES": ProductInfo("LOT", "")},
        unit_keys={("CTRL", "CT000005")},
        boms={("CTRL", "A"): {"RES"}},
        lot_keys={("RES", "DB-LOT")},
    )
    problems = check(
        {
            "units": ("CTRL|CT000001", "GHOST|G1"),
            "genealogy": (
                "CTRL|CT000005|2024-01-01|||RES|DB-LOT|1",  # both in the database
                "CTRL|CT000001|2024-01-01|||RES|NO-LOT|1",
                "CTRL|CT000404|2024-01-01|||RES|DB-LOT|1",
            ),
            "operations": ("CTRL|CT000777|T|S|O|2024-01-01|PASS",),
            "shipments": ("CTRL|CT000001|NOBODY|2024-01-01",),
        },
        catalog,
    )
    assert [" ".join(p.split(" ")[:3]) for p in problems] == [
        "units.csv:3: sku: NOT_FOUND",
        "genealogy.csv:3: lot_number: NOT_FOUND",
        "genealogy.csv:4: parent_serial: NOT_FOUND",
        "operations.csv:2: serial: NOT_FOUND",
        "shipments.csv:2: customer_code: NOT_FOUND",
    ]


def test_bom_membership_two_parents_cycles_and_removal_before_install() -> None:
    catalog = DictCatalog(parents={("PCBA", "PB000009"): ("CTRL", "CT000099")})
    problems = check(
        {
            "products": (*PRODUCTS, "OTHER|x|COMPONENT|SERIAL||OT[0-9]+"),
            "boms": (*BOMS, "PCBA|A|CTRL|1"),
            "units": (
                "CTRL|CT000001",
                "CTRL|CT000002",
                "PCBA|PB000001",
                "PCBA|PB000009",
                "OTHER|OT1",
            ),
            "genealogy": (
                "CTRL|CT000001|2024-01-01|PCBA|PB000001",
                "CTRL|CT000002|2024-01-01|PCBA|PB000001",  # second current parent
                "CTRL|CT000001|2024-01-01|OTHER|OT1",  # not in CTRL's BOM
                "PCBA|PB000001|2024-01-02|CTRL|CT000001",  # closes a loop
                "CTRL|CT000002|2024-01-05|PCBA|PB000009",  # installed elsewhere in the database
                # removed before it was installed
                "CTRL|CT000002|2024-01-05|||RES|L9|1|x|2024-01-04|rework",
            ),
            "lots": ("RES|L9",),
        },
        catalog,
    )
    assert [" ".join(p.split(" ")[:3]) for p in problems] == [
        "genealogy.csv:3: component_serial: TWO_PARENTS",
        "genealogy.csv:4: component_sku: NOT_IN_BOM",
        "genealogy.csv:5: component_serial: CYCLE",
        "genealogy.csv:6: component_serial: TWO_PARENTS",
        "genealogy.csv:7: removed_at: REMOVED_BEFORE_INSTALL",
    ]


def test_a_long_file_with_three_bad_rows_reports_exactly_those_three() -> None:
    count = 20_000
    bad = {777: "CT12", 9_001: "CT000001", 19_999: "{"}

    def units() -> Iterator[Row]:
        for n in range(2, count + 2):
            serial = f"CT{n:06d}"
            attributes = "{}"
            if n == 777:
                serial = bad[777]  # pattern
            elif n == 9_001:
                serial = "CT000002"  # duplicate of row 2
            elif n == 19_999:
                attributes = "{"
            yield Row(n, {"sku": "CTRL", "serial": serial, "attributes": attributes})

    checker = Checker(DictCatalog())
    checker.check_rows("products", "products.csv", rows("products", *PRODUCTS))
    checker.check_rows("units", "units.csv", units())
    problems: list[Problem] = checker.finish()
    assert [(p.row, p.code) for p in problems] == [
        (777, "PATTERN_MISMATCH"),
        (9_001, "DUPLICATE"),
        (19_999, "BAD_JSON"),
    ]
    assert checker.rows_read["units.csv"] == count


def test_a_party_gln_is_checked_for_its_digit_and_named_by_one_party_only() -> None:
    # 4098765000010 and 4098765000027 are valid GLNs; ...018 has the wrong check digit.
    catalog = DictCatalog(
        party_kinds={"OLD": "SUPPLIER"}, party_codes_by_gln={"4098765000027": "OLD"}
    )
    problems = check(
        {
            "parties": (
                "SUP1|x|SUPPLIER|4098765000010",
                "SUP2|x|SUPPLIER|4098765000018",  # row 3: BAD_GLN
                "CUST1|x|CUSTOMER|4098765000010",  # row 4: DUPLICATE within the file
                "CUST2|x|CUSTOMER|4098765000027",  # row 5: another party's in the database
                "CUST3|x|CUSTOMER|",  # no GLN: fine
            )
        },
        catalog,
    )
    assert [" ".join(p.split(" ")[:3]) for p in problems] == [
        "parties.csv:3: gln: BAD_GLN",
        "parties.csv:4: gln: DUPLICATE",
        "parties.csv:5: gln: CONFLICT",
    ]
    assert "expected 0" in problems[0]
    assert "also in parties.csv row 2" in problems[1]
    assert "already belongs to party 'OLD'" in problems[2]


def test_a_resumed_batch_finds_its_own_party_gln_in_the_database_without_conflict() -> None:
    catalog = DictCatalog(
        party_kinds={"SUP1": "SUPPLIER"}, party_codes_by_gln={"4098765000010": "SUP1"}
    )
    checker = Checker(catalog, report_conflicts=False)
    checker.check_rows("parties", "parties.csv", rows("parties", "SUP1|x|SUPPLIER|4098765000010"))
    assert checker.finish() == []


def test_a_located_unit_that_cannot_be_stock_is_refused_and_a_purchased_one_is_not() -> None:
    problems = check(
        {
            "products": (*PRODUCTS, "PART|部件|COMPONENT|SERIAL"),
            "locations": ("WH1|仓库|WAREHOUSE",),
            "units": (
                "CTRL|CT000001|COMPLETE||||WH1",
                "CTRL|CT000002|IN_PROCESS||||WH1",
                "PCBA|PB000001|COMMISSIONED||||WH1",
                "PCBA|PB000002|SCRAPPED||||WH1",
                "PART|P1|COMMISSIONED||||WH1",
                "PART|P2|SCRAPPED||||WH1",
                "CTRL|CT000003|IN_PROCESS||||",
            ),
        }
    )
    assert [p.split(" ", 2)[:2] for p in problems] == [
        ["units.csv:3:", "location_code:"],
        ["units.csv:4:", "location_code:"],
        ["units.csv:5:", "location_code:"],
        ["units.csv:7:", "location_code:"],
    ]
    assert all("BAD_VALUE" in p for p in problems)
    assert "IN_PROCESS unit of CTRL (made here) is work in progress" in problems[0]
    assert "SCRAPPED unit is in no stock" in problems[2]


def test_which_imported_units_enter_stock_at_their_location() -> None:
    from serialtrace.importer.rules import in_stock

    assert in_stock("COMPLETE", "FINISHED", "WH1")
    assert not in_stock("IN_PROCESS", "SUBASSEMBLY", "WH1")
    assert in_stock("COMMISSIONED", "COMPONENT", "WH1")
    assert not in_stock("SCRAPPED", "MATERIAL", "WH1")
    assert not in_stock("COMPLETE", "FINISHED", "")
