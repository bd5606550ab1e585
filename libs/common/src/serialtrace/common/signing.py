"""The Ed25519 key that signs ledger checkpoints: from the environment, a file, or (in
development only) generated once into the data folder.

The key is never logged or printed; only its public half and its key id are.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from serialtrace.common.checkpoints import key_id, public_key_pem
from serialtrace.common.config import ConfigError, SigningSettings

log = logging.getLogger(__name__)

DEV_KEY_FILE_NAME = "checkpoint-signing-key.pem"


@dataclass(frozen=True)
class Signer:
    """The loaded signing key and where it came from (for the start-up log line)."""

    private_key: Ed25519PrivateKey
    source: str

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    @property
    def key_id(self) -> str:
        return key_id(self.public_key)

    @property
    def public_key_pem(self) -> str:
        return public_key_pem(self.public_key)

    def __repr__(self) -> str:  # never the key itself
        return f"Signer(key_id={self.key_id[:16]}…, source={self.source})"


def parse_private_key(text: str, where: str) -> Ed25519PrivateKey:
    """A PEM (PKCS#8) Ed25519 private key, or its 32-byte seed as base64 or hex."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_private_key(text.encode("ascii"), password=None)
        except (ValueError, TypeError):
            raise ConfigError(f"{where} is not a readable unencrypted PEM private key") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise ConfigError(f"{where} holds a private key that is not Ed25519")
        return key
    seed: bytes | None = None
    try:
        seed = bytes.fromhex(text) if len(text) == 64 else base64.b64decode(text, validate=True)
    except (ValueError, binascii.Error):
        seed = None
    if seed is None or len(seed) != 32:
        raise ConfigError(
            f"{where} must be an Ed25519 private key in PEM, or its 32-byte seed in "
            "base64 or hex (`serialtrace signing-key --out FILE` writes one)"
        )
    return Ed25519PrivateKey.from_private_bytes(seed)


def private_key_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def write_private_key(path: Path, key: Ed25519PrivateKey) -> None:
    """Writes the key readable by its owner only; FileExistsError if `path` exists.

    Written beside `path` first and linked into place, so a process that starts at the
    same moment reads either no file or the whole key, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as out:
            out.write(private_key_pem(key))
        os.link(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def load_signer(settings: SigningSettings, data_dir: Path, env_kind: str) -> Signer:
    """The configured key: SERIALTRACE_SIGNING_KEY, else SERIALTRACE_SIGNING_KEY_FILE,
    else (development only) the key in the data folder, generated on first use."""
    if settings.key_text:
        return Signer(parse_private_key(settings.key_text, "SERIALTRACE_SIGNING_KEY"), "env")
    if settings.key_file is not None:
        try:
            text = settings.key_file.read_text("ascii")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(
                f"SERIALTRACE_SIGNING_KEY_FILE {settings.key_file} cannot be read "
                f"({type(exc).__name__})"
            ) from None
        return Signer(
            parse_private_key(text, f"SERIALTRACE_SIGNING_KEY_FILE {settings.key_file}"),
            str(settings.key_file),
        )
    if env_kind == "production":  # config refuses this already; kept as the last guard
        raise ConfigError("no checkpoint signing key is configured")
    path = data_dir / DEV_KEY_FILE_NAME
    if not path.exists():
        try:
            write_private_key(path, Ed25519PrivateKey.generate())
            log.warning("generated a development checkpoint signing key in %s", path)
        except FileExistsError:  # another service of the suite made it first
            pass
    return Signer(parse_private_key(path.read_text("ascii"), str(path)), str(path))
