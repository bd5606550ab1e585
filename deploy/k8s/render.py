"""Renders the kustomize base under deploy/k8s/base from one description per process.

`make k8s` runs it; a test fails when the committed YAML differs from what it renders.
Every process — the five gRPC services and the GraphQL gateway — gets a Deployment
(non-root, read-only root filesystem, readiness/liveness probes, resources), a Service,
a HorizontalPodAutoscaler and a PodDisruptionBudget. The services probe with native gRPC
health checks and apply their migrations in an init container; the gateway owns no
database, has no init container, and is probed over HTTP (/readyz is ready only when all
services (the four and EPCIS) answer SERVING, /healthz for liveness).
Configuration comes from the `serialtrace-config` ConfigMap and secrets from the
`serialtrace-secrets` Secret (created per environment, never committed).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SERVICES = {
    "masterdata": 50051,
    "production": 50052,
    "warehouse": 50053,
    "quality": 50054,
    "epcis": 50055,
}
METRICS = {
    "masterdata": 9461,
    "production": 9462,
    "warehouse": 9463,
    "quality": 9464,
    "epcis": 9465,
}
GATEWAY_PORT = 8000  # HTTP: /graphql, /healthz, /readyz and /metrics on one port
IMAGE = "ghcr.io/serialtrace/{name}:latest"
CONFIG_MAP, SECRET = "serialtrace-config", "serialtrace-secrets"
BASE = Path(__file__).parent / "base"

Manifest = dict[str, Any]

# The same for every process: non-root, read-only root filesystem, a writable /tmp.
POD_SECURITY: Manifest = {
    "runAsNonRoot": True,
    "runAsUser": 10001,
    "runAsGroup": 10001,
    "fsGroup": 10001,
}
CONTAINER_SECURITY: Manifest = {
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "capabilities": {"drop": ["ALL"]},
}
TMP_MOUNT = [{"name": "tmp", "mountPath": "/tmp"}]  # noqa: S108 - emptyDir, root fs is read-only


@dataclass(frozen=True)
class Process:
    """What differs between processes; everything else is the same for all five."""

    name: str
    ports: list[Manifest]  # container ports (named; probes and the Service refer to names)
    service_ports: list[Manifest]  # the Kubernetes Service's ports
    env: list[Manifest]
    readiness: Manifest
    liveness: Manifest
    resources: Manifest
    init_containers: list[Manifest] = field(default_factory=list)


def _secret(variable: str, key: str) -> Manifest:
    return {"name": variable, "valueFrom": {"secretKeyRef": {"name": SECRET, "key": key}}}


def _addresses_of_services(but: str | None = None) -> list[Manifest]:
    """Where a process finds the services (Kubernetes Service DNS names)."""
    return [
        {"name": f"{other.upper()}_ADDR", "value": f"{other}:{port}"}
        for other, port in SERVICES.items()
        if other != but
    ]


def grpc_service(name: str) -> Process:
    """One of the four gRPC services: its own database, migrations before it serves."""
    upper, port = name.upper(), SERVICES[name]
    env = [
        {"name": f"{upper}_ADDR", "value": f"0.0.0.0:{port}"},
        {"name": f"{upper}_METRICS_PORT", "value": str(METRICS[name])},
        _secret(f"{upper}_DATABASE_URL", f"{name}-database-url"),
        _secret("SERIALTRACE_JWT_SECRET", "jwt-secret"),
        # Signs ledger checkpoints; the gateway is not given it.
        _secret("SERIALTRACE_SIGNING_KEY", "checkpoint-signing-key"),
        *_addresses_of_services(but=name),
    ]
    migrate = {
        "name": "migrate",
        "image": IMAGE.format(name=name),
        "command": ["serialtrace", "migrate", name],
        "env": env,
        "envFrom": [{"configMapRef": {"name": CONFIG_MAP}}],
        "resources": {
            "requests": {"cpu": "100m", "memory": "128Mi"},
            "limits": {"cpu": "500m", "memory": "256Mi"},
        },
        "securityContext": CONTAINER_SECURITY,
        "volumeMounts": TMP_MOUNT,
    }
    return Process(
        name=name,
        ports=[
            {"name": "grpc", "containerPort": port},
            {"name": "metrics", "containerPort": METRICS[name]},
        ],
        service_ports=[
            {"name": "grpc", "port": port, "targetPort": "grpc", "appProtocol": "grpc"},
            {"name": "metrics", "port": METRICS[name], "targetPort": "metrics"},
        ],
        env=env,
        readiness={"grpc": {"port": port}, "periodSeconds": 5},
        liveness={"grpc": {"port": port}, "periodSeconds": 15, "failureThreshold": 4},
        resources={
            "requests": {"cpu": "250m", "memory": "256Mi"},
            "limits": {"cpu": "1", "memory": "512Mi"},
        },
        init_containers=[migrate],
    )


def gateway() -> Process:
    """The graph: stateless, no database, so no migrations and no init container."""
    return Process(
        name="gateway",
        ports=[{"name": "http", "containerPort": GATEWAY_PORT}],
        # /metrics is served on the same port as the graph.
        service_ports=[{"name": "http", "port": 80, "targetPort": "http"}],
        env=[
            {"name": "GATEWAY_HOST", "value": "0.0.0.0"},  # noqa: S104 - serves the pod network
            {"name": "GATEWAY_PORT", "value": str(GATEWAY_PORT)},
            _secret("SERIALTRACE_JWT_SECRET", "jwt-secret"),
            *_addresses_of_services(),
        ],
        # Ready only when all five services answer SERVING (it asks each with a 2 s
        # deadline, so the probe waits longer than the default 1 s); alive while it is up.
        readiness={
            "httpGet": {"path": "/readyz", "port": "http"},
            "periodSeconds": 5,
            "timeoutSeconds": 3,
        },
        liveness={
            "httpGet": {"path": "/healthz", "port": "http"},
            "periodSeconds": 15,
            "failureThreshold": 4,
        },
        # The gateway's RSS target under load is ≤ 250 MB (bench/README.md measures it).
        resources={
            "requests": {"cpu": "250m", "memory": "192Mi"},
            "limits": {"cpu": "1", "memory": "320Mi"},
        },
    )


PROCESSES = [*(grpc_service(name) for name in SERVICES), gateway()]


def _deployment(process: Process) -> Manifest:
    name = process.name
    labels = {"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "serialtrace"}
    container = {
        "name": name,
        "image": IMAGE.format(name=name),
        "ports": process.ports,
        "env": process.env,
        "envFrom": [{"configMapRef": {"name": CONFIG_MAP}}],
        "readinessProbe": process.readiness,
        "livenessProbe": process.liveness,
        "resources": process.resources,
        "securityContext": CONTAINER_SECURITY,
        "volumeMounts": TMP_MOUNT,
    }
    pod = {
        "securityContext": POD_SECURITY,
        "terminationGracePeriodSeconds": 30,
        **({"initContainers": process.init_containers} if process.init_containers else {}),
        "containers": [container],
        "volumes": [{"name": "tmp", "emptyDir": {}}],
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
            "template": {"metadata": {"labels": labels}, "spec": pod},
        },
    }


def _service(process: Process) -> Manifest:
    name = process.name
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "labels": {"app.kubernetes.io/name": name}},
        "spec": {"selector": {"app.kubernetes.io/name": name}, "ports": process.service_ports},
    }


def _autoscaler(process: Process) -> Manifest:
    name = process.name
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": name},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
            "minReplicas": 2,
            "maxReplicas": 6,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": 70},
                    },
                }
            ],
        },
    }


def _disruption_budget(process: Process) -> Manifest:
    name = process.name
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": name},
        "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app.kubernetes.io/name": name}}},
    }


def _config() -> Manifest:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": CONFIG_MAP},
        "data": {
            "SERIALTRACE_ENV": "production",
            "SERIALTRACE_LOG_LEVEL": "INFO",
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel-collector:4317",
            "WAREHOUSE_GS1_COMPANY_PREFIX": "0614141",
        },
    }


class _Dumper(yaml.SafeDumper):
    """Writes shared values out in full: no &anchors/*aliases in the manifests."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _dump(*docs: Manifest) -> str:
    return yaml.dump_all(docs, Dumper=_Dumper, sort_keys=False)


def render() -> dict[str, str]:
    """File name → YAML text for the whole base."""
    files = {"config.yaml": _dump(_config())}
    for process in PROCESSES:
        files[f"{process.name}.yaml"] = _dump(
            _deployment(process),
            _service(process),
            _autoscaler(process),
            _disruption_budget(process),
        )
    files["kustomization.yaml"] = _dump(
        {
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            "resources": sorted(files),
        }
    )
    header = "# Rendered by deploy/k8s/render.py (`make k8s`); edit that, not this.\n"
    return {name: header + text for name, text in files.items()}


if __name__ == "__main__":
    BASE.mkdir(parents=True, exist_ok=True)
    for file_name, text in render().items():
        (BASE / file_name).write_text(text)
        print(BASE / file_name)
    sys.exit(0)
