"""`serialtrace serve masterdata` as a real process: health, reflection, metrics,
JSON logs with trace ids, and a clean exit on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request
from typing import Any

import grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from serialtrace.common.health_wait import wait_until_serving
from serialtrace.common.testing import TEST_JWT_SECRET, Caller, TestDatabases, token
from serialtrace.masterdata.v1 import masterdata_pb2 as pb
from serialtrace.masterdata.v1 import masterdata_pb2_grpc


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_process_answers_health_reflection_metrics_and_stops_on_sigterm(
    test_databases: TestDatabases,
) -> None:
    port, metrics = free_port(), free_port()
    env = {
        **os.environ,
        "MASTERDATA_ADDR": f"127.0.0.1:{port}",
        "MASTERDATA_DATABASE_URL": test_databases.create("process"),
        "MASTERDATA_METRICS_PORT": str(metrics),
        "SERIALTRACE_JWT_SECRET": TEST_JWT_SECRET,
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "serialtrace.common.cli", "serve", "masterdata"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until_serving(f"127.0.0.1:{port}", timeout=60)
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            services = _reflected_services(channel)
            assert "serialtrace.masterdata.v1.MasterdataService" in services
            assert "serialtrace.core.v1.LedgerService" in services
            assert "grpc.health.v1.Health" in services
            caller = Caller(
                masterdata_pb2_grpc.MasterdataServiceStub(channel), token("viewer", "viewer")
            )
            caller.BatchGetProducts(pb.BatchGetProductsRequest(skus=["NONE"]))
        body = urllib.request.urlopen(f"http://127.0.0.1:{metrics}/metrics", timeout=5).read()
        assert (
            b'serialtrace_grpc_requests_total{code="OK",method="BatchGetProducts",'
            b'service="masterdata"} 1.0'
        ) in body
        health = [sys.executable, "-m", "serialtrace.common.cli", "health", "masterdata"]
        assert subprocess.run(health, env=env, check=False).returncode == 0
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        assert subprocess.run(health, env=env, check=False).returncode == 1
    finally:
        if proc.poll() is None:
            proc.kill()
    logs = [
        json.loads(line)
        for line in (proc.stderr.read() if proc.stderr else "").splitlines()
        if line.startswith("{")
    ]
    messages = [entry["message"] for entry in logs]
    assert any(m.startswith("serving masterdata") for m in messages)
    assert "shutting down masterdata" in messages
    assert all(entry["service"] == "masterdata" for entry in logs)


def _reflected_services(channel: Any) -> set[str]:
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    request = reflection_pb2.ServerReflectionRequest(list_services="")
    [reply] = list(stub.ServerReflectionInfo(iter([request]), timeout=10))
    return {s.name for s in reply.list_services_response.service}
