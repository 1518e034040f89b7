"""The key that encrypts webhook secrets at rest, kept outside the database.

A receiver verifies a delivery with the subscription's secret, so the
registry must be able to read it back (a hash would not do); but a dump or a
backup of the database must not reveal it. Each secret is therefore stored as
a Fernet token (AES-128-CBC with an HMAC-SHA256, from ``cryptography``), and
the key lives elsewhere: ``$ATLAS_REGISTRY_WEBHOOK_KEY`` (the key itself), else
the file ``$ATLAS_REGISTRY_WEBHOOK_KEY_FILE``, else
``~/.config/atlas-registry/webhook.key`` (under ``$XDG_CONFIG_HOME`` when set).
The file is made, readable by its owner only, the first time a webhook is
created; it is never made by the worker, which could only hold a key that
decrypts nothing, nor while the database holds a webhook sealed with another
key: each webhook keeps the :attr:`SecretBox.fingerprint` of its key, so a
create run where the key is not (another ``$XDG_CONFIG_HOME``, a server whose
key file is missing) is refused, naming where the key was looked for, instead
of sealing a webhook the worker could not open beside ones it can.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from atlas_registry.errors import ConfigurationError

KEY_ENV_VAR = "ATLAS_REGISTRY_WEBHOOK_KEY"
KEY_FILE_ENV_VAR = "ATLAS_REGISTRY_WEBHOOK_KEY_FILE"


def default_key_file() -> Path:
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "atlas-registry" / "webhook.key"


@dataclass(frozen=True)
class SecretBox:
    """Seals and opens webhook secrets with one key; ``source`` says where the key came from."""

    fernet: Fernet
    source: str
    fingerprint: str

    def seal(self, secret: str) -> str:
        return self.fernet.encrypt(secret.encode("ascii")).decode("ascii")

    def open(self, sealed: str, webhook_id: int) -> str:
        try:
            return self.fernet.decrypt(sealed.encode("ascii")).decode("ascii")
        except InvalidToken:
            raise ConfigurationError(
                f"the webhook key from {self.source} does not decrypt the secret of webhook "
                f"{webhook_id}: it is not the key the secret was sealed with (set "
                f"{KEY_ENV_VAR} or {KEY_FILE_ENV_VAR} to that key)"
            ) from None


def _box(text: str, source: str) -> SecretBox:
    """The box of the key ``text``; its fingerprint is a hash of the key, which reveals nothing
    of it, kept with each webhook to tell which key sealed it."""
    key = text.strip().encode("ascii", errors="replace")
    fingerprint = hashlib.sha256(b"atlas-registry webhook key\0" + key).hexdigest()[:16]
    return SecretBox(_fernet(key, source), source, fingerprint)


def _fernet(key: bytes, source: str) -> Fernet:
    try:
        return Fernet(key)
    except (ValueError, UnicodeEncodeError):
        raise ConfigurationError(
            f"the webhook key from {source} is not a Fernet key (32 url-safe base64 bytes; "
            "make one with: python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())')"
        ) from None


def load_key(*, create: bool = False) -> SecretBox:
    """The key in force; with ``create``, the key file is made when there is none yet."""
    given = os.environ.get(KEY_ENV_VAR)
    if given:
        return _box(given, f"${KEY_ENV_VAR}")
    path = key_file()
    source = f"the key file {path}"
    if not path.exists():
        if not create:
            raise ConfigurationError(
                f"no webhook key: {source} does not exist and {KEY_ENV_VAR} is not set (the "
                "key is made when the first webhook is created; a webhook's secret cannot be "
                "read without the key that sealed it)"
            )
        _write_new_key(path)
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigurationError(
            f"{source} is readable by others (mode {stat.S_IMODE(mode):o}): chmod 600 it"
        )
    return _box(path.read_text("ascii", errors="replace"), source)


def key_file() -> Path:
    """Where the key file is looked for (``$ATLAS_REGISTRY_WEBHOOK_KEY`` aside)."""
    return Path(os.environ.get(KEY_FILE_ENV_VAR) or default_key_file())


def _write_new_key(path: Path) -> None:
    """A new key at ``path``, created 0600 (never over an existing file)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return
    except OSError as exc:
        raise ConfigurationError(f"cannot create the webhook key file {path}: {exc}") from exc
    with contextlib.closing(os.fdopen(descriptor, "wb")) as out:
        out.write(Fernet.generate_key() + b"\n")
