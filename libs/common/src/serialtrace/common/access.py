"""Who may call an RPC, as its .proto declares it (`option (serialtrace.core.v1.access)`).

The serving service checks every call against it and the gateway checks the same
declaration before calling: one place says who may call what.
"""

from __future__ import annotations

from typing import Any

from google.protobuf.descriptor import MethodDescriptor, ServiceDescriptor

from serialtrace.common.auth import ANY_ROLE, Role, roles
from serialtrace.core.v1 import access_pb2

_ROLE_OF = {
    access_pb2.ROLE_VIEWER: Role.VIEWER,
    access_pb2.ROLE_OPERATOR: Role.OPERATOR,
    access_pb2.ROLE_PLANNER: Role.PLANNER,
    access_pb2.ROLE_QUALITY: Role.QUALITY,
    access_pb2.ROLE_AUDITOR: Role.AUDITOR,
    access_pb2.ROLE_ADMIN: Role.ADMIN,
}


def declared_roles(method: MethodDescriptor) -> frozenset[Role]:
    """The roles allowed to call `method`, as its .proto declares them (admin always)."""
    options: Any = method.GetOptions()
    if not options.HasExtension(access_pb2.access):
        raise RuntimeError(
            f"{method.full_name} declares no access: add "
            "`option (serialtrace.core.v1.access) = {roles: [...]}` to the rpc"
        )
    access: access_pb2.Access = options.Extensions[access_pb2.access]
    if access.any_role:
        return ANY_ROLE
    return roles(*(_ROLE_OF[r] for r in access.roles))


def method_roles(service: ServiceDescriptor) -> dict[str, frozenset[Role]]:
    """Every RPC of `service` with the roles its .proto declares."""
    return {m.name: declared_roles(m) for m in service.methods}


def roles_of(service: ServiceDescriptor, method: str) -> frozenset[Role]:
    return declared_roles(service.methods_by_name[method])
