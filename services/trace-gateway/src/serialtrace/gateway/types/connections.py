"""Relay-style paging: `first`/`after` to a service's page, and a page's cursors."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import strawberry
from strawberry.types.nodes import SelectedField, Selection

from serialtrace.common.errors import InvalidArgument
from serialtrace.gateway.context import Ctx
from serialtrace.gateway.cursors import decode_cursor, encode_cursor


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


def selects(info: Ctx, name: str) -> bool:
    """Whether the field being resolved asks for its subfield `name` (by the GraphQL name,
    directly or in a fragment), so a costly subfield is fetched only when wanted."""

    def among(selections: Iterable[Selection]) -> bool:
        return any(
            s.name == name if isinstance(s, SelectedField) else among(s.selections)
            for s in selections
        )

    return any(among(field.selections) for field in info.selected_fields)


def page_window(info: Ctx, first: int | None, after: str | None) -> tuple[str, int, int]:
    """(service page token, items to skip, page size to ask for) for `first`/`after`."""
    first = 100 if first is None else first
    limit = info.context.settings.max_page_size
    if not 1 <= first <= limit:
        raise InvalidArgument(f"first must be 1 to {limit}, got {first}")
    token, skip = decode_cursor(after)
    return token, skip, skip + first


def connection_edges(
    items: list[Any], token: str, skip: int, next_token: str
) -> tuple[list[tuple[str, Any]], PageInfo]:
    """Cursors per item and the page info, after dropping the `skip` already seen."""
    page = items[skip:]
    edges = [(encode_cursor(token, skip + i + 1), item) for i, item in enumerate(page)]
    if next_token:
        info = PageInfo(has_next_page=True, end_cursor=encode_cursor(next_token, 0))
    else:
        info = PageInfo(has_next_page=False, end_cursor=edges[-1][0] if edges else None)
    return edges, info
