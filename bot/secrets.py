"""Secrets at rest and in memory: the Fernet key, the box that seals dicts, and :class:`Secret`.

Harvest passwords and tokens and Slack tokens are stored only as Fernet tokens made by
:class:`SecretBox`. The key comes from ``HARVEST_BOT_SECRET_KEY`` or, when that is unset, from a
key file created on first run with mode 0600. The variable may list several keys separated by
commas: the first seals, all of them open, so a key can be rotated without losing links.

::

    SecretsError
    ├── SecretKeyError     the key is missing, malformed or its file is readable by others
    └── DecryptionError    a stored blob does not open with the configured key(s)
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import re
import stat
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

KEY_ENV = "HARVEST_BOT_SECRET_KEY"


class SecretsError(Exception):
    """A secret could not be loaded or opened."""


class SecretKeyError(SecretsError):
    """The encryption key is missing, malformed or not private."""


class DecryptionError(SecretsError):
    """A stored secret does not open with the configured key."""


class Secret:
    """A string that does not show itself: repr, str and format print a mask.

    Call :meth:`reveal` at the one place the value is really needed (an HTTP header, a
    signature). Not a ``str`` subclass on purpose: concatenation or ``json.dumps`` would leak it.
    """

    __slots__ = ("_value",)
    MASK = "**********"

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The value itself, for the call that sends it."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret('{self.MASK}')" if self._value else "Secret('')"

    def __str__(self) -> str:
        return self.MASK if self._value else ""

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self) -> Any:
        # Pickling would carry the value out of the process; nothing here needs it.
        raise TypeError("Secret values cannot be pickled")


def _parse_keys(text: str, origin: str) -> list[bytes]:
    keys = [part.strip().encode() for part in text.split(",") if part.strip()]
    if not keys:
        raise SecretKeyError(f"{origin} is empty")
    for index, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except ValueError:
            # Never echo the key: say which one and what a good one looks like.
            raise SecretKeyError(
                f"{origin}: key {index} is not a Fernet key (32 url-safe base64-encoded bytes; "
                "make one with `python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'`)"
            ) from None
    return keys


def load_keys(key_file: Path, env: Mapping[str, str]) -> list[bytes]:
    """The Fernet keys, newest first: from ``HARVEST_BOT_SECRET_KEY``, else from ``key_file``.

    The file is created with a fresh key (mode 0600, its folder 0700) when it does not exist;
    two processes starting at once end up with the same key.

    :raises SecretKeyError: a key is malformed, or the file is readable by group or others.
    """
    if env.get(KEY_ENV, "").strip():
        return _parse_keys(env[KEY_ENV], KEY_ENV)
    key_file = Path(key_file)
    if not key_file.exists():
        key_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        _create_key_file(key_file)
    mode = stat.S_IMODE(key_file.stat().st_mode)
    if mode & 0o077:
        raise SecretKeyError(
            f"Key file {key_file} is readable by others (mode {mode:o}); run `chmod 600 {key_file}`"
        )
    return _parse_keys(key_file.read_text(), f"Key file {key_file}")


def _create_key_file(key_file: Path) -> None:
    """Write a fresh key where no key is yet, atomically: a reader never sees a half-written file.

    The key goes into a private temporary file first, which is then hard-linked into place;
    linking fails if another process got there first, and theirs is the key everyone uses.
    """
    fd, temporary = tempfile.mkstemp(prefix=".key-", dir=key_file.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(Fernet.generate_key() + b"\n")
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o600)
        try:
            os.link(temporary, key_file)
        except FileExistsError:
            pass  # another process made it first; read theirs
    finally:
        os.unlink(temporary)


class SecretBox:
    """Seals JSON-able dicts into Fernet tokens and opens them again."""

    def __init__(self, keys: Sequence[bytes]) -> None:
        if not keys:
            raise SecretKeyError("At least one key is needed")
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    @classmethod
    def from_config(cls, key_file: Path, env: Mapping[str, str]) -> SecretBox:
        """The box for the configured key(s); see :func:`load_keys`.

        :raises SecretKeyError: as :func:`load_keys`.
        """
        return cls(load_keys(key_file, env))

    def __repr__(self) -> str:
        return "SecretBox(<keys hidden>)"

    def encrypt(self, data: Mapping[str, Any]) -> bytes:
        """Seal ``data`` (anything ``json.dumps`` takes) with the newest key."""
        return self._fernet.encrypt(
            json.dumps(dict(data), separators=(",", ":")).encode()
        )

    def decrypt(self, token: bytes) -> dict[str, Any]:
        """Open a token sealed by any of the configured keys.

        :raises DecryptionError: the token was sealed with another key or was altered.
        """
        try:
            opened = self._fernet.decrypt(bytes(token))
        except InvalidToken:
            raise DecryptionError(
                "A stored secret does not open with the configured key "
                f"(was {KEY_ENV} or the key file changed?)"
            ) from None
        data = json.loads(opened)
        if not isinstance(data, dict):
            raise DecryptionError("A stored secret is not a mapping")
        return data

    def rotate(self, token: bytes) -> bytes:
        """Re-seal a token with the newest key, for key rotation.

        :raises DecryptionError: the token opens with none of the keys.
        """
        try:
            return self._fernet.rotate(bytes(token))
        except InvalidToken:
            raise DecryptionError(
                "A stored secret does not open with the configured key"
            ) from None


#: Slack tokens in text: bot, user, refresh (``xoxe-``, ``xoxe.xoxp-``), app-level.
SLACK_TOKEN_TEXT = re.compile(r"\b(?:xox[a-z]|xapp)[.-][A-Za-z0-9.-]+")


class RedactSlackTokens(logging.Filter):
    """Masks Slack tokens in the records of the logger it is on.

    slack_sdk's Web API client logs every request's data and every response's body at DEBUG:
    ``oauth.v2.access`` answers with the workspace's bot token, user token and refresh token,
    and a token rotation sends the refresh token. At DEBUG these would reach the log in clear.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = SLACK_TOKEN_TEXT.sub(lambda m: m.group()[:5] + Secret.MASK, message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def redacting_logger(name: str) -> logging.Logger:
    """The logger ``name`` with :class:`RedactSlackTokens` on it (once), for a Slack client."""
    logger = logging.getLogger(name)
    if not any(isinstance(f, RedactSlackTokens) for f in logger.filters):
        logger.addFilter(RedactSlackTokens())
    return logger
