"""Reading an export: CSV (UTF-8, UTF-8 with BOM, GB18030/GBK) and XLSX (one sheet per
kind), streamed row by row so memory stays flat however long the file is.

A row is a dict of column name to text, numbered as a spreadsheet shows it (the header
is row 1). Nothing read is ever evaluated: an Excel formula is kept as the text it is.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from serialtrace.importer.kinds import BY_NAME, KINDS, FileKind
from serialtrace.importer.problems import NO_COLUMN, NO_ROW, Problem, show

# Longer than any field the services accept (attributes and measurements JSON are the
# longest), short enough that a runaway cell cannot fill memory.
MAX_CELL_CHARS = 65_536
_CHUNK = 1 << 20
ENCODINGS = ("auto", "utf-8", "gb18030")


class Row(NamedTuple):  # a tuple: built once per row read, cheaply
    number: int
    values: dict[str, str]


@dataclass
class Table:
    """One kind's rows, from a CSV file or a workbook's sheet."""

    kind: FileKind
    file: str
    path: Path
    sheet: str | None = None
    encoding: str = "utf-8"
    ends_with_newline: bool = True
    header: list[str] = field(default_factory=list)

    def rows(self) -> Iterator[Row | Problem]:
        """Data rows in order, and a Problem for each row that cannot be read; after a
        problem that breaks the file's framing, nothing more is read."""
        if self.sheet is None:
            yield from _csv_rows(self)
        else:
            yield from _sheet_rows(self)


def _problem(
    table_file: str, row: int, code: str, message: str, column: str = NO_COLUMN
) -> Problem:
    return Problem(table_file, row, column, code, message)


# --- the directory -------------------------------------------------------------------


def open_directory(directory: Path, encoding: str = "auto") -> tuple[list[Table], list[Problem]]:
    """Each kind's table found in `directory` (CSV files named after the kind, and the
    sheets of .xlsx workbooks), with its header checked; and the problems that keep a
    file or sheet from being read at all."""
    if not directory.is_dir():
        return [], [_problem(str(directory), NO_ROW, "NOT_FOUND", "is not a directory")]
    tables: list[Table] = []
    problems: list[Problem] = []
    for path in sorted(directory.iterdir()):
        suffix = path.suffix.lower()
        if path.name.startswith((".", "~$")) or not path.is_file():
            continue
        if suffix == ".csv":
            kind = BY_NAME.get(path.stem.lower())
            if kind is None:
                known = ", ".join(k.file_name for k in KINDS)
                problems.append(
                    _problem(path.name, NO_ROW, "UNKNOWN_FILE", f"is not one of: {known}")
                )
                continue
            opened = _open_csv(path, kind, encoding)
        elif suffix in (".xlsx", ".xlsm", ".xltm", ".xls"):
            opened = _open_workbook(path)
        else:
            continue
        for item in opened:
            (problems if isinstance(item, Problem) else tables).append(item)  # type: ignore[arg-type]
    seen: dict[str, Table] = {}
    for table in list(tables):
        if table.kind.name in seen:
            problems.append(
                _problem(
                    table.file,
                    NO_ROW,
                    "DUPLICATE_FILE",
                    f"{table.kind.name} are also in {seen[table.kind.name].file}; keep one",
                )
            )
            tables.remove(table)
        else:
            seen[table.kind.name] = table
    tables.sort(key=lambda t: KINDS.index(t.kind))
    return tables, problems


def check_header(file: str, kind: FileKind, cells: list[str]) -> tuple[list[str], list[Problem]]:
    """Column names as given (trimmed, lower case), and what is wrong with them."""
    header = [c.strip().lstrip("\ufeff").lower() for c in cells]
    problems: list[Problem] = []
    seen: set[str] = set()
    for name in header:
        if name in seen:
            problems.append(_problem(file, 1, "DUPLICATE_COLUMN", "appears twice", name or "-"))
        seen.add(name)
        if name not in kind.columns:
            problems.append(
                _problem(
                    file,
                    1,
                    "UNKNOWN_COLUMN",
                    f"{show(name)} is not a column of {kind.name}; "
                    f"columns: {', '.join(kind.columns)}",
                    name[:40] or "-",
                )
            )
    for name in kind.required:
        if name not in seen:
            problems.append(_problem(file, 1, "MISSING_COLUMN", "is required", name))
    return header, problems


# --- CSV -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Encoding:
    name: str
    ends_with_newline: bool


def detect_encoding(path: Path, declared: str = "auto") -> Encoding | Problem:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK), decided by
    decoding the whole file in chunks; a file with NUL bytes is binary, not text."""
    with path.open("rb") as stream:
        head = stream.read(4)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _problem(path.name, NO_ROW, "BAD_ENCODING", "is UTF-16; save it as UTF-8 or GB18030")
    if head.startswith(b"PK\x03\x04"):
        return _problem(
            path.name, NO_ROW, "BINARY_FILE", "is a ZIP archive (an XLSX?), not CSV text"
        )
    bom = head.startswith(codecs.BOM_UTF8)
    candidates = ["utf-8"] if declared == "utf-8" or bom else ["gb18030"]
    if declared == "auto" and not bom:
        candidates = ["utf-8", "gb18030"]
    failure: tuple[str, int, bool] | None = None
    for name in candidates:
        outcome = _decodes(path, name)
        if isinstance(outcome, bool):
            return Encoding("utf-8-sig" if bom else name, outcome)
        if outcome[0] == "binary":
            return _problem(
                path.name,
                NO_ROW,
                "BINARY_FILE",
                f"has a NUL byte at offset {outcome[1]}: it is not a text export",
            )
        failure = failure or (name, outcome[1], outcome[0] == "end")
        if outcome[0] == "end":
            break  # valid UTF-8 up to a character cut in half: cut short, not GBK
    assert failure is not None
    name, offset, at_end = failure
    if at_end:
        return _problem(
            path.name,
            NO_ROW,
            "TRUNCATED",
            f"ends inside a character (byte {offset}): the file was cut short; export it again",
        )
    if declared == "utf-8" or bom:
        hint = ""
        if not isinstance(_decodes(path, "gb18030"), tuple):
            hint = " It reads as GB18030/GBK: leave --encoding at auto or pass gb18030."
        return _problem(
            path.name,
            NO_ROW,
            "BAD_ENCODING",
            f"is declared UTF-8 but byte {offset} is not UTF-8.{hint}",
        )
    return _problem(
        path.name,
        NO_ROW,
        "BAD_ENCODING",
        f"is neither UTF-8 nor GB18030 (byte {offset}); save it as UTF-8",
    )


def _decodes(path: Path, encoding: str) -> bool | tuple[str, int]:
    """True/False (does it end with a newline) when the whole file decodes, else
    ("binary"|"bad"|"end", byte offset of the failure)."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    offset = 0
    last = b""
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            nul = chunk.find(b"\x00")
            if nul >= 0:
                return "binary", offset + nul
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return "bad", offset + exc.start
            offset += len(chunk)
            last = chunk[-1:]
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "end", offset
    return last in (b"\n", b"\r")


def _open_csv(path: Path, kind: FileKind, declared: str) -> list[Table | Problem]:
    encoding = detect_encoding(path, declared)
    if isinstance(encoding, Problem):
        return [encoding]
    table = Table(kind, path.name, path, None, encoding.name, encoding.ends_with_newline)
    try:
        with _csv_stream(table) as stream:
            first = next(_csv_reader(stream), None)
    except csv.Error as exc:
        return [_csv_problem(table, 1, exc)]
    if first is None:
        return [_problem(table.file, NO_ROW, "EMPTY_FILE", "has no header row")]
    table.header, problems = check_header(table.file, kind, first)
    return list(problems) if problems else [table]


def _csv_stream(table: Table) -> Any:
    return table.path.open(encoding=table.encoding, newline="")


def _csv_reader(stream: Any) -> Iterator[list[str]]:
    csv.field_size_limit(MAX_CELL_CHARS)
    return csv.reader(stream, strict=True)


def _csv_problem(table: Table, row: int, exc: csv.Error) -> Problem:
    text = str(exc)
    if "field larger than field limit" in text:
        return _problem(
            table.file,
            row,
            "CELL_TOO_LARGE",
            f"a cell is longer than {MAX_CELL_CHARS} characters; nothing after it is read",
        )
    if "unexpected end of data" in text or "EOF" in text:
        return _problem(
            table.file, row, "TRUNCATED", "ends inside a quoted cell: the file was cut short"
        )
    return _problem(table.file, row, "BAD_CSV", f"is not valid CSV here ({text[:80]})")


def _csv_rows(table: Table) -> Iterator[Row | Problem]:
    width = len(table.header)
    with _csv_stream(table) as stream:
        reader = _csv_reader(stream)
        try:
            next(reader)
            # One row behind, so the last row is known as the last (a cut-short file).
            pending: tuple[int, list[str]] | None = None
            number = 1
            for cells in reader:
                number += 1
                if not "".join(cells).strip():  # a blank line (one pass, no generator)
                    continue
                if pending is not None:
                    yield _csv_row(table, pending[0], pending[1], width, last=False)
                pending = (number, cells)
            if pending is not None:
                yield _csv_row(table, pending[0], pending[1], width, last=True)
        except csv.Error as exc:
            if pending is not None:
                yield _csv_row(table, pending[0], pending[1], width, last=False)
            yield _csv_problem(table, number + 1, exc)


def _csv_row(table: Table, number: int, cells: list[str], width: int, last: bool) -> Row | Problem:
    if len(cells) > width:
        return _problem(
            table.file,
            number,
            "TOO_MANY_CELLS",
            f"has {len(cells)} cells and the header {width}; quote cells that hold commas",
        )
    if len(cells) < width:
        if last and not table.ends_with_newline:
            return _problem(
                table.file,
                number,
                "TRUNCATED",
                f"the last row has {len(cells)} of {width} cells and no line end: "
                "the file was cut short",
            )
        return _problem(
            table.file, number, "MISSING_CELLS", f"has {len(cells)} cells and the header {width}"
        )
    return Row(number, dict(zip(table.header, cells, strict=False)))


# --- XLSX ------------------------------------------------------------------------------


def _open_workbook(path: Path) -> list[Table | Problem]:
    if path.suffix.lower() in (".xlsm", ".xltm"):
        return [
            _problem(
                path.name,
                NO_ROW,
                "MACROS_REFUSED",
                "is a macro-enabled workbook; save it as .xlsx (without macros) or CSV",
            )
        ]
    if path.suffix.lower() == ".xls":
        return [_problem(path.name, NO_ROW, "NOT_XLSX", "is an old .xls; save it as .xlsx or CSV")]
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return [
            _problem(
                path.name,
                NO_ROW,
                "TRUNCATED",
                "is not a readable XLSX (ZIP) file: cut short or not a workbook",
            )
        ]
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        return [
            _problem(
                path.name, NO_ROW, "MACROS_REFUSED", "contains macros (vbaProject.bin); remove them"
            )
        ]
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        return [
            _problem(
                path.name, NO_ROW, "NOT_XLSX", f"cannot be read as XLSX ({type(exc).__name__})"
            )
        ]
    found: list[Table | Problem] = []
    try:
        for sheet in workbook.worksheets:
            kind = BY_NAME.get(sheet.title.strip().lower())
            file = f"{path.name}[{sheet.title}]"
            if kind is None:
                found.append(
                    _problem(
                        file,
                        NO_ROW,
                        "UNKNOWN_SHEET",
                        f"is not a kind; sheets are named {', '.join(k.name for k in KINDS)}",
                    )
                )
                continue
            first = next(sheet.iter_rows(max_row=1, values_only=True), None)
            if first is None:
                found.append(_problem(file, NO_ROW, "EMPTY_FILE", "has no header row"))
                continue
            header, problems = check_header(file, kind, [_cell_text(c) for c in _trim(first)])
            if problems:
                found.extend(problems)
            else:
                found.append(Table(kind, file, path, sheet.title, header=header))
    finally:
        workbook.close()
    return found


def _trim(cells: tuple[Any, ...]) -> list[Any]:
    values = list(cells)
    while values and values[-1] in (None, ""):
        values.pop()
    return values


def _cell_text(value: Any) -> str:
    """A cell as text: dates in ISO 8601, whole floats without '.0', a formula as its
    own text (never evaluated)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _sheet_rows(table: Table) -> Iterator[Row | Problem]:
    import openpyxl

    workbook = openpyxl.load_workbook(table.path, read_only=True, data_only=False)
    try:
        sheet = workbook[table.sheet or ""]
        width = len(table.header)
        for number, cells in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):
            values = _trim(cells)
            if not values:
                continue
            if len(values) > width:
                yield _problem(
                    table.file,
                    number,
                    "TOO_MANY_CELLS",
                    f"has {len(values)} cells and the header {width}",
                )
                continue
            texts = [_cell_text(v) for v in values]
            if any(len(t) > MAX_CELL_CHARS for t in texts):
                yield _problem(
                    table.file,
                    number,
                    "CELL_TOO_LARGE",
                    f"a cell is longer than {MAX_CELL_CHARS} characters",
                )
                continue
            texts += [""] * (width - len(texts))
            yield Row(number, dict(zip(table.header, texts, strict=True)))
    finally:
        workbook.close()
