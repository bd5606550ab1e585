"""Settings from the environment, read in one place per process.

Every service builds its `ServiceSettings` once at start-up (in its own config module)
and passes it down; nothing else reads os.environ.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEV_JWT_SECRET = "serialtrace-development-secret-change-me"  # noqa: S105 - public dev default, refused in production

# Default gRPC addresses, in docs/operations.md's order.
DEFAULT_ADDRS: dict[str, str] = {
    "masterdata": "127.0.0.1:50051",
    "production": "127.0.0.1:50052",
    "warehouse": "127.0.0.1:50053",
    "quality": "127.0.0.1:50054",
    "epcis": "127.0.0.1:50055",
}
DEFAULT_METRICS_PORTS: dict[str, int] = {
    "masterdata": 9461,
    "production": 9462,
    "warehouse": 9463,
    "quality": 9464,
    "epcis": 9465,
}


class ConfigError(Exception):
    """The environment asks for something the process refuses to start with."""


def service_addr(name: str, env: Mapping[str, str]) -> str:
    """The gRPC address of service `name` (<NAME>_ADDR), for binding and for callers."""
    return env.get(f"{name.upper()}_ADDR") or DEFAULT_ADDRS[name]


@dataclass(frozen=True)
class CommonSettings:
    """What every process reads: environment kind, JWT secret, telemetry."""

    env: str
    jwt_secret: str
    data_dir: Path
    otlp_endpoint: str | None
    log_level: str
    service_addrs: Mapping[str, str]

    @staticmethod
    def from_env(env: Mapping[str, str] | None = None) -> CommonSettings:
        env = os.environ if env is None else env
        kind = env.get("SERIALTRACE_ENV", "development")
        secret = env.get("SERIALTRACE_JWT_SECRET") or DEV_JWT_SECRET
        if kind == "production" and secret == DEV_JWT_SECRET:
            raise ConfigError(
                "SERIALTRACE_ENV=production but SERIALTRACE_JWT_SECRET is unset or the "
                "development default; set a real secret"
            )
        if len(secret.encode()) < 32:  # RFC 7518 §3.2: HS256 keys of at least 256 bits
            raise ConfigError("SERIALTRACE_JWT_SECRET must be at least 32 bytes long")
        return CommonSettings(
            env=kind,
            jwt_secret=secret,
            data_dir=Path(env.get("SERIALTRACE_DATA_DIR", ".data")),
            otlp_endpoint=env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or None,
            log_level=env.get("SERIALTRACE_LOG_LEVEL", "INFO").upper(),
            service_addrs={name: service_addr(name, env) for name in DEFAULT_ADDRS},
        )


DEFAULT_CHECKPOINT_EVERY = 1000
DEFAULT_CHECKPOINT_INTERVAL_SECONDS = 3600


@dataclass(frozen=True)
class SigningSettings:
    """Where the ledger-checkpoint signing key comes from, and how often to sign.

    `every`: sign the head once this many entries were appended since the last
    checkpoint (0 turns it off); `interval_seconds`: sign at least this often while the
    service runs (0 turns the schedule off)."""

    key_text: str | None = field(repr=False)
    key_file: Path | None
    every: int
    interval_seconds: int

    @staticmethod
    def from_env(env: Mapping[str, str], kind: str) -> SigningSettings:
        key_text = env.get("SERIALTRACE_SIGNING_KEY") or None
        key_file = env.get("SERIALTRACE_SIGNING_KEY_FILE") or None
        if kind == "production" and not key_text and not key_file:
            raise ConfigError(
                "SERIALTRACE_ENV=production but neither SERIALTRACE_SIGNING_KEY nor "
                "SERIALTRACE_SIGNING_KEY_FILE is set; give the suite its checkpoint "
                "signing key (`serialtrace signing-key --out FILE` makes one)"
            )
        every = _int(env, "SERIALTRACE_CHECKPOINT_EVERY", DEFAULT_CHECKPOINT_EVERY)
        interval = _int(env, "SERIALTRACE_CHECKPOINT_INTERVAL", DEFAULT_CHECKPOINT_INTERVAL_SECONDS)
        for name, value in (
            ("SERIALTRACE_CHECKPOINT_EVERY", every),
            ("SERIALTRACE_CHECKPOINT_INTERVAL", interval),
        ):
            if value < 0:
                raise ConfigError(f"{name} must be 0 (off) or a positive integer, got {value}")
        return SigningSettings(
            key_text=key_text,
            key_file=Path(key_file) if key_file else None,
            every=every,
            interval_seconds=interval,
        )


@dataclass(frozen=True)
class ServiceSettings:
    """One gRPC service's settings: where it binds, its database, its metrics port."""

    name: str
    addr: str
    database_url: str
    metrics_port: int
    grpc_workers: int
    common: CommonSettings
    signing: SigningSettings

    @staticmethod
    def from_env(name: str, env: Mapping[str, str] | None = None) -> ServiceSettings:
        env = os.environ if env is None else env
        common = CommonSettings.from_env(env)
        prefix = name.upper()
        url = env.get(f"{prefix}_DATABASE_URL") or default_sqlite_url(common.data_dir, name)
        return ServiceSettings(
            name=name,
            addr=service_addr(name, env),
            database_url=url,
            metrics_port=_int(env, f"{prefix}_METRICS_PORT", DEFAULT_METRICS_PORTS[name]),
            grpc_workers=_int(env, f"{prefix}_GRPC_WORKERS", 16),
            common=common,
            signing=SigningSettings.from_env(env, common.env),
        )


def default_sqlite_url(data_dir: Path, name: str) -> str:
    """The zero-setup database: a SQLite file per service under the data folder."""
    return f"sqlite:///{(data_dir / f'{name}.db').resolve()}"


def _int(env: Mapping[str, str], key: str, default: int) -> int:
    raw = env.get(key)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{key} must be an integer, got {raw!r}") from None
