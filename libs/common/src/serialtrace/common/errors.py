"""Domain errors and their gRPC status codes.

Domain and use-case code raises these; the server interceptor turns them into a gRPC
status with the message as details. Anything else becomes INTERNAL with a trace id and
no stack trace on the wire.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import grpc

from serialtrace.core.v1 import core_pb2

log = logging.getLogger(__name__)

Outcome = TypeVar("Outcome")
Answer = TypeVar("Answer")

# The longest message a status carries, in UTF-8 bytes. gRPC sends it percent-encoded in
# the trailing metadata, whose limit (8 KiB by default, and calls are refused at random
# between the soft and the hard limit) a message that echoed its input could exceed:
# the caller then saw the transport's "Stream removed" instead of the verdict.
MAX_MESSAGE_BYTES = 1_000


def capped(message: str, max_bytes: int = MAX_MESSAGE_BYTES) -> str:
    """`message` cut to at most `max_bytes` UTF-8 bytes (the last-resort bound; messages
    quote their input with `validation.quote` and stay far below it)."""
    encoded = message.encode()
    if len(encoded) <= max_bytes:
        return message
    note = " … (message cut)"
    return encoded[: max_bytes - len(note.encode())].decode(errors="ignore") + note


class ServiceError(Exception):
    """A failure the caller can act on; `message` is shown to the caller as is.

    Each subclass names its gRPC status in its class line (`code=`); that also makes it
    the error a reported status of that code turns back into (`from_rpc_error`,
    `error_of`).
    """

    code: grpc.StatusCode = grpc.StatusCode.INTERNAL

    def __init_subclass__(cls, *, code: grpc.StatusCode, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.code = code
        _BY_CODE[code] = cls

    def __init__(self, message: str) -> None:
        message = capped(message)
        super().__init__(message)
        self.message = message


_BY_CODE: dict[grpc.StatusCode, type[ServiceError]] = {}


class InvalidArgument(ServiceError, code=grpc.StatusCode.INVALID_ARGUMENT):
    """The request itself is malformed or breaks a rule about its own content."""


class NotFound(ServiceError, code=grpc.StatusCode.NOT_FOUND):
    """Something the request names does not exist."""


class Conflict(ServiceError, code=grpc.StatusCode.ALREADY_EXISTS):
    """Duplicate, or an idempotency key reused for a different request."""


class FailedPrecondition(ServiceError, code=grpc.StatusCode.FAILED_PRECONDITION):
    """The request is well formed, but the current state does not allow it."""


class Unauthenticated(ServiceError, code=grpc.StatusCode.UNAUTHENTICATED):
    """No valid bearer token."""


class PermissionDenied(ServiceError, code=grpc.StatusCode.PERMISSION_DENIED):
    """Valid token, but none of the roles this call needs."""


class Unavailable(ServiceError, code=grpc.StatusCode.UNAVAILABLE):
    """A service this call depends on cannot be reached; nothing was changed."""


class DeadlineExceeded(ServiceError, code=grpc.StatusCode.DEADLINE_EXCEEDED):
    """A call this request depends on did not answer in time. The callee may still
    finish what it was asked; a repeat with the same idempotency key tells."""


# Trailing metadata a server sets on statuses it raised itself (value: its name).
VERDICT_METADATA_KEY = "serialtrace-verdict"


def is_verdict(error: Any) -> bool:
    """Whether a failed call's status was raised by the called service itself."""
    trailing = (
        error.trailing_metadata() if callable(getattr(error, "trailing_metadata", None)) else None
    )
    return any(key == VERDICT_METADATA_KEY for key, _ in (trailing or ()))


def from_rpc_error(error: grpc.RpcError, service: str) -> ServiceError:
    """Turns a failed call to another service into the error this service reports.

    Transport failures become UNAVAILABLE naming the service, so a check that cannot
    reach its owner fails closed; the callee's own verdicts pass through unchanged
    (including its own "another service is unavailable"). What the transport said is
    logged here and never passed on: it means nothing to a caller. Works for sync and
    asyncio gRPC errors alike.
    """
    has_status = callable(getattr(error, "code", None))
    code = error.code() if has_status else grpc.StatusCode.UNKNOWN
    details = (error.details() if has_status else None) or ""
    verdict = is_verdict(error)
    if not verdict:
        log.warning("call to the %s service failed: %s %s", service, code.name, capped(details))
    if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED) and verdict:
        return (Unavailable if code == grpc.StatusCode.UNAVAILABLE else DeadlineExceeded)(details)
    if code == grpc.StatusCode.UNAVAILABLE:
        return Unavailable(f"the {service} service is unavailable; nothing was changed")
    if code == grpc.StatusCode.DEADLINE_EXCEEDED:
        # The callee may have committed after this caller stopped waiting: saying
        # "nothing was changed" would be a guess, and once it was wrong (a recall
        # committed with its hold while the client was told nothing happened).
        return DeadlineExceeded(
            f"the {service} service did not answer in time; what it was asked to change "
            "may still be done: repeat the request with the same idempotency key to learn "
            "its outcome"
        )
    cls = _BY_CODE.get(code)
    if cls is not None:
        return cls(details)
    if verdict:  # the service's own words, e.g. "internal error in … (trace id …)"
        return ServiceError(details)
    # gRPC or the transport failed the call (e.g. "Stream removed"): its words stay in
    # the log above.
    return ServiceError(f"the {service} service failed ({code.name}); nothing was changed")


def item_error(error: ServiceError) -> core_pb2.ItemError:
    """One failed item of a batch, as the batch reports it."""
    return core_pb2.ItemError(code=error.code.name, message=error.message)


def item_outcomes(
    outcome: Callable[..., Outcome],
    field: str,
    results: Sequence[Answer | ServiceError],
    answer: Callable[[Answer], Any] = lambda a: a,
) -> list[Outcome]:
    """A batch RPC's outcome messages: each item's refusal (`error`), or `field` set to its
    answer."""
    return [
        outcome(error=item_error(r))
        if isinstance(r, ServiceError)
        else outcome(**{field: answer(r)})
        for r in results
    ]


def error_of(item: core_pb2.ItemError) -> ServiceError:
    """The error a batch reported for one item, as if the item had failed alone."""
    code = getattr(grpc.StatusCode, item.code, grpc.StatusCode.UNKNOWN)
    return _BY_CODE.get(code, ServiceError)(item.message)
