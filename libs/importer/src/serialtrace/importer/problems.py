"""What `check` reports: one problem per line, as FILE:ROW: COLUMN: CODE message."""

from __future__ import annotations

from dataclasses import dataclass

# A problem about the file as a whole, or about no one column.
NO_ROW = 0
NO_COLUMN = "-"


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    row: int
    column: str
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.row}: {self.column}: {self.code} {self.message}"


def show(value: str, limit: int = 60) -> str:
    """The caller's input as echoed in a message: at most `limit` characters, quoted."""
    text = value if len(value) <= limit else value[:limit] + "…"
    return repr(text)
