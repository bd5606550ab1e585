"""Tokens, roles, settings and the `serialtrace` command."""

from __future__ import annotations

import subprocess
import sys
import time

import jwt
import pytest

from serialtrace.common.auth import Principal, Role, bearer_token, issue_token, roles, verify_token
from serialtrace.common.config import DEV_JWT_SECRET, CommonSettings, ConfigError, ServiceSettings
from serialtrace.common.errors import PermissionDenied, Unauthenticated

SECRET = "a-test-secret-that-is-long-enough-for-hs256"


def test_token_round_trip_carries_subject_and_roles() -> None:
    principal = verify_token(SECRET, issue_token(SECRET, "alice", ["operator", "viewer"]))
    assert principal.subject == "alice"
    assert principal.roles == {Role.OPERATOR, Role.VIEWER}


def test_tokens_signed_with_another_secret_or_expired_are_refused() -> None:
    with pytest.raises(Unauthenticated, match="not valid"):
        verify_token(
            SECRET, issue_token("another-secret-that-is-also-long-enough", "eve", ["admin"])
        )
    with pytest.raises(Unauthenticated, match="expired"):
        verify_token(SECRET, issue_token(SECRET, "bob", ["viewer"], ttl_seconds=-10))
    unsigned = jwt.encode({"sub": "eve", "roles": ["admin"]}, key="", algorithm="none")
    with pytest.raises(Unauthenticated):
        verify_token(SECRET, unsigned)


def test_a_token_is_verified_once_and_its_expiry_checked_on_every_call(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    token = issue_token(SECRET, "carol", ["operator"], ttl_seconds=60)
    decoded: list[str] = []
    real_decode = jwt.decode

    def counting_decode(*args: object, **kwargs: object) -> object:
        decoded.append(str(args[0]))
        return real_decode(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(jwt, "decode", counting_decode)
    first = verify_token(SECRET, token)
    assert verify_token(SECRET, token) == first
    assert decoded == [token]  # the second call did not verify the signature again
    later = time.time() + 61
    monkeypatch.setattr(time, "time", lambda: later)
    with pytest.raises(Unauthenticated, match="expired"):
        verify_token(SECRET, token)  # remembered, and still refused once expired
    with pytest.raises(Unauthenticated, match="not valid"):
        verify_token("another-secret-that-is-also-long-enough", token)


def test_role_check_allows_listed_roles_and_admin_only() -> None:
    allowed = roles(Role.QUALITY)
    Principal("q", frozenset({Role.QUALITY}), "t").require(allowed, "ReleaseHold")
    Principal("a", frozenset({Role.ADMIN}), "t").require(allowed, "ReleaseHold")
    with pytest.raises(
        PermissionDenied, match=r"ReleaseHold needs one of the roles \[admin, quality\]"
    ):
        Principal("o", frozenset({Role.OPERATOR}), "t").require(allowed, "ReleaseHold")


def test_bearer_token_is_read_from_metadata() -> None:
    assert bearer_token([("x", "y"), ("authorization", "Bearer abc")]) == "abc"
    assert bearer_token([("authorization", "Basic abc")]) is None


def test_production_refuses_the_development_secret() -> None:
    with pytest.raises(ConfigError, match="SERIALTRACE_JWT_SECRET"):
        CommonSettings.from_env({"SERIALTRACE_ENV": "production"})
    with pytest.raises(ConfigError):
        CommonSettings.from_env(
            {"SERIALTRACE_ENV": "production", "SERIALTRACE_JWT_SECRET": DEV_JWT_SECRET}
        )
    with pytest.raises(ConfigError, match="32 bytes"):
        CommonSettings.from_env({"SERIALTRACE_JWT_SECRET": "short"})
    ok = CommonSettings.from_env(
        {"SERIALTRACE_ENV": "production", "SERIALTRACE_JWT_SECRET": SECRET}
    )
    assert ok.jwt_secret == SECRET


def test_service_settings_defaults_and_overrides(tmp_path: object) -> None:
    defaults = ServiceSettings.from_env("masterdata", {"SERIALTRACE_DATA_DIR": "/srv/data"})
    assert defaults.addr == "127.0.0.1:50051"
    assert defaults.database_url == "sqlite:////srv/data/masterdata.db"
    custom = ServiceSettings.from_env(
        "quality",
        {"QUALITY_ADDR": "0.0.0.0:6000", "QUALITY_DATABASE_URL": "postgresql://db/quality"},
    )
    assert (custom.addr, custom.database_url) == ("0.0.0.0:6000", "postgresql://db/quality")
    with pytest.raises(ConfigError, match="QUALITY_METRICS_PORT"):
        ServiceSettings.from_env("quality", {"QUALITY_METRICS_PORT": "many"})


def test_serialtrace_token_command_prints_a_verifiable_token() -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "serialtrace.common.cli",
            "token",
            "--sub",
            "carol",
            "--role",
            "quality",
            "--role",
            "auditor",
        ],
        env={"SERIALTRACE_JWT_SECRET": SECRET, "PATH": ""},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    principal = verify_token(SECRET, out)
    assert principal.subject == "carol" and principal.roles == {Role.QUALITY, Role.AUDITOR}


def test_serialtrace_token_refuses_an_unknown_role() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "serialtrace.common.cli", "token", "--sub", "x", "--role", "god"],
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0 and "invalid choice" in result.stderr
