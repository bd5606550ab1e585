"""The graph's opaque page cursors: a service's page token and how many of its items to skip."""

from __future__ import annotations

import base64
import binascii
import json

from serialtrace.common.errors import InvalidArgument


def encode_cursor(service_token: str, skip: int) -> str:
    """Opaque cursor: resume at the service's page token, skipping `skip` items."""
    return base64.urlsafe_b64encode(json.dumps([service_token, skip]).encode()).decode()


def decode_cursor(cursor: str | None) -> tuple[str, int]:
    if not cursor:
        return "", 0
    try:
        token, skip = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if isinstance(token, str) and isinstance(skip, int) and skip >= 0:
            return token, skip
    except (ValueError, TypeError, binascii.Error):
        pass
    raise InvalidArgument(f"cursor {cursor[:40]!r} is not one this graph handed out")
