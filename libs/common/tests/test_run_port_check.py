"""`serialtrace run` checks every port it will listen on before starting anything."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from serialtrace.common.config import DEFAULT_ADDRS


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_run_with_a_port_taken_exits_at_once_naming_it_and_starts_nothing(
    tmp_path: Path,
) -> None:
    grpc_ports, metrics_ports = _free_ports(len(DEFAULT_ADDRS)), _free_ports(len(DEFAULT_ADDRS))
    env = {
        **os.environ,
        "SERIALTRACE_DATA_DIR": str(tmp_path / "data"),
        **{
            f"{n.upper()}_ADDR": f"127.0.0.1:{p}"
            for n, p in zip(DEFAULT_ADDRS, grpc_ports, strict=True)
        },
        **{
            f"{n.upper()}_METRICS_PORT": str(p)
            for n, p in zip(DEFAULT_ADDRS, metrics_ports, strict=True)
        },
    }
    for name in DEFAULT_ADDRS:
        env.pop(f"{name.upper()}_DATABASE_URL", None)
    with socket.socket() as held:  # the gateway's port, taken by someone else
        held.bind(("127.0.0.1", 0))
        held.listen()
        env["GATEWAY_PORT"] = str(held.getsockname()[1])
        done = subprocess.run(
            [sys.executable, "-m", "serialtrace.common.cli", "run"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode != 0
    assert f"port {env['GATEWAY_PORT']} (GATEWAY_PORT) is already in use" in done.stderr
    assert "Nothing was started" in done.stderr
    # No service came up, none created its database.
    assert not any(_listening(p) for p in grpc_ports + metrics_ports)
    assert not (tmp_path / "data").exists()


def test_run_with_a_metrics_port_taken_names_its_variable(tmp_path: Path) -> None:
    grpc_ports, metrics_ports = _free_ports(len(DEFAULT_ADDRS)), _free_ports(len(DEFAULT_ADDRS))
    [gateway_port] = _free_ports(1)
    env = {
        **os.environ,
        "SERIALTRACE_DATA_DIR": str(tmp_path / "data"),
        "GATEWAY_PORT": str(gateway_port),
        **{
            f"{n.upper()}_ADDR": f"127.0.0.1:{p}"
            for n, p in zip(DEFAULT_ADDRS, grpc_ports, strict=True)
        },
    }
    with socket.socket() as held:
        held.bind(("0.0.0.0", 0))  # noqa: S104 - where metrics servers listen
        held.listen()
        taken = held.getsockname()[1]
        env.update(
            {
                f"{n.upper()}_METRICS_PORT": str(p)
                for n, p in zip(DEFAULT_ADDRS, metrics_ports, strict=True)
            }
        )
        env["QUALITY_METRICS_PORT"] = str(taken)
        done = subprocess.run(
            [sys.executable, "-m", "serialtrace.common.cli", "run"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode != 0
    assert f"port {taken} (QUALITY_METRICS_PORT) is already in use" in done.stderr
    assert not any(_listening(p) for p in [*grpc_ports, gateway_port])
