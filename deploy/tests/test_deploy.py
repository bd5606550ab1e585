"""deploy/ is validated, not run here (no Docker engine): the Kubernetes manifests
against the Kubernetes schemas, and every command, port and variable they name against
what the services actually accept."""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from serialtrace.common.cli import installed_services
from serialtrace.common.config import DEFAULT_ADDRS, ServiceSettings

DEPLOY = Path(__file__).resolve().parents[1]
REPO = DEPLOY.parent
K8S_VERSION = "1.30.0"


def _renderer() -> Any:
    spec = importlib.util.spec_from_file_location("render", DEPLOY / "k8s" / "render.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _documents() -> Iterator[dict[str, Any]]:
    for path in sorted((DEPLOY / "k8s" / "base").glob("*.yaml")):
        if path.name != "kustomization.yaml":
            yield from (d for d in yaml.safe_load_all(path.read_text()) if d)


class RecordingEnv(Mapping[str, str]):
    """An empty environment that remembers every variable a settings loader asks for."""

    def __init__(self) -> None:
        self.asked: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.asked.add(key)
        return default

    def __getitem__(self, key: str) -> str:
        self.asked.add(key)
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def variables_read_by(service: str) -> set[str]:
    env = RecordingEnv()
    ServiceSettings.from_env(service, env)
    if service == "warehouse":
        from serialtrace.warehouse.config import load_options

        load_options(env)
    return env.asked


def test_committed_manifests_are_what_the_renderer_produces() -> None:
    rendered = _renderer().render()
    committed = {p.name: p.read_text() for p in (DEPLOY / "k8s" / "base").glob("*.yaml")}
    assert committed == rendered, "deploy/k8s/base is stale: run `make k8s`"


@pytest.mark.parametrize(
    "document", list(_documents()), ids=lambda d: f"{d['kind']}/{d['metadata']['name']}"
)
def test_every_manifest_is_valid_kubernetes(document: dict[str, Any]) -> None:
    kubernetes_validate.validate(document, K8S_VERSION, strict=True)


def test_each_service_has_probes_limits_autoscaler_and_disruption_budget() -> None:
    docs = list(_documents())
    for service in DEFAULT_ADDRS:
        kinds = {d["kind"] for d in docs if d["metadata"]["name"] == service}
        assert kinds == {
            "Deployment",
            "Service",
            "HorizontalPodAutoscaler",
            "PodDisruptionBudget",
        }, service
        [deployment] = [
            d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == service
        ]
        pod = deployment["spec"]["template"]["spec"]
        [container] = pod["containers"]
        assert container["readinessProbe"]["grpc"] and container["livenessProbe"]["grpc"]
        assert container["resources"]["limits"] and container["resources"]["requests"]
        assert pod["securityContext"]["runAsNonRoot"] is True


def test_commands_ports_and_variables_are_ones_the_services_accept() -> None:
    services = installed_services()
    config = next(d for d in _documents() if d["kind"] == "ConfigMap")
    for deployment in (d for d in _documents() if d["kind"] == "Deployment"):
        name = deployment["metadata"]["name"]
        assert name in services, f"{name} is not an installed service"
        if name == "gateway":
            continue  # no database; see the gateway's own test below
        pod = deployment["spec"]["template"]["spec"]
        [migrate] = pod["initContainers"]
        assert migrate["command"] == ["serialtrace", "migrate", name]
        readable = variables_read_by(name)
        [container] = pod["containers"]
        named = {e["name"] for e in container["env"]} | set(config["data"])
        unknown = sorted(
            v
            for v in named
            if v not in readable
            and not (name != "warehouse" and v == "WAREHOUSE_GS1_COMPANY_PREFIX")
        )
        assert not unknown, f"{name} does not read {unknown}"
        addr = next(e["value"] for e in container["env"] if e["name"] == f"{name.upper()}_ADDR")
        grpc_port = next(p["containerPort"] for p in container["ports"] if p["name"] == "grpc")
        assert addr.endswith(f":{grpc_port}")
        assert container["readinessProbe"]["grpc"]["port"] == grpc_port


def test_the_gateway_deployment_probes_its_own_port_and_has_no_migrations() -> None:
    docs = [d for d in _documents() if d["metadata"]["name"] == "gateway"]
    kinds = {d["kind"] for d in docs}
    assert kinds == {"Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"}
    [deployment] = [d for d in docs if d["kind"] == "Deployment"]
    pod = deployment["spec"]["template"]["spec"]
    assert "initContainers" not in pod and pod["securityContext"]["runAsNonRoot"] is True
    [container] = pod["containers"]
    config = next(d for d in _documents() if d["kind"] == "ConfigMap")
    named = {e["name"] for e in container["env"]} | set(config["data"])
    unknown = sorted(named - variables_read_by_gateway() - {"WAREHOUSE_GS1_COMPANY_PREFIX"})
    assert not unknown, f"the gateway does not read {unknown}"
    env = {e["name"]: e.get("value") for e in container["env"]}
    [port] = container["ports"]
    assert int(env["GATEWAY_PORT"]) == port["containerPort"] and port["name"] == "http"
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    for name, addr in DEFAULT_ADDRS.items():
        assert env[f"{name.upper()}_ADDR"] == f"{name}:{addr.rsplit(':')[1]}"


def test_the_image_is_multi_stage_non_root_health_checked_and_serves_the_service() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert len(re.findall(r"^FROM ", dockerfile, re.M)) == 2
    assert re.search(r"^USER 10001", dockerfile, re.M)
    assert "HEALTHCHECK" in dockerfile and "serialtrace health" in dockerfile
    assert 'serialtrace serve \\"$SERVICE\\"' in dockerfile
    # Every workspace member's manifest is copied for the cached dependency layer.
    for manifest in sorted(REPO.glob("services/*/pyproject.toml")):
        assert f"COPY {manifest.relative_to(REPO)} " in dockerfile, manifest


def _compose() -> dict[str, Any]:
    # PyYAML resolves the file's merge keys (<<), as Docker Compose does.
    document: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return document


def test_compose_file_is_valid_for_the_compose_specification() -> None:
    from compose_spec import PyCompose

    names = PyCompose.from_json(json.dumps(_compose())).service_names()
    assert {"postgres", "otel-collector", "jaeger", *DEFAULT_ADDRS} <= set(names)


def test_compose_services_run_what_the_services_accept() -> None:
    compose, services = _compose(), installed_services()
    init_sql = (DEPLOY / "postgres" / "init.sql").read_text()
    for name in DEFAULT_ADDRS:
        entry = compose["services"][name]
        assert entry["build"]["args"]["SERVICE"] == name and name in services
        assert entry["build"]["dockerfile"] == "deploy/Dockerfile"
        environment = entry["environment"]
        unknown = sorted(set(environment) - variables_read_by(name))
        assert not unknown, f"{name} does not read {unknown}"
        port = environment[f"{name.upper()}_ADDR"].rsplit(":", 1)[1]
        assert f"{port}:{port}" in entry["ports"]
        assert environment[f"{name.upper()}_DATABASE_URL"].endswith(f"/{name}")
        assert f"CREATE DATABASE {name};" in init_sql
        assert entry["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert environment["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://otel-collector:4317"


def test_compose_runs_the_gateway_on_the_port_it_binds() -> None:
    entry, services = _compose()["services"]["gateway"], installed_services()
    assert entry["build"]["args"]["SERVICE"] == "gateway" and "gateway" in services
    environment = entry["environment"]
    unknown = sorted(set(environment) - variables_read_by_gateway())
    assert not unknown, f"the gateway does not read {unknown}"
    port = environment["GATEWAY_PORT"]
    assert f"{port}:{port}" in entry["ports"] and environment["GATEWAY_HOST"] == "0.0.0.0"  # noqa: S104
    assert "postgres" not in entry["depends_on"]  # it owns no database
    assert set(entry["depends_on"]) >= set(DEFAULT_ADDRS)
    for name in DEFAULT_ADDRS:
        assert environment[f"{name.upper()}_ADDR"] == compose_service_addr(name)


def variables_read_by_gateway() -> set[str]:
    from serialtrace.gateway.config import GatewaySettings

    env = RecordingEnv()
    GatewaySettings.from_env(env)
    return env.asked


def compose_service_addr(name: str) -> str:
    port = _compose()["services"][name]["environment"][f"{name.upper()}_ADDR"].rsplit(":")[1]
    return f"{name}:{port}"


def test_the_collector_forwards_traces_to_jaeger() -> None:
    config = yaml.safe_load((DEPLOY / "otel-collector.yaml").read_text())
    [exporter] = config["service"]["pipelines"]["traces"]["exporters"]
    assert config["exporters"][exporter]["endpoint"] == "jaeger:4317"
    assert "otlp" in config["service"]["pipelines"]["traces"]["receivers"]
