"""Calls to other services: W3C trace context, the caller's token, deadlines, and
failures turned into this service's own errors (unreachable → UNAVAILABLE).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc
from opentelemetry.instrumentation.grpc import client_interceptor
from opentelemetry.instrumentation.grpc.grpcext import intercept_channel

from serialtrace.common.auth import current_principal_or_none
from serialtrace.common.errors import from_rpc_error

DEFAULT_DEADLINE_SECONDS = 10.0

CHANNEL_OPTIONS = [
    ("grpc.max_receive_message_length", 64 * 1024 * 1024),
    ("grpc.max_send_message_length", 64 * 1024 * 1024),
    # A restarted peer is reached again within about a second, not after gRPC's default
    # exponential backoff of up to two minutes (calls fail fast with UNAVAILABLE meanwhile).
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.min_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 1000),
]


class _ForwardToken(grpc.UnaryUnaryClientInterceptor):  # type: ignore[type-arg]
    """Adds the current caller's bearer token unless the call carries one already."""

    def intercept_unary_unary(
        self, continuation: Callable[..., Any], details: Any, request: Any
    ) -> Any:
        metadata = list(details.metadata or [])
        principal = current_principal_or_none()
        if principal is not None and not any(k == "authorization" for k, _ in metadata):
            metadata.append(("authorization", f"Bearer {principal.token}"))
            details = details._replace(metadata=metadata)
        return continuation(details, request)


def open_channel(address: str) -> grpc.Channel:
    """A channel with tracing and token forwarding interceptors."""
    channel = grpc.insecure_channel(address, options=CHANNEL_OPTIONS)
    # OpenTelemetry's interceptor has its own wrapper type; it injects W3C traceparent.
    traced = intercept_channel(channel, client_interceptor())
    return grpc.intercept_channel(traced, _ForwardToken())


class ServiceClient:
    """A stub whose calls have a deadline and raise ServiceError instead of RpcError.

    `client.RegisterUnits(request)` calls the RPC of that name on the stub.
    """

    def __init__(self, service: str, stub: Any, deadline: float = DEFAULT_DEADLINE_SECONDS):
        self.service, self._stub, self.deadline = service, stub, deadline

    def __getattr__(self, rpc: str) -> Callable[..., Any]:
        method = getattr(self._stub, rpc)

        def call(request: Any, timeout: float | None = None) -> Any:
            try:
                return method(request, timeout=timeout or self.deadline)
            except grpc.RpcError as error:
                raise from_rpc_error(error, self.service) from None

        return call
