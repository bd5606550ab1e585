"""Bearer-token auth: JWT (HS256) with `sub` and `roles`, role checks, the current actor.

The server interceptor verifies the token and sets the current principal for the
duration of the call; use-case code reads `current_principal().subject` as the actor;
outgoing calls to other services forward the same token.
"""

from __future__ import annotations

import contextvars
import functools
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum

import jwt

from serialtrace.common.errors import PermissionDenied, Unauthenticated

ALGORITHM = "HS256"
DEFAULT_TOKEN_TTL_SECONDS = 12 * 3600


class Role(StrEnum):
    VIEWER = "viewer"
    OPERATOR = "operator"
    PLANNER = "planner"
    QUALITY = "quality"
    AUDITOR = "auditor"
    ADMIN = "admin"


ANY_ROLE: frozenset[Role] = frozenset(Role)


def roles(*names: Role) -> frozenset[Role]:
    """The roles allowed to make a call; admin may always make it too."""
    return frozenset((*names, Role.ADMIN))


@dataclass(frozen=True)
class Principal:
    """The authenticated caller."""

    subject: str
    roles: frozenset[Role]
    token: str

    def require(self, allowed: Iterable[Role], action: str) -> None:
        """Raises PermissionDenied unless the caller holds one of `allowed` (or admin)."""
        allowed = frozenset(allowed)
        if Role.ADMIN in self.roles or self.roles & allowed:
            return
        needed = ", ".join(sorted(r.value for r in allowed))
        raise PermissionDenied(
            f"{action} needs one of the roles [{needed}]; {self.subject} has "
            f"[{', '.join(sorted(r.value for r in self.roles)) or 'none'}]"
        )


def issue_token(
    secret: str,
    subject: str,
    role_names: Iterable[str],
    ttl_seconds: int = DEFAULT_TOKEN_TTL_SECONDS,
) -> str:
    """Signs a token for `subject` with the given roles (unknown role names are refused)."""
    if not subject.strip():
        raise ValueError("a token needs a subject (--sub)")
    granted = [Role(name).value for name in role_names]
    now = int(time.time())
    claims = {"sub": subject, "roles": granted, "iat": now, "exp": now + ttl_seconds}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


DEV_SUBJECT = "dev"


def dev_token(secret: str) -> str:
    """A token with every role for the developer at the keyboard: what `serialtrace run`
    prints and what GraphiQL opens with in development (never in production)."""
    return issue_token(secret, DEV_SUBJECT, [r.value for r in Role])


# Distinct tokens whose verification is remembered (a client sends the same token with
# every call until it expires; a few hundred callers at once is a busy plant).
VERIFIED_TOKENS_CACHED = 1024


def verify_token(secret: str, token: str) -> Principal:
    """Verifies signature and expiry; raises Unauthenticated with the reason otherwise.

    The signature check of a token is remembered (bounded, least recently used first out),
    its expiry is checked again on every call; a refused token is never remembered."""
    principal, expires_at = _verified(secret, token)
    if expires_at is not None and time.time() >= expires_at:
        raise Unauthenticated("the bearer token has expired; get a new one")
    return principal


@functools.lru_cache(maxsize=VERIFIED_TOKENS_CACHED)
def _verified(secret: str, token: str) -> tuple[Principal, float | None]:
    """The token's principal and expiry (`exp`, if it has one), once its signature and
    claims verified; raises (and so caches nothing) otherwise."""
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": ["sub"]})
    except jwt.ExpiredSignatureError:
        raise Unauthenticated("the bearer token has expired; get a new one") from None
    except jwt.InvalidTokenError as exc:
        raise Unauthenticated(f"the bearer token is not valid: {exc}") from None
    subject = claims.get("sub")
    raw_roles = claims.get("roles", [])
    if not isinstance(subject, str) or not subject or not isinstance(raw_roles, list):
        raise Unauthenticated("the bearer token needs a string `sub` and a list `roles`")
    known = {r.value for r in Role}
    expires_at = claims.get("exp")
    principal = Principal(subject, frozenset(Role(r) for r in raw_roles if r in known), token)
    return principal, float(expires_at) if isinstance(expires_at, (int, float)) else None


def bearer_token(metadata: Iterable[tuple[str, str | bytes]]) -> str | None:
    """The token from an `authorization: Bearer …` metadata entry, if any."""
    for key, value in metadata:
        if key == "authorization" and isinstance(value, str):
            scheme, _, token = value.partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
    return None


_current: contextvars.ContextVar[Principal | None] = contextvars.ContextVar(
    "serialtrace_principal", default=None
)


def current_principal() -> Principal:
    """The caller of the request being served; Unauthenticated outside a request."""
    principal = _current.get()
    if principal is None:
        raise Unauthenticated("no authenticated caller")
    return principal


def current_principal_or_none() -> Principal | None:
    return _current.get()


@contextmanager
def acting_as(principal: Principal | None) -> Iterator[None]:
    """Makes `principal` the current caller within the block (servers and tests)."""
    reset = _current.set(principal)
    try:
        yield
    finally:
        _current.reset(reset)
