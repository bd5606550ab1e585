"""Renders the kustomize base under deploy/k8s/base from one description per service.

`make k8s` runs it; a test fails when the committed YAML differs from what it renders.
Each service gets: a ServiceAccount-free Deployment (non-root, read-only root
filesystem, native gRPC readiness/liveness probes, resources, an init container that
applies migrations), a Service, a HorizontalPodAutoscaler and a PodDisruptionBudget.
Configuration comes from the `serialtrace-config` ConfigMap and secrets from the
`serialtrace-secrets` Secret (created per environment, never committed).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

SERVICES = {"masterdata": 50051, "production": 50052, "warehouse": 50053, "quality": 50054}
METRICS = {"masterdata": 9461, "production": 9462, "warehouse": 9463, "quality": 9464}
IMAGE = "ghcr.io/serialtrace/{name}:latest"
BASE = Path(__file__).parent / "base"


def _env(name: str) -> list[dict[str, Any]]:
    upper = name.upper()
    env: list[dict[str, Any]] = [
        {"name": f"{upper}_ADDR", "value": f"0.0.0.0:{SERVICES[name]}"},
        {"name": f"{upper}_METRICS_PORT", "value": str(METRICS[name])},
        {
            "name": f"{upper}_DATABASE_URL",
            "valueFrom": {
                "secretKeyRef": {"name": "serialtrace-secrets", "key": f"{name}-database-url"}
            },
        },
        {
            "name": "SERIALTRACE_JWT_SECRET",
            "valueFrom": {"secretKeyRef": {"name": "serialtrace-secrets", "key": "jwt-secret"}},
        },
    ]
    # Where this service finds the others (Kubernetes Service DNS names).
    env += [
        {"name": f"{other.upper()}_ADDR", "value": f"{other}:{port}"}
        for other, port in SERVICES.items()
        if other != name
    ]
    return env


def _deployment(name: str) -> dict[str, Any]:
    port, labels = (
        SERVICES[name],
        {"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "serialtrace"},
    )
    container = {
        "name": name,
        "image": IMAGE.format(name=name),
        "args": [],
        "ports": [
            {"name": "grpc", "containerPort": port},
            {"name": "metrics", "containerPort": METRICS[name]},
        ],
        "env": _env(name),
        "envFrom": [{"configMapRef": {"name": "serialtrace-config"}}],
        "readinessProbe": {"grpc": {"port": port}, "periodSeconds": 5},
        "livenessProbe": {"grpc": {"port": port}, "periodSeconds": 15, "failureThreshold": 4},
        "resources": {
            "requests": {"cpu": "250m", "memory": "256Mi"},
            "limits": {"cpu": "1", "memory": "512Mi"},
        },
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        },
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],  # noqa: S108 - emptyDir, root fs is read-only
    }
    migrate = {
        **{k: container[k] for k in ("image", "env", "envFrom", "securityContext", "volumeMounts")},
        "name": "migrate",
        "command": ["serialtrace", "migrate", name],
        "resources": {
            "requests": {"cpu": "100m", "memory": "128Mi"},
            "limits": {"cpu": "500m", "memory": "256Mi"},
        },
    }
    del container["args"]
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "securityContext": {
                        "runAsNonRoot": True,
                        "runAsUser": 10001,
                        "runAsGroup": 10001,
                        "fsGroup": 10001,
                    },
                    "terminationGracePeriodSeconds": 30,
                    "initContainers": [migrate],
                    "containers": [container],
                    "volumes": [{"name": "tmp", "emptyDir": {}}],
                },
            },
        },
    }


def _service(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "labels": {"app.kubernetes.io/name": name}},
        "spec": {
            "selector": {"app.kubernetes.io/name": name},
            "ports": [
                {
                    "name": "grpc",
                    "port": SERVICES[name],
                    "targetPort": "grpc",
                    "appProtocol": "grpc",
                },
                {"name": "metrics", "port": METRICS[name], "targetPort": "metrics"},
            ],
        },
    }


def _autoscaler(name: str) -> dict[str, Any]:
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


def _disruption_budget(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": name},
        "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app.kubernetes.io/name": name}}},
    }


GATEWAY_PORT = 8000


def _gateway() -> list[dict[str, Any]]:
    """The graph: stateless, no database, no migrations; HTTP probes (/readyz waits for
    all four services). Same security settings as the services."""
    name = "gateway"
    labels = {"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "serialtrace"}
    service_pod = _deployment("masterdata")["spec"]["template"]["spec"]
    container = {
        "name": name,
        "image": IMAGE.format(name=name),
        "ports": [{"name": "http", "containerPort": GATEWAY_PORT}],
        "env": [
            {"name": "GATEWAY_HOST", "value": "0.0.0.0"},  # noqa: S104 - serves the pod network
            {"name": "GATEWAY_PORT", "value": str(GATEWAY_PORT)},
            *[e for e in _env("masterdata") if e["name"] == "SERIALTRACE_JWT_SECRET"],
            *[
                {"name": f"{other.upper()}_ADDR", "value": f"{other}:{port}"}
                for other, port in SERVICES.items()
            ],
        ],
        "envFrom": [{"configMapRef": {"name": "serialtrace-config"}}],
        "readinessProbe": {"httpGet": {"path": "/readyz", "port": "http"}, "periodSeconds": 5},
        "livenessProbe": {
            "httpGet": {"path": "/healthz", "port": "http"},
            "periodSeconds": 15,
            "failureThreshold": 4,
        },
        # SPEC §7: gateway RSS under load ≤ 250 MB.
        "resources": {
            "requests": {"cpu": "250m", "memory": "192Mi"},
            "limits": {"cpu": "1", "memory": "320Mi"},
        },
        "securityContext": service_pod["containers"][0]["securityContext"],
        "volumeMounts": service_pod["containers"][0]["volumeMounts"],
    }
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "securityContext": service_pod["securityContext"],
                    "terminationGracePeriodSeconds": 30,
                    "containers": [container],
                    "volumes": service_pod["volumes"],
                },
            },
        },
    }
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "labels": {"app.kubernetes.io/name": name}},
        "spec": {
            "selector": {"app.kubernetes.io/name": name},
            "ports": [{"name": "http", "port": 80, "targetPort": "http"}],
        },
    }
    return [deployment, service, _autoscaler(name), _disruption_budget(name)]


def _config() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "serialtrace-config"},
        "data": {
            "SERIALTRACE_ENV": "production",
            "SERIALTRACE_LOG_LEVEL": "INFO",
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel-collector:4317",
            "WAREHOUSE_GS1_COMPANY_PREFIX": "0614141",
        },
    }


def render() -> dict[str, str]:
    """File name → YAML text for the whole base."""
    files = {"config.yaml": yaml.safe_dump(_config(), sort_keys=False)}
    for name in SERVICES:
        docs = [_deployment(name), _service(name), _autoscaler(name), _disruption_budget(name)]
        files[f"{name}.yaml"] = yaml.safe_dump_all(docs, sort_keys=False)
    files["gateway.yaml"] = yaml.safe_dump_all(_gateway(), sort_keys=False)
    files["kustomization.yaml"] = yaml.safe_dump(
        {
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            "resources": sorted(f for f in files if f != "kustomization.yaml"),
        },
        sort_keys=False,
    )
    header = "# Rendered by deploy/k8s/render.py (`make k8s`); edit that, not this.\n"
    return {name: header + text for name, text in files.items()}


if __name__ == "__main__":
    BASE.mkdir(parents=True, exist_ok=True)
    for file_name, text in render().items():
        (BASE / file_name).write_text(text)
        print(BASE / file_name)
    sys.exit(0)
