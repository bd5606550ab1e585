"""Reading exports: encodings, XLSX, and every kind of bad file, each with its code."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest

from serialtrace.importer.problems import Problem
from serialtrace.importer.reading import MAX_CELL_CHARS, Row, Table, open_directory

UNITS_HEADER = "sku,serial,attributes\n"


def read_all(directory: Path, encoding: str = "auto") -> tuple[list[Row], list[Problem]]:
    tables, problems = open_directory(directory, encoding)
    rows: list[Row] = []
    for table in tables:
        for item in table.rows():
            (problems if isinstance(item, Problem) else rows).append(item)  # type: ignore[arg-type]
    return rows, problems


def codes(problems: list[Problem]) -> list[str]:
    return [p.code for p in problems]


@pytest.mark.parametrize(
    ("encoding", "prefix"), [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("gb18030", b"")]
)
def test_chinese_names_read_back_in_every_accepted_encoding(
    tmp_path: Path, encoding: str, prefix: bytes
) -> None:
    text = (
        "sku,name,kind,tracking\nPCBA-01,主控板,COMPONENT,SERIAL\n电源-02,电源模块,MATERIAL,LOT\n"
    )
    (tmp_path / "products.csv").write_bytes(prefix + text.encode(encoding))
    rows, problems = read_all(tmp_path)
    assert problems == []
    assert [r.values["name"] for r in rows] == ["主控板", "电源模块"]
    assert [r.number for r in rows] == [2, 3]
    tables, _ = open_directory(tmp_path)
    assert tables[0].encoding == {"gb18030": "gb18030", "utf-8": "utf-8"}[encoding] + (
        "-sig" if prefix else ""
    )


def test_gbk_text_declared_as_utf8_is_refused_with_a_hint(tmp_path: Path) -> None:
    (tmp_path / "products.csv").write_bytes(
        "sku,name,kind,tracking\nP1,主控板,COMPONENT,SERIAL\n".encode("gbk")
    )
    rows, problems = read_all(tmp_path, encoding="utf-8")
    assert rows == []
    assert codes(problems) == ["BAD_ENCODING"]
    assert "GB18030" in problems[0].message and problems[0].file == "products.csv"


def test_a_binary_file_named_csv_is_refused(tmp_path: Path) -> None:
    (tmp_path / "units.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    rows, problems = read_all(tmp_path)
    assert rows == [] and codes(problems) == ["BINARY_FILE"]


def test_a_file_cut_short_mid_row_is_truncated(tmp_path: Path) -> None:
    (tmp_path / "units.csv").write_text(UNITS_HEADER + "P1,SN1,{}\nP1,SN2", encoding="utf-8")
    rows, problems = read_all(tmp_path)
    assert [r.values["serial"] for r in rows] == ["SN1"]
    assert [(p.row, p.code) for p in problems] == [(3, "TRUNCATED")]


def test_a_file_cut_short_inside_a_quoted_cell_is_truncated(tmp_path: Path) -> None:
    (tmp_path / "units.csv").write_text(UNITS_HEADER + 'P1,SN1,"{""a"": ', encoding="utf-8")
    _, problems = read_all(tmp_path)
    assert codes(problems) == ["TRUNCATED"]


def test_a_file_cut_inside_a_multibyte_character_is_truncated(tmp_path: Path) -> None:
    data = (UNITS_HEADER + "P1,SN1,主").encode()
    (tmp_path / "units.csv").write_bytes(data[:-1])
    _, problems = read_all(tmp_path)
    assert codes(problems) == ["TRUNCATED"]


def test_a_row_with_more_cells_than_headers_is_reported_and_the_rest_read(tmp_path: Path) -> None:
    (tmp_path / "units.csv").write_text(
        UNITS_HEADER + "P1,SN1,{}\nP1,SN2,{},extra\nP1,SN3,{}\n", encoding="utf-8"
    )
    rows, problems = read_all(tmp_path)
    assert [r.values["serial"] for r in rows] == ["SN1", "SN3"]
    assert [(p.file, p.row, p.code) for p in problems] == [("units.csv", 3, "TOO_MANY_CELLS")]


def test_a_10_mb_cell_is_refused_without_reading_on(tmp_path: Path) -> None:
    with (tmp_path / "units.csv").open("w", encoding="utf-8") as out:
        out.write(UNITS_HEADER + "P1,SN1,{}\nP1,SN2,")
        out.write("x" * 10_000_000)
        out.write("\nP1,SN3,{}\n")
    rows, problems = read_all(tmp_path)
    assert [r.values["serial"] for r in rows] == ["SN1"]
    assert [(p.row, p.code) for p in problems] == [(3, "CELL_TOO_LARGE")]
    assert str(MAX_CELL_CHARS) in problems[0].message


def test_unknown_missing_and_duplicated_columns_are_each_named(tmp_path: Path) -> None:
    (tmp_path / "units.csv").write_text("SKU,colour,serial,Serial\nP1,red,SN1,SN1\n")
    (tmp_path / "lots.csv").write_text("sku\nP1\n")
    rows, problems = read_all(tmp_path)
    assert rows == []
    assert sorted((p.file, p.column, p.code) for p in problems) == [
        ("lots.csv", "lot_number", "MISSING_COLUMN"),
        ("units.csv", "colour", "UNKNOWN_COLUMN"),
        ("units.csv", "serial", "DUPLICATE_COLUMN"),
    ]


def test_a_file_of_no_known_kind_is_reported(tmp_path: Path) -> None:
    (tmp_path / "customers.csv").write_text("code\n")
    _, problems = read_all(tmp_path)
    assert codes(problems) == ["UNKNOWN_FILE"]


def _workbook(path: Path, sheets: dict[str, list[list[object]]]) -> None:
    book = openpyxl.Workbook()
    for default in list(book.worksheets):
        book.remove(default)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)


def test_an_xlsx_sheet_per_kind_is_read_and_a_formula_stays_text(tmp_path: Path) -> None:
    import datetime as dt

    _workbook(
        tmp_path / "legacy.xlsx",
        {
            "products": [
                ["sku", "name", "kind", "tracking"],
                ["P1", "=cmd|' /C calc'!A0", "FINISHED", "SERIAL"],
            ],
            "lots": [
                ["sku", "lot_number", "produced_at", "quantity"],
                ["M1", "L1", dt.datetime(2024, 5, 1, 8, 30), 40.0],
            ],
        },
    )
    rows, problems = read_all(tmp_path)
    assert problems == []
    assert rows[0].values["name"] == "=cmd|' /C calc'!A0"
    assert rows[1].values == {
        "sku": "M1",
        "lot_number": "L1",
        "produced_at": "2024-05-01T08:30:00",
        "quantity": "40",
    }


def test_a_workbook_with_macros_is_refused(tmp_path: Path) -> None:
    _workbook(tmp_path / "legacy.xlsx", {"products": [["sku", "name", "kind", "tracking"]]})
    with zipfile.ZipFile(tmp_path / "legacy.xlsx", "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0macro")
    (tmp_path / "other.xlsm").write_bytes((tmp_path / "legacy.xlsx").read_bytes())
    _, problems = read_all(tmp_path)
    assert sorted((p.file, p.code) for p in problems) == [
        ("legacy.xlsx", "MACROS_REFUSED"),
        ("other.xlsm", "MACROS_REFUSED"),
    ]


def test_a_truncated_xlsx_is_refused(tmp_path: Path) -> None:
    _workbook(tmp_path / "legacy.xlsx", {"products": [["sku", "name", "kind", "tracking"]]})
    data = (tmp_path / "legacy.xlsx").read_bytes()
    (tmp_path / "legacy.xlsx").write_bytes(data[: len(data) // 2])
    _, problems = read_all(tmp_path)
    assert codes(problems) == ["TRUNCATED"]


def test_the_same_kind_in_a_csv_and_a_sheet_is_refused(tmp_path: Path) -> None:
    (tmp_path / "parties.csv").write_text("code,name,kind\n")
    _workbook(tmp_path / "legacy.xlsx", {"parties": [["code", "name", "kind"]]})
    tables, problems = open_directory(tmp_path)
    assert len(tables) == 1 and isinstance(tables[0], Table)
    assert codes(problems) == ["DUPLICATE_FILE"]


def test_gbk_text_behind_a_utf8_bom_is_refused_as_declared_utf8(tmp_path: Path) -> None:
    body = "sku,name,kind,tracking\nP1,主控板,COMPONENT,SERIAL\n".encode("gbk")
    (tmp_path / "products.csv").write_bytes(b"\xef\xbb\xbf" + body)
    rows, problems = read_all(tmp_path)
    assert rows == [] and codes(problems) == ["BAD_ENCODING"]
    assert "declared UTF-8" in problems[0].message
