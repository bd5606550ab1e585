"""GraphQL errors as docs/graph.md names them: `extensions.code` mapped from gRPC status codes.

Resolvers raise the shared ServiceError family (or let a service's error through);
anything else is a bug and reaches the client as INTERNAL with a trace id only.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import grpc
from graphql import GraphQLError

from serialtrace.common.errors import ServiceError, capped
from serialtrace.common.validation import QUOTE_LIMIT

log = logging.getLogger(__name__)

# graphql-core's own messages (a variable of the wrong type, an unknown enum value) quote
# the offending value whole: a quoted run longer than our own quotes is cut like them.
_MORE = QUOTE_LIMIT + 1
_LONG_QUOTED = re.compile(rf"\"(?:[^\"\\]|\\.){{{_MORE},}}\"|'(?:[^'\\]|\\.){{{_MORE},}}'")


def shorten_quoted(message: str) -> str:
    """`message` with every quoted value longer than QUOTE_LIMIT characters cut short."""

    def cut(found: re.Match[str]) -> str:
        text = found.group()
        return f"{text[: QUOTE_LIMIT + 1]}…{text[0]} ({len(text) - 2:,} characters)"

    return _LONG_QUOTED.sub(cut, message)


GRAPHQL_CODES: dict[grpc.StatusCode, str] = {
    grpc.StatusCode.INVALID_ARGUMENT: "BAD_USER_INPUT",
    grpc.StatusCode.OUT_OF_RANGE: "BAD_USER_INPUT",
    grpc.StatusCode.NOT_FOUND: "NOT_FOUND",
    grpc.StatusCode.ALREADY_EXISTS: "CONFLICT",
    grpc.StatusCode.ABORTED: "CONFLICT",
    grpc.StatusCode.FAILED_PRECONDITION: "FAILED_PRECONDITION",
    grpc.StatusCode.UNAUTHENTICATED: "UNAUTHENTICATED",
    grpc.StatusCode.PERMISSION_DENIED: "FORBIDDEN",
    grpc.StatusCode.UNAVAILABLE: "UNAVAILABLE",
    grpc.StatusCode.RESOURCE_EXHAUSTED: "UNAVAILABLE",
    grpc.StatusCode.DEADLINE_EXCEEDED: "DEADLINE_EXCEEDED",
}


def code_of(error: BaseException) -> str:
    """The GraphQL error code for an exception raised while resolving."""
    if isinstance(error, ServiceError):
        return GRAPHQL_CODES.get(error.code, "INTERNAL")
    return "INTERNAL"


def is_unexpected(error: GraphQLError) -> bool:
    """A bug rather than a verdict: an exception that is not one of ours."""
    original = error.original_error
    return original is not None and not isinstance(original, ServiceError | GraphQLError)


def format_error(error: GraphQLError, trace_id: str) -> dict[str, Any]:
    """The error as sent: message, path, locations and `extensions.code`.

    Errors without an original exception come from parsing, validation (including the
    depth, alias and token limits) or variable coercion: the request is at fault.
    """
    formatted = error.formatted
    extensions = dict(error.extensions or {})
    original = error.original_error
    if "code" not in extensions:
        if original is None:
            extensions["code"] = "BAD_USER_INPUT"
        elif isinstance(original, GraphQLError):
            extensions["code"] = (original.extensions or {}).get("code", "BAD_USER_INPUT")
        else:
            extensions["code"] = code_of(original)
    if is_unexpected(error):
        formatted["message"] = f"internal error in the gateway (trace id {trace_id})"
    else:  # the last-resort bounds: a message never carries a long echo of its input
        formatted["message"] = capped(shorten_quoted(str(formatted["message"])))
    formatted["extensions"] = extensions
    return dict(formatted)
