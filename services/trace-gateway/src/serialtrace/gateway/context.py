"""What every resolver sees: the caller, the services, the loaders, partial errors."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from graphql import GraphQLError
from strawberry.types import Info

from serialtrace.common.auth import Principal, Role, verify_token
from serialtrace.common.errors import ServiceError, Unauthenticated
from serialtrace.gateway.backends import Calls
from serialtrace.gateway.config import GatewaySettings
from serialtrace.gateway.errors import code_of
from serialtrace.gateway.facts import Facts
from serialtrace.gateway.loaders import Loaders

T = TypeVar("T")


@dataclass
class GatewayContext:
    settings: GatewaySettings
    calls: Calls
    principal: Principal | None
    auth_error: ServiceError | None
    # Built on first use: a mutation's request needs none until it reads its result,
    # and building them costs as much CPU as the rest of the gateway's part of a write.
    _loaders: Loaders | None = None
    _facts: Facts | None = None
    trace_id: str = ""
    parent_trace: Any = None  # W3C trace context the client sent, if any
    partial_errors: list[GraphQLError] = field(default_factory=list)

    @staticmethod
    def for_request(
        settings: GatewaySettings, calls_for: Any, authorization: str | None
    ) -> GatewayContext:
        principal, auth_error, bearer = None, None, None
        if authorization:
            scheme, _, token = authorization.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                auth_error = Unauthenticated("the Authorization header must be `Bearer <JWT>`")
            else:
                try:
                    principal = verify_token(settings.common.jwt_secret, token.strip())
                    bearer = token.strip()
                except Unauthenticated as exc:
                    auth_error = exc
        calls: Calls = calls_for(bearer)
        return GatewayContext(settings, calls, principal, auth_error)

    @property
    def loaders(self) -> Loaders:
        """This request's loaders (fresh after each mutation)."""
        if self._loaders is None:
            self._loaders = Loaders(self.calls)
        return self._loaders

    @property
    def facts(self) -> Facts:
        """What the services said during this request (dropped after each mutation)."""
        if self._facts is None:
            self._facts = Facts(self.calls)
        return self._facts

    def caller(self) -> Principal:
        """The authenticated caller; UNAUTHENTICATED when there is none."""
        if self.principal is None:
            raise self.auth_error or Unauthenticated(
                "no bearer token: send `Authorization: Bearer <JWT>` "
                "(`serialtrace token --sub NAME --role ROLE` prints one)"
            )
        return self.principal

    def require(self, allowed: Iterable[Role], action: str) -> Principal:
        """The caller, if it holds one of `allowed` (or admin); FORBIDDEN otherwise."""
        principal = self.caller()
        principal.require(allowed, action)
        return principal

    def after_write(self) -> None:
        """Reads after a mutation see its effect, not what an earlier field cached."""
        self._loaders = None
        self._facts = None

    def record_partial(self, info: Info[Any, Any], error: ServiceError) -> None:
        self.partial_errors.append(
            GraphQLError(
                error.message,
                path=info.path.as_list(),
                original_error=error,
                extensions={"code": code_of(error)},
            )
        )


# What every resolver is handed: `info.context` is the request's GatewayContext.
Ctx = Info[GatewayContext, Any]
