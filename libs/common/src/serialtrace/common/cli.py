"""The `serialtrace` command: serve or migrate one service, print a token, run the suite,
sign and verify the audit ledgers."""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from importlib.metadata import entry_points
from typing import Any

from serialtrace.common.auth import Role, dev_token, issue_token
from serialtrace.common.config import (
    DEFAULT_METRICS_PORTS,
    CommonSettings,
    ConfigError,
    ServiceSettings,
    service_addr,
)

ENTRY_POINT_GROUP = "serialtrace.services"
# Packages add subcommands of their own (e.g. `import`) through this group: each entry
# point is a function given the subparsers; it sets `handler` (args → exit code).
COMMAND_ENTRY_POINT_GROUP = "serialtrace.commands"
# Start order of `serialtrace run`: what others depend on first.
RUN_ORDER = ("masterdata", "production", "warehouse", "quality", "epcis", "gateway")


def installed_services() -> dict[str, Any]:
    """Service definitions registered by the installed service packages."""
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def _service(name: str) -> Any:
    services = installed_services()
    if name not in services:
        known = ", ".join(sorted(services)) or "none"
        raise SystemExit(f"unknown service {name!r}; installed: {known}")
    return services[name].load()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="serialtrace", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="apply migrations, then serve one service")
    serve.add_argument("service")
    mig = commands.add_parser("migrate", help="apply one service's migrations and exit")
    mig.add_argument("service")
    tok = commands.add_parser("token", help="print a bearer token signed with the secret")
    tok.add_argument("--sub", required=True, help="the actor name recorded in audit entries")
    tok.add_argument(
        "--role",
        action="append",
        required=True,
        choices=[r.value for r in Role],
        help="repeat for several roles",
    )
    tok.add_argument("--ttl", type=int, default=12 * 3600, help="lifetime in seconds")
    commands.add_parser("run", help="start every installed service; Ctrl-C stops them all")
    health = commands.add_parser("health", help="exit 0 if a gRPC service reports SERVING")
    health.add_argument("target", help="a service name (its <NAME>_ADDR) or host:port")
    from serialtrace.common import audit_cli

    audit_commands = audit_cli.add_commands(commands)
    for command in entry_points(group=COMMAND_ENTRY_POINT_GROUP):
        command.load()(commands)
    args = parser.parse_args(argv)

    try:
        if args.command in audit_commands:
            return audit_commands[args.command](args)
        if getattr(args, "handler", None) is not None:
            return int(args.handler(args))
        if args.command == "serve":
            _service(args.service).serve()
        elif args.command == "migrate":
            _service(args.service).migrate()
            print(f"{args.service}: migrations applied")
        elif args.command == "token":
            print(issue_token(CommonSettings.from_env().jwt_secret, args.sub, args.role, args.ttl))
        elif args.command == "run":
            return run_suite()
        elif args.command == "health":
            from serialtrace.common.health_wait import is_serving

            target = args.target
            if target == "gateway":
                return 0 if gateway_is_healthy(os.environ) else 1
            if ":" not in target:
                target = service_addr(target, os.environ).replace("0.0.0.0", "127.0.0.1")  # noqa: S104
            return 0 if is_serving(target, timeout=3) else 1
    except ConfigError as exc:
        print(f"serialtrace: {exc}", file=sys.stderr)
        return 2
    return 0


def gateway_url(env: Mapping[str, str]) -> str:
    """The gateway's base URL from GATEWAY_HOST/GATEWAY_PORT (0.0.0.0 asked as loopback)."""
    host = env.get("GATEWAY_HOST", "127.0.0.1").replace("0.0.0.0", "127.0.0.1")  # noqa: S104
    return f"http://{host}:{env.get('GATEWAY_PORT', '8000')}"


def gateway_is_healthy(env: Mapping[str, str], timeout: float = 3) -> bool:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(f"{gateway_url(env)}/healthz", timeout=timeout) as reply:  # noqa: S310 - our own gateway
            return bool(reply.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def wait_until_healthy(name: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """Waits for the gateway's /healthz (the one process that is not a gRPC service)."""
    deadline = time.monotonic() + timeout
    while not gateway_is_healthy(os.environ, timeout=1):
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"{name} did not start (exit code {process.poll()})")
        time.sleep(0.2)


# Where the metrics servers listen (prometheus_client's default), and an address
# without a host.
ALL_INTERFACES = "0.0.0.0"  # noqa: S104


def ports_to_bind(names: list[str], env: Mapping[str, str]) -> list[tuple[str, int, str]]:
    """Every (host, port, environment variable that sets it) `run` will listen on: each
    service's gRPC address and metrics port, and the gateway's HTTP port."""
    wanted: list[tuple[str, int, str]] = []
    for name in names:
        if name == "gateway":
            host = env.get("GATEWAY_HOST", "127.0.0.1")
            wanted.append(
                (host, _port(env.get("GATEWAY_PORT") or "8000", "GATEWAY_PORT"), "GATEWAY_PORT")
            )
            continue
        if name not in DEFAULT_METRICS_PORTS:
            continue
        settings = ServiceSettings.from_env(name, env)
        host, _, port = settings.addr.rpartition(":")
        wanted.append(
            (
                host.strip("[]") or ALL_INTERFACES,
                _port(port, f"{name.upper()}_ADDR"),
                f"{name.upper()}_ADDR",
            )
        )
        if settings.metrics_port:  # 0: a free port the system picks
            wanted.append((ALL_INTERFACES, settings.metrics_port, f"{name.upper()}_METRICS_PORT"))
    return wanted


def _port(text: str, variable: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ConfigError(f"{variable} must end in a port number, got {text!r}") from None


def check_ports_free(wanted: list[tuple[str, int, str]]) -> None:
    """ConfigError naming the first port that is taken (or asked for twice), and the
    variable to set, before anything is started."""
    seen: dict[int, str] = {}
    for host, port, variable in wanted:
        if port in seen:
            raise ConfigError(
                f"port {port} is asked for by both {seen[port]} and {variable}; set one of "
                "them to another port. Nothing was started."
            )
        seen[port] = variable
        if not _can_bind(host, port):
            raise ConfigError(
                f"port {port} ({variable}) is already in use on {host}; stop what holds it "
                f"or set {variable} to a free port. Nothing was started."
            )


def _can_bind(host: str, port: int) -> bool:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror:
        return True  # not an address of this machine: the service itself will say so
    for family, kind, proto, _, address in infos:
        with socket.socket(family, kind, proto) as probe:
            # As the servers bind: a port left in TIME_WAIT by a stopped run is free.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(address)
            except OSError:
                return False
    return True


def run_suite() -> int:
    """Starts each installed service as its own process, waits for health, and stays up
    until Ctrl-C, which stops them all (SIGTERM, then SIGKILL after a grace period).
    Every port is checked first: one taken means nothing is started."""
    from serialtrace.common.health_wait import wait_until_serving

    settings = CommonSettings.from_env()
    names = [n for n in RUN_ORDER if n in installed_services()]
    check_ports_free(ports_to_bind(names, os.environ))
    procs: dict[str, subprocess.Popen[bytes]] = {}
    stopping = False

    def stop(*_: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        for name in names:
            procs[name] = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                [sys.executable, "-m", "serialtrace.common.cli", "serve", name],
                env=os.environ.copy(),
            )
            if name in settings.service_addrs:
                wait_until_serving(settings.service_addrs[name], timeout=60)
            else:
                wait_until_healthy(name, procs[name])
        # A process may have more to do once everything is up (the gateway loads the
        # demo data into empty databases and says how to query it).
        after = [_service(n).after_start for n in names if hasattr(_service(n), "after_start")]
        banners = [hook() for hook in after]
        token = dev_token(settings.jwt_secret)
        print("\nserialtrace is running:")
        for name in names:
            where = settings.service_addrs.get(name) or f"{gateway_url(os.environ)}/graphql"
            print(f"  {name:<11} {where}")
        print(f"\nDev token (all roles, 12 h):\n  {token}")
        for banner in banners:
            print(banner)
        print("\nCtrl-C stops everything.", flush=True)
        while not stopping:
            for name, proc in procs.items():
                if proc.poll() is not None:
                    print(f"{name} exited with {proc.returncode}; stopping", file=sys.stderr)
                    return 1
            time.sleep(0.5)
        return 0
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for proc in procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
        print("stopped.")


if __name__ == "__main__":
    sys.exit(main())
