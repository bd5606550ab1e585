"""deploy/ is validated, not run here (no Docker engine): the Kubernetes manifests
against the Kubernetes schemas, and every command, port and variable they name against
what the services actually accept."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from serialtrace.common.cli import installed_services
from serialtrace.common.config import DEFAULT_ADDRS, ServiceSettings
from serialtrace.gateway.config import GatewaySettings

DEPLOY = Path(__file__).resolve().parents[1]
REPO = DEPLOY.parent
K8S_VERSION = "1.30.0"
PROCESSES = [*DEFAULT_ADDRS, "gateway"]  # what `serialtrace serve` runs, one Deployment each
PLACEHOLDER_SECRET = "a-stand-in-secret-of-at-least-32-bytes"
# The ConfigMap is shared: variables in it that only some processes read.
SHARED_CONFIG_READ_BY = {"WAREHOUSE_GS1_COMPANY_PREFIX": "warehouse"}


def _renderer() -> Any:
    spec = importlib.util.spec_from_file_location("deploy_k8s_render", DEPLOY / "k8s" / "render.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # as `import` does (dataclasses look their module up)
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
    if service == "production":
        from serialtrace.production.config import load_options as production_options

        production_options(env)
    return env.asked


def variables_read_by_gateway() -> set[str]:
    env = RecordingEnv()
    GatewaySettings.from_env(env)
    return env.asked


def _named(kind: str, name: str) -> dict[str, Any]:
    [document] = [d for d in _documents() if d["kind"] == kind and d["metadata"]["name"] == name]
    return document


def _config_map() -> dict[str, Any]:
    return _named("ConfigMap", "serialtrace-config")


def _only_container(deployment: dict[str, Any]) -> dict[str, Any]:
    container: dict[str, Any]
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    return container


def _container_port(container: dict[str, Any], port: int | str) -> int:
    """A probe's or a Service's port (a number or a container port's name) as a number."""
    if isinstance(port, int):
        return port
    [number] = [p["containerPort"] for p in container["ports"] if p["name"] == port]
    return int(number)


def _pod_environment(container: dict[str, Any]) -> dict[str, str]:
    """What the container's process sees: the ConfigMap, then its own env (secrets as a
    stand-in value, since the Secret is created per environment)."""
    env = dict(_config_map()["data"])
    for variable in container["env"]:
        env[variable["name"]] = variable.get("value", PLACEHOLDER_SECRET)
    return env


def _compose_environment(entry: dict[str, Any]) -> dict[str, str]:
    """The entry's environment as Compose interpolates it from an empty shell environment
    (`${X:-default}` → default; `${X:?error}` → a stand-in, as the user must set it)."""

    def interpolate(match: re.Match[str]) -> str:
        return match["default"] if match["kind"] == "-" else PLACEHOLDER_SECRET

    pattern = re.compile(r"\$\{\w+:(?P<kind>[-?])(?P<default>[^}]*)\}")
    return {k: pattern.sub(interpolate, str(v)) for k, v in entry["environment"].items()}


def test_committed_manifests_are_what_the_renderer_produces() -> None:
    rendered = _renderer().render()
    committed = {p.name: p.read_text() for p in (DEPLOY / "k8s" / "base").glob("*.yaml")}
    assert committed == rendered, "deploy/k8s/base is stale: run `make k8s`"
    resources = yaml.safe_load(committed["kustomization.yaml"])["resources"]
    assert sorted(resources) == sorted(set(committed) - {"kustomization.yaml"})
    assert {f"{name}.yaml" for name in PROCESSES} <= set(resources)


@pytest.mark.parametrize(
    "document", list(_documents()), ids=lambda d: f"{d['kind']}/{d['metadata']['name']}"
)
def test_every_manifest_is_valid_kubernetes(document: dict[str, Any]) -> None:
    kubernetes_validate.validate(document, K8S_VERSION, strict=True)


@pytest.mark.parametrize("name", PROCESSES)
def test_each_process_has_probes_limits_autoscaler_and_disruption_budget(name: str) -> None:
    kinds = {d["kind"] for d in _documents() if d["metadata"]["name"] == name}
    assert kinds == {"Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"}
    deployment = _named("Deployment", name)
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    pod = deployment["spec"]["template"]["spec"]
    container = _only_container(deployment)
    assert container["readinessProbe"] and container["livenessProbe"]
    assert container["resources"]["limits"] and container["resources"]["requests"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    autoscaler = _named("HorizontalPodAutoscaler", name)["spec"]
    assert autoscaler["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": name,
    }
    assert autoscaler["minReplicas"] >= 2 and autoscaler["maxReplicas"] > autoscaler["minReplicas"]
    budget = _named("PodDisruptionBudget", name)["spec"]
    # A budget the autoscaler's minimum can always meet, so nodes can still be drained.
    assert 1 <= budget["minAvailable"] < autoscaler["minReplicas"]
    assert budget["selector"]["matchLabels"].items() <= pod_labels.items()
    assert _named("Service", name)["spec"]["selector"].items() <= pod_labels.items()


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
            v for v in named if v not in readable and SHARED_CONFIG_READ_BY.get(v, name) == name
        )
        assert not unknown, f"{name} does not read {unknown}"
        addr = next(e["value"] for e in container["env"] if e["name"] == f"{name.upper()}_ADDR")
        grpc_port = next(p["containerPort"] for p in container["ports"] if p["name"] == "grpc")
        assert addr.endswith(f":{grpc_port}")
        assert container["readinessProbe"]["grpc"]["port"] == grpc_port


def test_the_gateway_deployment_probes_the_port_it_binds_and_has_no_migrations() -> None:
    deployment = _named("Deployment", "gateway")
    assert "initContainers" not in deployment["spec"]["template"]["spec"]  # no database
    container = _only_container(deployment)
    named = {e["name"] for e in container["env"]} | set(_config_map()["data"])
    unknown = sorted(
        v
        for v in named - variables_read_by_gateway()
        if SHARED_CONFIG_READ_BY.get(v, "gateway") == "gateway"
    )
    assert not unknown, f"the gateway does not read {unknown}"
    settings = GatewaySettings.from_env(_pod_environment(container))
    assert settings.host == "0.0.0.0"  # noqa: S104 - reachable from the kubelet and the Service
    readiness, liveness = container["readinessProbe"], container["livenessProbe"]
    assert readiness["httpGet"]["path"] == "/readyz" and liveness["httpGet"]["path"] == "/healthz"
    assert _container_port(container, readiness["httpGet"]["port"]) == settings.port
    assert _container_port(container, liveness["httpGet"]["port"]) == settings.port
    [http] = _named("Service", "gateway")["spec"]["ports"]
    assert _container_port(container, http["targetPort"]) == settings.port
    # It calls each service at that service's Kubernetes Service, on the port that
    # Service forwards to the port the service binds.
    for name, addr in settings.common.service_addrs.items():
        host, port = addr.rsplit(":", 1)
        assert host == name
        [forwarded] = [
            p for p in _named("Service", name)["spec"]["ports"] if p["port"] == int(port)
        ]
        service_container = _only_container(_named("Deployment", name))
        bound = ServiceSettings.from_env(name, _pod_environment(service_container)).addr
        assert _container_port(service_container, forwarded["targetPort"]) == int(
            bound.rsplit(":", 1)[1]
        )


def test_the_image_is_multi_stage_non_root_health_checked_and_serves_the_service() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert len(re.findall(r"^FROM ", dockerfile, re.M)) == 3  # assets, build, runtime
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
    assert {"postgres", "otel-collector", "jaeger", *PROCESSES} <= set(names)


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
    services = _compose()["services"]
    entry = services["gateway"]
    assert entry["build"]["args"]["SERVICE"] == "gateway" and "gateway" in installed_services()
    assert entry["build"]["dockerfile"] == "deploy/Dockerfile"
    unknown = sorted(set(entry["environment"]) - variables_read_by_gateway())
    assert not unknown, f"the gateway does not read {unknown}"
    settings = GatewaySettings.from_env(_compose_environment(entry))
    assert settings.host == "0.0.0.0"  # noqa: S104 - published outside its container
    assert f"{settings.port}:{settings.port}" in entry["ports"]
    assert settings.common.otlp_endpoint == "http://otel-collector:4317"
    # No database to wait for; started once the four services are healthy.
    assert "postgres" not in entry["depends_on"] and "otel-collector" in entry["depends_on"]
    for name, addr in settings.common.service_addrs.items():
        assert entry["depends_on"][name]["condition"] == "service_healthy"
        bound = ServiceSettings.from_env(name, _compose_environment(services[name])).addr
        assert addr == f"{name}:{bound.rsplit(':', 1)[1]}"


def test_the_collector_forwards_traces_to_jaeger() -> None:
    config = yaml.safe_load((DEPLOY / "otel-collector.yaml").read_text())
    [exporter] = config["service"]["pipelines"]["traces"]["exporters"]
    assert config["exporters"][exporter]["endpoint"] == "jaeger:4317"
    assert "otlp" in config["service"]["pipelines"]["traces"]["receivers"]


def test_the_gateway_image_gets_graphiql_assets_from_the_pinned_packages() -> None:
    from serialtrace.gateway.graphiql import ASSET_PACKAGES

    dockerfile = (DEPLOY / "Dockerfile").read_text()
    # Installed from the lock, without buf (a devDependency).
    assert "COPY package.json package-lock.json" in dockerfile
    assert "npm ci --omit=dev" in dockerfile
    # The packages the image copies are exactly those the gateway serves files from,
    # which are exactly package.json's runtime dependencies.
    copied = re.findall(r"node_modules/(@?[\w.-]+(?:/[\w.-]+)?)", dockerfile)
    assert sorted(copied) == ASSET_PACKAGES
    assert sorted(json.loads((REPO / "package.json").read_text())["dependencies"]) == ASSET_PACKAGES
    # ...into the folder the gateway is told to serve them from.
    [target] = re.findall(r"^COPY --from=graphiql /assets (\S+)$", dockerfile, re.M)
    [configured] = re.findall(r"GATEWAY_GRAPHIQL_ASSETS=(\S+)", dockerfile)
    assert target == configured
    assert GatewaySettings.from_env(
        {"GATEWAY_GRAPHIQL_ASSETS": configured}
    ).graphiql_assets == Path(configured)


def test_the_governance_dashboard_shows_only_metrics_the_gateway_exports() -> None:
    import prometheus_client

    import serialtrace.gateway.evidence
    import serialtrace.gateway.governance
    import serialtrace.gateway.schema  # noqa: F401 - each registers its metrics

    dashboard = json.loads((DEPLOY / "grafana" / "governance-dashboard.json").read_text())
    exported = {
        name
        for metric in prometheus_client.REGISTRY.collect()
        for name in (
            metric.name,
            *(f"{metric.name}{suffix}" for suffix in ("_total", "_sum", "_count", "_bucket")),
        )
    }
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel.get("targets", [])]
    used = {name for expr in exprs for name in re.findall(r"serialtrace_[a-z0-9_]+", expr)}
    assert used and used <= exported, used - exported
    assert {
        "serialtrace_governance_completeness",
        "serialtrace_governance_change_traceability",
        "serialtrace_governance_consistency_offenders",
    } <= used
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids)) and dashboard["uid"] == "serialtrace-governance"


# Which services each service calls (a peer it cannot find fails closed: UNAVAILABLE).
CALLS = {
    "production": ("masterdata", "quality", "warehouse"),
    "warehouse": ("masterdata", "production", "quality"),
    "quality": ("masterdata", "production", "warehouse"),  # masterdata: do held keys exist
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_each_service_is_told_where_the_services_it_calls_are(name: str) -> None:
    pod = _pod_environment(_only_container(_named("Deployment", name)))
    compose = _compose_environment(_compose()["services"][name])
    for peer in CALLS[name]:
        expected = f"{peer}:{DEFAULT_ADDRS[peer].rsplit(':', 1)[1]}"
        assert ServiceSettings.from_env(peer, pod).addr == expected, (name, peer)
        assert ServiceSettings.from_env(peer, compose).addr == expected, (name, peer)
